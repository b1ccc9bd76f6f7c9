"""Builders of the parameter tables tests use, with one set of plain defaults to override."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.assess.base import BALLISTIC, Assessment
from cupola.engage import InterceptorTypes
from cupola.fire import static_wta
from cupola.sensors.base import RadarParams
from cupola.sim.world import FireUnits

#: A Tamir-like interceptor type; tests override what they exercise.
INTERCEPTOR: dict[str, float] = {
    "boost_time_s": 3.0,
    "launch_speed_mps": 60.0,
    "burnout_speed_mps": 800.0,
    "coast_deceleration_mps2": 15.0,
    "min_speed_mps": 250.0,
    "max_flight_time_s": 60.0,
    "min_range_m": 500.0,
    "max_range_m": 15000.0,
    "ceiling_m": 10000.0,
    "lethal_radius_m": 10.0,
    "sskp": 0.9,
    "cost_usd": 5e4,
    "max_lateral_accel_mps2": 300.0,
    "navigation_constant": 4.0,
    "seeker_range_m": 2000.0,
}


def interceptor_types(*types: dict[str, float]) -> InterceptorTypes:
    """One interceptor type per argument: :data:`INTERCEPTOR` with that dict's overrides."""
    rows = [{**INTERCEPTOR, **t} for t in (types or ({},))]
    return InterceptorTypes(**{k: np.array([r[k] for r in rows], float) for k in INTERCEPTOR})


def radar_params(**overrides: Any) -> RadarParams:
    """A radar at the origin with a 70 km range; keyword arguments override fields."""
    fields: dict[str, Any] = {
        "radar_id": 0,
        "position": np.zeros(3),
        "max_range_m": 70_000.0,
        "revisit_s": 1.0,
        "sigma_range_m": 20.0,
        "sigma_azimuth_rad": 2e-3,
        "sigma_elevation_rad": 3e-3,
        "reference_range_m": 20_000.0,
        "reference_rcs_m2": 1.0,
        "reference_pd": 0.9,
        "false_alarm_probability": 1e-6,
        "false_plots_per_scan": 0.0,
        "min_elevation_rad": 0.0,
        "clutter_max_elevation_rad": 0.3,
    }
    fields.update(overrides)
    return RadarParams(**fields)


def wta_instance(seed: int, w: int, t: int, lam: float = 0.0) -> static_wta.StaticWTA:
    """A small random static WTA: P in [0, 0.9) with a fifth of the pairs impossible."""
    rng = np.random.default_rng(seed)
    pk = rng.uniform(0.0, 0.9, (w, t)) * (rng.random((w, t)) < 0.8)
    return static_wta.build(
        rng.uniform(1, 100, t), pk, rng.integers(0, 3, w), rng.uniform(1, 5, w), lam
    )


def wta_brute_force(p: static_wta.StaticWTA) -> float:
    """The optimum of a tiny static WTA, over every feasible assignment."""
    w_n, t_n = p.shape
    per_weapon = []
    for w in range(w_n):
        opts = [
            c for c in itertools.product(range(p.ammo[w] + 1), repeat=t_n) if sum(c) <= p.ammo[w]
        ]
        per_weapon.append(opts)
    return min(
        static_wta.objective(p, np.array(choice, np.int64))
        for choice in itertools.product(*per_weapon)
    )


FloatArray = NDArray[np.float64]

#: Step (s) and samples of the predicted paths :func:`make_assessment` builds.
DT = 2.0
K = 16


def make_units(
    pos: FloatArray,
    battery: list[int],
    ready: list[int],
    reaction: list[float],
    interval: list[float],
) -> FireUnits:
    n_l, n_b = len(battery), len(reaction)
    return FireUnits(
        pos=np.asarray(pos, float),
        battery=np.array(battery, np.int64),
        itype=np.zeros(n_l, np.int64),
        ready=np.array(ready, np.int64),
        capacity=np.array(ready, np.int64),
        names=[f"b/L{i}" for i in range(n_l)],
        battery_names=[f"b{i}" for i in range(n_b)],
        battery_pos=np.zeros((n_b, 3)),
        reaction_s=np.array(reaction, float),
        interval_s=np.array(interval, float),
        reload_s=np.full(n_b, 60.0),
        stock=np.zeros(n_b, np.int64),
        resupply_per_s=np.zeros(n_b),
        channels=np.full(n_b, 2**31, np.int64),
    )


def make_assessment(
    start: FloatArray, vel: FloatArray, value: list[float], now: float, track_id: list[int]
) -> Assessment:
    """Straight-line dives from ``start`` (T, 3) at ``vel`` (T, 3), frozen at the ground."""
    t = len(start)
    tau = np.arange(K) * DT
    with np.errstate(divide="ignore"):
        t_imp = np.where(vel[:, 2] < 0, -start[:, 2] / np.minimum(vel[:, 2], -1e-300), np.inf)
    tt = np.minimum(tau[None, :], t_imp[:, None])
    path = start[:, None, :] + tt[:, :, None] * vel[:, None, :]
    path[:, :, 2] = np.maximum(path[:, :, 2], 0.0)
    ground = start[:, :2] + np.where(np.isfinite(t_imp), t_imp, 0)[:, None] * vel[:, :2]
    v = np.array(value, float)
    return Assessment(
        track_id=np.array(track_id, np.int64),
        cls=np.full(t, BALLISTIC, np.int8),
        impact=np.where(np.isfinite(t_imp)[:, None], ground, np.nan),
        impact_time=now + t_imp,
        impact_cov=np.full((t, 2, 2), np.nan),
        asset=np.where(v > 0, 0, -1).astype(np.int64),
        value=v,
        hit_probability=(v > 0).astype(float),
        expected_damage=v,
        reach_time=np.full((t, 1), np.nan),
        engage=np.ones(t, bool),
        path=path,
        path_time=now + tau,
    )


def with_engage(a: Assessment, engage: NDArray[np.bool_]) -> Assessment:
    return Assessment(**{**{f: getattr(a, f) for f in a.__slots__}, "engage": engage})
