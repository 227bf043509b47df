"""The two mutation actions: `test-map` (which tests execute each file) and `mutate` (mutmut on one file)."""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import tempfile
from collections.abc import Sequence

from tools.build_file import rule_calls
from tools.mutation.workspace_copy import EngineError, lay_out, plugin_args, run_child, set_import_roots

STATUS_BY_EXIT_CODE = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 36: "timeout"}
"""mutmut's exit codes (mutmut/stats.py) as this tool reports them; SIGXCPU variants are timeouts too."""
_TIMEOUT_CODES = {-24, 24, 152, 255}
KILLED = ("killed", "timeout")
"""A mutant the tests notice: they fail, or the mutant never finishes (an infinite loop is caught too)."""

_MUTMUT_TIMEOUT_MULTIPLIER = 3.0
_MUTMUT_TIMEOUT_CONSTANT = 5.0
"""CPU seconds a mutant may take: (its tests' time + 5) x 3 x 2; mutmut's default x15 lets a looping mutant
spin for minutes on a loaded 2-core machine."""


def main(argv: Sequence[str]) -> int:
    """Parses the command line and runs one action; returns the exit code."""
    parser = argparse.ArgumentParser(prog="tools/mutation/engine.py")
    commands = parser.add_subparsers(dest="command", required=True)
    test_map = commands.add_parser("test-map")
    test_map.add_argument("--module", required=True)
    test_map.add_argument("--copy", required=True)
    test_map.add_argument("--out", action="append", default=[], help="SRC=PATH: where SRC's test list goes")
    test_map.add_argument("--import-root", action="append", default=[], help="a pip package's import root")
    mutate = commands.add_parser("mutate")
    mutate.add_argument("--module", required=True)
    mutate.add_argument("--copy", required=True)
    mutate.add_argument("--file", required=True)
    mutate.add_argument("--tests", required=True)
    mutate.add_argument("--test-build", required=True)
    mutate.add_argument("--out", required=True)
    mutate.add_argument("--unused-out", required=True)
    mutate.add_argument("--sibling", action="append", default=[])
    mutate.add_argument("--import-root", action="append", default=[], help="a pip package's import root")
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="mutation-")
    set_import_roots([os.path.abspath(root) for root in args.import_root])
    try:
        if args.command == "test-map":
            _test_map(args.module, args.copy, dict(item.split("=", 1) for item in args.out), workdir)
        else:
            _mutate(args, workdir)
    except EngineError as error:
        print(f"mutation: {error}")
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _test_files(files: list[str], module: str) -> list[str]:
    prefix = module + "/tests/"
    return [f for f in files if f.startswith(prefix) and os.path.basename(f).startswith("test_")]


def _test_map(module: str, copy_manifest: str, out_by_source: dict[str, str], workdir: str) -> None:
    files = lay_out(copy_manifest, workdir, module)
    tests = _test_files(files, module)
    done = run_child(
        [
            "-m",
            "pytest",
            "-q",
            "-c",
            "pytest.ini",
            *plugin_args(with_coverage=True),
            f"--cov={module}",
            "--cov-context=test",
            "--cov-report=",
            *tests,
        ],
        workdir,
        "test map",
    )
    if done.returncode != 0:
        raise EngineError(f"{module}'s tests fail without any mutant (exit {done.returncode}):\n{done.stdout[-6000:]}")
    from coverage import CoverageData

    data = CoverageData(basename=os.path.join(workdir, ".coverage"))
    data.read()
    tests_by_source: dict[str, set[str]] = {source: set() for source in out_by_source}
    for measured in data.measured_files():
        relative = os.path.relpath(os.path.realpath(measured), os.path.realpath(workdir))
        if relative not in tests_by_source:
            continue
        for contexts in data.contexts_by_lineno(measured).values():
            tests_by_source[relative].update(c.rsplit("|", 1)[0] for c in contexts if c)
    for source, out in out_by_source.items():
        with open(out, "w", encoding="utf-8") as handle:
            handle.writelines(f"{test}\n" for test in sorted(tests_by_source[source]))


def _mutate(args: argparse.Namespace, workdir: str) -> None:
    lay_out(args.copy, workdir, args.module)
    with open(args.tests, encoding="utf-8") as handle:
        tests = [line.strip() for line in handle if line.strip()]
    with open(args.unused_out, "w", encoding="utf-8") as handle:  # siblings: see tools/mutation/defs.bzl
        handle.writelines(f"{sibling}\n" for sibling in args.sibling)
    targets = _test_targets(os.path.join(workdir, args.test_build), args.test_build)
    result = {"file": args.file, "module": args.module, "tests": len(tests), "mutants": []}
    if tests and _has_functions(os.path.join(workdir, args.file)):
        _write_mutmut_config(workdir, args.module, args.file, tests)
        done = run_child(["-m", "mutmut", "run", "--max-children", "1"], workdir, "mutmut")
        meta = os.path.join(workdir, "mutants", args.file + ".meta")
        stats = os.path.join(workdir, "mutants", "mutmut-stats.json")
        if not (os.path.exists(meta) and os.path.exists(stats)):
            raise EngineError(
                f"mutmut produced no result for {args.file} (exit {done.returncode}):\n{done.stdout[-6000:]}"
            )
        result["mutants"] = _describe(workdir, args.file, targets)
    elif _has_functions(os.path.join(workdir, args.file)):
        result["note"] = "no test executes this file"
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1, sort_keys=True, ensure_ascii=False)


