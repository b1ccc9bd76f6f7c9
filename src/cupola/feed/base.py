"""What the feed's codecs and transports share: decoded plots with the records they
rejected, and network endpoints.

A *decoder* turns one datagram into plots (a :class:`~cupola.sensors.base.PlotTable`, in
the plots contract: ``time`` s, ``sensor_id``, ``range_m``, ``azimuth_rad`` clockwise from
north, ``elevation_rad``) and counts what it could not use, by reason (and the service counts
a decoder that raises as a ``decoder error``, :meth:`cupola.feed.service.Feed.received`).
An *encoder* does the reverse, in datagrams of at most :data:`MAX_DATAGRAM` bytes.

Times are seconds of the feed's day: ``time`` since 00:00 UTC of the day given (``--day``),
or of the day the feed started. ASTERIX carries the time of day: with a day given (a
recording), :class:`DayClock` unwraps midnight from one record to the next; without (a live
radar), each time of day is put on the day that brings it nearest the UTC clock
(:func:`nearest_day`).
"""

from __future__ import annotations

import ipaddress
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cupola.errors import InputError
from cupola.sensors.base import PlotTable

#: Largest datagram an encoder writes (below a 1500 B Ethernet MTU with IP and UDP headers).
MAX_DATAGRAM = 1400
#: Seconds in a day.
DAY_S = 86400.0
#: Formats of plots in.
PLOT_FORMATS = ("asterix48", "plots-jsonl")


@dataclass
class Decoded:
    """Plots decoded from a datagram, and the records rejected, by reason."""

    plots: PlotTable
    rejected: Counter[str] = field(default_factory=Counter)


class Decoder(Protocol):
    def __call__(self, data: bytes) -> Decoded: ...


def plot_table(
    time: ArrayLike, sensor: ArrayLike, rng: ArrayLike, az: ArrayLike, el: ArrayLike
) -> PlotTable:
    """A plot table of these columns (no truth: ``truth_id`` -1)."""
    t = np.asarray(time, np.float64)
    return PlotTable(
        t,
        np.asarray(sensor, np.int64),
        np.asarray(rng, np.float64),
        np.asarray(az, np.float64),
        np.asarray(el, np.float64),
        np.full(len(t), -1, np.int64),
    )


def today() -> datetime:
    """00:00 UTC today."""
    d = datetime.now(UTC).date()
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def nearest_day(tod: NDArray[np.float64], base: datetime) -> NDArray[np.float64]:
    """Times of day (s) as seconds from ``base`` (00:00 UTC of a day), each on the day that
    puts it nearest the UTC clock now: a live radar's plots are seconds old."""
    now = time.time() - base.timestamp()
    return np.asarray(tod + DAY_S * np.round((now - tod) / DAY_S), np.float64)


class DayClock:
    """Time of day (0..86400 s) to seconds of the feed's day, across midnights: a time of
    day more than half a day before the last one seen is on the next day."""

    def __init__(self) -> None:
        self.day = 0
        self.last: float | None = None

    def __call__(self, tod: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.empty(len(tod))
        for i, x in enumerate(tod.tolist()):  # per record, in arrival order (a few per datagram)
            if self.last is not None and x < self.last - DAY_S / 2:
                self.day += 1
            elif self.last is not None and x > self.last + DAY_S / 2 and self.day > 0:
                out[i] = (self.day - 1) * DAY_S + x  # a late record of the day before
                continue
            self.last = x
            out[i] = self.day * DAY_S + x
        return out


@dataclass(frozen=True)
class Endpoint:
    """A network endpoint ``scheme://host:port``."""

    scheme: str
    host: str
    port: int

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def endpoint(text: str, option: str, schemes: tuple[str, ...]) -> Endpoint:
    """Parse ``scheme://host:port`` given to ``option``; :class:`InputError` naming it."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InputError(option, "", f"{text!r}: {exc}") from None
    if parts.scheme not in schemes:
        want = ", ".join(f"{s}://" for s in schemes)
        raise InputError(option, "", f"{text!r}: the address must start with {want}")
    if not parts.hostname or port is None or parts.path not in ("", "/"):
        raise InputError(option, "", f"{text!r}: give {parts.scheme}://HOST:PORT")
    return Endpoint(parts.scheme, parts.hostname, port)
