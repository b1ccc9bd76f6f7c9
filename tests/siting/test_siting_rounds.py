"""Rounds per raid: the budget read from the scenario, the value a shortage leaves against
hand-worked cases, and the tally the shortage is computed from against the survival."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.scenario import load
from cupola.sim.world import compile_world
from cupola.siting.refine import SequenceModel
from cupola.siting.rounds import Rounds, rounds_per_raid
from cupola.siting.sample import sample_threats, subset
from cupola.siting.timeline import index, tally

GRID = (2.0, 2.0)


def one_raid(n: int = 1, engagements: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``fired`` and ``killed`` (1, n, 2) of n threats each engaged ``engagements`` times at
    kill probability 0.5 an engagement."""
    fired = np.zeros((1, n, 2))
    fired[0, :, 0] = 1.0
    if engagements == 2:
        fired[0, :, 1] = 0.5
    return fired, fired * 0.5


def test_enough_rounds_defend_everything_the_engagements_kill() -> None:
    fired, killed = one_raid(4, engagements=2)  # 1.5 rounds and 0.75 kills a threat
    reach = np.ones((1, 1, 4), bool)
    got = Rounds(own=6.0, shared=0.0, cap=60.0, shots=1).value(
        fired, killed, reach, np.ones(4), np.full(4, 10.0)
    )
    assert got == pytest.approx([4 * 0.75 * 10.0])


def test_half_the_rounds_defend_half_the_value() -> None:
    fired, killed = one_raid(4, engagements=2)  # 6 rounds asked
    reach = np.ones((1, 1, 4), bool)
    r = Rounds(own=3.0, shared=0.0, cap=60.0, shots=1)
    assert r.value(fired, killed, reach, np.ones(4), np.full(4, 10.0)) == pytest.approx([15.0])
    salvo = Rounds(own=3.0, shared=0.0, cap=60.0, shots=2)  # 12 rounds asked
    assert salvo.value(fired, killed, reach, np.ones(4), np.full(4, 10.0)) == pytest.approx([7.5])


def test_a_battery_out_of_reach_brings_no_rounds_and_the_depot_fills_the_lack() -> None:
    """Two batteries of 2 rounds each, 4 threats of one round each; the second battery reaches
    only the first threat: 3 of 4 rounds. A depot of 5 rounds a raid makes up the lack, but no
    battery fires more than its cap."""
    fired, killed = one_raid(4)
    reach = np.array([[[True] * 4, [True, False, False, False]]])
    args = (fired, killed, reach, np.ones(4), np.ones(4))
    assert Rounds(2.0, 0.0, 60.0, 1).value(*args) == pytest.approx([0.5 * 4 * 3 / 4])
    assert Rounds(2.0, 5.0, 60.0, 1).value(*args) == pytest.approx([0.5 * 4])
    assert Rounds(2.0, 5.0, 2.5, 1).value(*args) == pytest.approx([0.5 * 4 * 3.5 / 4])


def test_rounds_per_raid_of_a_single_raid_and_of_a_week() -> None:
    """One raid: the launchers' 60 rounds (a 600 s reload does not fit in it). The week: 14
    raids of 1 and 0.6 times the raid's threats are 11.2 raids; each battery's 80 rounds and
    the depot's 60 + 7 x 20 are spread over them."""
    for name in ("border-town", "border-town-week"):
        sc = load(name)
        sample = sample_threats(compile_world(sc), 30, np.random.default_rng(0), 2.0)
        r = rounds_per_raid(sc, sample)
        assert (r.cap, r.shots) == (60.0, 1)
        if name == "border-town":
            assert (r.own, r.shared) == (60.0, 0.0)
        else:
            assert r.own == pytest.approx(80 / 11.2)
            assert r.shared == pytest.approx(200 / 11.2)
    quick = load("city-mixed-raid")
    fast = quick.model_copy(
        update={"batteries": [quick.batteries[0].model_copy(update={"reload_time_s": 30.0})]}
    )
    sample = sample_threats(compile_world(fast), 30, np.random.default_rng(0), 2.0)
    assert rounds_per_raid(fast, sample).cap == 60.0 + fast.batteries[0].stock


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), kill=st.floats(0.1, 1.0))
def test_the_tally_adds_up_to_the_survival(seed: int, kill: float) -> None:
    """Kills over the engagements are one less the survival; an engagement is fired with the
    chance the threat survived those before it."""
    sc = load("border-town")
    w = compile_world(sc)
    sample = sample_threats(w, 30, np.random.default_rng(seed), 2.0)
    sites = np.array([[0.0, 0.0, 0.0], [0.0, -2000.0, 0.0], [3000.0, 3000.0, 0.0]])
    dl = index(w.interceptors, 0, sites, sample, 300.0)
    k = np.full(len(sample.value), kill)
    alive, fired, killed, site = tally(dl, np.array([[0, 1], [2, 2]]), sample, k, 2.5, GRID)
    assert np.allclose(1.0 - killed.sum(axis=2), alive)
    assert np.all(fired[:, :, 1:] <= fired[:, :, :-1] + 1e-12)
    assert ((site >= 0) & (site < 2)).all()


def test_a_short_raid_lowers_the_models_value_and_not_a_full_one() -> None:
    sc = load("border-town")
    w = compile_world(sc)
    sample = sample_threats(w, 60, np.random.default_rng(5), 2.0)
    sample = subset(sample, sample.worth > 0)
    kill = np.full(len(sample.value), 0.85)
    sites = np.array([[0.0, 0.0, 0.0], [2000.0, 0.0, 0.0]])
    free = SequenceModel(w.interceptors, 0, sample, kill, 2.5, GRID, 300.0)
    want = free.values(sites, np.array([[0, 1]]))
    plenty = SequenceModel(
        w.interceptors, 0, sample, kill, 2.5, GRID, 300.0, rounds=Rounds(1e6, 0.0, 1e6, 1)
    )
    assert plenty.values(sites, np.array([[0, 1]])) == pytest.approx(want)
    short = SequenceModel(
        w.interceptors, 0, sample, kill, 2.5, GRID, 300.0, rounds=Rounds(5.0, 0.0, 1e6, 1)
    )
    got = short.values(sites, np.array([[0, 1]]))
    assert got[0] < 0.5 * want[0]


def test_the_supply_of_k_batteries() -> None:
    assert Rounds(own=7.0, shared=18.0, cap=60.0, shots=1).supply(2) == 32.0
    assert Rounds(own=80.0, shared=0.0, cap=60.0, shots=1).supply(3) == 180.0
