"""Impact prediction: ``ballistic_path`` against the threats' own flight, ``level_path``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from cupola.assess.impact import ballistic_path, level_path
from cupola.threats.ballistic import G, fly_to_ground, trajectory

FloatArray = NDArray[np.float64]


def rocket_states(seed: int, n: int, ascending: bool) -> FloatArray:
    """Rocket-like track states: climbing after burnout, or diving on the target."""
    rng = np.random.default_rng(seed)
    az = rng.uniform(0, 2 * np.pi, n)
    if ascending:
        z = rng.uniform(200, 5000, n)
        speed = rng.uniform(300, 1100, n)
        el = np.radians(rng.uniform(15, 75, n))
    else:
        z = rng.uniform(500, 15000, n)
        speed = rng.uniform(150, 900, n)
        el = np.radians(rng.uniform(-80, -10, n))
    vh = speed * np.cos(el)
    return np.c_[
        rng.uniform(-1e4, 1e4, (n, 2)), z, vh * np.sin(az), vh * np.cos(az), speed * np.sin(el)
    ]


# Tolerances on the predicted impact point (m) and time (s), against fly_to_ground at 0.05 s:
# both find the ground crossing on the cubic Hermite interpolant of their last step.
TOLERANCE = {2.0: (5e-4, 0.5, 0.03), 0.5: (2e-5, 0.2, 0.005)}  # dt: (of range, + m, s)


@pytest.mark.parametrize("dt", [2.0, 0.5])
@pytest.mark.parametrize("ascending", [True, False])
@pytest.mark.parametrize("beta", [500.0, 1500.0, 4000.0, 26000.0])
def test_impact_matches_fly_to_ground(dt: float, ascending: bool, beta: float) -> None:
    state = rocket_states(int(beta) + ascending, 60, ascending)
    want, tof, _ = fly_to_ground(state[:, :3], state[:, 3:], np.full(60, beta), dt=0.05)
    assert np.isfinite(tof).all()
    path, impact, tti = ballistic_path(state, beta, dt, 300.0)
    ground_range = np.hypot(*(want[:, :2] - state[:, :2]).T)
    rel, extra, t_tol = TOLERANCE[dt]
    err = np.hypot(*(impact - want[:, :2]).T)
    assert (err <= rel * ground_range + extra).all(), err.max()
    np.testing.assert_allclose(tti, tof, rtol=0, atol=t_tol)
    k = int(np.ceil(300.0 / dt)) + 1
    assert path.shape == (60, k, 3)
    np.testing.assert_array_equal(path[:, 0], state[:, :3])


@pytest.mark.parametrize("beta", [500.0, 4000.0])
def test_path_samples_follow_the_fine_trajectory(beta: float) -> None:
    """Before impact, the samples at tau = j dt are the flight integrated at a fine step."""
    state = rocket_states(3, 40, ascending=True)
    path, _, tti = ballistic_path(state, beta, 2.0, 60.0)
    fine, _ = trajectory(state[:, :3], state[:, 3:], np.full(40, beta), 0.05, 1200)
    samples = fine[:, ::40]  # tau = 0, 2, ..., 60 s
    tau = np.arange(31) * 2.0
    air = tau[None, :] < tti[:, None]
    np.testing.assert_allclose(path[air], samples[air], rtol=0, atol=10.0)


def test_drag_free_closed_form() -> None:
    """beta = inf: samples are the parabola; the crossing within the chord bound g dt² / 8."""
    p0 = np.array([[100.0, -200.0, 3000.0], [0.0, 0.0, 50.0]])
    v0 = np.array([[150.0, 80.0, 200.0], [-30.0, 10.0, -40.0]])
    dt = 0.5
    path, impact, tti = ballistic_path(np.c_[p0, v0], np.inf, dt, 120.0)
    t_imp = (v0[:, 2] + np.sqrt(v0[:, 2] ** 2 + 2 * G * p0[:, 2])) / G
    np.testing.assert_allclose(impact, p0[:, :2] + t_imp[:, None] * v0[:, :2], rtol=0, atol=1.0)
    vz_imp = np.abs(v0[:, 2] - G * t_imp)
    np.testing.assert_allclose(tti, t_imp, rtol=0, atol=G * dt**2 / 8 / vz_imp.min() + 1e-9)
    tau = np.arange(path.shape[1]) * dt
    parabola = p0[:, None, :] + tau[None, :, None] * v0[:, None, :]
    parabola[:, :, 2] -= 0.5 * G * tau**2
    air = tau[None, :] < tti[:, None]
    np.testing.assert_allclose(path[air], parabola[air], rtol=1e-12, atol=1e-6)


def test_path_frozen_at_impact_point() -> None:
    state = np.r_[rocket_states(5, 20, True), rocket_states(6, 20, False)]
    dt = 2.0
    path, impact, tti = ballistic_path(state, 4000.0, dt, 300.0)
    tau = np.arange(path.shape[1]) * dt
    assert np.isfinite(tti).all()
    for i in range(len(state)):  # plain loop over rows: the reference
        after = tau >= tti[i]
        assert after.any()
        np.testing.assert_array_equal(
            path[i, after, :2], np.broadcast_to(impact[i], (after.sum(), 2))
        )
        assert (path[i, after, 2] == 0.0).all()
        assert (path[i, ~after, 2] > 0.0).all()
        j = int(np.ceil(tti[i] / dt))
        assert (j - 1) * dt <= tti[i] <= j * dt


def test_horizon_too_short() -> None:
    """Still flying at the horizon: no impact; the path is the flight, unfrozen."""
    state = np.array([[0.0, 0.0, 5000.0, 300.0, 0.0, 400.0]])
    path, impact, tti = ballistic_path(state, 4000.0, 2.0, 10.0)
    assert np.isnan(impact).all()
    assert tti.tolist() == [np.inf]
    assert path.shape == (1, 6, 3)
    assert np.isfinite(path).all()
    assert (np.diff(path[0, :, 0]) > 0).all()  # moving east at every sample
    fine, _ = trajectory(state[:, :3], state[:, 3:], np.array([4000.0]), 0.05, 200)
    np.testing.assert_allclose(path[0, -1], fine[0, -1], rtol=0, atol=0.5)


def test_zero_horizon() -> None:
    state = np.array([[0.0, 0.0, 5000.0, 300.0, 0.0, 400.0], [0.0, 0.0, 10.0, 0.0, 0.0, -300.0]])
    path, impact, tti = ballistic_path(state, 4000.0, 2.0, 0.0)
    assert path.shape == (2, 1, 3)
    np.testing.assert_array_equal(path[:, 0], state[:, :3])
    assert np.isnan(impact).all()
    assert np.isinf(tti).all()


def test_empty_input() -> None:
    path, impact, tti = ballistic_path(np.empty((0, 6)), 1500.0, 2.0, 240.0)
    assert path.shape == (0, 121, 3)
    assert impact.shape == (0, 2)
    assert tti.shape == (0,)
    assert level_path(np.empty((0, 6)), 2.0, 240.0).shape == (0, 121, 3)


def test_below_ground_tracks() -> None:
    """A falling track below the ground lands now; a climbing one flies on and lands later."""
    state = np.array(
        [
            [100.0, 200.0, -5.0, 50.0, 0.0, -80.0],  # falling, already below the ground
            [0.0, 0.0, -20.0, 100.0, 0.0, 300.0],  # just launched, noisy altitude
        ]
    )
    path, impact, tti = ballistic_path(state, 4000.0, 2.0, 240.0)
    assert tti[0] == 0.0
    np.testing.assert_array_equal(impact[0], [100.0, 200.0])
    assert (path[0, 1:] == [100.0, 200.0, 0.0]).all()
    assert tti[1] > 30.0
    assert impact[1, 0] > 3000.0


@settings(max_examples=50, deadline=None)
@given(
    z=st.floats(-50.0, 20000.0),
    vh=st.floats(0.0, 1200.0),
    vz=st.floats(-1200.0, 1200.0),
    beta=st.floats(200.0, 50000.0),
)
def test_time_to_impact_never_negative(z: float, vh: float, vz: float, beta: float) -> None:
    state = np.array([[0.0, 0.0, z, vh, 0.0, vz]])
    path, impact, tti = ballistic_path(state, beta, 2.0, 400.0)
    assert tti[0] >= 0.0
    assert np.isfinite(path).all()
    if np.isfinite(tti[0]):
        np.testing.assert_array_equal(path[0, -1], [*impact[0], 0.0])
    else:
        assert np.isnan(impact[0]).all()


def test_level_path_closed_form() -> None:
    state = np.array([[10.0, -20.0, 150.0, 40.0, -30.0, 5.0], [0.0, 0.0, 80.0, 0.0, 0.0, 0.0]])
    dt, horizon = 2.0, 9.0
    path = level_path(state, dt, horizon)
    tau = np.array([0.0, 2.0, 4.0, 6.0, 8.0, 10.0])  # ceil(9 / 2) + 1 samples
    assert path.shape == (2, 6, 3)
    for i in range(2):
        for j, t in enumerate(tau):
            want = [state[i, 0] + state[i, 3] * t, state[i, 1] + state[i, 4] * t, state[i, 2]]
            np.testing.assert_allclose(path[i, j], want, rtol=1e-15, atol=0)
