"""Threat-type identification against the threat library: each catalog type recognised from a
few seconds of its own flight, the launch-speed spread against Monte Carlo, and the
pseudo-measurement update against plain Gaussian conditioning."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.assess import identify
from cupola.scenario import load
from cupola.scenario.load import catalog
from cupola.scenario.schema import BallisticThreat
from cupola.sim.world import compile_world
from cupola.threats.ballistic import fly_back_to_ground, trajectory

TYPES = [t for t in catalog().threat_types if isinstance(t, BallisticThreat)]
LIBRARY = identify.ThreatLibrary.build(
    [t.name for t in TYPES],
    [t.burnout_speed_mps for t in TYPES],
    [t.ballistic_coefficient_kg_m2 for t in TYPES],
)


def _flight(kind: int, elevation_deg: float, age: float) -> np.ndarray:
    """State ``age`` seconds after the launch of a catalog type, azimuth 30 deg."""
    t = TYPES[kind]
    th, az = np.radians(elevation_deg), np.radians(30.0)
    v = t.burnout_speed_mps
    v0 = np.array([[v * np.cos(th) * np.sin(az), v * np.cos(th) * np.cos(az), v * np.sin(th)]])
    n = int(np.ceil(age / 0.01))
    p, vel = trajectory(np.zeros((1, 3)), v0, np.array([t.ballistic_coefficient_kg_m2]), age / n, n)
    return np.hstack([p[0, -1], vel[0, -1]])


def _cov(sigma_p: float, sigma_v: float) -> np.ndarray:
    return np.diag([sigma_p**2] * 3 + [sigma_v**2] * 3)


@pytest.mark.parametrize("kind", range(len(TYPES)), ids=[t.name for t in TYPES])
def test_each_catalog_type_is_recognised(kind: int) -> None:
    """Ten seconds into its flight (a state known to 50 m and 5 m/s, the drag to 10 %), each
    type gets nearly all the weight."""
    elevation = 60.0 if TYPES[kind].lofted else 35.0
    state = _flight(kind, elevation, 10.0)
    w = identify.posterior(
        LIBRARY,
        state[None],
        _cov(50.0, 5.0)[None],
        np.array([LIBRARY.log_beta[kind] + 0.05]),
        np.array([0.1**2]),
    )
    assert w.shape == (1, len(TYPES))
    np.testing.assert_allclose(w.sum(), 1.0)
    assert np.argmax(w[0]) == kind
    assert w[0, kind] >= identify.IDENTIFY_PROBABILITY


def test_unknown_drag_still_separates_the_long_range_types() -> None:
    """With the drag unobserved (the doctrine's wide prior), launch speed alone tells the
    Grad, extended-range 122 mm and Fajr-5 apart, and never gives a short-range rocket's weight
    to them."""
    names = LIBRARY.names
    for kind, t in enumerate(TYPES):
        state = _flight(kind, 60.0 if t.lofted else 35.0, 8.0)
        w = identify.posterior(
            LIBRARY,
            state[None],
            _cov(50.0, 5.0)[None],
            np.array([np.log(8000.0)]),
            np.array([0.36]),
        )[0]
        fast = [names.index(n) for n in ("grad-122mm", "er-122mm", "fajr-5")]
        if kind in fast:
            assert w[kind] >= identify.IDENTIFY_PROBABILITY, t.name
        else:
            assert w[fast].sum() < 0.01, t.name


def test_a_flight_no_type_fits_is_not_identified() -> None:
    """A state far faster than any type in the library: no type gets weight."""
    fajr = LIBRARY.names.index("fajr-5")
    state = _flight(fajr, 35.0, 10.0)
    state[3:] *= 2.5  # nearly 3 km/s
    args = (state[None], _cov(50.0, 5.0)[None], LIBRARY.log_beta[[fajr]], np.array([0.01]))
    assert (identify.posterior(LIBRARY, *args).max(axis=1) < identify.IDENTIFY_PROBABILITY).all()
    assert identify.identify(LIBRARY, *args).tolist() == [-1]


def test_launch_speed_spread_matches_monte_carlo() -> None:
    """The first-order spread of the launch speed flown back (module docstring) against the
    spread of 4,000 sampled states flown back."""
    kind = LIBRARY.names.index("er-122mm")
    state = _flight(kind, 35.0, 10.0)
    rng = np.random.default_rng(7)
    a = rng.standard_normal((6, 6))
    d = np.diag(np.r_[[30.0] * 3, [3.0] * 3])
    cov = d @ (a @ a.T / 6.0) @ d
    beta = np.exp(LIBRARY.log_beta[kind])
    samples = rng.multivariate_normal(state, cov, size=4000)
    _, vel, _ = fly_back_to_ground(samples[:, :3], samples[:, 3:], np.full(4000, beta))
    mc = np.std(np.linalg.norm(vel, axis=1))
    j = identify.speed_gradient(state[None], np.array([beta]))[0]
    assert np.sqrt(j @ cov @ j) == pytest.approx(mc, rel=0.1)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), sigma=st.floats(0.01, 0.5))
def test_condition_is_gaussian_conditioning(seed: int, sigma: float) -> None:
    """The pseudo-measurement update equals conditioning the joint Gaussian of
    ``(x, ln beta, ln beta + noise)`` on its last component, written out in full."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((7, 7))
    joint = a @ a.T + 0.1 * np.eye(7)
    mean = rng.standard_normal(7)
    target = mean[6] + rng.standard_normal()
    state, (m, v, c) = mean[None, :6], (mean[6:], joint[6:, 6], joint[None, 6, :6])
    got_x, got_p, (got_m, got_v, got_c) = identify.condition(
        state, joint[None, :6, :6], (m, v, c), np.array([target]), sigma
    )
    # Reference: z = l + e, e ~ N(0, sigma^2); condition [x, l] on z = target.
    cov_xz = joint[:, 6]
    s = joint[6, 6] + sigma**2
    ref_mean = mean + cov_xz * (target - mean[6]) / s
    ref_cov = joint - np.outer(cov_xz, cov_xz) / s
    np.testing.assert_allclose(got_x[0], ref_mean[:6], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(got_m[0], ref_mean[6], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(got_p[0], ref_cov[:6, :6], rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(got_v[0], ref_cov[6, 6], rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(got_c[0], ref_cov[6, :6], rtol=1e-9, atol=1e-10)


def test_library_from_the_doctrine() -> None:
    """By default every ballistic type known to the scenario; a list narrows it; [] empties
    it."""
    sc = load("border-town")
    full = compile_world(sc).library
    assert set(full.names) == {t.name for t in TYPES}
    some = sc.model_copy(
        update={"doctrine": sc.doctrine.model_copy(update={"threat_library": ["qassam"]})}
    )
    assert compile_world(some).library.names == ["qassam"]
    none = sc.model_copy(update={"doctrine": sc.doctrine.model_copy(update={"threat_library": []})})
    assert len(compile_world(none).library) == 0


def test_bad_library_rejected() -> None:
    with pytest.raises(ValueError, match="positive"):
        identify.ThreatLibrary.build(["x"], [300.0], [0.0])
    with pytest.raises(ValueError, match="one speed and one beta"):
        identify.ThreatLibrary.build(["x", "y"], [300.0], [1000.0])
