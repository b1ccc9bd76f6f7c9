r"""Speed profile of an interceptor: boost, then coast.

.. math::

    v(t) = \begin{cases}
        v_0 + (v_b - v_0)\, t / t_b & 0 \le t < t_b \\
        \max(v_b - a_c (t - t_b),\ v_{min}) & t \ge t_b
    \end{cases}

The distance flown :math:`s(t) = \int_0^t v` is piecewise quadratic and linear; fire control
inverts it to get the flight time to a planned intercept point, and the flyout integrates the
same :math:`v(t)` along the guided path, so the two agree.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cupola.engage.base import InterceptorTypes

FloatArray = NDArray[np.float64]


def _coast_floor(
    vb: FloatArray, vmin: FloatArray, ac: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Coast time until the speed floor, the coast distance flown by then, and its finiteness.

    ``t_floor = max((v_b - v_min) / a_c, 0)`` (``inf`` when ``a_c <= 0`` and ``v_b > v_min``;
    0 when ``v_b <= v_min``: the coast is flown at ``v_min`` from burnout, as :func:`speed`
    says). ``s_floor = v_b t_floor - a_c t_floor² / 2``. Written without ``inf * 0`` so that it
    raises no floating-point warning.
    """
    decel = ac > 0
    at_floor = vb <= vmin
    finite = decel | at_floor
    t_floor = np.where(
        at_floor, 0.0, np.where(decel, (vb - vmin) / np.where(decel, ac, 1.0), np.inf)
    )
    tf = np.where(finite, t_floor, 0.0)
    s_floor = np.where(finite, vb * tf - 0.5 * ac * tf**2, np.inf)
    return np.asarray(t_floor, float), np.asarray(s_floor, float), np.asarray(finite)


def speed(types: InterceptorTypes, type_idx: ArrayLike, t: ArrayLike) -> FloatArray:
    """Speed (m/s) after ``t`` seconds of flight, for interceptors of types ``type_idx``."""
    k = np.asarray(type_idx)
    t = np.asarray(t, float)
    v0, vb, tb = types.launch_speed_mps[k], types.burnout_speed_mps[k], types.boost_time_s[k]
    ac, vmin = types.coast_deceleration_mps2[k], types.min_speed_mps[k]
    # tb = 0 (no boost) never takes the boost branch; the guard only avoids a 0/0 warning.
    boost = v0 + (vb - v0) * np.clip(t, 0.0, None) / np.where(tb > 0, tb, 1.0)
    coast = np.maximum(vb - ac * (t - tb), vmin)
    return np.asarray(np.where(t < tb, boost, coast), float)


def distance(types: InterceptorTypes, type_idx: ArrayLike, t: ArrayLike) -> FloatArray:
    """Distance flown (m) after ``t`` seconds of flight."""
    k = np.asarray(type_idx)
    t = np.clip(np.asarray(t, float), 0.0, None)
    v0, vb, tb = types.launch_speed_mps[k], types.burnout_speed_mps[k], types.boost_time_s[k]
    ac, vmin = types.coast_deceleration_mps2[k], types.min_speed_mps[k]
    tb_ = np.minimum(t, tb)
    s_boost = v0 * tb_ + 0.5 * (vb - v0) / np.where(tb > 0, tb, 1.0) * tb_**2
    # Coast: decelerate until vmin at t_floor, then constant speed.
    t_floor, _, _ = _coast_floor(vb, vmin, ac)
    tc = np.clip(t - tb, 0.0, None)
    tc1 = np.minimum(tc, t_floor)
    s_coast = vb * tc1 - 0.5 * ac * tc1**2 + vmin * np.clip(tc - t_floor, 0.0, None)
    return np.asarray(s_boost + s_coast, float)


def time_to_distance(types: InterceptorTypes, type_idx: ArrayLike, d: ArrayLike) -> FloatArray:
    """Flight time (s) to fly ``d`` meters; ``inf`` beyond the distance of the maximum flight time.

    Inverts :func:`distance` piece by piece (it is strictly increasing while the speed is
    positive).
    """
    k = np.asarray(type_idx)
    d = np.asarray(d, float)
    v0, vb, tb = types.launch_speed_mps[k], types.burnout_speed_mps[k], types.boost_time_s[k]
    ac, vmin = types.coast_deceleration_mps2[k], types.min_speed_mps[k]
    s_b = 0.5 * (v0 + vb) * tb
    # Boost: 0.5 a t² + v0 t - d = 0 with a = (vb - v0)/tb.
    a = (vb - v0) / np.where(tb > 0, tb, 1.0)
    t_boost = np.where(
        np.abs(a) > 1e-12,
        (-v0 + np.sqrt(np.maximum(v0**2 + 2 * a * d, 0.0))) / np.where(np.abs(a) > 1e-12, a, 1),
        d / np.maximum(v0, 1e-12),
    )
    # Coast with deceleration: vb tc - 0.5 ac tc² = d - s_b, until speed reaches vmin.
    t_floor, s_floor, finite = _coast_floor(vb, vmin, ac)
    dc = d - s_b
    disc = np.maximum(vb**2 - 2 * ac * dc, 0.0)
    t_dec = np.where(ac > 0, (vb - np.sqrt(disc)) / np.where(ac > 0, ac, 1.0), dc / vb)
    t_flat = np.where(
        finite,
        np.where(finite, t_floor, 0.0)
        + (dc - np.where(finite, s_floor, 0.0)) / np.maximum(vmin, 1e-12),
        np.inf,
    )
    t_coast = np.where(dc <= s_floor, t_dec, t_flat)
    t = np.where(d <= s_b, t_boost, tb + t_coast)
    return np.asarray(np.where(t <= types.max_flight_time_s[k], t, np.inf), float)
