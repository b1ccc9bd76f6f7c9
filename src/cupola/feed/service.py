"""``cupola feed``: the battle manager live on radar plots arriving over UDP.

One asyncio loop, one thread:

1. each datagram is decoded as it arrives (:mod:`.cat048` or :mod:`.plots_jsonl`), what cannot
   be used rejected and counted, and its plots cut into scans (:mod:`.scans`);
2. complete scans go to the tracker and the battle manager (:mod:`.core`) in time order;
3. after each batch of scans, the tracks they updated go out as CoT events and CAT062 records;
   after a decision cycle, the predicted impacts, the alert zones raised and lifted and the
   batteries as well (:mod:`.cot`, :mod:`.cat062`, :mod:`.transport`);
4. the events logged go to the journal (:mod:`.journal`), one transaction a batch;
5. every ``status_every_s``, a status line; ``GET /status`` answers the counters
   (:mod:`.status`).

SIGINT or SIGTERM stops it: the scans being built are finished and published, the journal
written and closed. A kill -9 loses only what was not yet committed: the batch being processed.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from cupola.feed import cat048, cat062, cot, plots_jsonl
from cupola.feed.base import Decoded, Decoder, Endpoint
from cupola.feed.core import FeedCore, Picture
from cupola.feed.counters import Counters
from cupola.feed.journal import Journal
from cupola.feed.scans import Scan, Scans
from cupola.feed.status import start as start_status
from cupola.feed.transport import CotOut, Tls, UdpOut
from cupola.live.frames import frame
from cupola.sim.world import World

#: Receive buffer asked of the kernel for the listening socket, bytes (bursts wait there).
RCVBUF = 8 * 2**20
#: Events kept for ``GET /frame`` (an attached page that falls further behind loses some).
RECENT_EVENTS = 2000


@dataclass(frozen=True)
class FeedOptions:
    """How to run the feed (``cupola feed``'s options)."""

    listen: Endpoint
    format: str
    journal: Path
    day: datetime
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


class _Listener(asyncio.DatagramProtocol):
    def __init__(self, feed: Feed) -> None:
        self.feed = feed

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.feed.received(data)


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
        self.journal = Journal(options.journal, options.day)
        self.core = FeedCore(world, self.journal.first_track_id)
        self.scans = Scans(options.hold_s)
        heights = {r.radar_id: float(r.position[2]) for r in world.radars}
        self.decode: Decoder = (
            cat048.Decoder(heights) if options.format == "asterix48" else plots_jsonl.decode
        )
        self.cot_opts = cot.CotOptions(
            options.day, options.stale_s, options.service, options.simulated
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
        #: The picture as a live frame after the last batch, and the recent events, numbered.
        self.last_frame: dict[str, Any] | None = None
        self.recent: deque[tuple[int, dict[str, Any]]] = deque(maxlen=RECENT_EVENTS)
        self.event_seq = 0

    # -- in ----------------------------------------------------------------------------------
    def received(self, data: bytes) -> None:
        """One datagram: decode, count, cut into scans."""
        now = time.monotonic()
        c = self.counters
        c.datagrams += 1
        c.bytes_in += len(data)
        c.last_datagram = now
        got: Decoded = self.decode(data)
        c.rejected.update(got.rejected)
        before = sum(self.scans.rejected.values())
        self.ready += self.scans.add(got.plots, now)
        dropped = sum(self.scans.rejected.values()) - before
        c.plots += len(got.plots.time) - dropped
        c.rejected.update(+self.scans.rejected)  # the positive counts only
        self.scans.rejected.clear()
        if self.ready:
            self.wake.set()

    # -- the loop ----------------------------------------------------------------------------
    async def run(self, signals: bool = True) -> Counters:
        """Listen, process and publish until SIGINT or SIGTERM (with ``signals``, in the
        main thread) or until :attr:`stop` is set."""
        loop = asyncio.get_running_loop()
        if signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self.stop.set)
        o = self.options
        sock = socket.socket(
            socket.AF_INET6 if ":" in o.listen.host else socket.AF_INET, socket.SOCK_DGRAM
        )
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        sock.bind((o.listen.host, o.listen.port))
        transport, _ = await loop.create_datagram_endpoint(lambda: _Listener(self), sock=sock)
        server = None
        if o.http is not None:
            routes = {"/status": lambda _: self.status(), "/frame": self.frame}
            server = await start_status(o.http.host, o.http.port, routes)
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
                self.ready += self.scans.flush(time.monotonic())
                await self._process()
            self.ready += self.scans.flush(time.monotonic(), everything=True)
            await self._process()
        finally:
            status.cancel()
            transport.close()
            if server is not None:
                server.close()
            if self.cot is not None:
                self.cot.close()
            if self.cat062 is not None:
                self.cat062.close()
            self.journal.close()
            if signals:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(sig)
        self.say(self.counters.line(None, max(time.monotonic() - self.counters.started, 1e-9)))
        return self.counters

    async def _process(self) -> None:
        """Scans ready to the tracker, then publish and log."""
        if not self.ready:
            return
        batch, self.ready = self.ready, []
        c = self.counters
        for scan in batch:
            bad = self.core.scan(scan.time, scan.sensor, scan.plots)
            if bad:
                c.rejected["unusable"] += bad
                c.plots -= bad
            c.scans += 1
        c.feed_time = round(self.core.t, 3)
        c.cycles = self.core.cycles
        await self._publish()
        self._frame()
        done = time.monotonic()
        c.latency.extend(done - s.arrived for s in batch)
        c.events_logged += self.journal.write(self.core.events())

    async def _publish(self) -> None:
        pic = self.core.picture()
        self.counters.tracks = len(pic.track_id)
        fresh = pic.track_time > self.published_time
        self.published_time = pic.time
        sub = _rows(pic, fresh)
        events = cot.track_events(sub, self.world, self.cot_opts)
        records: list[bytes] = []
        if self.cat062 is not None:
            lon, lat = self.world.frame.to_geodetic(sub.pos[:, 0], sub.pos[:, 1])
            tracks = cat062.Tracks(sub.track_time, sub.track_id, lat, lon, sub.pos, sub.vel)
            records, _ = cat062.encode(
                tracks, self.options.sac, self.options.sic, simulated=self.options.simulated
            )
        if self.core.cycles > self.cycles_published:
            self.cycles_published = self.core.cycles
            events += cot.impact_events(pic, self.world, self.cot_opts)
            raised = np.setdiff1d(pic.alerted, self.alerted)
            lifted = np.setdiff1d(self.alerted, pic.alerted)
            self.alerted = pic.alerted
            events += cot.zone_events(self.world, self.cot_opts, raised, pic.time)
            events += cot.zone_events(self.world, self.cot_opts, lifted, pic.time, lifted=True)
            events += cot.battery_events(
                self.world,
                self.cot_opts,
                self.core.units.ready,
                self.core.bmc.console.held,
                pic.time,
            )
        c = self.counters
        if self.cot is not None:
            sent, failed = await self.cot.send(events)
            c.cot_sent += sent
            c.cot_failed += failed
        if self.cat062 is not None:
            sent, failed = self.cat062.send(records)
            c.cat062_sent += sent
            c.cat062_failed += failed

    async def _status_lines(self) -> None:
        every = self.options.status_every_s
        previous: dict[str, Any] | None = None
        while True:
            await asyncio.sleep(every)
            self.say(self.counters.line(previous, every))
            previous = self.counters.as_dict()

    def _frame(self) -> None:
        """The live frame of the picture now, its events numbered into :attr:`recent`."""
        f, _ = frame(self.core, 0)  # the log holds this batch's events until the journal's
        for e in f.pop("events"):
            self.event_seq += 1
            self.recent.append((self.event_seq, e))
        f["time"] = round(self.core.t, 3)
        self.last_frame = f

    def frame(self, query: dict[str, str]) -> dict[str, Any]:
        """``GET /frame?since=N``: the last frame, with the events after event ``N``
        (those still in :attr:`recent`) and ``cursor``, the last one's number."""
        try:
            since = int(query.get("since", "0"))
        except ValueError:
            raise ValueError("since: give an event number (an integer)") from None
        if self.last_frame is None:
            raise ValueError("no picture yet: no scan has been processed")
        events = [e for k, e in self.recent if k > since]
        return {**self.last_frame, "events": events, "cursor": self.event_seq}

    def status(self) -> dict[str, Any]:
        """The counters, with the session and the destinations' errors."""
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
