import os
import subprocess
import sys

from tools.pytest_runner.coverage_session import first_party_packages, rewrite_lcov, workspace_paths

LCOV = """SF:/real/src/pkg/mod.py
FN:3,9,run
FNDA:1,run
BRDA:4,0,jump to line 5,1
BRDA:4,0,jump to line 8,0
BRDA:6,0,return from function 'run',-
DA:3,1
end_of_record
SF:/real/src/pkg/other.py
BRDA:2,0,jump to line 3,1
end_of_record
"""


def test_sf_paths_become_workspace_relative():
    out = rewrite_lcov(LCOV, {"/real/src/pkg/mod.py": "pkg/mod.py"})
    assert "SF:pkg/mod.py" in out.splitlines()


def test_fn_records_drop_the_end_line():
    assert "FN:3,run" in rewrite_lcov(LCOV, {}).splitlines()


def test_branch_descriptions_become_numbers_per_line_and_file():
    lines = rewrite_lcov(LCOV, {}).splitlines()
    assert [line for line in lines if line.startswith("BRDA:")] == [
        "BRDA:4,0,0,1",
        "BRDA:4,0,1,0",
        "BRDA:6,0,0,-",
        "BRDA:2,0,0,1",
    ]


def test_workspace_paths_map_symlinks_and_their_targets(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "mod.py").write_text("x = 1\n")
    runfiles = tmp_path / "runfiles" / "pkg"
    runfiles.mkdir(parents=True)
    (runfiles / "__init__.py").write_text("")
    os.symlink(real / "mod.py", runfiles / "mod.py")
    paths = workspace_paths(str(tmp_path / "runfiles"))
    assert paths[str(real / "mod.py")] == "pkg/mod.py"
    assert paths[str(runfiles / "mod.py")] == "pkg/mod.py"


def test_first_party_packages_skip_tools_and_plain_folders(tmp_path):
    for name in ("d9_module", "tools", "data"):
        (tmp_path / name).mkdir()
    (tmp_path / "d9_module" / "__init__.py").write_text("")
    (tmp_path / "tools" / "__init__.py").write_text("")
    assert first_party_packages(str(tmp_path)) == ["d9_module"]


_SESSION_SCRIPT = """
import sys
from tools.pytest_runner.coverage_session import CoverageSession
session = CoverageSession.start(workspace_root=sys.argv[1])
import d9_pkg.used
d9_pkg.used.sign(1)
session.finish(lcov_path=sys.argv[2], tests_passed=True)
"""


def _run_session(tmp_path, instrumented=None):
    """A workspace whose package is a tree of symlinks (like runfiles) into a source folder holding more."""
    source = tmp_path / "src" / "d9_pkg"
    source.mkdir(parents=True)
    (source / "__init__.py").write_text("VERSION = 1\n")
    (source / "used.py").write_text("def sign(x):\n    if x > 0:\n        return 1\n    return -1\n")
    (source / "unimported.py").write_text("Y = 2\n")
    (source / "not_in_runfiles.py").write_text("Z = 3\n")
    workspace = tmp_path / "runfiles"
    (workspace / "d9_pkg").mkdir(parents=True)
    for name in ("__init__.py", "used.py", "unimported.py"):
        os.symlink(source / name, workspace / "d9_pkg" / name)
    lcov = tmp_path / "out.lcov"
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join([str(workspace), *sys.path]),
        "TEST_TMPDIR": str(tmp_path / "tmp"),
    }
    (tmp_path / "tmp").mkdir()
    if instrumented is not None:
        manifest = tmp_path / "instrumented_files"
        manifest.write_text("".join(f"{path}\n" for path in instrumented))
        environment["COVERAGE_MANIFEST"] = str(manifest)
    subprocess.run(
        [sys.executable, "-c", _SESSION_SCRIPT, str(workspace), str(lcov)],
        cwd=workspace,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    return lcov.read_text()


def test_lcov_lists_only_the_files_the_test_imported_by_workspace_path(tmp_path):
    sources = [line for line in _run_session(tmp_path).splitlines() if line.startswith("SF:")]
    assert sources == ["SF:d9_pkg/__init__.py", "SF:d9_pkg/used.py"]


def test_lcov_counts_the_lines_and_branches_the_test_ran(tmp_path):
    lines = _run_session(tmp_path).splitlines()
    used = lines[lines.index("SF:d9_pkg/used.py") :]
    assert "DA:3,1" in used and "DA:4,0" in used
    assert [line for line in used if line.startswith("BRDA:")] == ["BRDA:2,0,0,1", "BRDA:2,0,1,0"]


def test_instrumentation_filter_leaves_out_files_bazel_does_not_instrument(tmp_path):
    lcov = _run_session(tmp_path, instrumented=["d9_pkg/__init__.py"])
    assert [line for line in lcov.splitlines() if line.startswith("SF:")] == ["SF:d9_pkg/__init__.py"]


def test_instrumented_files_the_test_never_imported_get_an_empty_record(tmp_path):
    lcov = _run_session(tmp_path, instrumented=["d9_pkg/used.py", "d9_pkg/unimported.py", "d9_pkg/data.json"])
    assert lcov.endswith("SF:d9_pkg/unimported.py\nend_of_record\n")
    assert "SF:d9_pkg/__init__.py" not in lcov
    assert "SF:d9_pkg/data.json" not in lcov


def test_an_instrumentation_filter_matching_nothing_reports_nothing(tmp_path):
    assert _run_session(tmp_path, instrumented=[]) == ""


def test_session_measures_with_the_c_tracer_not_the_slow_python_one(tmp_path):
    script = (
        "import sys\n"
        "from tools.pytest_runner.coverage_session import CoverageSession\n"
        "session = CoverageSession.start(workspace_root=sys.argv[1])\n"
        "print(session.core)\n"
        "session.cov.stop()\n"
    )
    (tmp_path / "tmp").mkdir()
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=tmp_path,
        env={
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join(sys.path),
            "TEST_TMPDIR": str(tmp_path / "tmp"),
        },
        check=True,
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "CTracer"
