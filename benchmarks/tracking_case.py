"""The seeded tracking benchmark scenario of issue 3, as arrays.

Targets in a 60 km x 60 km x 12 km box around one radar at the origin, speeds 30-600 m/s,
nearly constant velocity motion (white-noise acceleration, 0.5 m/s² per axis), revisit 1 s,
noise 10 m in range and 1 mrad in azimuth and elevation, detection probability 0.9,
10 clutter plots per scan uniform in the radar's volume, 60 scans. Targets that leave the box
are reflected back into it so that N stays constant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cupola.core.frames import to_polar
from cupola.sensors.base import PlotTable, RadarParams

HALF_SIDE_M = 30_000.0
CEILING_M = 12_000.0
FLOOR_M = 100.0


@dataclass(frozen=True)
class TrackingCase:
    """One seeded benchmark case.

    Attributes
    ----------
    radar : RadarParams
        The radar at the origin (its noise is the plots' noise).
    times : (S,) float64
        Scan times, s.
    truth : (S, N, 3) float64
        True target positions at each scan, ENU, m.
    plots : PlotTable
        All plots of all scans, in time order (``truth_id`` -1 for clutter).
    """

    radar: RadarParams
    times: NDArray[np.float64]
    truth: NDArray[np.float64]
    plots: PlotTable


def make_case(
    n_targets: int, n_scans: int = 60, seed: int = 0, clutter: float = 10.0, pd: float = 0.9
) -> TrackingCase:
    """Generate the benchmark case with ``n_targets`` targets."""
    rng = np.random.default_rng(seed)
    radar = RadarParams(
        radar_id=0,
        position=np.zeros(3),
        max_range_m=float(np.hypot(np.hypot(HALF_SIDE_M, HALF_SIDE_M), CEILING_M)) + 1.0,
        revisit_s=1.0,
        sigma_range_m=10.0,
        sigma_azimuth_rad=1e-3,
        sigma_elevation_rad=1e-3,
        reference_range_m=1e9,
        reference_rcs_m2=1.0,
        reference_pd=pd,
        false_alarm_probability=1e-6,
        false_plots_per_scan=clutter,
        min_elevation_rad=-1.6,
        clutter_max_elevation_rad=1.0,
    )
    lo = np.array([-HALF_SIDE_M, -HALF_SIDE_M, FLOOR_M])
    hi = np.array([HALF_SIDE_M, HALF_SIDE_M, CEILING_M])
    pos = rng.uniform(lo, hi, (n_targets, 3))
    speed = rng.uniform(30.0, 600.0, n_targets)
    direction = rng.normal(size=(n_targets, 3))
    direction[:, 2] *= 0.2  # mostly horizontal
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    vel = speed[:, None] * direction
    times = np.arange(1, n_scans + 1, dtype=float)
    truth = np.empty((n_scans, n_targets, 3))
    chunks = []
    for s, t in enumerate(times):  # the scans of the benchmark, each vectorised over targets
        vel = vel + rng.normal(0.0, 0.5, vel.shape)
        pos = pos + vel
        below, above = pos < lo, pos > hi
        pos = np.where(below, 2 * lo - pos, np.where(above, 2 * hi - pos, pos))
        vel = np.where(below | above, -vel, vel)
        truth[s] = pos
        seen = rng.random(n_targets) < pd
        r, a, e = to_polar(pos[seen])
        noise = rng.normal(size=(int(seen.sum()), 3)) * [10.0, 1e-3, 1e-3]
        n_c = rng.poisson(clutter)
        cr = rng.uniform(1_000.0, radar.max_range_m, n_c)
        ca = rng.uniform(0.0, 2 * np.pi, n_c)
        ce = rng.uniform(0.0, 0.5, n_c)
        rr = np.r_[r + noise[:, 0], cr]
        aa = np.mod(np.r_[a + noise[:, 1], ca], 2 * np.pi)
        ee = np.r_[e + noise[:, 2], ce]
        ids = np.r_[np.flatnonzero(seen), np.full(n_c, -1)].astype(np.int64)
        order = np.argsort(aa, kind="stable")
        m = len(rr)
        chunks.append(
            PlotTable(
                np.full(m, t), np.zeros(m, np.int64), rr[order], aa[order], ee[order], ids[order]
            )
        )
    plots = PlotTable(
        *(np.concatenate([getattr(c, f) for c in chunks]) for f in PlotTable.__dataclass_fields__)
    )
    return TrackingCase(radar, times, truth, plots)
