"""The tracker scan step: confirmation, deletion, clutter, several radars, ids."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import cupola.tracking as tracking
from cupola.core.frames import to_polar
from cupola.sensors.base import PlotTable, RadarParams, empty_plots
from cupola.tracking import (
    TRACKERS,
    TrackerParams,
    TrackerState,
    TrackerStep,
    empty_tracks,
    extrapolate,
)

PARAMS = TrackerParams(confirm_hits=3, confirm_window=4, delete_misses=3, initiation="m_of_n")


def radar(
    radar_id: int = 0,
    position: tuple[float, float, float] = (0.0, 0.0, 10.0),
    max_range_m: float = 150e3,
) -> RadarParams:
    return RadarParams(
        radar_id=radar_id,
        position=np.array(position),
        max_range_m=max_range_m,
        revisit_s=1.0,
        sigma_range_m=10.0,
        sigma_azimuth_rad=1e-3,
        sigma_elevation_rad=1e-3,
        reference_range_m=50e3,
        reference_rcs_m2=1.0,
        reference_pd=0.9,
        false_alarm_probability=1e-6,
        false_plots_per_scan=0.0,
        min_elevation_rad=-0.1,
        clutter_max_elevation_rad=0.3,
    )


def target_positions(t: float, n: int = 1) -> np.ndarray:
    """n constant-velocity targets, 20-40 km out, 300 m/s."""
    k = np.arange(n)
    start = np.column_stack([20e3 + 2e3 * k, 25e3 - 3e3 * k, 3e3 + 100.0 * k])
    vel = np.column_stack([-300.0 + 0 * k, 20.0 + 0 * k, 0.0 * k])
    return start + vel * t


def make_plots(
    rad: RadarParams, pos: np.ndarray, truth: np.ndarray, t: float, rng: np.random.Generator
) -> PlotTable:
    r, a, e = to_polar(pos - rad.position)
    n = len(r)
    noise = rng.normal(size=(n, 3)) * [rad.sigma_range_m, rad.sigma_azimuth_rad, 1e-3]
    return PlotTable(
        time=np.full(n, t),
        sensor_id=np.full(n, rad.radar_id, np.int64),
        range_m=r + noise[:, 0],
        azimuth_rad=(a + noise[:, 1]) % (2 * np.pi),
        elevation_rad=e + noise[:, 2],
        truth_id=np.asarray(truth, np.int64),
    )


def start() -> TrackerState:
    return TrackerState(empty_tracks(), 0)


@pytest.fixture(params=["gnn_ekf", "gnn_imm", "jpda_ekf", "jpda_imm"])
def step(request: pytest.FixtureRequest) -> TrackerStep:
    """Every test below runs with each tracker of the registry."""
    return TRACKERS[request.param]


def test_registry_and_exports() -> None:
    assert set(TRACKERS) == {"gnn_ekf", "gnn_imm", "jpda_ekf", "jpda_imm"}
    for name in tracking.__all__:
        assert hasattr(tracking, name)
    assert extrapolate is tracking.extrapolate


def test_clean_target_confirmed_after_exactly_m_scans_then_deleted(step: TrackerStep) -> None:
    rad, rng = radar(), np.random.default_rng(5)
    state = start()
    ids = set()
    for k in range(6):
        plots = make_plots(rad, target_positions(float(k)), np.array([7]), float(k), rng)
        state, out = step(PARAMS, state, plots, rad, float(k))
        ids.add(int(out.plot_track[0]))
        assert out.deleted.size == 0
        assert out.confirmed.tolist() == ([0] if k == PARAMS.confirm_hits - 1 else [])
        assert state.tracks.confirmed.tolist() == [k >= PARAMS.confirm_hits - 1]
    assert ids == {0}
    assert state.tracks.truth_id.tolist() == [7]
    assert state.tracks.hit_history.tolist() == [0b111111]
    # Estimated velocity is close to the truth after six scans.
    assert np.allclose(state.tracks.state[0, 3:], [-300.0, 20.0, 0.0], atol=60.0)
    for k in range(6, 6 + PARAMS.delete_misses):
        state, out = step(PARAMS, state, empty_plots(), rad, float(k))
        last = k == 5 + PARAMS.delete_misses
        assert out.deleted.tolist() == ([0] if last else [])
        assert out.deleted_confirmed.tolist() == ([True] if last else [])
        assert state.tracks.misses.tolist() == ([] if last else [k - 5])
    assert state.next_id == 1


def test_lone_clutter_plot_is_never_confirmed(step: TrackerStep) -> None:
    rad, rng = radar(), np.random.default_rng(6)
    plots = make_plots(rad, np.array([[5e3, -8e3, 500.0]]), np.array([-1]), 0.0, rng)
    state, out = step(PARAMS, start(), plots, rad, 0.0)
    assert out.plot_track.tolist() == [0]
    assert not state.tracks.confirmed.any()
    # 3 of 4 cannot be reached once 1 hit + (4 - scans) < 3, i.e. after the 3rd scan.
    for k in (1, 2):
        state, out = step(PARAMS, state, empty_plots(), rad, float(k))
        assert out.confirmed.size == 0
        assert out.deleted.tolist() == ([0] if k == 2 else [])
        assert out.deleted_confirmed.tolist() == ([False] if k == 2 else [])
    assert state.tracks.track_id.size == 0


def test_random_clutter_never_confirmed(step: TrackerStep) -> None:
    rad, rng = radar(), np.random.default_rng(7)
    state = start()
    for k in range(15):
        n = 20
        r = rng.uniform(5e3, 60e3, n)
        a = rng.uniform(0, 2 * np.pi, n)
        e = rng.uniform(0.0, 0.3, n)
        plots = PlotTable(
            np.full(n, float(k)), np.zeros(n, np.int64), r, a, e, np.full(n, -1, np.int64)
        )
        state, out = step(PARAMS, state, plots, rad, float(k))
        assert out.confirmed.size == 0
    assert state.tracks.track_id.size <= 3 * 20


def test_two_radars_one_track(step: TrackerStep) -> None:
    rad_a = radar(0, (0.0, 0.0, 10.0))
    rad_b = radar(1, (30e3, -10e3, 50.0))
    rng = np.random.default_rng(8)
    state = start()
    confirmed: list[int] = []
    for k in range(8):
        for rad, t in ((rad_a, float(k)), (rad_b, k + 0.5)):
            plots = make_plots(rad, target_positions(t), np.array([3]), t, rng)
            state, out = step(PARAMS, state, plots, rad, t)
            assert out.plot_track.tolist() == [0]
            confirmed += out.confirmed.tolist()
    assert confirmed == [0]
    assert state.tracks.track_id.tolist() == [0]
    assert state.next_id == 1


def test_radar_that_cannot_see_a_track_does_not_count_misses(step: TrackerStep) -> None:
    rad_a = radar(0)
    rad_blind = radar(1, (-100e3, 0.0, 0.0), max_range_m=20e3)
    rng = np.random.default_rng(9)
    state = start()
    for k in range(4):
        t = float(k)
        plots = make_plots(rad_a, target_positions(t), np.array([0]), t, rng)
        state, _ = step(PARAMS, state, plots, rad_a, t)
        state, out = step(PARAMS, state, empty_plots(), rad_blind, t + 0.5)
        assert out.deleted.size == 0
    assert state.tracks.confirmed.tolist() == [True]
    assert state.tracks.scans.tolist() == [4]
    assert state.tracks.misses.tolist() == [0]


def test_ids_stable_and_never_reused(step: TrackerStep) -> None:
    rad, rng = radar(), np.random.default_rng(10)
    state = start()
    seen_deleted: set[int] = set()
    handed_out = 0
    life: dict[int, int] = {}
    for k in range(25):
        t = float(k)
        n_t = 6 if k < 12 else 3  # three targets stop being seen half way
        pos = target_positions(t, n_t)
        keep = rng.uniform(size=n_t) < 0.9
        truth = np.arange(n_t)[keep]
        clutter = np.column_stack(
            [rng.uniform(-40e3, 40e3, 2), rng.uniform(-40e3, 40e3, 2), rng.uniform(0, 5e3, 2)]
        )
        all_pos = np.vstack([pos[keep], clutter])
        plots = make_plots(rad, all_pos, np.concatenate([truth, [-1, -1]]), t, rng)
        before = state.next_id
        state, out = step(PARAMS, state, plots, rad, t)
        new_ids = np.setdiff1d(out.plot_track, list(life))
        assert_array_equal(new_ids, np.arange(before, state.next_id))
        handed_out += new_ids.size
        for i in out.plot_track.tolist():
            assert i not in seen_deleted
            life.setdefault(i, k)
        seen_deleted |= set(out.deleted.tolist())
        ids = state.tracks.track_id
        assert np.unique(ids).size == ids.size
        assert np.all(np.diff(ids) > 0)  # rows stay in id order
        assert not (set(ids.tolist()) & seen_deleted)
    assert state.next_id == handed_out
    confirmed_truth = state.tracks.truth_id[state.tracks.confirmed]
    assert sorted(confirmed_truth.tolist()) == [0, 1, 2]


def test_below_ground_track_is_deleted(step: TrackerStep) -> None:
    rad, rng = radar(), np.random.default_rng(11)
    plots = make_plots(rad, np.array([[10e3, 0.0, 100.0]]), np.array([1]), 0.0, rng)
    state, _ = step(PARAMS, start(), plots, rad, 0.0)
    for vz, deleted in ((0.0, []), (-400.0, [0])):
        shifted = state.tracks.state + np.array([0.0, 0.0, 0.0, 0.0, 0.0, vz])
        modes = state.tracks.mode_state.copy()
        modes[:, :, 5] += vz  # an IMM predicts from its models
        moved = dataclasses.replace(state.tracks, state=shifted, mode_state=modes)
        _, out = step(PARAMS, TrackerState(moved, state.next_id), empty_plots(), rad, 1.0)
        assert out.deleted.tolist() == deleted


def test_pure_and_deterministic(step: TrackerStep) -> None:
    rad, rng = radar(), np.random.default_rng(12)
    state = start()
    for k in range(3):
        plots = make_plots(rad, target_positions(float(k), 4), np.arange(4), float(k), rng)
        state, _ = step(PARAMS, state, plots, rad, float(k))
    plots = make_plots(rad, target_positions(3.0, 4), np.arange(4), 3.0, rng)
    copies = {
        f.name: getattr(state.tracks, f.name).copy() for f in dataclasses.fields(state.tracks)
    }
    s1, o1 = step(PARAMS, state, plots, rad, 3.0)
    s2, o2 = step(PARAMS, state, plots, rad, 3.0)
    for name, value in copies.items():
        assert_array_equal(getattr(state.tracks, name), value)
    for f in dataclasses.fields(s1.tracks):
        assert_array_equal(getattr(s1.tracks, f.name), getattr(s2.tracks, f.name))
    for f in dataclasses.fields(o1):
        assert_array_equal(getattr(o1, f.name), getattr(o2, f.name))


@pytest.mark.parametrize("n_tracks", [0, 2])
def test_empty_scan_shapes(n_tracks: int, step: TrackerStep) -> None:
    rad, rng = radar(), np.random.default_rng(13)
    state = start()
    if n_tracks:
        plots = make_plots(rad, target_positions(0.0, n_tracks), np.arange(n_tracks), 0.0, rng)
        state, _ = step(PARAMS, state, plots, rad, 0.0)
    state, out = step(PARAMS, state, empty_plots(), rad, 1.0)
    assert out.plot_track.shape == (0,)
    assert out.plot_track.dtype == np.int64
    assert out.confirmed.dtype == np.int64
    assert out.deleted.dtype == np.int64
    assert out.deleted_confirmed.dtype == np.bool_
    assert state.tracks.state.shape == (n_tracks, 6)
    assert state.tracks.cov.shape == (n_tracks, 6, 6)


def test_simultaneous_scans_count_once_for_confirmation(step: TrackerStep) -> None:
    """Two radars scanning at the same time: M-of-N counts scan times, not radars, so a
    3-of-4 track is confirmed at its third scan time, not its second."""
    rad_a = radar(0, (0.0, 0.0, 10.0))
    rad_b = radar(1, (30e3, -10e3, 50.0))
    rng = np.random.default_rng(9)
    state = start()
    confirmed_at: list[float] = []
    for k in range(4):
        t = float(k)
        for rad in (rad_a, rad_b):
            plots = make_plots(rad, target_positions(t), np.array([0]), t, rng)
            state, out = step(PARAMS, state, plots, rad, t)
            confirmed_at += [t] * len(out.confirmed)
    assert confirmed_at == [2.0]
    assert state.tracks.scans.tolist() == [4]
    # A miss of the second radar at the same time does not undo the first radar's hit.
    empty = make_plots(rad_b, np.empty((0, 3)), np.empty(0), 4.0, rng)
    hit = make_plots(rad_a, target_positions(4.0), np.array([0]), 4.0, rng)
    state, _ = step(PARAMS, state, hit, rad_a, 4.0)
    state, _ = step(PARAMS, state, empty, rad_b, 4.0)
    assert state.tracks.misses.tolist() == [0]
    assert int(state.tracks.hit_history[0]) & 1 == 1


def test_confirmed_tracks_take_their_plots_before_tentative_ones(step: TrackerStep) -> None:
    """A confirmed track C gates plots P1 (on it) and P2 (2 sigma off); a young tentative track
    T, with a wide gate, gates P1 only. One-stage GNN would maximise pairs (C-P2, T-P1); the
    two-stage rule gives C its own plot P1 and leaves T without one."""
    from cupola.tracking.base import TrackTable

    rad = radar(0, (0.0, 0.0, 0.0))
    c_pos = np.array([20e3, 0.0, 2e3])
    t_pos = c_pos + np.array([0.0, -150.0, 0.0])  # P1 at its gate's edge, P2 beyond it
    state = np.array([[*c_pos, 0.0, 0.0, 0.0], [*t_pos, 0.0, 0.0, 0.0]])
    cov = np.zeros((2, 6, 6))
    cov[0] = np.diag([15.0**2] * 3 + [5.0**2] * 3)  # settled
    cov[1] = np.diag([30.0**2] * 3 + [600.0**2] * 3)  # just started (same time: dt = 0)
    tracks = TrackTable(
        track_id=np.array([0, 1]),
        state=state,
        cov=cov,
        time=np.array([1.0, 1.0]),
        confirmed=np.array([True, False]),
        hit_history=np.array([0b1111, 0b1]),
        scans=np.array([4, 1]),
        misses=np.array([0, 0]),
        born=np.array([-3.0, 1.0]),
        truth_id=np.array([-1, -1]),
        score=np.array([30.0, 0.0]),
        last_scan=np.array([1.0, 1.0]),
        mode_prob=np.empty((2, 0)),
        mode_state=np.empty((2, 0, 9)),
        mode_cov=np.empty((2, 0, 9, 9)),
    )
    p1 = c_pos
    p2 = c_pos + np.array([0.0, 40.0, 0.0])
    r, a, e = to_polar(np.array([p1, p2]))
    plots = PlotTable(np.full(2, 1.0), np.zeros(2, np.int64), r, a, e, np.array([-1, -1], np.int64))
    _, out = step(PARAMS, TrackerState(tracks, 2), plots, rad, 1.0)
    assert out.plot_track[0] == 0  # P1 to the confirmed track
    assert out.plot_track[1] != 1  # T does not reach P2: P2 starts a new track


# ------------------------------------------------------------------------ track score (SPRT)

SCORE = TrackerParams(initiation="score", confirm_window=6)


def cluttered(rad: RadarParams, false_plots: float) -> RadarParams:
    return dataclasses.replace(rad, false_plots_per_scan=false_plots)


def test_score_adds_the_log_likelihood_ratio_of_each_scan(step: TrackerStep) -> None:
    """First plot 0; a miss ln(1 - Pd); a plot ln Pd + ln N(ν; 0, S) - ln λ (λ from the radar)."""
    from cupola.tracking.management import clutter_density, score_increment

    rad = cluttered(radar(), 10.0)
    lam = clutter_density(rad, SCORE)
    span = rad.clutter_max_elevation_rad - rad.min_elevation_rad
    assert lam == pytest.approx(10.0 / (rad.max_range_m * 2 * np.pi * span))
    assert clutter_density(radar(), SCORE) == SCORE.clutter_density  # no stated clutter
    inc = score_increment(
        SCORE,
        np.array([True, False, False]),
        np.array([True, True, False]),
        np.array([-3.0, 9.0, 9.0]),
        lam,
    )
    assert inc.tolist() == pytest.approx([np.log(0.9) - 3.0 - np.log(lam), np.log(0.1), 0.0])

    rng = np.random.default_rng(3)
    state, _ = step(SCORE, start(), make_plots(rad, target_positions(0.0), [1], 0.0, rng), rad, 0.0)
    assert state.tracks.score.tolist() == [0.0]
    state, _ = step(SCORE, state, empty_plots(), rad, 1.0)
    assert state.tracks.score.tolist() == pytest.approx([np.log(0.1)])


def test_score_confirms_sooner_in_a_clear_sky_than_in_clutter(step: TrackerStep) -> None:
    """The same plots of one target confirm on fewer scans when the radar reports little
    clutter: the score weighs each plot against the clutter density."""
    confirmed_at = {}
    for false_plots in (1.0, 1e6):
        rad, rng = cluttered(radar(), false_plots), np.random.default_rng(4)
        state = start()
        for k in range(6):
            plots = make_plots(rad, target_positions(float(k)), [1], float(k), rng)
            state, out = step(SCORE, state, plots, rad, float(k))
            if out.confirmed.size:
                confirmed_at[false_plots] = k
                break
    assert confirmed_at[1.0] < confirmed_at[1e6]


def test_score_rejects_dense_clutter(step: TrackerStep) -> None:
    """400 clutter plots a scan in a radar volume that states them: no track confirmed."""
    rad, rng = cluttered(radar(), 400.0), np.random.default_rng(8)
    state = start()
    for k in range(10):
        n = 400
        r = rng.uniform(1e3, rad.max_range_m, n)
        a = rng.uniform(0, 2 * np.pi, n)
        e = rng.uniform(rad.min_elevation_rad, rad.clutter_max_elevation_rad, n)
        plots = PlotTable(
            np.full(n, float(k)), np.zeros(n, np.int64), r, a, e, np.full(n, -1, np.int64)
        )
        state, out = step(SCORE, state, plots, rad, float(k))
        assert out.confirmed.size == 0


# ------------------------------------------------------------------- a live feed's bad plots


def test_bad_plots_are_rejected_and_counted_the_rest_used(step: TrackerStep) -> None:
    rad, rng = radar(), np.random.default_rng(12)
    good = make_plots(rad, target_positions(0.0, 2), [0, 1], 0.0, rng)
    bad_values = [(np.nan, 0.1, 0.1), (5e3, np.inf, 0.1), (-5.0, 0.1, 0.1), (5e3, 0.1, 2.0)]
    r, a, e = (np.array(v) for v in zip(*bad_values, strict=True))
    n = len(r)
    bad = PlotTable(np.zeros(n), np.zeros(n, np.int64), r, a, e, np.full(n, -1, np.int64))
    plots = PlotTable(
        *(
            np.concatenate([getattr(good, f.name), getattr(bad, f.name)])
            for f in dataclasses.fields(PlotTable)
        )
    )
    state, out = step(PARAMS, start(), plots, rad, 0.0)
    assert out.rejected.tolist() == [False, False, True, True, True, True]
    assert out.plot_track.tolist() == [0, 1, -1, -1, -1, -1]
    assert state.tracks.track_id.tolist() == [0, 1]
    assert np.isfinite(state.tracks.state).all()


def test_out_of_sequence_scan_is_rejected_whole(step: TrackerStep) -> None:
    rad, rng = radar(), np.random.default_rng(13)
    state, _ = step(
        PARAMS, start(), make_plots(rad, target_positions(5.0), [0], 5.0, rng), rad, 5.0
    )
    late = make_plots(rad, target_positions(4.0), [0], 4.0, rng)
    after, out = step(PARAMS, state, late, rad, 4.0)
    assert out.rejected.tolist() == [True]
    assert out.plot_track.tolist() == [-1]
    assert after is state


# ------------------------------------------------------------- several radars, speed limit


def test_target_seen_only_by_the_second_of_two_simultaneous_radars_confirms(
    step: TrackerStep,
) -> None:
    """Radar A cannot see the target (out of its range) and scans first at every time; radar
    B sees it. A's scans must not stop B's from counting."""
    rad_a = radar(0, (0.0, 0.0, 10.0), max_range_m=5e3)
    rad_b = radar(1, (1e3, 1e3, 10.0))
    rng = np.random.default_rng(21)
    state = start()
    for k in range(6):
        t = float(k)
        state, _ = step(PARAMS, state, empty_plots(), rad_a, t)
        plots = make_plots(rad_b, target_positions(t), [3], t, rng)
        state, _ = step(PARAMS, state, plots, rad_b, t)
    assert state.tracks.confirmed.tolist() == [True]
    assert state.tracks.scans.tolist() == [6]


def test_simultaneous_plots_score_one_scan(step: TrackerStep) -> None:
    """A second radar's plot at the same time adds nothing to the score after a first radar's
    hit; after a first radar's miss it scores exactly as if that miss had not been counted."""
    rad_a, rad_b = radar(0, (0.0, 0.0, 10.0)), radar(1, (1e3, 1e3, 10.0))
    rng = np.random.default_rng(22)
    state = start()
    for k in range(2):
        t = float(k)
        state, _ = step(SCORE, state, make_plots(rad_a, target_positions(t), [3], t, rng), rad_a, t)
    pa = make_plots(rad_a, target_positions(2.0), [3], 2.0, rng)
    pb = make_plots(rad_b, target_positions(2.0), [3], 2.0, rng)
    after_a, _ = step(SCORE, state, pa, rad_a, 2.0)
    after_ab, _ = step(SCORE, after_a, pb, rad_b, 2.0)
    assert after_ab.tracks.score.tolist() == after_a.tracks.score.tolist()
    missed, _ = step(SCORE, state, empty_plots(), rad_a, 2.0)
    assert missed.tracks.score[0] == pytest.approx(state.tracks.score[0] + np.log(0.1))
    then_b, _ = step(SCORE, missed, pb, rad_b, 2.0)
    only_b, _ = step(SCORE, state, pb, rad_b, 2.0)
    assert then_b.tracks.score[0] == pytest.approx(only_b.tracks.score[0], rel=1e-9)
    assert then_b.tracks.hit_history.tolist() == only_b.tracks.hit_history.tolist() == [0b111]


