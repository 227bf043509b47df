"""Coverage floors: each module's owner sets its floor in the module's own BUILD.bazel.

    load("//tools/coverage:floors.bzl", "coverage_floor")

    coverage_floor(
        name = "coverage_floor",
        floor = 90,  # percent of lines + branches
        tested_by = ["//d1_targeting/tests"],  # optional: other packages whose tests also exercise it
    )

The root BUILD.bazel lists every module's `coverage_floor` in one `coverage_policy`, with the overall floor.
Bazel checks both at analysis (`bazel build //:coverage_policy`); the report generator of `bazel coverage`
(//tools/coverage:coverage_report_generator) reads the same calls from the BUILD files when it runs
(tools/coverage/build_policy.py), so the floors have one source of truth and no test depends on them.

A module's sources are its .py files outside `tests/` folders, imported by a test or not; its test targets
are the `py_pytest_test` targets under its folder and under the `tested_by` packages. A partial coverage run
judges the floor only when all of them ran. Values must be literal numbers (the report reads them
without evaluating Starlark).
"""

ModuleCoverageInfo = provider(
    doc = "A module's coverage floor.",
    fields = {
        "module": "workspace path of the module (its package)",
        "floor": "minimum percentage of lines + branches covered",
        "build_file": "workspace path of the BUILD file that sets the floor",
    },
)

def _check_floor(what, floor):
    if floor < 0 or floor > 100:
        fail("%s: floor must be between 0 and 100, got %d" % (what, floor))

def _coverage_floor_impl(ctx):
    _check_floor("coverage_floor", ctx.attr.floor)
    return [ModuleCoverageInfo(
        module = ctx.label.package,
        floor = ctx.attr.floor,
        build_file = ctx.build_file_path,
    )]

coverage_floor = rule(
    implementation = _coverage_floor_impl,
    attrs = {
        "floor": attr.int(mandatory = True, doc = "minimum percent of lines + branches covered"),
        "tested_by": attr.string_list(doc = "other packages (\"//pkg/tests\") whose test targets exercise this module"),
    },
    doc = "Sets the coverage floor of the module in this package.",
)

def _coverage_policy_impl(ctx):
    _check_floor("coverage_policy total_floor", ctx.attr.total_floor)
    modules = [target[ModuleCoverageInfo] for target in ctx.attr.modules]
    policy = struct(
        total_floor = ctx.attr.total_floor,
        total_build_file = ctx.build_file_path,
        modules = [struct(module = m.module, floor = m.floor, build_file = m.build_file) for m in modules],
    )
    out = ctx.actions.declare_file(ctx.label.name + ".json")
    ctx.actions.write(out, policy.to_json())
    return [DefaultInfo(files = depset([out]))]

coverage_policy = rule(
    implementation = _coverage_policy_impl,
    attrs = {
        "total_floor": attr.int(mandatory = True, doc = "minimum percent for the whole repository"),
        "modules": attr.label_list(providers = [ModuleCoverageInfo], doc = "each module's coverage_floor"),
    },
    doc = "Collects every module's floor and the overall floor into <name>.json (checked at analysis).",
)
