"""JPDA: belief-propagation marginals against enumeration, the PDA update against the Kalman
update and a per-track reference, and a track that holds in dense clutter where GNN's does not."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from cupola.core.frames import to_polar
from cupola.sensors.base import PlotTable
from cupola.tracking import TRACKERS, TrackerParams, TrackerState, empty_tracks
from cupola.tracking.filters import EKF, IMM, SoftAssociation
from cupola.tracking.jpda import marginals, pda_correct
from cupola.tracking.kalman import correct, innovation, noise_covariance
from cupola.tracking.management import start_tracks
from factories import radar_params

NOISE = noise_covariance(10.0, 1e-3, 1e-3)
RADAR_POS = np.array([200.0, -300.0, 10.0])


def brute_force(
    track: np.ndarray, plot: np.ndarray, weight: np.ndarray, miss: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact JPDA marginals: every joint event enumerated, each plot to at most one track."""
    options: list[list[tuple[int, float]]] = [[(-1, float(m))] for m in miss]
    for k, (i, w) in enumerate(zip(track.tolist(), weight.tolist(), strict=True)):
        options[i].append((k, w))
    beta, beta0, total = np.zeros(len(track)), np.zeros(len(miss)), 0.0

    def walk(i: int, used: frozenset[int], chosen: tuple[int, ...], prod: float) -> None:
        nonlocal total
        if i == len(miss):
            total += prod
            for t, k in enumerate(chosen):
                if k < 0:
                    beta0[t] += prod
                else:
                    beta[k] += prod
            return
        for k, w in options[i]:
            if k >= 0 and int(plot[k]) in used:
                continue
            taken = used | {int(plot[k])} if k >= 0 else used
            walk(i + 1, taken, (*chosen, k), prod * w)

    walk(0, frozenset(), (), 1.0)
    return beta / total, beta0 / total


def test_lone_track_gets_the_pda_weights() -> None:
    w = np.array([3.0, 0.5, 7.0])
    beta, beta0 = marginals(np.zeros(3, np.int64), np.arange(3), w, np.array([0.2]), 3)
    assert_allclose(beta, w / (0.2 + w.sum()), rtol=1e-12)
    assert_allclose(beta0, [0.2 / (0.2 + w.sum())], rtol=1e-12)


def test_marginals_exact_on_a_tree() -> None:
    """A chain t0-p0-t1-p1-t2-p2 and a lone pair: no loop, so belief propagation is exact."""
    track = np.array([0, 1, 1, 2, 2, 3])
    plot = np.array([0, 0, 1, 1, 2, 3])
    weight = np.array([4.0, 2.0, 9.0, 0.3, 5.0, 1.5])
    miss = np.array([0.1, 0.2, 0.15, 0.3])
    beta, beta0 = marginals(track, plot, weight, miss, 4)
    ref, ref0 = brute_force(track, plot, weight, miss)
    assert_allclose(beta, ref, rtol=1e-9, atol=1e-12)
    assert_allclose(beta0, ref0, rtol=1e-9, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_tracks=st.integers(1, 5),
    n_plots=st.integers(1, 5),
    density=st.sampled_from([0.3, 0.6, 1.0]),
)
def test_marginals_match_enumeration(
    seed: int, n_tracks: int, n_plots: int, density: float
) -> None:
    """Random clusters, trees and loops: probabilities that add up per track, at most one per
    plot, equal to the exact JPDA marginals (trees by belief propagation, small loopy clusters
    by enumeration); belief propagation alone (inexact on loops) still gives distributions."""
    rng = np.random.default_rng(seed)
    track = np.repeat(np.arange(n_tracks), n_plots)
    plot = np.tile(np.arange(n_plots), n_tracks)
    keep = rng.random(track.size) < density  # several clusters, trees and loops
    track, plot = track[keep], plot[keep]
    weight = np.exp(rng.uniform(-3.0, 3.0, track.size))
    miss = np.full(n_tracks, 0.1)
    beta, beta0 = marginals(track, plot, weight, miss, n_plots)
    assert_allclose(beta0 + np.bincount(track, beta, minlength=n_tracks), 1.0, rtol=1e-9)
    assert (np.bincount(plot, beta, minlength=n_plots) <= 1.0 + 1e-9).all()
    assert ((beta >= 0) & (beta <= 1)).all()
    ref, ref0 = brute_force(track, plot, weight, miss)
    assert_allclose(beta, ref, rtol=1e-9, atol=1e-12)
    assert_allclose(beta0, ref0, rtol=1e-9, atol=1e-12)
    bp, bp0 = marginals(track, plot, weight, miss, n_plots, exact_loops=False)
    assert_allclose(bp0 + np.bincount(track, bp, minlength=n_tracks), 1.0, rtol=1e-9)
    assert (np.bincount(plot, bp, minlength=n_plots) <= 1.0 + 1e-9).all()


