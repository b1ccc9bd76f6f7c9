"""Gating and GNN association against brute-force enumeration and a dense reference."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.optimize import linear_sum_assignment
from scipy.stats import chi2

from cupola.tracking.association import (
    assign_pairs,
    candidate_pairs,
    gate_threshold,
    gnn_associate,
)


def random_case(
    rng: np.random.Generator, n_tracks: int, n_plots: int, spread: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tracks near north (azimuth wraps) and plots scattered near random tracks."""
    z_pred = np.empty((n_tracks, 3))
    z_pred[:, 0] = rng.uniform(8e3, 12e3, n_tracks)
    z_pred[:, 1] = rng.uniform(-0.05, 0.05, n_tracks) % (2 * math.pi)
    z_pred[:, 2] = rng.uniform(0.05, 0.15, n_tracks)
    sig = np.column_stack(
        [
            rng.uniform(50.0, 400.0, n_tracks),
            rng.uniform(3e-3, 2e-2, n_tracks),
            rng.uniform(3e-3, 2e-2, n_tracks),
        ]
    )
    corr = rng.uniform(-0.6, 0.6, (n_tracks, 3))
    s = np.empty((n_tracks, 3, 3))
    for i in range(n_tracks):
        c = np.eye(3)
        c[0, 1] = c[1, 0] = corr[i, 0]
        c[0, 2] = c[2, 0] = corr[i, 1] * 0.5
        c[1, 2] = c[2, 1] = corr[i, 2] * 0.5
        s[i] = c * np.outer(sig[i], sig[i])
    z = np.empty((n_plots, 3))
    if n_tracks:
        src = rng.integers(0, n_tracks, n_plots)
        z[:] = z_pred[src] + rng.normal(size=(n_plots, 3)) * sig[src] * 2.5 * spread
    else:
        z[:] = [10e3, 0.0, 0.1] + rng.normal(size=(n_plots, 3)) * [300.0, 0.02, 0.02]
    z[:, 1] %= 2 * math.pi
    return z_pred, s, z


