"""GOSPA against its definition, by brute force over all partial assignments."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.metrics import gospa


def brute_force(x: np.ndarray, y: np.ndarray, c: float, p: float) -> float:
    """min over every partial assignment (pairs closer than c), straight from the definition."""
    best = math.inf
    n, k = len(x), len(y)
    for size in range(min(n, k) + 1):
        for rows in itertools.combinations(range(n), size):
            for cols in itertools.permutations(range(k), size):
                d = [float(np.linalg.norm(x[i] - y[j])) for i, j in zip(rows, cols, strict=True)]
                if any(v >= c for v in d):
                    continue
                total = sum(v**p for v in d) + c**p / 2 * (n - size) + c**p / 2 * (k - size)
                best = min(best, total)
    return best ** (1 / p)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 4),
    k=st.integers(0, 4),
    seed=st.integers(0, 2**32 - 1),
    p=st.sampled_from([1.0, 2.0]),
)
def test_equals_brute_force(n: int, k: int, seed: int, p: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 300, (n, 3))
    y = np.r_[
        x[: min(n, k)] + rng.normal(0, 40, (min(n, k), 3)), rng.uniform(0, 300, (k - min(n, k), 3))
    ]
    rng.shuffle(y)
    g = gospa(x, y, c=100.0, p=p)
    assert math.isclose(g.distance, brute_force(x, y, 100.0, p), rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(g.distance**p, g.localisation + g.missed + g.false, rel_tol=1e-9)
    assert g.n_assigned + g.n_missed == n
    assert g.n_assigned + g.n_false == k


def test_closed_forms() -> None:
    x = np.array([[0.0, 0.0, 0.0], [1000.0, 0.0, 0.0]])
    assert gospa(x, x).distance == 0.0
    assert math.isclose(gospa(x, np.empty((0, 3)), c=100.0).distance, math.sqrt(2 * 100**2 / 2))
    assert math.isclose(gospa([], [[1.0, 2.0, 3.0]], c=50.0).distance, math.sqrt(50**2 / 2))
    g = gospa(x, x + np.array([30.0, 40.0, 0.0]), c=100.0)
    assert math.isclose(g.distance, math.sqrt(2 * 50.0**2))
    assert g.n_missed == g.n_false == 0
    far = gospa(x, x + np.array([0.0, 150.0, 0.0]), c=100.0)  # beyond the cut-off: missed and false
    assert (far.n_assigned, far.n_missed, far.n_false) == (0, 2, 2)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spread=st.sampled_from([150.0, 400.0, 3000.0]))
def test_clusters_equal_one_dense_assignment(seed: int, spread: float) -> None:
    """The cluster decomposition gives the same distance as one dense assignment."""
    from scipy.optimize import linear_sum_assignment
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(seed)
    x = rng.uniform(0, spread, (40, 3))
    y = np.r_[x[:30] + rng.normal(0, 60, (30, 3)), rng.uniform(0, spread, (15, 3))]
    c, p = 100.0, 2.0
    cost = np.minimum(cdist(x, y), c) ** p
    r, q = linear_sum_assignment(cost)
    real = cost[r, q] < c**p
    n = int(real.sum())
    want = (cost[r, q][real].sum() + c**p / 2 * (len(x) - n + len(y) - n)) ** (1 / p)
    got = gospa(x, y, c, p)
    assert math.isclose(got.distance, want, rel_tol=1e-9)
    assert got.n_assigned == n
