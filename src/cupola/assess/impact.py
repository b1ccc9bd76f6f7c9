r"""Impact-point prediction from a track's state.

Ballistic tracks are propagated with the same point-mass model the threats fly
(:func:`cupola.threats.ballistic.rk4_step`: gravity and drag in the exponential atmosphere)
with a ballistic coefficient :math:`\beta` per row (:mod:`cupola.assess.ballistic_filter`
estimates it), in steps of two path samples :math:`2\Delta t` while the path rows need no drag
substeps (the sample between is the cubic Hermite midpoint) and of one otherwise, each cut per
row into RK4 substeps no longer than a fraction of the row's drag time (:func:`fly`,
:func:`_advance`). The
ground crossing inside the step that ends below the ground is found on the cubic Hermite
interpolant of the step's end states (:func:`cupola.threats.ballistic.ground_crossing`), which
reproduces the drag-free parabola exactly and is :math:`O(\Delta t^4)` with drag: at the 2 s
path step the impact point is within a metre of a fine integration for descending rockets and
within a few metres (under 3e-4 of the range) for fast climbing ones. A track already below the
ground while falling lands at once, so the predicted time to impact is never negative.

Air-breathing tracks are extrapolated at constant velocity along their ground track,

.. math:: p(\tau) = p_0 + v_{xy}\,\tau,

and their "impact" is where that ray crosses the most valuable defended asset on it (they dive
on their target, overflying lesser assets; :func:`cupola.assess.evaluate.assess`); a track
whose ray meets no asset within the horizon has none.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.threats.atmosphere import RHO0, SCALE_HEIGHT
from cupola.threats.ballistic import G, ground_crossing, rk4_step

FloatArray = NDArray[np.float64]

#: Longest RK4 substep as a fraction of a row's drag time (:func:`_advance`).
DRAG_FRACTION = 0.25
#: Weight of the density's own rate of change, :math:`|v_z| / H`, in the substep rule.
DENSITY_WEIGHT = 0.5
#: Most RK4 substeps per integration step.
MAX_SUBSTEPS = 16


def ballistic_path(
    state: FloatArray, beta: float | FloatArray, dt: float, horizon: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Predicted path and ground impact of ballistic tracks (:func:`fly`, every row's path).

    Parameters
    ----------
    state : (T, 6) float64
        ``[x, y, z, vx, vy, vz]``, ENU, m and m/s.
    beta : float or (T,) float64
        Ballistic coefficient, kg/m², one for all rows or one per row.
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
    return fly(state, beta, dt, horizon, len(state))


def fly(
    state: FloatArray, beta: float | FloatArray, dt: float, horizon: float, n_path: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Fly rows to the ground together, keeping the path of the first ``n_path`` only.

    One integration serves a track's nominal prediction and the points of its uncertainty
    (:mod:`cupola.assess.uncertainty`): each step is vectorised over every row still in the
    air, and the loop stops once every row has landed.

    Parameters
    ----------
    state : (N, 6) float64
        ``[x, y, z, vx, vy, vz]``, ENU, m and m/s.
    beta : float or (N,) float64
        Ballistic coefficient, kg/m².
    dt, horizon : float
        Path step and length, s.
    n_path : int
        Rows ``0 .. n_path - 1`` get their path sampled.

    Returns
    -------
    path : (n_path, K, 3) float64
        As :func:`ballistic_path`.
    impact : (N, 2) float64
    tti : (N,) float64
    """
    n = len(state)
    k = int(np.ceil(horizon / dt)) + 1
    path = np.full((n_path, k, 3), np.nan)  # NaN after a row is lost (non-finite)
    impact = np.full((n, 2), np.nan)
    tti = np.full(n, np.inf)
    if n == 0:
        return path, impact, tti
    # An integration step spans two path samples (the first then being the cubic Hermite
    # midpoint) while no row with a path needs drag substeps at that length, else one (every
    # sample then integrated); rows without a path take their substeps. The rows still in the
    # air are kept compacted in their original order, so that the rows with a path are always
    # a prefix; a row lands in the step that ends at or below the ground, and its crossing is
    # found after the loop, in one vectorised call, from the step's end states.
    idx = np.arange(n)
    pos, vel = state[:, :3].copy(), state[:, 3:].copy()
    betas = np.array(np.broadcast_to(np.asarray(beta, np.float64), (n,)))
    kb = 0.5 / betas  # drag factor 1 / (2 beta), m²/kg
    path[:, 0] = pos[:n_path]
    land_t0 = np.full(n, np.nan)  # start time and length of the landing step
    land_h = np.full(n, np.nan)
    ends = np.empty((n, 4, 3))
    traced = n_path
    done = 0  # samples done
    while done < k - 1 and len(idx):
        with np.errstate(over="ignore", invalid="ignore"):  # wild points: dropped below
            acc, drag_rate = _acceleration(pos[:, 2], vel, kb)
            rate = drag_rate + DENSITY_WEIGHT * np.abs(vel[:, 2]) / SCALE_HEIGHT
        rate = np.where(np.isfinite(rate), rate, 0.0)
        smooth = traced == 0 or 2.0 * dt * rate[:traced].max() <= DRAG_FRACTION  # path rows
        span = 2 if done + 2 <= k - 1 and smooth else 1
        h = span * dt
        n_sub = np.clip(np.ceil(h * rate / DRAG_FRACTION), 1, MAX_SUBSTEPS).astype(np.int64)
        with np.errstate(over="ignore", invalid="ignore"):
            if n_sub.max() == 1:  # the usual case: one RK4 step, its first stage done
                p1, v1 = _rk4(pos, vel, acc, kb, h)
            else:
                p1, v1 = _advance(pos, vel, betas, h, n_sub)
        # Down: the step ends at or below the ground having started above it, or while still
        # falling (a track already below the ground lands now, one climbing out of it does not).
        z1 = p1[:, 2]
        down = (z1 <= 0.0) & ((pos[:, 2] > 0.0) | (v1[:, 2] < 0.0))
        lost = ~np.isfinite(z1)  # a non-finite value anywhere reaches z within the step
        if traced:
            if span == 2:
                mid = 0.5 * (pos[:traced] + p1[:traced]) + (h / 8.0) * (vel[:traced] - v1[:traced])
                path[idx[:traced], done + 1] = mid
            path[idx[:traced], done + span] = p1[:traced]
        gone = down | lost
        if gone.any():
            land = down & ~lost
            rows = idx[land]
            land_t0[rows], land_h[rows] = done * dt, h
            ends[rows] = np.stack([pos[land], vel[land], p1[land], v1[land]], axis=1)
            up = ~gone
            traced -= int(gone[:traced].sum())
            idx, pos, vel, betas, kb = idx[up], p1[up], v1[up], betas[up], kb[up]
        else:
            pos, vel = p1, v1
        done += span
    rows = np.flatnonzero(np.isfinite(land_h))
    if len(rows):
        e = ends[rows]
        s, ground, _ = ground_crossing(e[:, 0], e[:, 1], e[:, 2], e[:, 3], land_h[rows])
        t_hit = land_t0[rows] + s
        impact[rows] = ground[:, :2]
        tti[rows] = t_hit
        mine = rows < n_path
        # From the first sample at or after the crossing on, the path rests on the ground.
        after = np.arange(k)[None, :] * dt >= t_hit[mine, None] - 1e-9  # (R, K)
        path[rows[mine]] = np.where(after[:, :, None], ground[mine, None, :], path[rows[mine]])
    return path, impact, tti


