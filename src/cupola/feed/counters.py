"""The feed's counters: what came in, what was rejected and why, what went out, and how
long a plot took to become a CoT event. Shown as a status line every interval and as JSON
at the status endpoint (:mod:`.status`)."""

from __future__ import annotations

import os
import socket
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Counters:
    """Totals since the service started (module docstring)."""

    started: float = field(default_factory=time.monotonic)
    datagrams: int = 0
    bytes_in: int = 0
    #: Plots decoded, of a known radar, at a plausible time, not yet rejected by the scans.
    received: int = 0
    #: Plots given to the tracker and taken.
    plots: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    scans: int = 0
    cycles: int = 0
    cot_sent: int = 0
    cot_failed: int = 0
    cat062_sent: int = 0
    cat062_failed: int = 0
    cat062_unencoded: int = 0
    events_logged: int = 0
    journal_errors: int = 0
    publish_errors: int = 0
    #: Datagrams the kernel dropped on this socket (its buffer full); None where unknown.
    kernel_drops: int | None = None
    tracks: int = 0
    feed_time: float | None = None
    last_datagram: float | None = None
    #: Wall-clock latency from a scan's last plot in to its tracks out, s (recent ones).
    latency: deque[float] = field(default_factory=lambda: deque(maxlen=2000))

    def as_dict(self) -> dict[str, Any]:
        now = time.monotonic()
        lat = np.asarray(self.latency, float)
        return {
            "uptime_s": round(now - self.started, 3),
            "datagrams": self.datagrams,
            "bytes_in": self.bytes_in,
            "plots_received": self.received,
            "plots_accepted": self.plots,
            "rejected": dict(sorted((+self.rejected).items())),
            "rejected_total": sum(self.rejected.values()),
            "kernel_drops": self.kernel_drops,
            "scans": self.scans,
            "decision_cycles": self.cycles,
            "tracks": self.tracks,
            "cot_sent": self.cot_sent,
            "cot_failed": self.cot_failed,
            "cat062_sent": self.cat062_sent,
            "cat062_failed": self.cat062_failed,
            "cat062_unencoded": self.cat062_unencoded,
            "events_logged": self.events_logged,
            "journal_errors": self.journal_errors,
            "publish_errors": self.publish_errors,
            "feed_time_s": self.feed_time,
            "since_last_datagram_s": (
                None if self.last_datagram is None else round(now - self.last_datagram, 3)
            ),
            "latency_ms": {
                "p50": round(float(np.percentile(lat, 50)) * 1e3, 2) if len(lat) else None,
                "p95": round(float(np.percentile(lat, 95)) * 1e3, 2) if len(lat) else None,
            },
        }

    def line(self, previous: dict[str, Any] | None, interval: float) -> str:
        """The status line: rates over the last ``interval`` s, totals of rejections."""
        d = self.as_dict()
        p = previous or {"plots_accepted": 0, "datagrams": 0}
        rate = (d["plots_accepted"] - p["plots_accepted"]) / max(interval, 1e-9)
        why = ", ".join(f"{k} {v}" for k, v in d["rejected"].items())
        stall = d["since_last_datagram_s"]
        return (
            f"feed: {rate:,.0f} plots/s, {d['plots_accepted']:,} plots, "
            f"{d['rejected_total']:,} rejected{f' ({why})' if why else ''}, "
            f"{d['scans']:,} scans, {d['tracks']} tracks, {d['cot_sent']:,} CoT sent"
            + (f" ({d['cot_failed']} failed)" if d["cot_failed"] else "")
            + (f", {d['cat062_sent']:,} CAT062" if d["cat062_sent"] else "")
            + (
                f", {d['kernel_drops']:,} datagrams dropped by the kernel"
                if d["kernel_drops"]
                else ""
            )
            + (f", {d['journal_errors']} journal errors" if d["journal_errors"] else "")
            + (
                f", latency p50 {d['latency_ms']['p50']:.0f} ms"
                if d["latency_ms"]["p50"] is not None
                else ""
            )
            + (f"; no data for {stall:.0f} s" if stall is not None and stall > interval else "")
        )


class KernelDrops:
    """Datagrams the kernel dropped on a UDP socket (its receive buffer full), from Linux's
    ``/proc/net/udp`` and ``/proc/net/udp6`` (the ``drops`` column of the socket's inode);
    None where they cannot be read."""

    def __init__(self, sock: socket.socket) -> None:
        self.inode = str(os.fstat(sock.fileno()).st_ino)

    def __call__(self) -> int | None:
        for table in ("/proc/net/udp", "/proc/net/udp6"):
            try:
                with open(table, encoding="ascii") as f:
                    for line in f:
                        cols = line.split()
                        if len(cols) >= 13 and cols[9] == self.inode:
                            return int(cols[12])
            except (OSError, ValueError):
                continue
        return None