def test_one_plot_track_gate_is_limited_by_speed_even_after_a_miss(step: TrackerStep) -> None:
    """A plot 5 km from a one-plot track 2 s later (2,500 m/s) is out of reach at 2,000 m/s,
    whether or not a miss came between; at 3,000 m/s it is taken."""
    rad, rng = radar(0, (0.0, 0.0, 0.0)), np.random.default_rng(23)
    p0 = np.array([[20e3, 0.0, 2e3]])
    p2 = p0 + np.array([[0.0, 5e3, 0.0]])
    for limit, taken in ((2000.0, False), (3000.0, True)):
        params = dataclasses.replace(PARAMS, max_speed_mps=limit, init_velocity_sigma_mps=2000.0)
        for miss_between in (False, True):
            state, _ = step(params, start(), make_plots(rad, p0, [1], 0.0, rng), rad, 0.0)
            if miss_between:
                state, _ = step(params, state, empty_plots(), rad, 1.0)
            state, out = step(params, state, make_plots(rad, p2, [1], 2.0, rng), rad, 2.0)
            assert (out.plot_track.tolist() == [0]) is taken, (limit, miss_between)


def test_out_of_sequence_empty_scan_changes_nothing(step: TrackerStep) -> None:
    rad, rng = radar(), np.random.default_rng(24)
    state, _ = step(
        PARAMS, start(), make_plots(rad, target_positions(4.0), [0], 4.0, rng), rad, 4.0
    )
    after, out = step(PARAMS, state, empty_plots(), rad, 1.5)
    assert after is state
    assert out.rejected.size == 0
    nan_time, out = step(
        PARAMS, start(), make_plots(rad, target_positions(0.0), [0], 0.0, rng), rad, float("nan")
    )
    assert nan_time.tracks.track_id.size == 0
    assert out.rejected.tolist() == [True]
