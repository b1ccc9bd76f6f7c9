"""A recorded run to replay (the border town's raid, the batteries holding fire so that every
threat flies to the ground), free loopback ports, a UDP receiver and the ``cupola``
command."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from cupola.core.table import take
from cupola.feed import cat048, plots_jsonl
from cupola.feed.base import Endpoint
from cupola.feed.journal import read_events
from cupola.feed.replay import Recording
from cupola.feed.service import Feed, FeedOptions
from cupola.output.runfolder import write_run
from cupola.scenario import load
from cupola.sensors.base import PlotTable
from cupola.sim.engine import simulate
from cupola.sim.summary import summarize
from cupola.sim.world import World, compile_world

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
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 2**20)  # a burst of CoT
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


class Send:
    """Sends datagrams to the feed under test; ``port`` is where it listens."""

    def __init__(self, sock: socket.socket, port: int) -> None:
        self.sock, self.port = sock, port

    def __call__(self, data: bytes) -> None:
        self.sock.sendto(data, ("127.0.0.1", self.port))


def scans_of(p: PlotTable) -> list[PlotTable]:
    cut = np.flatnonzero((np.diff(p.time) != 0) | (np.diff(p.sensor_id) != 0)) + 1
    return [
        take(p, slice(a, b)) for a, b in zip(np.r_[0, cut], np.r_[cut, len(p.time)], strict=True)
    ]


def datagrams(rec: Recording, fmt: str) -> list[list[bytes]]:
    """Each scan's datagrams."""
    if fmt == "plots-jsonl":
        return [plots_jsonl.encode(s) for s in scans_of(rec.plots)]
    return [cat048.encode(s, rec.heights)[0] for s in scans_of(rec.plots)]


def run_feed(
    world: World,
    journal: Path,
    fmt: str,
    script: Callable[[Send], Awaitable[None]],
    status_every_s: float = 5.0,
    **more: Any,
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    """Run the feed in this process while ``script`` sends datagrams; returns its counters,
    status lines and logged events."""
    port = free_port()
    options = FeedOptions(
        listen=Endpoint("udp", "127.0.0.1", port),
        format=fmt,
        journal=journal,
        day=datetime(2026, 11, 23, tzinfo=UTC),
        status_every_s=status_every_s,
        **more,
    )
    lines: list[str] = []

    async def main() -> dict[str, Any]:
        feed = Feed(world, options, lines.append)
        task = asyncio.create_task(feed.run(signals=False))
        await asyncio.sleep(0.1)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            await script(Send(sock, port))
            await asyncio.sleep(0.4)
        finally:
            sock.close()
        feed.stop.set()
        await task
        return feed.status()  # after the stop: what was queued has been sent

    status = asyncio.run(main())
    return status, lines, read_events(journal)


def paced(scans: list[list[bytes]], gap_s: float = 0.004) -> Callable[[Send], Awaitable[None]]:
    async def script(send: Send) -> None:
        for data in scans:
            for d in data:
                send(d)
            await asyncio.sleep(gap_s)

    return script


@contextlib.contextmanager
def feed(*args: str) -> Iterator[subprocess.Popen[str]]:
    """``cupola feed ARGS``, waited for until it listens, stopped with SIGINT on exit."""
    proc = subprocess.Popen(
        [*CUPOLA, "feed", *args], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=ENV
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert "listening on" in first, first + (proc.stderr.read() if proc.poll() else "")
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=20)  # and close the pipes
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
