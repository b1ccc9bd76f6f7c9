"""One radar scan through a tracker: predict, associate, update, manage.

The trackers of the registry (:data:`cupola.tracking.TRACKERS`) are this step with a filter
(:mod:`cupola.tracking.filters`): ``gnn_ekf`` with the single nearly-constant-velocity extended
Kalman filter, ``gnn_imm`` with the interacting multiple model filter. One call processes one
scan of one radar:

1. predict every track to the scan time (the filter's ``predict``);
2. gate and associate the scan's plots by GNN (:func:`cupola.tracking.association.gnn_associate`),
   confirmed tracks first, then tentative tracks on the plots left over;
3. update the associated tracks (the filter's ``correct``);
4. record hits and misses for the tracks the radar could see, start a tentative track on every
   unassociated plot, confirm by M-of-N and delete (:mod:`cupola.tracking.management`).

Several radars feed one :class:`TrackerState` one scan at a time, in time order: the plots of
a second radar gate against the same tracks, so a target seen by two radars keeps one track.
Rows keep their order; new tracks are appended in plot order with ids ``next_id, next_id+1,
...``, so the output is deterministic. ``truth_id`` of plots is copied to the tracks for
scoring and never read for a decision.
"""

from __future__ import annotations

import dataclasses
from functools import partial

import numpy as np
from numpy.typing import NDArray

