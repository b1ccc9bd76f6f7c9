r"""Choosing K sites: maximum expected coverage, exactly by MILP or by greedy and local search.

With :math:`m_{sj}` the engagements site :math:`s` has at trajectory :math:`j`
(:mod:`.coverage`), :math:`w_j` the trajectory's value and :math:`p_j` the kill probability
of one engagement, a layout :math:`X` (K sites) that has
:math:`n_j(X) = \sum_{s \in X} m_{sj}` engagements at :math:`j` defends the expected value

.. math::

    F(X) = \sum_j w_j \left(1 - (1 - p_j)^{n_j(X)}\right),

each engagement independent. :math:`F` is concave in each :math:`n_j`, so Daskin's maximum
expected covering location problem (MEXCLP; Daskin 1983, *Transportation Science* 17(1)),
with coverage counts :math:`m_{sj}` in place of 0/1, is exact for it: with
:math:`y_{jk} \in [0, 1]` "engaged at least :math:`k` times" and :math:`L = K \max m_{sj}`,

.. math::

    \max \sum_j \sum_{k=1}^{L} w_j p_j (1 - p_j)^{k-1} y_{jk} \quad
    \text{s.t.} \quad \sum_k y_{jk} \le \sum_s m_{sj} x_s, \quad \sum_s x_s = K, \quad
    x_s \in \{0, 1\},

solved by scipy's HiGHS (:func:`scipy.optimize.milp`). Trajectories that no site covers or
that are worth nothing are dropped, and trajectories with the same coverage and kill
probability merged, before the solve. For large cases, or as a fallback when the MILP does not
finish in its time, a greedy start (the site of largest marginal gain, K times) improved by
swaps (one site out, one in, best improvement first, until none improves).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array, hstack, vstack

Counts = NDArray[np.uint8]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Largest MILP (trajectory columns times levels) tried before greedy and local search.
MAX_MILP_TERMS = 200_000
#: Relative gap at which a MILP layout counts as optimal.
OPTIMAL_GAP = 1e-6


@dataclass(frozen=True)
class Layout:
    """K chosen sites.

    Attributes
    ----------
    sites : (K,) int64
        Indices of the chosen candidates, in the order chosen (greedy) or by index (MILP).
    value : float
        :math:`F(X)`, in the sample's value units (for a layout refined on the
        engagement-sequence model, :mod:`.refine`, its value on that model).
    objective : float
        ``value`` less the chosen sites' costs (:func:`choose`).
    bound : float or None
        An upper bound on the best objective (the MILP's dual bound), None without one.
    method : str
        ``milp`` or ``greedy+swap`` (:func:`choose`), or ``sequence swaps`` (:mod:`.refine`).
    seconds : float
    """

    sites: NDArray[np.int64]
    value: float
    objective: float
    bound: float | None
    method: str
    seconds: float

    @property
    def optimal(self) -> bool:
        """Proved optimal (to :data:`OPTIMAL_GAP`)."""
        return self.bound is not None and self.bound - self.objective <= OPTIMAL_GAP * max(
            1.0, abs(self.objective)
        )


def defended(cover: Counts, w: FloatArray, p: FloatArray, sites: NDArray[np.int64]) -> float:
    """:math:`F(X)` of the layout ``sites``."""
    n = cover[np.asarray(sites, np.int64)].sum(axis=0, dtype=np.int64)
    return float((w * (1.0 - (1.0 - p) ** n)).sum())


def reduce(cover: Counts, w: FloatArray, p: FloatArray) -> tuple[Counts, FloatArray, FloatArray]:
    """Drop worthless and uncovered trajectories; merge those with equal columns and ``p``."""
    keep = (w > 0) & cover.any(axis=0)
    a, w, p = cover[:, keep], w[keep], p[keep]
    if a.shape[1] == 0:
        return a, w, p
    key = np.vstack([a.astype(np.int64), np.round(p * 1e12).astype(np.int64)[None, :]])
    _, first, inverse = np.unique(key.T, axis=0, return_index=True, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=w, minlength=len(first)).astype(float)
    return a[:, first], merged, p[first]


def choose(
    cover: Counts,
    w: FloatArray,
    p: FloatArray,
    k: int,
    method: str = "auto",
    time_limit_s: float = 20.0,
    site_cost: FloatArray | None = None,
) -> Layout:
    """The best ``k`` sites by :math:`F` less the chosen sites' ``site_cost`` (module
    docstring).

    Parameters
    ----------
    site_cost : (S,) float64, optional
        A cost per site, in value units (by default none).
    method : {"auto", "milp", "greedy"}
        ``auto``: the MILP when it has at most :data:`MAX_MILP_TERMS` terms, else greedy and
        swaps; the MILP falls back on them when it ends without a layout.
    """
    start = time.perf_counter()
    a, wr, pr = reduce(cover, w, p)
    n_sites = cover.shape[0]
    if not 1 <= k <= n_sites:
        raise ValueError(f"k must be between 1 and {n_sites}")
    cost = np.zeros(n_sites) if site_cost is None else np.asarray(site_cost, float)
    levels = k * int(a.max(initial=1))
    if method in ("auto", "milp") and (method == "milp" or a.shape[1] * levels <= MAX_MILP_TERMS):
        found = _milp(a, wr, pr, k, time_limit_s, cost)
        if found is not None:
            sites, bound = found
            value = defended(a, wr, pr, sites)
            objective = value - float(cost[sites].sum())
            return Layout(
                sites, value, objective, max(bound, objective), "milp", time.perf_counter() - start
            )
    sites = _greedy_swap(a, wr, pr, k, cost)
    value = defended(a, wr, pr, sites)
    objective = value - float(cost[sites].sum())
    return Layout(sites, value, objective, None, "greedy+swap", time.perf_counter() - start)


def _milp(
    a: Counts, w: FloatArray, p: FloatArray, k: int, time_limit_s: float, cost: FloatArray
) -> tuple[NDArray[np.int64], float] | None:
    """The MEXCLP; (sites, dual bound), or None when HiGHS returns no layout."""
    n_s, n_j = a.shape
    if n_j == 0:
        sites = np.sort(np.argsort(cost, kind="stable")[:k]).astype(np.int64)
        return sites, -float(cost[sites].sum())
    n_l = k * int(a.max())
    levels = np.arange(n_l)
    gain = (w * p)[:, None] * (1.0 - p)[:, None] ** levels[None, :]  # J, L
    c = np.concatenate([cost, -gain.ravel()])
    # sum_k y_jk - sum_s a_sj x_s <= 0, one row per trajectory
    y_rows = csr_array(
        (np.ones(n_j * n_l), (np.repeat(np.arange(n_j), n_l), np.arange(n_j * n_l))),
        shape=(n_j, n_j * n_l),
    )
    cover_rows = hstack([csr_array(-a.T.astype(float)), y_rows])
    count_row = hstack([csr_array(np.ones((1, n_s))), csr_array((1, n_j * n_l))])
    constraints = [
        LinearConstraint(
            vstack([cover_rows, count_row]).tocsr(),
            np.r_[np.full(n_j, -np.inf), k],
            np.r_[np.zeros(n_j), k],
        ),
    ]
    integrality = np.r_[np.ones(n_s), np.zeros(n_j * n_l)]
    res = milp(
        c,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": time_limit_s, "disp": False, "mip_rel_gap": OPTIMAL_GAP},
    )
    if res.x is None:
        return None
    x = res.x[:n_s]
    sites = np.sort(np.argsort(-x, kind="stable")[:k]).astype(np.int64)
    bound = -float(res.mip_dual_bound) if res.mip_dual_bound is not None else np.inf
    return sites, bound


def _greedy_swap(
    a: Counts, w: FloatArray, p: FloatArray, k: int, cost: FloatArray
) -> NDArray[np.int64]:
    r"""Greedy by marginal gain, then best-improvement swaps until none improves.

    Adding site :math:`s` to a layout with :math:`n_j` engagements gains
    :math:`\sum_j w_j q_j^{n_j} (1 - q_j^{m_{sj}})`, :math:`q_j = 1 - p_j`.
    """
    af = a.astype(float)
    q = 1.0 - p
    lift = 1.0 - q[None, :] ** af  # S, J: what each site would add to an unengaged threat
    n = np.zeros(a.shape[1])
    chosen: list[int] = []
    for _ in range(k):
        gain = lift @ (w * q**n) - cost
        gain[chosen] = -np.inf
        best = int(np.argmax(gain))
        chosen.append(best)
        n += af[best]
    current = defended(a, w, p, np.array(chosen)) - float(cost[chosen].sum())
    while True:
        best_value, best_move = current, None
        for i, out in enumerate(chosen):  # K candidates to drop; each tried against every site
            rest = n - af[out]
            base = float((w * (1.0 - q**rest)).sum()) - float(cost[chosen].sum() - cost[out])
            gain = lift @ (w * q**rest) - cost
            gain[chosen] = -np.inf
            s = int(np.argmax(gain))
            if base + gain[s] > best_value + 1e-12 * max(1.0, abs(best_value)):
                best_value, best_move = base + gain[s], (i, s)
        if best_move is None:
            return np.array(chosen, np.int64)
        i, s = best_move
        n += af[s] - af[chosen[i]]
        chosen[i] = s
        current = best_value


def improve(
    start: list[int], pool: IntArray, evaluate: Callable[[IntArray], FloatArray]
) -> tuple[IntArray, float]:
    """Best-improvement swaps (one site of the layout for one of ``pool``) from ``start`` until
    none improves, on any objective: ``evaluate`` scores a batch of layouts (B, K) at once.

    Returns the layout and its score.
    """
    chosen = [int(s) for s in start]
    current = float(evaluate(np.array([chosen], np.int64))[0])
    while True:
        trials = [
            [*chosen[:i], int(s), *chosen[i + 1 :]]
            for i in range(len(chosen))
            for s in pool
            if int(s) not in chosen
        ]
        if not trials:
            break
        scores = evaluate(np.array(trials, np.int64))
        best = int(np.argmax(scores))
        if scores[best] <= current + 1e-12 * max(1.0, abs(current)):
            break
        chosen, current = trials[best], float(scores[best])
    return np.array(chosen, np.int64), current


def grow(
    start: list[int], pool: IntArray, k: int, evaluate: Callable[[IntArray], FloatArray]
) -> list[int]:
    """``start`` extended to ``k`` sites, each time by the site of ``pool`` that scores best."""
    chosen = [int(s) for s in start]
    if len(set(chosen) | {int(s) for s in pool}) < k:
        raise ValueError(f"fewer than {k} sites in the start and the pool")
    while len(chosen) < k:
        free = [int(s) for s in pool if int(s) not in chosen]
        scores = evaluate(np.array([[*chosen, s] for s in free], np.int64))
        chosen.append(free[int(np.argmax(scores))])
    return chosen
