r"""Greedy fire control by threatened value.

Threats are served in priority order — the value of the asset they threaten, highest first,
then the earliest predicted impact, then the track id — and each takes the launcher that
intercepts it earliest among those with rounds and rate left this cycle. That sequential rule
(a serial dictatorship) is computed here without a loop over threats, by a fixed-point
iteration over all threats at once (:func:`deferred_acceptance`); with one salvo size per
launcher it is also the outcome of deferred acceptance with a common priority (Gale and
Shapley, "College admissions and the stability of marriage", 1962). The tests check it
against a plain loop.

A launcher's capacity in a cycle is :math:`\min(\text{ready}, \max(1, \lfloor P/\Delta\rfloor))`
rounds for decision period :math:`P` and launch interval :math:`\Delta`; an engagement takes
:math:`\min(s, \text{capacity})` rounds for doctrine salvo size :math:`s`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.assess.base import Assessment
from cupola.engage.base import InterceptorTypes
from cupola.fire.base import FireOrders, FireParams, UnitState
from cupola.fire.envelope import earliest_intercept
from cupola.sim.world import FireUnits

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def deferred_acceptance(
    rank: IntArray, pref: IntArray, n_pref: IntArray, demand: IntArray, capacity: IntArray
) -> IntArray:
    r"""Serial-dictatorship assignment of candidates to launchers, computed without a loop.

    The result is the sequential greedy rule: candidates in rank order, each taking the first
    launcher of its list that still has room for its demand. Candidate :math:`i` (in rank
    order) is assigned

    .. math::

        x_i = \text{first } l \in \text{pref}_i \text{ with }
        d_{il} \le c_l - \sum_{j < i,\ x_j = l} d_{jl},

    a triangular system (each :math:`x_i` depends only on higher-ranked candidates) that is
    solved by fixed-point iteration: all :math:`x_i` are recomputed from the previous iterate
    at once, so after :math:`k` iterations the :math:`k` highest-ranked are final, and the
    iteration stops at the first fixed point (the unique solution), at most :math:`T + 1`
    iterations, typically a few more than the number of launchers used. With a common
    priority this is the outcome of deferred acceptance (Gale and Shapley, "College admissions
    and the stability of marriage", 1962) when each launcher asks the same demand of every
    candidate; unlike deferred acceptance it stays exact when demands differ (a large demand
    that does not fit never blocks smaller ones behind it).

    Parameters
    ----------
    rank : (T,) int64
        Priority of each candidate, 0 best; all distinct.
    pref : (T, M) int64
        Launchers of each candidate, best first; only the first ``n_pref`` entries are used.
    n_pref : (T,) int64
        Number of acceptable launchers of each candidate.
    demand : (T, L) int64
        Rounds candidate ``t`` takes from launcher ``l``.
    capacity : (L,) int64
        Rounds each launcher can give.

    Returns
    -------
    (T,) int64
        Launcher of each candidate, -1 when unserved.
    """
    t = len(rank)
    order = np.argsort(rank, kind="stable")  # candidates in priority order
    usable = np.arange(pref.shape[1])[None, :] < n_pref[order, None]  # (T, M)
    lists = np.where(usable, pref[order], 0)
    dem = demand[order]
    dem_at = np.take_along_axis(dem, lists, axis=1)  # demand of each listed launcher
    rows = np.arange(t)
    x = np.full(t, -1, np.int64)
    for _ in range(t + 1):  # fixed-point iterations, not a loop over candidates
        served = rows[x >= 0]
        use = np.zeros(dem.shape, np.int64)
        use[served, x[served]] = dem[served, x[served]]
        room = capacity[None, :] - (np.cumsum(use, axis=0) - use)  # left by higher ranks
        fits = usable & (dem_at <= np.take_along_axis(room, lists, axis=1))
        new = np.where(fits.any(axis=1), lists[rows, fits.argmax(axis=1)], -1)
        if np.array_equal(new, x):
            break
        x = new
    held = np.empty(t, np.int64)
    held[order] = x
    return held


def decide(
    params: FireParams,
    units: FireUnits,
    itypes: InterceptorTypes,
    state: UnitState,
    assessment: Assessment,
    eligible: NDArray[np.bool_],
    now: float,
) -> tuple[UnitState, FireOrders]:
    r"""One decision cycle of greedy fire control.

    For launcher :math:`l` of a battery with reaction time :math:`R`, launch interval
    :math:`\Delta` and decision period :math:`P`: it can launch from
    :math:`a_l = \max(t + R, \text{next\_free}_l)`, and this cycle it may start rounds until
    :math:`w_l = t + R + P`, which gives it a capacity of
    :math:`\min(\text{ready}, \max(s, \lceil (w_l - a_l)/\Delta \rceil))` rounds
    (0 when reloading or busy past :math:`w_l`) for salvo size :math:`s`; an engagement takes
    :math:`\min(s, \text{ready})` rounds. A threat may take launcher :math:`l` when the
    envelope has an intercept for it (:func:`cupola.fire.envelope.earliest_intercept`) whose
    launch is due this cycle, :math:`t_k - T_f < w_l + \delta` with :math:`\delta` the step of
    the predicted path (the resolution of :math:`t_k`); a later one waits for a later cycle.
    Threats are served by priority (see the module docstring). On each launcher the rounds are
    launched in the order they are needed, each at :math:`\max(t_k - T_f, \text{previous} +
    \Delta)` and never before :math:`a_l`, so that an interceptor meets its threat at the
    planned point rather than early and outside the envelope.

    Parameters
    ----------
    params : FireParams
    units : FireUnits
        Static launcher and battery data.
    itypes : InterceptorTypes
    state : UnitState
        Launchers now.
    assessment : Assessment
        The current picture, T tracks.
    eligible : (T,) bool
        Tracks that may be engaged now (doctrine says engage, not already engaged or killed).
    now : float
        Scenario time, s.
    """
    cand = np.flatnonzero(eligible & assessment.engage)
    b = units.battery
    interval = units.interval_s[b]
    launch_at = np.maximum(now + units.reaction_s[b], state.next_free)
    window_end = now + units.reaction_s[b] + params.decision_period_s
    slots = np.ceil((window_end - launch_at) / interval - 1e-9).astype(np.int64)
    shots_max = params.shots_per_engagement
    free = (slots > 0) & ~np.isfinite(state.reload_done) & (state.ready > 0)
    capacity = np.where(free, np.minimum(state.ready, np.maximum(slots, shots_max)), 0)
    if len(cand) == 0 or not (capacity > 0).any():
        return state, _no_orders()
    feasible, t_int, sample, flight = earliest_intercept(
        itypes,
        units.pos,
        units.itype,
        launch_at,
        assessment.path[cand],
        assessment.path_time,
        assessment.impact_time[cand],
        params.min_intercept_altitude_m,
    )
    # When to launch to meet the threat at the planned point.
    need = np.where(feasible, t_int - np.where(feasible, flight, 0.0), np.inf)
    # Due this cycle, to within one step of the predicted path (the resolution of ``need``).
    pt = assessment.path_time
    step = float(pt[1] - pt[0]) if len(pt) > 1 else 0.0
    feasible &= (capacity[None, :] > 0) & (need < window_end[None, :] + step)
    priority = np.lexsort(
        (assessment.track_id[cand], assessment.impact_time[cand], -assessment.value[cand])
    )
    rank = np.empty(len(cand), np.int64)
    rank[priority] = np.arange(len(cand))
    key = np.where(feasible, t_int, np.inf)
    pref = np.argsort(key, axis=1, kind="stable")
    n_pref = feasible.sum(axis=1)
    demand = np.broadcast_to(
        np.minimum(shots_max, np.maximum(state.ready, 1))[None, :], feasible.shape
    ).astype(np.int64)
    held = deferred_acceptance(rank, pref, n_pref, demand, capacity)

    won = np.flatnonzero(held >= 0)
    lau = held[won]
    order = np.lexsort((rank[won], need[won, lau], lau))
    won, lau = won[order], lau[order]
    shots = demand[won, lau]
    first = _launch_times(lau, shots * interval[lau], need[won, lau], launch_at[lau])
    next_free = state.next_free.copy()
    np.maximum.at(next_free, lau, first + shots * interval[lau])
    ready = state.ready.copy()
    np.subtract.at(ready, lau, shots)
    s = sample[won, lau]
    orders = FireOrders(
        track_id=assessment.track_id[cand[won]],
        launcher=lau.astype(np.int64),
        shots=shots.astype(np.int64),
        first_launch=first,
        intercept_point=assessment.path[cand[won], s],
        intercept_time=assessment.path_time[s],
    )
    return UnitState(ready, next_free, state.reload_done, state.stock), orders


def _launch_times(
    launcher: IntArray, busy: FloatArray, need: FloatArray, earliest: FloatArray
) -> FloatArray:
    r"""First-round times of engagements queued on launchers, without a loop.

    Engagements are sorted by launcher, then by need. On one launcher
    :math:`x_k = \max(x_{k-1} + b_{k-1}, n_k, e)` with :math:`b` the time an engagement
    keeps the launcher busy, :math:`n` the needed launch time and :math:`e` the launcher's
    earliest launch. With :math:`c_k = \sum_{j<k} b_j`, :math:`y_k = x_k - c_k` obeys
    :math:`y_k = \max(y_{k-1}, n_k - c_k)`, a running maximum within each launcher's group.

    Parameters
    ----------
    launcher : (E,) int64
        Launcher of each engagement, grouped (sorted).
    busy, need, earliest : (E,) float64
        Busy time, needed launch time, and the launcher's earliest launch, s.
    """
    if len(launcher) == 0:
        return np.empty(0)
    start = np.r_[True, launcher[1:] != launcher[:-1]]
    group = np.cumsum(start) - 1
    cum = np.cumsum(busy)
    c = cum - busy - (cum - busy)[start][group]  # busy time before, within the group
    y = np.maximum(need, earliest) - c
    # Running maximum restarted at each group: lift each group above the previous ones.
    lift = (np.max(np.abs(y)) + 1.0) * 2.0 * group
    y = np.maximum.accumulate(y + lift) - lift
    return np.asarray(y + c, float)


def _no_orders() -> FireOrders:
    i = np.empty(0, np.int64)
    f = np.empty(0)
    return FireOrders(i, i, i, f, np.empty((0, 3)), f)
