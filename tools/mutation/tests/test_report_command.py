"""`mutation_test` as a command: its exit codes, and `--write-survivors` under `tools/bazel run`."""

import json

from tools.mutation.report import main


def _results(tmp_path, statuses):
    path = tmp_path / "breaker.py.mutation.json"
    mutants = [
        {
            "function": "trip",
            "line": 10 + index,
            "original": f"a > {index}",
            "mutant": f"a > {index + 1}",
            "status": status,
            "tests": 2,
            "command": "tools/bazel test //m/tests:breaker_test",
        }
        for index, status in enumerate(statuses)
    ]
    path.write_text(json.dumps({"file": "m/breaker.py", "mutants": mutants}), encoding="utf-8")
    return str(path)


def _args(results, *more):
    return ["--module=m", "--floor=50", "--build-file=m/BUILD.bazel", *more, results]


def test_write_survivors_rewrites_the_workspace_file_when_run_under_bazel_run(tmp_path, capsys):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "mutation_survivors.txt").write_text("m/breaker.py::trip: gone → away\n", encoding="utf-8")
    results = _results(tmp_path, ["killed", "survived"])
    code = main(
        _args(results, "--survivors=m/mutation_survivors.txt", "--write-survivors"),
        environ={"BUILD_WORKSPACE_DIRECTORY": str(tmp_path)},
    )
    written = (tmp_path / "m" / "mutation_survivors.txt").read_text(encoding="utf-8").splitlines()
    assert code == 0
    assert written[-1] == "m/breaker.py::trip: a > 1 → a > 2"
    assert written[3] == "# Rewritten by: tools/bazel run //m:mutation_test -- --write-survivors"
    assert (
        "wrote 1 known survivor(s) of m to m/mutation_survivors.txt (1 survived, 0 timed out)"
        in capsys.readouterr().out
    )


def test_write_survivors_is_refused_with_exit_2_when_not_under_bazel_run(tmp_path, capsys):
    results = _results(tmp_path, ["survived"])
    code = main(_args(results, "--survivors=m/mutation_survivors.txt", "--write-survivors"), environ={})
    assert code == 2
    assert "--write-survivors needs `tools/bazel run`" in capsys.readouterr().err


def test_command_exits_1_naming_the_survivor_when_it_is_not_known(tmp_path, capsys):
    known = tmp_path / "known.txt"
    known.write_text("# nothing survives\n", encoding="utf-8")
    code = main(_args(_results(tmp_path, ["killed", "killed", "survived"]), f"--survivors={known}"), environ={})
    assert code == 1
    assert f"new surviving mutant(s), not in {known}: m/breaker.py:12" in capsys.readouterr().out


def test_command_exits_0_when_over_the_floor_without_a_known_survivors_file(tmp_path):
    assert main(_args(_results(tmp_path, ["killed", "survived"])), environ={}) == 0


def test_command_exits_2_naming_the_file_when_the_known_survivors_file_is_missing(tmp_path, capsys):
    code = main(_args(_results(tmp_path, ["killed"]), f"--survivors={tmp_path}/absent.txt"), environ={})
    assert code == 2
    assert "absent.txt" in capsys.readouterr().err
