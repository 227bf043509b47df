"""`<module>:mutation_test`: prints the module's mutation table and fails under its floor (tools/mutation)."""

import argparse
import sys

from tools.mutation.mutation_report import ReportError, read_results, read_skips, render, score_module


def main(argv: list[str]) -> int:
    """Reads the results given as arguments, applies the skip file, prints the report; 1 under the floor."""
    parser = argparse.ArgumentParser(prog="mutation_test")
    parser.add_argument("--module", required=True)
    parser.add_argument("--floor", type=float, required=True)
    parser.add_argument("--build-file", required=True, help="where the floor is set (for the message)")
    parser.add_argument("--skips")
    parser.add_argument("results", nargs="+")
    args = parser.parse_args(argv)
    try:
        report = score_module(
            args.module, args.floor, args.build_file, read_results(args.results), read_skips(args.skips)
        )
    except ReportError as error:
        print(f"mutation_test: {error}", file=sys.stderr)
        return 2
    print(render(report))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
