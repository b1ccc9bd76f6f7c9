"""Greedy fire control (``decide``) against a plain reference loop, and hand-made cases."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from cupola.assess.base import Assessment
from cupola.engage import time_to_distance
from cupola.engage.demand import demanded_acceleration
from cupola.fire.base import FireOrders, FireParams, UnitState
from cupola.fire.greedy import decide
from cupola.sim.world import FireUnits
from factories import DT, K, interceptor_types, make_assessment, make_units, with_engage

TYPES = interceptor_types()

FloatArray = NDArray[np.float64]


@dataclass
class Order:
    launcher: int
    shots: int
    first_launch: float
    sample: int


def reference_decide(
    params: FireParams,
    units: FireUnits,
    state: UnitState,
    a: Assessment,
    eligible: NDArray[np.bool_],
    now: float,
) -> tuple[dict[int, Order], NDArray[np.int64], FloatArray]:
    """The rule written as loops: threats by priority, each its earliest-intercept launcher
    among those whose launch is due this cycle (to within one path step), ties to the highest
    reach probability, then the first; then each launcher's rounds in need order."""
    n_l = len(units.pos)
    shots_max = params.shots_per_engagement
    interval = [float(units.interval_s[units.battery[j]]) for j in range(n_l)]
    reaction = [float(units.reaction_s[units.battery[j]]) for j in range(n_l)]
    launch_at = [max(now + reaction[j], float(state.next_free[j])) for j in range(n_l)]
    window_end = [now + reaction[j] + params.decision_period_s for j in range(n_l)]
    cap = []
    for j in range(n_l):
        slots = math.ceil((window_end[j] - launch_at[j]) / interval[j] - 1e-9)
        free = slots > 0 and not np.isfinite(state.reload_done[j]) and state.ready[j] > 0
        cap.append(min(int(state.ready[j]), max(slots, shots_max)) if free else 0)
    cand = [i for i in range(len(a.track_id)) if eligible[i] and a.engage[i]]
    cand.sort(key=lambda i: (-a.value[i], a.impact_time[i], a.track_id[i]))
    rank = {i: r for r, i in enumerate(cand)}
    left = list(cap)
    chosen: dict[int, tuple[int, int, int, float]] = {}
    for i in cand:
        options = []
        for j in range(n_l):
            if cap[j] == 0:
                continue
            for s in range(K):
                p = a.path[i, s]
                d = math.dist(p, units.pos[j])
                fly = float(time_to_distance(TYPES, 0, d))
                if (
                    launch_at[j] + fly <= a.path_time[s]
                    and TYPES.min_range_m[0] <= d <= TYPES.max_range_m[0]
                    and params.min_intercept_altitude_m <= p[2] <= TYPES.ceiling_m[0]
                    and a.path_time[s] < a.impact_time[i]
                ):
                    need = float(a.path_time[s]) - fly
                    if need < window_end[j] + DT:
                        # Ties in time go to the launcher likeliest to make the turn.
                        vel = np.gradient(a.path[i], a.path_time, axis=0)[s]
                        accel = float(demanded_acceleration(TYPES, 0, units.pos[j], p, vel))
                        rho = min(1.0, (TYPES.max_lateral_accel_mps2[0] / max(accel, 1e-9)) ** 2)
                        options.append((float(a.path_time[s]), -round(rho, 2), j, s, need))
                    break
        for _, _, j, s, need in sorted(options):
            shots = min(shots_max, max(int(state.ready[j]), 1))
            if shots <= left[j]:
                left[j] -= shots
                chosen[i] = (j, shots, s, need)
                break
    orders: dict[int, Order] = {}
    next_free = state.next_free.copy()
    ready = state.ready.copy()
    for j in range(n_l):
        mine = sorted((v[3], rank[i], i) for i, v in chosen.items() if v[0] == j)
        end = -math.inf
        for need, _, i in mine:
            _, shots, s, _ = chosen[i]
            first = max(end, need, launch_at[j])
            end = first + shots * interval[j]
            orders[int(a.track_id[i])] = Order(j, shots, first, s)
            next_free[j] = max(next_free[j], end)
            ready[j] -= shots
    return orders, ready, next_free


