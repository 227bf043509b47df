"""Coverage records for source files no test imported: every statement and branch counted, none hit."""

from __future__ import annotations

from coverage.parser import PythonParser

from tools.coverage.lcov import FileCoverage


def unmeasured_file(path: str, source_path: str) -> FileCoverage:
    """Returns a zero-hit record for `path` whose statements and branches are read from `source_path`.

    Uses coverage.py's own parser, so the counts match what a test importing the file would report.
    """
    with open(source_path, encoding="utf-8") as source:
        parser = PythonParser(text=source.read(), filename=source_path)
    parser.parse_source()
    record = FileCoverage(path=path)
    for line in sorted(parser.statements):
        record.lines[line] = 0
    exits: dict[int, list[int]] = {}
    for start, end in sorted(parser.arcs()):
        if start > 0 and start != end:
            exits.setdefault(start, []).append(end)
    for start, ends in exits.items():
        if len(ends) > 1:
            for index in range(len(ends)):
                record.branches[(start, 0, index)] = None  # never executed
    return record
