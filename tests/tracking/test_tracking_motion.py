"""IMM motion models against closed forms, finite differences and the 6-state EKF."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from cupola.threats.ballistic import G, acceleration, rk4_step
from cupola.tracking import kalman, motion

RNG = np.random.default_rng(7)


def random_rows(n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.c_[
        RNG.uniform(-2e4, 2e4, (n, 2)),
        RNG.uniform(500, 9000, n),
        RNG.normal(0, 300, (n, 3)),
        RNG.normal(0, 20, (n, 3)),
    ]
    a = RNG.normal(size=(n, 9, 9))
    return x, a @ np.swapaxes(a, 1, 2) + np.eye(9)


def test_ncv_matches_six_state_ekf_on_position_and_velocity() -> None:
    x, p = random_rows(20)
    dt = RNG.uniform(0.1, 3.0, 20)
    x9, p9 = motion.ncv(x, p, dt, 4.0)
    x6, p6 = kalman.predict(x[:, :6], p[:, :6, :6], dt, 4.0)
    assert_allclose(x9[:, :6], x6, rtol=1e-12, atol=1e-9)
    assert_allclose(p9[:, :6, :6], p6, rtol=1e-12, atol=1e-9)
    assert_allclose(x9[:, 6:], 0.0)
    assert_allclose(p9[:, 6:, 6:], np.broadcast_to(16.0 * np.eye(3), (20, 3, 3)))
    assert_allclose(p9[:, :6, 6:], 0.0, atol=1e-12)


def test_nca_is_exact_for_constant_acceleration() -> None:
    x, p = random_rows(5)
    dt = np.full(5, 2.5)
    x1, p1 = motion.nca(x, p, dt, 0.0)
    pos, vel, acc = x[:, :3], x[:, 3:6], x[:, 6:]
    assert_allclose(x1[:, :3], pos + vel * 2.5 + 0.5 * acc * 2.5**2)
    assert_allclose(x1[:, 3:6], vel + acc * 2.5)
    assert_allclose(x1[:, 6:], acc)
    # The covariance is F P Fᵀ with F = F₁ ⊗ I₃ written out element by element.
    f = np.eye(9)
    for i in range(3):
        f[i, i + 3] = f[i + 3, i + 6] = 2.5
        f[i, i + 6] = 2.5**2 / 2
    assert_allclose(p1, f @ p @ f.T, rtol=1e-12, atol=1e-9)


def test_nca_noise_is_the_white_jerk_integral() -> None:
    """Q = ∫₀^Δt Φ(s) b bᵀ Φ(s)ᵀ ds j² with b = (0, 0, 1) per axis, by quadrature."""
    dt = 1.7
    _, q = motion.nca(np.zeros((1, 9)), np.zeros((1, 9, 9)), np.array([dt]), 3.0)
    s = np.linspace(0.0, dt, 20001)
    col = np.stack([s**2 / 2, s, np.ones_like(s)])  # Φ(s) b for one axis
    integrand = col[:, None, :] * col[None, :, :] * 9.0
    expected = np.trapezoid(integrand, s, axis=2)
    assert_allclose(q[0][np.ix_([0, 3, 6], [0, 3, 6])], expected, rtol=1e-6)


def test_ballistic_without_drag_is_the_exact_parabola() -> None:
    x, p = random_rows(6)
    dt = RNG.uniform(0.2, 2.5, 6)
    x1, p1 = motion.ballistic(x, p, dt, np.inf, 0.0)
    g = np.array([0.0, 0.0, -G])
    t = dt[:, None]
    assert_allclose(x1[:, :3], x[:, :3] + x[:, 3:6] * t + 0.5 * g * t**2, rtol=1e-12)
    assert_allclose(x1[:, 3:6], x[:, 3:6] + g * t, rtol=1e-12, atol=1e-9)
    assert_allclose(x1[:, 6:], np.broadcast_to(g, (6, 3)))
    f = np.zeros((6, 6, 6))
    f[:] = np.eye(6)
    for i in range(3):
        f[:, i, i + 3] = dt
    assert_allclose(p1[:, :6, :6], f @ p[:, :6, :6] @ np.swapaxes(f, 1, 2), rtol=1e-12)
    # The acceleration is g whatever the state: no covariance left but the model noise (0).
    assert_allclose(p1[:, 6:, :], 0.0, atol=1e-9)


def test_drag_jacobian_matches_finite_differences() -> None:
    x, _ = random_rows(8)
    pos, vel = x[:, :3], x[:, 3:6]
    beta = 5000.0
    jac = motion.drag_jacobian(pos, vel, beta)
    b = np.full(8, beta)
    for k in range(6):
        h = 1e-3 if k < 3 else 1e-4
        dp, dv = np.zeros_like(pos), np.zeros_like(vel)
        (dp if k < 3 else dv)[:, k % 3] = h
        num = (acceleration(pos + dp, vel + dv, b) - acceleration(pos - dp, vel - dv, b)) / (2 * h)
        assert_allclose(jac[:, :, k], num, rtol=1e-5, atol=1e-9)


def test_ballistic_transition_matrix_matches_the_flow_derivative() -> None:
    """Φ against central differences of the RK4 flow map, for a fast low-β round."""
    x = np.array([[1000.0, 2000.0, 3000.0, 400.0, -300.0, 250.0, 0, 0, 0]])
    p = np.zeros((1, 9, 9))
    p[0, :6, :6] = np.eye(6)
    dt = np.array([1.0])
    beta = 3000.0
    _, p1 = motion.ballistic(x, p, dt, beta, 0.0)
    phi = p1[0, :6, :6]  # P₀ = I gives Φ Φᵀ; compare it with the numerical Φ Φᵀ
    num = np.zeros((6, 6))
    b = np.array([beta])
    for k in range(6):
        h = 1e-2
        d = np.zeros(6)
        d[k] = h
        plus = np.concatenate(rk4_step(x[:, :3] + d[:3], x[:, 3:6] + d[3:], b, 1.0), axis=1)
        minus = np.concatenate(rk4_step(x[:, :3] - d[:3], x[:, 3:6] - d[3:], b, 1.0), axis=1)
        num[:, k] = (plus - minus)[0] / (2 * h)
    assert_allclose(phi, num @ num.T, rtol=1e-6, atol=1e-8)


def test_ballistic_state_follows_rk4_with_substeps() -> None:
    x = np.array([[0.0, 0.0, 2000.0, 300.0, 0.0, 300.0, 0, 0, 0]])
    x1, _ = motion.ballistic(x, np.tile(np.eye(9), (1, 1, 1)), np.array([2.5]), 6000.0, 1.0)
    p, v = x[:, :3], x[:, 3:6]
    b = np.array([6000.0])
    for _ in range(3):  # 2.5 s in steps of at most MAX_RK4_STEP_S = 1 s
        p, v = rk4_step(p, v, b, 2.5 / 3)
    assert_allclose(x1[:, :3], p)
    assert_allclose(x1[:, 3:6], v)
    assert_allclose(x1[:, 6:], acceleration(p, v, b))
