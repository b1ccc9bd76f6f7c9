"""Plots as they arrive, cut into the scans the tracker takes.

A scan is the plots of one radar at one time (as in a plots file). Plots arrive in datagrams,
a scan in several, radars interleaved; a radar's scan is complete when a later datagram
brings a plot of that radar with a later time, or when nothing of it arrived for ``hold_s`` of
wall-clock time (the last scan, or a feed that stalls). Complete scans go to the tracker in
time order.

Rejected and counted, by reason:

- ``duplicate``: a plot equal to one already taken for the same scan (a datagram sent twice);
- ``late``: a plot of a scan already given to the tracker, or older than the tracker's time
  (out of order beyond what can be put back in order);
- ``not finite``: a time that is not a number (never grouped).

Plots of one radar whose times go back within the scan being built are kept in their scan
(out of order within the hold time is put back in order); the others are late. A complete
scan waits while another radar is still building an earlier one, so that radars scanning at
different times interleave in time order.

A scan is the plots of one time: Cupola's radars and replays stamp a scan's plots with one
time. A real radar stamps each plot with its own detection time over the antenna's sweep,
which this assembly would cut into scans of one plot each (every track not in them counted a
miss); grouping a real radar's plots by sweep (its north marker or sector messages, ASTERIX
CAT034) is not done yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from cupola.core.table import concat, take
from cupola.sensors.base import PlotTable


@dataclass(frozen=True)
class Scan:
    """A complete scan: its time (s), radar, plots, and the wall-clock time its last plot
    arrived (s, :func:`time.monotonic`)."""

    time: float
    sensor: int
    plots: PlotTable
    arrived: float


@dataclass
class _Building:
    """The scans of one radar being built: by time, their plots, and when the last came."""

    plots: dict[float, list[PlotTable]] = field(default_factory=dict)
    keys: dict[float, set[tuple[float, float, float]]] = field(default_factory=dict)
    arrived: dict[float, float] = field(default_factory=dict)
    last_arrival: float = 0.0
    #: Time of its last scan given out, s.
    done: float = -np.inf


class Scans:
    """Plots in, complete scans out (module docstring).

    Parameters
    ----------
    hold_s : float
        Wall-clock time after a radar's last plot when its scans being built are complete, s.
    """

    def __init__(self, hold_s: float = 0.3) -> None:
        self.hold_s = hold_s
        self.building: dict[int, _Building] = {}
        #: Complete scans waiting for the other radars (:meth:`_ordered`).
        self.waiting: list[Scan] = []
        #: Time of the last scan given out, s; later plots must be newer.
        self.done_time = -np.inf
        self.rejected: Counter[str] = Counter()

    def add(self, plots: PlotTable, now: float) -> list[Scan]:
        """Take plots arrived at wall-clock ``now``; returns the scans completed, in time
        order."""
        finite = np.isfinite(plots.time)
        self.rejected["not finite"] += int((~finite).sum())
        plots = take(plots, finite)
        out: list[Scan] = []
        for sensor in np.unique(plots.sensor_id).tolist():  # a few radars
            mine = take(plots, plots.sensor_id == sensor)
            b = self.building.setdefault(int(sensor), _Building())
            late = (mine.time <= b.done) | (mine.time < self.done_time)
            self.rejected["late"] += int(late.sum())
            mine = take(mine, ~late)
            if len(mine.time) == 0:
                continue
            b.last_arrival = now
            for t in np.unique(mine.time).tolist():  # the scans of this datagram: one or two
                part = take(mine, mine.time == t)
                keys = b.keys.setdefault(t, set())
                rows = list(
                    zip(
                        part.range_m.tolist(),
                        part.azimuth_rad.tolist(),
                        part.elevation_rad.tolist(),
                        strict=True,
                    )
                )
                fresh = np.array([r not in keys for r in rows], bool)
                if len(set(rows)) < len(rows):  # the same plot twice in one datagram
                    seen: set[tuple[float, float, float]] = set()
                    for k, r in enumerate(rows):
                        fresh[k] = fresh[k] and r not in seen
                        seen.add(r)
                self.rejected["duplicate"] += int((~fresh).sum())
                keys.update(rows)
                b.plots.setdefault(t, []).append(take(part, fresh))
                b.arrived[t] = now
            newest = max(b.plots)

            def older(t: float, b: _Building = b, newest: float = newest) -> bool:
                return t < newest and b.arrived[t] < now  # superseded, and not just added to

            out += self._complete(int(sensor), b, older)
        return self._ordered(out)

    def flush(self, now: float, everything: bool = False) -> list[Scan]:
        """Scans of radars that sent nothing for ``hold_s`` (or all, ``everything``)."""
        out: list[Scan] = []
        for sensor, b in self.building.items():
            if everything or now - b.last_arrival >= self.hold_s:
                out += self._complete(sensor, b, lambda t: True)
        return self._ordered(out)

    def _complete(self, sensor: int, b: _Building, done: Callable[[float], bool]) -> list[Scan]:
        out = []
        for t in sorted(b.plots):
            if done(t):
                out.append(Scan(t, sensor, concat(*b.plots.pop(t)), b.arrived.pop(t)))
                b.keys.pop(t, None)
                b.done = max(b.done, t)
        return out

    def _ordered(self, scans: list[Scan]) -> list[Scan]:
        """The complete scans that can go to the tracker, in time order: those no later than
        the earliest scan another radar is still building (which must go first); those older
        than the last given out rejected as late."""
        self.waiting += scans
        floors = [min(b.plots) for b in self.building.values() if b.plots]
        mark = min(floors, default=np.inf)
        now = [x for x in self.waiting if x.time <= mark]
        self.waiting = [x for x in self.waiting if x.time > mark]
        out = []
        for scan in sorted(now, key=lambda x: (x.time, x.sensor)):
            if scan.time < self.done_time:
                self.rejected["late"] += len(scan.plots.time)
                continue
            self.done_time = scan.time
            out.append(scan)
        return out