def plain_d2_cost(
    z_pred: np.ndarray, s: np.ndarray, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    d2 = np.zeros((len(z_pred), len(z)))
    cost = np.zeros_like(d2)
    for i in range(len(z_pred)):
        inv = np.linalg.inv(s[i])
        logdet = math.log(np.linalg.det(s[i]))
        for j in range(len(z)):
            y = z[j] - z_pred[i]
            y[1] = (y[1] + math.pi) % (2 * math.pi) - math.pi
            d2[i, j] = y @ inv @ y
            cost[i, j] = d2[i, j] + logdet
    return d2, cost


def brute_force(feasible: np.ndarray, cost: np.ndarray) -> tuple[int, float]:
    """Best (most pairs, then least cost) over every one-to-one partial assignment."""
    n_tracks, n_plots = feasible.shape
    best = (0, 0.0)

    def walk(j: int, used: frozenset[int], count: int, total: float) -> None:
        nonlocal best
        if j == n_plots:
            if count > best[0] or (count == best[0] and total < best[1]):
                best = (count, total)
            return
        walk(j + 1, used, count, total)
        for i in range(n_tracks):
            if i not in used and feasible[i, j]:
                walk(j + 1, used | {i}, count + 1, total + cost[i, j])

    walk(0, frozenset(), 0, 0.0)
    return best


def check_result(result: np.ndarray, feasible: np.ndarray, cost: np.ndarray) -> tuple[int, float]:
    assigned = result[result >= 0]
    assert len(set(assigned.tolist())) == assigned.size  # one plot per track
    total = 0.0
    for j, i in enumerate(result):
        if i >= 0:
            assert feasible[i, j]  # gate respected
            total += cost[i, j]
    return int(assigned.size), total


def test_gate_threshold_is_chi2_quantile() -> None:
    assert gate_threshold(0.99) == chi2.ppf(0.99, 3)
    assert math.isclose(gate_threshold(0.9999), 21.107513, rel_tol=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_tracks=st.integers(0, 5),
    n_plots=st.integers(0, 5),
    prob=st.sampled_from([0.9, 0.99, 0.9999]),
)
def test_gnn_matches_brute_force(seed: int, n_tracks: int, n_plots: int, prob: float) -> None:
    rng = np.random.default_rng(seed)
    z_pred, s, z = random_case(rng, n_tracks, n_plots)
    gate = gate_threshold(prob)
    result = gnn_associate(z_pred, s, z, gate)
    assert result.shape == (n_plots,)
    assert result.dtype == np.int64
    d2, cost = plain_d2_cost(z_pred, s, z)
    feasible = d2 <= gate
    count, total = check_result(result, feasible, cost)
    best_count, best_total = brute_force(feasible, cost)
    assert count == best_count
    assert_allclose(total, best_total, rtol=1e-9, atol=1e-9)


def dense_reference(feasible: np.ndarray, cost: np.ndarray) -> tuple[int, float]:
    """The dense T×P problem in one solve, for comparison with the pre-filtered one."""
    if not feasible.any():
        return 0, 0.0
    shifted = np.where(feasible, cost - cost[feasible].min(), 0.0)
    big = (shifted.max() + 1.0) * (min(feasible.shape) + 1)
    r, c = linear_sum_assignment(np.where(feasible, shifted, big))
    keep = feasible[r, c]
    return int(keep.sum()), float(cost[r[keep], c[keep]].sum())


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spread=st.floats(0.3, 3.0))
def test_prefilter_keeps_every_gated_pair(seed: int, spread: float) -> None:
    rng = np.random.default_rng(seed)
    z_pred, s, z = random_case(rng, 40, 60, spread)
    # Some huge azimuth uncertainties and one track almost overhead.
    s[:3, 1, 1] = 4.0
    s[:3, 0, 1] = s[:3, 1, 0] = 0.0
    z_pred[5, 2] = 1.55
    gate = gate_threshold(0.9999)
    track, plot = candidate_pairs(z_pred, np.diagonal(s, axis1=1, axis2=2), z, gate)
    d2, cost = plain_d2_cost(z_pred, s, z)
    feasible = d2 <= gate
    cand = np.zeros_like(feasible)
    cand[track, plot] = True
    assert not np.any(feasible & ~cand)
    # The pre-filter is not the dense matrix: it drops most pairs.
    assert cand.sum() < cand.size
    result = gnn_associate(z_pred, s, z, gate)
    count, total = check_result(result, feasible, cost)
    ref_count, ref_total = dense_reference(feasible, cost)
    assert count == ref_count
    assert_allclose(total, ref_total, rtol=1e-9, atol=1e-6)


def test_assign_pairs_lone_and_contended() -> None:
    # Track 0 alone with plot 0; tracks 1, 2 compete for plots 1, 2; plot 3 only for track 2.
    track = np.array([0, 1, 1, 2, 2], np.int64)
    plot = np.array([0, 1, 2, 1, 3], np.int64)
    cost = np.array([5.0, 1.0, 9.0, 0.5, 8.0])
    out = assign_pairs(track, plot, cost, 3, 5)
    # Most pairs first: 1-1 and 2-3 (cost 9) beats 2-1 and 1-2 (cost 9.5).
    assert out.tolist() == [0, 1, -1, 2, -1]
    empty = np.empty(0, np.int64)
    assert assign_pairs(empty, empty, np.empty(0), 2, 3).tolist() == [-1, -1, -1]


def test_empty_inputs() -> None:
    z_pred, s, z = random_case(np.random.default_rng(0), 3, 4)
    gate = gate_threshold(0.99)
    assert gnn_associate(z_pred[:0], s[:0], z, gate).tolist() == [-1] * 4
    assert gnn_associate(z_pred, s, z[:0], gate).shape == (0,)
