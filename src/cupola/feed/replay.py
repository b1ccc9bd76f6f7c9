"""``cupola replay``: a run's radar plots as a live stream, at the original pace or faster.

The run folder's ``plots.parquet`` is sent scan by scan (the rows of one radar within
:data:`WINDOW_S`: a scan of one time) to ``udp://HOST:PORT``, as ASTERIX CAT048
(:mod:`.cat048`, with the SIM bit set) or plots JSON lines (:mod:`.plots_jsonl`); scan
:math:`k` leaves at :math:`t_0 + (t_k - t_1) / s` of the wall clock, with :math:`s` the speed
and :math:`t_k` its first plot's time. With ``swept`` (``cupola replay --sweep``) the plots are
first made into rotating radars' (:mod:`cupola.sensors.sweep`), each with its own time, and go
out sector by sector, a real radar's stream. Times are shifted to start at the time of day the
replay starts (so that the picture a TAK client receives is current), or kept as they are
(``keep_time``: a run's times are seconds from its start, read as seconds after 00:00 UTC).
Radar heights (for CAT048) come from the run's ``scenario.yaml``.
"""

from __future__ import annotations

import dataclasses
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from numpy.typing import NDArray

from cupola.core.table import take
from cupola.errors import InputError
from cupola.feed import cat048, plots_jsonl
from cupola.feed.base import Endpoint
from cupola.scenario import load
from cupola.sensors.base import PlotTable
from cupola.sensors.sweep import sweep
from cupola.sim.world import compile_world
from cupola.tracking.files import load_plots

#: Plots of one radar within this span of time go together, s (a scan, or a sweep's sector).
WINDOW_S = 0.05


@dataclass(frozen=True)
class Recording:
    """A run's plots, and its radars' heights by id, m."""

    plots: PlotTable
    heights: dict[int, float]


def read_run(folder: Path, swept: bool = False) -> Recording:
    """The plots and radars of a run folder; :class:`InputError` naming what is missing.
    With ``swept``, the plots as rotating radars would have made them, from the run's truth
    (:func:`cupola.sensors.sweep.sweep`)."""
    if not folder.is_dir():
        raise InputError(str(folder), "", "no such run folder")
    scenario = folder / "scenario.yaml"
    if not scenario.is_file():
        raise InputError(str(folder), "scenario.yaml", "missing: not a run folder")
    world = compile_world(load(scenario))
    radars = {r.radar_id: r for r in world.radars}
    plots = load_plots(folder / "plots.parquet", radars)
    if swept:
        plots = sweep(
            dataclasses.replace(plots, truth_id=_truth_ids(folder)), radars, *_truth(folder)
        )
    return Recording(plots, {k: float(r.position[2]) for k, r in radars.items()})


def _truth(folder: Path) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """The run's threats' truth: ids, times (s), ENU positions (m)."""
    path = folder / "truth.parquet"
    if not path.is_file():
        raise InputError(str(folder), "truth.parquet", "missing: --sweep moves plots by the truth")
    t = _query(path, "SELECT id, time, x_m, y_m, z_m FROM read_parquet(?) WHERE object = 'threat'")
    pos = np.column_stack([t["x_m"], t["y_m"], t["z_m"]]).astype(np.float64)
    return np.asarray(t["id"], np.int64), np.asarray(t["time"], np.float64), pos


def _truth_ids(folder: Path) -> NDArray[np.int64]:
    """The ``truth_id`` column of the run's plots, in the file's order."""
    got = _query(folder / "plots.parquet", "SELECT truth_id FROM read_parquet(?)")
    return np.asarray(got["truth_id"], np.int64)


def _query(path: Path, sql: str) -> dict[str, NDArray[Any]]:
    """The columns of one query of a Parquet file; :class:`InputError` naming it otherwise."""
    con = duckdb.connect()
    try:
        got: dict[str, NDArray[Any]] = con.execute(sql, [str(path)]).fetchnumpy()
    except duckdb.Error as exc:
        raise InputError(str(path), "", f"cannot read: {exc}") from None
    finally:
        con.close()
    return got


def windows(p: PlotTable) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """First and past-last rows of each run of plots of one radar within one
    :data:`WINDOW_S` (``p`` in time order): what a replay sends together."""
    window = np.floor(p.time / WINDOW_S)
    cut = np.flatnonzero((np.diff(window) != 0) | (np.diff(p.sensor_id) != 0)) + 1
    return np.r_[0, cut].astype(np.int64), np.r_[cut, len(p.time)].astype(np.int64)


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
    starts, ends = windows(p)
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
