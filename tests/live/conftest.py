"""``served`` and ``served_operator``: `cupola serve border-town` as a user runs it, on a free
loopback port."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx2
import pytest

#: The ``cupola`` command in the test's interpreter.
CUPOLA = [sys.executable, "-c", "from cupola.cli import main; main()"]
ENV = {**os.environ, "COLUMNS": "200"}


@dataclass(frozen=True)
class Served:
    """The server's address, its token, the two lines it printed, and how to run ``cupola``."""

    base: str
    token: str
    printed: list[str]
    command: list[str]
    env: dict[str, str]


@contextlib.contextmanager
def serve(*args: str) -> Iterator[Served]:
    """``cupola serve border-town ARGS`` on a free loopback port, stopped on exit."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [*CUPOLA, "serve", "border-town", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 60.0)
        assert ready, "cupola serve printed nothing in 60 s"
        printed = [proc.stdout.readline().strip(), proc.stdout.readline().strip()]
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):  # the server starts after printing
            try:
                httpx2.get(f"{base}/api/state", timeout=1.0)
                break
            except httpx2.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not answer in 10 s")
        yield Served(base, printed[1].removeprefix("token: "), printed, CUPOLA, ENV)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def served() -> Iterator[Served]:
    """The automatic battle manager, as ``cupola serve border-town`` runs it."""
    with serve() as s:
        yield s


@pytest.fixture
def served_operator() -> Iterator[Served]:
    """Operator mode: ``cupola serve border-town --operator --seed 1``."""
    with serve("--operator", "--seed", "1") as s:
        yield s
