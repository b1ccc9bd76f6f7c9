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


#: Range of the target of the clutter-cloud case, m.
CLOUD_RANGE_M = 20_000.0


def cloud_density(n_clutter: float, half_m: float) -> float:
    """False plots per scan per m·rad² of the cloud seen at :data:`CLOUD_RANGE_M`."""
    return n_clutter / ((2 * half_m) * (2 * half_m / CLOUD_RANGE_M) ** 2)


def make_cloud_case(
    seed: int, n_clutter: float = 100.0, half_m: float = 300.0, n_scans: int = 40
) -> TrackingCase:
    """One target at 20 km, 250 m/s, detected every scan; from the sixth scan on, a cloud of
    ``n_clutter`` false plots a scan (Poisson) uniform in a cube of ±``half_m`` around it, as
    chaff or debris would be. Same radar as :func:`make_case`, without its clutter."""
    rng = np.random.default_rng(seed)
    radar = make_case(1, n_scans=1, seed=seed, clutter=0.0).radar
    p0, vel = np.array([CLOUD_RANGE_M, 0.0, 3000.0]), np.array([-200.0, 150.0, 0.0])
    times = np.arange(n_scans, dtype=float)
    truth = (p0 + vel * times[:, None])[:, None, :]
    chunks = []
    for s, t in enumerate(times):  # one scan at a time, each vectorised over its plots
        pos = truth[s]
        if s >= 5:
            pos = np.r_[pos, truth[s] + rng.uniform(-half_m, half_m, (rng.poisson(n_clutter), 3))]
        r, a, e = to_polar(pos)
        r, a, e = (
            r[:1] + rng.normal(0, 10.0),
            a[:1] + rng.normal(0, 1e-3),
            e[:1] + rng.normal(0, 1e-3),
        )
        cr, ca, ce = to_polar(pos[1:]) if len(pos) > 1 else (np.empty(0),) * 3
        m = 1 + len(cr)
        chunks.append(
            PlotTable(
                np.full(m, t),
                np.zeros(m, np.int64),
                np.r_[r, cr],
                np.mod(np.r_[a, ca], 2 * np.pi),
                np.r_[e, ce],
                np.r_[0, np.full(m - 1, -1)].astype(np.int64),
            )
        )
    plots = PlotTable(
        *(np.concatenate([getattr(c, f) for c in chunks]) for f in PlotTable.__dataclass_fields__)
    )
    return TrackingCase(radar, times, truth, plots)
