r"""What an intercept asks of the interceptor's turn, and the chance it can make it.

An interceptor meeting a threat of velocity :math:`v_T` crossing its line of sight at angle
:math:`\theta`, at range :math:`r` from its launcher, with its speed :math:`V_M` there
(:func:`cupola.engage.profile.speed`), is asked by proportional navigation (constant
:math:`N`) for about

.. math::

    a = N V_M \frac{v_T \sin\theta}{r}

(the line-of-sight rate at the intercept; Zarchan, *Tactical and Strategic Missile Guidance*,
ch. 2). Asked for more than its lateral acceleration limit :math:`a_{max}` it mostly flies
past, so an engagement reaches its threat with probability

.. math::

    \rho = \min\left(1, (a_{max} / a)^2\right),

a fit to 8,054 simulated engagements (:mod:`cupola.siting.timeline` gives the table). Fire
control prefers, among launchers that meet a threat equally early, the one with the highest
:math:`\rho` (:mod:`cupola.fire.greedy`); the siting planner scores engagements with it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cupola.engage.base import InterceptorTypes
from cupola.engage.profile import speed, time_to_distance

FloatArray = NDArray[np.float64]


def demanded_acceleration(
    itypes: InterceptorTypes,
    itype: ArrayLike,
    launcher: FloatArray,
    at: FloatArray,
    v_threat: FloatArray,
    speed_at: Callable[[FloatArray], FloatArray] | None = None,
) -> FloatArray:
    r"""(…,) :math:`N V_M v_T \sin\theta / r` (module docstring), m/s², for interceptors of
    type ``itype`` (broadcast) from ``launcher`` meeting threats at ``at`` flying at
    ``v_threat`` (all (…, 3), ENU, m and m/s); ``speed_at`` gives :math:`V_M` from the
    distance flown (one interceptor type) where the profile's own is too slow."""
    los = np.asarray(at, float) - np.asarray(launcher, float)
    r = np.maximum(_length(los), 1.0)
    cross = _length(np.cross(los, v_threat)) / r  # v_T sin(theta)
    kind = np.broadcast_to(np.asarray(itype, np.int64), r.shape)
    if speed_at is not None:
        v_m = speed_at(r)
    else:
        v_m = speed(itypes, kind, time_to_distance(itypes, kind, r))
    return np.asarray(itypes.navigation_constant[kind] * v_m * cross / r, np.float64)


def reach_probability(itypes: InterceptorTypes, itype: ArrayLike, accel: ArrayLike) -> FloatArray:
    r"""(…,) :math:`\rho = \min(1, (a_{max} / a)^2)` for demanded accelerations ``accel``."""
    a = np.asarray(accel, float)
    limit = itypes.max_lateral_accel_mps2[np.broadcast_to(np.asarray(itype, np.int64), a.shape)]
    return np.asarray(np.minimum(1.0, (limit / np.maximum(a, 1e-9)) ** 2), np.float64)


def _length(v: FloatArray) -> FloatArray:
    """(…,) lengths of vectors (…, 3) (``np.linalg.norm`` without its overhead)."""
    return np.asarray(np.sqrt(np.einsum("...i,...i->...", v, v)), np.float64)
