"""``cupola feed``: the battle manager live on radar plots arriving over UDP.

One asyncio loop, one thread:

1. each datagram is read as it arrives (and everything waiting in the socket before a radar's
   scan is taken to be complete), decoded (:mod:`.cat048` or :mod:`.plots_jsonl`), what cannot
   be used rejected and counted, and its plots cut into scans (:mod:`.scans`);
2. complete scans go to the tracker and the battle manager (:mod:`.core`) in time order;
3. the events logged go to the journal (:mod:`.journal`), one transaction a batch, before
   anything is published: a track id sent out is in the journal;
4. the tracks the batch updated go out as CoT events and CAT062 records; after a decision
   cycle, the predicted impacts, the alert zones under alert (every cycle) and lifted, and the
   batteries as well (:mod:`.cot`, :mod:`.cat062`, :mod:`.transport`: CoT from a sender task
   of its own, so that the network never holds up tracking);
5. every ``status_every_s``, a status line; ``GET /status`` answers the counters and ``GET
   /frame`` the picture (:mod:`.status`).

What cannot be used is counted, never a stop: a datagram its decoder cannot read, a plot of a
radar the scenario does not have, a time far ahead of the picture (:meth:`Feed._plausible`),
a scan the tracker fails on, a journal write or a publication that fails. SIGINT or SIGTERM
stops it: the scans being built are finished and published, the journal written and closed.
A kill -9 loses only what was not yet committed: the batch being processed.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
import socket
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.core.table import take
from cupola.feed import cat048, cat062, cot, plots_jsonl
from cupola.feed.base import DAY_S, Decoded, Decoder, Endpoint, today
from cupola.feed.core import FeedCore, Picture
from cupola.feed.counters import Counters, KernelDrops
from cupola.feed.journal import Journal
from cupola.feed.scans import Scan, Scans
from cupola.feed.status import start as start_status
from cupola.feed.transport import CotOut, Tls, UdpOut
from cupola.live.frames import event_rows, frame
from cupola.sim.world import World

#: Receive buffer asked of the kernel for the listening socket, bytes (bursts wait there).
RCVBUF = 8 * 2**20
#: Events kept for ``GET /frame`` (an attached page that falls further behind loses some).
RECENT_EVENTS = 2000
#: How far a plot's time may run ahead of the newest taken, s, plus this many times the
#: wall-clock time since that one came (a radar back after a silence).
AHEAD_S = 60.0
MAX_PACE = 100.0
#: Least time between two notes of one kind of failure, s.
NOTE_EVERY_S = 10.0
#: Longest spell of reading the socket at once, s.
READ_BUDGET_S = 0.05


@dataclass(frozen=True)
class FeedOptions:
    """How to run the feed (``cupola feed``'s options)."""

    listen: Endpoint
    format: str
    journal: Path
    day: datetime | None = None
    cot: Endpoint | None = None
    cat062: Endpoint | None = None
    http: Endpoint | None = None
    tls: Tls | None = None
    protobuf: bool = False
    status_every_s: float = 5.0
    hold_s: float = 0.1
    stale_s: float = 10.0
    simulated: bool = False
    service: str = "cupola"
    sac: int = 0
    sic: int = 0
    #: Processes decoding CAT048 beside the loop (0: the loop decodes).
    decode_workers: int = 0


class Feed:
    """A running feed (module docstring).

    Parameters
    ----------
    world : World
        The compiled scenario: radars, assets, zones, batteries.
    options : FeedOptions
    say : callable
        Where status lines go.
    """

    def __init__(self, world: World, options: FeedOptions, say: Callable[[str], None]) -> None:
        self.world = world
        self.options = options
        self.say = say
        self.counters = Counters()
        #: 00:00 UTC of the day the feed's times count from: ``day``, or the day it started.
        self.day = options.day or today()
        self.journal = Journal(options.journal, self.day)
        self.core = FeedCore(world, self.journal.first_track_id)
        #: The newest plot time taken, s, and when it came (wall clock, s).
        self.newest = -np.inf
        self.newest_wall = time.monotonic()
        self.sensors = np.array(sorted(self.core.radars), np.int64)
        self.scans = Scans(options.hold_s, {r.radar_id: r.revisit_s for r in world.radars})
        heights = {r.radar_id: float(r.position[2]) for r in world.radars}
        live = self.day if options.day is None else None
        self.cat048 = cat048.Decoder(heights, live)
        self.decode: Decoder = self.cat048 if options.format == "asterix48" else plots_jsonl.decode
        self.heights = heights
        #: CAT048 decoding in a worker process, and the batches it has under way, in order.
        self.pool: ProcessPoolExecutor | None = None
        self.decoding: deque[tuple[float, list[int], Future[list[Decoded | str]]]] = deque()
        self.cot_opts = cot.CotOptions(
            self.day, options.stale_s, options.service, options.simulated
        )
        self.cot = (
            CotOut(options.cot, options.tls, options.protobuf) if options.cot is not None else None
        )
        self.cat062 = UdpOut(options.cat062) if options.cat062 is not None else None
        self.ready: list[Scan] = []
        self.wake = asyncio.Event()
        self.stop = asyncio.Event()
        self.published_time = -np.inf
        self.cycles_published = 0
        self.alerted = np.empty(0, np.int64)
        self.noted: dict[str, float] = {}
        self.drops: Callable[[], int | None] = lambda: None
        #: The recent events, numbered, for ``GET /frame``.
        self.recent: deque[tuple[int, dict[str, Any]]] = deque(maxlen=RECENT_EVENTS)
        self.event_seq = 0

    # -- in ----------------------------------------------------------------------------------
    def _drain(self) -> bool:
        """Read the datagrams waiting in the socket, for at most :data:`READ_BUDGET_S` (so
        that the status endpoint and the publication are not held up by a backlog); True
        when the socket is empty."""
        until = time.monotonic() + READ_BUDGET_S
        batch: list[bytes] = []
        empty = False
        while time.monotonic() < until:
            try:
                data = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError, OSError):  # OSError: an ICMP report
                empty = True
                break
            if self.pool is None:
                self.received(data)
            else:
                self._arrived(data, time.monotonic())
                batch.append(data)
        if batch:
            assert self.pool is not None
            job = self.pool.submit(cat048.decode_batch, batch, self.heights)
            job.add_done_callback(lambda _: self.loop.call_soon_threadsafe(self.wake.set))
            self.decoding.append((time.monotonic(), [len(d) for d in batch], job))
        return empty

    def _decoded(self) -> None:
        """Take the worker's decoded batches, in the order they were sent, as far as they
        are done."""
        while self.decoding and self.decoding[0][2].done():
            now, sizes, job = self.decoding.popleft()
            try:
                results = job.result()
            except Exception as exc:  # the worker died: its batch is lost, counted
                self.counters.rejected["decoder error"] += len(sizes)
                self._note(f"decoder error: the decoding process failed: {exc}")
                self._restart_pool()
                continue
            for got in results:
                if isinstance(got, str):
                    self.counters.rejected["decoder error"] += 1
                    self._note(f"decoder error: {got}")
                    continue
                self._take(self.cat048.timed(got), now)

    def _restart_pool(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = _start_pool(self.options.decode_workers)

    def received(self, data: bytes) -> None:
        """One datagram: decode, check, count, cut into scans. Never raises: what cannot be
        used is counted by reason."""
        now = time.monotonic()
        self._arrived(data, now)
        try:
            got: Decoded = self.decode(data)
        except Exception as exc:  # a decoder's bug must not cost the service: count, go on
            self.counters.rejected["decoder error"] += 1
            self._note(f"decoder error: {type(exc).__name__}: {exc}")
            return
        self._take(got, now)

    def _arrived(self, data: bytes, now: float) -> None:
        c = self.counters
        c.datagrams += 1
        c.bytes_in += len(data)
        c.last_datagram = now

    def _take(self, got: Decoded, now: float) -> None:
        """Decoded plots: checked, counted, cut into scans."""
        c = self.counters
        c.rejected.update(got.rejected)
        plots = got.plots
        known = np.isin(plots.sensor_id, self.sensors)
        c.rejected["unknown sensor"] += int((~known).sum())
        plausible = self._plausible(plots.time, now)
        c.rejected["implausible time"] += int((known & ~plausible).sum())
        taken = known & plausible
        if taken.any():
            self.newest = max(self.newest, float(plots.time[taken].max()))
            self.newest_wall = now
        self.ready += self.scans.add(take(plots, taken), now)
        c.received += int(taken.sum())
        if self.ready:
            self.wake.set()

    def _plausible(self, t: NDArray[np.float64], now: float) -> NDArray[np.bool_]:
        """Plot times the feed can take: not more than :data:`AHEAD_S` ahead of the newest
        plot taken, plus :data:`MAX_PACE` times the wall-clock time since it came (a radar back
        after a silence); with no ``day`` given (a live radar), within half a day of the UTC
        clock as well. One corrupt time is refused; a stream, however fast, is not."""
        ok = np.isfinite(t)
        if np.isfinite(self.newest):
            ok &= t <= self.newest + AHEAD_S + MAX_PACE * (now - self.newest_wall)
        if self.options.day is None:
            clock = time.time() - self.day.timestamp()
            ok &= np.abs(t - clock) <= DAY_S / 2
        return np.asarray(ok, bool)

    # -- the loop ----------------------------------------------------------------------------
    async def run(self, signals: bool = True) -> Counters:
        """Listen, process and publish until SIGINT or SIGTERM (with ``signals``, in the
        main thread) or until :attr:`stop` is set."""
        loop = asyncio.get_running_loop()
        o = self.options
        sock = socket.socket(
            socket.AF_INET6 if ":" in o.listen.host else socket.AF_INET, socket.SOCK_DGRAM
        )
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
            sock.bind((o.listen.host, o.listen.port))
        except OSError:
            sock.close()
            self.journal.close()
            raise
        self.drops = KernelDrops(sock)
        self.loop = loop
        if o.format == "asterix48" and o.decode_workers > 0:
            self.pool = _start_pool(o.decode_workers)
        sock.setblocking(False)
        self.sock = sock
        loop.add_reader(sock.fileno(), self._drain)
        server = None
        if o.http is not None:
            routes = {"/status": lambda _: self.status(), "/frame": self.frame}
            try:
                server = await start_status(o.http.host, o.http.port, routes)
            except OSError:
                loop.remove_reader(sock.fileno())
                sock.close()
                self.journal.close()
                raise
        if signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self.stop.set)
        self.say(
            f"feed: listening on {o.listen} ({o.format}); journal {o.journal} "
            f"(session {self.journal.session})"
            + (f"; CoT to {o.cot}" if o.cot else "")
            + (f"; CAT062 to {o.cat062}" if o.cat062 else "")
            + (f"; status at http://{o.http.host}:{o.http.port}/status" if o.http else "")
        )
        status = asyncio.create_task(self._status_lines())
        try:
            while not self.stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), o.hold_s / 2)
                self.wake.clear()
                # What waited in the socket while the last batch was processed comes first: a
                # radar's scan is complete after a quiet hold only once the socket is empty
                # and every datagram read is decoded.
                empty = self._drain()
                self._decoded()
                if empty and not self.decoding:
                    self.ready += self.scans.flush(time.monotonic())
                await self._process()
            while not self._drain() or self.decoding:
                await asyncio.sleep(0.01)
                self._decoded()
            self.ready += self.scans.flush(time.monotonic(), everything=True)
            await self._process()
        finally:
            status.cancel()
            loop.remove_reader(sock.fileno())
            sock.close()
            if server is not None:
                server.close()
            if self.cot is not None:
                await self.cot.close()
                self._count_cot()
            if self.cat062 is not None:
                self.cat062.close()
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)
            self.journal.close()
            if signals:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(sig)
        self.say(self.counters.line(None, max(time.monotonic() - self.counters.started, 1e-9)))
        return self.counters

    async def _process(self) -> None:
        """Scans ready to the tracker; the events to the journal; then publish. A failure of
        one step is counted and the feed goes on."""
        self._count_scans()
        if not self.ready:
            return
        batch, self.ready = self.ready, []
        c = self.counters
        for scan in batch:
            n = len(scan.plots.time)
            try:
                bad = self.core.scan(scan.time, scan.sensor, scan.plots, scan.sector)
            except Exception as exc:  # one scan the tracker cannot take: count it, go on
                c.rejected["tracker error"] += n
                self._note(f"tracker error at t={scan.time:.3f} s: {type(exc).__name__}: {exc}")
                self.core.restart(scan.time)
                continue
            c.rejected["out of range"] += bad
            c.plots += n - bad
            c.scans += 1
        c.feed_time = round(self.core.t, 3) if np.isfinite(self.core.t) else None
        c.cycles = self.core.cycles
        chunks = self.core.events()
        try:  # logged before published: a track id sent out is in the journal
            c.events_logged += self.journal.write(chunks)
        except sqlite3.Error as exc:
            c.journal_errors += 1
            self._note(f"journal error: {exc}")
        self._remember(chunks)
        try:
            self._publish()
        except Exception as exc:
            c.publish_errors += 1
            self._note(f"publish error: {type(exc).__name__}: {exc}")
        done = time.monotonic()
        c.latency.extend(done - s.arrived for s in batch)

    def _publish(self) -> None:
        pic = self.core.picture()
        self.counters.tracks = len(pic.track_id)
        fresh = pic.track_time > self.published_time
        self.published_time = pic.time
        sub = _rows(pic, fresh)
        c = self.counters
        if self.cat062 is not None:
            lon, lat = self.world.frame.to_geodetic(sub.pos[:, 0], sub.pos[:, 1])
            tracks = cat062.Tracks(sub.track_time, sub.track_id, lat, lon, sub.pos, sub.vel)
            records, left_out = cat062.encode(
                tracks, self.options.sac, self.options.sic, simulated=self.options.simulated
            )
            sent, failed = self.cat062.send(records)
            c.cat062_sent += sent
            c.cat062_failed += failed
            c.cat062_unencoded += left_out
        if self.cot is None:
            return
        events = cot.track_events(sub, self.world, self.cot_opts)
        if self.core.cycles > self.cycles_published:
            self.cycles_published = self.core.cycles
            events += cot.impact_events(pic, self.world, self.cot_opts)
            lifted = np.setdiff1d(self.alerted, pic.alerted)
            self.alerted = pic.alerted
            # Zones under alert every cycle (a client that joins late, or lost one, sees them).
            events += cot.zone_events(self.world, self.cot_opts, pic.alerted, pic.time)
            events += cot.zone_events(self.world, self.cot_opts, lifted, pic.time, lifted=True)
            events += cot.battery_events(
                self.world,
                self.cot_opts,
                self.core.units.ready,
                self.core.bmc.console.held,
                pic.time,
            )
        self.cot.offer(events)
        self._count_cot()

    def _count_cot(self) -> None:
        if self.cot is not None:
            self.counters.cot_sent = self.cot.sent
            self.counters.cot_failed = self.cot.failed

    def _count_scans(self) -> None:
        """The plots :class:`.scans.Scans` rejected (on arrival or when flushing)."""
        rejected = +self.scans.rejected
        self.counters.rejected.update(rejected)
        self.counters.received -= sum(rejected.values())
        self.scans.rejected.clear()

    def _note(self, line: str) -> None:
        """Say a failure, at most once every :data:`NOTE_EVERY_S` for each kind."""
        kind = line.split(":", 1)[0]
        now = time.monotonic()
        if now - self.noted.get(kind, -np.inf) >= NOTE_EVERY_S:
            self.noted[kind] = now
            self.say(f"feed: {line}")

    async def _status_lines(self) -> None:
        every = self.options.status_every_s
        previous: dict[str, Any] | None = None
        while True:
            await asyncio.sleep(every)
            self._count_scans()
            self._count_cot()
            self.counters.kernel_drops = self.drops()
            self.say(self.counters.line(previous, every))
            previous = self.counters.as_dict()

    def _remember(self, chunks: list[dict[str, NDArray[Any]]]) -> None:
        """This batch's events, numbered, for ``GET /frame``."""
        for chunk in chunks:
            for e in event_rows(self.world.frame, chunk):
                self.event_seq += 1
                self.recent.append((self.event_seq, e))

    def frame(self, query: dict[str, str]) -> dict[str, Any]:
        """``GET /frame?since=N``: the picture now as a live frame, with the events after
        event ``N`` (those still in :attr:`recent`), ``cursor`` (the last one's number) and
        ``session`` (a new one restarts the numbering)."""
        try:
            since = int(query.get("since", "0"))
        except ValueError:
            raise ValueError("since: give an event number (an integer)") from None
        if not np.isfinite(self.core.t):
            raise ValueError("no picture yet: no scan has been processed")
        out, _ = frame(self.core, 0)  # the log was drained into the journal: no events
        out["events"] = [e for k, e in self.recent if k > since]
        out["cursor"] = self.event_seq
        out["session"] = self.journal.session
        return out

    def status(self) -> dict[str, Any]:
        """The counters, with the session and the destinations' errors."""
        self._count_scans()
        self._count_cot()
        self.counters.kernel_drops = self.drops()
        out = self.counters.as_dict()
        out["session"] = self.journal.session
        out["cot_error"] = None if self.cot is None else self.cot.error
        return out


def _rows(pic: Picture, keep: Any) -> Picture:
    """The picture's tracks of mask ``keep``, the rest as is."""
    return replace(
        pic,
        track_id=pic.track_id[keep],
        track_time=pic.track_time[keep],
        pos=pic.pos[keep],
        vel=pic.vel[keep],
        cov=pic.cov[keep],
        kind=pic.kind[keep],
        asset=pic.asset[keep],
    )


def _start_pool(workers: int) -> ProcessPoolExecutor:
    """Processes that decode CAT048 (spawned: the loop's process has threads and sockets), each
    importing libasterix once, before the first datagram."""
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=cat048.warm_up
    )
