"""Batched EKF against a plain per-track reference, covariance invariants and NEES consistency."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.stats import chi2

from cupola.tracking.base import TrackerParams, empty_tracks
from cupola.tracking.kalman import extrapolate, measure, noise_covariance, predict, update
from cupola.tracking.management import start_tracks

# ---------------------------------------------------------------- plain reference, one track


def ref_predict(x: np.ndarray, p: np.ndarray, dt: float, q: float) -> tuple[np.ndarray, np.ndarray]:
    f = np.eye(6)
    for i in range(3):
        f[i, i + 3] = dt
    qm = np.zeros((6, 6))
    for i in range(3):
        qm[i, i] = q**2 * dt**4 / 4
        qm[i, i + 3] = qm[i + 3, i] = q**2 * dt**3 / 2
        qm[i + 3, i + 3] = q**2 * dt**2
    return f @ x, f @ p @ f.T + qm


def ref_h(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    dx, dy, dz = (float(v) for v in x[:3] - s)
    rho = math.sqrt(dx * dx + dy * dy)
    az = math.atan2(dx, dy) % (2 * math.pi)
    return np.array([math.sqrt(dx * dx + dy * dy + dz * dz), az, math.atan2(dz, rho)])


def ref_jacobian(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    dx, dy, dz = (float(v) for v in x[:3] - s)
    rho2 = dx * dx + dy * dy
    rho = math.sqrt(rho2)
    r2 = rho2 + dz * dz
    r = math.sqrt(r2)
    h = np.zeros((3, 6))
    h[0, :3] = [dx / r, dy / r, dz / r]
    h[1, :3] = [dy / rho2, -dx / rho2, 0.0]
    h[2, :3] = [-dx * dz / (r2 * rho), -dy * dz / (r2 * rho), rho / r2]
    return h


def ref_update(
    x: np.ndarray, p: np.ndarray, z: np.ndarray, s: np.ndarray, r: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    h = ref_jacobian(x, s)
    y = z - ref_h(x, s)
    while y[1] >= math.pi:
        y[1] -= 2 * math.pi
    while y[1] < -math.pi:
        y[1] += 2 * math.pi
    sm = h @ p @ h.T + r
    k = p @ h.T @ np.linalg.inv(sm)
    ikh = np.eye(6) - k @ h
    return x + k @ y, ikh @ p @ ikh.T + k @ r @ k.T


# ---------------------------------------------------------------- random inputs


def random_tracks(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.empty((n, 6))
    x[:, :2] = rng.uniform(-50e3, 50e3, (n, 2))
    x[:, 2] = rng.uniform(50.0, 20e3, n)
    x[:, 3:] = rng.uniform(-800.0, 800.0, (n, 3))
    a = rng.normal(size=(n, 6, 6))
    scale = np.array([300.0, 300.0, 300.0, 100.0, 100.0, 100.0])
    p = (a @ np.swapaxes(a, 1, 2) + 0.5 * np.eye(6)) * np.outer(scale, scale)
    return x, p


RADAR = np.array([1000.0, -2000.0, 30.0])
R = noise_covariance(15.0, 2e-3, 3e-3)


def test_predict_matches_reference() -> None:
    rng = np.random.default_rng(1)
    x, p = random_tracks(rng, 20)
    dt = rng.uniform(0.0, 8.0, 20)
    x0, p0 = x.copy(), p.copy()
    xn, pn = predict(x, p, dt, 12.0)
    assert_allclose(x, x0)
    assert_allclose(p, p0)
    for i in range(20):
        xr, pr = ref_predict(x[i], p[i], float(dt[i]), 12.0)
        assert_allclose(xn[i], xr, rtol=1e-12, atol=1e-9)
        assert_allclose(pn[i], pr, rtol=1e-10, atol=1e-6)


def test_measure_matches_reference_and_finite_differences() -> None:
    rng = np.random.default_rng(2)
    x, _ = random_tracks(rng, 15)
    z, h = measure(x, RADAR)
    for i in range(15):
        assert_allclose(z[i], ref_h(x[i], RADAR), rtol=1e-12, atol=1e-12)
        assert_allclose(h[i], ref_jacobian(x[i], RADAR), rtol=1e-10, atol=1e-14)
        num = np.zeros((3, 6))
        for k in range(3):
            step = np.zeros(6)
            step[k] = 0.01
            d = ref_h(x[i] + step, RADAR) - ref_h(x[i] - step, RADAR)
            d[1] = (d[1] + math.pi) % (2 * math.pi) - math.pi
            num[:, k] = d / 0.02
        assert_allclose(h[i], num, rtol=1e-5, atol=1e-10)


def test_update_matches_reference() -> None:
    rng = np.random.default_rng(3)
    x, p = random_tracks(rng, 25)
    z = np.array([ref_h(xi, RADAR) for xi in x])
    z += rng.normal(size=z.shape) * np.sqrt(np.diag(R)) * 3.0
    z[:, 1] %= 2 * math.pi
    # Put a few tracks on the north line so the azimuth innovation must wrap.
    x[:3, 0] = RADAR[0] + 1.0
    z[:3] = [ref_h(xi, RADAR) for xi in x[:3]]
    z[:3, 1] = (z[:3, 1] - 4e-3) % (2 * math.pi)
    x0, p0, z0 = x.copy(), p.copy(), z.copy()
    xn, pn = update(x, p, z, RADAR, R)
    assert_allclose(x, x0)
    assert_allclose(p, p0)
    assert_allclose(z, z0)
    for i in range(25):
        xr, pr = ref_update(x[i], p[i], z[i], RADAR, R)
        assert_allclose(xn[i], xr, rtol=1e-9, atol=1e-6)
        assert_allclose(pn[i], pr, rtol=1e-7, atol=1e-6)
    assert np.all(pn == np.swapaxes(pn, 1, 2))


def test_extrapolate_constant_velocity() -> None:
    params = TrackerParams()
    z = np.array([[10e3, 1.0, 0.1], [20e3, 4.0, 0.2]])
    tracks = start_tracks(params, z, RADAR, R, np.array([-1, 3]), 7, 2.0)
    assert extrapolate(empty_tracks(), 3.0)[0].shape == (0, 3)
    state = tracks.state.copy()
    state[:, 3:] = [[100.0, -50.0, 10.0], [0.0, 300.0, -20.0]]
    tracks = dataclasses.replace(tracks, state=state)
    pos, vel = extrapolate(tracks, 4.5)
    assert_allclose(pos, state[:, :3] + 2.5 * state[:, 3:])
    assert_allclose(vel, state[:, 3:])


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    dt=st.floats(0.0, 10.0),
    q=st.floats(0.01, 100.0),
    sig_r=st.floats(1.0, 500.0),
    sig_a=st.floats(1e-4, 5e-2),
    sig_e=st.floats(1e-4, 5e-2),
)
def test_covariance_stays_spd(
    seed: int, dt: float, q: float, sig_r: float, sig_a: float, sig_e: float
) -> None:
    rng = np.random.default_rng(seed)
    x, p = random_tracks(rng, 8)
    radar = np.array([*rng.uniform(-5e3, 5e3, 2), rng.uniform(0.0, 500.0)])
    noise = noise_covariance(sig_r, sig_a, sig_e)
    xp, pp = predict(x, p, np.full(8, dt), q)
    z, _ = measure(xp, radar)
    z = z + rng.normal(size=z.shape) * [sig_r, sig_a, sig_e]
    _, pu = update(xp, pp, z, radar, noise)
    for cov in (pp, pu):
        assert np.all(cov == np.swapaxes(cov, 1, 2))
        assert np.all(np.linalg.eigvalsh(cov) > 0.0)
    # The update never increases the variance of any state component.
    assert np.all(
        np.diagonal(pu, axis1=1, axis2=2) <= np.diagonal(pp, axis1=1, axis2=2) * (1 + 1e-9)
    )


def test_nees_consistent_over_monte_carlo_runs() -> None:
    """Average NEES over runs stays in the two-sided 95 % chi-square band (6 dof)."""
    rng = np.random.default_rng(20240601)
    runs, steps, dt, q = 300, 40, 1.0, 8.0
    radar = np.array([0.0, 0.0, 20.0])
    noise = noise_covariance(10.0, 1e-3, 1.5e-3)
    sig = np.sqrt(np.diag(noise))
    rng_m = rng.uniform(20e3, 40e3, runs)
    bearing = rng.uniform(0.0, 2 * np.pi, runs)
    truth = np.zeros((runs, 6))
    truth[:, 0] = rng_m * np.sin(bearing)
    truth[:, 1] = rng_m * np.cos(bearing)
    truth[:, 2] = rng.uniform(2e3, 8e3, runs)
    speed = rng.uniform(200.0, 600.0, runs)
    heading = rng.uniform(0.0, 2 * np.pi, runs)
    truth[:, 3] = speed * np.sin(heading)
    truth[:, 4] = speed * np.cos(heading)
    p0 = np.diag([150.0, 150.0, 150.0, 60.0, 60.0, 60.0]) ** 2
    x = truth + rng.normal(size=(runs, 6)) @ np.linalg.cholesky(p0).T
    p = np.broadcast_to(p0, (runs, 6, 6)).copy()
    g = np.array([dt**2 / 2, dt])
    lo, hi = chi2.ppf([0.025, 0.975], 6 * runs) / runs
    inside = []
    for _ in range(steps):
        acc = rng.normal(size=(runs, 3)) * q
        truth[:, :3] += truth[:, 3:] * dt + g[0] * acc
        truth[:, 3:] += g[1] * acc
        x, p = predict(x, p, np.full(runs, dt), q)
        z, _ = measure(truth, radar)
        z = z + rng.normal(size=(runs, 3)) * sig
        z[:, 1] %= 2 * np.pi
        x, p = update(x, p, z, radar, noise)
        err = truth - x
        nees = np.einsum("ki,ki->k", err, np.linalg.solve(p, err[:, :, None])[:, :, 0])
        inside.append(lo <= nees.mean() <= hi)
    assert np.mean(inside[3:]) >= 0.9