def _has_functions(path: str) -> bool:
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) for node in ast.walk(tree))


def mutmut_config(module: str, file: str, tests: Sequence[str]) -> str:
    """The `setup.cfg` that points mutmut at one file of `module` and at `tests` (pytest node ids). mutmut
    reads it with configparser, whose interpolation takes `%` as special, so every `%` is doubled: a node
    id such as `test_search[100%-expected1]` would otherwise stop mutmut before its first mutant."""

    scalars = {
        "source_paths": module,
        "only_mutate": file,
        "timeout_multiplier": str(_MUTMUT_TIMEOUT_MULTIPLIER),
        "timeout_constant": str(_MUTMUT_TIMEOUT_CONSTANT),
    }
    lists = {
        "also_copy": ["pytest.ini"],
        "pytest_add_cli_args": ["-c", "pytest.ini", *plugin_args()],
        "pytest_add_cli_args_test_selection": list(tests),
    }
    lines = [f"{key} = {value}" for key, value in scalars.items()]
    for key, values in lists.items():
        lines += [f"{key} =", *(f"    {value}" for value in values)]
    return "".join(line.replace("%", "%%") + "\n" for line in ["[mutmut]", *lines])


def _write_mutmut_config(workdir: str, module: str, file: str, tests: list[str]) -> None:
    with open(os.path.join(workdir, "setup.cfg"), "w", encoding="utf-8") as handle:
        handle.write(mutmut_config(module, file, tests))


def _test_targets(build_file: str, build_path: str) -> dict[str, str]:
    """Test file (workspace path) -> the py_pytest_test label that runs it."""
    package = os.path.dirname(build_path)
    targets: dict[str, str] = {}
    for call in rule_calls(build_file, "py_pytest_test"):
        srcs = call.arguments.get("srcs")
        if isinstance(srcs, list):
            for src in srcs:
                if isinstance(src, str):
                    targets[f"{package}/{src}"] = f"//{package}:{call.string('name')}"
    return targets


def _describe(workdir: str, file: str, targets: dict[str, str]) -> list[dict[str, object]]:
    """Each mutant of `file`: status, line, original and mutated line, and the tests that ran against it."""
    previous = os.getcwd()
    os.chdir(workdir)
    try:
        from mutmut.mutation.data import SourceFileMutationData
        from mutmut.mutation.diff_apply import get_diff_for_mutant
        from mutmut.utils.format_utils import mangled_name_from_mutant_name, orig_function_and_class_names_from_key

        with open(os.path.join("mutants", "mutmut-stats.json"), encoding="utf-8") as handle:
            tests_by_function = json.load(handle)["tests_by_mangled_function_name"]
        data = SourceFileMutationData(path=file)
        data.load()
        with open(file, encoding="utf-8") as handle:
            source_lines = handle.read().split("\n")
        tree = ast.parse("\n".join(source_lines))
        mutants = []
        for name, code in sorted(data.exit_code_by_key.items()):
            function, cls = orig_function_and_class_names_from_key(name)
            original, mutated = _changed_lines(get_diff_for_mutant(name, path=file))
            line = _line_of(tree, source_lines, function, cls, original)
            tests = sorted(tests_by_function.get(mangled_name_from_mutant_name(name), []))
            if code is None:  # mutmut never ran it (interrupted): not a kill
                status = "not checked"
            else:
                status = "timeout" if code in _TIMEOUT_CODES else STATUS_BY_EXIT_CODE.get(code, "suspicious")
            mutants.append(
                {
                    "name": name.rsplit(".", 1)[-1],
                    "function": f"{cls}.{function}" if cls else function,
                    "line": line,
                    "original": original,
                    "mutant": mutated,
                    "status": status,
                    "tests": len(tests),
                    "command": _command(tests, targets),
                }
            )
        return mutants
    finally:
        os.chdir(previous)


def _changed_lines(diff: str) -> tuple[str, str]:
    removed = [line[1:].strip() for line in diff.split("\n") if line.startswith("-") and not line.startswith("---")]
    added = [line[1:].strip() for line in diff.split("\n") if line.startswith("+") and not line.startswith("+++")]
    return " ".join(removed), " ".join(added)


def _line_of(tree: ast.Module, lines: list[str], function: str, cls: str | None, original: str) -> int:
    scope: list[ast.stmt] = tree.body
    if cls:
        scope = next((n.body for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls), scope)
    node = next(
        (n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function), None
    )
    if node is None:
        return 0
    first_changed = original.split(" ")[0] if original else ""
    wanted = original.split("\n")[0]
    for number in range(node.lineno, (node.end_lineno or node.lineno) + 1):
        if wanted and lines[number - 1].strip() == wanted:
            return number
    for number in range(node.lineno, (node.end_lineno or node.lineno) + 1):
        if first_changed and lines[number - 1].strip().startswith(first_changed):
            return number
    return node.lineno


def _command(tests: list[str], targets: dict[str, str]) -> str:
    """The Bazel command that runs the tests that should have killed a mutant."""
    by_target: dict[str, set[str]] = {}
    for test in tests:
        test_file = test.split("::", 1)[0]
        by_target.setdefault(targets.get(test_file, "//" + os.path.dirname(test_file) + "/..."), set()).add(test)
    if not by_target:
        return ""
    commands = []
    for target, names in sorted(by_target.items()):
        only = sorted(names)
        flt = f" --test_filter={only[0]}" if len(only) == 1 else ""
        commands.append(f"tools/bazel test {target}{flt}")
    return " && ".join(commands)
