"""Servers for end-to-end tests, run as `bazel run` runs them: a child Python process on a free loopback port.

    with running_server("lead_explorer.server", "--database", str(tmp_path / "leads.sqlite3")) as server:
        httpx.get(f"{server.url}/health")

The server is given `--host 127.0.0.1 --port 0` and the port the operating system chose is read from
uvicorn's start-up line, so parallel tests never collide. `run_schemathesis` runs the pinned schemathesis
CLI against a server's OpenAPI document with every check enabled, a fixed seed and example budget.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

STARTUP_TIMEOUT = 60.0
"""Seconds a server may take to print that it is listening (a bound, not a wait: start-up takes ~2 s)."""
_LISTENING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


class ServerStartError(RuntimeError):
    """The server exited, or did not listen within STARTUP_TIMEOUT; the message carries its output."""


@dataclass
class LiveServer:
    """A running server: its base URL, its process and everything it printed so far."""

    url: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        """The loopback port the server listens on."""
        return int(self.url.rsplit(":", 1)[1])


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment with its import path, so a child Python finds the same packages."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path), **(extra or {})}


@contextmanager
def running_server(module: str, *args: str, environ: Mapping[str, str] | None = None) -> Iterator[LiveServer]:
    """Runs `python -m module --host 127.0.0.1 --port 0 *args` until the block ends, then stops it."""
    command = [sys.executable, "-m", module, "--host", "127.0.0.1", "--port", "0", *args]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=child_environment(environ)
    )
    lines: queue.Queue[str | None] = queue.Queue()
    output: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        server = LiveServer(_await_listening(lines, output), process, output)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _await_listening(lines: queue.Queue[str | None], output: list[str]) -> str:
    while True:
        try:
            line = lines.get(timeout=STARTUP_TIMEOUT)
        except queue.Empty:
            raise ServerStartError(
                f"no 'Uvicorn running on' line within {STARTUP_TIMEOUT:g} s:\n{''.join(output)}"
            ) from None
        if line is None:
            raise ServerStartError(f"the server exited before listening:\n{''.join(output)}")
        found = _LISTENING.search(line)
        if found:
            return found.group(1)


@dataclass(frozen=True)
class SchemathesisRun:
    """The outcome of one schemathesis run: its exit code and report."""

    returncode: int
    output: str


def run_schemathesis(
    server: LiveServer,
    *,
    workdir: Path,
    seed: int,
    max_examples: int,
    config: Path | None = None,
    extra_args: Sequence[str] = (),
) -> SchemathesisRun:
    """`schemathesis run URL/openapi.json --checks all` with the examples, coverage and fuzzing phases."""
    options = ["--no-color"] + ([] if config is None else ["--config-file", str(config)])
    command = [
        sys.executable,
        "-c",
        "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())",
        *options,
        "run",
        f"{server.url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--phases",
        "examples,coverage,fuzzing",
        *extra_args,
    ]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, env=child_environment())
    return SchemathesisRun(result.returncode, result.stdout + result.stderr)
