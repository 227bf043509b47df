"""Coverage floors: each module's owner sets its floor in the module's own BUILD.bazel.

    load("//tools/coverage:floors.bzl", "coverage_floor")

    coverage_floor(
        name = "coverage_floor",
        floor = 90,                # percent of lines + branches
        srcs = [":d1_targeting"],  # py_library targets whose first-party files make up the module
    )

The root BUILD.bazel gathers them with `coverage_policy` (which also holds the overall floor); the report
generator of `bazel coverage` (//tools/coverage:coverage_report_generator) reads the policy, counts every
source file of every module, imported by a test or not, and fails when a module or the total is under
its floor.
"""

ModuleCoverageInfo = provider(
    doc = "A module's coverage floor and the source files it is measured on.",
    fields = {
        "module": "workspace path of the module (its package)",
        "floor": "minimum percentage of lines + branches covered",
        "build_file": "workspace path of the BUILD file that sets the floor",
        "sources": "depset of the module's .py files (tests excluded)",
    },
)

def _module_sources(module, targets):
    prefix = module + "/"
    files = []
    for target in targets:
        for source in target[PyInfo].transitive_sources.to_list():
            path = source.short_path
            if source.owner.workspace_name == "" and path.startswith(prefix) and "/tests/" not in path:
                files.append(source)
    return depset(files)

def _coverage_floor_impl(ctx):
    if ctx.attr.floor < 0 or ctx.attr.floor > 100:
        fail("coverage_floor: floor must be between 0 and 100, got %d" % ctx.attr.floor)
    module = ctx.label.package
    sources = _module_sources(module, ctx.attr.srcs)
    return [
        ModuleCoverageInfo(
            module = module,
            floor = ctx.attr.floor,
            build_file = ctx.build_file_path,
            sources = sources,
        ),
        DefaultInfo(files = sources),
    ]

coverage_floor = rule(
    implementation = _coverage_floor_impl,
    attrs = {
        "floor": attr.int(mandatory = True, doc = "minimum percent of lines + branches covered"),
        "srcs": attr.label_list(providers = [PyInfo], doc = "the module's py_library targets"),
    },
    doc = "Sets the coverage floor of the module in this package.",
)

def _coverage_policy_impl(ctx):
    modules = [target[ModuleCoverageInfo] for target in ctx.attr.modules]
    policy = struct(
        total_floor = ctx.attr.total_floor,
        total_build_file = ctx.build_file_path,
        modules = [
            struct(
                module = info.module,
                floor = info.floor,
                build_file = info.build_file,
                sources = [source.short_path for source in info.sources.to_list()],
            )
            for info in modules
        ],
    )
    out = ctx.actions.declare_file(ctx.label.name + ".json")
    ctx.actions.write(out, policy.to_json())
    sources = depset(transitive = [info.sources for info in modules])
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out], transitive_files = sources))]

coverage_policy = rule(
    implementation = _coverage_policy_impl,
    attrs = {
        "total_floor": attr.int(mandatory = True, doc = "minimum percent for the whole repository"),
        "modules": attr.label_list(providers = [ModuleCoverageInfo], doc = "each module's coverage_floor"),
    },
    doc = "Collects every module's floor and the overall floor into <name>.json for the report generator.",
)
