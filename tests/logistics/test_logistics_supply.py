"""Resupply between raids: closed-form production and delivery counts, the depot shared in
proportion (against a brute-force largest-remainder reference), reloads, conservation."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cupola.logistics import Stocks, SupplyParams, resupply, share
from cupola.logistics.supply import battery_rounds


def params(
    n_b: int = 1,
    per_battery: int = 2,
    capacity: int = 20,
    stock: int = 20,
    delivery: float = 0.0,
    production_per_day: float = 0.0,
    reload_h: float = 0.2,
) -> SupplyParams:
    battery = np.repeat(np.arange(n_b), per_battery)
    cap = np.full(len(battery), capacity, np.int64)
    return SupplyParams(
        battery=battery,
        capacity=cap,
        basic_load=np.full(n_b, capacity * per_battery + stock, np.int64),
        delivery_per_h=np.full(n_b, delivery),
        production_per_h=production_per_day / 24,
        reload_h=np.full(n_b, reload_h),
    )


def stocks(p: SupplyParams, ready: int, stock: int, depot: int, t: float = 0.0) -> Stocks:
    n_b = len(p.basic_load)
    return Stocks(
        time_h=t,
        ready=np.full(len(p.battery), ready, np.int64),
        stock=np.full(n_b, stock, np.int64),
        depot=depot,
        produced=0,
        delivered=np.zeros(n_b, np.int64),
    )


def reference_share(want: list[int], supply: int) -> list[int]:
    """Largest remainder with exact fractions, one round at a time."""
    total = sum(want)
    if total <= supply:
        return list(want)
    quota = [Fraction(w * supply, total) for w in want]
    give = [int(q) for q in quota]
    for _ in range(supply - sum(give)):
        best = max(range(len(want)), key=lambda i: (quota[i] - give[i], -i))
        give[best] += 1
        quota[best] = Fraction(give[best])  # taken: no remainder left
    return give


@given(st.lists(st.integers(0, 50), min_size=1, max_size=8), st.integers(0, 200))
def test_share_is_the_largest_remainder_method(want: list[int], supply: int) -> None:
    give = share(np.array(want, np.int64), supply)
    assert give.tolist() == reference_share(want, supply)
    assert give.sum() == min(supply, sum(want))
    assert (give >= 0).all()
    assert (give <= np.array(want)).all()


def test_share_ties_go_to_the_lower_index() -> None:
    assert share(np.array([6, 6]), 9).tolist() == [5, 4]
    assert share(np.array([3, 0, 3]), 6).tolist() == [3, 0, 3]


def test_production_accumulates_whole_rounds_at_the_exact_rate() -> None:
    p = params(production_per_day=20.0)  # 5/6 of a round an hour
    s, trace = resupply(p, stocks(p, ready=20, stock=20, depot=0), 10.0, 0.0)
    assert s.produced == s.depot == 8  # floor(10 * 20 / 24)
    assert trace["time_h"].tolist() == [float(h) for h in range(1, 11)]
    assert trace["depot"].tolist() == [int(h * 20 / 24) for h in range(1, 11)]
    s2, _ = resupply(p, s, 24.0, 0.0)
    assert s2.produced == 20  # a whole day, whatever the split


def test_deliveries_run_at_the_rate_up_to_the_basic_load() -> None:
    p = params(delivery=6.0, stock=20)  # basic load 60
    s0 = stocks(p, ready=0, stock=0, depot=1000)
    s, trace = resupply(p, s0, 5.0, quiet_since_h=0.0)
    assert s.delivered.tolist() == [30]
    assert s.depot == 970
    assert (trace["unmet"] == 0).all()
    s, _ = resupply(p, s, 20.0, 0.0)
    assert battery_rounds(p, s).tolist() == [60]
    assert s.delivered.tolist() == [60]
    assert s.ready.tolist() == [20, 20]
    assert s.stock.tolist() == [20]


def test_a_short_depot_is_shared_and_the_shortfall_reported() -> None:
    p = params(n_b=2, delivery=6.0)
    s, trace = resupply(p, stocks(p, ready=0, stock=0, depot=9), 1.0, 0.0)
    assert s.delivered.tolist() == [5, 4]
    assert s.depot == 0
    assert trace["unmet"].tolist() == [3]


def test_launchers_reload_only_once_the_crews_have_had_the_time() -> None:
    p = params(stock=40, reload_h=1.5)
    s0 = stocks(p, ready=0, stock=30, depot=0)
    s, _ = resupply(p, s0, 1.0, quiet_since_h=0.0)
    assert s.ready.tolist() == [0, 0]
    assert s.stock.tolist() == [30]
    s, _ = resupply(p, s, 2.0, quiet_since_h=0.0)
    assert s.ready.tolist() == [20, 10]
    assert s.stock.tolist() == [0]


@given(
    st.integers(1, 3),
    st.floats(0, 20),
    st.floats(0, 100),
    st.integers(0, 40),
    st.integers(0, 20),
    st.integers(0, 500),
    st.floats(0, 50),
)
def test_rounds_are_conserved(
    n_b: int,
    delivery: float,
    production: float,
    ready: int,
    stock: int,
    depot: int,
    hours: float,
) -> None:
    p = params(n_b=n_b, delivery=delivery, production_per_day=production)
    s0 = stocks(p, ready=min(ready, 20), stock=stock, depot=depot)
    s, trace = resupply(p, s0, hours, 0.0)
    before = battery_rounds(p, s0).sum() + s0.depot
    after = battery_rounds(p, s).sum() + s.depot
    assert after == before + s.produced
    assert s.depot >= 0
    assert (s.stock >= 0).all()
    assert (s.ready <= p.capacity).all()
    held = battery_rounds(p, s)
    assert ((held <= p.basic_load) | (held == battery_rounds(p, s0))).all()
    assert len(trace["time_h"]) == int(np.ceil(hours - 1e-9))
    assert np.all(np.diff(trace["time_h"]) > 0)


def test_steps_end_on_the_whole_hours_of_the_campaign_clock() -> None:
    p = params(production_per_day=24.0)
    s0 = replace(stocks(p, ready=20, stock=20, depot=0, t=2.04), produced=2)
    s, trace = resupply(p, s0, 5.5, 2.04)
    assert trace["time_h"].tolist() == [3.0, 4.0, 5.0, 5.5]
    assert trace["depot"].tolist() == [1, 2, 3, 3]  # one an hour, counted from the start
    assert s.time_h == 5.5
    assert resupply(p, s, 5.5, 2.04)[1]["time_h"].tolist() == []
