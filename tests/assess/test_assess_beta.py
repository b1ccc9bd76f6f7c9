"""Ballistic-coefficient estimation from the drag a track shows (``cupola.assess.beta``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.assess.beta import PRIOR_RELATIVE_SIGMA, accumulate, drag_integrand, log_beta
from cupola.threats.ballistic import trajectory


def estimate_along(beta: float, seconds: int, vel_sigma: float) -> tuple[float, float]:
    """Fly a rocket, feed the estimator its true states once a second."""
    p0 = np.array([[0.0, 0.0, 6000.0]])
    v0 = np.array([[400.0, 100.0, -150.0]])
    pos, vel = trajectory(p0, v0, np.array([beta]), 0.01, seconds * 100)
    pos, vel = pos[0, ::100], vel[0, ::100]
    h = np.zeros((1, 3))
    f_last = drag_integrand(pos[:1], vel[:1])
    for t in range(1, seconds + 1):
        f_now = drag_integrand(pos[t : t + 1], vel[t : t + 1])
        h = accumulate(h, f_last, np.array([t - 1.0]), f_now, float(t))
        f_last = f_now
    cov = np.eye(3)[None] * vel_sigma**2
    mean, var = log_beta(vel[-1:], cov, vel[:1], cov, np.array([float(seconds)]), h, assumed=8000.0)
    return float(np.exp(mean[0])), float(np.sqrt(var[0]))


@pytest.mark.parametrize("beta", [3800.0, 8000.0, 26000.0])
def test_exact_velocities_give_the_threat_coefficient(beta: float) -> None:
    """With the true velocities (and a tight covariance) the only error is the trapezoidal
    drag integral over 1 s cycles."""
    est, sigma = estimate_along(beta, 20, 0.01)
    assert est == pytest.approx(beta, rel=0.01)
    assert sigma < 0.01


def test_noisy_velocities_lean_on_the_prior() -> None:
    """Velocity errors of 50 m/s over a short window carry little information: the estimate
    stays near the assumed coefficient with nearly the prior's spread."""
    est, sigma = estimate_along(26000.0, 3, 50.0)
    assert abs(np.log(est / 8000.0)) < 0.3
    assert sigma > 0.8 * PRIOR_RELATIVE_SIGMA


def test_no_drag_integral_is_the_prior() -> None:
    mean, var = log_beta(
        np.zeros((2, 3)),
        np.eye(3)[None].repeat(2, 0),
        np.zeros((2, 3)),
        np.eye(3)[None].repeat(2, 0),
        np.zeros(2),
        np.zeros((2, 3)),
        assumed=5000.0,
    )
    np.testing.assert_allclose(mean, np.log(5000.0))
    np.testing.assert_allclose(var, PRIOR_RELATIVE_SIGMA**2)


@settings(max_examples=60, deadline=None)
@given(
    dv=st.lists(st.floats(-300, 300), min_size=3, max_size=3),
    h=st.lists(st.floats(-1e7, 1e7), min_size=3, max_size=3),
    sigma=st.floats(0.1, 100.0),
)
def test_estimate_is_finite_and_bounded(dv: list[float], h: list[float], sigma: float) -> None:
    cov = np.eye(3)[None] * sigma**2
    mean, var = log_beta(
        np.array([dv]), cov, np.zeros((1, 3)), cov, np.array([10.0]), np.array([h]), 8000.0
    )
    assert np.isfinite(mean).all()
    assert (var > 0).all()
    assert np.log(300.0) - 1e-9 <= mean[0] <= np.log(300_000.0) + 1e-9
