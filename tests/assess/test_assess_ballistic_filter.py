"""The ballistic filter of the battle manager: its model against finite differences, its
prediction against the threats' own flight, and its estimate of the ballistic coefficient from
noisy plots."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.assess import ballistic_filter as bf
from cupola.assess.impact import ballistic_path
from cupola.core.frames import to_polar
from cupola.threats.ballistic import fly_to_ground, trajectory
from cupola.tracking.kalman import noise_covariance

STATES = np.array(
    [
        [1000.0, -2000.0, 6000.0, 300.0, 150.0, 200.0, 1 / 8000],
        [-5000.0, 3000.0, 1500.0, -200.0, 50.0, -250.0, 1 / 3800],
        [0.0, 0.0, 12000.0, 700.0, -300.0, -100.0, 1 / 26000],
    ]
)


def test_jacobian_matches_finite_differences() -> None:
    _, jac = bf.flow(STATES)
    for k in range(bf.N):
        step = np.zeros(bf.N)
        step[k] = 1e-3 if k < 6 else 1e-9
        up, _ = bf.flow(STATES + step)
        down, _ = bf.flow(STATES - step)
        np.testing.assert_allclose(jac[:, :, k], (up - down) / (2 * step[k]), rtol=1e-5, atol=1e-9)


def test_prediction_follows_the_threat_model() -> None:
    """The mean state flies as the threats do; Phi matches finite differences of the flight."""
    dt = np.array([3.0, 2.0, 5.5])
    x, _ = bf.predict(STATES, np.zeros((3, 7, 7)), dt, 1 / 8000)
    for i in range(3):
        n = round(dt[i] / 0.01)
        p, v = trajectory(
            STATES[i : i + 1, :3], STATES[i : i + 1, 3:6], 1 / STATES[i : i + 1, 6], dt[i] / n, n
        )
        np.testing.assert_allclose(x[i, :3], p[0, -1], atol=1e-3)
        np.testing.assert_allclose(x[i, 3:6], v[0, -1], atol=1e-4)
    # Phi by finite differences of the flight; then P' = Phi P Phi^T + Q.
    eps = np.diag([1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 1e-6])
    p0 = eps.copy()  # any covariance will do; this one is diagonal
    _, cov = bf.predict(STATES[:1], p0[None], dt[:1], 0.0)
    base, _ = bf.predict(STATES[:1], np.zeros((1, 7, 7)), dt[:1], 0.0)
    cols = []
    for k in range(bf.N):
        shifted, _ = bf.predict(STATES[:1] + eps[k], np.zeros((1, 7, 7)), dt[:1], 0.0)
        cols.append((shifted[0] - base[0]) / eps[k, k])
    phi = np.array(cols).T
    q = np.zeros((7, 7))
    a2, t = bf.ACCEL_NOISE**2, dt[0]
    for axis in range(3):
        q[axis, axis] = a2 * t**3 / 3
        q[axis, axis + 3] = q[axis + 3, axis] = a2 * t**2 / 2
        q[axis + 3, axis + 3] = a2 * t
    np.testing.assert_allclose(cov[0], phi @ p0 @ phi.T + q, rtol=2e-3, atol=1e-6)


def test_zero_time_changes_nothing() -> None:
    cov = np.broadcast_to(np.eye(7), (3, 7, 7)).copy()
    x, p = bf.predict(STATES, cov, np.zeros(3), 1 / 8000)
    np.testing.assert_array_equal(x, STATES)
    np.testing.assert_allclose(p, cov)


def fly_rocket(beta: float, seconds: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A rocket's true states once a second, and one radar's noisy plots of it."""
    p0 = np.array([[30000.0, 5000.0, 3000.0]])
    v0 = np.array([[-600.0, -100.0, 450.0]])
    pos, vel = trajectory(p0, v0, np.array([beta]), 0.01, seconds * 100)
    truth = np.hstack([pos[0, ::100], vel[0, ::100]])
    rng = np.random.default_rng(seed)
    r, a, e = to_polar(truth[:, :3])
    plots = np.column_stack(
        [
            r + rng.normal(0, 15.0, r.size),
            a + rng.normal(0, 2e-3, r.size),
            e + rng.normal(0, 2e-3, r.size),
        ]
    )
    return truth, plots


