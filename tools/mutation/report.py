"""`<module>:mutation_test`: prints the module's mutation table and fails under its floor (tools/mutation).

`tools/bazel run //<module>:mutation_test -- --write-survivors` rewrites the module's known-survivors file
in the workspace from the current results (for review in the change), instead of judging them.
"""

import argparse
import os
import sys

from tools.mutation.mutation_report import (
    ReportError,
    known_survivors_text,
    read_known_survivors,
    read_results,
    read_skips,
    render,
    score_module,
)


def main(argv: list[str], environ: dict[str, str] | None = None) -> int:
    """Reads the results given as arguments, applies the skip file, prints the report; 1 when it fails."""
    environ = dict(os.environ) if environ is None else environ
    parser = argparse.ArgumentParser(prog="mutation_test")
    parser.add_argument("--module", required=True)
    parser.add_argument("--floor", type=float, required=True)
    parser.add_argument("--build-file", required=True, help="where the floor is set (for the message)")
    parser.add_argument("--skips")
    parser.add_argument("--survivors", help="the module's known-survivors file (workspace-relative path)")
    parser.add_argument("--write-survivors", action="store_true", help="rewrite it instead (under bazel run)")
    parser.add_argument("results", nargs="+")
    args = parser.parse_args(argv)
    if args.write_survivors and not (args.survivors and environ.get("BUILD_WORKSPACE_DIRECTORY")):
        print(
            "mutation_test: --write-survivors needs `tools/bazel run` and a `survivors` file in the module's "
            "mutation_floor(...)",
            file=sys.stderr,
        )
        return 2
    try:
        known = read_known_survivors(args.survivors) if args.survivors and not args.write_survivors else None
        report = score_module(
            args.module,
            args.floor,
            args.build_file,
            read_results(args.results),
            read_skips(args.skips),
            known=known,
            known_file=args.survivors,
        )
    except (ReportError, OSError) as error:
        print(f"mutation_test: {error}", file=sys.stderr)
        return 2
    if args.write_survivors:
        path = os.path.join(environ["BUILD_WORKSPACE_DIRECTORY"], args.survivors)
        command = f"tools/bazel run //{args.module}:mutation_test -- --write-survivors"
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(known_survivors_text(report, command))
        print(
            f"mutation_test: wrote {len(report.unfailed)} known survivor(s) of {args.module} to {args.survivors} "
            f"({len(report.survivors)} survived, {len(report.timeouts)} timed out)"
        )
        return 0
    print(render(report))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
