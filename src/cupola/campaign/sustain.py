"""Sustainment: a campaign of raids over days, with interceptor production and resupply.

The scenario's ``sustainment`` section schedules raids (:mod:`cupola.logistics.schedule`).
Each raid is simulated by the engine, end to end, starting from the rounds the batteries hold
at its start, with no deliveries while it lasts; between raids the supply chain runs
(:func:`cupola.logistics.resupply`): production into the depot, deliveries towards each
battery's basic load, reloads. Raid :math:`k` of a campaign with seed :math:`s` runs with the
seed drawn from ``SeedSequence(s).spawn(...)[k]`` (raids are numbered from 1 in the outputs,
from 0 here), so a campaign depends only on the scenario
and its seed, and lengthening it does not change its first raids.

A battery *runs out* when a raid leaves it no round (on its launchers or in stock) after it
started that raid with some; the time is that of its last launch. The depot *falls short*
at the first step where it cannot meet the batteries' asks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.core.table import stack_columns
from cupola.errors import ScenarioError
from cupola.logistics import Stocks, SupplyParams, resupply
from cupola.logistics.schedule import raid_times, scaled_raid
from cupola.logistics.supply import battery_rounds
from cupola.scenario.schema import Scenario, Sustainment
from cupola.sim.engine import simulate
from cupola.sim.summary import summarize
from cupola.sim.world import World, compile_world

#: Figures of a raid's summary that are not summed over the campaign (``zones_alerted``
#: counts distinct zones, which do not add up over raids).
NOT_SUMMED = ("seed", "interceptors_left", "zones_alerted")

Columns = dict[str, NDArray[Any]]


@dataclass(frozen=True)
class SustainResult:
    """One campaign over days.

    Attributes
    ----------
    scenario : str
    seed : int
    days : float
    battery_names : list of str
    raids : dict of arrays
        One row per raid: ``raid`` (1, 2, ...), ``slot``, ``time_h``, ``day`` (1 for the
        first 24 h), ``end_h``, ``seed``, every number of the raid's summary,
        ``rounds_before`` and ``rounds_after`` (all batteries), ``depot`` at its start,
        ``batteries_empty`` after it.
    batteries : dict of arrays
        One row per raid and battery: ``raid``, ``time_h``, ``battery``, ``rounds_before``,
        ``fired``, ``rounds_after``, ``delivered`` (since the campaign start), ``ran_out``,
        ``ran_out_h`` (NaN when it did not).
    stock : dict of arrays
        The rounds held over time: ``time_h``, ``holder`` (a battery's name or ``depot``),
        ``rounds``; hourly between raids, and at each raid's start and end.
    stockouts : list of dict
        ``battery``, ``raid``, ``time_h``, ``when`` (``day D HH:MM``), in time order.
    depot_short_h : float
        First time the depot could not meet the batteries' asks (NaN: never).
    final : Stocks
        At the campaign's end.
    totals : dict
        The campaign's figures (:meth:`SustainResult.totals`).
    """

    scenario: str
    seed: int
    days: float
    battery_names: list[str]
    raids: Columns
    batteries: Columns
    stock: Columns
    stockouts: list[dict[str, Any]]
    depot_short_h: float
    final: Stocks
    totals: dict[str, Any]


def clock(hours: float) -> str:
    """Campaign time as ``day D HH:MM`` (day 1 is the first 24 hours).

    >>> clock(0.0), clock(26.5)
    ('day 1 00:00', 'day 2 02:30')
    """
    minutes = math.floor(hours * 60 + 1e-6)
    day, rest = divmod(minutes, 24 * 60)
    return f"day {day + 1} {rest // 60:02d}:{rest % 60:02d}"


def raid_seed(seed: int, k: int) -> int:
    """The engine seed of raid ``k``: from child ``k`` of ``SeedSequence(seed)`` (what its
    ``spawn`` gives as the ``k``-th child).

    >>> child = np.random.SeedSequence(5).spawn(3)[2]
    >>> raid_seed(5, 2) == int(child.generate_state(1, np.uint64)[0])
    True
    """
    child = np.random.SeedSequence(seed, spawn_key=(k,))
    return int(child.generate_state(1, np.uint64)[0])


def supply_params(sc: Scenario, world: World) -> SupplyParams:
    """The supply chain of a scenario with a ``sustainment`` section."""
    assert sc.sustainment is not None
    u = world.units
    n_b = len(u.stock)
    return SupplyParams(
        battery=u.battery,
        capacity=u.capacity,
        basic_load=u.stock
        + np.bincount(u.battery, weights=u.capacity, minlength=n_b).astype(np.int64),
        delivery_per_h=u.resupply_per_s * 3600.0,
        production_per_h=sc.sustainment.production_rounds_per_day / 24.0,
        reload_h=u.reload_s / 3600.0,
    )


def require_sustainment(sc: Scenario, source: str | None = None) -> Sustainment:
    """The scenario's ``sustainment`` section; :class:`ScenarioError` when it has none."""
    if sc.sustainment is None:
        raise ScenarioError(
            source or sc.name,
            "sustainment",
            "the scenario has no sustainment section (a campaign of raids over days; see "
            "docs/formats.md)",
        )
    return sc.sustainment


def sustain(
    sc: Scenario,
    seed: int,
    source: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SustainResult:
    """Run the campaign of ``sc``'s ``sustainment`` section with ``seed`` (module docstring).

    ``progress(done, total)`` is called after each raid.

    Raises
    ------
    ScenarioError
        The scenario has no ``sustainment`` section.
    """
    sus = require_sustainment(sc, source)
    times, slots = raid_times(sus)
    base = compile_world(sc, source)
    params = supply_params(sc, base)
    u = base.units
    n_b = len(u.stock)
    stocks = Stocks(
        0.0, u.ready.copy(), u.stock.copy(), sus.depot_stock, 0, np.zeros(n_b, np.int64)
    )
    worlds: dict[int, World] = {}
    no_resupply = np.zeros(n_b)
    trace = _Trace(n_b)
    trace.add(0.0, battery_rounds(params, stocks), stocks.depot)
    rows: list[dict[str, Any]] = []
    bat_rows: list[Columns] = []
    stockouts: list[dict[str, Any]] = []
    quiet = 0.0
    per_asset = np.zeros(len(base.assets.names))
    for k, (t_h, slot) in enumerate(zip(times, slots, strict=True)):
        stocks, tr = resupply(params, stocks, t_h, quiet)
        trace.extend(tr)
        if slot not in worlds:
            spec = sus.raids[slot]
            raid = scaled_raid(spec.raid or sc.raid, spec.count_scale)
            worlds[slot] = compile_world(
                sc.model_copy(update={"raid": raid, "sustainment": None}), source
            )
        w = worlds[slot]
        units = replace(w.units, ready=stocks.ready, stock=stocks.stock, resupply_per_s=no_resupply)
        before = battery_rounds(params, stocks)
        result = simulate(replace(w, units=units), raid_seed(seed, k))
        summary = summarize(result)
        end_h = t_h + result.end_time / 3600.0
        depot_at_start = stocks.depot
        stocks = replace(stocks, time_h=end_h, ready=result.units.ready, stock=result.units.stock)
        after = battery_rounds(params, stocks)
        launched_by = u.battery[result.interceptors.launcher_id]
        fired = np.bincount(launched_by, minlength=n_b)
        last = np.full(n_b, np.nan)
        np.fmax.at(last, launched_by, result.interceptors.launch_time)
        out = (after == 0) & (before > 0)
        # When it fired its last round (at the raid's end had it none left to fire).
        out_h = np.where(
            out, t_h + np.where(np.isnan(last), result.end_time, last) / 3600.0, np.nan
        )
        for b in np.flatnonzero(out):
            stockouts.append(
                {
                    "battery": base.units.battery_names[b],
                    "raid": k + 1,
                    "time_h": round(float(out_h[b]), 6),
                    "when": clock(float(out_h[b])),
                }
            )
        trace.add(t_h, before, depot_at_start)
        trace.add(end_h, after, stocks.depot)
        numbers = {
            key: v
            for key, v in summary.items()
            if isinstance(v, int | float) and not isinstance(v, bool) and key != "seed"
        }
        rows.append(
            {
                "raid": k + 1,
                "slot": slot,
                "time_h": t_h,
                "day": int(t_h // 24) + 1,
                "end_h": end_h,
                "seed": raid_seed(seed, k),
                **numbers,
                "rounds_before": int(before.sum()),
                "rounds_after": int(after.sum()),
                "depot": depot_at_start,
                "batteries_empty": int((after == 0).sum()),
            }
        )
        bat_rows.append(
            {
                "raid": np.full(n_b, k + 1),
                "time_h": np.full(n_b, t_h),
                "battery": np.array(base.units.battery_names, dtype=object),
                "rounds_before": before,
                "fired": fired,
                "rounds_after": after,
                "delivered": stocks.delivered.copy(),
                "ran_out": out,
                "ran_out_h": out_h,
            }
        )
        per_asset += [summary["hits_per_asset"][a] for a in base.assets.names]
        quiet = end_h
        if progress is not None:
            progress(k + 1, len(times))
    stocks, tr = resupply(params, stocks, sus.days * 24.0, quiet)
    trace.extend(tr)
    raids = _columns(rows)
    short = trace.first_short()
    totals = _totals(raids, stocks, params, stockouts, short)
    for name, hits, value in zip(base.assets.names, per_asset, base.assets.values, strict=True):
        totals[f"damage:{name}"] = float(hits * value)
    return SustainResult(
        scenario=sc.name,
        seed=seed,
        days=sus.days,
        battery_names=list(base.units.battery_names),
        raids=raids,
        batteries=stack_columns(bat_rows),
        stock=trace.columns(base.units.battery_names),
        stockouts=stockouts,
        depot_short_h=short,
        final=stocks,
        totals=totals,
    )


def _totals(
    raids: Columns,
    final: Stocks,
    params: SupplyParams,
    stockouts: list[dict[str, Any]],
    short_h: float,
) -> dict[str, Any]:
    """The campaign's figures: each raid figure summed over the raids, and the logistics."""
    skip = {"raid", "slot", "time_h", "day", "end_h", "seed", "rounds_before", "rounds_after"}
    skip |= {"depot", "batteries_empty", *NOT_SUMMED}
    totals: dict[str, Any] = {"raids": len(raids.get("raid", []))}
    for key, values in raids.items():
        if key not in skip:
            total = values.sum()
            totals[key] = float(total) if values.dtype.kind == "f" else int(total)
    totals["interceptors_left"] = int(battery_rounds(params, final).sum())
    totals["depot_left"] = final.depot
    totals["rounds_produced"] = final.produced
    totals["rounds_delivered"] = int(final.delivered.sum())
    totals["stockouts"] = len(stockouts)
    totals["batteries_run_out"] = len({s["battery"] for s in stockouts})
    totals["first_stockout_h"] = stockouts[0]["time_h"] if stockouts else math.nan
    totals["depot_short_h"] = short_h
    return totals


class _Trace:
    """The rounds each holder had over time, gathered as the campaign runs."""

    def __init__(self, n_b: int) -> None:
        self.times: list[NDArray[np.float64]] = []
        self.rounds: list[NDArray[np.int64]] = []
        self.depot: list[NDArray[np.int64]] = []
        self.unmet: list[NDArray[np.int64]] = []
        self.n_b = n_b

    def add(self, t: float, rounds: NDArray[np.int64], depot: int) -> None:
        self.times.append(np.array([t]))
        self.rounds.append(np.asarray(rounds, np.int64).reshape(1, self.n_b))
        self.depot.append(np.array([depot], np.int64))
        self.unmet.append(np.zeros(1, np.int64))

    def extend(self, tr: dict[str, NDArray[Any]]) -> None:
        self.times.append(tr["time_h"])
        self.rounds.append(tr["rounds"])
        self.depot.append(tr["depot"])
        self.unmet.append(tr["unmet"])

    def first_short(self) -> float:
        times, unmet = np.concatenate(self.times), np.concatenate(self.unmet)
        short = np.flatnonzero(unmet > 0)
        return float(times[short[0]]) if len(short) else math.nan

    def columns(self, names: list[str]) -> Columns:
        times = np.concatenate(self.times)
        held = np.column_stack([np.vstack(self.rounds), np.concatenate(self.depot)])
        holders = np.array([*names, "depot"], dtype=object)
        return {
            "time_h": np.repeat(times, len(holders)),
            "holder": np.tile(holders, len(times)),
            "rounds": held.ravel().astype(np.int64),
        }


def _columns(rows: list[dict[str, Any]]) -> Columns:
    if not rows:
        return {}
    return {key: np.asarray([r[key] for r in rows]) for key in rows[0]}
