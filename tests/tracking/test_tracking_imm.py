"""The IMM filter: against a per-track reference, covariance invariants, and tracks that hold
through a rocket's burnout and a drone's turn where a single constant-velocity filter does not."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.stats import multivariate_normal

from cupola.core.frames import to_polar
from cupola.sensors.base import PlotTable, RadarParams
from cupola.threats.ballistic import acceleration, rk4_step
from cupola.tracking import TRACKERS, ImmParams, TrackerParams, TrackerState, empty_tracks, imm
from cupola.tracking.filters import IMM
from cupola.tracking.kalman import noise_covariance
from cupola.tracking.management import start_tracks
from cupola.tracking.motion import N_STATE
from factories import radar_params

PARAMS = ImmParams()
NOISE = noise_covariance(10.0, 1e-3, 1e-3)
RADAR_POS = np.array([500.0, -800.0, 20.0])

# ------------------------------------------------------------- plain reference, one track


def ref_cycle(
    mu: np.ndarray, xs: np.ndarray, ps: np.ndarray, dt: float, z: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One IMM cycle of one track, written as loops over models from the textbook equations.

    The models' own predictions come from :mod:`cupola.tracking.motion` one row at a time (they
    are checked against closed forms in test_tracking_motion); everything else is here.
    """
    m = len(mu)
    trans = np.full((m, m), (1 - PARAMS.stay_probability) / (m - 1))
    np.fill_diagonal(trans, PARAMS.stay_probability)
    cbar = np.array([sum(trans[i, j] * mu[i] for i in range(m)) for j in range(m)])
    x0 = np.zeros((m, N_STATE))
    p0 = np.zeros((m, N_STATE, N_STATE))
    for j in range(m):
        for i in range(m):
            x0[j] += trans[i, j] * mu[i] / cbar[j] * xs[i]
        for i in range(m):
            d = xs[i] - x0[j]
            p0[j] += trans[i, j] * mu[i] / cbar[j] * (ps[i] + np.outer(d, d))
    x1, p1 = imm.predict_models(PARAMS, x0[None], p0[None], np.array([dt]))
    xp, pp = x1[0], p1[0]
    if z is None:
        post, xu, pu = cbar, xp, pp
    else:
        lik = np.zeros(m)
        xu, pu = np.zeros_like(xp), np.zeros_like(pp)
        for j in range(m):
            d = xp[j, :3] - RADAR_POS
            rng = math.sqrt(float(d @ d))
            rho = math.hypot(d[0], d[1])
            h_x = np.array([rng, math.atan2(d[0], d[1]) % (2 * math.pi), math.atan2(d[2], rho)])
            hj = np.zeros((3, N_STATE))
            hj[0, :3] = d / rng
            hj[1, :2] = [d[1] / rho**2, -d[0] / rho**2]
            hj[2, :3] = [-d[0] * d[2] / (rng**2 * rho), -d[1] * d[2] / (rng**2 * rho), rho / rng**2]
            nu = z - h_x
            nu[1] = (nu[1] + math.pi) % (2 * math.pi) - math.pi
            s = hj @ pp[j] @ hj.T + NOISE
            k_gain = pp[j] @ hj.T @ np.linalg.inv(s)
            xu[j] = xp[j] + k_gain @ nu
            ikh = np.eye(N_STATE) - k_gain @ hj
            pu[j] = ikh @ pp[j] @ ikh.T + k_gain @ NOISE @ k_gain.T
            lik[j] = multivariate_normal(np.zeros(3), s).pdf(nu)
        post = lik * cbar / (lik * cbar).sum()
    x = sum(post[j] * xu[j] for j in range(m))
    p = sum(post[j] * (pu[j] + np.outer(xu[j] - x, xu[j] - x)) for j in range(m))
    return post, xu, pu, x, p


