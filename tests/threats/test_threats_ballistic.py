"""Ballistic flight: closed forms without drag, drag ordering, RK4 order, energy, references."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.threats.atmosphere import density
from cupola.threats.ballistic import (
    G,
    acceleration,
    fly_back_to_ground,
    fly_to_ground,
    ground_crossing,
    trajectory,
)


def _launch(speed: np.ndarray, elev_deg: np.ndarray, azim_deg: float = 30.0) -> np.ndarray:
    th = np.radians(elev_deg)
    az = math.radians(azim_deg)
    vh = speed * np.cos(th)
    return np.stack([vh * math.sin(az), vh * math.cos(az), speed * np.sin(th)], axis=1)


SPEEDS = np.array([80.0, 250.0, 400.0, 700.0, 1000.0, 1300.0])
ELEVS = np.array([8.0, 20.0, 35.0, 45.0, 62.0, 80.0])


def test_density_closed_form() -> None:
    z = np.array([-100.0, 0.0, 1_000.0, 8_500.0, 30_000.0])
    expected = [
        1.225,
        1.225,
        1.225 * math.exp(-1000 / 8500),
        1.225 / math.e,
        1.225 * math.exp(-30 / 8.5),
    ]
    np.testing.assert_allclose(density(z), expected, rtol=1e-12)


def test_acceleration_matches_scalar_formula() -> None:
    rng = np.random.default_rng(3)
    pos = rng.uniform([-1e4, -1e4, 0], [1e4, 1e4, 2e4], (20, 3))
    vel = rng.uniform(-900, 900, (20, 3))
    beta = rng.uniform(100, 5000, 20)
    beta[0] = np.inf
    acc = acceleration(pos, vel, beta)
    for i in range(20):
        rho = 1.225 * math.exp(-pos[i, 2] / 8500.0)
        speed = math.sqrt(sum(c * c for c in vel[i]))
        k = 0.0 if math.isinf(beta[i]) else rho * speed / (2 * beta[i])
        want = [-k * vel[i, 0], -k * vel[i, 1], -G - k * vel[i, 2]]
        np.testing.assert_allclose(acc[i], want, rtol=1e-12, atol=1e-12)


def test_drag_free_closed_forms() -> None:
    """Issue acceptance: range, apogee and time of flight within 0.5 % with dt = 0.1 s."""
    v, th = np.meshgrid(SPEEDS, ELEVS)
    v, th = v.ravel(), th.ravel()
    vel = _launch(v, th)
    pos = np.zeros((v.size, 3))
    pos[:, :2] = [1_000.0, -2_000.0]
    impact, tof, apogee = fly_to_ground(pos, vel, np.full(v.size, np.inf), dt=0.1)
    s = np.sin(np.radians(th))
    rng = np.hypot(*(impact[:, :2] - pos[:, :2]).T)
    np.testing.assert_allclose(rng, v**2 * np.sin(np.radians(2 * th)) / G, rtol=5e-3)
    np.testing.assert_allclose(apogee, v**2 * s**2 / (2 * G), rtol=5e-3)
    np.testing.assert_allclose(tof, 2 * v * s / G, rtol=5e-3)
    assert np.all(impact[:, 2] == 0.0)
    # RK4 and the Hermite crossing are exact for a parabola: far tighter than 0.5 %.
    np.testing.assert_allclose(tof, 2 * v * s / G, rtol=1e-9)


def test_drag_free_from_height_closed_form() -> None:
    v = np.array([300.0, 500.0])
    th = np.radians([30.0, -10.0])
    h0 = 1_500.0
    vel = np.stack([v * np.cos(th), 0 * v, v * np.sin(th)], axis=1)
    pos = np.array([[0.0, 0.0, h0]] * 2)
    impact, tof, _ = fly_to_ground(pos, vel, np.full(2, np.inf), dt=0.3)
    vz = v * np.sin(th)
    t_want = (vz + np.sqrt(vz**2 + 2 * G * h0)) / G
    np.testing.assert_allclose(tof, t_want, rtol=1e-9)
    np.testing.assert_allclose(impact[:, 0], v * np.cos(th) * t_want, rtol=1e-9)


def test_drag_shortens_range_monotonically_in_beta() -> None:
    betas = np.array([np.inf, 20_000.0, 5_000.0, 2_000.0, 800.0, 300.0])
    for speed, elev in [(300.0, 45.0), (800.0, 30.0), (1_100.0, 60.0)]:
        vel = np.repeat(_launch(np.array([speed]), np.array([elev])), betas.size, axis=0)
        impact, _, apogee = fly_to_ground(np.zeros((betas.size, 3)), vel, betas, dt=0.05)
        rng = np.hypot(impact[:, 0], impact[:, 1])
        assert np.all(np.diff(rng) < 0.0)
        assert np.all(np.diff(apogee) < 0.0)


def test_rk4_fourth_order_convergence() -> None:
    """Halving dt divides the error at a fixed time by about 2**4 = 16."""
    vel = _launch(np.array([1_000.0, 600.0]), np.array([40.0, 65.0]))
    pos = np.zeros((2, 3))
    beta = np.array([1_500.0, 400.0])
    t_end = 24.0
    finals = []
    for dt in (0.1, 0.05, 0.025, 0.0125):
        p, v = trajectory(pos, vel, beta, dt, round(t_end / dt))
        finals.append(np.concatenate([p[:, -1], v[:, -1]], axis=1))
    e1 = np.abs(finals[0] - finals[1]).max(axis=1)
    e2 = np.abs(finals[1] - finals[2]).max(axis=1)
    e3 = np.abs(finals[2] - finals[3]).max(axis=1)
    assert np.all((e1 / e2 > 14.0) & (e1 / e2 < 19.0))
    assert np.all((e2 / e3 > 14.0) & (e2 / e3 < 19.0))
    # Impact points converge too, to well under a meter at the default step.
    imp = [fly_to_ground(pos, vel, beta, dt)[0] for dt in (0.2, 0.1, 0.05)]
    d1 = np.abs(imp[0] - imp[1]).max()
    d2 = np.abs(imp[1] - imp[2]).max()
    assert d2 < d1 / 8.0
    assert d2 < 1e-2


def test_trajectory_matches_rk4_loop_and_scalar_reference() -> None:
    vel = _launch(np.array([500.0, 900.0]), np.array([30.0, 50.0]))
    pos = np.array([[0.0, 0.0, 0.0], [10.0, 20.0, 300.0]])
    beta = np.array([800.0, np.inf])
    positions, velocities = trajectory(pos, vel, beta, 0.25, 8)
    assert positions.shape == (2, 9, 3)
    np.testing.assert_array_equal(positions[:, 0], pos)

    def f(y: list[float], b: float) -> list[float]:
        rho = 1.225 * math.exp(-max(y[2], 0.0) / 8500.0)
        sp = math.sqrt(y[3] ** 2 + y[4] ** 2 + y[5] ** 2)
        k = rho * sp / (2 * b)
        return [y[3], y[4], y[5], -k * y[3], -k * y[4], -G - k * y[5]]

    for i in range(2):
        y = [*pos[i], *vel[i]]
        h = 0.25
        for n in range(8):
            k1 = f(y, beta[i])
            k2 = f([a + h / 2 * b for a, b in zip(y, k1, strict=True)], beta[i])
            k3 = f([a + h / 2 * b for a, b in zip(y, k2, strict=True)], beta[i])
            k4 = f([a + h * b for a, b in zip(y, k3, strict=True)], beta[i])
            y = [
                a + h / 6 * (p + 2 * q + 2 * r + s)
                for a, p, q, r, s in zip(y, k1, k2, k3, k4, strict=True)
            ]
            np.testing.assert_allclose(positions[i, n + 1], y[:3], rtol=1e-12, atol=1e-9)
            np.testing.assert_allclose(velocities[i, n + 1], y[3:], rtol=1e-12, atol=1e-9)


def test_ground_crossing_exact_on_parabola() -> None:
    rng = np.random.default_rng(5)
    m = 30
    p0 = rng.uniform([-1e3, -1e3, 1.0], [1e3, 1e3, 400.0], (m, 3))
    v0 = rng.uniform([-300, -300, -200], [300, 300, 50], (m, 3))
    h = np.full(m, 20.0)
    # Drag-free: p(t) = p0 + v0 t + g t²/2; pick the step so it ends below ground.
    t_hit = (v0[:, 2] + np.sqrt(v0[:, 2] ** 2 + 2 * G * p0[:, 2])) / G
    h = t_hit * rng.uniform(1.01, 3.0, m)
    grav = np.array([0.0, 0.0, -G])
    p1 = p0 + v0 * h[:, None] + 0.5 * grav * h[:, None] ** 2
    v1 = v0 + grav * h[:, None]
    s, p, v = ground_crossing(p0, v0, p1, v1, h)
    np.testing.assert_allclose(s, t_hit, rtol=1e-10)
    np.testing.assert_allclose(p[:, :2], (p0 + v0 * t_hit[:, None])[:, :2], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(v, v0 + grav * t_hit[:, None], rtol=1e-9, atol=1e-7)
    assert np.all(p[:, 2] == 0.0)


def test_fly_to_ground_batch_equals_loop_and_max_time() -> None:
    rng = np.random.default_rng(11)
    n = 12
    vel = _launch(rng.uniform(100, 1_100, n), rng.uniform(5, 85, n))
    pos = np.zeros((n, 3))
    pos[:, 2] = rng.uniform(0, 500, n)
    beta = rng.uniform(300, 5_000, n)
    impact, tof, apogee = fly_to_ground(pos, vel, beta, dt=0.1)
    for i in range(n):
        one = fly_to_ground(pos[i : i + 1], vel[i : i + 1], beta[i : i + 1], dt=0.1)
        np.testing.assert_allclose(one[0][0], impact[i], rtol=1e-13)
        np.testing.assert_allclose(one[1][0], tof[i], rtol=1e-13)
        np.testing.assert_allclose(one[2][0], apogee[i], rtol=1e-13)
    cut = float(np.median(tof))
    impact2, tof2, apogee2 = fly_to_ground(pos, vel, beta, dt=0.1, max_time=cut)
    late = tof > cut
    assert np.all(np.isnan(impact2[late]))
    assert np.all(np.isnan(tof2[late]))
    assert np.all(np.isnan(apogee2[late]))
    np.testing.assert_allclose(tof2[~late], tof[~late], rtol=1e-13)


@pytest.mark.parametrize("drag_fraction", [0.1, 0.25])
def test_drag_fraction_steps_stay_accurate(drag_fraction: float) -> None:
    vel = _launch(np.array([1_100.0, 1_100.0, 300.0]), np.array([20.0, 60.0, 45.0]))
    beta = np.array([300.0, 3_000.0, 300.0])
    pos = np.zeros((3, 3))
    ref = fly_to_ground(pos, vel, beta, dt=0.02)[0]
    fast = fly_to_ground(pos, vel, beta, dt=1.0, drag_fraction=drag_fraction)[0]
    assert np.abs(fast - ref).max() < 1.0


@settings(max_examples=40, deadline=None)
@given(
    speed=st.floats(50.0, 1_500.0),
    elev=st.floats(-20.0, 89.0),
    beta=st.floats(100.0, 50_000.0),
    z0=st.floats(0.0, 5_000.0),
)
def test_energy_never_increases_with_drag(
    speed: float, elev: float, beta: float, z0: float
) -> None:
    """dE/dt = -ρ|v|³/(2β) <= 0 for E = v²/2 + g z."""
    vel = _launch(np.array([speed]), np.array([elev]))
    pos = np.array([[0.0, 0.0, z0]])
    p, v = trajectory(pos, vel, np.array([beta]), 0.2, 150)
    energy = 0.5 * np.sum(v[0] ** 2, axis=1) + G * p[0, :, 2]
    assert np.all(np.diff(energy) <= 1e-9 * np.abs(energy[:-1]) + 1e-9)


@settings(max_examples=40, deadline=None)
@given(
    speed=st.floats(50.0, 1_200.0),
    elev=st.floats(1.0, 89.0),
    beta=st.floats(200.0, 50_000.0),
)
def test_impact_invariants(speed: float, elev: float, beta: float) -> None:
    vel = _launch(np.array([speed, speed]), np.array([elev, elev]))
    impact, tof, apogee = fly_to_ground(np.zeros((2, 3)), vel, np.array([beta, np.inf]), dt=0.1)
    assert np.all(impact[:, 2] == 0.0)
    assert np.all(tof > 0.0)
    s = math.sin(math.radians(elev))
    # Drag never lifts the apogee above the drag-free one.
    assert apogee[0] <= apogee[1] * (1 + 1e-12)
    assert apogee[1] == pytest.approx(speed**2 * s**2 / (2 * G), rel=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    speed=st.floats(200.0, 1200.0),
    elevation=st.floats(np.radians(10.0), np.radians(80.0)),
    beta=st.floats(1000.0, 50_000.0),
    age=st.floats(1.0, 40.0),
)
def test_flying_back_finds_the_launch(
    speed: float, elevation: float, beta: float, age: float
) -> None:
    """A flight flown back from any point of it returns to its launch point and speed."""
    v0 = np.array([[speed * np.cos(elevation), 0.3 * speed * np.cos(elevation), 0.0]])
    v0[0, 2] = speed * np.sin(elevation)
    v0 *= speed / np.linalg.norm(v0)
    n = int(np.ceil(age / 0.01))
    p, v = trajectory(np.zeros((1, 3)), v0, np.array([beta]), age / n, n)
    if p[0, -1, 2] <= 0.0:  # landed before ``age``: nothing to fly back from
        return
    launch, vel, elapsed = fly_back_to_ground(p[:, -1], v[:, -1], np.array([beta]))
    assert np.hypot(*launch[0, :2]) < max(1.0, 1e-4 * speed * age)
    assert abs(np.linalg.norm(vel[0]) - speed) < 1e-3 * speed
    assert abs(elapsed[0] - age) < 0.01


def test_flying_back_without_drag_is_the_parabola() -> None:
    v0 = np.array([[300.0, 0.0, 400.0]])
    t = 20.0
    pos = np.array([[300.0 * t, 0.0, 400.0 * t - 0.5 * G * t * t]])
    vel = np.array([[300.0, 0.0, 400.0 - G * t]])
    launch, back, elapsed = fly_back_to_ground(pos, vel, np.array([np.inf]))
    np.testing.assert_allclose(launch, 0.0, atol=1e-6)
    np.testing.assert_allclose(back, v0, rtol=1e-9)
    np.testing.assert_allclose(elapsed, t, rtol=1e-9)


def test_flying_back_gives_up_on_runaway_speed() -> None:
    """Far too little drag assumed, the speed flown back runs away: NaN, not a hang."""
    pos = np.array([[0.0, 0.0, 3000.0]])
    vel = np.array([[1000.0, 0.0, 300.0]])
    launch, back, elapsed = fly_back_to_ground(pos, vel, np.array([50.0]))
    assert np.isnan(launch).all()
    assert np.isnan(back).all()
    assert np.isnan(elapsed).all()
