"""Boost-coast speed profile: distance is the integral of speed, time_to_distance inverts it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from cupola.engage import InterceptorTypes, distance, speed, time_to_distance
from factories import interceptor_types


def make_types(**kw: float) -> InterceptorTypes:
    return interceptor_types(
        {
            "launch_speed_mps": 100.0,
            "burnout_speed_mps": 1000.0,
            "min_speed_mps": 300.0,
            "seeker_range_m": 4000.0,
            **kw,
        }
    )


def speed_ref(ty: InterceptorTypes, t: float) -> float:
    """The profile written plainly."""
    v0, vb, tb = ty.launch_speed_mps[0], ty.burnout_speed_mps[0], ty.boost_time_s[0]
    ac, vmin = ty.coast_deceleration_mps2[0], ty.min_speed_mps[0]
    if t < tb:
        return float(v0 + (vb - v0) * t / tb)
    return float(max(vb - ac * (t - tb), vmin))


TYPES = {
    "nominal": make_types(),
    "no_coast_decel": make_types(coast_deceleration_mps2=0.0),
    "no_boost": make_types(boost_time_s=0.0),
    "burnout_below_floor": make_types(burnout_speed_mps=200.0),
    "floor_zero": make_types(min_speed_mps=0.0, coast_deceleration_mps2=40.0),
    "long_floor": make_types(coast_deceleration_mps2=100.0),
}


@pytest.mark.parametrize("name", sorted(TYPES))
def test_speed_matches_plain_formula(name: str) -> None:
    ty = TYPES[name]
    ts = np.linspace(0.0, 60.0, 241)
    ref = [speed_ref(ty, float(t)) for t in ts]
    np.testing.assert_allclose(speed(ty, np.zeros(ts.size, np.int64), ts), ref, rtol=1e-14)


@pytest.mark.parametrize("name", sorted(TYPES))
@pytest.mark.parametrize("t", [0.0, 0.5, 3.0, 7.3, 20.0, 47.0, 60.0])
def test_distance_is_integral_of_speed(name: str, t: float) -> None:
    ty = TYPES[name]
    # Break points at burnout and where the coast reaches the floor help the quadrature.
    pts = [p for p in (3.0, 3.0 + 700.0 / 15.0, 3.0 + 1000.0 / 40.0, 10.0) if 0 < p < t]
    ref, _ = quad(lambda s: speed_ref(ty, s), 0.0, t, points=pts or None, limit=200)
    np.testing.assert_allclose(distance(ty, 0, t), ref, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", sorted(TYPES))
def test_no_floating_point_warnings(name: str) -> None:
    ty = TYPES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        speed(ty, [0, 0, 0], [0.0, 2.0, 50.0])
        distance(ty, [0, 0, 0], [0.0, 2.0, 50.0])
        time_to_distance(ty, [0, 0, 0], [0.0, 10.0, 1e5])


def test_distance_starts_at_zero_when_burnout_below_floor() -> None:
    # Regression: a negative time-to-floor used to give distance(0) = 500 m.
    ty = TYPES["burnout_below_floor"]
    assert distance(ty, 0, 0.0) == 0.0
    assert distance(ty, 0, 10.0) == pytest.approx(0.5 * (100 + 200) * 3 + 300 * 7)


@settings(max_examples=50, deadline=None)
@given(
    name=st.sampled_from(sorted(k for k in TYPES if k != "floor_zero")),
    t=st.floats(0.0, 60.0),
)
def test_time_to_distance_inverts_distance(name: str, t: float) -> None:
    ty = TYPES[name]
    d = distance(ty, 0, t)
    np.testing.assert_allclose(time_to_distance(ty, 0, d), t, rtol=1e-9, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(name=st.sampled_from(sorted(TYPES)), frac=st.floats(1.0 + 1e-6, 10.0))
def test_time_to_distance_inf_beyond_max_flight_time(name: str, frac: float) -> None:
    ty = TYPES[name]
    d_max = float(distance(ty, 0, ty.max_flight_time_s[0]))
    assert np.isinf(time_to_distance(ty, 0, d_max * frac + 1e-3))
    assert np.isfinite(time_to_distance(ty, 0, d_max * (1 - 1e-6)))


def test_vectorised_over_types() -> None:
    a, b = TYPES["nominal"], TYPES["no_boost"]
    both = InterceptorTypes(
        **{
            f: np.concatenate([getattr(a, f), getattr(b, f)])
            for f in a.__dataclass_fields__
            if getattr(a, f) is not None
        }
    )
    t = np.array([1.0, 1.0, 30.0, 30.0])
    k = np.array([0, 1, 0, 1])
    np.testing.assert_array_equal(
        distance(both, k, t),
        [distance(a, 0, 1.0), distance(b, 0, 1.0), distance(a, 0, 30.0), distance(b, 0, 30.0)],
    )
    d = distance(both, k, t)
    np.testing.assert_allclose(time_to_distance(both, k, d), t, rtol=1e-12)