def random_tracks(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    m = PARAMS.n_models
    mu = rng.dirichlet(np.ones(m), n)
    xs = np.zeros((n, m, N_STATE))
    base = np.c_[rng.uniform(-2e4, 2e4, (n, 2)), rng.uniform(1e3, 8e3, n)]
    vel = rng.normal(0, 250, (n, 3))
    xs[:, :, :3] = base[:, None] + rng.normal(0, 30, (n, m, 3))
    xs[:, :, 3:6] = vel[:, None] + rng.normal(0, 10, (n, m, 3))
    xs[:, :, 6:] = rng.normal(0, 5, (n, m, 3))
    a = rng.normal(size=(n, m, N_STATE, N_STATE))
    ps = a @ np.swapaxes(a, 2, 3) * 4.0 + np.eye(N_STATE) * 25.0
    return mu, xs, ps


def test_imm_cycle_matches_per_track_reference() -> None:
    """Mixing, model predictions, EKF updates, model probabilities and the combination, for
    updated and coasting tracks at once, to 1e-9 relative."""
    n = 6
    mu, xs, ps = random_tracks(n, 3)
    dt = 0.9
    rng = np.random.default_rng(4)
    refs = [ref_cycle(mu[i], xs[i], ps[i], dt, None) for i in range(n)]
    z = np.array([np.array(to_polar((r[3][:3] - RADAR_POS)[None])).ravel() for r in refs])
    z += rng.normal(size=(n, 3)) * [15.0, 1.5e-3, 1.5e-3]
    has_plot = np.array([True, False, True, True, False, True])
    refs = [ref_cycle(mu[i], xs[i], ps[i], dt, z[i] if has_plot[i] else None) for i in range(n)]

    tracks = dataclasses.replace(
        start_tracks(TrackerParams(), z, RADAR_POS, NOISE, np.zeros(n, np.int64), 0, 1.0),
        mode_prob=mu,
        mode_state=xs,
        mode_cov=ps,
    )
    params = TrackerParams(imm=PARAMS)
    pred = IMM.predict(params, tracks, 1.0 + dt)
    rows = np.flatnonzero(has_plot)
    est = IMM.correct(params, pred, rows, z[rows], RADAR_POS, NOISE)
    for i, (post, xu, pu, x, p) in enumerate(refs):
        assert_allclose(est.mode_prob[i], post, rtol=1e-9, atol=1e-15)
        assert_allclose(est.mode_state[i], xu, rtol=1e-9, atol=1e-9)
        assert_allclose(est.mode_cov[i], pu, rtol=1e-9, atol=1e-9)
        assert_allclose(est.state[i], x[:6], rtol=1e-9, atol=1e-9)
        assert_allclose(est.cov[i], p[:6, :6], rtol=1e-9, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    dt=st.floats(0.05, 6.0),
    n_scans=st.integers(1, 6),
)
def test_covariances_stay_symmetric_positive_definite(seed: int, dt: float, n_scans: int) -> None:
    """Model and combined covariances after any mix of updates and coasts, and the model
    probabilities stay a distribution."""
    n = 5
    mu, xs, ps = random_tracks(n, seed % 1000)
    rng = np.random.default_rng(seed)
    tracks = dataclasses.replace(
        start_tracks(
            TrackerParams(),
            np.tile([2e4, 1.0, 0.2], (n, 1)),
            RADAR_POS,
            NOISE,
            np.zeros(n, np.int64),
            0,
            0.0,
        ),
        mode_prob=mu,
        mode_state=xs,
        mode_cov=ps,
    )
    params = TrackerParams(imm=PARAMS)
    t = 0.0
    for _ in range(n_scans):
        t += dt
        pred = IMM.predict(params, tracks, t)
        rows = np.flatnonzero(rng.random(n) < 0.7)
        z = np.array(to_polar(pred.state[rows, :3] - RADAR_POS)).T.reshape(-1, 3)
        z += rng.normal(size=z.shape) * [30.0, 3e-3, 3e-3]
        est = IMM.correct(params, pred, rows, z, RADAR_POS, NOISE)
        tracks = est.apply(tracks, time=np.full(n, t))
        for c in (est.cov, est.mode_cov.reshape(-1, N_STATE, N_STATE)):
            assert_allclose(c, np.swapaxes(c, -1, -2), rtol=0, atol=1e-9 * np.abs(c).max())
            assert (np.linalg.eigvalsh(c) > 0).all()
        assert_allclose(est.mode_prob.sum(axis=1), 1.0, rtol=1e-12)
        assert (est.mode_prob >= 0).all()


# ---------------------------------------------------------------- tracks through manoeuvres


def fast_radar(position: tuple[float, float, float] = (3000.0, 12000.0, 0.0)) -> RadarParams:
    """A counter-rocket radar revisiting every 0.5 s, 10 m / 1 mrad, no clutter."""
    return radar_params(
        position=np.array(position),
        revisit_s=0.5,
        sigma_range_m=10.0,
        sigma_azimuth_rad=1e-3,
        sigma_elevation_rad=1e-3,
        max_range_m=100e3,
        false_plots_per_scan=0.0,
        min_elevation_rad=-0.1,
    )


def rocket_truth(times: np.ndarray, boost_s: float = 4.0, thrust_mps2: float = 150.0) -> np.ndarray:
    """A rocket boosting at 15 g along its velocity for ``boost_s``, then ballistic (β 8000)."""
    dt = 0.005
    p = np.zeros((1, 3))
    el = math.radians(50.0)
    v = np.array([[0.0, 30.0 * math.cos(el), 30.0 * math.sin(el)]])
    b = np.array([8000.0])
    out, t, k = np.empty((len(times), 3)), 0.0, 0
    while k < len(times):
        if t >= times[k] - 1e-9:
            out[k] = p[0]
            k += 1
            continue
        if t < boost_s:  # thrust: semi-implicit Euler on a fine step
            v = v + (acceleration(p, v, b) + thrust_mps2 * v / np.linalg.norm(v)) * dt
            p = p + v * dt
        else:
            p, v = rk4_step(p, v, b, dt)
        t += dt
    return out


def drone_truth(times: np.ndarray, rate_deg_s: float = 12.0) -> np.ndarray:
    """A drone at 1,000 m flying north at 50 m/s, turning 90° east from t = 20 s (a 12 °/s turn
    pulls 1 g)."""
    omega = math.radians(rate_deg_s)
    turn_end = 20.0 + (math.pi / 2) / omega
    radius = 50.0 / omega
    pos = np.empty((len(times), 3))
    for k, t in enumerate(times):
        if t < 20.0:
            pos[k] = [0.0, 50.0 * t, 1000.0]
        elif t < turn_end:
            ang = omega * (t - 20.0)
            pos[k] = [radius * (1 - math.cos(ang)), 1000.0 + radius * math.sin(ang), 1000.0]
        else:
            pos[k] = [radius + 50.0 * (t - turn_end), 1000.0 + radius, 1000.0]
    return pos


def noisy_plot(rad: RadarParams, pos: np.ndarray, t: float, rng: np.random.Generator) -> PlotTable:
    """One plot of a target at ``pos``: 10 m in range, 1 mrad in azimuth and elevation."""
    r, a, e = to_polar((pos - rad.position)[None])
    z = np.array([r[0], a[0], e[0]]) + rng.normal(size=3) * [10.0, 1e-3, 1e-3]
    return PlotTable(
        time=np.array([t]),
        sensor_id=np.array([0]),
        range_m=z[:1],
        azimuth_rad=z[1:2],
        elevation_rad=z[2:],
        truth_id=np.array([0]),
    )


def track_one(
    name: str,
    params: TrackerParams,
    rad: RadarParams,
    times: np.ndarray,
    truth: np.ndarray,
    seed: int = 1,
) -> tuple[set[int], np.ndarray]:
    """Run a tracker on one target's noisy plots: the confirmed ids and the position error
    of the closest confirmed track at each scan (NaN before confirmation)."""
    rng = np.random.default_rng(seed)
    state = TrackerState(empty_tracks(), 0)
    ids: set[int] = set()
    err = np.full(len(times), np.nan)
    for k, (t, pos) in enumerate(zip(times, truth, strict=True)):
        plots = noisy_plot(rad, pos, float(t), rng)
        state, _ = TRACKERS[name](params, state, plots, rad, float(t))
        c = state.tracks.confirmed
        if c.any():
            ids |= set(state.tracks.track_id[c].tolist())
            err[k] = np.linalg.norm(state.tracks.state[c, :3] - pos, axis=1).min()
    return ids, err


def test_imm_keeps_a_rocket_through_burnout() -> None:
    """One track from confirmation to the fall, error under 40 m through the burnout at 4 s and
    under 12 m RMS once ballistic; a constant-velocity EKF loses the track at burnout."""
    times = np.arange(0.5, 60.0, 0.5)
    truth = rocket_truth(times)
    keep = truth[:, 2] > 50.0  # one arc: above 50 m from soon after launch to the fall
    times, truth = times[keep], truth[keep]
    ids, err = track_one("gnn_imm", TrackerParams(), fast_radar(), times, truth)
    assert len(ids) == 1
    tracked = ~np.isnan(err)
    assert tracked[times > 2.5].all()
    assert err[tracked].max() < 40.0
    ballistic = times > 8.0
    assert math.sqrt(np.mean(err[ballistic] ** 2)) < 12.0

    ekf_ids, ekf_err = track_one(
        "gnn_ekf", TrackerParams(process_noise_mps2=30.0), fast_radar(), times, truth
    )
    assert len(ekf_ids) > 1 or np.nanmax(ekf_err) > 100.0


def test_imm_follows_a_turning_drone() -> None:
    """A 1 g turn: one track, error under 30 m and 15 m RMS through the turn; a
    constant-velocity EKF tuned for the cruise (2 m/s²) loses the track in the turn."""
    times = np.arange(1.0, 60.0, 1.0)
    rad = fast_radar((4000.0, -3000.0, 0.0))
    truth = drone_truth(times)
    ids, err = track_one("gnn_imm", TrackerParams(), rad, times, truth)
    assert len(ids) == 1
    assert np.nanmax(err[times > 5]) < 30.0
    turn = (times >= 20.0) & (times < 40.0)
    assert math.sqrt(np.mean(err[turn] ** 2)) < 15.0

    ekf_ids, ekf_err = track_one(
        "gnn_ekf", TrackerParams(process_noise_mps2=2.0), rad, times, truth
    )
    assert len(ekf_ids) > 1 or np.nanmax(ekf_err) > 50.0


def test_straight_flight_is_credited_to_the_constant_velocity_model() -> None:
    times = np.arange(1.0, 20.0, 1.0)
    rad = fast_radar((4000.0, -3000.0, 0.0))
    rng = np.random.default_rng(2)
    state = TrackerState(empty_tracks(), 0)
    truth = drone_truth(times)
    for t, pos in zip(times, truth, strict=True):
        plots = noisy_plot(rad, pos, float(t), rng)
        state, _ = TRACKERS["gnn_imm"](TrackerParams(), state, plots, rad, float(t))
    prob = state.tracks.mode_prob[0]
    names = PARAMS.model_names
    assert prob[names.index("ncv")] > 0.5
    assert sum(p for n, p in zip(names, prob, strict=True) if n.startswith("ballistic")) < 0.05