from cupola.core.frames import wrap_angle
from cupola.core.table import take
from cupola.sensors.base import PlotTable, RadarParams
from cupola.sensors.radar import line_of_sight
from cupola.tracking.association import gate_threshold, gnn_associate
from cupola.tracking.base import TrackerOutputs, TrackerParams, TrackerState, TrackTable
from cupola.tracking.filters import EKF, IMM, Filter
from cupola.tracking.kalman import log_likelihood, measure, noise_covariance
from cupola.tracking.management import (
    clutter_density,
    concat_tracks,
    confirm_and_delete,
    record_scan,
    score_increment,
    start_tracks,
    take_tracks,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def step(
    filt: Filter,
    params: TrackerParams,
    state: TrackerState,
    plots: PlotTable,
    radar: RadarParams,
    time: float,
) -> tuple[TrackerState, TrackerOutputs]:
    """Process one scan of one radar.

    Parameters
    ----------
    filt : Filter
        The state filter (:data:`~cupola.tracking.filters.EKF` or ``IMM``).
    params : TrackerParams
        Tracker settings.
    state : TrackerState
        Tracks (T rows) and the next free id. Track times must not be after ``time``.
    plots : PlotTable
        The P plots of this scan of ``radar`` (possibly none).
    radar : RadarParams
        The radar that made the plots (position, noise, coverage).
    time : float
        Scan time, s.

    Returns
    -------
    state : TrackerState
        Surviving tracks in their previous order, then the new tracks in plot order.
    outputs : TrackerOutputs
        Track id given to each plot, ids confirmed and deleted in this scan, and the plots
        rejected (:func:`valid_plots`, or all of an out-of-sequence scan): a live feed's bad
        plots are dropped and counted, never a crash.
    """
    bad = ~valid_plots(plots)
    if state.tracks.time.size and not time >= state.tracks.time.max():
        bad[:] = True  # out of sequence (or a NaN time): the tracks are past this scan
    if bad.all() and bad.size:
        empty = np.empty(0, np.int64)
        none = TrackerOutputs(
            np.full(bad.size, -1, np.int64), empty, empty, empty.astype(bool), bad
        )
        return state, none
    if bad.any():
        kept, out = step(filt, params, state, take(plots, ~bad), radar, time)
        plot_track = np.full(bad.size, -1, np.int64)
        plot_track[~bad] = out.plot_track
        return kept, dataclasses.replace(out, plot_track=plot_track, rejected=bad)
    tracks = state.tracks
    radar_pos = np.asarray(radar.position, np.float64)
    noise = noise_covariance(
        radar.sigma_range_m, radar.sigma_azimuth_rad, radar.sigma_elevation_rad
    )
    z = np.stack([plots.range_m, plots.azimuth_rad, plots.elevation_rad], axis=-1).reshape(-1, 3)
    n_plots = z.shape[0]

    pred = filt.predict(params, tracks, float(time))
    x, p = pred.state, pred.cov
    z_pred, jac = measure(x, radar_pos)
    s = jac @ p @ np.swapaxes(jac, 1, 2) + noise
    s = 0.5 * (s + np.swapaxes(s, 1, 2))
    # Two stages: confirmed tracks take their plots first; tentative tracks, whose velocity is
    # still unknown and whose gates are wide, share what is left. A young track then cannot
    # take an established track's plot, and the wide gates do not chain the picture together.
    gate = gate_threshold(params.gate_probability)
    plot_row = np.full(n_plots, -1, np.int64)
    firm = np.flatnonzero(tracks.confirmed)
    young = np.flatnonzero(~tracks.confirmed)
    if firm.size:
        got = gnn_associate(z_pred[firm], s[firm], z, gate)
        plot_row[got >= 0] = firm[got[got >= 0]]
    if young.size:
        free = np.flatnonzero(plot_row < 0)
        reach = _speed_limit(params, tracks, young, z_pred[young], noise, float(time))
        got = gnn_associate(z_pred[young], s[young], z[free], gate, reach)
        plot_row[free[got >= 0]] = young[got[got >= 0]]

    used = np.flatnonzero(plot_row >= 0)
    rows = plot_row[used]
    visible = line_of_sight(radar, x[:, :3])
    est = filt.correct(params, pred, rows, z[used], radar_pos, noise)
    hit = np.zeros(x.shape[0], bool)
    hit[rows] = True
    same_time = tracks.time == time  # another radar already scanned at this time
    history, scans, misses = record_scan(
        tracks.hit_history, tracks.scans, tracks.misses, hit, visible, same_time
    )
    nu = z[used] - z_pred[rows]
    nu[:, 1] = wrap_angle(nu[:, 1])
    log_lik = np.zeros(x.shape[0])
    log_lik[rows] = log_likelihood(nu, s[rows])
    # One scan time scores once, like M-of-N: a second radar's plot at the same instant says
    # nothing of the velocity, and would confirm a track seeded on clutter a scan earlier.
    counted = (hit | visible) & ~same_time
    score = tracks.score + score_increment(
        params, hit & ~same_time, counted, log_lik, clutter_density(radar, params)
    )
    truth = tracks.truth_id.copy()
    truth[rows] = plots.truth_id[used]
    old = dataclasses.replace(
        tracks,
        state=est.state,
        cov=est.cov,
        mode_prob=est.mode_prob,
        mode_state=est.mode_state,
        mode_cov=est.mode_cov,
        time=np.full(x.shape[0], float(time)),
        hit_history=history,
        scans=scans,
        misses=misses,
        truth_id=truth,
        score=score,
    )

    fresh = np.flatnonzero(plot_row < 0)
    new = start_tracks(
        params, z[fresh], radar_pos, noise, plots.truth_id[fresh], state.next_id, float(time)
    )
    born = filt.start(params, new.state, new.cov)
    new = dataclasses.replace(
        new, mode_prob=born.mode_prob, mode_state=born.mode_state, mode_cov=born.mode_cov
    )
    merged = concat_tracks(old, new)

    plot_track = np.empty(n_plots, np.int64)
    plot_track[used] = tracks.track_id[rows]
    plot_track[fresh] = new.track_id

    confirm, delete = confirm_and_delete(params, merged)
    merged = dataclasses.replace(merged, confirmed=merged.confirmed | confirm)
    outputs = TrackerOutputs(
        plot_track=plot_track,
        confirmed=merged.track_id[confirm],
        deleted=merged.track_id[delete],
        deleted_confirmed=merged.confirmed[delete],
        rejected=np.zeros(n_plots, bool),
    )
    return TrackerState(take_tracks(merged, ~delete), state.next_id + fresh.size), outputs


def valid_plots(plots: PlotTable) -> NDArray[np.bool_]:
    """Plots a tracker can use: finite values, range above 0, elevation within ±π/2."""
    r, a, e = plots.range_m, plots.azimuth_rad, plots.elevation_rad
    finite = np.isfinite(r) & np.isfinite(a) & np.isfinite(e) & np.isfinite(plots.time)
    with np.errstate(invalid="ignore"):
        return np.asarray(finite & (r > 0.0) & (np.abs(e) <= np.pi / 2), bool)


def _speed_limit(
    params: TrackerParams,
    tracks: TrackTable,
    rows: IntArray,
    z_pred: FloatArray,
    noise: FloatArray,
    time: float,
) -> FloatArray:
    """Farthest a plot can be from each track of ``rows`` (m): unlimited once the track has
    a velocity (two plots or more); for a one-plot track, ``max_speed_mps`` × Δt plus four
    standard deviations of its position and of the plot."""
    one_plot = tracks.scans[rows] == 1
    dt = time - tracks.time[rows]
    pos_var = np.trace(tracks.cov[rows, :3, :3], axis1=1, axis2=2)
    plot_var = noise[0, 0] + z_pred[:, 0] ** 2 * (noise[1, 1] + noise[2, 2])
    limit = params.max_speed_mps * dt + 4.0 * np.sqrt(pos_var + plot_var)
    return np.where(one_plot, limit, np.inf)


#: Extended Kalman filter (nearly constant velocity) with GNN association.
gnn_ekf = partial(step, EKF)
#: Interacting multiple models (NCV, NCA, ballistic bank) with GNN association.
gnn_imm = partial(step, IMM)
