r"""Fire control by weapon-target assignment across every battery: registry name ``wta``.

Each decision cycle poses the static problem of :mod:`cupola.fire.static_wta` on the picture
and solves it with the search of :mod:`cupola.fire.wta_search`:

- targets: the tracks the doctrine engages (not already engaged), valued at their expected
  damage :math:`V_t` from the threat evaluation;
- weapons: every launcher of every battery with rounds it can start this cycle
  (:mod:`cupola.fire.window`: ready rounds, launch interval, reaction time, reloads); a pair
  is possible only where the envelope has an intercept before impact whose launch is due now;
- kill probability: the launcher's interceptor's single-shot kill probability, against the
  threat's type where the threat library has identified it (``sskp_by_threat``);
- cost: :math:`\lambda c_w` with :math:`c_w` the round's price and :math:`\lambda` the
  doctrine's ``interceptor_cost_weight`` (value per dollar);
- reserve: a launcher's last ``reserve_rounds`` rounds form a second weapon on the same
  launcher whose rounds cost ``reserve_release_damage`` more, so they are spent only where a
  round saves more expected damage than that (and than its cost);
- doctrine: a threat whose window leaves time for a second shot after kill assessment (its
  earliest intercept, plus ``kill_assessment_s`` and a decision period, plus reaction time,
  still leaves some launcher an intercept before impact) takes at most one round now
  (shoot-look-shoot: a miss frees it for a later cycle); any other takes at most
  ``shots_per_engagement`` (a salvo). The cap is applied to the solution by keeping each
  threat's rounds of highest kill probability, and the rounds it frees go by maximum
  marginal return to threats below their cap.

All batteries are one problem, so two launchers engage the same threat only when the solver
finds it worth two rounds. The search has a fixed kick budget and a random stream seeded from
the cycle's time, so a run depends only on its scenario and seed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.assess.base import Assessment
from cupola.engage.base import InterceptorTypes
from cupola.fire.base import FireOrders, FireParams, UnitState
from cupola.fire.envelope import earliest_intercept
from cupola.fire.static_wta import StaticWTA, greedy
from cupola.fire.window import Intercepts, cycle_window, due_intercepts, no_orders, place
from cupola.fire.wta_search import improve
from cupola.sim.world import FireUnits

IntArray = NDArray[np.int64]

#: Kicks of the search in each decision cycle.
KICKS = 10


def decide(
    params: FireParams,
    units: FireUnits,
    itypes: InterceptorTypes,
    state: UnitState,
    assessment: Assessment,
    eligible: NDArray[np.bool_],
    now: float,
) -> tuple[UnitState, FireOrders]:
    """One decision cycle (module docstring); the interface of :mod:`cupola.fire.base`."""
    cand = np.flatnonzero(eligible & assessment.engage & (assessment.expected_damage > 0))
    win = cycle_window(params, units, state, now)
    if len(cand) == 0 or not (win.capacity > 0).any():
        return state, no_orders()
    win, due = due_intercepts(params, units, itypes, state, win, assessment, cand)
    reach = due.feasible.any(axis=1)
    if not reach.any():
        return state, no_orders()
    cap = _shot_caps(params, units, itypes, assessment, cand, due)
    n_l = len(units.pos)
    pk_l = itypes.sskp[units.itype]
    # weapons: each launcher's unreserved rounds, then its reserved ones
    normal = np.minimum(win.capacity, np.maximum(state.ready - params.reserve_rounds, 0))
    ammo = np.concatenate([normal, win.capacity - normal])
    cost = params.cost_weight * itypes.cost_usd[units.itype]
    cost = np.concatenate([cost, cost + params.reserve_release_damage])
    pk_cl = np.broadcast_to(pk_l[None, :], due.feasible.shape).copy()  # (C, L)
    if assessment.threat_type is not None and itypes.sskp_threat is not None:
        kind = assessment.threat_type[cand]
        known = kind >= 0
        pk_cl[known] = itypes.sskp_threat[units.itype][:, kind[known]].T
    pk = np.where(due.feasible, pk_cl, 0.0).T  # (L, C)
    problem = StaticWTA(
        assessment.expected_damage[cand].astype(np.float64),
        np.vstack([pk, pk]),
        ammo.astype(np.int64),
        cost.astype(np.float64),
        1.0,
    )
    rng = np.random.default_rng(np.random.SeedSequence([round(now * 1e3), len(cand)]))
    shots = improve(problem, np.zeros(problem.shape, np.int64), rng, max_kicks=KICKS)
    shots = capped(problem, shots, cap)
    per_launcher = shots[:n_l] + shots[n_l:]  # (L, C)
    lau, rows = np.nonzero(per_launcher)
    if rows.size == 0:
        return state, no_orders()
    tiebreak = np.argsort(np.argsort(-assessment.expected_damage[cand][rows], kind="stable"))
    return place(assessment, cand, win, due, state, rows, lau, per_launcher[lau, rows], tiebreak)


def _shot_caps(
    params: FireParams,
    units: FireUnits,
    itypes: InterceptorTypes,
    assessment: Assessment,
    cand: IntArray,
    due: Intercepts,
) -> IntArray:
    """(C,) rounds each candidate may take now: 1 where shoot-look-shoot fits, else the salvo."""
    salvo = np.full(len(cand), params.shots_per_engagement, np.int64)
    if not params.shoot_look_shoot or params.shots_per_engagement == 1:
        return salvo
    first = np.where(due.feasible, due.time, np.inf).min(axis=1)  # (C,)
    look = first + params.kill_assessment_s + params.decision_period_s
    again = look[:, None] + units.reaction_s[units.battery][None, :]  # (C, L)
    ok, *_ = earliest_intercept(
        itypes,
        units.pos,
        units.itype,
        again,
        assessment.path[cand],
        assessment.path_time,
        assessment.impact_time[cand],
        params.min_intercept_altitude_m,
    )
    return np.where(ok.any(axis=1), 1, salvo).astype(np.int64)


def capped(problem: StaticWTA, shots: IntArray, cap: IntArray) -> IntArray:
    """``shots`` (W, T) with at most ``cap`` (T,) rounds per target (module docstring)."""
    x = np.array(shots, np.int64)
    over = x.sum(axis=0) > cap
    if not over.any():
        return x
    w, t = np.nonzero(x * over[None, :])
    k = np.repeat(np.arange(w.size), x[w, t])  # one entry per round
    rw, rt = w[k], t[k]
    order = np.lexsort((-problem.pk[rw, rt], rt))
    rw, rt = rw[order], rt[order]
    start = np.r_[True, rt[1:] != rt[:-1]]
    first = np.flatnonzero(start)[np.cumsum(start) - 1]
    drop = np.arange(rt.size) - first >= cap[rt]
    np.subtract.at(x, (rw[drop], rt[drop]), 1)
    # the freed rounds go by maximum marginal return to targets under their cap
    return greedy(problem, x, cap)
