"""``deferred_acceptance`` against a plain sequential greedy loop (the serial dictatorship)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from cupola.fire.greedy import deferred_acceptance

IntArray = NDArray[np.int64]


def greedy_reference(
    rank: IntArray, pref: IntArray, n_pref: IntArray, demand: IntArray, capacity: IntArray
) -> IntArray:
    """Candidates in rank order; each takes its first preferred launcher that still fits."""
    left = [int(c) for c in capacity]
    out = [-1] * len(rank)
    for i in sorted(range(len(rank)), key=lambda i: int(rank[i])):
        for p in range(int(n_pref[i])):
            lau = int(pref[i, p])
            if demand[i, lau] <= left[lau]:
                left[lau] -= int(demand[i, lau])
                out[i] = lau
                break
    return np.array(out, np.int64)


@st.composite
def instances(draw: st.DrawFn, uniform: bool = False) -> tuple[IntArray, ...]:
    """Random candidates: distinct ranks, random preference lists, demands and capacities."""
    t = draw(st.integers(0, 12))
    n_l = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    rank = rng.permutation(t).astype(np.int64)
    pref = np.array([rng.permutation(n_l) for _ in range(t)], np.int64).reshape(t, n_l)
    n_pref = rng.integers(0, n_l + 1, t).astype(np.int64)
    if uniform:  # one salvo size per launcher, as greedy.decide asks
        demand = np.broadcast_to(rng.integers(1, 4, n_l), (t, n_l)).astype(np.int64)
    else:
        demand = rng.integers(1, 4, (t, n_l)).astype(np.int64)
    capacity = rng.integers(0, 7, n_l).astype(np.int64)
    return rank, pref, n_pref, demand, capacity


@settings(max_examples=200, deadline=None)
@given(instances())
def test_equals_sequential_greedy(inst: tuple[IntArray, ...]) -> None:
    rank, pref, n_pref, demand, capacity = inst
    got = deferred_acceptance(rank, pref, n_pref, demand, capacity)
    np.testing.assert_array_equal(got, greedy_reference(*inst))


@settings(max_examples=100, deadline=None)
@given(instances(uniform=True))
def test_equals_sequential_greedy_per_launcher_salvo(inst: tuple[IntArray, ...]) -> None:
    rank, pref, n_pref, demand, capacity = inst
    got = deferred_acceptance(rank, pref, n_pref, demand, capacity)
    np.testing.assert_array_equal(got, greedy_reference(*inst))


@settings(max_examples=100, deadline=None)
@given(instances())
def test_capacity_and_preferences_respected(inst: tuple[IntArray, ...]) -> None:
    rank, pref, n_pref, demand, capacity = inst
    inputs = [a.copy() for a in inst]
    got = deferred_acceptance(rank, pref, n_pref, demand, capacity)
    assert got.shape == rank.shape
    assert got.dtype == np.int64
    for a, b in zip(inputs, inst, strict=True):  # inputs untouched
        np.testing.assert_array_equal(a, b)
    used = np.zeros(len(capacity), np.int64)
    for i, lau in enumerate(got):
        if lau >= 0:
            assert lau in pref[i, : n_pref[i]]
            used[lau] += demand[i, lau]
    assert (used <= capacity).all()


def test_blocked_top_candidate_does_not_block_the_rest() -> None:
    """A first candidate too big for the launcher must not stop a smaller one behind it."""
    rank = np.array([0, 1], np.int64)
    pref = np.array([[0], [0]], np.int64)
    n_pref = np.array([1, 1], np.int64)
    demand = np.array([[3], [1]], np.int64)
    got = deferred_acceptance(rank, pref, n_pref, demand, np.array([2], np.int64))
    np.testing.assert_array_equal(got, [-1, 0])


def test_displaced_holder_frees_room_for_a_later_candidate() -> None:
    """Launcher 0 holds 3 rounds; the serial order gives it to candidates 0 (1 round) and 2."""
    rank = np.array([0, 1, 2], np.int64)
    pref = np.array([[1, 0], [0, 1], [0, 1]], np.int64)
    n_pref = np.array([2, 1, 2], np.int64)
    demand = np.array([[1, 1], [3, 3], [2, 2]], np.int64)
    capacity = np.array([3, 0], np.int64)
    got = deferred_acceptance(rank, pref, n_pref, demand, capacity)
    np.testing.assert_array_equal(got, greedy_reference(rank, pref, n_pref, demand, capacity))
    np.testing.assert_array_equal(got, [0, -1, 0])


def test_empty() -> None:
    e = np.empty(0, np.int64)
    cap = np.array([1, 2, 3], np.int64)
    got = deferred_acceptance(e, np.empty((0, 3), np.int64), e, np.empty((0, 3), np.int64), cap)
    assert got.shape == (0,)
