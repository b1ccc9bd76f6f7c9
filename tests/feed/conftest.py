"""A recorded run to replay (the border town's raid, the batteries holding fire so that every
threat flies to the ground), free loopback ports, a UDP receiver and the ``cupola``
command."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from cupola.output.runfolder import write_run
from cupola.scenario import load
from cupola.sim.engine import simulate
from cupola.sim.summary import summarize
from cupola.sim.world import compile_world

#: The ``cupola`` command in the test's interpreter.
CUPOLA = [sys.executable, "-c", "from cupola.cli import main; main()"]
ENV = {**os.environ, "COLUMNS": "200"}


@pytest.fixture(scope="session")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder of the border town's raid, no threat engaged."""
    sc = load("border-town")
    doctrine = sc.doctrine.model_copy(update={"engage_threshold": 1e12})
    sc = sc.model_copy(update={"doctrine": doctrine, "name": "border-town-hold-fire"})
    base = tmp_path_factory.mktemp("recorded")
    path = base / "scenario.yaml"
    path.write_text(yaml.safe_dump(sc.model_dump(mode="json", exclude_none=True)))
    world = compile_world(load(path), str(path))
    result = simulate(world, seed=2)
    return write_run(result, summarize(result), base / "run")


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """Datagrams arriving at a loopback UDP port, gathered by a thread."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.got: list[bytes] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.is_set():
            try:
                data, _ = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            self.got.append(data)

    def close(self) -> list[bytes]:
        self.done.set()
        self.thread.join()
        self.sock.close()
        return self.got


@contextlib.contextmanager
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        r.close()


def run_cupola(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CUPOLA, *args], capture_output=True, text=True, env=ENV, timeout=timeout, check=False
    )


def seconds_of_day(stamp: str) -> float:
    """A CoT time (``YYYY-MM-DDThh:mm:ss.fffZ``) as seconds after 00:00 UTC."""
    clock = stamp.split("T")[1].rstrip("Z")
    h, m, s = clock.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)
