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
class ImmParams:
    """The model set of the IMM trackers (:mod:`cupola.tracking.imm`, :mod:`~.motion`).

    Attributes
    ----------
    ncv_noise_mps2 : float
        White-noise acceleration of the nearly-constant-velocity model, m/s² per axis.
    maneuver_jerk_mps3 : float
        Square root of the white-jerk spectral density of the nearly-constant-acceleration
        (manoeuvre and boost) model, m/s³ per √s.
    ballistic_coefficients_kg_m2 : tuple of float
        One ballistic model (gravity and drag) per coefficient, kg/m².
    ballistic_noise_mps2 : float
        White-noise acceleration of the ballistic models, m/s² per axis.
    stay_probability : float
        Probability that a track keeps its model from one scan to the next; it switches to
        each other model with an equal share of the rest.
    init_acceleration_sigma_mps2 : float
        Standard deviation of each acceleration component of a new track (its acceleration
        is 0).
    """

    ncv_noise_mps2: float = 2.0
    maneuver_jerk_mps3: float = 30.0
    ballistic_coefficients_kg_m2: tuple[float, ...] = (4000.0, 15000.0)
    ballistic_noise_mps2: float = 2.0
    stay_probability: float = 0.98
    init_acceleration_sigma_mps2: float = 50.0

    @property
    def models(self) -> tuple[tuple[str, float], ...]:
        """``(kind, value)`` per model: ``ncv`` (noise), ``nca`` (jerk), ``ballistic`` (β)."""
        return (
            ("ncv", self.ncv_noise_mps2),
            ("nca", self.maneuver_jerk_mps3),
            *(("ballistic", b) for b in self.ballistic_coefficients_kg_m2),
        )

    @property
    def model_names(self) -> tuple[str, ...]:
        """Names of the models, e.g. ``("ncv", "nca", "ballistic-4000", ...)``."""
        return tuple(k if k != "ballistic" else f"ballistic-{v:g}" for k, v in self.models)

    @property
    def n_models(self) -> int:
        """Number of models ``M``."""
        return 2 + len(self.ballistic_coefficients_kg_m2)


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
    max_speed_mps : float
        Fastest target: a track with one plot only takes a plot it could reach at this speed.
    initiation : {"score", "m_of_n"}
        How tentative tracks are confirmed: by their log-likelihood-ratio score (sequential
        probability ratio test) or by M-of-N alone (:mod:`cupola.tracking.management`).
    detection_probability : float
        Probability that the radar detects a target it can see, for the score.
    false_track_probability : float
        SPRT error of the first kind: probability that a track started on clutter is confirmed.
    lost_track_probability : float
        SPRT error of the second kind: probability that a real target's track is dropped.
    clutter_density : float
        False plots per scan per unit of measurement space (m·rad²), for radars that do not
        state their own false-plot rate and coverage.
    imm : ImmParams
        The model set of the IMM trackers (unused by the single-model ones).
    """

    process_noise_mps2: float = 30.0
    gate_probability: float = 0.9999
    confirm_hits: int = 3
    confirm_window: int = 4
    delete_misses: int = 3
    init_velocity_sigma_mps: float = 600.0
    max_speed_mps: float = 2000.0
    initiation: str = "score"
    detection_probability: float = 0.9
    false_track_probability: float = 1e-4
    lost_track_probability: float = 0.01
    clutter_density: float = 1e-5
    imm: ImmParams = ImmParams()


@dataclass(frozen=True, slots=True)
class TrackTable:
    """Struct of arrays, T rows, one per live track (deleted tracks are dropped).

    Attributes
    ----------
    track_id : (T,) int64
        Stable id, never reused in a run.
    state : (T, 6) float64
        ``[x, y, z, vx, vy, vz]``, ENU, m and m/s, at ``time`` (for an IMM tracker, the
        combination of its models).
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
    score : (T,) float64
        Log-likelihood ratio of target against clutter, summed over the track's scans.
    last_scan : (T,) float64
        Time of the last scan that counted for the track (a hit, or a miss by a radar that
        could see it), s; a second radar scanning at that same time adds to that scan.
    mode_prob : (T, M) float64
        Model probabilities of an IMM tracker (``M = 0`` for single-model trackers).
    mode_state : (T, M, 9) float64
        Each model's state ``[p, v, a]``, ENU, m, m/s, m/s².
    mode_cov : (T, M, 9, 9) float64
        Each model's covariance.
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
    score: NDArray[np.float64]
    last_scan: NDArray[np.float64]
    mode_prob: NDArray[np.float64]
    mode_state: NDArray[np.float64]
    mode_cov: NDArray[np.float64]


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
    rejected : (P,) bool
        Plots the step refused and left out: a value that is not finite, a range not above
        0 or an elevation outside ±π/2, or the whole scan when it is older than the tracks
        (out of sequence). Their ``plot_track`` is -1.
    """

    plot_track: NDArray[np.int64]
    confirmed: NDArray[np.int64]
    deleted: NDArray[np.int64]
    deleted_confirmed: NDArray[np.bool_]
    rejected: NDArray[np.bool_]


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
        score=f,
        last_scan=f,
        mode_prob=np.empty((0, 0)),
        mode_state=np.empty((0, 0, 9)),
        mode_cov=np.empty((0, 0, 9, 9)),
    )
