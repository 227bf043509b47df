"""Mutation floors: a module's tests must kill the mutants of its code, one cached Bazel action per file.

    load("//tools/mutation:defs.bzl", "mutation_floor")

    mutation_floor(
        name = "mutation_test",
        floor = 90,  # percent of mutants killed; the module owner sets it
        srcs = glob(["**/*.py"], exclude = ["tests/**"]),
        tests = glob(["tests/**/*.py"]),
        test_build = "//d1_targeting/tests:BUILD.bazel",
        deps = ["//testing:targeting", requirement("hypothesis"), ...],  # what the tests import
        skips = "mutation_skips.txt",  # reviewed equivalent mutants, one reason each
        survivors = "mutation_survivors.txt",  # known gaps: a survivor not listed fails the test
    )

What it declares (see tools/mutation/README.md):

- `<name>_engine`: a py_binary running tools/mutation/engine.py with mutmut, pytest and coverage only.
  `deps` are not its dependencies: they are inputs of each action (`kits`), their in-repo files copied into
  the temp dir beside the module and their pip packages put on the children's PYTHONPATH. So the engine's
  runfiles, part of every action's key, hold no file of the module (//testing:targeting depends on it).
- `<name>_results`: one build action per source file plus one for the test map:
  - `test_map`: runs the module's tests once under coverage with per-test contexts and writes, per source
    file, the node ids of the tests that execute it (`<file>.tests`). Reruns on any change to the module,
    but each file's list is content-addressed, so files whose list did not change stay cached.
  - `mutate <file>`: copies the module and its tests into a temp dir (never the source tree), runs
    mutmut on that file against the tests from its list (mutmut then picks, per mutated function, the tests
    that call it; pytest `-x` stops at the first failure), and writes `<file>.mutation.json`. The module's
    other files are inputs (the tests import them) but are reported to Bazel as unused
    (`unused_inputs_list`), so editing one file re-mutates that file only; the nightly job runs with
    `--noremote_accept_cached --disk_cache=` to recompute everything.
- `<name>` (the test, tagged `mutation` and `manual`-free): reads every file's JSON, applies the skip file,
  prints the table and each survivor, and fails under the floor or on a survivor missing from the known
  survivors (`survivors`). It is cheap: all cost is in the actions, and neither file is an action's input.

All three are tagged `mutation`: `bazel build/test/coverage` leave them out unless `--config=mutation` is given
(.bazelrc; tools/bazel adds it when a `*mutation_test*` target is named), and the coverage report counts
`py_pytest_test` targets only (tools/coverage/build_policy.py).
"""

def _group(short_path):
    """Output group of one file's result: `bazel build //m:mutation_test_results --output_groups=<this>`."""
    return "mutation_" + short_path.replace("/", "_").replace(".", "_")

def _kit_files(ctx, module):
    """What the tests import besides the module: in-repo files to copy, external files and import roots.

    The kits reach the actions as inputs of their own, never through the engine's runfiles: a kit that
    depends on the module (//testing:targeting on //d1_targeting) would otherwise put every module file in
    the engine's runfiles, whose digest is part of every action's key (one edit would re-mutate every file).
    The module's own files are left out here; each action gets them from `srcs`.
    """
    files = depset(transitive = [kit[DefaultInfo].default_runfiles.files for kit in ctx.attr.kits] +
                                [kit[DefaultInfo].files for kit in ctx.attr.kits]).to_list()
    in_repo = [f for f in files if not f.short_path.startswith("../") and not f.short_path.startswith(module + "/")]
    external = [f for f in files if f.short_path.startswith("../")]
    imports = depset(transitive = [kit[PyInfo].imports for kit in ctx.attr.kits if PyInfo in kit]).to_list()
    return in_repo, external, sorted(imports)

