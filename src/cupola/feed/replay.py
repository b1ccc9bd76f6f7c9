"""``cupola replay``: a run's radar plots as a live stream, at the original pace or faster.

The run folder's ``plots.parquet`` is sent scan by scan (the rows of one time and one radar)
to ``udp://HOST:PORT``, as ASTERIX CAT048 (:mod:`.cat048`, with the SIM bit set) or plots JSON
lines (:mod:`.plots_jsonl`); scan :math:`k` leaves at :math:`t_0 + (t_k - t_1) / s` of the
wall clock, with :math:`s` the speed. Times are shifted to start at the time of day the replay
starts (so that the picture a TAK client receives is current), or kept as they are
(``keep_time``: a run's times are seconds from its start, read as seconds after 00:00 UTC).
Radar heights (for CAT048) come from the run's ``scenario.yaml``.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from cupola.core.table import take
from cupola.errors import InputError
from cupola.feed import cat048, plots_jsonl
from cupola.feed.base import Endpoint
from cupola.scenario import load
from cupola.sensors.base import PlotTable
from cupola.sim.world import compile_world
from cupola.tracking.files import load_plots


@dataclass(frozen=True)
class Recording:
    """A run's plots, and its radars' heights by id, m."""

    plots: PlotTable
    heights: dict[int, float]


def read_run(folder: Path) -> Recording:
    """The plots and radars of a run folder; :class:`InputError` naming what is missing."""
    if not folder.is_dir():
        raise InputError(str(folder), "", "no such run folder")
    scenario = folder / "scenario.yaml"
    if not scenario.is_file():
        raise InputError(str(folder), "scenario.yaml", "missing: not a run folder")
    world = compile_world(load(scenario))
    radars = {r.radar_id: r for r in world.radars}
    plots = load_plots(folder / "plots.parquet", radars)
    return Recording(plots, {k: float(r.position[2]) for k, r in radars.items()})


@dataclass(frozen=True)
class Sent:
    """What a replay sent: scans, plots, datagrams, plots that could not be encoded, and the
    time shift applied (s)."""

    scans: int
    plots: int
    datagrams: int
    unencoded: int
    shift_s: float


def replay(
    rec: Recording,
    to: Endpoint,
    fmt: str,
    speed: float = 1.0,
    keep_time: bool = False,
    sac: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Sent:
    """Send the recording (module docstring)."""
    p = rec.plots
    n = len(p.time)
    if n == 0:
        return Sent(0, 0, 0, 0, 0.0)
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    shift = 0.0 if keep_time else (now - midnight).total_seconds() - float(p.time[0])
    cut = np.flatnonzero((np.diff(p.time) != 0) | (np.diff(p.sensor_id) != 0)) + 1
    starts, ends = np.r_[0, cut], np.r_[cut, n]
    family = socket.AF_INET6 if ":" in to.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    datagrams = unencoded = 0
    t0 = float(p.time[0])
    wall0 = time.monotonic()
    try:
        for k, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            scan = take(p, slice(a, b))
            due = wall0 + (float(scan.time[0]) - t0) / speed
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            shifted = PlotTable(
                scan.time + shift,
                scan.sensor_id,
                scan.range_m,
                scan.azimuth_rad,
                scan.elevation_rad,
                scan.truth_id,
            )
            if fmt == "asterix48":
                data, bad = cat048.encode(shifted, rec.heights, sac, simulated=True)
            else:
                data, bad = plots_jsonl.encode(shifted), 0
            unencoded += bad
            for d in data:
                sock.sendto(d, (to.host, to.port))
            datagrams += len(data)
            if progress is not None:
                progress(k + 1, len(starts))
    finally:
        sock.close()
    return Sent(len(starts), n, datagrams, unencoded, shift)