def _rows(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.c_[rng.uniform(5e3, 2e4, (n, 2)), rng.uniform(500, 5000, n), rng.normal(0, 200, (n, 3))]
    a = rng.normal(size=(n, 6, 6))
    p = a @ np.swapaxes(a, 1, 2) * 50.0 + np.eye(6) * 100.0
    z = np.array(to_polar(x[:, :3] - RADAR_POS)).T + rng.normal(size=(n, 3)) * [20, 2e-3, 2e-3]
    return x, p, z


def test_one_sure_plot_is_the_kalman_update_and_no_plot_changes_nothing() -> None:
    x, p, z = _rows(5, 1)
    nu, s, jac = innovation(x, p, z, RADAR_POS, NOISE)
    rows = np.arange(5)
    got_x, got_p = pda_correct(x, p, nu, rows, np.ones(5), np.zeros(5), s, jac, NOISE)
    ref_x, ref_p = correct(x, p, nu, s, jac, NOISE)
    assert_allclose(got_x, ref_x, rtol=1e-12)
    assert_allclose(got_p, ref_p, rtol=1e-12, atol=1e-9)
    same_x, same_p = pda_correct(x, p, nu, rows, np.zeros(5), np.ones(5), s, jac, NOISE)
    assert_allclose(same_x, x, rtol=1e-15)
    assert_allclose(same_p, p, rtol=1e-12)


def test_pda_update_matches_per_track_reference() -> None:
    """Three plots weighted on one track, written out from the PDAF equations."""
    x, p, _ = _rows(1, 2)
    rng = np.random.default_rng(3)
    zs = np.array(to_polar(x[:, :3] - RADAR_POS)).T + rng.normal(size=(3, 3)) * [30, 3e-3, 3e-3]
    nu, s, jac = innovation(np.repeat(x, 3, 0), np.repeat(p, 3, 0), zs, RADAR_POS, NOISE)
    beta = np.array([0.5, 0.2, 0.1])
    b0 = 0.2
    got_x, got_p = pda_correct(
        x, p, nu, np.zeros(3, np.int64), beta, np.array([b0]), s[:1], jac[:1], NOISE
    )
    h, sm, pm = jac[0], s[0], p[0]
    k = pm @ h.T @ np.linalg.inv(sm)
    nu_bar = sum(beta[j] * nu[j] for j in range(3))
    pc = (np.eye(6) - k @ h) @ pm @ (np.eye(6) - k @ h).T + k @ NOISE @ k.T
    spread = sum(beta[j] * np.outer(nu[j], nu[j]) for j in range(3)) - np.outer(nu_bar, nu_bar)
    assert_allclose(got_x[0], x[0] + k @ nu_bar, rtol=1e-12)
    assert_allclose(got_p[0], b0 * pm + (1 - b0) * pc + k @ spread @ k.T, rtol=1e-10, atol=1e-9)
    assert (np.linalg.eigvalsh(got_p[0]) > 0).all()


def test_soft_update_with_one_sure_plot_is_the_hard_update_for_both_filters() -> None:
    n = 4
    x, p, z = _rows(n, 4)
    params = TrackerParams()
    tracks = start_tracks(params, z, RADAR_POS, NOISE, np.zeros(n, np.int64), 0, 0.0)
    tracks = type(tracks)(
        **{**{f: getattr(tracks, f) for f in tracks.__dataclass_fields__}, "state": x, "cov": p}
    )
    sure = SoftAssociation(
        rows=np.arange(n),
        edge_row=np.arange(n),
        plot=np.arange(n),
        beta=np.ones(n),
        beta0=np.zeros(n),
        miss_weight=np.zeros(n),
        scale=3.0,
    )
    for filt in (EKF, IMM):
        pred = filt.predict(params, tracks, 1.0)
        hard = filt.correct(params, pred, np.arange(n), z, RADAR_POS, NOISE)
        soft = filt.correct_soft(params, pred, sure, z, RADAR_POS, NOISE)
        for a, b in zip(
            (hard.state, hard.cov, hard.mode_prob, hard.mode_state),
            (soft.state, soft.cov, soft.mode_prob, soft.mode_state),
            strict=True,
        ):
            assert_allclose(b, a, rtol=1e-9, atol=1e-9)


def _clutter_run(name: str, seed: int, n_clutter: int = 100, half: float = 300.0) -> bool:
    """One target tracked 35 scans in a cloud of false plots around it (``n_clutter`` a scan in
    a box of ±``half`` m, the tracker told that density); True if its track survives."""
    rng = np.random.default_rng(seed)
    rad = radar_params(
        sigma_range_m=10.0,
        sigma_azimuth_rad=1e-3,
        sigma_elevation_rad=1e-3,
        max_range_m=60e3,
        false_plots_per_scan=0.0,
        min_elevation_rad=-0.1,
    )
    density = n_clutter / ((2 * half) * (2 * half / 20e3) ** 2)  # per m·rad² at 20 km
    params = TrackerParams(initiation="m_of_n", process_noise_mps2=5.0, clutter_density=density)
    state = TrackerState(empty_tracks(), 0)
    p0, v = np.array([20e3, 0.0, 3e3]), np.array([-200.0, 150.0, 0.0])
    for k in range(40):
        pos = p0 + v * k
        zs = [np.array(to_polar(pos[None])).ravel() + rng.normal(size=3) * [10, 1e-3, 1e-3]]
        if k >= 5:  # clean scans to confirm, then the cloud
            cloud = pos + rng.uniform(-half, half, (rng.poisson(n_clutter), 3))
            zs += list(np.array(to_polar(cloud)).T)
        z = np.array(zs)
        m = len(z)
        truth = np.r_[0, -np.ones(m - 1, np.int64)]
        plots = PlotTable(
            np.full(m, float(k)), np.zeros(m, np.int64), z[:, 0], z[:, 1], z[:, 2], truth
        )
        state, _ = TRACKERS[name](params, state, plots, rad, float(k))
        if k >= 5 and not (state.tracks.confirmed & (state.tracks.track_id == 0)).any():
            return False
    err = state.tracks.state[state.tracks.track_id == 0, :3] - (p0 + v * 39)
    return bool(math.hypot(*err[0]) < 100.0)


def test_jpda_holds_a_track_in_dense_clutter_where_gnn_loses_it() -> None:
    runs = range(12)
    jpda = sum(_clutter_run("jpda_ekf", s) for s in runs)
    gnn = sum(_clutter_run("gnn_ekf", s) for s in runs)
    assert jpda == len(runs)
    assert gnn <= len(runs) - 3


def test_large_loopy_cluster_uses_belief_propagation_without_warnings() -> None:
    """A 200 x 200 fully connected cluster has far too many joint events to enumerate (more
    than a float can count): belief propagation answers, a distribution per track and at most
    one per plot."""
    rng = np.random.default_rng(9)
    n = 200
    track = np.repeat(np.arange(n), n)
    plot = np.tile(np.arange(n), n)
    weight = np.exp(rng.uniform(-2.0, 2.0, track.size))
    beta, beta0 = marginals(track, plot, weight, np.full(n, 0.1), n)
    assert_allclose(beta0 + np.bincount(track, beta, minlength=n), 1.0, rtol=1e-9)
    assert (np.bincount(plot, beta, minlength=n) <= 1.0 + 1e-9).all()


def test_imm_soft_update_matches_per_model_reference() -> None:
    """IMM with JPDA weights: every model takes the same weighted plots (PDA on its own
    prediction), and its probability is its prior times w0 + scale · Σ N(ν_m; 0, S_m)."""
    from scipy.stats import multivariate_normal

    from cupola.tracking.motion import N_STATE

    n_plots = 3
    x, p, _ = _rows(1, 6)
    params = TrackerParams()
    base = start_tracks(
        params, np.array([[1e4, 0.1, 0.1]]), RADAR_POS, NOISE, np.zeros(1, np.int64), 0, 0.0
    )
    born = IMM.start(params, x, p)
    rng = np.random.default_rng(7)
    prob = np.array([[0.5, 0.1, 0.3, 0.1]])
    modes = born.mode_state + rng.normal(0, [5.0] * 3 + [3.0] * 3 + [1.0] * 3, (1, 4, N_STATE))
    tracks = type(base)(**{
        **{f: getattr(base, f) for f in base.__dataclass_fields__},
        "state": x, "cov": p, "mode_prob": prob, "mode_state": modes, "mode_cov": born.mode_cov,
    })  # fmt: skip
    pred = IMM.predict(params, tracks, 1.0)
    zc = np.array(to_polar(pred.state[:, :3] - RADAR_POS)).T
    z = zc + rng.normal(size=(n_plots, 3)) * [15.0, 1.5e-3, 1.5e-3]
    beta = np.array([0.5, 0.3, 0.1])
    assoc = SoftAssociation(
        rows=np.array([0]), edge_row=np.zeros(n_plots, np.int64), plot=np.arange(n_plots),
        beta=beta, beta0=np.array([0.1]), miss_weight=np.array([0.15]), scale=2e3,
    )  # fmt: skip
    est = IMM.correct_soft(params, pred, assoc, z, RADAR_POS, NOISE)

    lik = np.zeros(4)
    for m in range(4):
        xm, pm = pred.mode_state[0, m], pred.mode_cov[0, m]
        nu, s, jac = innovation(
            np.repeat(xm[None], n_plots, 0), np.repeat(pm[None], n_plots, 0), z, RADAR_POS, NOISE
        )
        h, sm = jac[0], s[0]
        k = pm @ h.T @ np.linalg.inv(sm)
        nu_bar = (beta[:, None] * nu).sum(axis=0)
        pc = (np.eye(9) - k @ h) @ pm @ (np.eye(9) - k @ h).T + k @ NOISE @ k.T
        spread = sum(beta[j] * np.outer(nu[j], nu[j]) for j in range(n_plots)) - np.outer(
            nu_bar, nu_bar
        )
        assert_allclose(est.mode_state[0, m], xm + k @ nu_bar, rtol=1e-9, atol=1e-9)
        assert_allclose(
            est.mode_cov[0, m], 0.1 * pm + 0.9 * pc + k @ spread @ k.T, rtol=1e-8, atol=1e-8
        )
        lik[m] = 0.15 + 2e3 * sum(
            multivariate_normal(np.zeros(3), sm).pdf(nu[j]) for j in range(n_plots)
        )
    post = lik * pred.mode_prob[0]
    assert_allclose(est.mode_prob[0], post / post.sum(), rtol=1e-9)
    assert not np.allclose(est.mode_prob[0], pred.mode_prob[0])  # the plots moved them


def test_jpda_confirmed_track_whose_plot_is_likelier_clutter_records_a_miss() -> None:
    """A confirmed track and one plot far out in its gate, where clutter is dense: the plot's
    weight is below the miss weight, so the track is charged a miss (and not credited)."""
    from cupola.tracking.base import TrackTable

    rad = radar_params(
        position=np.zeros(3),
        sigma_range_m=10.0,
        sigma_azimuth_rad=1e-3,
        sigma_elevation_rad=1e-3,
        false_plots_per_scan=0.0,
        min_elevation_rad=-0.1,
    )
    pos = np.array([20e3, 0.0, 2e3])
    cov = np.diag([15.0**2] * 3 + [5.0**2] * 3)[None]
    tracks = TrackTable(
        track_id=np.array([0]), state=np.array([[*pos, 0.0, 0.0, 0.0]]), cov=cov,
        time=np.array([1.0]), confirmed=np.array([True]), hit_history=np.array([0b1111]),
        scans=np.array([4]), misses=np.array([0]), born=np.array([-3.0]), truth_id=np.array([5]),
        score=np.array([30.0]), last_scan=np.array([1.0]), mode_prob=np.empty((1, 0)),
        mode_state=np.empty((1, 0, 9)), mode_cov=np.empty((1, 0, 9, 9)),
    )  # fmt: skip
    off = pos + np.array([0.0, 60.0, 0.0])  # about 3 sigma across
    r, a, e = to_polar(off[None])
    plots = PlotTable(np.array([2.0]), np.array([0]), r, a, e, np.array([-1]))
    for density, credited in ((1e-6, True), (1e5, False)):
        params = TrackerParams(clutter_density=density)
        state, _ = TRACKERS["jpda_ekf"](params, TrackerState(tracks, 1), plots, rad, 2.0)
        row = state.tracks.track_id == 0
        assert bool(state.tracks.hit_history[row][0] & 1) is credited
        assert bool(state.tracks.misses[row][0] == 0) is credited


def test_marginals_stay_finite_for_extreme_weights() -> None:
    """Weights 1e20 times the miss weight (a tiny clutter density): no cancellation to NaN, and
    still the exact answer on a tree and on a loop."""
    for track, plot in (
        (np.array([0, 1, 1]), np.array([0, 0, 1])),  # tree
        (np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])),  # loop
    ):
        weight = np.array([1e20, 3e19, 5e20, 2e18][: track.size])
        miss = np.array([0.1, 0.2])
        beta, beta0 = marginals(track, plot, weight, miss, 2)
        ref, ref0 = brute_force(track, plot, weight, miss)
        assert np.isfinite(beta).all()
        assert_allclose(beta, ref, rtol=1e-9, atol=1e-15)
        assert_allclose(beta0, ref0, atol=1e-15)
