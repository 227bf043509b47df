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

Every target gets pytest, pytest-asyncio, pytest-randomly, coverage and the shared pytest plugin
`//testing:pytest_plugin` (fake clock, Hypothesis profiles when the target has Hypothesis). Everything else
a target's tests import is a dep it names: `requirement("hypothesis")`, `requirement("faker")` (also loads
Faker's `faker` fixture), `//testing:mocks` (respx), `//testing` (the whole kit), so a change to one of those
reruns only the targets that use it. Only the target's own
`srcs` are collected. JUnit XML, `--test_filter`, `shard_count`, `--runs_per_test` and `bazel coverage`
work as for any Bazel test; see tools/pytest_runner/pytest_main.py.

Besides the test, two rules serve `--test_filter`: `<name>_test_names`, the test names its sources show
(read by the test before pytest starts, and by tools/bazel), and `<name>_collected_names` (`manual`), the
names pytest collects, which tools/bazel builds only when the sources cannot settle a filter over `//...`.
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

def _shell_quoted(word):
    """One word for a genrule's shell command, whatever it holds."""
    return "'" + word.replace("'", "'\\''") + "'"

def _collected_names(name, srcs, test_files, deps, data, runner_args):
    """Declares `<name>_collected_names`: the test's collect-only run, writing `<name>.collected_names.json`.

    Its tool `<name>_collector` is the test's program built as a binary: the same sources, deps, data and
    arguments (`runner_args`: all but the test-name manifest), so the same names.
    """
    native.py_binary(
        name = name + "_collector",
        srcs = srcs + ["//tools/pytest_runner:pytest_main.py"],
        main = "//tools/pytest_runner:pytest_main.py",
        deps = deps,
        data = data + ["//:pytest.ini"],
        python_version = "PY3",
        srcs_version = "PY3",
        tags = ["manual"],
        testonly = True,
        visibility = ["//visibility:private"],
    )
    native.genrule(
        name = name + "_collected_names",
        srcs = test_files,
        outs = [name + ".collected_names.json"],
        cmd = " ".join(
            ["PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 $(location :%s_collector)" % name] +
            ["--leadfactory_collect_out=$@"] +
            [_shell_quoted(arg) for arg in runner_args] +
            [">/dev/null"],  # pytest lists what it collected; the manifest holds it
        ),
        tools = [":%s_collector" % name],
        tags = ["manual"],
        testonly = True,
        visibility = ["//visibility:private"],
    )

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
    runner_args = ["--leadfactory_category=" + category] + ["--leadfactory_src=$(rootpath %s)" % src for src in test_files]
    given = [_canonical(dep) for dep in deps]
    implicit = [dep for dep in ["//testing:pytest_plugin"] + _RUNNER_DEPS if _canonical(dep) not in given]

    # The names of the target's tests, read before pytest starts so a --test_filter that cannot match any
    # of them ends the test at once (tools/pytest_runner/name_manifest.py). Rebuilt only when a source changes.
    manifest = name + ".test_names.json"
    native.genrule(
        name = name + "_test_names",
        srcs = srcs,
        outs = [manifest],
        cmd = "$(location //tools/pytest_runner:name_manifest) --out $@ $(SRCS)",
        tools = ["//tools/pytest_runner:name_manifest"],
        tags = [tag for tag in tags if tag == "manual"],
        testonly = True,
        visibility = ["//visibility:private"],
    )

    # The names pytest gives the target's tests after collecting them, built only when tools/bazel asks (a
    # --test_filter over `//...` that the manifest above cannot settle; tools/pytest_runner/collected_names.py).
    # A test environment (`env`) a build action does not reproduce gets none: tools/bazel then keeps the
    # target, as it keeps any target it cannot settle.
    if "env" not in kwargs:
        _collected_names(name, srcs, test_files, deps + implicit, data, runner_args + args)
    native.py_test(
        name = name,
        srcs = srcs + ["//tools/pytest_runner:pytest_main.py"],
        main = "//tools/pytest_runner:pytest_main.py",
        deps = deps + implicit,
        data = data + ["//:pytest.ini", manifest],
        args = runner_args + ["--leadfactory_manifest=$(rootpath %s)" % manifest] + args,
        python_version = "PY3",
        srcs_version = "PY3",
        size = size,
        tags = tags + ([] if category in tags else [category]),
        **kwargs
    )
