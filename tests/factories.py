"""Builders of the parameter tables tests use, with one set of plain defaults to override."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from cupola.engage import InterceptorTypes
from cupola.fire import static_wta
from cupola.sensors.base import RadarParams

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
