"""Impact prediction with uncertainty: against the truth for a noiseless track, against Monte
Carlo sampling of the same model, ellipse geometry and disc probabilities in closed form."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.stats import chi2

from cupola.assess.uncertainty import (
    cubature_points,
    disc_probability,
    ellipse,
    predict_impact,
)
from cupola.threats.ballistic import fly_to_ground

STATES = np.array(
    [
        [5000.0, 2000.0, 3000.0, -250.0, 100.0, 50.0],  # rising, 8 km from impact
        [20000.0, -5000.0, 6000.0, -400.0, 300.0, -100.0],  # falling fast
        [-3000.0, 8000.0, 900.0, 60.0, -120.0, -80.0],  # a mortar round near the end
    ]
)
BETA = np.array([8000.0, 15000.0, 3800.0])


def track_cov(sigma_p: float, sigma_v: float) -> np.ndarray:
    cov = np.zeros((3, 6, 6))
    cov[:, [0, 1, 2], [0, 1, 2]] = sigma_p**2
    cov[:, [3, 4, 5], [3, 4, 5]] = sigma_v**2
    return cov


def test_cubature_points_have_the_mean_and_covariance() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 5, 5))
    cov = a @ np.swapaxes(a, 1, 2) + np.eye(5)
    mean = rng.normal(size=(4, 5))
    pts = cubature_points(mean, cov)
    assert pts.shape == (4, 10, 5)
    assert_allclose(pts.mean(axis=1), mean, atol=1e-12)
    d = pts - mean[:, None, :]
    assert_allclose(np.einsum("tki,tkj->tij", d, d) / 10, cov, rtol=1e-9)


@pytest.mark.parametrize("dt", [0.5, 2.0])
def test_noiseless_track_lands_where_its_truth_trajectory_lands(dt: float) -> None:
    """Zero covariance: the predicted impact is the true trajectory's, integrated finely, to
    within 1 m and 10 ms (at the engine's 2 s path step as well)."""
    est = predict_impact(STATES, np.zeros((3, 6, 6)), np.log(BETA), np.zeros(3), 300.0, dt)
    truth, tof, _ = fly_to_ground(STATES[:, :3], STATES[:, 3:], BETA, 0.005, 300.0)
    assert np.linalg.norm(est.mean - truth[:, :2], axis=1).max() < 1.0
    assert np.abs(est.time - tof).max() < 0.01
    assert np.abs(est.cov).max() < 1e-3


def correlated_cov(sigma_p: float, sigma_v: float, seed: int) -> np.ndarray:
    """Track-like covariances with position-velocity correlations (as a filter's are)."""
    rng = np.random.default_rng(seed)
    scale = np.array([sigma_p] * 3 + [sigma_v] * 3)
    out = []
    for _ in range(3):
        a = rng.normal(size=(6, 6))
        corr = a @ a.T + 3 * np.eye(6)
        d = np.sqrt(np.diag(corr))
        out.append(corr / np.outer(d, d) * np.outer(scale, scale))
    return np.array(out)


@pytest.mark.parametrize("dt", [0.5, 2.0])
@pytest.mark.parametrize("correlated", [False, True])
def test_propagated_covariance_matches_monte_carlo(dt: float, correlated: bool) -> None:
    """Track-like uncertainty (20 m, 8 m/s, ln β ± 0.3; independent, or correlated as a
    filter's): means within 1 % of the distance to impact, covariance within 10 % (largest
    entry), against 20,000 samples of the same model flown finely."""
    cov = correlated_cov(20.0, 8.0, 5) if correlated else track_cov(20.0, 8.0)
    lbv = np.full(3, 0.3**2)
    est = predict_impact(STATES, cov, np.log(BETA), lbv, 300.0, dt)
    rng = np.random.default_rng(2)
    for i in range(3):
        n = 20_000
        s = rng.multivariate_normal(STATES[i], cov[i], n)
        b = np.exp(rng.normal(np.log(BETA[i]), 0.3, n))
        imp, tof, _ = fly_to_ground(s[:, :3], s[:, 3:], b, 0.25, 300.0, 0.1)
        mean, c = imp[:, :2].mean(axis=0), np.cov(imp[:, :2].T)
        dist = np.linalg.norm(mean - STATES[i, :2])
        assert np.linalg.norm(est.mean[i] - mean) < 0.01 * dist
        assert np.abs(est.cov[i] - c).max() < 0.10 * np.abs(c).max()
        assert abs(est.time[i] - tof.mean()) < 0.01 * tof.mean()
        assert est.time_var[i] == pytest.approx(tof.var(), rel=0.10)


def test_no_impact_within_the_horizon() -> None:
    est = predict_impact(STATES[:1], track_cov(20.0, 8.0)[:1], np.log(BETA[:1]), [0.09], 5.0)
    assert np.isnan(est.mean).all()
    assert est.time[0] == np.inf


def test_ellipse_axes_and_orientation() -> None:
    """A covariance with standard deviations 300 m along azimuth 30° and 100 m across."""
    az = np.radians(30.0)
    u = np.array([np.sin(az), np.cos(az)])  # east, north of the major axis
    w = np.array([np.cos(az), -np.sin(az)])
    cov = (300.0**2 * np.outer(u, u) + 100.0**2 * np.outer(w, w))[None]
    major, minor, azimuth = ellipse(cov, 0.95)
    k = np.sqrt(chi2.ppf(0.95, 2))
    assert_allclose(major, 300.0 * k)
    assert_allclose(minor, 100.0 * k)
    assert_allclose(azimuth, az)
    assert np.isnan(ellipse(np.full((1, 2, 2), np.nan))[0]).all()


def test_disc_probability_closed_forms() -> None:
    """Isotropic Gaussian: a centred disc holds 1 - exp(-r²/2σ²); far discs hold nothing."""
    sigma = 100.0
    mean = np.array([[1000.0, -500.0]])
    cov = np.eye(2)[None] * sigma**2
    centers = np.array([[1000.0, -500.0], [1000.0, -500.0], [5000.0, 0.0]])
    radii = np.array([100.0, 200.0, 300.0])
    p = disc_probability(mean, cov, centers, radii)
    assert_allclose(p[0, :2], 1 - np.exp(-(radii[:2] ** 2) / (2 * sigma**2)), atol=0.01)
    assert p[0, 2] == 0.0
    assert (disc_probability(np.full((1, 2), np.nan), cov, centers, radii) == 0).all()


def test_beta_correlated_with_velocity_matches_monte_carlo() -> None:
    """A filter's ln beta is correlated with its velocity (0.8 here with the along-track speed):
    with that covariance given, the impact covariance matches Monte Carlo sampling of the joint
    7-D Gaussian within 10 %, and differs from the one without it."""
    rng = np.random.default_rng(7)
    base = track_cov(20.0, 8.0)
    lbv = np.full(3, 0.3**2)
    cross = np.zeros((3, 6))
    along = STATES[:, 3:6] / np.linalg.norm(STATES[:, 3:6], axis=1)[:, None]
    cross[:, 3:6] = 0.8 * 0.3 * 8.0 * along  # correlation 0.8 with the along-track speed
    est = predict_impact(STATES, base, np.log(BETA), lbv, 300.0, 0.5, cross)
    for i in range(3):
        full = np.zeros((7, 7))
        full[:6, :6] = base[i]
        full[6, 6] = lbv[i]
        full[6, :6] = full[:6, 6] = cross[i]
        s = rng.multivariate_normal(np.r_[STATES[i], np.log(BETA[i])], full, 20_000)
        imp, _, _ = fly_to_ground(s[:, :3], s[:, 3:6], np.exp(s[:, 6]), 0.25, 300.0, 0.1)
        c = np.cov(imp[:, :2].T)
        assert np.abs(est.cov[i] - c).max() < 0.10 * np.abs(c).max()
    apart = predict_impact(STATES, base, np.log(BETA), lbv, 300.0, 0.5)
    gap = np.abs(apart.cov - est.cov).max(axis=(1, 2)) / np.abs(est.cov).max(axis=(1, 2))
    assert (gap[:2] > 0.15).all()  # the two long flights; the mortar round lands in 10 s
