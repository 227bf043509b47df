"""coverage.py for one Bazel test: started before the code under test, written as workspace-relative lcov."""

from __future__ import annotations

import os
from dataclasses import dataclass

import coverage

NOT_MEASURED = ("tools", "external")
"""Top-level folders of the workspace that are never measured: build tooling and other repositories."""
CORE = "ctrace"
"""coverage.py's C tracer; started once per test process, before pytest imports the code under test."""


@dataclass
class CoverageSession:
    """Branch coverage of the workspace's first-party packages for the duration of one test run."""

    cov: coverage.Coverage
    workspace_root: str

    @classmethod
    def start(cls, workspace_root: str) -> CoverageSession:
        data_dir = os.environ.get("TEST_TMPDIR", workspace_root)
        cov = coverage.Coverage(
            data_file=os.path.join(data_dir, ".coverage"),
            branch=True,
            source_pkgs=first_party_packages(workspace_root),
            omit=["*/tests/*", "*/conftest.py", os.path.join(data_dir, "*")],
            config_file=False,
        )
        # The C tracer: the fastest core that measures branches on Python 3.11 (sys.monitoring needs 3.12+
        # for branches); coverage.py would fall back to its pure-Python tracer, 3-5x slower, if it were missing.
        cov.set_option("run:core", CORE)
        cov.start()
        return cls(cov=cov, workspace_root=workspace_root)

    @property
    def core(self) -> str:
        """The measurement core coverage.py runs with ("CTracer" here; "PyTracer" would be the slow one)."""
        return str(dict(self.cov.sys_info()).get("core", "unknown"))

    def finish(self, lcov_path: str, tests_passed: bool) -> None:
        """Stops measuring and, when the tests passed, writes the lcov report Bazel's merger collects."""
        self.cov.stop()
        if not tests_passed:
            return
        self.cov.save()
        paths = workspace_paths(self.workspace_root)
        # Only files this test ran: coverage.py would also list (and parse) every other file it finds in
        # the packages' resolved source folders, some outside the runfiles and so with absolute paths.
        # The combined report adds each never-imported module file at 0% once, for all tests.
        data = self.cov.get_data()
        instrumented = read_instrumented_files(os.environ.get("COVERAGE_MANIFEST"))
        imported = sorted(
            path
            for path in data.measured_files()
            if path in paths and data.lines(path) and (instrumented is None or paths[path] in instrumented)
        )
        text = ""
        if imported:
            raw_path = lcov_path + ".raw"
            self.cov.lcov_report(morfs=imported, outfile=raw_path)
            with open(raw_path, encoding="utf-8") as raw:
                text = raw.read()
            os.remove(raw_path)
        reported = {paths[path] for path in imported}
        not_imported = sorted((instrumented or set()) - reported)
        with open(lcov_path, "w", encoding="utf-8") as out:
            out.write(rewrite_lcov(text, paths) if text else "")
            # Instrumented but never imported: an empty record, which the combined report fills in at 0%
            # (parsing each such file here, in every test, would cost every test that time).
            out.writelines(f"SF:{path}\nend_of_record\n" for path in not_imported)


def read_instrumented_files(manifest: str | None) -> set[str] | None:
    """The workspace-relative .py files Bazel instruments for this test (COVERAGE_MANIFEST, written from
    --instrumentation_filter and the test's dependencies); None when Bazel gave no manifest."""
    if not manifest or not os.path.isfile(manifest):
        return None
    with open(manifest, encoding="utf-8") as listing:
        return {line.strip() for line in listing if line.strip().endswith(".py")}


def first_party_packages(workspace_root: str) -> list[str]:
    """Top-level Python packages of this workspace present in the test's runfiles."""
    return sorted(
        entry
        for entry in os.listdir(workspace_root)
        if entry not in NOT_MEASURED and os.path.isfile(os.path.join(workspace_root, entry, "__init__.py"))
    )


def workspace_paths(workspace_root: str) -> dict[str, str]:
    """Maps every spelling coverage.py may use for a runfile (symlink or resolved) to its workspace path."""
    paths: dict[str, str] = {}
    for package in first_party_packages(workspace_root):
        for folder, _dirs, files in os.walk(os.path.join(workspace_root, package)):
            for name in files:
                if name.endswith(".py"):
                    runfile = os.path.join(folder, name)
                    relative = os.path.relpath(runfile, workspace_root)
                    paths[os.path.abspath(runfile)] = relative
                    paths[os.path.realpath(runfile)] = relative
    return paths


def rewrite_lcov(text: str, paths: dict[str, str]) -> str:
    """Makes coverage.py's lcov portable: workspace-relative SF paths, the FN:<line>,<name> form, and
    numeric BRDA branch ids (coverage.py writes descriptions such as "jump to line 18")."""
    out = []
    branch_ids: dict[tuple[str, str, str], int] = {}
    next_id: dict[tuple[str, str], int] = {}
    for line in text.splitlines():
        if line.startswith("SF:"):
            source = line[3:]
            line = "SF:" + paths.get(source, paths.get(os.path.realpath(source), source))
            branch_ids.clear()
            next_id.clear()
        elif line.startswith("BRDA:"):
            line_no, block, branch, taken = line[5:].split(",", 3)
            if not branch.isdigit():
                key = (line_no, block, branch)
                if key not in branch_ids:
                    branch_ids[key] = next_id.get((line_no, block), 0)
                    next_id[(line_no, block)] = branch_ids[key] + 1
                branch = str(branch_ids[key])
            line = f"BRDA:{line_no},{block},{branch},{taken}"
        elif line.startswith("FN:"):
            fields = line[3:].split(",")
            if len(fields) == 3:  # FN:<start>,<end>,<name> -> FN:<start>,<name>
                line = f"FN:{fields[0]},{fields[2]}"
        out.append(line)
    return "\n".join(out) + "\n"
