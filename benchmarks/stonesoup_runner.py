r"""Stone Soup 1.9 on the plots of a :class:`~tracking_case.TrackingCase`: the reference tracker.

Bench-only: Stone Soup (Dstl's open-source tracking framework, MIT licence,
https://github.com/dstl/Stone-Soup, https://stonesoup.readthedocs.io; "Stone Soup: announcement
of beta release of an open-source framework for tracking and state estimation", Proc. SPIE
11018, 2019; ``pip install stonesoup==1.9.*``) is not a dependency of
Cupola, and only this module imports it: importing this module raises ``ImportError`` when
Stone Soup is not installed, which is how the benchmark knows to skip it.

Configuration (issue 3: "extended Kalman filter, GNN with a distance hypothesiser,
multi-measurement initiator"), Stone Soup class names::

    MultiTargetTracker(
        detector=None,                      # driven scan by scan with update_tracker()
        data_associator=GNNWith2DAssignment(hypothesiser),
        updater=ExtendedKalmanUpdater(measurement_model),
        deleter=UpdateTimeStepsDeleter(time_steps_since_update=delete_misses),
        initiator=MultiMeasurementInitiator(
            prior_state, measurement_model=measurement_model,
            deleter=UpdateTimeStepsDeleter(time_steps_since_update=2),
            data_associator=GNNWith2DAssignment(hypothesiser), updater=updater,
            min_points=confirm_hits,
            initiator=SimpleMeasurementInitiator(prior_state, measurement_model)))
    hypothesiser = DistanceHypothesiser(
        ExtendedKalmanPredictor(transition_model), updater, measure=Mahalanobis(),
        missed_distance=sqrt(chi2.ppf(gate_probability, 3)))

* State ``[x, vx, y, vy, z, vz]`` (Stone Soup's interleaved order), in Cupola's ENU frame:
  ``x`` east, ``y`` north, ``z`` up, m and m/s. Track positions are returned in that frame.
* Transition: ``CombinedLinearGaussianTransitionModel`` of three ``ConstantVelocity(q)``.
  Stone Soup's ``noise_diff_coeff`` :math:`q` is the spectral density of a *continuous*
  white-noise acceleration, :math:`Q = q\,[[Δt^3/3, Δt^2/2], [Δt^2/2, Δt]]` per axis, m²/s³.
  The case's truth (and Cupola's filter) draw a velocity step of standard deviation
  :math:`σ_a = 0.5` m/s² × 1 s per scan. Matching the velocity variance added per step,
  :math:`q Δt = σ_a^2 Δt^2`, gives :math:`q = σ_a^2 Δt = 0.25` m²/s³ at the 1 s revisit
  (``process_noise_mps2 ** 2 * revisit_s``).
* Measurement: ``CartesianToElevationBearingRange(ndim_state=6, mapping=(0, 2, 4),
  noise_covar=diag(σ_e², σ_b², σ_r²), translation_offset=radar position)``. Its measurement
  vector is ``[elevation, bearing, range]`` and its bearing is :math:`\operatorname{atan2}(y, x)`,
  counter-clockwise from x (east). Cupola's azimuth :math:`a` is clockwise from north, so each
  plot becomes ``Detection(StateVector([Elevation(e), Bearing(π/2 - a), r]))``; ``Bearing``
  wraps the angle into :math:`[-π, π)`. The Cartesian frames then coincide:
  :math:`x = r \cos(π/2 - a) \cos e = r \sin a \cos e` (east) and
  :math:`y = r \sin(π/2 - a) \cos e = r \cos a \cos e` (north). The noise is the radar's
  (10 m, 1 mrad, 1 mrad): the bearing error has the azimuth error's variance.
* Every plot is a plain ``Detection``, clutter included (no ``Clutter`` type): the tracker is
  not told which plots are false. ``truth_id`` is never read. Timestamps are a fixed
  ``datetime`` epoch plus the scan time in seconds.
* New tracks (``SimpleMeasurementInitiator``): position from the inverted plot with covariance
  :math:`J^{+} R J^{+\top}`, velocity 0 with standard deviation ``init_velocity_sigma_mps`` per
  axis (the prior). A tentative ("holding") track is confirmed once it has ``confirm_hits``
  updates (its first plot counted) and dropped after two scans in a row without a plot; a
  confirmed track is deleted after ``delete_misses`` scans in a row without a plot. These are
  the nearest Stone Soup equivalents of Cupola's default 3-of-4 confirmation and 3-miss
  deletion (:class:`cupola.tracking.base.TrackerParams`), not the same rule: Stone Soup's
  confirms 3 hits with no two consecutive misses.
* Gate: the Mahalanobis distance of the plot to the predicted measurement, at most
  :math:`\sqrt{χ^2_{3}(P_G)}` (4.59 at :math:`P_G = 0.9999`, Cupola's default); the GNN solves
  the track × (plot + miss) assignment with that distance as the cost and the gate as the
  cost of a miss.

Tracks reported at a scan are all tracks the tracker holds after that scan (confirmed tracks,
updated or coasting); tentative tracks stay inside the initiator and are not reported.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy.stats import chi2
from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
from stonesoup.deleter.time import UpdateTimeStepsDeleter
from stonesoup.hypothesiser.distance import DistanceHypothesiser
from stonesoup.initiator.simple import MultiMeasurementInitiator, SimpleMeasurementInitiator
from stonesoup.measures import Mahalanobis
from stonesoup.models.measurement.nonlinear import CartesianToElevationBearingRange
from stonesoup.models.transition.linear import (
    CombinedLinearGaussianTransitionModel,
    ConstantVelocity,
)
from stonesoup.predictor.kalman import ExtendedKalmanPredictor
from stonesoup.tracker.simple import MultiTargetTracker
from stonesoup.types.angle import Bearing, Elevation
from stonesoup.types.array import CovarianceMatrix, StateVector
from stonesoup.types.detection import Detection
from stonesoup.types.state import GaussianState
from stonesoup.updater.kalman import ExtendedKalmanUpdater

if TYPE_CHECKING:
    from tracking_case import TrackingCase

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
"""Timestamp of scan time 0 s (Stone Soup keeps time as ``datetime``)."""


def _build_tracker(
    case: TrackingCase,
    *,
    process_noise_mps2: float,
    gate_probability: float,
    confirm_hits: int,
    delete_misses: int,
    init_velocity_sigma_mps: float,
) -> tuple[MultiTargetTracker, CartesianToElevationBearingRange]:
    """The Stone Soup tracker of the module docstring and its measurement model."""
    radar = case.radar
    # Continuous white-noise spectral density matching a velocity step of σ_a per revisit.
    q = process_noise_mps2**2 * radar.revisit_s
    transition_model = CombinedLinearGaussianTransitionModel([ConstantVelocity(q)] * 3)
    measurement_model = CartesianToElevationBearingRange(
        ndim_state=6,
        mapping=(0, 2, 4),
        noise_covar=CovarianceMatrix(
            np.diag(
                [
                    radar.sigma_elevation_rad**2,
                    radar.sigma_azimuth_rad**2,
                    radar.sigma_range_m**2,
                ]
            )
        ),
        translation_offset=StateVector(np.asarray(radar.position, float).reshape(3, 1)),
    )
    predictor = ExtendedKalmanPredictor(transition_model)
    updater = ExtendedKalmanUpdater(measurement_model)
    hypothesiser = DistanceHypothesiser(
        predictor,
        updater,
        measure=Mahalanobis(),
        missed_distance=math.sqrt(float(chi2.ppf(gate_probability, 3))),
    )
    # Position entries are replaced by the first plot; velocity 0 ± init_velocity_sigma_mps.
    prior_state = GaussianState(
        StateVector(np.zeros((6, 1))),
        CovarianceMatrix(np.diag([0.0, init_velocity_sigma_mps**2] * 3)),
    )
    initiator = MultiMeasurementInitiator(
        prior_state=prior_state,
        measurement_model=measurement_model,
        deleter=UpdateTimeStepsDeleter(time_steps_since_update=2),
        data_associator=GNNWith2DAssignment(hypothesiser),
        updater=updater,
        min_points=confirm_hits,
        initiator=SimpleMeasurementInitiator(prior_state, measurement_model),
    )
    tracker = MultiTargetTracker(
        initiator=initiator,
        deleter=UpdateTimeStepsDeleter(time_steps_since_update=delete_misses),
        detector=None,
        data_associator=GNNWith2DAssignment(hypothesiser),
        updater=updater,
    )
    return tracker, measurement_model


def run_stonesoup(
    case: TrackingCase,
    *,
    n_scans: int | None = None,
    process_noise_mps2: float = 0.5,
    gate_probability: float = 0.9999,
    confirm_hits: int = 3,
    delete_misses: int = 3,
    init_velocity_sigma_mps: float = 600.0,
) -> tuple[float, list[NDArray[np.float64]]]:
    """Run Stone Soup's EKF + GNN tracker on the case's plots, scan by scan.

    Parameters
    ----------
    case : TrackingCase
        The benchmark case; its radar gives the noise, position and revisit.
    n_scans : int, optional
        Run only the first ``n_scans`` scans (all by default), for timing large cases
        (a full scan at N = 1,000 takes about half a minute of CPU).
    process_noise_mps2 : float
        White-noise acceleration, m/s² per axis (converted to Stone Soup's spectral density,
        see the module docstring).
    gate_probability : float
        Gate :math:`P_G` of the Mahalanobis distance (3 degrees of freedom).
    confirm_hits : int
        Updates a tentative track needs to be confirmed (``min_points``).
    delete_misses : int
        Consecutive scans without a plot after which a confirmed track is deleted.
    init_velocity_sigma_mps : float
        Standard deviation of each velocity component of a new track, m/s.

    Returns
    -------
    cpu_per_scan_s : float
        CPU time (``time.process_time``) of the tracker's scan updates, averaged over the
        scans, s. Building the ``Detection`` objects and reading the tracks out are not
        counted.
    positions : list of (K_s, 3) float64
        For each scan, the positions of all tracks Stone Soup holds after that scan, ENU
        (x east, y north, z up), m, in no particular order.
    """
    tracker, measurement_model = _build_tracker(
        case,
        process_noise_mps2=process_noise_mps2,
        gate_probability=gate_probability,
        confirm_hits=confirm_hits,
        delete_misses=delete_misses,
        init_velocity_sigma_mps=init_velocity_sigma_mps,
    )
    plots = case.plots
    times = case.times if n_scans is None else case.times[:n_scans]
    # Cupola azimuth (clockwise from north) -> Stone Soup bearing (counter-clockwise from east).
    bearing = np.pi / 2 - plots.azimuth_rad
    scans = []
    for t in times:
        rows = np.flatnonzero(plots.time == t)
        stamp = EPOCH + timedelta(seconds=float(t))
        detections = {
            Detection(
                StateVector(
                    [
                        Elevation(float(plots.elevation_rad[i])),
                        Bearing(float(bearing[i])),
                        float(plots.range_m[i]),
                    ]
                ),
                timestamp=stamp,
                measurement_model=measurement_model,
            )
            for i in rows
        }
        scans.append((stamp, detections))

    cpu = 0.0
    positions: list[NDArray[np.float64]] = []
    for stamp, detections in scans:
        start = time.process_time()
        _, tracks = tracker.update_tracker(stamp, detections)
        cpu += time.process_time() - start
        pos = np.array(
            [np.asarray(track.state_vector, float)[[0, 2, 4], 0] for track in tracks],
            dtype=float,
        ).reshape(-1, 3)
        positions.append(pos)
    return cpu / max(len(scans), 1), positions
