"""Errors of the CI tools: each says which file, revision or value was wrong."""

from __future__ import annotations


class CiToolError(Exception):
    """Base class of every error the CI tools raise on bad input; the CLI prints it and exits 2."""


class GitError(CiToolError):
    """A git command failed (unknown revision, not a repository, ...)."""


class DiffParseError(CiToolError):
    """`git diff` output could not be read (a hunk header outside a file, a malformed range)."""


class SummaryError(CiToolError):
    """A coverage_summary.json is missing, unreadable or not in the generator's format."""


class HistoryError(CiToolError):
    """A coverage/test-time history file (JSON Lines) has a bad line."""


class BaselineError(CiToolError):
    """The committed test-time baseline is unreadable or not in its format."""


class ShardError(CiToolError):
    """A shard spec (`I/N`), a shard's bundle or the set of bundles to merge is not what sharded CI needs."""
