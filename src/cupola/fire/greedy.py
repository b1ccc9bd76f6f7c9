r"""Greedy fire control by threatened value.

Threats are served in priority order — the value of the asset they threaten, highest first,
then the earliest predicted impact, then the track id — and each takes the launcher that
intercepts it earliest among those with rounds and rate left this cycle; among launchers that
meet it equally early (at the same sample of its predicted path), the one whose interceptor
is likeliest to make the turn the intercept asks for (highest reach probability
:math:`\rho`, :mod:`cupola.engage.demand`, to two decimals), then the first listed. That
sequential rule (a serial dictatorship) is computed here without a loop over threats, by a
fixed-point iteration over all threats at once (:func:`deferred_acceptance`); with one salvo
size per launcher it is also the outcome of deferred acceptance with a common priority (Gale
and Shapley, "College admissions and the stability of marriage", 1962). The tests check it
against a plain loop.

A launcher's window and capacity in a cycle are those of :mod:`cupola.fire.window`; an
engagement takes :math:`\min(s, \text{capacity})` rounds for doctrine salvo size :math:`s`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.assess.base import Assessment
from cupola.engage.base import InterceptorTypes
from cupola.engage.demand import demanded_acceleration, reach_probability
from cupola.fire.base import FireOrders, FireParams, UnitState
from cupola.fire.window import Intercepts, cycle_window, due_intercepts, no_orders, place
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


def reach(
    units: FireUnits,
    itypes: InterceptorTypes,
    assessment: Assessment,
    cand: IntArray,
    due: Intercepts,
) -> FloatArray:
    r"""(C, L) reach probability :math:`\rho` of each launcher's planned intercept of each
    candidate (:mod:`cupola.engage.demand`), the threat's velocity there taken from its
    predicted path (central differences); 0 where infeasible."""
    path = assessment.path[cand]  # C, K, 3
    if path.shape[1] < 2:
        return np.zeros(due.feasible.shape)
    vel = np.gradient(path, assessment.path_time, axis=1)
    rows = np.arange(len(cand))[:, None]
    at, v = path[rows, due.sample], vel[rows, due.sample]  # C, L, 3
    accel = demanded_acceleration(itypes, units.itype[None, :], units.pos[None, :, :], at, v)
    return np.where(due.feasible, reach_probability(itypes, units.itype[None, :], accel), 0.0)


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

    Each launcher's window and capacity, and the intercepts due this cycle, are those of
    :mod:`cupola.fire.window`; an engagement takes :math:`\min(s, \text{capacity})` rounds.
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
    win = cycle_window(params, units, state, now)
    capacity = win.capacity
    shots_max = params.shots_per_engagement
    if len(cand) == 0 or not (capacity > 0).any():
        return state, no_orders()
    win, due = due_intercepts(params, units, itypes, state, win, assessment, cand)
    capacity = win.capacity
    feasible, t_int = due.feasible, due.time
    priority = np.lexsort(
        (assessment.track_id[cand], assessment.impact_time[cand], -assessment.value[cand])
    )
    rank = np.empty(len(cand), np.int64)
    rank[priority] = np.arange(len(cand))
    key = np.where(feasible, t_int, np.inf)
    turn = -np.round(reach(units, itypes, assessment, cand, due), 2)
    pref = np.lexsort((turn, key), axis=1)  # earliest, then likeliest to reach, then first
    n_pref = feasible.sum(axis=1)
    demand = np.broadcast_to(
        np.minimum(shots_max, np.maximum(capacity, 1))[None, :], feasible.shape
    ).astype(np.int64)
    held = deferred_acceptance(rank, pref, n_pref, demand, capacity)

    won = np.flatnonzero(held >= 0)
    lau = held[won]
    return place(assessment, cand, win, due, state, won, lau, demand[won, lau], rank[won])