def _acceleration(z: FloatArray, vel: FloatArray, kb: FloatArray) -> tuple[FloatArray, FloatArray]:
    r"""Gravity and drag (:func:`cupola.threats.ballistic.acceleration`, with
    :math:`k_b = 1/(2\beta)` given), and the drag rate :math:`\rho(z)\lVert v\rVert k_b`, the
    inverse drag time :math:`1/\tau_d`, 1/s; ``z`` (N,), ``vel`` (N, 3), ``kb`` (N,)."""
    speed = np.sqrt(np.einsum("ij,ij->i", vel, vel))
    drag = RHO0 * np.exp(np.maximum(z, 0.0) * (-1.0 / SCALE_HEIGHT)) * speed * kb
    acc = vel * (-drag)[:, None]
    acc[:, 2] -= G
    return acc, drag


def _rk4(
    pos: FloatArray, vel: FloatArray, a1: FloatArray, kb: FloatArray, h: float
) -> tuple[FloatArray, FloatArray]:
    """One RK4 step of length ``h`` (:func:`cupola.threats.ballistic.rk4_step`) whose first
    stage ``a1`` is known; the stages need only the altitude of the intermediate positions."""
    half = 0.5 * h
    z = pos[:, 2]
    v2 = vel + half * a1
    a2, _ = _acceleration(z + half * vel[:, 2], v2, kb)
    v3 = vel + half * a2
    a3, _ = _acceleration(z + half * v2[:, 2], v3, kb)
    v4 = vel + h * a3
    a4, _ = _acceleration(z + h * v3[:, 2], v4, kb)
    sixth = h / 6.0
    return pos + sixth * (vel + 2.0 * (v2 + v3) + v4), vel + sixth * (a1 + 2.0 * (a2 + a3) + a4)


def _advance(
    pos: FloatArray, vel: FloatArray, beta: FloatArray, dt: float, n_sub: NDArray[np.int64]
) -> tuple[FloatArray, FloatArray]:
    r"""Advance each row by ``dt`` in ``n_sub`` equal RK4 substeps.

    The drag time :math:`\tau_d = 2\beta / (\rho(z)\lVert v\rVert)` is the time in which drag
    alone slows a row by a factor :math:`e`; RK4 with :math:`h > \tau_d` loses its accuracy
    (and beyond :math:`h \approx 2.8\,\tau_d` its stability), which a small :math:`\beta` at
    low altitude reaches within a path step. Row :math:`i` takes
    :math:`n_i = \lceil dt\,r_i / c \rceil` substeps, :math:`c` = ``DRAG_FRACTION`` (at most
    ``MAX_SUBSTEPS``), with :math:`r_i = 1/\tau_{d,i} + w |v_z| / H` (:func:`fly`; the second
    term, weighted by ``DENSITY_WEIGHT``, follows the density through fast climbs); for the
    ballistic coefficients of rockets (thousands of kg/m²)
    :math:`n_i = 1` except for fast rows near the ground, and only those rows take the extra
    substeps.
    """
    most = int(n_sub.max(initial=1))
    if most == 1:
        return rk4_step(pos, vel, beta, dt)
    pos, vel = pos.copy(), vel.copy()
    h = dt / n_sub
    for sub in range(most):  # a few substeps, each vectorised over the rows that need it
        r = np.flatnonzero(n_sub > sub)
        pos[r], vel[r] = rk4_step(pos[r], vel[r], beta[r], h[r])
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
