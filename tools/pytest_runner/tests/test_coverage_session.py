import os

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
