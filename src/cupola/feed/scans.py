"""Plots as they arrive, cut into the scans the tracker takes.

A radar's plots are grouped by time into windows of ``window_s`` (0.05 s, or half the radar's
revisit time if shorter): a scan is the plots of one radar in one window. Plots arrive in
datagrams, a scan in several, radars interleaved; a radar's scan is complete when a later
datagram brings a plot of that radar in a later window, or when nothing of it arrived for
``hold_s`` of wall-clock time (the last scan, or a feed that stalls). Complete scans go to the
tracker in time order, each at the middle of its plots' times.

Two kinds of radar come out of this the same way:

- **a scan at one time**: Cupola's radars and replays stamp every plot of a scan with the
  scan's time, so a window holds one whole scan, all round (``Scan.sector`` None);
- **a sweep**: a rotating radar stamps each plot with the time the antenna passed the target
  (ASTERIX I048/140), so one revolution's plots spread over the revisit time. A radar is
  taken to sweep once two of its plots come less than half its revisit time apart. Its scans
  are then sectors: each covers the azimuths from the last plot of its previous scan,
  clockwise, to its own last plot (``Scan.sector``), so that the tracker counts a miss only
  for a track the antenna has passed (:func:`cupola.sensors.radar.line_of_sight`), and
  sectors that follow one another cover the circle once (the radar's first scan covers its
  own plots' azimuths). After a gap of a whole revisit time the scan covers all round (the
  antenna passed every track meanwhile). Plots of one window are taken at its middle time: at
  most ``window_s / 2`` off, 25 m for a target at 1,000 m/s.
  The antenna is taken to turn clockwise, as surveillance radars do.

Rejected and counted, by reason:

- ``duplicate``: a plot equal to one already taken for the same scan (a datagram sent twice);
- ``late``: a plot of a scan already given to the tracker, or older than the tracker's time
  (out of order beyond what can be put back in order);
- ``not finite``: a time that is not a number (never grouped).

Plots of one radar whose times go back within the scan being built are kept in their scan
(out of order within the hold time is put back in order); the others are late. A complete
scan waits while another radar is still building an earlier one, so that radars scanning at
different times interleave in time order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from cupola.core.table import concat, take
from cupola.sensors.base import PlotTable


@dataclass(frozen=True)
class Scan:
    """A complete scan: its time (s, the middle of its plots' times), radar, plots (in time
    order), the wall-clock time its last plot arrived (s, :func:`time.monotonic`), and for a
    sweeping radar the azimuths it covers (``(start, width)``, rad, clockwise from north;
    :attr:`cupola.sensors.base.RadarParams.sector_rad`)."""

    time: float
    sensor: int
    plots: PlotTable
    arrived: float
    sector: tuple[float, float] | None = None


@dataclass
class _Building:
    """The scans of one radar being built, by window: their plots, the earliest plot time
    and when the last came; and what the radar's sweep has shown so far."""

    plots: dict[int, list[PlotTable]] = field(default_factory=dict)
    keys: dict[int, set[tuple[float, float, float, float]]] = field(default_factory=dict)
    first: dict[int, float] = field(default_factory=dict)
    arrived: dict[int, float] = field(default_factory=dict)
    last_arrival: float = 0.0
    #: Window of its last scan given out.
    done: int = -(2**62)
    #: Its plots carry their own times over a sweep (latched).
    sweeping: bool = False
    #: Newest plot time seen, s.
    newest: float = -np.inf
    #: Time of its last scan given out (s) and the azimuth of that scan's last plot (rad).
    last_time: float = -np.inf
    last_az: float = 0.0