def check_against_reference(
    params: FireParams,
    units: FireUnits,
    state: UnitState,
    a: Assessment,
    eligible: NDArray[np.bool_],
    now: float,
) -> tuple[UnitState, FireOrders]:
    copies = [x.copy() for x in (state.ready, state.next_free, state.reload_done, a.path)]
    new, orders = decide(params, units, TYPES, state, a, eligible, now)
    for c, x in zip(copies, (state.ready, state.next_free, state.reload_done, a.path), strict=True):
        np.testing.assert_array_equal(c, x)  # inputs untouched
    want, ready, next_free = reference_decide(params, units, state, a, eligible, now)
    assert sorted(orders.track_id.tolist()) == sorted(want)
    assert len(set(orders.track_id.tolist())) == len(orders.track_id)  # no track twice
    row_of = {int(tid): i for i, tid in enumerate(a.track_id)}
    for e, tid in enumerate(orders.track_id.tolist()):
        w = want[tid]
        assert orders.launcher[e] == w.launcher
        assert orders.shots[e] == w.shots
        assert math.isclose(orders.first_launch[e], w.first_launch, rel_tol=0, abs_tol=1e-9)
        # The planned intercept is a sample of the predicted path, at that sample's time.
        np.testing.assert_array_equal(orders.intercept_point[e], a.path[row_of[tid], w.sample])
        assert orders.intercept_time[e] == a.path_time[w.sample]
    np.testing.assert_array_equal(new.ready, ready)
    np.testing.assert_allclose(new.next_free, next_free, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(new.stock, state.stock)
    # Invariants, independent of the reference.
    interval = units.interval_s[units.battery]
    reaction = units.reaction_s[units.battery]
    window = now + reaction + params.decision_period_s - np.maximum(now + reaction, state.next_free)
    slots = np.maximum(np.ceil(window / interval - 1e-9), 0)
    fired = np.bincount(orders.launcher, weights=orders.shots, minlength=len(units.pos))
    assert (fired <= state.ready).all()
    assert (fired[slots == 0] == 0).all()
    assert (fired <= np.maximum(slots, params.shots_per_engagement)).all()
    # Each interceptor leaves no earlier than needed to meet its threat at the planned point.
    d = np.linalg.norm(orders.intercept_point - units.pos[orders.launcher], axis=1)
    need = orders.intercept_time - time_to_distance(TYPES, 0, d)
    assert (orders.first_launch >= need - 1e-9).all()
    assert (fired[np.isfinite(state.reload_done)] == 0).all()
    assert (new.ready >= 0).all()
    b = units.battery[orders.launcher]
    assert (orders.first_launch >= now + units.reaction_s[b] - 1e-9).all()
    assert (orders.first_launch >= state.next_free[orders.launcher] - 1e-9).all()
    return new, orders


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_equals_reference_on_random_cases(seed: int) -> None:
    rng = np.random.default_rng(seed)
    now = float(rng.uniform(0, 100))
    n_b = int(rng.integers(1, 3))
    n_l = int(rng.integers(1, 5))
    t = int(rng.integers(0, 9))
    units = make_units(
        np.c_[rng.uniform(-6e3, 6e3, (n_l, 2)), np.zeros(n_l)],
        rng.integers(0, n_b, n_l).tolist(),
        rng.integers(0, 5, n_l).tolist(),
        rng.uniform(1, 5, n_b).tolist(),
        rng.choice([0.5, 1.0, 1.5, 3.0], n_b).tolist(),
    )
    state = UnitState(
        ready=units.ready.copy(),
        next_free=now + rng.uniform(-5, 5, n_l),
        reload_done=np.where(rng.random(n_l) < 0.2, now + 10.0, np.nan),
        stock=np.full(n_b, 7, np.int64),
    )
    start = np.c_[rng.uniform(-12e3, 12e3, (t, 2)), rng.uniform(1000, 9000, t)]
    vel = np.c_[rng.uniform(-300, 300, (t, 2)), rng.uniform(-300, -20, t)]
    values = rng.choice([0.0, 10.0, 50.0, 100.0], t).tolist()
    ids = rng.choice(1000, t, replace=False).tolist()
    a = make_assessment(start, vel, values, now, ids)
    a = with_engage(a, rng.random(t) < 0.9)
    eligible = rng.random(t) < 0.9
    params = FireParams(
        shots_per_engagement=int(rng.integers(1, 4)),
        min_intercept_altitude_m=float(rng.uniform(0, 800)),
        decision_period_s=float(rng.choice([1.0, 2.0, 3.0])),
    )
    check_against_reference(params, units, state, a, eligible, now)


def one_launcher(ready: int, interval: float = 1.0, reaction: float = 2.0) -> FireUnits:
    return make_units(np.zeros((1, 3)), [0], [ready], [reaction], [interval])


def fresh_state(units: FireUnits, next_free: float = 0.0) -> UnitState:
    n_l = len(units.pos)
    return UnitState(
        units.ready.copy(), np.full(n_l, next_free), np.full(n_l, np.nan), units.stock.copy()
    )


def two_threats(values: list[float], now: float = 0.0) -> Assessment:
    start = np.array([[6000.0, 0.0, 6000.0], [-6000.0, 1000.0, 6000.0]])
    vel = np.array([[-100.0, 0.0, -150.0], [100.0, 0.0, -150.0]])
    return make_assessment(start, vel, values, now, [7, 3])


PARAMS = FireParams(shots_per_engagement=1, min_intercept_altitude_m=300.0, decision_period_s=1.0)


def test_scarce_round_goes_to_the_more_valuable_threat() -> None:
    units = one_launcher(ready=1)
    for values, winner in (([10.0, 100.0], 3), ([100.0, 10.0], 7)):
        a = two_threats(values)
        new, orders = check_against_reference(
            PARAMS, units, fresh_state(units), a, np.ones(2, bool), 0.0
        )
        assert orders.track_id.tolist() == [winner]
        assert new.ready.tolist() == [0]


def test_rate_per_cycle_and_launch_spacing() -> None:
    """Interval 1 s and period 3 s: 3 rounds this cycle, at least 1 s apart after reaction."""
    units = one_launcher(ready=10, interval=1.0, reaction=2.0)
    params = FireParams(shots_per_engagement=1, min_intercept_altitude_m=0.0, decision_period_s=3.0)
    start = np.c_[np.linspace(-5000, 5000, 5), np.full(5, 6000.0), np.full(5, 5000.0)]
    vel = np.tile([0.0, -50.0, -100.0], (5, 1))
    a = make_assessment(start, vel, [100.0, 90.0, 80.0, 70.0, 60.0], 10.0, [0, 1, 2, 3, 4])
    new, orders = check_against_reference(
        params, units, fresh_state(units), a, np.ones(5, bool), 10.0
    )
    order = np.argsort(orders.first_launch)
    assert sorted(orders.track_id.tolist()) == [0, 1, 2]  # the most valuable three
    launches = orders.first_launch[order]
    assert launches[0] >= 12.0
    assert (np.diff(launches) >= 1.0 - 1e-9).all()
    assert new.next_free.tolist() == [launches[-1] + 1.0]
    assert new.ready.tolist() == [7]


def test_busy_launcher_waits_and_salvo_keeps_its_size() -> None:
    """Busy past this cycle: no new engagement. Free within it: a full salvo, after it is free,
    even when the rate alone (one round per interval in what is left of the cycle) is lower."""
    units = one_launcher(ready=4, interval=1.0, reaction=2.0)
    params = FireParams(shots_per_engagement=2, min_intercept_altitude_m=0.0, decision_period_s=1.0)
    a = two_threats([100.0, 50.0])
    _, orders = check_against_reference(
        params, units, fresh_state(units, next_free=20.0), a, np.ones(2, bool), 0.0
    )
    assert len(orders.track_id) == 0
    new, orders = check_against_reference(
        params, units, fresh_state(units, next_free=2.5), a, np.ones(2, bool), 0.0
    )
    assert orders.shots.tolist() == [2]
    assert orders.track_id.tolist() == [7]
    assert orders.first_launch[0] >= 2.5
    assert new.next_free.tolist() == [orders.first_launch[0] + 2.0]


def test_intercept_far_in_the_future_waits() -> None:
    """A threat that only enters the envelope much later is not launched at now."""
    units = one_launcher(ready=2, interval=0.5, reaction=2.0)
    # Level at 3 km altitude, 14 km out and closing slowly: reachable at once but the
    # earliest path sample inside the envelope is minutes away for a slow target.
    start = np.array([[30000.0, 0.0, 3000.0]])
    vel = np.array([[-60.0, 0.0, -0.1]])
    a = make_assessment(start, vel, [100.0], 0.0, [1])
    _, orders = check_against_reference(PARAMS, units, fresh_state(units), a, np.ones(1, bool), 0.0)
    assert len(orders.track_id) == 0


def test_no_candidates_or_no_capacity_gives_no_orders() -> None:
    units = one_launcher(ready=2)
    a = two_threats([100.0, 10.0])
    s = fresh_state(units)
    yes, no = np.ones(2, bool), np.zeros(2, bool)
    empty = UnitState(np.zeros(1, np.int64), s.next_free, s.reload_done, s.stock)
    reloading = UnitState(s.ready, s.next_free, np.array([30.0]), s.stock)
    cases = [
        (s, no, a),  # nothing eligible
        (s, yes, with_engage(a, no)),  # the doctrine engages nothing
        (empty, yes, a),  # no rounds
        (reloading, yes, a),  # reloading
    ]
    for st_, eligible, aa in cases:
        new, orders = decide(PARAMS, units, TYPES, st_, aa, eligible, 0.0)
        assert len(orders.track_id) == 0
        assert orders.intercept_point.shape == (0, 3)
        assert orders.track_id.dtype == orders.launcher.dtype == orders.shots.dtype == np.int64
        np.testing.assert_array_equal(new.ready, st_.ready)
        np.testing.assert_array_equal(new.next_free, st_.next_free)


def test_unreachable_threat_is_not_engaged() -> None:
    units = one_launcher(ready=2)
    start = np.array([[40000.0, 0.0, 6000.0]])  # far beyond max range for its whole path
    a = make_assessment(start, np.array([[-50.0, 0.0, -100.0]]), [100.0], 0.0, [1])
    new, orders = check_against_reference(
        PARAMS, units, fresh_state(units), a, np.ones(1, bool), 0.0
    )
    assert len(orders.track_id) == 0
    assert new.ready.tolist() == [2]


def test_empty_assessment() -> None:
    units = one_launcher(ready=2)
    a = make_assessment(np.empty((0, 3)), np.empty((0, 3)), [], 0.0, [])
    _, orders = decide(PARAMS, units, TYPES, fresh_state(units), a, np.empty(0, bool), 0.0)
    assert len(orders.track_id) == 0
