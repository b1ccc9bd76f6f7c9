"""``earliest_intercept`` and ``latest_launch`` against brute-force loops over tracks,
launchers and path samples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from cupola.engage import InterceptorTypes, time_to_distance
from cupola.fire.envelope import earliest_intercept, latest_launch
from factories import interceptor_types

FloatArray = NDArray[np.float64]


def make_types() -> InterceptorTypes:
    """Two interceptor types: a long-range fast one and a short-range slow one."""
    return interceptor_types(
        {},
        {
            "boost_time_s": 2.0,
            "launch_speed_mps": 50.0,
            "burnout_speed_mps": 500.0,
            "coast_deceleration_mps2": 20.0,
            "min_speed_mps": 200.0,
            "max_flight_time_s": 30.0,
            "min_range_m": 300.0,
            "max_range_m": 8000.0,
            "ceiling_m": 6000.0,
            "sskp": 0.8,
            "cost_usd": 3e4,
            "max_lateral_accel_mps2": 200.0,
            "seeker_range_m": 1500.0,
        },
    )


TYPES = make_types()


def reference(
    itypes: InterceptorTypes,
    launcher_pos: FloatArray,
    launcher_type: NDArray[np.int64],
    launch_time: FloatArray,
    path: FloatArray,
    path_time: FloatArray,
    impact_time: FloatArray,
    min_altitude: float,
) -> tuple[NDArray[np.bool_], FloatArray, NDArray[np.int64]]:
    """Plain triple loop: first sample of each (track, launcher) meeting every condition."""
    t, k = path.shape[:2]
    n_l = len(launcher_pos)
    feasible = np.zeros((t, n_l), bool)
    time = np.full((t, n_l), np.inf)
    sample = np.zeros((t, n_l), np.int64)
    for i in range(t):
        for j in range(n_l):
            ty = int(launcher_type[j])
            for s in range(k):
                p = path[i, s]
                d = math.dist(p, launcher_pos[j])
                fly = float(time_to_distance(itypes, ty, d))
                ok = (
                    launch_time[j] + fly <= path_time[s]
                    and itypes.min_range_m[ty] <= d <= itypes.max_range_m[ty]
                    and min_altitude <= p[2] <= itypes.ceiling_m[ty]
                    and path_time[s] < impact_time[i]
                )
                if ok:
                    feasible[i, j], time[i, j], sample[i, j] = True, path_time[s], s
                    break
    return feasible, time, sample


def descending_path(
    start: FloatArray, vel: FloatArray, path_time: FloatArray, now: float
) -> tuple[FloatArray, float]:
    """A straight-line dive from ``start`` with velocity ``vel``, frozen at the ground."""
    tau = path_time - now
    t_imp = -start[2] / vel[2] if vel[2] < 0 else np.inf
    tt = np.minimum(tau, t_imp)
    p = start[None, :] + tt[:, None] * vel[None, :]
    p[:, 2] = np.maximum(p[:, 2], 0.0)
    return p, now + t_imp


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), t=st.integers(0, 4), n_l=st.integers(1, 3))
def test_equals_brute_force(seed: int, t: int, n_l: int) -> None:
    rng = np.random.default_rng(seed)
    now = float(rng.uniform(0, 100))
    path_time = now + np.arange(16) * 2.0
    paths, impacts = [], []
    for _ in range(t):
        start = np.r_[rng.uniform(-12e3, 12e3, 2), rng.uniform(500, 12e3)]
        vel = np.r_[rng.uniform(-400, 400, 2), rng.uniform(-400, 50)]
        p, ti = descending_path(start, vel, path_time, now)
        paths.append(p)
        impacts.append(ti)
    path = np.array(paths).reshape(t, len(path_time), 3)
    impact_time = np.array(impacts, float)
    launcher_pos = np.c_[rng.uniform(-8e3, 8e3, (n_l, 2)), np.zeros(n_l)]
    launcher_type = rng.integers(0, 2, n_l).astype(np.int64)
    launch_time = now + rng.uniform(0, 10, n_l)
    min_alt = float(rng.uniform(0, 1000))
    args = (TYPES, launcher_pos, launcher_type, launch_time, path, path_time, impact_time, min_alt)
    *got, flight = earliest_intercept(*args)
    want = reference(*args)
    # The flight time is the profile's time to the planned intercept point.
    f, _, smp = got
    tt, ll = np.nonzero(f)
    d = np.linalg.norm(path[tt, smp[tt, ll]] - launcher_pos[ll], axis=1)
    np.testing.assert_allclose(
        flight[tt, ll], time_to_distance(TYPES, launcher_type[ll], d), rtol=1e-12
    )
    assert np.isinf(flight[~f]).all()
    for g, w in zip(got, want, strict=True):
        assert g.shape == (t, n_l)
        np.testing.assert_array_equal(g, w)


def one_case(
    point: tuple[float, float, float],
    *,
    launch_time: float = 0.0,
    impact_time: float = np.inf,
    min_altitude: float = 300.0,
    itype: int = 0,
) -> tuple[bool, float, int]:
    """A track hovering at ``point`` (samples every second), launcher 0 at the origin."""
    path_time = np.arange(40.0)
    path = np.broadcast_to(np.array(point, float), (1, 40, 3)).copy()
    f, t, s, _ = earliest_intercept(
        TYPES,
        np.zeros((1, 3)),
        np.array([itype], np.int64),
        np.array([launch_time]),
        path,
        path_time,
        np.array([impact_time]),
        min_altitude,
    )
    return bool(f[0, 0]), float(t[0, 0]), int(s[0, 0])


def test_feasible_point_is_met_at_first_sample_after_flight_time() -> None:
    d = math.hypot(6000.0, 3000.0)
    fly = float(time_to_distance(TYPES, 0, d))
    f, t, s = one_case((6000.0, 0.0, 3000.0), launch_time=2.0)
    assert f
    assert s == math.ceil(2.0 + fly)
    assert t == s


@pytest.mark.parametrize(
    ("point", "kwargs"),
    [
        ((16000.0, 0.0, 1000.0), {}),  # beyond max range
        ((300.0, 0.0, 200.0), {"min_altitude": 0.0}),  # inside min range
        ((5000.0, 0.0, 11000.0), {}),  # above the ceiling
        ((7500.0, 0.0, 4000.0), {"itype": 1}),  # 8.5 km: in type 0's range, not type 1's
        ((6000.0, 0.0, 100.0), {}),  # below the minimum altitude
        ((6000.0, 0.0, 3000.0), {"impact_time": 5.0}),  # impact before the interceptor arrives
        ((6000.0, 0.0, 3000.0), {"launch_time": 35.0}),  # launch too late for the horizon
    ],
)
def test_infeasible(point: tuple[float, float, float], kwargs: dict[str, float]) -> None:
    if "itype" in kwargs:  # the same point is feasible for the other type
        assert one_case(point)[0]
    f, t, s = one_case(point, **kwargs)  # type: ignore[arg-type]
    assert not f
    assert t == np.inf
    assert s == 0


def test_impact_time_cuts_samples() -> None:
    """Feasible before the impact time, infeasible once it comes before the arrival."""
    d = math.hypot(6000.0, 3000.0)
    arrive = math.ceil(float(time_to_distance(TYPES, 0, d)))
    assert one_case((6000.0, 0.0, 3000.0), impact_time=arrive + 0.5)[0]
    assert not one_case((6000.0, 0.0, 3000.0), impact_time=float(arrive))[0]


def test_empty_tracks() -> None:
    f, t, s, _ = earliest_intercept(
        TYPES,
        np.zeros((2, 3)),
        np.zeros(2, np.int64),
        np.zeros(2),
        np.empty((0, 5, 3)),
        np.arange(5.0),
        np.empty(0),
        300.0,
    )
    assert f.shape == t.shape == s.shape == (0, 2)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), t=st.integers(0, 4), n_l=st.integers(1, 3))
def test_latest_launch_equals_brute_force_and_bounds_every_intercept(
    seed: int, t: int, n_l: int
) -> None:
    rng = np.random.default_rng(seed)
    now = float(rng.uniform(0, 100))
    path_time = now + np.arange(16) * 2.0
    cases = [
        descending_path(
            np.r_[rng.uniform(-12e3, 12e3, 2), rng.uniform(500, 12e3)],
            np.r_[rng.uniform(-400, 400, 2), rng.uniform(-400, 50)],
            path_time,
            now,
        )
        for _ in range(t)
    ]
    path = np.array([c[0] for c in cases]).reshape(t, len(path_time), 3)
    impact_time = np.array([c[1] for c in cases], float)
    launcher_pos = np.c_[rng.uniform(-8e3, 8e3, (n_l, 2)), np.zeros(n_l)]
    launcher_type = rng.integers(0, 2, n_l).astype(np.int64)
    min_alt = float(rng.uniform(0, 1000))
    got = latest_launch(TYPES, launcher_pos, launcher_type, path, path_time, impact_time, min_alt)
    want = np.full((t, n_l), -np.inf)
    for i in range(t):  # plain loop: the last launch over the samples in the envelope
        for j in range(n_l):
            ty = int(launcher_type[j])
            for s in range(len(path_time)):
                p = path[i, s]
                d = math.dist(p, launcher_pos[j])
                inside = (
                    TYPES.min_range_m[ty] <= d <= TYPES.max_range_m[ty]
                    and min_alt <= p[2] <= TYPES.ceiling_m[ty]
                    and p[2] > 0
                    and path_time[s] < impact_time[i]
                )
                if inside:
                    fly = float(time_to_distance(TYPES, ty, d))
                    want[i, j] = max(want[i, j], path_time[s] - fly)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # Launching at the latest launch still finds an intercept; a launch after it none.
    fin = np.isfinite(got)
    for shift, found in ((-1e-9, True), (1e-6, False)):
        start = np.where(fin, got + shift, now)
        f, *_ = earliest_intercept(
            TYPES, launcher_pos, launcher_type, start, path, path_time, impact_time, min_alt
        )
        assert (f[fin] == found).all()
