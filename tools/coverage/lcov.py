"""Reading, merging and writing lcov tracefiles (the subset Bazel and genhtml use)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


class LcovError(ValueError):
    """An lcov tracefile line could not be understood."""


@dataclass
class FileCoverage:
    """Hit counts of one source file: lines, branches (line, block, branch) and functions.

    A branch's count is None when its line never ran (lcov's `-`), 0 when the line ran but the branch was
    not taken: genhtml and diff-cover show the two differently, so merging keeps them apart.
    """

    path: str
    lines: dict[int, int] = field(default_factory=dict)
    branches: dict[tuple[int, int, int], int | None] = field(default_factory=dict)
    functions: dict[str, int] = field(default_factory=dict)
    function_hits: dict[str, int] = field(default_factory=dict)

    @property
    def lines_found(self) -> int:
        return len(self.lines)

    @property
    def lines_hit(self) -> int:
        return sum(1 for hits in self.lines.values() if hits > 0)

    @property
    def branches_found(self) -> int:
        return len(self.branches)

    @property
    def branches_hit(self) -> int:
        return sum(1 for hits in self.branches.values() if hits)

    def merge(self, other: FileCoverage) -> None:
        """Adds other's hits to this file's (both describe the same source file)."""
        for line, hits in other.lines.items():
            self.lines[line] = self.lines.get(line, 0) + hits
        for branch, branch_hits in other.branches.items():
            self.branches[branch] = _add_branch_hits(self.branches.get(branch), branch_hits)
        for name, line in other.functions.items():
            self.functions.setdefault(name, line)
        for name, hits in other.function_hits.items():
            self.function_hits[name] = self.function_hits.get(name, 0) + hits


def parse_lcov(text: str, origin: str = "<lcov>") -> list[FileCoverage]:
    """Parses an lcov tracefile; raises LcovError naming the origin and line number of a bad record."""
    files: list[FileCoverage] = []
    current: FileCoverage | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("TN:"):
            continue
        try:
            if line.startswith("SF:"):
                current = FileCoverage(path=line[3:])
                files.append(current)
            elif line == "end_of_record":
                current = None
            elif current is None:
                raise LcovError("record outside SF:...end_of_record")
            elif line.startswith("DA:"):
                fields = line[3:].split(",")
                current.lines[int(fields[0])] = current.lines.get(int(fields[0]), 0) + int(fields[1])
            elif line.startswith("BRDA:"):
                line_no, block, branch, taken = line[5:].split(",")
                key = (int(line_no), int(block), int(branch))
                current.branches[key] = _add_branch_hits(
                    current.branches.get(key), None if taken == "-" else int(taken)
                )
            elif line.startswith("FN:"):
                fields = line[3:].split(",")
                current.functions.setdefault(fields[-1], int(fields[0]))
            elif line.startswith("FNDA:"):
                hits, name = line[5:].split(",", 1)
                current.function_hits[name] = current.function_hits.get(name, 0) + int(hits)
            # LF/LH/BRF/BRH/FNF/FNH are totals, recomputed when writing.
        except (ValueError, IndexError) as error:
            raise LcovError(f"{origin}:{number}: cannot read {line!r}: {error}") from error
    return files


def _add_branch_hits(first: int | None, second: int | None) -> int | None:
    """Sums two branch counts; stays None (never executed) only when neither run executed the line."""
    if first is None:
        return second
    if second is None:
        return first
    return first + second


def merge(files: Iterable[FileCoverage]) -> dict[str, FileCoverage]:
    """Merges records of the same path, summing hits; returns them keyed by path."""
    merged: dict[str, FileCoverage] = {}
    for item in files:
        if item.path in merged:
            merged[item.path].merge(item)
        else:
            merged[item.path] = FileCoverage(path=item.path)
            merged[item.path].merge(item)
    return merged


def format_lcov(files: Iterable[FileCoverage]) -> str:
    """Writes an lcov tracefile that genhtml and Bazel accept (FN:<line>,<name> form)."""
    out = []
    for item in sorted(files, key=lambda f: f.path):
        out.append(f"SF:{item.path}")
        for name, line in sorted(item.functions.items(), key=lambda kv: (kv[1], kv[0])):
            out.append(f"FN:{line},{name}")
        for name in sorted(item.functions, key=lambda n: (item.functions[n], n)):
            out.append(f"FNDA:{item.function_hits.get(name, 0)},{name}")
        out.append(f"FNF:{len(item.functions)}")
        out.append(f"FNH:{sum(1 for name in item.functions if item.function_hits.get(name, 0) > 0)}")
        for (line, block, branch), hits in sorted(item.branches.items()):
            out.append(f"BRDA:{line},{block},{branch},{'-' if hits is None else hits}")
        out.append(f"BRF:{item.branches_found}")
        out.append(f"BRH:{item.branches_hit}")
        for line, hits in sorted(item.lines.items()):
            out.append(f"DA:{line},{hits}")
        out.append(f"LF:{item.lines_found}")
        out.append(f"LH:{item.lines_hit}")
        out.append("end_of_record")
    return "\n".join(out) + ("\n" if out else "")
