r"""Track management: starting tracks on plots, hit/miss bookkeeping, M-of-N, deletion.

Track start
-----------
A plot ``z = (r, a, e)`` from a radar at ``s`` starts a track at
:math:`p = s + g(z)` with :math:`g` the polar-to-ENU conversion
(:func:`cupola.core.frames.from_polar`), velocity 0, and covariance

.. math::

    P_0 = \begin{bmatrix} J R J^\top & 0 \\ 0 & \sigma_v^2 I_3 \end{bmatrix}, \qquad
    J = \frac{\partial g}{\partial z} = \begin{bmatrix}
        \cos e \sin a & r \cos e \cos a & -r \sin e \sin a \\
        \cos e \cos a & -r \cos e \sin a & -r \sin e \cos a \\
        \sin e & 0 & r \cos e \end{bmatrix},

the linearised converted-measurement covariance (Y. Bar-Shalom, X. R. Li and
T. Kirubarajan, *Estimation with Applications to Tracking and Navigation*, 2001, on
converted measurements and single-point initialisation).

Hits, misses and coverage
-------------------------
A scan *counts* for a track when the track got a plot of that scan, or when the radar could
have seen it (its predicted position passes :func:`cupola.sensors.radar.line_of_sight`). A
counted scan shifts ``hit_history`` left by one bit and sets bit 0 on a hit, adds one to
``scans``, and resets ``misses`` on a hit or adds one on a miss. Scans of a radar that cannot see
the track leave it unchanged, so a target seen by only one of several radars is not penalised
by the others' scans. Scans of several radars at the same time count once: a plot of the
second one sets bit 0 if the first missed (M-of-N counts scan times, not radars).

Track score
-----------
Each track sums the log-likelihood ratio of "a target" against "clutter" over its counted scans
(S. Blackman and R. Popoli, *Design and Analysis of Modern Tracking Systems*, 1999, §6.2;
R. Sittler, "An optimal data association problem in surveillance theory", IEEE Trans. Military
Electronics 8(2), 1964). The first plot scores 0 (a plot is taken to be as likely a new target
as clutter); then, with detection probability :math:`P_D` and clutter density :math:`\lambda`
(false plots per scan per m·rad²),

.. math::

    \Delta L = \ln P_D + \ln \mathcal N(\nu; 0, S) - \ln \lambda \ \text{(plot)}, \qquad
    \Delta L = \ln(1 - P_D) \ \text{(counted miss)}.

:math:`\lambda` is the radar's false plots per scan over its measurement volume
(range × 2π × elevation span) when it states them (:func:`clutter_density`), otherwise the
tracker's ``clutter_density``; a sparse picture thus confirms on fewer plots than a cluttered
one.

Confirmation and deletion
-------------------------
With ``initiation: score`` (Wald's sequential probability ratio test, errors :math:`\alpha`
= ``false_track_probability`` and :math:`\beta` = ``lost_track_probability``): a tentative
track is confirmed when :math:`L \ge \ln((1 - \beta)/\alpha)`, and deleted when
:math:`L \le \ln(\beta/(1 - \alpha))` or when it is still tentative after ``confirm_window``
counted scans. With ``initiation: m_of_n`` (``M = confirm_hits``, ``N = confirm_window``,
``h`` the hits among the last ``N`` counted scans and ``n = scans``): a tentative track is
confirmed when :math:`h \ge M`, and deleted when :math:`h + (N - n) < M` (not enough scans left
in its first ``N``). A confirmed track is
deleted after ``delete_misses`` consecutive counted misses. Any track is deleted when its
position is below :data:`GROUND_LIMIT_M` or its largest position standard deviation exceeds
:data:`MAX_POSITION_SIGMA_M` (a track coasting out of every radar's coverage is lost that way).
This is the M-of-N logic of S. Blackman and R. Popoli, *Design and Analysis of Modern Tracking
Systems* (1999), chapter on track initiation.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from cupola.core.frames import from_polar
from cupola.sensors.base import RadarParams
from cupola.tracking.base import TrackerParams, TrackTable

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

#: Tracks whose altitude is below this are deleted, m.
GROUND_LIMIT_M = -200.0
#: Tracks whose largest position standard deviation exceeds this are deleted, m.
MAX_POSITION_SIGMA_M = 10_000.0
#: ``hit_history`` keeps this many bits, so the shift never overflows int64.
_HISTORY_MASK = (1 << 62) - 1


def polar_jacobian(z: FloatArray) -> FloatArray:
    """Jacobian ``J`` (P, 3, 3) of the polar-to-ENU conversion at ``z`` (P, 3) (module doc)."""
    r, a, e = z[:, 0], z[:, 1], z[:, 2]
    ca, sa, ce, se = np.cos(a), np.sin(a), np.cos(e), np.sin(e)
    jac = np.empty((z.shape[0], 3, 3))
    jac[:, 0, 0] = ce * sa
    jac[:, 0, 1] = r * ce * ca
    jac[:, 0, 2] = -r * se * sa
    jac[:, 1, 0] = ce * ca
    jac[:, 1, 1] = -r * ce * sa
    jac[:, 1, 2] = -r * se * ca
    jac[:, 2, 0] = se
    jac[:, 2, 1] = 0.0
    jac[:, 2, 2] = r * ce
    return jac


def start_tracks(
    params: TrackerParams,
    z: FloatArray,
    radar_pos: FloatArray,
    noise: FloatArray,
    truth_id: IntArray,
    first_id: int,
    time: float,
) -> TrackTable:
    """One new tentative track per plot, ids ``first_id, first_id + 1, ...`` in plot order.

    Parameters
    ----------
    params : TrackerParams
        Tracker settings (``init_velocity_sigma_mps``).
    z : (P, 3) float64
        Range (m), azimuth clockwise from north (rad), elevation (rad) of the plots.
    radar_pos : (3,) float64
        Radar position, ENU, m.
    noise : (3, 3) float64
        Measurement noise covariance ``R`` (m², rad²).
    truth_id : (P,) int64
        Truth id of each plot (scoring only; copied, never read for decisions).
    first_id : int
        Id of the first new track.
    time : float
        Scan time, s.

    Returns
    -------
    TrackTable
        P tracks with one hit and one scan, without filter modes (the filter's ``start``
        gives them theirs).
    """
    n = z.shape[0]
    state = np.zeros((n, 6))
    rel = from_polar(z[:, 0], z[:, 1], z[:, 2])
    state[:, :3] = rel + radar_pos
    jac = polar_jacobian(z)
    cov = np.zeros((n, 6, 6))
    pos_cov = jac @ noise @ np.swapaxes(jac, 1, 2)
    cov[:, :3, :3] = 0.5 * (pos_cov + np.swapaxes(pos_cov, 1, 2))
    axis = np.arange(3, 6)
    cov[:, axis, axis] = params.init_velocity_sigma_mps**2
    return TrackTable(
        track_id=np.arange(first_id, first_id + n, dtype=np.int64),
        state=state,
        cov=cov,
        time=np.full(n, time),
        confirmed=np.zeros(n, bool),
        hit_history=np.ones(n, np.int64),
        scans=np.ones(n, np.int64),
        misses=np.zeros(n, np.int64),
        born=np.full(n, time),
        truth_id=np.array(truth_id, np.int64),
        score=np.zeros(n),
        last_scan=np.full(n, time),
        mode_prob=np.empty((n, 0)),
        mode_state=np.empty((n, 0, 9)),
        mode_cov=np.empty((n, 0, 9, 9)),
    )


def record_scan(
    hit_history: IntArray,
    scans: IntArray,
    misses: IntArray,
    hit: BoolArray,
    visible: BoolArray,
    same_time: BoolArray | None = None,
) -> tuple[IntArray, IntArray, IntArray]:
    """Hit/miss bookkeeping of one scan (module docstring).

    Parameters
    ----------
    hit_history, scans, misses : (T,) int64
        Current counters.
    hit : (T,) bool
        The track got a plot of this scan.
    visible : (T,) bool
        The radar could have seen the track.
    same_time : (T,) bool, optional
        A scan of another radar at the same time was already counted for the track: this
        scan only adds its hit to that one (M-of-N counts scan times, not radars).

    Returns
    -------
    hit_history, scans, misses : (T,) int64
        New counters.
    """
    same = np.zeros_like(hit) if same_time is None else same_time
    counted = (hit | visible) & ~same
    shifted = ((hit_history << 1) | hit.astype(np.int64)) & _HISTORY_MASK
    new_history = np.where(counted, shifted, hit_history | (same & hit).astype(np.int64))
    new_scans = scans + counted
    new_misses = np.where(hit, 0, misses + (counted & ~hit))
    return new_history, new_scans.astype(np.int64), new_misses.astype(np.int64)


def clutter_density(radar: RadarParams, params: TrackerParams) -> float:
    """False plots per scan per m·rad² of ``radar`` (module docstring)."""
    span = radar.clutter_max_elevation_rad - radar.min_elevation_rad
    if radar.false_plots_per_scan > 0.0 and radar.max_range_m < 1e9 and span > 0.0:
        return float(radar.false_plots_per_scan / (radar.max_range_m * 2.0 * np.pi * span))
    return params.clutter_density


def score_increment(
    params: TrackerParams,
    hit: BoolArray,
    counted: BoolArray,
    log_lik: FloatArray,
    density: float,
) -> FloatArray:
    """Change of each track's score in one scan (module docstring).

    Parameters
    ----------
    params : TrackerParams
        ``detection_probability``.
    hit : (T,) bool
        The track got a plot.
    counted : (T,) bool
        The scan counts for the track as a miss if it got no plot.
    log_lik : (T,) float64
        :math:`\\ln \\mathcal N(\nu; 0, S)` of the track's plot (ignored without one).
    density : float
        Clutter density :math:`\\lambda`, per m·rad².

    Returns
    -------
    (T,) float64
    """
    pd = params.detection_probability
    on_hit = np.log(pd) + log_lik - np.log(density)
    return np.where(hit, on_hit, np.where(counted, np.log1p(-pd), 0.0))


def confirm_and_delete(params: TrackerParams, tracks: TrackTable) -> tuple[BoolArray, BoolArray]:
    """Which tracks to confirm now and which to delete (module docstring).

    Parameters
    ----------
    params : TrackerParams
        Initiation and deletion settings.
    tracks : TrackTable
        T tracks after this scan's bookkeeping.

    Returns
    -------
    confirm : (T,) bool
        Tentative tracks confirmed in this scan (never also deleted).
    delete : (T,) bool
        Tracks to delete.
    """
    m, n = params.confirm_hits, params.confirm_window
    tentative = ~tracks.confirmed
    if params.initiation == "score":
        alpha, beta = params.false_track_probability, params.lost_track_probability
        reach = tracks.score >= np.log((1.0 - beta) / alpha)
        hopeless = (
            tentative
            & ~reach
            & ((tracks.score <= np.log(beta / (1.0 - alpha))) | (tracks.scans >= n))
        )
    else:
        window = tracks.hit_history & ((1 << n) - 1)
        hits = np.bitwise_count(window).astype(np.int64)
        reach = hits >= m
        hopeless = tentative & ~reach & (hits + (n - tracks.scans) < m)
    lost_confirmed = tracks.confirmed & (tracks.misses >= params.delete_misses)
    pos_var = np.diagonal(tracks.cov, axis1=1, axis2=2)[:, :3]
    lost = (tracks.state[:, 2] < GROUND_LIMIT_M) | (
        pos_var.max(axis=1, initial=0.0) > MAX_POSITION_SIGMA_M**2
    )
    delete = hopeless | lost_confirmed | lost
    return tentative & reach & ~delete, delete


def take_tracks(tracks: TrackTable, index: NDArray[np.bool_] | IntArray) -> TrackTable:
    """Rows ``index`` (boolean mask or integer indices) of every field.

    (:func:`cupola.core.table.take` does the same, but its protocol does not type-check
    against slotted dataclasses under mypy strict.)
    """
    return TrackTable(
        **{f.name: getattr(tracks, f.name)[index] for f in dataclasses.fields(TrackTable)}
    )


def concat_tracks(first: TrackTable, second: TrackTable) -> TrackTable:
    """Rows of ``first`` then rows of ``second`` (an empty table joins any other)."""
    if first.track_id.size == 0:
        return second
    if second.track_id.size == 0:
        return first
    return TrackTable(
        **{
            f.name: np.concatenate([getattr(first, f.name), getattr(second, f.name)])
            for f in dataclasses.fields(TrackTable)
        }
    )
