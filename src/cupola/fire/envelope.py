r"""Engagement envelope: where and when each launcher can meet each predicted path.

For launcher :math:`l` launching at :math:`t_l` and a track's predicted path sample
:math:`p_k` at time :math:`t_k`, the interceptor's flight time to the sample is
:math:`T_f = s^{-1}(\lVert p_k - x_l \rVert)` from the speed profile
(:func:`cupola.engage.profile.time_to_distance`). The sample is a feasible intercept point when

.. math::

    t_l + T_f \le t_k, \quad r_{min} \le \lVert p_k - x_l \rVert \le r_{max}, \quad
    h_{min} \le z_k \le h_{ceiling}, \quad t_k < t_{impact},

and the planned intercept is the earliest feasible sample. The interceptor need not leave at
:math:`t_l`: leaving at :math:`t_k - T_f` it meets the threat at the planned point, so fire
control launches then (:mod:`cupola.fire.greedy`), and an intercept that needs no launch
before the next decision cycle waits for it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.engage.base import InterceptorTypes
from cupola.engage.profile import time_to_distance

FloatArray = NDArray[np.float64]


def earliest_intercept(
    itypes: InterceptorTypes,
    launcher_pos: FloatArray,
    launcher_type: NDArray[np.int64],
    launch_time: FloatArray,
    path: FloatArray,
    path_time: FloatArray,
    impact_time: FloatArray,
    min_altitude: float,
) -> tuple[NDArray[np.bool_], FloatArray, NDArray[np.int64], FloatArray]:
    """Earliest feasible intercept of each path by each launcher.

    Parameters
    ----------
    itypes : InterceptorTypes
    launcher_pos : (L, 3) float64
        ENU, m.
    launcher_type : (L,) int64
        Interceptor type of each launcher.
    launch_time : (L,) or (T, L) float64
        Earliest launch time of each launcher (for each track), s.
    path : (T, K, 3) float64
        Predicted positions of each track, ENU, m.
    path_time : (K,) float64
        Times of the path samples, s.
    impact_time : (T,) float64
        Predicted impact time of each track, s.
    min_altitude : float
        Lowest intercept altitude, m.

    Returns
    -------
    feasible : (T, L) bool
    time : (T, L) float64
        Intercept time, s (inf where infeasible).
    sample : (T, L) int64
        Index of the intercept sample on the path (0 where infeasible).
    flight_time : (T, L) float64
        Interceptor flight time to the intercept point, s (inf where infeasible).
    """
    t = path.shape[0]
    n_l = len(launcher_pos)
    reach, fly = _reach(
        itypes, launcher_pos, launcher_type, path, path_time, impact_time, min_altitude
    )
    ok = np.asarray(
        reach
        & (np.broadcast_to(launch_time, (t, n_l))[:, :, None] + fly <= path_time[None, None, :]),
        bool,
    )
    feasible: NDArray[np.bool_] = np.asarray(ok.any(axis=2), bool)
    sample = np.where(feasible, ok.argmax(axis=2), 0)
    time = np.where(feasible, path_time[sample], np.inf)
    fly_at = np.take_along_axis(fly, sample[:, :, None], axis=2)[:, :, 0]
    flight = np.where(feasible, fly_at, np.inf)
    assert time.shape == (t, n_l)
    return feasible, time, sample, flight


def latest_launch(
    itypes: InterceptorTypes,
    launcher_pos: FloatArray,
    launcher_type: NDArray[np.int64],
    path: FloatArray,
    path_time: FloatArray,
    impact_time: FloatArray,
    min_altitude: float,
) -> FloatArray:
    r"""Latest launch of each launcher that still meets each path inside the envelope:
    :math:`\max_k (t_k - T_f)` over the samples that satisfy every condition of the module
    docstring but the launch time (the end of an engagement's time window).

    Parameters are those of :func:`earliest_intercept` (no launch time).

    Returns
    -------
    (T, L) float64
        s; ``-inf`` where no sample of the path is in the envelope.
    """
    reach, fly = _reach(
        itypes, launcher_pos, launcher_type, path, path_time, impact_time, min_altitude
    )
    latest = np.where(reach, path_time[None, None, :] - fly, -np.inf).max(axis=2, initial=-np.inf)
    return np.asarray(latest, np.float64)


def _reach(
    itypes: InterceptorTypes,
    launcher_pos: FloatArray,
    launcher_type: NDArray[np.int64],
    path: FloatArray,
    path_time: FloatArray,
    impact_time: FloatArray,
    min_altitude: float,
) -> tuple[NDArray[np.bool_], FloatArray]:
    """(T, L, K) whether each path sample is in each launcher's envelope (range, height,
    before impact), and the interceptor's flight time to it, s."""
    d = np.linalg.norm(path[:, None, :, :] - launcher_pos[None, :, None, :], axis=-1)  # T,L,K
    ty = launcher_type[None, :, None]
    fly = time_to_distance(itypes, np.broadcast_to(ty, d.shape), d)
    z = path[:, None, :, 2]
    reach = (
        (d >= itypes.min_range_m[ty])
        & (d <= itypes.max_range_m[ty])
        & (z >= min_altitude)
        & (z > 0.0)  # a path rests on the ground after its predicted landing
        & (z <= itypes.ceiling_m[ty])
        & (path_time[None, None, :] < impact_time[:, None, None])
    )
    return reach, fly
