r"""Waypoint flight of one-way attack drones and cruise missiles, with a terminal dive.

Model
-----
A row flies at constant speed :math:`s` along straight legs between its waypoints
:math:`\mathbf w_0, \dots, \mathbf w_{K-1}` (ENU, m, each with its altitude); the last one is the
target :math:`\mathbf q` on the ground (:math:`z = 0`), and a route with fewer waypoints repeats
the target. ``wp_index`` points to the waypoint the row is flying to. In a step of length
:math:`\Delta t` the row travels the distance :math:`s\,\Delta t` along its path: when it
reaches its current goal with distance to spare, it snaps onto the goal (no overshoot), moves
on to the next goal and spends the rest of the distance toward it, so corners are cut at
neither end and the speed is exactly :math:`s` throughout.

Final leg
---------
Once the current waypoint is the target, the row cruises level at its current altitude
:math:`z` toward the target until its horizontal distance :math:`d_h` to it is at most

.. math::

    d_{dive} = z / \tan\gamma,

with :math:`\gamma` the dive angle below the horizontal; the goal of the level part is the
dive point :math:`\mathbf q_{EN} - d_{dive}\,\hat{\mathbf u}_h` at altitude :math:`z`
(:math:`\hat{\mathbf u}_h` the horizontal unit vector toward the target). From there it flies
straight at the target, at the angle :math:`\gamma`. A row that starts its final leg already
inside :math:`d_{dive}` dives straight at the target, more steeply. It stops on the target,
which it reaches with its dive velocity; the flight stage then records the impact.

The velocity returned is :math:`s` along the direction of the last piece of path flown in the
step (the heading toward the next goal if a goal is reached exactly at the end of the step);
a row already sitting on its target stays there with zero velocity.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Relative slack on the dive distance so that a row snapped onto its dive point dives next.
_DIVE_SLACK = 1e-9


def advance(
    pos: FloatArray,
    waypoints: FloatArray,
    wp_index: IntArray,
    speed: FloatArray,
    dive_angle: FloatArray,
    dt: float | FloatArray,
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray]:
    """Fly each row ``speed * dt`` meters along its route (see the module docstring).

    Parameters
    ----------
    pos : (N, 3) float64
        Position, ENU, m.
    waypoints : (N, K, 3) float64
        Route, ENU, m; ``waypoints[:, -1]`` is the target, ``z = 0``.
    wp_index : (N,) int64
        Index of the waypoint each row is flying to.
    speed : (N,) float64
        Speed, m/s.
    dive_angle : (N,) float64
        Terminal dive angle below the horizontal, rad, in ``(0, π/2]``.
    dt : float or (N,) float64
        Flight time, s, one for all rows or one per row.

    Returns
    -------
    pos : (N, 3) float64
        Position after the step, m; exactly the target for rows that reached it.
    vel : (N, 3) float64
        Velocity at the end of the step, m/s.
    wp_index : (N,) int64
        Updated waypoint index.
    spare : (N,) float64
        Distance, m, left over by rows that reached the target (0 for the others): the row
        reached it ``spare / speed`` seconds before the end of the step.
    """
    p = np.array(pos, dtype=np.float64)
    wps = np.asarray(waypoints, dtype=np.float64)
    idx = np.array(wp_index, dtype=np.int64)
    s = np.asarray(speed, dtype=np.float64)
    n, k = wps.shape[0], wps.shape[1]
    left = s * np.asarray(dt, dtype=np.float64) * np.ones(n)  # distance still to fly, m
    target = wps[:, -1]
    rows = np.arange(n)
    dive_tan = np.tan(np.asarray(dive_angle, dtype=np.float64))
    vel = np.zeros((n, 3))
    arrived = np.zeros(n, dtype=bool)

    # At most K waypoints plus the dive point can be reached in one step.
    for _ in range(k + 2):
        wp = wps[rows, idx]
        final = np.all(wp == target, axis=1)
        to_target = target[:, :2] - p[:, :2]
        d_h = np.hypot(to_target[:, 0], to_target[:, 1])
        with np.errstate(divide="ignore", invalid="ignore"):
            d_dive = p[:, 2] / dive_tan
            u_h = to_target / d_h[:, None]
        level = final & (d_h > d_dive * (1.0 + _DIVE_SLACK) + 1e-9)
        dive_point = np.concatenate([target[:, :2] - u_h * d_dive[:, None], p[:, 2:3]], axis=1)
        goal = np.where(level[:, None], dive_point, np.where(final[:, None], target, wp))

        delta = goal - p
        dist = np.sqrt(np.einsum("ij,ij->i", delta, delta))
        moving = dist > 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            unit = np.where(moving[:, None], delta / dist[:, None], 0.0)
        vel = np.where(moving[:, None], unit * s[:, None], vel)
        reached = left >= dist  # includes a row sitting on a goal, which moves on
        step = np.minimum(left, dist)
        p = np.where(reached[:, None], goal, p + unit * step[:, None])
        left = left - step
        at_target = final & ~level & reached
        arrived |= at_target
        idx = np.where(reached & ~final, np.minimum(idx + 1, k - 1), idx)
        if not np.any((left > 0.0) & ~arrived):
            break
    spare = np.where(arrived, left, 0.0)
    return p, vel, idx, spare


def step(
    pos: FloatArray,
    waypoints: FloatArray,
    wp_index: IntArray,
    speed: FloatArray,
    dive_angle: FloatArray,
    dt: float | FloatArray,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Fly each row ``dt`` seconds along its route; :func:`advance` without the spare distance.

    Parameters
    ----------
    pos : (N, 3) float64
        Position, ENU, m.
    waypoints : (N, K, 3) float64
        Route, ENU, m; ``waypoints[:, -1]`` is the target, ``z = 0``.
    wp_index : (N,) int64
        Index of the waypoint each row is flying to.
    speed : (N,) float64
        Speed, m/s.
    dive_angle : (N,) float64
        Terminal dive angle below the horizontal, rad.
    dt : float or (N,) float64
        Flight time, s.

    Returns
    -------
    pos : (N, 3) float64
        Position after the step, m.
    vel : (N, 3) float64
        Velocity at the end of the step, m/s.
    wp_index : (N,) int64
        Updated waypoint index.
    """
    p, v, i, _ = advance(pos, waypoints, wp_index, speed, dive_angle, dt)
    return p, v, i
