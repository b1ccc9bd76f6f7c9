"""How well could any impact predictor do ten seconds after first detection? A bound.

For each ballistic threat of a city-scenario run, an ideal estimator is given what no real one
has: the threat's true ballistic coefficient, and exactly the plots that are the threat's own
(perfect association). It fits the threat's initial state to those plots of the first
``AGE_S`` seconds after first detection by nonlinear least squares in the radars' measurement
space (range, azimuth, elevation, weighted by their noise), with the exact flight model, and
predicts the impact. Its error, against the true impact, is about what the radars' noise alone
allows; the battle manager's predictor is compared with it in the README.

Slow (a least-squares fit per threat with the flight integrated for every residual): not part
of ``make bench``. Run: ``.venv/bin/python benchmarks/bench_prediction_bound.py [SEEDS]``.
"""

from __future__ import annotations

import os
import platform
import sys
from collections import defaultdict

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import least_squares

from cupola.core.frames import to_polar, wrap_angle
from cupola.scenario import load
from cupola.sim.engine import simulate
from cupola.sim.world import compile_world
from cupola.threats.ballistic import fly_to_ground, trajectory
from cupola.threats.base import BALLISTIC

SCENARIO = "city-mixed-raid"
AGE_S = 10.0
STEP_S = 0.1
ROCKET_RANGE_M = (20_000.0, 70_000.0)

FloatArray = NDArray[np.float64]


def fit_impact(
    t: FloatArray, z: FloatArray, radar_pos: FloatArray, sigma: FloatArray, beta: float
) -> FloatArray:
    """Least-squares state at the last plot time from plots ``z`` (range, azimuth, elevation)
    at times ``t`` seen from ``radar_pos`` with noise ``sigma``; returns its impact point."""
    xyz = radar_pos + np.column_stack(
        [
            z[:, 0] * np.cos(z[:, 2]) * np.sin(z[:, 1]),
            z[:, 0] * np.cos(z[:, 2]) * np.cos(z[:, 1]),
            z[:, 0] * np.sin(z[:, 2]),
        ]
    )
    t_ref = t[-1]
    basis = np.column_stack([np.ones_like(t), t - t_ref, 0.5 * (t - t_ref) ** 2])
    coef = np.linalg.lstsq(basis, xyz, rcond=None)[0]  # a first guess: a quadratic fit
    b = np.array([beta])

    def residuals(x: FloatArray) -> FloatArray:
        out = np.empty((len(t), 3))
        for k in range(len(t)):
            dt = t[k] - t_ref
            n = max(1, int(np.ceil(abs(dt) / STEP_S)))
            p, _ = trajectory(x[None, :3], x[None, 3:], b, dt / n, n)
            r, a, e = to_polar((p[0, -1] - radar_pos[k])[None])
            out[k] = [r[0] - z[k, 0], wrap_angle(a[0] - z[k, 1]), e[0] - z[k, 2]]
        return (out / sigma).ravel()

    sol = least_squares(residuals, np.r_[coef[0], coef[1]], method="lm", max_nfev=200)
    impact, _, _ = fly_to_ground(sol.x[None, :3], sol.x[None, 3:], b, 0.05)
    return np.asarray(impact[0, :2], np.float64)


def main(seeds: int) -> None:
    print(
        f"Cupola impact-prediction bound on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}: {SCENARIO}, {seeds} seed(s), {AGE_S:.0f} s after "
        "first detection, true beta and perfect association"
    )
    world = compile_world(load(SCENARIO), SCENARIO)
    radars = {r.radar_id: r for r in world.radars}
    names = world.threat_types.names
    errors: dict[str, list[float]] = defaultdict(list)
    pooled: list[float] = []
    for seed in range(1, seeds + 1):
        r = simulate(world, seed)
        pl = r.plots
        for th in np.unique(pl.truth_id[pl.truth_id >= 0]):
            if r.threats.kind[th] != BALLISTIC:
                continue
            own = np.flatnonzero(pl.truth_id == th)
            t = pl.time[own]
            keep = t <= t.min() + AGE_S + 1e-9
            if keep.sum() < 4:
                continue
            rows = own[keep]
            radar = [radars[int(s)] for s in pl.sensor_id[rows]]
            got = fit_impact(
                pl.time[rows],
                np.column_stack([pl.range_m[rows], pl.azimuth_rad[rows], pl.elevation_rad[rows]]),
                np.array([q.position for q in radar]),
                np.array(
                    [[q.sigma_range_m, q.sigma_azimuth_rad, q.sigma_elevation_rad] for q in radar]
                ),
                float(r.threats.beta[th]),
            )
            err = float(np.hypot(*(got - r.nominal_impact[th, :2])))
            errors[names[r.threats.type_idx[th]]].append(err)
            rng = float(np.hypot(*(r.nominal_impact[th, :2] - r.launch_point[th, :2])))
            if ROCKET_RANGE_M[0] <= rng <= ROCKET_RANGE_M[1]:
                pooled.append(err)
    for name, err in sorted(errors.items()):
        print(
            f"  {name:<14} median {np.median(err):.0f} m, 95th pct {np.percentile(err, 95):.0f} m "
            f"({len(err)} threats)"
        )
    if pooled:
        print(
            f"  rockets fired from 20-70 km: median {np.median(pooled):.0f} m "
            f"({len(pooled)} threats)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
