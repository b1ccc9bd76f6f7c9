"""Per-stage micro-benchmarks: one call of each hot step at raid-like sizes.

Run with ``make bench``. Prints the median time of one call (several repeats) with the
machine's core count; nothing here is a pass/fail test.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

from cupola.assess.base import AssessParams
from cupola.assess.evaluate import AreaIndex, assess
from cupola.core.frames import to_polar
from cupola.engage import launch
from cupola.engage import step as flyout_step
from cupola.engage.base import empty_interceptors
from cupola.scenario import load
from cupola.sensors import observe
from cupola.sensors.base import PlotTable, RadarParams
from cupola.sim.world import World, compile_world
from cupola.threats.launch import solve_launch
from cupola.tracking import TRACKERS
from cupola.tracking.base import TrackerState, empty_tracks


def timed(fn: Callable[[], object], repeats: int = 7) -> float:
    """Median wall time of one call, ms."""
    fn()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return 1e3 * statistics.median(runs)


def report(label: str, ms: float) -> None:
    """One aligned line of the table."""
    print(f"  {label:<50} {ms:8.2f}")


def _tracker_scans(name: str, world: World, radar: RadarParams, rng: np.random.Generator) -> None:
    """One scan of tracker ``name`` over a confirmed picture of 500, then 1,000 targets."""
    step = TRACKERS[name]
    for n in (500, 1000):
        pos = np.c_[rng.uniform(-3e4, 3e4, (n, 2)), rng.uniform(1e3, 1e4, n)]
        vel = np.c_[rng.uniform(-400, 400, (n, 2)), rng.uniform(-200, 200, n)]
        state = TrackerState(empty_tracks(), 0)
        for k in range(6):  # confirm the picture first
            p = pos + vel * k
            r, a, e = to_polar(p - radar.position)
            plots = PlotTable(
                np.full(n, float(k)), np.zeros(n, np.int64), r, a, e, np.arange(n, dtype=np.int64)
            )
            state, _ = step(world.tracker, state, plots, radar, float(k))
        p = pos + vel * 6
        r, a, e = to_polar(p - radar.position)
        plots = PlotTable(np.full(n, 6.0), np.zeros(n, np.int64), r, a, e, np.arange(n))
        ms = timed(lambda s=state, pl=plots: step(world.tracker, s, pl, radar, 6.0))
        report(f"tracker scan ({name}), {n} tracks x {n} plots", ms)


def main() -> None:
    print(
        f"Cupola stage benchmark on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()} (median ms per call)"
    )
    world = compile_world(load("city-mixed-raid"))
    radar = world.radars[0]
    rng = np.random.default_rng(0)
    for name in ("gnn_imm", "gnn_ekf"):  # the engine's default, and the single filter
        _tracker_scans(name, world, radar, rng)

    n = 2000
    pos = np.c_[rng.uniform(-4e4, 4e4, (n, 2)), rng.uniform(500, 1e4, n)]
    ids = np.arange(n, dtype=np.int64)
    ms = timed(lambda: observe(radar, pos, np.full(n, 0.05), ids, 1.0, rng))
    report(f"radar scan, {n} targets", ms)

    n = 500
    launch_pos = np.c_[rng.uniform(-2e3, 2e3, (n, 2)), np.zeros(n)]
    target = np.c_[rng.uniform(1e4, 4e4, (n, 2)), np.zeros(n)]
    ms = timed(
        lambda: solve_launch(
            launch_pos, target, np.full(n, 950.0), np.full(n, 13000.0), np.zeros(n, bool)
        ),
        repeats=3,
    )
    report(f"launch solution, {n} rockets", ms)

    n = 200
    state6 = np.c_[
        rng.uniform(-2e4, 2e4, (n, 2)),
        rng.uniform(2e3, 8e3, n),
        rng.uniform(-400, 400, (n, 2)),
        rng.uniform(-300, 300, n),
    ]
    params = AssessParams(8000.0, 2.0, 240.0, 250.0, 0.0, False, 500.0, 90.0)
    index = AreaIndex.build(world.assets.footprints, world.assets.values, 250.0)
    cls = np.zeros(n, np.int8)
    ms = timed(lambda: assess(params, index, np.arange(n), state6, cls, 0.0))
    report(f"impact prediction and evaluation, {n} tracks", ms)
    cov = np.zeros((n, 6, 6))
    cov[:, [0, 1, 2], [0, 1, 2]] = 30.0**2
    cov[:, [3, 4, 5], [3, 4, 5]] = 8.0**2
    log_beta = (np.full(n, np.log(8000.0)), np.full(n, 0.3**2))
    ms = timed(lambda: assess(params, index, np.arange(n), state6, cls, 0.0, cov, log_beta))
    report(f"  the same with impact uncertainty (cubature), {n} tracks", ms)

    m, n = 200, 500
    types = world.interceptors
    u = world.units
    lau = rng.integers(0, len(u.pos), m)
    ic = launch(
        types,
        empty_interceptors(),
        u.pos[lau],
        u.itype[lau],
        lau,
        np.arange(m),
        np.c_[rng.uniform(-1e4, 1e4, (m, 2)), np.full(m, 3e3)],
        0.0,
    )
    thr0 = np.c_[rng.uniform(-1.5e4, 1.5e4, (n, 2)), rng.uniform(1e3, 8e3, n)]
    thr1 = thr0 + rng.uniform(-60, 60, (n, 3))
    guide = thr0[rng.integers(0, n, m)]
    ms = timed(
        lambda: flyout_step(
            types, ic, guide, np.zeros((m, 3)), thr0, thr1, np.ones(n, bool), 0.0, 0.1, rng, 1
        )
    )
    report(f"interceptor flyout, {m} interceptors x {n} threats", ms)


if __name__ == "__main__":
    main()
