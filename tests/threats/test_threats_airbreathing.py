"""Waypoint flight with a terminal dive, against a polyline arclength reference."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.threats.airbreathing import advance, step


def _polyline_at(points: list[np.ndarray], s: float) -> np.ndarray:
    """Point at arclength ``s`` along a polyline (clamped to its end)."""
    for a, b in itertools.pairwise(points):
        seg = float(np.linalg.norm(b - a))
        if s <= seg:
            return np.asarray(a + (b - a) * (s / seg if seg else 0.0))
        s -= seg
    return points[-1]


def test_drone_route_dive_and_speed() -> None:
    speed, dive, dt = 50.0, math.radians(30.0), 1.0
    start = np.array([0.0, 0.0, 1_000.0])
    wp0 = np.array([5_000.0, 0.0, 1_000.0])
    target = np.array([8_000.0, 3_000.0, 0.0])
    # Reference path: start -> wp0 -> dive point (level) -> target.
    d_dive = 1_000.0 / math.tan(dive)
    u = (target[:2] - wp0[:2]) / np.linalg.norm(target[:2] - wp0[:2])
    dive_point = np.array([*(target[:2] - u * d_dive), 1_000.0])
    path = [start, wp0, dive_point, target]
    length = sum(float(np.linalg.norm(b - a)) for a, b in itertools.pairwise(path))

    pos = start[None, :]
    wps = np.stack([wp0, target])[None]
    idx = np.array([0])
    sp, dv = np.array([speed]), np.array([dive])
    n_steps = math.ceil(length / (speed * dt))
    for k in range(1, n_steps + 1):
        prev = pos
        pos, vel, idx, spare = advance(pos, wps, idx, sp, dv, dt)
        np.testing.assert_allclose(np.linalg.norm(vel[0]), speed, rtol=1e-12)
        want = _polyline_at(path, speed * dt * k)
        np.testing.assert_allclose(pos[0], want, atol=1e-6)
        assert np.linalg.norm(pos[0] - prev[0]) <= speed * dt + 1e-9
        if speed * dt * k < 5_000.0:
            assert idx[0] == 0
        else:
            assert idx[0] == 1
        if k < n_steps:
            assert spare[0] == 0.0
    # Arrived exactly on the target within the last step, with the spare distance reported.
    np.testing.assert_array_equal(pos[0], target)
    np.testing.assert_allclose(spare[0], n_steps * speed * dt - length, atol=1e-6)
    # Final velocity: 30° below the horizontal, heading to the target.
    v = vel[0]
    np.testing.assert_allclose(math.atan2(-v[2], math.hypot(v[0], v[1])), dive, atol=1e-9)
    np.testing.assert_allclose(v[:2] / np.linalg.norm(v[:2]), u, atol=1e-9)
    # Staying on the target afterwards.
    pos2, _, _ = step(pos, wps, idx, sp, dv, dt)
    np.testing.assert_array_equal(pos2[0], target)


def test_starting_inside_dive_cone_dives_directly() -> None:
    pos = np.array([[0.0, 0.0, 2_000.0]])
    target = np.array([500.0, 0.0, 0.0])
    wps = np.stack([target, target])[None]
    p, v, idx, _ = advance(pos, wps, np.array([1]), np.array([100.0]), np.array([0.3]), 1.0)
    direction = (target - pos[0]) / np.linalg.norm(target - pos[0])
    np.testing.assert_allclose(v[0], 100.0 * direction, atol=1e-9)
    np.testing.assert_allclose(p[0], pos[0] + 100.0 * direction, atol=1e-9)
    assert idx[0] == 1


def _routes(rng: np.random.Generator, n: int, k: int) -> tuple[np.ndarray, ...]:
    pos = rng.uniform([-5e3, -5e3, 50.0], [5e3, 5e3, 3e3], (n, 3))
    wps = rng.uniform([-5e3, -5e3, 50.0], [5e3, 5e3, 3e3], (n, k, 3))
    wps[:, -1, 2] = 0.0
    # Some routes are shorter and repeat their target.
    short = rng.integers(1, k + 1, n)
    for i in range(n):
        wps[i, short[i] - 1 :] = wps[i, -1]
    idx = np.zeros(n, dtype=np.int64)
    speed = rng.uniform(30.0, 300.0, n)
    dive = rng.uniform(0.2, 1.4, n)
    return pos, wps, idx, speed, dive


def test_batch_equals_loop() -> None:
    rng = np.random.default_rng(4)
    pos, wps, idx, speed, dive = _routes(rng, 25, 4)
    dt = rng.uniform(0.5, 40.0, 25)
    p, v, i, s = advance(pos, wps, idx, speed, dive, dt)
    for r in range(25):
        one = advance(
            pos[r : r + 1], wps[r : r + 1], idx[r : r + 1], speed[r : r + 1], dive[r : r + 1], dt[r]
        )
        np.testing.assert_allclose(one[0][0], p[r], rtol=1e-13, atol=1e-9)
        np.testing.assert_allclose(one[1][0], v[r], rtol=1e-13, atol=1e-9)
        assert one[2][0] == i[r]
        np.testing.assert_allclose(one[3][0], s[r], atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), dt=st.floats(0.1, 200.0))
def test_constant_speed_no_overshoot(seed: int, dt: float) -> None:
    rng = np.random.default_rng(seed)
    pos, wps, idx, speed, dive = _routes(rng, 8, 3)
    inputs = (pos.copy(), wps.copy(), idx.copy())
    for _ in range(5):
        new, vel, idx2, spare = advance(pos, wps, idx, speed, dive, dt)
        was_there = np.all(pos == wps[:, -1], axis=1)  # arrived earlier: stays, velocity 0
        np.testing.assert_allclose(
            np.linalg.norm(vel[~was_there], axis=1), speed[~was_there], rtol=1e-9
        )
        np.testing.assert_array_equal(new[was_there], pos[was_there])
        moved = np.linalg.norm(new - pos, axis=1)
        assert np.all(moved <= speed * dt * (1 + 1e-9) + 1e-9)
        arrived = np.all(new == wps[:, -1], axis=1)
        assert np.all(spare[~arrived] == 0.0)
        assert np.all(new[:, 2] >= -1e-9)
        assert np.all(idx2 >= idx)
        pos, idx = new, idx2
    np.testing.assert_array_equal(inputs[0], _routes(np.random.default_rng(seed), 8, 3)[0])
    np.testing.assert_array_equal(inputs[1], wps)
