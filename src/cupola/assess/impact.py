r"""Impact-point prediction from a track's state.

Ballistic tracks are propagated with the same point-mass model the threats fly
(:func:`cupola.threats.ballistic.rk4_step`: gravity and drag in the exponential atmosphere)
with an assumed ballistic coefficient :math:`\beta`, until the path crosses the ground; the
crossing is interpolated linearly inside the step :math:`[\tau_{j-1}, \tau_j]` that ends at or
below the ground,

.. math:: f = \operatorname{clip}\Big(\frac{z_{j-1}}{z_{j-1} - z_j}, 0, 1\Big), \qquad
    t_{impact} = (j - 1 + f)\,\Delta t, \qquad p_{impact} = p_{j-1} + f\,(p_j - p_{j-1}),

so that a track already below the ground while falling lands at once (:math:`f = 0`) and the
predicted time to impact is never negative. Air-breathing tracks are extrapolated at
constant velocity along their ground track,

.. math:: p(\tau) = p_0 + v_{xy}\,\tau,

and their "impact" is where that ray crosses the most valuable defended asset on it (they dive
on their target, overflying lesser assets; :func:`cupola.assess.evaluate.assess`); a track
whose ray meets no asset within the horizon has none.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.threats.atmosphere import density
from cupola.threats.ballistic import rk4_step

FloatArray = NDArray[np.float64]

#: Longest RK4 substep as a fraction of the drag time (:func:`_drag_limited_step`).
DRAG_FRACTION = 0.5
#: Most RK4 substeps per path step.
MAX_SUBSTEPS = 16


def ballistic_path(
    state: FloatArray, beta: float, dt: float, horizon: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Predicted path and ground impact of ballistic tracks.

    Integrates with RK4 (:func:`cupola.threats.ballistic.rk4_step`, in substeps no longer than
    the drag time, :func:`_drag_limited_step`) only the rows still in the air, and stops once
    every row has landed.

    Parameters
    ----------
    state : (T, 6) float64
        ``[x, y, z, vx, vy, vz]``, ENU, m and m/s.
    beta : float
        Assumed ballistic coefficient, kg/m².
    dt, horizon : float
        Path step and length, s.

    Returns
    -------
    path : (T, K, 3) float64
        Positions at ``tau = 0, dt, ..., (K-1) dt``, frozen at the impact point after impact.
    impact : (T, 2) float64
        Ground impact point, NaN if the path stays in the air over the horizon.
    tti : (T,) float64
        Time to impact, s, ``inf`` if none.
    """
    n = len(state)
    k = int(np.ceil(horizon / dt)) + 1
    path = np.empty((n, k, 3))
    impact = np.full((n, 2), np.nan)
    tti = np.full(n, np.inf)
    if n == 0:
        return path, impact, tti
    pos, vel = state[:, :3].copy(), state[:, 3:].copy()
    path[:, 0] = pos
    betas = np.full(n, beta)
    active = np.arange(n)
    j = 0
    for j in range(1, k):  # time steps; each one is vectorised over the rows in the air
        p1, v1 = _drag_limited_step(pos[active], vel[active], betas[active], dt)
        z0, z1 = pos[active, 2], p1[:, 2]
        # Down: the step ends at or below the ground having started above it, or while still
        # falling (a track already below the ground lands now, one climbing out of it does not).
        down = (z1 <= 0.0) & ((z0 > 0.0) | (v1[:, 2] < 0.0))
        if down.any():
            rows = active[down]
            frac = np.clip(z0[down] / np.maximum(z0[down] - z1[down], 1e-12), 0.0, 1.0)
            ground = pos[rows] + frac[:, None] * (p1[down] - pos[rows])
            ground[:, 2] = 0.0
            impact[rows] = ground[:, :2]
            tti[rows] = (j - 1 + frac) * dt
            path[rows, j:] = ground[:, None, :]
        pos[active], vel[active] = p1, v1
        path[active[~down], j] = p1[~down]
        active = active[~down]
        if len(active) == 0:
            break
    if len(active):
        path[active, j + 1 :] = pos[active, None, :]
    return path, impact, tti


def _drag_limited_step(
    pos: FloatArray, vel: FloatArray, beta: FloatArray, dt: float
) -> tuple[FloatArray, FloatArray]:
    r"""Advance by ``dt`` in equal RK4 substeps no longer than half the drag time of any row.

    The drag time :math:`\tau_d = 2\beta / (\rho(z)\lVert v\rVert)` is the time in which drag
    alone slows a row by a factor :math:`e`; RK4 with :math:`h > \tau_d` loses its accuracy
    (and beyond :math:`h \approx 2.8\,\tau_d` its stability), which a small assumed
    :math:`\beta` at low altitude reaches at the 2 s path step. The step is cut into
    :math:`n = \lceil dt / (c \min \tau_d) \rceil` substeps, :math:`c` = ``DRAG_FRACTION``
    (at most ``MAX_SUBSTEPS``); for the ballistic coefficients of rockets (thousands of
    kg/m²) :math:`n = 1` except for fast rows near the ground.
    """
    speed = np.sqrt(np.einsum("ij,ij->i", vel, vel))
    rate = density(pos[:, 2]) * speed / (2.0 * beta)  # 1 / tau_d, 1/s
    worst = float(np.max(np.where(np.isfinite(rate), rate, 0.0), initial=0.0))
    n_sub = int(min(MAX_SUBSTEPS, max(1, np.ceil(dt * worst / DRAG_FRACTION))))
    h = dt / n_sub
    for _ in range(n_sub):  # a few substeps, each vectorised over the rows
        pos, vel = rk4_step(pos, vel, beta, h)
    return pos, vel


def level_path(state: FloatArray, dt: float, horizon: float) -> FloatArray:
    """Constant-velocity ground-track extrapolation of air-breathing tracks.

    Parameters
    ----------
    state : (T, 6) float64
    dt, horizon : float
        Path step and length, s.

    Returns
    -------
    path : (T, K, 3) float64
        ``p0 + v_xy * tau`` at the track's current altitude.
    """
    k = int(np.ceil(horizon / dt)) + 1
    tau = np.arange(k) * dt
    vel = np.column_stack([state[:, 3], state[:, 4], np.zeros(len(state))])
    return np.asarray(state[:, None, :3] + tau[None, :, None] * vel[:, None, :], float)
