"""Tracking interface: the track table and the tracker step.

A tracker is a pure step over one radar scan::

    step(params, state, plots, radar, time) -> (state, outputs)

It predicts every track to the scan time, gates and associates the scan's plots, updates
the associated tracks, starts tentative tracks on the rest, confirms and deletes. Trackers are
named in scenario files by registry name (see :data:`cupola.tracking.TRACKERS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class TrackerParams:
    """Static tracker settings.

    Attributes
    ----------
    process_noise_mps2 : float
        Standard deviation of the white-noise acceleration of the nearly-constant-velocity
        model, m/s², per axis.
    gate_probability : float
        Probability that the true plot falls inside the chi-square gate (3 degrees of freedom).
    confirm_hits, confirm_window : int
        M-of-N confirmation: a tentative track is confirmed once it has ``confirm_hits``
        associated plots within its last ``confirm_window`` scans (counting its first plot),
        and deleted once that can no longer happen.
    delete_misses : int
        A confirmed track is deleted after this many consecutive scans without a plot.
    init_velocity_sigma_mps : float
        Standard deviation of each velocity component of a new track (its velocity is 0).
    """

    process_noise_mps2: float = 30.0
    gate_probability: float = 0.9999
    confirm_hits: int = 3
    confirm_window: int = 4
    delete_misses: int = 3
    init_velocity_sigma_mps: float = 600.0


@dataclass(frozen=True, slots=True)
class TrackTable:
    """Struct of arrays, T rows, one per live track (deleted tracks are dropped).

    Attributes
    ----------
    track_id : (T,) int64
        Stable id, never reused in a run.
    state : (T, 6) float64
        ``[x, y, z, vx, vy, vz]``, ENU, m and m/s, at ``time``.
    cov : (T, 6, 6) float64
        State covariance, symmetric positive definite.
    time : (T,) float64
        Time of ``state``, s (the last scan that updated or predicted it).
    confirmed : (T,) bool
        Confirmed (reported) track; tentative otherwise.
    hit_history : (T,) int64
        Bit ``k`` set when the track got a plot ``k`` scans ago (bit 0 is the latest scan).
    scans : (T,) int64
        Scans the track has lived through, its first plot included.
    misses : (T,) int64
        Consecutive scans without a plot.
    born : (T,) float64
        Time of the first plot, s.
    truth_id : (T,) int64
        Threat of the last plot associated with the track, -1 for clutter. Scoring only.
    """

    track_id: NDArray[np.int64]
    state: NDArray[np.float64]
    cov: NDArray[np.float64]
    time: NDArray[np.float64]
    confirmed: NDArray[np.bool_]
    hit_history: NDArray[np.int64]
    scans: NDArray[np.int64]
    misses: NDArray[np.int64]
    born: NDArray[np.float64]
    truth_id: NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class TrackerState:
    """Dynamic tracker state: the track table and the next id to hand out."""

    tracks: TrackTable
    next_id: int


@dataclass(frozen=True, slots=True)
class TrackerOutputs:
    """What one tracker step did.

    Attributes
    ----------
    plot_track : (P,) int64
        Track each plot of the scan was given to (updated or started), in plot order.
    confirmed : (C,) int64
        Track ids confirmed in this step.
    deleted : (D,) int64
        Track ids deleted in this step (tentative or confirmed).
    deleted_confirmed : (D,) bool
        Whether each deleted track had been confirmed.
    """

    plot_track: NDArray[np.int64]
    confirmed: NDArray[np.int64]
    deleted: NDArray[np.int64]
    deleted_confirmed: NDArray[np.bool_]


def empty_tracks() -> TrackTable:
    """A track table with no rows."""
    f = np.empty(0, np.float64)
    i = np.empty(0, np.int64)
    return TrackTable(
        track_id=i,
        state=np.empty((0, 6)),
        cov=np.empty((0, 6, 6)),
        time=f,
        confirmed=np.empty(0, bool),
        hit_history=i,
        scans=i,
        misses=i,
        born=f,
        truth_id=i,
    )
