"""The optimiser: the known optimum of small hand-made cases and of random ones by brute
force, the MILP's bound, greedy and swaps, reduction, and site costs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.siting.optimise import choose, defended, reduce


def brute_force(cover: np.ndarray, w: np.ndarray, p: np.ndarray, k: int, cost=None) -> float:
    cost = np.zeros(len(cover)) if cost is None else cost
    return max(
        defended(cover, w, p, np.array(c)) - cost[list(c)].sum()
        for c in itertools.combinations(range(len(cover)), k)
    )


def test_a_hand_made_case_where_greedy_is_wrong_and_the_milp_is_right() -> None:
    """Site 0 alone is the best single site (the three middle threats, 9); sites 1 and 2
    together are the best pair (16, against 14 with site 0): greedy starts from site 0 and
    needs the swap to get there."""
    cover = np.array(
        [
            [0, 1, 1, 1, 0],  # the best single site: 3 + 3 + 3 = 9
            [1, 1, 0, 0, 0],  # 5 + 3 = 8
            [0, 0, 0, 1, 1],  # 3 + 5 = 8
        ],
        np.uint8,
    )
    w = np.array([5.0, 3.0, 3.0, 3.0, 5.0])
    p = np.ones(5)
    assert choose(cover, w, p, 1).sites.tolist() == [0]
    best = choose(cover, w, p, 2, method="milp")
    assert best.sites.tolist() == [1, 2]  # 16, against 14 for {0, 1} or {0, 2}
    assert best.value == 16.0
    assert best.optimal
    assert choose(cover, w, p, 2, method="greedy").value == 16.0  # the swap finds it


def test_double_coverage_counts_with_a_kill_probability_below_one() -> None:
    """With p = 0.5 a threat worth 10 engaged twice defends 7.5, once 5; a second threat
    worth 4 engaged once defends 2: two batteries on the first beat one on each (7.5 against
    5 + 2)."""
    cover = np.array([[1, 0], [1, 0], [0, 1]], np.uint8)
    w, p = np.array([10.0, 4.0]), np.array([0.5, 0.5])
    lay = choose(cover, w, p, 2)
    assert lay.sites.tolist() == [0, 1]
    assert lay.value == pytest.approx(7.5)
    assert defended(cover, w, p, np.array([0, 2])) == pytest.approx(7.0)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 7),
    st.integers(1, 12),
    st.integers(1, 3),
    st.integers(0, 2**32 - 1),
)
def test_the_milp_finds_the_brute_force_optimum(s: int, n: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = min(k, s)
    cover = rng.integers(0, 3, (s, n)).astype(np.uint8) * (rng.random((s, n)) < 0.5)
    w = rng.integers(0, 10, n).astype(float)
    p = rng.choice([0.5, 0.85, 1.0], n)
    cost = rng.random(s) * 0.5
    best = brute_force(cover, w, p, k, cost)
    lay = choose(cover, w, p, k, method="milp", site_cost=cost)
    assert lay.objective == pytest.approx(best, abs=1e-6)
    assert lay.bound is not None
    assert lay.bound >= best - 1e-6
    assert len(set(lay.sites.tolist())) == k
    greedy = choose(cover, w, p, k, method="greedy", site_cost=cost)
    assert greedy.objective <= best + 1e-9
    assert len(set(greedy.sites.tolist())) == k


def test_reduce_merges_equal_columns_and_keeps_the_value() -> None:
    cover = np.array([[1, 1, 0, 2], [0, 0, 1, 0]], np.uint8)
    w = np.array([1.0, 2.0, 3.0, 0.0])
    p = np.array([0.5, 0.5, 0.5, 0.5])
    a, wr, pr = reduce(cover, w, p)
    assert a.shape == (2, 2)  # columns 0 and 1 merged; the worthless one dropped
    assert sorted(wr.tolist()) == [3.0, 3.0]
    for sites in ([0], [1], [0, 1]):
        assert defended(a, wr, pr, np.array(sites)) == defended(cover, w, p, np.array(sites))
