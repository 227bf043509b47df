"""`py_pytest_test`: a py_test that runs pytest on its own `srcs` under Bazel's test contract.

    load("//tools/pytest_runner:defs.bzl", "py_pytest_test")

    py_pytest_test(
        name = "geo_test",
        srcs = ["test_geo.py"],
        category = "unit",
        deps = ["//d1_targeting", requirement("hypothesis")],
    )

`category` is one of "unit", "integration", "e2e" (see tools/pytest_runner/categories.py): it becomes the
target's tag (`bazel test //... --test_tag_filters=unit`) and the pytest marker of every test in the target
(`pytest -m "not e2e"` reads the same line of the BUILD file), so the two cannot disagree.

Every target gets pytest, pytest-asyncio, pytest-randomly, coverage and the shared kit `//testing`
(whose pytest plugin provides seeded Faker, Hypothesis profiles and async fixtures). Only the target's own
`srcs` are collected. JUnit XML, `--test_filter`, `shard_count`, `--runs_per_test` and `bazel coverage`
work as for any Bazel test; see tools/pytest_runner/pytest_main.py.
"""

load("@pypi//:requirements.bzl", "requirement")

_RUNNER_DEPS = [
    "//tools/pytest_runner:pytest_runner",
    requirement("pytest"),
    requirement("pytest-asyncio"),
    requirement("pytest-randomly"),
    requirement("coverage"),
]

def _canonical(label):
    """"//a/b" and "//a/b:b" name the same target; requirement() labels are already canonical."""
    if label.startswith("//") and ":" not in label:
        return label + ":" + label.split("/")[-1]
    return label

CATEGORIES = ["unit", "integration", "e2e"]

def py_pytest_test(name, srcs, category, deps = [], data = [], args = [], size = "small", tags = [], **kwargs):
    """Declares a pytest-driven py_test.

    Args:
      name: target name, conventionally `<area>_test`.
      srcs: the test files (test_*.py) this target collects; conftest.py files may be listed too.
      category: "unit", "integration" or "e2e"; becomes the target's tag and its tests' pytest marker.
      deps: libraries under test and anything the tests import.
      data: runtime files the tests read.
      args: extra pytest arguments.
      size: Bazel test size; "small" (60 s timeout) by default.
      tags: more Bazel tags; the category is added (another category here is an error).
      **kwargs: passed to py_test (shard_count, env, timeout, flaky, ...).
    """
    test_files = [src for src in srcs if src.split("/")[-1].startswith("test_")]
    if not test_files:
        fail("py_pytest_test(%s): srcs has no test_*.py file" % name)
    if category not in CATEGORIES:
        fail("py_pytest_test(%s): category must be one of %s, got %r" % (name, CATEGORIES, category))
    for tag in tags:
        if tag in CATEGORIES and tag != category:
            fail("py_pytest_test(%s): tag %r contradicts category %r; set only category" % (name, tag, category))
    given = [_canonical(dep) for dep in deps]
    implicit = [dep for dep in ["//testing"] + _RUNNER_DEPS if _canonical(dep) not in given]
    native.py_test(
        name = name,
        srcs = srcs + ["//tools/pytest_runner:pytest_main.py"],
        main = "//tools/pytest_runner:pytest_main.py",
        deps = deps + implicit,
        data = data + ["//:pytest.ini"],
        args = ["--leadfactory_category=" + category] +
               ["--leadfactory_src=$(rootpath %s)" % src for src in test_files] + args,
        python_version = "PY3",
        srcs_version = "PY3",
        size = size,
        tags = tags + ([] if category in tags else [category]),
        **kwargs
    )
