"""solve_launch: closed form without drag, landing on target with drag, branches, reach."""

from __future__ import annotations

import numpy as np

from cupola.threats.ballistic import G, fly_to_ground
from cupola.threats.launch import solve_launch


def _elevation(vel: np.ndarray) -> np.ndarray:
    return np.asarray(np.arctan2(vel[:, 2], np.hypot(vel[:, 0], vel[:, 1])))


def _targets(rng: np.random.Generator, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = dist.size
    launch = np.zeros((n, 3))
    launch[:, :2] = rng.uniform(-5e3, 5e3, (n, 2))
    az = rng.uniform(0.0, 2 * np.pi, n)
    target = launch.copy()
    target[:, 0] += dist * np.sin(az)
    target[:, 1] += dist * np.cos(az)
    return launch, target


def _miss(launch: np.ndarray, target: np.ndarray, vel: np.ndarray, beta: np.ndarray) -> np.ndarray:
    impact, _, _ = fly_to_ground(launch, vel, beta, dt=0.05)
    return np.asarray(np.hypot(*(impact[:, :2] - target[:, :2]).T))


def test_drag_free_matches_closed_form_both_branches() -> None:
    v = np.array([200.0, 400.0, 700.0, 1_000.0])
    dist = np.array([2_000.0, 9_000.0, 30_000.0, 80_000.0])
    rng = np.random.default_rng(0)
    launch, target = _targets(rng, dist)
    beta = np.full(4, np.inf)
    low = 0.5 * np.arcsin(G * dist / v**2)
    for lofted, want in ((False, low), (True, np.pi / 2 - low)):
        vel, ok = solve_launch(launch, target, v, beta, np.full(4, lofted))
        assert ok.all()
        np.testing.assert_allclose(np.linalg.norm(vel, axis=1), v, rtol=1e-12)
        np.testing.assert_allclose(_elevation(vel), want, atol=2e-5)
        # Azimuth toward the target.
        d = target[:, :2] - launch[:, :2]
        cross = vel[:, 0] * d[:, 1] - vel[:, 1] * d[:, 0]
        assert np.all(np.abs(cross) < 1e-9 * np.linalg.norm(d, axis=1) * v)
        assert np.all(np.einsum("ij,ij->i", vel[:, :2], d) > 0)


def test_drag_on_lands_on_target_2_to_70_km() -> None:
    rng = np.random.default_rng(42)
    # Rocket-like rows with beta 300-3000 kg/m² reach ~15 km at most at 1100 m/s (sea-level
    # density); the long ranges need heavier, slimmer rockets (beta 10-30 t/m²).
    n = 60
    speed = np.concatenate([rng.uniform(300, 1_100, n), rng.uniform(800, 1_100, n)])
    beta = np.concatenate([rng.uniform(300, 3_000, n), rng.uniform(10_000, 30_000, n)])
    dist = np.concatenate([rng.uniform(2e3, 12e3, n), rng.uniform(12e3, 70e3, n)])
    launch, target = _targets(rng, dist)
    tol = np.maximum(1.0, 1e-4 * dist)

    vel_lo, ok_lo = solve_launch(launch, target, speed, beta, np.zeros(2 * n, bool))
    vel_hi, ok_hi = solve_launch(launch, target, speed, beta, np.ones(2 * n, bool))
    np.testing.assert_array_equal(ok_lo, ok_hi)
    assert ok_lo.sum() >= n  # most rows are in reach; the rest is checked below
    assert ok_lo[dist > 50e3].any()
    for vel in (vel_lo, vel_hi):
        np.testing.assert_allclose(np.linalg.norm(vel, axis=1), speed, rtol=1e-12)
        miss = _miss(launch[ok_lo], target[ok_lo], vel[ok_lo], beta[ok_lo])
        assert np.all(miss <= tol[ok_lo])
    assert np.all(_elevation(vel_hi[ok_lo]) > _elevation(vel_lo[ok_lo]))
    # Unreachable rows: the returned elevation is the maximum-range one; no elevation of a fine
    # grid reaches the target.
    bad = np.flatnonzero(~ok_lo)
    assert bad.size
    np.testing.assert_allclose(_elevation(vel_lo[bad]), _elevation(vel_hi[bad]))
    elev = np.radians(np.arange(1.0, 90.0, 1.0))
    rows = np.repeat(bad, elev.size)
    th = np.tile(elev, bad.size)
    u = (target[rows, :2] - launch[rows, :2]) / dist[rows, None]
    v_try = np.stack(
        [
            speed[rows] * np.cos(th) * u[:, 0],
            speed[rows] * np.cos(th) * u[:, 1],
            speed[rows] * np.sin(th),
        ],
        axis=1,
    )
    imp, _, _ = fly_to_ground(launch[rows], v_try, beta[rows], dt=0.25, drag_fraction=0.1)
    best = np.hypot(*(imp[:, :2] - launch[rows, :2]).T).reshape(bad.size, elev.size).max(axis=1)
    assert np.all(best < dist[bad])
    got = np.hypot(*(fly_to_ground(launch[bad], vel_lo[bad], beta[bad])[0] - launch[bad]).T[:2])
    assert np.all(got >= best - tol[bad])  # at least as far as the best 1° elevation
    assert np.all(got < dist[bad])


def test_raised_launch_point_and_short_targets() -> None:
    """From 2 km up, a close target needs a negative elevation on the low branch."""
    launch = np.array([[0.0, 0.0, 2_000.0], [0.0, 0.0, 2_000.0], [0.0, 0.0, 500.0]])
    target = np.array([[400.0, 0.0, 0.0], [400.0, 0.0, 0.0], [0.0, -3_000.0, 0.0]])
    speed = np.array([300.0, 300.0, 600.0])
    beta = np.array([2_000.0, 2_000.0, 1_500.0])
    vel, ok = solve_launch(launch, target, speed, beta, np.array([False, True, False]))
    assert ok.all()
    assert _elevation(vel)[0] < 0.0 < _elevation(vel)[1]
    assert np.all(_miss(launch, target, vel, beta) <= 1.0)


def test_batch_equals_loop() -> None:
    rng = np.random.default_rng(9)
    n = 6
    speed = rng.uniform(300, 1_100, n)
    beta = rng.uniform(1_000, 20_000, n)
    launch, target = _targets(rng, rng.uniform(2e3, 20e3, n))
    lofted = rng.random(n) < 0.5
    vel, ok = solve_launch(launch, target, speed, beta, lofted)
    for i in range(n):
        s = slice(i, i + 1)
        v1, ok1 = solve_launch(launch[s], target[s], speed[s], beta[s], lofted[s])
        assert ok1[0] == ok[i]
        np.testing.assert_allclose(v1[0], vel[i], rtol=1e-12, atol=1e-9)
