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

Confirmation and deletion (M-of-N from the first plot)
------------------------------------------------------
With ``M = confirm_hits``, ``N = confirm_window``, ``h`` the hits among the last ``N`` counted
scans and ``n = scans``: a tentative track is confirmed when :math:`h \ge M`, and deleted when
:math:`h + (N - n) < M` (not enough scans left in its first ``N``). A confirmed track is
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


def confirm_and_delete(params: TrackerParams, tracks: TrackTable) -> tuple[BoolArray, BoolArray]:
    """Which tracks to confirm now and which to delete (module docstring).

    Parameters
    ----------
    params : TrackerParams
        M-of-N and deletion settings.
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
    window = tracks.hit_history & ((1 << n) - 1)
    hits = np.bitwise_count(window).astype(np.int64)
    tentative = ~tracks.confirmed
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
