"""True proportional navigation and the constrained turn, against plain vector formulas."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cupola.engage import tpn_accel, turn

vec = arrays(np.float64, 3, elements=st.floats(-5e3, 5e3))


def tpn_ref(p: np.ndarray, v: np.ndarray, pt: np.ndarray, vt: np.ndarray, n: float) -> np.ndarray:
    """a = N max(Vc, 0) ω × r̂ with ω = r × v_r / |r|² (Zarchan's 3-D true PN)."""
    r, vr = pt - p, vt - v
    rn = np.linalg.norm(r)
    omega = np.cross(r, vr) / rn**2
    vc = -np.dot(r, vr) / rn
    return n * max(vc, 0.0) * np.cross(omega, r / rn)


@settings(max_examples=50, deadline=None)
@given(p=vec, v=vec, pt=vec, vt=vec, n=st.floats(2.0, 6.0))
def test_tpn_matches_cross_product_form(
    p: np.ndarray, v: np.ndarray, pt: np.ndarray, vt: np.ndarray, n: float
) -> None:
    if np.linalg.norm(pt - p) < 1.0:
        return
    got = tpn_accel(p[None], v[None], pt[None], vt[None], np.array([n]))[0]
    ref = tpn_ref(p, v, pt, vt, n)
    np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-9 * (1 + np.abs(ref).max()))
    # Perpendicular to the line of sight, to rounding: relative to the natural scale of the
    # command, N |v_r|^2 / |r|, not to the command itself (near a collision course it is a
    # tiny difference of large terms).
    r = pt - p
    scale = n * np.linalg.norm(vt - v) ** 2 / np.linalg.norm(r)
    assert abs(np.dot(got, r)) <= 1e-9 * (1 + (np.linalg.norm(got) + scale) * np.linalg.norm(r))


def test_tpn_zero_for_collision_course_opening_range_and_no_target() -> None:
    p = np.zeros((4, 3))
    v = np.array([[100.0, 0, 0], [100.0, 0, 0], [-100.0, 0, 0], [100.0, 0, 0]])
    pt = np.array([[1000.0, 0, 0], [1000.0, 0, 0], [1000.0, 0, 0], [np.nan, 0, 0]])
    vt = np.array([[-300.0, 0, 0], [-300.0, 20.0, 0], [0.0, 50.0, 0], [0.0, 0, 0]])
    a = tpn_accel(p, v, pt, vt, np.full(4, 4.0))
    np.testing.assert_array_equal(a[0], 0.0)  # no LOS rotation
    np.testing.assert_allclose(a[1], [0.0, 4 * 400 * 20 / 1000, 0.0])  # N Vc v⊥ / |r|
    np.testing.assert_array_equal(a[2], 0.0)  # opening: no command
    np.testing.assert_array_equal(a[3], 0.0)  # NaN target: straight flight


@settings(max_examples=50, deadline=None)
@given(
    u=vec.filter(lambda x: np.linalg.norm(x) > 1.0),
    a=vec,
    a_max=st.floats(1.0, 500.0),
    ds=st.floats(1.0, 100.0),
)
def test_turn_rotates_towards_the_lateral_command_by_the_clipped_angle(
    u: np.ndarray, a: np.ndarray, a_max: float, ds: float
) -> None:
    h = 0.05
    u = u / np.linalg.norm(u)
    end, mid = turn(u[None], a[None], np.array([a_max]), h, np.array([ds]))
    a_perp = a - np.dot(a, u) * u
    theta = min(np.linalg.norm(a_perp), a_max) * h * h / ds
    np.testing.assert_allclose(np.linalg.norm(end[0]), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(mid[0]), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.dot(end[0], u), np.cos(theta), atol=1e-9)
    np.testing.assert_allclose(np.dot(mid[0], u), np.cos(theta / 2), atol=1e-9)
    # The turn stays in the plane of u and a⊥, towards a⊥.
    if np.linalg.norm(a_perp) > 1e-6 * (1 + np.linalg.norm(a)) and theta > 1e-9:
        e = a_perp / np.linalg.norm(a_perp)
        np.testing.assert_allclose(np.dot(end[0], e), np.sin(theta), atol=1e-9)


def test_turn_without_command_or_motion_keeps_direction() -> None:
    u = np.array([[0.0, 0.6, 0.8], [1.0, 0.0, 0.0]])
    a = np.array([[0.0, 0.8, -0.6], [0.0, 100.0, 0.0]])
    end, mid = turn(u, a * np.array([[0.0], [1.0]]), np.full(2, 50.0), 0.1, np.array([5.0, 0.0]))
    np.testing.assert_array_equal(end, u)
    np.testing.assert_array_equal(mid, u)
