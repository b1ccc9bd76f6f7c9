r"""3-DOF point-mass flight of ballistic threats: gravity and quadratic drag, RK4.

Frame and model
---------------
Local East-North-Up frame in meters over a flat earth; ``z`` is the altitude above the ground
(the ground is the plane ``z = 0``). Gravity is constant, :math:`g = 9.80665\ \mathrm{m/s^2}`
(standard gravity) pointing down: over the 2–150 km ranges of rockets, mortar rounds and
short-range ballistic missiles the curvature of the earth and the change of :math:`g` with
altitude move the impact point by far less than the spread of the threats themselves, and a
flat frame keeps the closed forms of the tests exact. The equations of motion are

.. math::

    \dot{\mathbf p} = \mathbf v, \qquad
    \dot{\mathbf v} = \mathbf g - \frac{\rho(z)}{2\beta}\,\lVert\mathbf v\rVert\,\mathbf v,
    \qquad \mathbf g = (0, 0, -g), \qquad \beta = \frac{m}{C_d A},

with :math:`\rho` the exponential atmosphere of :mod:`cupola.threats.atmosphere` and
:math:`\beta` the ballistic coefficient in kg/m² (:math:`\beta = \infty` switches drag off).
Without drag the flight has the closed forms (launch from the ground at speed :math:`v` and
elevation :math:`\theta`): range :math:`v^2 \sin 2\theta / g`, apogee
:math:`v^2 \sin^2\theta / (2g)`, time of flight :math:`2 v \sin\theta / g`.

Integration
-----------
Classic fourth-order Runge–Kutta on the state :math:`(\mathbf p, \mathbf v)` (Press et al.,
*Numerical Recipes*, §17.1): with :math:`f(\mathbf p, \mathbf v) = (\mathbf v, \mathbf a)`,

.. math::

    k_1 = f(y_n),\ k_2 = f(y_n + \tfrac h2 k_1),\ k_3 = f(y_n + \tfrac h2 k_2),\
    k_4 = f(y_n + h k_3),\quad y_{n+1} = y_n + \tfrac h6 (k_1 + 2k_2 + 2k_3 + k_4).

It is exact for the drag-free parabola (a polynomial of degree 2 in time) and has a global
error :math:`O(h^4)` with drag.

Ground crossing
---------------
Inside a step of length :math:`h` that ends below ground, the path is the cubic Hermite
interpolant of the end positions and velocities (:math:`\tau = s/h \in [0, 1]`),

.. math::

    \mathbf p(s) = (2\tau^3 - 3\tau^2 + 1)\,\mathbf p_0 + (\tau^3 - 2\tau^2 + \tau)\,h\mathbf v_0
    + (-2\tau^3 + 3\tau^2)\,\mathbf p_1 + (\tau^3 - \tau^2)\,h\mathbf v_1,

which matches the trajectory to :math:`O(h^4)` and reproduces the drag-free parabola exactly.
The crossing time :math:`s` solves :math:`p_z(s) = 0` by Newton's method safeguarded by
bisection on the bracket :math:`[0, h]`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cupola.threats.atmosphere import RHO0, SCALE_HEIGHT, density

FloatArray = NDArray[np.float64]

#: Standard gravity, m/s², pointing down (−z).
G = 9.80665

_ROOT_ITERATIONS = 12
_ROOT_TOLERANCE_M = 1e-6


def acceleration(pos: FloatArray, vel: FloatArray, beta: FloatArray) -> FloatArray:
    r"""Acceleration of point masses under gravity and quadratic drag.

    :math:`\mathbf a = \mathbf g - \rho(z)\,\lVert\mathbf v\rVert\,\mathbf v / (2\beta)`.

    Parameters
    ----------
    pos : (N, 3) float64
        Position, ENU, m.
    vel : (N, 3) float64
        Velocity, ENU, m/s.
    beta : (N,) float64
        Ballistic coefficient :math:`m / (C_d A)`, kg/m²; ``inf`` means no drag.

    Returns
    -------
    (N, 3) float64
        Acceleration, ENU, m/s².
    """
    speed = np.sqrt(np.einsum("ij,ij->i", vel, vel))
    # density(z), inlined: this is the innermost call of every flight integration.
    rho = RHO0 * np.exp(np.maximum(pos[:, 2], 0.0) * (-1.0 / SCALE_HEIGHT))
    k = rho / (2.0 * beta) * speed  # 1/s
    acc: FloatArray = vel * (-k[:, None])
    acc[:, 2] -= G
    return acc


def rk4_step(
    pos: FloatArray, vel: FloatArray, beta: FloatArray, dt: float | FloatArray
) -> tuple[FloatArray, FloatArray]:
    """One classic Runge–Kutta step of length ``dt`` (see the module docstring).

    Parameters
    ----------
    pos : (N, 3) float64
        Position, ENU, m.
    vel : (N, 3) float64
        Velocity, ENU, m/s.
    beta : (N,) float64
        Ballistic coefficient, kg/m²; ``inf`` means no drag.
    dt : float or (N,) float64
        Step length, s, one for all rows or one per row.

    Returns
    -------
    pos : (N, 3) float64
        Position after the step, m.
    vel : (N, 3) float64
        Velocity after the step, m/s.
    """
    h = np.asarray(dt, dtype=np.float64)
    if h.ndim:
        h = h[:, None]
    half = 0.5 * h
    a1 = acceleration(pos, vel, beta)
    v2 = vel + half * a1
    a2 = acceleration(pos + half * vel, v2, beta)
    v3 = vel + half * a2
    a3 = acceleration(pos + half * v2, v3, beta)
    v4 = vel + h * a3
    a4 = acceleration(pos + h * v3, v4, beta)
    sixth = h / 6.0
    new_pos = pos + sixth * (vel + 2.0 * (v2 + v3) + v4)
    new_vel = vel + sixth * (a1 + 2.0 * (a2 + a3) + a4)
    return new_pos, new_vel


def trajectory(
    pos: FloatArray, vel: FloatArray, beta: FloatArray, dt: float, n_steps: int
) -> tuple[FloatArray, FloatArray]:
    """States at ``0, dt, …, n_steps·dt`` by RK4, with no stop at the ground.

    Parameters
    ----------
    pos : (N, 3) float64
        Initial position, ENU, m.
    vel : (N, 3) float64
        Initial velocity, ENU, m/s.
    beta : (N,) float64
        Ballistic coefficient, kg/m²; ``inf`` means no drag.
    dt : float
        Step, s.
    n_steps : int
        Number of steps.

    Returns
    -------
    positions : (N, n_steps + 1, 3) float64
        Positions, m; ``positions[:, 0]`` is ``pos``.
    velocities : (N, n_steps + 1, 3) float64
        Velocities, m/s.
    """
    p = np.asarray(pos, dtype=np.float64)
    v = np.asarray(vel, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64)
    positions = np.empty((p.shape[0], n_steps + 1, 3))
    velocities = np.empty_like(positions)
    positions[:, 0], velocities[:, 0] = p, v
    for k in range(n_steps):
        p, v = rk4_step(p, v, b, dt)
        positions[:, k + 1], velocities[:, k + 1] = p, v
    return positions, velocities


def _hermite(
    tau: FloatArray, p0: FloatArray, v0: FloatArray, p1: FloatArray, v1: FloatArray, h: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Cubic Hermite value and time derivative at ``tau = s/h``; arrays (M,) or (M, 3)."""
    if p0.ndim == 2:
        tau, h = tau[:, None], h[:, None]
    t2 = tau * tau
    t3 = t2 * tau
    value = (
        (2.0 * t3 - 3.0 * t2 + 1.0) * p0
        + (t3 - 2.0 * t2 + tau) * h * v0
        + (3.0 * t2 - 2.0 * t3) * p1
        + (t3 - t2) * h * v1
    )
    with np.errstate(divide="ignore", invalid="ignore"):  # h = 0: a zero-length step
        chord = (p0 - p1) / h
    slope = (
        (6.0 * t2 - 6.0 * tau) * chord
        + (3.0 * t2 - 4.0 * tau + 1.0) * v0
        + (3.0 * t2 - 2.0 * tau) * v1
    )
    return value, slope


