"""The local runner reads the module's own mutation_floor call, and the engine's temp dir layout."""

import json
import os

import pytest

from tools.mutation.local import LocalRunError, module_settings, module_sources
from tools.mutation.workspace_copy import KITS_DIR, lay_out

_BUILD = """
mutation_floor(
    name = "mutation_test",
    srcs = glob(["**/*.py"], exclude = ["tests/**"]),
    floor = 90,
    skips = "mutation_skips.txt",
    test_build = "//m/tests:BUILD.bazel",
    tests = ["//m/tests:test_files"],
)
"""


def test_settings_are_the_floor_test_build_file_and_skip_file_of_the_mutation_floor_call(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "BUILD.bazel").write_text(_BUILD)
    assert module_settings(str(tmp_path), "m") == (90.0, "m/tests/BUILD.bazel", "m/mutation_skips.txt")


def test_settings_name_the_module_when_its_build_file_declares_no_mutation_floor(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "BUILD.bazel").write_text('coverage_floor(name = "coverage_floor", floor = 90)\n')
    with pytest.raises(LocalRunError, match=r"^m/BUILD.bazel declares no mutation_floor: nothing to run$"):
        module_settings(str(tmp_path), "m")


def test_sources_are_the_module_python_files_without_tests_or_data_when_listed():
    files = ["m/__init__.py", "m/breaker.py", "m/tests/test_breaker.py", "m/data/limits.csv", "other/x.py"]
    assert module_sources(files, "m") == ["m/__init__.py", "m/breaker.py"]


def test_layout_puts_the_module_at_the_root_and_everything_else_under_kits_when_copied(tmp_path):
    source = tmp_path / "src"
    (source / "m").mkdir(parents=True)
    (source / "testing").mkdir()
    (source / "m" / "breaker.py").write_text("LIMIT = 5\n")
    (source / "testing" / "clock.py").write_text("NOW = 0\n")
    manifest = tmp_path / "copy.json"
    manifest.write_text(json.dumps({p: str(source / p) for p in ["m/breaker.py", "testing/clock.py"]}))
    workdir = tmp_path / "work"
    assert lay_out(str(manifest), str(workdir), "m") == ["m/breaker.py", "testing/clock.py"]
    assert (workdir / "m" / "breaker.py").read_text() == "LIMIT = 5\n"
    assert (workdir / KITS_DIR / "testing" / "clock.py").read_text() == "NOW = 0\n"
    assert not os.path.exists(workdir / "testing")
    assert "addopts = -p testing.pytest_plugin" in (workdir / "pytest.ini").read_text()
