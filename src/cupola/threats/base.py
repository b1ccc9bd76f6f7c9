"""Threat state: one row per threat of the raid, launched or waiting for its launch time.

Two kinds fly in the same table: ``BALLISTIC`` (rockets, mortar rounds, ballistic missiles,
3-DOF point mass with gravity and drag) and ``AIR_BREATHING`` (one-way attack drones and cruise
missiles, waypoint flight at constant speed and altitude with a terminal dive).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

BALLISTIC = np.int8(0)
AIR_BREATHING = np.int8(1)

#: ``fate`` codes.
WAITING = np.int8(0)  # launch time not reached
FLYING = np.int8(1)
LANDED = np.int8(2)  # reached the ground (impact)
KILLED = np.int8(3)  # destroyed by an interceptor


@dataclass(frozen=True, slots=True)
class ThreatTable:
    """Struct of arrays, N rows, one per threat; row index is the threat id.

    Attributes
    ----------
    pos : (N, 3) float64
        Position, ENU, m (``z`` is altitude above ground). Launch point until launched.
    vel : (N, 3) float64
        Velocity, ENU, m/s. The launch velocity until launched.
    fate : (N,) int8
        ``WAITING``, ``FLYING``, ``LANDED`` or ``KILLED``.
    kind : (N,) int8
        ``BALLISTIC`` or ``AIR_BREATHING``.
    type_idx : (N,) int64
        Index into the scenario's threat types.
    launch_time : (N,) float64
        Scenario time of launch, s.
    beta : (N,) float64
        Ballistic coefficient m / (C_d A), kg/m²; ``inf`` means no drag. Ballistic rows only.
    rcs : (N,) float64
        Radar cross-section, m².
    speed : (N,) float64
        Cruise speed, m/s. Air-breathing rows only.
    dive_angle : (N,) float64
        Terminal dive angle below the horizontal, rad. Air-breathing rows only.
    waypoints : (N, K, 3) float64
        Route of air-breathing rows, ENU, m; the last used waypoint is the target on the ground,
        rows with fewer waypoints repeat their target. Ballistic rows hold their aim point.
    wp_index : (N,) int64
        Index of the waypoint an air-breathing row is flying to.
    aim : (N, 3) float64
        Planned impact point (aim point plus aim error), ENU, m, ``z = 0``.
    impact_time : (N,) float64
        Time the row landed or was killed, s; NaN while waiting or flying.
    """

    pos: NDArray[np.float64]
    vel: NDArray[np.float64]
    fate: NDArray[np.int8]
    kind: NDArray[np.int8]
    type_idx: NDArray[np.int64]
    launch_time: NDArray[np.float64]
    beta: NDArray[np.float64]
    rcs: NDArray[np.float64]
    speed: NDArray[np.float64]
    dive_angle: NDArray[np.float64]
    waypoints: NDArray[np.float64]
    wp_index: NDArray[np.int64]
    aim: NDArray[np.float64]
    impact_time: NDArray[np.float64]

    @property
    def flying(self) -> NDArray[np.bool_]:
        """(N,) bool: rows in the air."""
        return np.asarray(self.fate == FLYING, dtype=np.bool_)


@dataclass(frozen=True, slots=True)
class FlightOutputs:
    """What happened to threats during one flight step.

    Attributes
    ----------
    launched : (L,) int64
        Rows launched during the step.
    landed : (M,) int64
        Rows that reached the ground during the step.
    impact_pos : (M, 3) float64
        Ground point of each landing, ENU, m (``z = 0``), interpolated inside the step.
    impact_time : (M,) float64
        Time of each landing, s, interpolated inside the step.
    """

    launched: NDArray[np.int64]
    landed: NDArray[np.int64]
    impact_pos: NDArray[np.float64]
    impact_time: NDArray[np.float64]