def _mutation_results_impl(ctx):
    srcs = [f for f in ctx.files.srcs if f.extension == "py"]
    data = [f for f in ctx.files.srcs if f.extension != "py"]
    tests = ctx.files.tests
    module = ctx.label.package
    engine = ctx.executable.engine
    kit_files, kit_external, kit_imports = _kit_files(ctx, module)

    # Copy list: workspace path -> exec path of each file the engine lays out in its temp dir.
    copy = ctx.actions.declare_file(ctx.label.name + "/copy.json")
    copied = srcs + data + tests + [ctx.file.test_build] + kit_files
    ctx.actions.write(copy, json.encode({f.short_path: f.path for f in copied}))
    import_args = ["--import-root=external/" + root for root in kit_imports]

    test_lists = {f.short_path: ctx.actions.declare_file(ctx.label.name + "/" + f.short_path + ".tests") for f in srcs}
    common_inputs = depset(srcs + data + tests + [copy, ctx.file.test_build] + kit_files + kit_external)
    ctx.actions.run(
        executable = engine,
        arguments = ["test-map", "--module", module, "--copy", copy.path] + import_args +
                    ["--out=%s=%s" % (short, out.path) for short, out in test_lists.items()],
        inputs = common_inputs,
        outputs = test_lists.values(),
        mnemonic = "MutationTestMap",
        progress_message = "Mapping %s's tests to its files" % module,
    )

    results = []
    groups = {}
    for f in srcs:
        result = ctx.actions.declare_file(ctx.label.name + "/" + f.short_path + ".mutation.json")
        unused = ctx.actions.declare_file(ctx.label.name + "/" + f.short_path + ".unused")
        ctx.actions.run(
            executable = engine,
            arguments = [
                "mutate",
                "--module",
                module,
                "--copy",
                copy.path,
                "--file",
                f.short_path,
                "--tests",
                test_lists[f.short_path].path,
                "--test-build",
                ctx.file.test_build.short_path,
                "--out",
                result.path,
                "--unused-out",
                unused.path,
            ] + import_args + ["--sibling=" + s.path for s in srcs if s != f],
            inputs = depset([test_lists[f.short_path]], transitive = [common_inputs]),
            outputs = [result, unused],
            unused_inputs_list = unused,
            mnemonic = "Mutation",
            progress_message = "Mutating %s" % f.short_path,
        )
        results.append(result)
        groups[_group(f.short_path)] = depset([result])

    # The results must be runfiles of the checking test (`data`): a Starlark rule's files are not added
    # to its dependents' runfiles unless it says so, and then the test would read no file at all.
    return [DefaultInfo(files = depset(results), runfiles = ctx.runfiles(files = results)), OutputGroupInfo(**groups)]

mutation_results = rule(
    implementation = _mutation_results_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = True, mandatory = True, doc = "the module's files (.py are mutated)"),
        "tests": attr.label_list(allow_files = [".py"], mandatory = True, doc = "the module's test files"),
        "test_build": attr.label(allow_single_file = True, mandatory = True, doc = "BUILD file declaring the tests"),
        "kits": attr.label_list(doc = "what the tests import besides the module (test kits, other modules, pip packages)"),
        "engine": attr.label(executable = True, cfg = "exec", mandatory = True),
    },
    doc = "One mutation result (JSON) per source file of a module; see the top of this file.",
)

def mutation_floor(name, floor, srcs, tests, test_build, deps = [], skips = None, survivors = None, size = "small", tags = [], **kwargs):
    """Declares a module's mutation results and its `mutation_test` with the module owner's floor.

    Args:
      name: the test's name, conventionally `mutation_test`.
      floor: minimum percent of (non-equivalent) mutants killed.
      srcs: the module's source files (`.py` files are mutated; others, e.g. data, are copied).
      tests: the module's test files (test_*.py, conftest.py).
      test_build: label of the BUILD file declaring the test targets (names the command to rerun a test).
      deps: what the tests import besides the module itself (pip requirements, test kits, other modules).
      skips: the module's reviewed equivalent mutants (tools/mutation/README.md gives the format).
      survivors: the module's known surviving mutants: a survivor not listed, or an entry that no longer
        survives, fails the test (a ratchet under the floor). Only the cheap test reads it.
      size: Bazel size of the (cheap) checking test.
      tags: more tags; `mutation` is always added.
      **kwargs: passed to the py_test.
    """
    if floor < 0 or floor > 100:
        fail("mutation_floor(%s): floor must be between 0 and 100, got %d" % (name, floor))
    native.py_binary(
        name = name + "_engine",
        srcs = ["//tools/mutation:engine.py"],
        main = "//tools/mutation:engine.py",
        deps = ["//tools/mutation:engine_lib"],
        python_version = "PY3",
        srcs_version = "PY3",
        tags = ["mutation"],
    )
    mutation_results(
        name = name + "_results",
        srcs = srcs,
        tests = tests,
        test_build = test_build,
        kits = deps,
        engine = ":" + name + "_engine",
        tags = ["mutation"],
    )
    package = native.package_name()
    args = ["--module=" + package, "--floor=%d" % floor, "--build-file=%s/BUILD.bazel" % package]
    if skips:
        args.append("--skips=$(rootpath %s)" % skips)
    if survivors:
        args.append("--survivors=$(rootpath %s)" % survivors)
    native.py_test(
        name = name,
        srcs = ["//tools/mutation:report.py"],
        main = "//tools/mutation:report.py",
        deps = ["//tools/mutation:report_lib"],
        data = [":" + name + "_results"] + [f for f in [skips, survivors] if f],
        args = args + ["$(rootpaths :%s_results)" % name],
        python_version = "PY3",
        srcs_version = "PY3",
        size = size,
        tags = tags + ["mutation"],
        **kwargs
    )
