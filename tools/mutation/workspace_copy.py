"""The temp dir a mutation action works in: the module and its tests, copied by workspace path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import distributions

PYTEST_INI = """\
# Written by tools/mutation: the repository's pytest.ini without the Bazel-only category plugin.
[pytest]
addopts = -p testing.pytest_plugin -ra
pythonpath = .
python_files = test_*.py
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
asyncio_default_test_loop_scope = function
xfail_strict = true
"""

_NEVER_LOADED = {"pytest_randomly", "xdist.plugin", "xdist.looponfail", "pytest_cov.plugin"}
"""Random order and parallel workers would make kills depend on luck; coverage loads only for the test map."""


class EngineError(RuntimeError):
    """A mutation action could not run; the message says which step failed and why."""


_import_roots: list[str] = []
"""Import roots of the tests' pip packages (the action's `kits`), after the engine's own sys.path."""


def set_import_roots(roots: list[str]) -> None:
    """Names the pip packages' import roots the child processes see (absolute paths)."""
    _import_roots[:] = roots


def _search_path() -> list[str]:
    return [p for p in [*sys.path, *_import_roots] if p and os.path.isdir(p)]


KITS_DIR = "_kits"
"""Under the temp dir: what the tests import besides the module (testing/, other modules). Not in the temp
dir's root, which mutmut takes off sys.path when it runs the tests (so only its mutated copy is imported)."""


def lay_out(copy_manifest: str, workdir: str, module: str) -> list[str]:
    """Copies every file of the manifest (workspace path -> path) into `workdir`; returns the workspace paths.

    The module (its sources, data and tests) goes to the root of `workdir`, everything else under KITS_DIR.
    """
    with open(copy_manifest, encoding="utf-8") as handle:
        files: dict[str, str] = json.load(handle)
    for workspace_path, exec_path in files.items():
        mine = workspace_path.startswith(module + "/")
        target = os.path.join(workdir, workspace_path) if mine else os.path.join(workdir, KITS_DIR, workspace_path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(exec_path, target)
    with open(os.path.join(workdir, "pytest.ini"), "w", encoding="utf-8") as handle:
        handle.write(PYTEST_INI)
    return sorted(files)


def plugin_args(*, with_coverage: bool = False) -> list[str]:
    """`-p MODULE` for each pytest plugin in the runfiles (autoloading is off), minus those we never load."""
    modules = sorted(
        {
            entry.value.split(":")[0]
            for distribution in distributions(path=_search_path())
            for entry in distribution.entry_points
            if entry.group == "pytest11"
        }
    )
    args: list[str] = []
    for module in modules:
        if module in _NEVER_LOADED and not (with_coverage and module == "pytest_cov.plugin"):
            continue
        args += ["-p", module]
    return args + ["-p", "no:randomly", "-p", "no:cacheprovider"]


def child_environment(workdir: str) -> dict[str, str]:
    """The environment of the engine's child processes: hermetic, quiet, everything under `workdir`."""
    environment = dict(os.environ)
    home = os.path.join(workdir, ".home")
    os.makedirs(home, exist_ok=True)
    environment.update(
        HOME=home,
        TMPDIR=home,
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
        HYPOTHESIS_PROFILE="mutation",
        HYPOTHESIS_STORAGE_DIRECTORY=os.path.join(home, "hypothesis"),
        PYTHONPATH=os.pathsep.join([workdir, os.path.join(workdir, KITS_DIR), *_search_path()]),
    )
    environment.pop("TEST_TARGET", None)
    return environment


def run_child(args: list[str], workdir: str, step: str) -> subprocess.CompletedProcess[str]:
    """Runs `python -S ARGS` in `workdir`; returns it (the caller judges the exit code)."""
    return subprocess.run(
        [sys.executable, "-S", *args],
        cwd=workdir,
        env=child_environment(workdir),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