@pytest.mark.parametrize("beta", [3800.0, 13300.0, 26000.0])
def test_the_filter_learns_the_ballistic_coefficient(beta: float) -> None:
    """From a rough start and the assumed 8,000 kg/m², 60 plots (15 m, 2 mrad) of a rocket
    descending through the air bring the coefficient within 10 % and the impact within 50 m."""
    truth, plots = fly_rocket(beta, 60, int(beta))
    noise = noise_covariance(15.0, 2e-3, 2e-3)
    start_cov = np.diag([100.0**2] * 3 + [20.0**2] * 3)
    x, p = bf.start(
        truth[:1, :6] + [80, -60, 50, 10, -15, 8], start_cov[None], 1 / 8000, 0.6 / 8000
    )
    used = 0
    for k in range(1, len(truth)):
        x, p = bf.predict(x, p, np.array([1.0]), 1 / 8000)
        x, p, ok = bf.update(x, p, plots[k : k + 1], np.zeros(3), noise)
        used += int(ok[0])
    assert used >= 0.95 * (len(truth) - 1)  # the 99.9 % gate drops at most a stray plot
    mean, var, _ = bf.log_beta(x, p)
    assert np.exp(mean[0]) == pytest.approx(beta, rel=0.10)
    assert var[0] < 0.05**2
    want, _, _ = fly_to_ground(truth[-1:, :3], truth[-1:, 3:], np.array([beta]), 0.01)
    _, got, _ = ballistic_path(x[:, :6], np.exp(mean), 2.0, 300.0)
    assert np.hypot(*(got[0] - want[0, :2])) < 50.0


def test_a_plot_outside_the_gate_is_not_used() -> None:
    x, p = bf.start(STATES[:1, :6], np.eye(6)[None] * 25.0, 1 / 8000, 1e-5)
    far = np.array([[*to_polar(STATES[:1, :3] + [2000.0, 0.0, 0.0])]]).reshape(1, 3)
    near = np.array([[*to_polar(STATES[:1, :3] + [3.0, 0.0, 0.0])]]).reshape(1, 3)
    noise = noise_covariance(15.0, 2e-3, 2e-3)
    x1, _, used = bf.update(x, p, far, np.zeros(3), noise)
    assert not used[0]
    np.testing.assert_array_equal(x1, x)
    _, _, used = bf.update(x, p, near, np.zeros(3), noise)
    assert used[0]


@settings(max_examples=40, deadline=None)
@given(
    z=st.floats(100.0, 20000.0),
    speed=st.floats(100.0, 1200.0),
    angle=st.floats(-1.2, 1.2),
    sigma=st.floats(1.0, 300.0),
    dt=st.floats(0.0, 3.0),
)
def test_covariance_stays_symmetric_positive_definite(
    z: float, speed: float, angle: float, sigma: float, dt: float
) -> None:
    state = np.array([[20000.0, 10000.0, z, speed * np.cos(angle), 0.0, speed * np.sin(angle)]])
    x, p = bf.start(state, np.eye(6)[None] * sigma**2, 1 / 8000, 0.6 / 8000)
    x, p = bf.predict(x, p, np.array([dt]), 1 / 8000)
    plot = np.array(to_polar(x[:, :3])).T
    x, p, _ = bf.update(x, p, plot, np.zeros(3), noise_covariance(15.0, 2e-3, 2e-3))
    np.testing.assert_allclose(p, np.swapaxes(p, 1, 2))
    assert (np.linalg.eigvalsh(p) > 0).all()
