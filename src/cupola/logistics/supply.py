r"""Resupply between raids: production into the depot, deliveries to the batteries, reloads.

Time advances in steps that end on the whole hours of the campaign clock (and at the end),
all batteries at once. Over a step from
:math:`t_0` to :math:`t_1` (hours):

1. Production: the depot gains :math:`\lfloor p\,t_1 \rfloor - \lfloor p\,t_0 \rfloor`
   rounds, with :math:`p` the production per hour (whole rounds as they accumulate, counted
   from the campaign start, so the rate is exact over any span).
2. Deliveries: battery :math:`b` asks for
   :math:`w_b = \min(\lfloor r_b t_1 \rfloor - \lfloor r_b t_0 \rfloor,\ L_b - R_b)`,
   its transport over the step capped by its shortfall against its basic load :math:`L_b`
   (:math:`R_b`: rounds on its launchers and in its stock). When the depot holds less than
   :math:`\sum_b w_b`, it is shared in proportion to the asks (:func:`share`).
3. Reloads: a battery whose crews have had its reload time since the last raid tops its
   launchers up from its stock, launchers in index order. A reload under way when a raid
   ended starts over then (the launcher is ready a little later than it would be).

This is a fluid approximation of a supply chain (no convoys, no lead time beyond the rates),
the level of detail of a sustainment estimate; the engine simulates the raids themselves.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from cupola.core.table import first_come
from cupola.logistics.base import IntArray, Stocks, SupplyParams

#: Longest step of :func:`resupply`, hours.
STEP_H = 1.0


def battery_rounds(params: SupplyParams, stocks: Stocks) -> IntArray:
    """(B,) rounds each battery holds: on its launchers and in its stock."""
    on_launchers = np.bincount(params.battery, weights=stocks.ready, minlength=len(stocks.stock))
    return stocks.stock + on_launchers.astype(np.int64)


def share(want: IntArray, supply: int) -> IntArray:
    r"""Share ``supply`` whole rounds among asks ``want``, in proportion to them.

    Everyone gets their ask when the supply covers it. Otherwise ask :math:`w_i` gets
    :math:`\lfloor w_i S / W \rfloor` (:math:`W = \sum_i w_i`), and the rounds left over go
    one each to the largest remainders, ties to the lower index (the largest-remainder
    method). Integer arithmetic throughout: the result sums to :math:`\min(S, W)` exactly.
    """
    want = np.asarray(want, np.int64)
    total = int(want.sum())
    if total <= supply:
        return want.copy()
    scaled = want * supply
    give = scaled // total
    left = supply - int(give.sum())
    if left:
        order = np.lexsort((np.arange(len(want)), -(scaled % total)))
        give[order[:left]] += 1
    return give


def _floor(rate: NDArray[np.float64] | float, t: float) -> NDArray[np.int64]:
    return np.floor(np.asarray(rate) * t + 1e-9).astype(np.int64)


def resupply(
    params: SupplyParams, stocks: Stocks, until_h: float, quiet_since_h: float
) -> tuple[Stocks, dict[str, NDArray[np.float64] | NDArray[np.int64]]]:
    """Advance the supply chain from ``stocks.time_h`` to ``until_h`` (module docstring).

    Parameters
    ----------
    quiet_since_h : float
        When the last raid ended (reload times count from there).

    Returns
    -------
    stocks : Stocks
        At ``until_h``.
    trace : dict
        After each step: ``time_h`` (T,), ``rounds`` (T, B) each battery's rounds and
        ``depot`` (T,), and ``unmet`` (T,) the rounds asked for that the depot could not
        give.
    """
    t0 = stocks.time_h
    edges = [
        t
        for t in STEP_H * np.arange(np.floor(t0 / STEP_H + 1e-9) + 1, np.ceil(until_h / STEP_H))
        if t < until_h - 1e-9
    ]
    edges = [*edges, until_h] if until_h > t0 + 1e-9 else []
    ready, stock, delivered = stocks.ready.copy(), stocks.stock.copy(), stocks.delivered.copy()
    depot, produced = stocks.depot, stocks.produced
    times, rounds, depots, unmet = [], [], [], []
    for t1 in edges:  # a loop over time; every battery at once
        t1 = float(t1)
        made = int(_floor(params.production_per_h, t1)) - produced
        produced += made
        depot += made
        held = battery_rounds(params, replace(stocks, ready=ready, stock=stock))
        lift = _floor(params.delivery_per_h, t1) - _floor(params.delivery_per_h, t0)
        want = np.clip(np.minimum(lift, params.basic_load - held), 0, None)
        give = share(want, depot)
        unmet.append(int(want.sum() - give.sum()))
        stock += give
        delivered += give
        depot -= int(give.sum())
        crews = (t1 - quiet_since_h >= params.reload_h - 1e-9)[params.battery]
        top = first_come(params.battery, np.where(crews, params.capacity - ready, 0), stock)
        ready += top
        stock -= np.bincount(params.battery, weights=top, minlength=len(stock)).astype(np.int64)
        times.append(t1)
        rounds.append(battery_rounds(params, replace(stocks, ready=ready, stock=stock)))
        depots.append(depot)
        t0 = t1
    out = Stocks(
        time_h=max(until_h, stocks.time_h),
        ready=ready,
        stock=stock,
        depot=depot,
        produced=produced,
        delivered=delivered,
    )
    n_b = len(stock)
    trace = {
        "time_h": np.asarray(times, float),
        "rounds": np.asarray(rounds, np.int64).reshape(len(times), n_b),
        "depot": np.asarray(depots, np.int64),
        "unmet": np.asarray(unmet, np.int64),
    }
    return out, trace
