r"""Proportional-navigation guidance and the turn of a speed-profiled interceptor.

True proportional navigation (TPN), as set out in P. Zarchan, *Tactical and Strategic Missile
Guidance* (AIAA, ch. 2 and the three-dimensional form of ch. 9 and appendix), commands an
acceleration perpendicular to the line of sight (LOS), proportional to the closing speed and
to the LOS rotation rate. With the relative position :math:`\mathbf r = \mathbf p_T - \mathbf p_M`
and velocity :math:`\mathbf v_r = \mathbf v_T - \mathbf v_M` (target minus interceptor):

.. math::

    \boldsymbol\omega = \frac{\mathbf r \times \mathbf v_r}{\lVert \mathbf r\rVert^2}, \qquad
    V_c = -\frac{\mathbf r\cdot\mathbf v_r}{\lVert \mathbf r\rVert}, \qquad
    \mathbf a_{TPN} = N\, \max(V_c, 0)\; \boldsymbol\omega \times \hat{\mathbf r}
    = N \max(V_c, 0)\, \frac{\mathbf v_{r\perp}}{\lVert\mathbf r\rVert},

where :math:`\mathbf v_{r\perp}` is the part of :math:`\mathbf v_r` perpendicular to the LOS.
The closing speed is floored at zero so that an opening geometry gives no command (rather than
a command that steers away).

The interceptor's speed is prescribed by its boost-coast profile
(:mod:`cupola.engage.profile`), so only the part of the command perpendicular to the velocity
direction :math:`\hat{\mathbf u}` can be flown; it is clipped to the airframe limit:

.. math::

    \mathbf a_\perp = \mathbf a_{TPN} - (\mathbf a_{TPN}\cdot\hat{\mathbf u})\hat{\mathbf u},
    \qquad a = \min(\lVert\mathbf a_\perp\rVert,\ a_{max}).

Over a substep of length :math:`h` in which the profile flies the distance :math:`\Delta s`
(mean speed :math:`\bar v = \Delta s / h`), a lateral acceleration :math:`a` at constant turn
rate :math:`a / \bar v` turns the velocity by :math:`\theta = a h / \bar v = a h^2 / \Delta s`
in the plane of :math:`\hat{\mathbf u}` and :math:`\hat{\mathbf e} = \mathbf a_\perp /
\lVert\mathbf a_\perp\rVert`:

.. math::

    \hat{\mathbf u}_1 = \cos\theta\,\hat{\mathbf u} + \sin\theta\,\hat{\mathbf e}, \qquad
    \hat{\mathbf u}_{1/2} = \cos\tfrac{\theta}{2}\,\hat{\mathbf u}
        + \sin\tfrac{\theta}{2}\,\hat{\mathbf e},

and the interceptor moves by :math:`\Delta s\, \hat{\mathbf u}_{1/2}` (the chord of the arc,
to second order), so that its path length follows the profile exactly. Gravity is not applied:
it is assumed compensated by the autopilot, as the speed profile already is.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def _cross(a: FloatArray, b: FloatArray) -> FloatArray:
    """Row-wise cross product of two (M, 3) arrays (faster than ``np.cross`` for short rows)."""
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    out[:, 0] = a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1]
    out[:, 1] = a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2]
    out[:, 2] = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return out


def _dot(a: FloatArray, b: FloatArray) -> FloatArray:
    """Row-wise dot product of two (M, 3) arrays, (M,)."""
    return np.asarray(np.einsum("ij,ij->i", a, b), float)


def tpn_accel(
    pos: FloatArray,
    vel: FloatArray,
    target_pos: FloatArray,
    target_vel: FloatArray,
    nav_const: FloatArray,
) -> FloatArray:
    """True proportional-navigation acceleration command (see the module docstring).

    Parameters
    ----------
    pos, vel : (M, 3) float64
        Interceptor position (m) and velocity (m/s), ENU.
    target_pos, target_vel : (M, 3) float64
        Target position (m) and velocity (m/s), ENU. A row with any NaN has no target and gets
        a zero command.
    nav_const : (M,) float64
        Navigation constant N.

    Returns
    -------
    (M, 3) float64
        Commanded acceleration, m/s², perpendicular to the line of sight.
    """
    r = target_pos - pos
    v_rel = target_vel - vel
    r2 = _dot(r, r)
    ok = np.isfinite(r2) & np.isfinite(_dot(v_rel, v_rel)) & (r2 > 0.0)
    r = np.where(ok[:, None], r, 0.0)
    v_rel = np.where(ok[:, None], v_rel, 0.0)
    r2 = np.where(ok, r2, 1.0)
    # N max(Vc, 0) v_rel_perp / |r|, with v_rel_perp = v_rel - (v_rel·r̂) r̂ = (ω × r̂)|r|.
    rv = _dot(r, v_rel)
    v_perp = v_rel - (rv / r2)[:, None] * r
    vc = np.maximum(-rv / np.sqrt(r2), 0.0)
    gain = np.where(ok, nav_const * vc / np.sqrt(r2), 0.0)
    return np.asarray(gain[:, None] * v_perp, float)


def turn(
    direction: FloatArray,
    accel: FloatArray,
    max_accel: FloatArray,
    h: float,
    ds: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Turn unit velocity directions by a clipped lateral acceleration over one substep.

    Parameters
    ----------
    direction : (M, 3) float64
        Unit velocity direction at the start of the substep.
    accel : (M, 3) float64
        Commanded acceleration, m/s²; its component along ``direction`` is discarded.
    max_accel : (M,) float64
        Lateral acceleration limit, m/s².
    h : float
        Substep length, s.
    ds : (M,) float64
        Distance flown during the substep by the speed profile, m (no turn where 0).

    Returns
    -------
    end : (M, 3) float64
        Unit direction at the end of the substep, :math:`\\hat u_1`.
    mid : (M, 3) float64
        Unit direction of the chord, :math:`\\hat u_{1/2}`.
    """
    a_perp = accel - _dot(accel, direction)[:, None] * direction
    a_norm = np.sqrt(_dot(a_perp, a_perp))
    turning = (a_norm > 0.0) & (ds > 0.0)
    e = a_perp / np.where(turning, a_norm, 1.0)[:, None]
    a = np.minimum(a_norm, max_accel)
    theta = np.where(turning, a * h * h / np.where(turning, ds, 1.0), 0.0)
    end = np.cos(theta)[:, None] * direction + np.sin(theta)[:, None] * e
    mid = np.cos(0.5 * theta)[:, None] * direction + np.sin(0.5 * theta)[:, None] * e
    end /= np.sqrt(_dot(end, end))[:, None]
    mid /= np.sqrt(_dot(mid, mid))[:, None]
    return end, mid
