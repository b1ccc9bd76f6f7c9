r"""Ballistic versus air-breathing classification from a track's kinematics.

A ballistic object (rocket, mortar round, missile) falls freely: its vertical velocity changes
at about :math:`-g` all along its flight, and it is seen climbing or falling steeply. A drone or
cruise missile flies nearly level at low speed and low altitude. Each decision cycle adds the
track's features — :math:`|v_z|`, :math:`v_{xy}`, :math:`\lVert v\rVert`, :math:`z`, the
vertical-velocity standard deviation :math:`\sigma_{v_z}` from its covariance, and the vertical
acceleration :math:`a_z = \Delta v_z / \Delta t` since the previous cycle — to exponential moving
averages (weight :math:`\alpha` on the newest), written with a bar. Then

.. math::

    \text{air-breathing} \iff |\bar a_z| < g/4
        \ \wedge\ \overline{|v_z|} < 0.25\,\overline{v_{xy}} + \bar\sigma_{v_z}
        \ \wedge\ \overline{\lVert v \rVert} < 350\ \text{m/s}
        \ \wedge\ \bar z < 4000\ \text{m}

The :math:`a_z` test keeps a rocket seen around its apogee (slow and level for a moment) from
passing for a drone; the :math:`\sigma_{v_z}` term keeps a noisy level track far from the radar
from passing for a climbing one.
The class is re-evaluated every cycle, so an early mistake is corrected as the track settles,
with two guards against flip-flopping (:func:`update_class`): a change needs
``CONFIRM_CYCLES`` consecutive cycles of the other verdict, and a track seen fast
(> 350 m/s), high (> 4 000 m) or steep (:math:`|v_z| > v_{xy}`) in any cycle is ballistic for
good — no drone or cruise missile flies like that.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.assess.base import AIR_BREATHING, BALLISTIC

FloatArray = NDArray[np.float64]

G = 9.80665
LEVEL_RATIO = 0.25
MAX_AIR_BREATHING_SPEED_MPS = 350.0
MAX_AIR_BREATHING_ALT_M = 4000.0

#: Columns of :func:`features`.
FEATURES = ("abs_vz", "v_xy", "speed", "z", "sigma_vz", "a_z")

#: Weight of the newest cycle in the moving averages.
ALPHA = 0.25


def features(
    state: FloatArray, cov: FloatArray, vz_prev: FloatArray, dt: FloatArray | float
) -> FloatArray:
    """Per-cycle classification features of tracks.

    Parameters
    ----------
    state : (T, 6) float64
        ``[x, y, z, vx, vy, vz]``, ENU, m and m/s.
    cov : (T, 6, 6) float64
        State covariances.
    vz_prev : (T,) float64
        Vertical velocity at the previous cycle, m/s.
    dt : (T,) float64 or float
        Time since the previous cycle, s.

    Returns
    -------
    (T, 6) float64
        The columns of :data:`FEATURES`.
    """
    vxy = np.hypot(state[:, 3], state[:, 4])
    return np.column_stack(
        [
            np.abs(state[:, 5]),
            vxy,
            np.hypot(vxy, state[:, 5]),
            state[:, 2],
            np.sqrt(np.maximum(cov[:, 5, 5], 0.0)),
            (state[:, 5] - vz_prev) / dt,
        ]
    )


def classify(mean_features: FloatArray) -> NDArray[np.int8]:
    """Class of each track from its averaged features (see the module docstring).

    Parameters
    ----------
    mean_features : (T, 6) float64
        Moving averages of :func:`features`.

    Returns
    -------
    (T,) int8
        ``BALLISTIC`` or ``AIR_BREATHING``.
    """
    abs_vz, vxy, speed, z, sigma_vz, a_z = mean_features.T
    level = abs_vz < LEVEL_RATIO * vxy + sigma_vz
    air = (
        (np.abs(a_z) < 0.25 * G)
        & level
        & (speed < MAX_AIR_BREATHING_SPEED_MPS)
        & (z < MAX_AIR_BREATHING_ALT_M)
    )
    return np.where(air, AIR_BREATHING, BALLISTIC).astype(np.int8)


#: Consecutive contrary verdicts needed to change a track's class.
CONFIRM_CYCLES = 4


def strongly_ballistic(state: FloatArray, cov: FloatArray) -> NDArray[np.bool_]:
    """(T,) bool: fast, high or steep now, beyond any air-breathing threat's envelope.

    Each test allows two standard deviations of the track's own uncertainty, so noise alone
    does not latch a level track.
    """
    vxy = np.hypot(state[:, 3], state[:, 4])
    speed = np.hypot(vxy, state[:, 5])
    sigma_v = np.sqrt(np.maximum(np.diagonal(cov[:, 3:, 3:], axis1=1, axis2=2), 0.0))
    sigma_z = np.sqrt(np.maximum(cov[:, 2, 2], 0.0))
    return np.asarray(
        (speed > MAX_AIR_BREATHING_SPEED_MPS + 2.0 * sigma_v.max(axis=1))
        | (state[:, 2] > MAX_AIR_BREATHING_ALT_M + 2.0 * sigma_z)
        | (np.abs(state[:, 5]) > vxy + 2.0 * sigma_v[:, 2]),
        dtype=np.bool_,
    )


def update_class(
    current: NDArray[np.int8],
    votes: NDArray[np.int64],
    latched: NDArray[np.bool_],
    verdict: NDArray[np.int8],
    strong: NDArray[np.bool_],
) -> tuple[NDArray[np.int8], NDArray[np.int64], NDArray[np.bool_]]:
    """New class of each track, with hysteresis.

    Parameters
    ----------
    current : (T,) int8
        Class so far, -1 when none yet.
    votes : (T,) int64
        Consecutive cycles whose verdict differed from ``current``.
    latched : (T,) bool
        Tracks already known ballistic for good.
    verdict : (T,) int8
        This cycle's :func:`classify` verdict.
    strong : (T,) bool
        This cycle's :func:`strongly_ballistic`.

    Returns
    -------
    cls, votes, latched
        Updated arrays (new arrays; the inputs are not modified).
    """
    latched = latched | strong
    differs = verdict != current
    votes = np.where(differs, votes + 1, 0)
    switch = (current < 0) | (votes >= CONFIRM_CYCLES)
    cls = np.where(switch, verdict, current).astype(np.int8)
    cls = np.where(latched, BALLISTIC, cls).astype(np.int8)
    votes = np.where(switch | latched, 0, votes)
    return cls, votes, latched


#: ``kind`` codes of :func:`threat_kind`, and their names.
ROCKET, MORTAR, BALLISTIC_MISSILE, DRONE, CRUISE_MISSILE = (np.int8(k) for k in range(5))
KIND_NAMES = ("rocket", "mortar round", "ballistic missile", "drone", "cruise missile")
#: A ballistic track faster or higher than this is a ballistic missile (m/s, m): short-range
#: ballistic missiles fly at 1.5-2 km/s to 50-150 km (research facts 2.2); rockets stay below.
MISSILE_SPEED_MPS = 1500.0
MISSILE_ALTITUDE_M = 40_000.0
#: A mortar round is lofted and slow: its highest altitude is at least this many seconds of
#: its horizontal speed (a rocket's is a few seconds) and it never flies faster than the
#: speed below (120 mm rounds leave the tube at ~360 m/s).
MORTAR_LOFT_S = 12.0
MORTAR_MAX_SPEED_MPS = 450.0
#: An air-breathing track faster than this is a cruise missile (Shahed-class drones fly
#: ~50 m/s, cruise missiles ~250 m/s).
DRONE_MAX_SPEED_MPS = 120.0


def threat_kind(
    cls: NDArray[np.int8],
    max_z: FloatArray,
    max_speed: FloatArray,
    mean_vxy: FloatArray,
    mean_speed: FloatArray,
) -> NDArray[np.int8]:
    r"""Kind of threat within its class, from the track's extremes.

    Ballistic tracks: a *ballistic missile* when seen faster than :data:`MISSILE_SPEED_MPS` or
    higher than :data:`MISSILE_ALTITUDE_M`; a *mortar round* when lofted,
    :math:`z_{max} / \bar v_{xy} \ge` :data:`MORTAR_LOFT_S` (the apogee height over the
    horizontal speed is the time scale of the climb: about :math:`\tan\theta\, v_0 / (2g)` for
    launch elevation :math:`\theta`), and never faster than :data:`MORTAR_MAX_SPEED_MPS`; a
    *rocket* otherwise. Air-breathing tracks: a *cruise missile* when flying faster than
    :data:`DRONE_MAX_SPEED_MPS` on average, a *drone* otherwise.

    Parameters
    ----------
    cls : (T,) int8
        ``BALLISTIC`` or ``AIR_BREATHING``.
    max_z, max_speed : (T,) float64
        Highest altitude (m) and speed (m/s) seen on the track.
    mean_vxy, mean_speed : (T,) float64
        Average horizontal speed and speed, m/s.

    Returns
    -------
    (T,) int8
        Codes of :data:`KIND_NAMES`.
    """
    loft = max_z / np.maximum(mean_vxy, 1.0)
    missile = (max_speed > MISSILE_SPEED_MPS) | (max_z > MISSILE_ALTITUDE_M)
    mortar = (loft >= MORTAR_LOFT_S) & (max_speed < MORTAR_MAX_SPEED_MPS)
    ballistic = np.where(missile, BALLISTIC_MISSILE, np.where(mortar, MORTAR, ROCKET))
    air = np.where(mean_speed > DRONE_MAX_SPEED_MPS, CRUISE_MISSILE, DRONE)
    return np.where(cls == AIR_BREATHING, air, ballistic).astype(np.int8)
