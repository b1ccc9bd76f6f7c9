"""The engagement-sequence model: the sequence against hand-made deadlines, the demanded
acceleration in closed form, a second battery beside the first adds nothing, an overloaded
turn costs its kill probability; and the local search against brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.scenario import load
from cupola.sim.world import compile_world
from cupola.siting.optimise import grow, improve
from cupola.siting.refine import SequenceModel
from cupola.siting.sample import ThreatSample, sample_threats, subset
from cupola.siting.timeline import (
    Deadlines,
    deadlines,
    decision_grid,
    demanded_acceleration,
    index,
    reengage_s,
    sequence,
    survival,
    threat_velocity,
)


def level_path(y: float, z: float = 1000.0, speed: float = 1000.0) -> ThreatSample:
    """A threat flying level along x, from -20 km to +20 km, ``y`` m to the side."""
    t = np.linspace(0.0, 40_000.0 / speed, 401)
    path = np.column_stack([-20_000 + speed * t, np.full_like(t, y), np.full_like(t, z)])
    return ThreatSample(
        path=path[None],
        path_time=t[None],
        engage_from=np.array([0.0]),
        impact_time=np.array([t[-1]]),
        impact=path[-1:],
        value=np.array([1.0]),
        hits=np.ones((1, 1), bool),
        type_idx=np.zeros(1, np.int64),
        weight=np.ones(1),
    )


def ten_points() -> ThreatSample:
    """One threat with a point every second from 0 to 9 s, first engaged at 2 s."""
    return ThreatSample(
        path=np.zeros((1, 10, 3)),
        path_time=np.arange(10.0)[None],
        engage_from=np.array([2.0]),
        impact_time=np.array([10.0]),
        impact=np.zeros((1, 3)),
        value=np.ones(1),
        hits=np.ones((1, 1), bool),
        type_idx=np.zeros(1, np.int64),
        weight=np.ones(1),
    )


def test_the_sequence_meets_the_earliest_point_then_waits_the_reengagement_time() -> None:
    t = np.arange(10.0)
    sample = ten_points()
    dl = (t - 1.5)[None, None, :]  # every point needs a launch 1.5 s before it
    one = np.array([[0]])
    every_second = (0.0, 1.0)  # decisions at the launch, a path point every second
    point, engaged, _, _ = sequence(Deadlines(dl), one, sample, 3.0, every_second)
    # Launch at 2 meets the point at 4 (deadline 2.5 >= 2); next launch from 7 meets 9.
    assert point[0, 0].tolist()[:2] == [4, 9]
    assert engaged[0, 0].tolist() == [True, True, False]
    # The battle manager decided at 1 (reaction 1 s) and predicts every 2 s: 1, 3, 5...; the
    # point at 4 is met at 5, and the next launch, from 8, meets nothing (9 needs 7.5).
    point, engaged, _, _ = sequence(Deadlines(dl), one, sample, 3.0, (1.0, 2.0))
    assert point[0, 0, 0] == 4
    assert engaged[0, 0].tolist() == [True, False, False]
    dl[0, 0, :5] = -np.inf  # out of the envelope before t = 5
    point, engaged, _, _ = sequence(Deadlines(dl), one, sample, 3.0, every_second)
    assert point[0, 0, 0] == 5
    assert engaged[0, 0].tolist() == [True, False, False]


def test_sites_tied_on_the_grid_go_to_the_preferred_one() -> None:
    t = np.arange(10.0)
    sample = ten_points()
    # Site 0 meets the point at 4, site 1 the one at 5: a second apart, the same on a 2 s grid
    # from a decision at 1 (both met at 5); site 1 preferred.
    dl = Deadlines(np.stack([t - 1.5, t - 2.5])[:, None, :])
    both = np.array([[0, 1]])
    score = np.array([0.3, 0.9])[None, :, None]
    prefer = lambda first, e: np.broadcast_to(score, first.shape)  # noqa: E731
    point, _, site, got = sequence(dl, both, sample, 3.0, (1.0, 2.0), prefer=prefer)
    assert (site[0, 0, 0], point[0, 0, 0], got[0, 0, 0]) == (1, 5, 0.9)
    # On a 1 s grid site 0 is earlier and meets it, preferred or not.
    point, _, site, got = sequence(dl, both, sample, 3.0, (0.0, 1.0), prefer=prefer)
    assert (site[0, 0, 0], point[0, 0, 0], got[0, 0, 0]) == (0, 4, 0.3)


def test_demanded_acceleration_in_closed_form() -> None:
    it = compile_world(load("border-town")).interceptors
    from cupola.engage.profile import speed, time_to_distance

    site = np.zeros(3)
    at = np.array([3000.0, 0.0, 0.0])
    head_on = demanded_acceleration(it, 0, site, at, np.array([-300.0, 0.0, 0.0]))
    assert head_on == 0.0
    across = demanded_acceleration(it, 0, site, at, np.array([0.0, 300.0, 0.0]))
    v_m = speed(it, 0, time_to_distance(it, 0, 3000.0))
    assert np.isclose(across, it.navigation_constant[0] * v_m * 300.0 / 3000.0)


GRID = (2.0, 2.0)  # the border town's reaction time and path step


def model_for(sample: ThreatSample, kill: float = 0.8) -> SequenceModel:
    it = compile_world(load("border-town")).interceptors
    return SequenceModel(it, 0, sample, np.full(len(sample.value), kill), 2.5, GRID, 300.0)


def test_a_second_battery_beside_the_first_adds_nothing() -> None:
    """Engagements are one at a time: the battle manager does not fire from both. A battery
    near the start of the path meets the threat first and leaves the first one time for a
    second try."""
    m = model_for(level_path(5000.0))
    sites = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [-10_000.0, 5000.0, 0.0]])
    (one,) = m.values(sites, np.array([[0]]))
    two, spread = m.values(sites, np.array([[0, 1], [0, 2]]))
    assert np.isclose(one, two)
    assert np.isclose(one, 0.8)  # one engagement of this fast threat, P_k = 0.8
    # Two engagements; the second, late and close, asks for a sharp turn (rho < 1).
    assert one + 0.02 < spread < 1.0 - 0.2 * 0.2


def survival_by_loop(it, sites, dl, layouts, sample, kill, reengage, grid) -> np.ndarray:
    """The same, one layout and one threat at a time, from the definitions: each site's
    earliest point from the launch, its time taken to the battle manager's grid; the earliest
    time wins, ties to the site likeliest to reach (then the first)."""
    reaction, step = grid
    out = np.ones((len(layouts), len(sample.value)))
    velocity = threat_velocity(sample)
    limit = it.max_lateral_accel_mps2[0]
    for b, lay in enumerate(layouts):
        for j in range(len(sample.value)):
            launch = sample.engage_from[j]
            for _ in range(3):
                options = []
                for order, s in enumerate(lay):
                    ok = [k for k in range(dl.shape[2]) if dl[s, j, k] >= launch]
                    if not ok:
                        continue
                    k = ok[0]
                    decided = launch - reaction
                    when = decided + step * math.ceil(
                        (sample.path_time[j, k] - decided) / step - 1e-9
                    )
                    a = demanded_acceleration(it, 0, sites[s], sample.path[j, k], velocity[j, k])
                    rho = min(1.0, (limit / max(float(a), 1e-9)) ** 2)
                    options.append((when, -rho, order, rho))
                if not options:
                    break
                best = min(o[0] for o in options)
                tied = [o for o in options if o[0] <= best + 1e-6]
                rho = min(tied, key=lambda o: (o[1], o[2]))[3]
                out[b, j] *= 1.0 - rho * kill[j]
                launch = best + reengage
    return out


def test_survival_matches_a_loop_over_layouts_and_threats() -> None:
    """Several layouts of two sites and several threats at once, against the plain loop."""
    sc = load("border-town")
    w = compile_world(sc)
    sample = sample_threats(w, 40, np.random.default_rng(3), 2.0)
    sites = np.array([[0.0, 0.0, 0.0], [0.0, -2000.0, 0.0], [1500.0, 3000.0, 0.0]])
    dl = deadlines(w.interceptors, 0, sites, sample, 300.0)
    layouts = np.array([[0, 1], [1, 2], [2, 0], [1, 1]])
    kill = np.full(len(sample.value), 0.85)
    want = survival_by_loop(w.interceptors, sites, dl, layouts, sample, kill, 2.5, GRID)
    for table in (False, True):  # the reach computed where asked, or looked up
        indexed = index(w.interceptors, 0, sites, sample, 300.0, table=table)
        got = survival(indexed, layouts, sample, kill, 2.5, GRID)
        assert np.allclose(got, want, rtol=1e-4, atol=1e-6)
    assert (got < 1.0).any()


def test_refine_finds_the_best_pair_of_a_small_grid() -> None:
    """Six candidates, every one in the pool: the refined pair is the best of all 15 pairs on
    the engagement-sequence model."""
    sc = load("border-town")
    w = compile_world(sc)
    sample = sample_threats(w, 60, np.random.default_rng(5), 2.0)
    sample = subset(sample, sample.worth > 0)
    m = SequenceModel(w.interceptors, 0, sample, np.full(len(sample.value), 0.85), 2.5, GRID, 300.0)
    xs = np.array([-6000.0, -2000.0, 0.0, 2000.0, 6000.0, 0.0])
    ys = np.array([0.0, 0.0, -3000.0, 0.0, 0.0, 4000.0])
    sites = np.column_stack([xs, ys, np.zeros(6)])
    pairs = np.array(list(itertools.combinations(range(6), 2)))
    best = m.values(sites, pairs).max()
    (_, _, _), (chosen, value, objective) = m.refine(
        sites, np.zeros(6), [np.array([0]), np.array([0, 5])]
    )
    assert np.isclose(value, best)
    assert np.isclose(objective, value)
    assert np.isclose(m.values(sites, chosen[None])[0], value)


def test_a_sharp_turn_costs_kill_probability() -> None:
    """A threat at 300 m/s, first engageable 1 km before it crosses 1.5 km from the site: the
    interceptor is asked for more than its limit. Crossing 8 km away it is not. The survival is
    the product over the engagements of 1 - rho P_k, rho = min(1, (a_max / a)^2)."""
    it = compile_world(load("border-town")).interceptors
    sites = np.zeros((1, 3))
    v = np.array([300.0, 0.0, 0.0])
    first_reach = []
    for side in (1500.0, 8000.0):
        sample = level_path(side, speed=300.0)
        sample = ThreatSample(**{**sample.__dict__, "engage_from": np.array([19_000 / 300.0])})
        dl = deadlines(it, 0, sites, sample, 300.0)
        point, engaged, _, _ = sequence(Deadlines(dl), np.array([[0]]), sample, 2.5, GRID)
        assert engaged[0, 0, 0]
        accel = demanded_acceleration(it, 0, sites[0], sample.path[0, point[0, 0]], v)
        reach = np.minimum(1.0, (it.max_lateral_accel_mps2[0] / accel) ** 2)
        expect = np.prod(np.where(engaged[0, 0], 1.0 - 0.8 * reach, 1.0))
        one = np.array([[0]])
        indexed = index(it, 0, sites, sample, 300.0)
        got = survival(indexed, one, sample, np.array([0.8]), 2.5, GRID)
        assert np.isclose(got[0, 0], expect)
        first_reach.append(float(reach[0]))
    assert first_reach[0] < 0.9
    assert first_reach[1] == 1.0


def test_reengagement_time_is_half_a_cycle_and_reaction() -> None:
    sc = load("border-town")
    reaction = sc.batteries[0].reaction_time_s
    assert reengage_s(sc) == 0.5 * sc.doctrine.decision_period_s + reaction
    assert decision_grid(sc) == (reaction, 2.0)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(4, 7).flatmap(
        lambda s: st.tuples(
            st.just(s),
            st.integers(1, 3),
            st.lists(st.floats(0.0, 10.0), min_size=s, max_size=s),
            st.lists(st.floats(0.0, 3.0), min_size=s * s, max_size=s * s),
        )
    )
)
def test_grow_and_swaps_find_the_best_layout_of_a_modular_objective(case) -> None:
    """On a modular objective (a value per site) swaps from any start reach the optimum; on a
    pairwise one they reach a layout no single swap improves."""
    s, k, values, pair = case
    v = np.array(values)
    q = np.array(pair).reshape(s, s)

    def modular(layouts: np.ndarray) -> np.ndarray:
        return v[layouts].sum(axis=1)

    def pairwise(layouts: np.ndarray) -> np.ndarray:
        return np.array(
            [
                v[lay].sum() - sum(q[a, b] for a, b in itertools.combinations(lay, 2))
                for lay in layouts
            ]
        )

    pool = np.arange(s)
    best = max(v[list(c)].sum() for c in itertools.combinations(range(s), k))
    sites, score = improve(list(range(k)), pool, modular)
    assert np.isclose(score, best)
    assert np.isclose(modular(np.array([grow([], pool, k, modular)]))[0], best)
    assert len(set(sites.tolist())) == k
    start = grow([], pool, k, pairwise)
    sites, score = improve(start, pool, pairwise)
    assert len(set(sites.tolist())) == k
    for i in range(k):
        for t in set(range(s)) - set(sites.tolist()):
            trial = sites.copy()
            trial[i] = t
            assert pairwise(trial[None])[0] <= score + 1e-9


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_earliest_point_index_equals_a_scan(seed: int) -> None:
    """``Deadlines.first``: the first point whose deadline is at least the launch, as a plain
    scan finds it, for random deadlines with gaps out of the envelope."""
    rng = np.random.default_rng(seed)
    r, n, p = rng.integers(1, 5), rng.integers(1, 6), rng.integers(1, 12)
    dl = rng.uniform(-50.0, 300.0, (r, n, p))
    dl[rng.random((r, n, p)) < 0.3] = -np.inf
    rows = rng.integers(0, r, (3, 2))
    launch = rng.uniform(-60.0, 320.0, (3, n))
    launch[0, 0] = np.inf  # no launch
    first, can = Deadlines(dl).first(rows, launch)
    for b in range(3):
        for k in range(2):
            for j in range(n):
                ok = [i for i in range(p) if dl[rows[b, k], j, i] >= launch[b, j]]
                assert can[b, k, j] == bool(ok)
                assert first[b, k, j] == (ok[0] if ok else 0)