class Scans:
    """Plots in, complete scans out (module docstring).

    Parameters
    ----------
    hold_s : float
        Wall-clock time after a radar's last plot when its scans being built are complete, s.
    revisit_s : dict of int to float, optional
        Each radar's revisit time, s (by sensor id); a radar not in it is never taken to
        sweep.
    window_s : float
        Longest span of plot times in one scan, s.
    """

    def __init__(
        self, hold_s: float = 0.3, revisit_s: dict[int, float] | None = None, window_s: float = 0.05
    ) -> None:
        self.hold_s = hold_s
        self.revisit_s = dict(revisit_s or {})
        self.window_s = window_s
        self.building: dict[int, _Building] = {}
        #: Complete scans waiting for the other radars (:meth:`_ordered`).
        self.waiting: list[Scan] = []
        #: Time of the last scan given out, s; later plots must be newer.
        self.done_time = -np.inf
        self.rejected: Counter[str] = Counter()

    def _window(self, sensor: int) -> float:
        return min(self.window_s, self.revisit_s.get(sensor, np.inf) / 2)

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
            window = np.floor(mine.time / self._window(sensor)).astype(np.int64)
            late = (window <= b.done) | (mine.time < self.done_time)
            self.rejected["late"] += int(late.sum())
            mine, window = take(mine, ~late), window[~late]
            if len(mine.time) == 0:
                continue
            b.last_arrival = now
            self._latch(int(sensor), b, mine.time)
            for k in np.unique(window).tolist():  # the scans of this datagram: one or two
                part = take(mine, window == k)
                keys = b.keys.setdefault(k, set())
                rows = list(
                    zip(
                        part.range_m.tolist(),
                        part.azimuth_rad.tolist(),
                        part.elevation_rad.tolist(),
                        part.time.tolist(),
                        strict=True,
                    )
                )
                fresh = np.array([r not in keys for r in rows], bool)
                if len(set(rows)) < len(rows):  # the same plot twice in one datagram
                    seen: set[tuple[float, float, float, float]] = set()
                    for j, r in enumerate(rows):
                        fresh[j] = fresh[j] and r not in seen
                        seen.add(r)
                self.rejected["duplicate"] += int((~fresh).sum())
                keys.update(rows)
                b.plots.setdefault(k, []).append(take(part, fresh))
                b.first[k] = min(b.first.get(k, np.inf), float(part.time.min()))
                b.arrived[k] = now
            newest = max(b.plots)

            def older(k: int, b: _Building = b, newest: int = newest) -> bool:
                return k < newest and b.arrived[k] < now  # superseded, and not just added to

            out += self._complete(int(sensor), b, older)
        return self._ordered(out)

    def _latch(self, sensor: int, b: _Building, times: NDArray[np.float64]) -> None:
        """Mark the radar as sweeping once two of its plots' times are less than half its
        revisit time apart (and not equal)."""
        if not b.sweeping:
            seen = np.unique(np.append(times, b.newest))
            gaps = np.diff(seen[np.isfinite(seen)])
            b.sweeping = bool(np.any(gaps < self.revisit_s.get(sensor, 0.0) / 2))
        b.newest = max(b.newest, float(times.max()))

    def flush(self, now: float, everything: bool = False) -> list[Scan]:
        """Scans of radars that sent nothing for ``hold_s`` (or all, ``everything``)."""
        out: list[Scan] = []
        for sensor, b in self.building.items():
            if everything or now - b.last_arrival >= self.hold_s:
                out += self._complete(sensor, b, lambda k: True)
        return self._ordered(out)

    def _complete(self, sensor: int, b: _Building, done: Callable[[int], bool]) -> list[Scan]:
        out = []
        for k in sorted(b.plots):
            if done(k):
                plots = concat(*b.plots.pop(k))
                plots = take(plots, np.argsort(plots.time, kind="stable"))
                t = float(plots.time[0] + plots.time[-1]) / 2 if len(plots.time) else b.first[k]
                out.append(
                    Scan(t, sensor, plots, b.arrived.pop(k), self._sector(sensor, b, plots, t))
                )
                b.keys.pop(k, None)
                b.first.pop(k, None)
                b.done = max(b.done, k)
        return out

    def _sector(
        self, sensor: int, b: _Building, plots: PlotTable, t: float
    ) -> tuple[float, float] | None:
        """The azimuths a sweeping radar's scan covers (module docstring); None for a radar
        that does not sweep, or after a gap of a revisit time."""
        if not b.sweeping or not len(plots.time):
            return None
        az = plots.azimuth_rad
        first, gap = b.last_time == -np.inf, t - b.last_time >= self.revisit_s[sensor]
        start = float(az[0]) if first else b.last_az
        b.last_time, b.last_az = t, float(az[-1])
        if gap and not first:
            return None
        return start, float(np.mod(az[-1] - start, 2 * np.pi))

    def _ordered(self, scans: list[Scan]) -> list[Scan]:
        """The complete scans that can go to the tracker, in time order: those no later than
        the earliest plot another radar is still building a scan of (which must go first);
        those older than the last given out rejected as late."""
        self.waiting += scans
        floors = [min(b.first.values()) for b in self.building.values() if b.first]
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
