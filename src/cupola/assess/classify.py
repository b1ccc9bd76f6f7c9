r"""Ballistic versus air-breathing classification from a track's kinematics.

A ballistic object (rocket, mortar round, missile) is first seen climbing steeply or falling
fast; a drone or cruise missile flies nearly level at low speed. The rule, applied when a
track is confirmed and then kept for the track's life:

.. math::

    \text{air-breathing} \iff |v_z| < 0.25\,\lVert v_{xy} \rVert + 2\sigma_{v_z}
        \ \wedge\ \lVert v \rVert < 350\ \text{m/s}
        \ \wedge\ z < 4000\ \text{m}

with :math:`\sigma_{v_z}` the standard deviation of the track's vertical velocity, so that a
noisy level track far from the radar is not taken for a climbing one. A mortar round seen only
at its apogee would fool it; a later issue replaces this rule with a
classifier on the track history.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.assess.base import AIR_BREATHING, BALLISTIC

LEVEL_RATIO = 0.25
MAX_AIR_BREATHING_SPEED_MPS = 350.0
MAX_AIR_BREATHING_ALT_M = 4000.0


def classify(state: NDArray[np.float64], sigma_vz: NDArray[np.float64]) -> NDArray[np.int8]:
    """Class of each track.

    Parameters
    ----------
    state : (T, 6) float64
        Track states ``[x, y, z, vx, vy, vz]``, ENU, m and m/s.
    sigma_vz : (T,) float64
        Standard deviation of each track's vertical velocity, m/s.

    Returns
    -------
    (T,) int8
        ``BALLISTIC`` or ``AIR_BREATHING``.
    """
    vh = np.hypot(state[:, 3], state[:, 4])
    speed = np.hypot(vh, state[:, 5])
    level = np.abs(state[:, 5]) < LEVEL_RATIO * vh + 2.0 * sigma_vz
    air = level & (speed < MAX_AIR_BREATHING_SPEED_MPS) & (state[:, 2] < MAX_AIR_BREATHING_ALT_M)
    return np.where(air, AIR_BREATHING, BALLISTIC).astype(np.int8)
