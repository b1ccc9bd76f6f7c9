"""One radar scan through a tracker: predict, associate, update, manage.

The trackers of the registry (:data:`cupola.tracking.TRACKERS`) are this step with a filter
(:mod:`cupola.tracking.filters`) and an association: ``gnn_imm`` and ``gnn_ekf`` give each
confirmed track at most one plot by global nearest neighbour; ``jpda_imm`` and ``jpda_ekf``
weigh every gated plot of a confirmed track by its JPDA probability (:mod:`cupola.tracking.jpda`).
``*_imm`` run the interacting multiple model filter, ``*_ekf`` one nearly-constant-velocity
extended Kalman filter. One call processes one scan of one radar:

1. drop the plots a tracker cannot use, or the whole scan if it is out of sequence
   (:func:`valid_plots`; counted in ``TrackerOutputs.rejected``);
2. predict every track to the scan time (the filter's ``predict``);
3. gate and associate, confirmed tracks first (GNN by
   :func:`cupola.tracking.association.gnn_associate`, or JPDA), then tentative tracks by GNN
   on the plots no confirmed track claims (a plot is claimed when its JPDA weights add up to
   1/2 or more), a one-plot track only within reach at ``max_speed_mps``;
4. update the associated tracks (the filter's ``correct`` or, with JPDA, ``correct_soft``);
5. record hits and misses for the tracks the radar could see, add the scan to each track's
   score, start a tentative track on every unclaimed plot, confirm (score or M-of-N) and delete
   (:mod:`cupola.tracking.management`).

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
from cupola.tracking.association import (
    candidate_pairs,
    gate_threshold,
    gated_costs,
    gnn_associate,
)
from cupola.tracking.base import TrackerOutputs, TrackerParams, TrackerState, TrackTable
from cupola.tracking.filters import EKF, IMM, Filter, SoftAssociation
from cupola.tracking.jpda import marginals
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
    association: str,
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
    association : {"gnn", "jpda"}
        How confirmed tracks take plots: one each by global nearest neighbour, or weighted by
        their JPDA probabilities (:mod:`cupola.tracking.jpda`). Tentative tracks always take
        one plot each, by GNN, among the plots no confirmed track claims.
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
    late = state.tracks.time.size > 0 and not time >= state.tracks.time.max()
    if late or not np.isfinite(time):
        bad[:] = True  # out of sequence, or no time: the scan is left out whole
    if (bad.size and bad.all()) or late or not np.isfinite(time):
        empty = np.empty(0, np.int64)
        none = TrackerOutputs(
            np.full(bad.size, -1, np.int64), empty, empty, empty.astype(bool), bad
        )
        return state, none
    if bad.any():
        kept, out = step(filt, association, params, state, take(plots, ~bad), radar, time)
        plot_track = np.full(bad.size, -1, np.int64)
        plot_track[~bad] = out.plot_track
        return kept, dataclasses.replace(out, plot_track=plot_track, rejected=bad)
    if radar.sector_rad is not None:
        near = could_be_in_sector(radar, state.tracks, float(time), params.max_speed_mps)
        if not near.all():
            return _sector_step(filt, association, params, state, plots, radar, time, near)
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
    density = clutter_density(radar, params)
    n_tracks = x.shape[0]
    plot_row = np.full(n_plots, -1, np.int64)  # the track each plot goes to
    best_plot = np.full(n_tracks, -1, np.int64)  # the plot each track is credited with
    firm = np.flatnonzero(tracks.confirmed)
    young = np.flatnonzero(~tracks.confirmed)
    soft = None
    if firm.size and association == "jpda":
        soft, owner, best = _jpda(params, firm, z_pred, s, z, gate, density)
        plot_row[owner >= 0] = firm[owner[owner >= 0]]
        best_plot[firm] = best
    elif firm.size:
        got = gnn_associate(z_pred[firm], s[firm], z, gate)
        plot_row[got >= 0] = firm[got[got >= 0]]
    if young.size:
        free = np.flatnonzero(plot_row < 0)
        reach = _speed_limit(params, tracks, young, z_pred[young], noise, float(time))
        got = gnn_associate(z_pred[young], s[young], z[free], gate, reach)
        plot_row[free[got >= 0]] = young[got[got >= 0]]

    used = np.flatnonzero(plot_row >= 0)
    rows = plot_row[used]
    if soft is None:
        best_plot[rows] = used
        est = filt.correct(params, pred, rows, z[used], radar_pos, noise)
    else:
        hard = ~tracks.confirmed[rows]  # tentative tracks: one plot each, weight 1
        best_plot[rows[hard]] = used[hard]
        est = filt.correct_soft(
            params, pred, _with_hard(soft, rows[hard], used[hard]), z, radar_pos, noise
        )
    visible = line_of_sight(radar, x[:, :3])
    hit = best_plot >= 0
    same_time = tracks.last_scan == time  # another radar's scan at this time already counted
    history, scans, misses = record_scan(
        tracks.hit_history, tracks.scans, tracks.misses, hit, visible, same_time
    )
    hit_rows = np.flatnonzero(hit)
    nu = z[best_plot[hit_rows]] - z_pred[hit_rows]
    nu[:, 1] = wrap_angle(nu[:, 1])
    log_lik = np.zeros(n_tracks)
    log_lik[hit_rows] = log_likelihood(nu, s[hit_rows])
    # One scan time scores once, like M-of-N: a second radar's plot at the same instant says
    # nothing of the velocity, and would confirm a track seeded on clutter a scan earlier. If
    # the first radar of that time missed the track, its plot turns that miss into a hit.
    counted = (hit | visible) & ~same_time
    was_missed = same_time & ((tracks.hit_history & 1) == 0)
    scored = hit & (~same_time | was_missed)
    redo = hit & was_missed  # take back the first radar's miss
    score = (
        tracks.score
        + score_increment(params, scored, counted, log_lik, density)
        - np.where(redo, np.log1p(-params.detection_probability), 0.0)
    )
    last_scan = np.where(counted, float(time), tracks.last_scan)
    truth = tracks.truth_id.copy()
    truth[hit_rows] = plots.truth_id[best_plot[hit_rows]]
    old = est.apply(
        tracks,
        time=np.full(x.shape[0], float(time)),
        hit_history=history,
        scans=scans,
        misses=misses,
        truth_id=truth,
        score=score,
        last_scan=last_scan,
    )

    fresh = np.flatnonzero(plot_row < 0)
    new = start_tracks(
        params, z[fresh], radar_pos, noise, plots.truth_id[fresh], state.next_id, float(time)
    )
    new = filt.start(params, new.state, new.cov).apply(new)
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


def could_be_in_sector(
    radar: RadarParams, tracks: TrackTable, time: float, max_speed_mps: float
) -> NDArray[np.bool_]:
    r"""Tracks that may be inside the radar's sector (``radar.sector_rad``) at ``time``.

    A track at horizontal distance :math:`d` from the radar, last updated at :math:`t_k`,
    moves at most :math:`s_\max (t - t_k)` (the tracker's ``max_speed_mps``), so its azimuth
    at :math:`t` lies within :math:`\arcsin(\min(1, s_\max (t - t_k) / d))` of the present
    one, plus 0.05 rad for the measurement noise; the track may be in the sector when that
    arc meets it. The others neither take the sector's plots nor count a miss in it.
    """
    start, width = radar.sector_rad if radar.sector_rad is not None else (0.0, 2 * np.pi)
    rel = tracks.state[:, :2] - np.asarray(radar.position, np.float64)[:2]
    d = np.hypot(rel[:, 0], rel[:, 1])
    reach = max_speed_mps * np.maximum(time - tracks.time, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        arc = np.where(reach < d, np.arcsin(np.minimum(reach / d, 1.0)), np.pi) + 0.05
    off = np.mod(np.arctan2(rel[:, 0], rel[:, 1]) - start, 2 * np.pi)  # clockwise from start
    inside = off <= width
    before = 2 * np.pi - off <= arc  # just short of the start
    after = off - width <= arc  # just past the end
    return np.asarray(inside | before | after | (width + 2 * arc >= 2 * np.pi))


def _sector_step(
    filt: Filter,
    association: str,
    params: TrackerParams,
    state: TrackerState,
    plots: PlotTable,
    radar: RadarParams,
    time: float,
    near: NDArray[np.bool_],
) -> tuple[TrackerState, TrackerOutputs]:
    """:func:`step` on the tracks ``near`` the sector only; the others are left as they are
    (not predicted: a rotating radar's sectors come many times a revisit). Rows stay in
    track-id order, new tracks last."""
    sub, out = step(
        filt,
        association,
        params,
        TrackerState(take_tracks(state.tracks, near), state.next_id),
        plots,
        radar,
        time,
    )
    merged = concat_tracks(take_tracks(state.tracks, ~near), sub.tracks)
    order = np.argsort(merged.track_id, kind="stable")
    return TrackerState(take_tracks(merged, order), sub.next_id), out


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
    a velocity (two plots or more); for a track with one plot (and any misses since),
    ``max_speed_mps`` times the time since that plot, plus four standard deviations of the
    difference of two plots (each with the noise of this radar at this range)."""
    one_plot = np.bitwise_count(tracks.hit_history[rows]) == 1
    since = time - tracks.born[rows]
    plot_var = noise[0, 0] + z_pred[:, 0] ** 2 * (noise[1, 1] + noise[2, 2])
    limit = params.max_speed_mps * since + 4.0 * np.sqrt(2.0 * plot_var)
    return np.where(one_plot, limit, np.inf)


def _jpda(
    params: TrackerParams,
    firm: IntArray,
    z_pred: FloatArray,
    s: FloatArray,
    z: FloatArray,
    gate: float,
    density: float,
) -> tuple[SoftAssociation, IntArray, IntArray]:
    """JPDA weights of the confirmed tracks ``firm`` over all plots.

    Returns the soft association, the confirmed track (index into ``firm``) that claims each
    plot (the largest weight, when the plot's weights add up to at least 1/2; -1 otherwise) and
    the plot each confirmed track is credited with (its largest weight, when it got a plot with
    probability at least 1/2; -1 otherwise).
    """
    n_plots = z.shape[0]
    zp, sf = z_pred[firm], s[firm]
    track, plot = candidate_pairs(zp, np.diagonal(sf, axis1=1, axis2=2), z, gate)
    d2, cost = gated_costs(zp, sf, z, track, plot)
    inside = d2 <= gate
    track, plot, cost = track[inside], plot[inside], cost[inside]
    scale = params.detection_probability / density
    weight = scale * np.exp(-0.5 * (cost + 3.0 * np.log(2.0 * np.pi)))
    miss = np.full(firm.size, 1.0 - params.detection_probability * params.gate_probability)
    beta, beta0 = marginals(track, plot, weight, miss, n_plots)

    has = np.bincount(track, minlength=firm.size) > 0
    local = np.cumsum(has) - 1
    soft = SoftAssociation(
        rows=firm[has],
        edge_row=local[track],
        plot=plot,
        beta=beta,
        beta0=beta0[has],
        miss_weight=miss[has],
        scale=scale,
    )
    owner = np.full(n_plots, -1, np.int64)
    by_plot = np.lexsort((-beta, plot))
    first = by_plot[np.r_[True, plot[by_plot][1:] != plot[by_plot][:-1]]] if plot.size else by_plot
    claimed = np.bincount(plot, beta, minlength=n_plots)[plot[first]] >= 0.5
    owner[plot[first[claimed]]] = track[first[claimed]]
    best = np.full(firm.size, -1, np.int64)
    by_track = np.lexsort((-beta, track))
    lead = (
        by_track[np.r_[True, track[by_track][1:] != track[by_track][:-1]]]
        if track.size
        else by_track
    )
    got = 1.0 - beta0[track[lead]] >= 0.5
    best[track[lead[got]]] = plot[lead[got]]
    # A track's credited plot is its own even if no single track outweighs clutter for it,
    # so it does not also start a new track.
    free = owner[best[best >= 0]] < 0
    owner[best[best >= 0][free]] = np.flatnonzero(best >= 0)[free]
    return soft, owner, best


def _with_hard(soft: SoftAssociation, rows: IntArray, plots: IntArray) -> SoftAssociation:
    """``soft`` plus rows that take one plot each with weight 1 (and no miss hypothesis, so
    an IMM weighs its models by the plot's likelihood alone, as with GNN)."""
    n = soft.rows.size
    return SoftAssociation(
        rows=np.concatenate([soft.rows, rows]),
        edge_row=np.concatenate([soft.edge_row, n + np.arange(rows.size)]),
        plot=np.concatenate([soft.plot, plots]),
        beta=np.concatenate([soft.beta, np.ones(rows.size)]),
        beta0=np.concatenate([soft.beta0, np.zeros(rows.size)]),
        miss_weight=np.concatenate([soft.miss_weight, np.zeros(rows.size)]),
        scale=soft.scale,
    )


#: Extended Kalman filter (nearly constant velocity) with GNN association.
gnn_ekf = partial(step, EKF, "gnn")
#: Interacting multiple models (NCV, NCA, ballistic bank) with GNN association.
gnn_imm = partial(step, IMM, "gnn")
#: Extended Kalman filter with JPDA for confirmed tracks.
jpda_ekf = partial(step, EKF, "jpda")
#: Interacting multiple models with JPDA for confirmed tracks.
jpda_imm = partial(step, IMM, "jpda")