def ground_crossing(
    pos0: FloatArray,
    vel0: FloatArray,
    pos1: FloatArray,
    vel1: FloatArray,
    h: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Where and when a step that ends at or below the ground crosses ``z = 0``.

    The path inside the step is the cubic Hermite interpolant of the end states (module
    docstring); the crossing time is a root of :math:`p_z(s) = 0` in the step, found by
    Newton's method safeguarded by bisection on a bracket that keeps :math:`p_z > 0` at its
    left end. Rows that start the step at or below the
    ground cross at ``s = 0`` unless they climb above it first.

    Parameters
    ----------
    pos0, vel0 : (M, 3) float64
        State at the start of the step, m and m/s.
    pos1, vel1 : (M, 3) float64
        State at the end of the step (``pos1[:, 2] <= 0``), m and m/s.
    h : (M,) float64
        Step length, s.

    Returns
    -------
    s : (M,) float64
        Time of the crossing after the start of the step, s, in ``[0, h]``.
    pos : (M, 3) float64
        Crossing point, m, with ``z = 0`` exactly.
    vel : (M, 3) float64
        Velocity at the crossing, m/s.
    """
    z0, z1 = pos0[:, 2], pos1[:, 2]
    vz0, vz1 = vel0[:, 2], vel1[:, 2]
    lo = np.zeros_like(h)
    hi = np.ones_like(h)
    # Linear first guess where the step starts above ground; from the ground or below, the end
    # of the step for a row climbing first (bisection then finds its way down), else the start.
    denom = np.where(z0 > z1, z0 - z1, 1.0)
    tau = np.where(z0 > 0.0, np.clip(z0 / denom, 0.0, 1.0), np.where(vz0 > 0.0, 1.0, 0.0))
    for _ in range(_ROOT_ITERATIONS):  # Newton converges in 2-4, bisection in 12
        z, dz = _hermite(tau, z0, vz0, z1, vz1, h)
        if not np.any(np.abs(z) > _ROOT_TOLERANCE_M):  # every row on the ground (to 1 µm)
            break
        above = z > 0.0
        lo = np.where(above, tau, lo)
        hi = np.where(above, hi, tau)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = tau - z / (dz * h)
        inside = (newton >= lo) & (newton <= hi)
        tau = np.where(inside, newton, 0.5 * (lo + hi))
    s = tau * h
    p, v = _hermite(tau, pos0, vel0, pos1, vel1, h)
    p[:, 2] = 0.0
    return s, p, v


def _broadcast_rows(x: ArrayLike, n: int) -> FloatArray:
    return np.broadcast_to(np.asarray(x, dtype=np.float64), (n,))


def fly_to_ground(
    pos: FloatArray,
    vel: FloatArray,
    beta: FloatArray,
    dt: float | FloatArray = 0.05,
    max_time: float | FloatArray = 900.0,
    drag_fraction: float | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""Fly each row by RK4 until it comes down through the ground ``z = 0``.

    A row lands in the first step that ends at or below the ground while it either started the
    step above it or is moving down; the crossing inside that step is found on the cubic
    Hermite interpolant (:func:`ground_crossing`). Only the rows still in the air are
    integrated, so a step costs less as rows land.

    Parameters
    ----------
    pos : (N, 3) float64
        Initial position, ENU, m.
    vel : (N, 3) float64
        Initial velocity, ENU, m/s.
    beta : (N,) float64
        Ballistic coefficient, kg/m²; ``inf`` means no drag.
    dt : float or (N,) float64
        Integration step, s (one per row allowed).
    max_time : float or (N,) float64
        Rows still in the air after this flight time, s, are reported as NaN.
    drag_fraction : float, optional
        If given, each step of a row is
        :math:`\min(dt,\ c\,\tau_d)` with :math:`c` = ``drag_fraction`` and
        :math:`\tau_d = 2\beta / (\rho(z)\lVert\mathbf v\rVert)` the time in which drag
        alone would slow the row by a factor :math:`e`, taken at the start of the step. This
        keeps RK4 accurate through the strong early deceleration of low-:math:`\beta`, fast
        rows with far fewer steps than a fixed small ``dt`` (gravity alone needs no limit:
        RK4 is exact for it).

    Returns
    -------
    impact_pos : (N, 3) float64
        Ground point of the landing, m (``z = 0``); NaN for rows still flying at ``max_time``.
    time_of_flight : (N,) float64
        Time from the initial state to the landing, s; NaN likewise.
    apogee : (N,) float64
        Highest altitude of the flight, m (interpolated inside the step of the summit, at least
        the initial altitude); NaN likewise.
    """
    impact, _, tof, apogee = _fly(pos, vel, beta, dt, max_time, drag_fraction)
    return impact, tof, apogee


def fly_back_to_ground(
    pos: FloatArray,
    vel: FloatArray,
    beta: FloatArray,
    dt: float | FloatArray = 0.25,
    max_time: float | FloatArray = 600.0,
    drag_fraction: float | None = 0.25,
    max_speed: float = 5000.0,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""Fly each row *backwards* in time to where it left the ground: its launch state.

    With :math:`\tau = -t` and :math:`\mathbf u = -\mathbf v` the equations of motion
    (module docstring) become

    .. math::

        \frac{d\mathbf p}{d\tau} = \mathbf u, \qquad
        \frac{d\mathbf u}{d\tau} = \mathbf g + \frac{\rho(z)}{2\beta}\,
        \lVert\mathbf u\rVert\,\mathbf u,

    a forward flight with the drag's sign turned (ballistic coefficient :math:`-\beta`): going
    back in time the object speeds up as drag is given back. That flight is integrated by
    :func:`fly_to_ground` (steps limited by ``drag_fraction`` of the drag time scale), and the
    launch velocity is :math:`-\mathbf u` at the crossing. This is the launch-point
    back-extrapolation of weapon-locating radars; it assumes the object was ballistic since
    launch (no thrust on the way) and a launch from the ground plane ``z = 0``.

    Parameters
    ----------
    pos, vel : (N, 3) float64
        State now, ENU, m and m/s.
    beta : (N,) float64
        Ballistic coefficient assumed, kg/m² (``inf``: no drag).
    dt : float or (N,) float64
        Largest integration step, s.
    max_time : float or (N,) float64
        Rows not back on the ground within this time before now, s, are reported as NaN.
    drag_fraction : float, optional
        As for :func:`fly_to_ground`.
    max_speed : float
        Rows whose speed passes this on the way back, m/s, are reported as NaN: a ballistic
        coefficient far too low for the track makes the drag given back grow without bound.

    Returns
    -------
    launch_pos : (N, 3) float64
        Launch point, m (``z = 0``); NaN for rows not found.
    launch_vel : (N, 3) float64
        Velocity at launch, m/s; NaN likewise.
    elapsed : (N,) float64
        Time since launch, s; NaN likewise.
    """
    b = -np.asarray(beta, dtype=np.float64)
    vel = np.asarray(vel, np.float64)
    p, u, elapsed, _ = _fly(pos, -vel, b, dt, max_time, drag_fraction, max_speed)
    return p, -u, elapsed


def _fly(
    pos: FloatArray,
    vel: FloatArray,
    beta: FloatArray,
    dt: float | FloatArray,
    max_time: float | FloatArray,
    drag_fraction: float | None,
    max_speed: float = np.inf,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """:func:`fly_to_ground`, with the velocity at the crossing as second output; rows faster
    than ``max_speed`` are dropped (NaN)."""
    pos = np.asarray(pos, dtype=np.float64)
    vel = np.asarray(vel, dtype=np.float64)
    n = pos.shape[0]
    impact = np.full((n, 3), np.nan)
    impact_vel = np.full((n, 3), np.nan)
    tof = np.full(n, np.nan)
    apogee = np.full(n, np.nan)

    rows = np.arange(n)
    p, v = pos, vel
    b = _broadcast_rows(beta, n)
    h = _broadcast_rows(dt, n)
    t_max = _broadcast_rows(max_time, n)
    h_base = h
    t0 = np.zeros(n)
    top = pos[:, 2].copy()
    landing: list[tuple[NDArray[Any], ...]] = []
    landing_max: list[FloatArray] = []
    while rows.size:
        if drag_fraction is not None:
            speed = np.sqrt(np.einsum("ij,ij->i", v, v))
            with np.errstate(divide="ignore"):
                tau_drag = 2.0 * np.abs(b) / (density(p[:, 2]) * speed)
                tau_rho = SCALE_HEIGHT / np.abs(v[:, 2])
            h = np.minimum(h_base, drag_fraction * np.minimum(tau_drag, tau_rho))
        p1, v1 = rk4_step(p, v, b, h)
        # Summit inside the step: vz falls through 0; parabolic interpolation of z.
        vz0, vz1 = v[:, 2], v1[:, 2]
        summit = (vz0 > 0.0) & (vz1 <= 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            z_summit = p[:, 2] + 0.5 * vz0 * h * vz0 / (vz0 - vz1)
        top = np.maximum(top, p1[:, 2])
        top = np.where(summit, np.maximum(top, z_summit), top)

        t1 = t0 + h
        down = (p1[:, 2] <= 0.0) & ((p[:, 2] > 0.0) | (vz1 < 0.0))
        if down.any():  # the landing step of these rows; crossings solved once, at the end
            landing.append(
                (rows[down], p[down], v[down], p1[down], v1[down], h[down], t0[down], top[down])
            )
            landing_max.append(t_max[down])
        keep = ~down & (t1 < t_max)
        if max_speed < np.inf:
            keep &= np.einsum("ij,ij->i", v1, v1) < max_speed * max_speed
        if not keep.all():
            rows, p1, v1, b, h_base, t1, t_max, top = (
                rows[keep],
                p1[keep],
                v1[keep],
                b[keep],
                h_base[keep],
                t1[keep],
                t_max[keep],
                top[keep],
            )
            h = h_base
        p, v, t0 = p1, v1, t1
    if landing:
        r, p0, v0, p1, v1, h1, t_start, top1 = (
            np.concatenate(c) for c in zip(*landing, strict=True)
        )
        s, p_cross, v_cross = ground_crossing(p0, v0, p1, v1, h1)
        t_cross = t_start + s
        ok = t_cross <= np.concatenate(landing_max)
        impact[r[ok]] = p_cross[ok]
        impact_vel[r[ok]] = v_cross[ok]
        tof[r[ok]] = t_cross[ok]
        apogee[r[ok]] = top1[ok]
    return impact, impact_vel, tof, apogee
