"""The static weapon-target assignment solver behind ``cupola wta``: one call, one solution.

Methods, by registry name:

``greedy``
    Maximum marginal return alone (:func:`cupola.fire.static_wta.greedy`).
``search`` (default)
    Iterated local search (:mod:`cupola.fire.wta_search`) from an empty assignment filled in
    assignment layers, until the kick budget, the time limit or a long stall.
``exact``
    The search's solution seeds the outer-approximation MILP (:mod:`cupola.fire.wta_exact`),
    which proves it optimal or improves it within the time limit. For small instances.

Every method reports the network-flow lower bound (:mod:`cupola.fire.wta_bound`), and the exact
mode the tighter of it and the MILP's bound.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cupola.errors import CupolaError
from cupola.fire.static_wta import IntArray, StaticWTA, feasible, greedy, objective
from cupola.fire.wta_bound import lower_bound
from cupola.fire.wta_exact import solve_exact
from cupola.fire.wta_search import improve
from cupola.output.parquet import write_text_file

METHODS = ("search", "greedy", "exact")
#: Relative gap at which a solution counts as proven optimal.
OPTIMAL_GAP = 1e-6
#: Kicks of the search that gives the exact mode its start, unless told otherwise.
EXACT_START_KICKS = 20


@dataclass(frozen=True)
class WTASolution:
    """A solved instance.

    Attributes
    ----------
    shots : (W, T) int64
        Rounds of each weapon at each target.
    objective : float
        Exact value of the instance's objective for ``shots``.
    lower_bound : float or None
        Certified lower bound on the optimum; None where the instance is too large for the
        network-flow bound and no exact mode ran.
    optimal : bool
        ``shots`` is proven optimal (bound and value meet within a relative ``OPTIMAL_GAP``).
    seconds : float
        Solver wall time, bound (and exact mode) included, s.
    search_seconds : float
        Of which finding ``shots`` by the greedy rule or the search, s (the time limit bounds
        it).
    method : str
    """

    shots: IntArray
    objective: float
    lower_bound: float | None
    optimal: bool
    seconds: float
    search_seconds: float
    method: str

    @property
    def gap(self) -> float | None:
        """``(objective - lower_bound) / objective``; 0 for a zero objective, None without a
        bound."""
        if self.lower_bound is None:
            return None
        if self.objective <= 0:
            return 0.0
        return (self.objective - self.lower_bound) / self.objective

    def to_json(self) -> dict[str, object]:
        """The SOLUTION.json document (README, "Weapon-target assignment")."""
        return {
            "method": self.method,
            "weapons": int(self.shots.shape[0]),
            "targets": int(self.shots.shape[1]),
            "shots": self.shots.tolist(),
            "objective": self.objective,
            "lower_bound": self.lower_bound,
            "gap": self.gap,
            "optimal": self.optimal,
            "seconds": self.seconds,
            "search_seconds": self.search_seconds,
        }


def solve(
    problem: StaticWTA,
    method: str = "search",
    time_limit: float = 1.0,
    kicks: int | None = None,
    seed: int = 0,
) -> WTASolution:
    """Solve ``problem`` (module docstring).

    Parameters
    ----------
    method : {"search", "greedy", "exact"}
    time_limit : float
        Seconds for the search, and again for the MILP in the exact mode; the bound comes
        after (``seconds`` counts it, ``search_seconds`` does not).
    kicks : int or None
        Kick budget of the search; ``None`` for as many as the time limit allows (and
        ``EXACT_START_KICKS`` in the exact mode). The search also stops after
        :data:`cupola.fire.wta_search.STALL_KICKS` kicks in a row without improvement. With a budget
        that ends before the time limit the result depends only on the instance and the seed.
    seed : int
        Seed of the search's random stream.
    """
    if method not in METHODS:
        raise CupolaError(f"method: unknown {method!r}; choose one of {', '.join(METHODS)}")
    if not (math.isfinite(time_limit) and time_limit > 0):
        raise CupolaError(f"time limit: must be a positive number of seconds, got {time_limit}")
    if kicks is not None and kicks < 0:
        raise CupolaError(f"kicks: must be a non-negative integer, got {kicks}")
    start = time.perf_counter()
    if method == "greedy":
        shots = greedy(problem)
    else:
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        default = EXACT_START_KICKS if method == "exact" else 10**9
        budget = default if kicks is None else kicks
        empty = np.zeros(problem.shape, np.int64)
        shots = improve(problem, empty, rng, max_kicks=budget, time_limit=time_limit)
    value = objective(problem, shots)
    search_seconds = time.perf_counter() - start
    bound = lower_bound(problem, value)
    if method == "exact":
        res = solve_exact(problem, shots, time_limit=time_limit)
        shots, value = res.shots, res.value
        bound = res.lower_bound if bound is None else max(bound, res.lower_bound)
    if not feasible(problem, shots):  # a broken invariant, never a user error
        raise AssertionError("solver returned an infeasible assignment")
    optimal = bound is not None and value - bound <= OPTIMAL_GAP * max(abs(value), 1e-300)
    return WTASolution(
        shots, value, bound, bool(optimal), time.perf_counter() - start, search_seconds, method
    )


def write_solution(solution: WTASolution, path: Path, overwrite: bool = False) -> None:
    """Write SOLUTION.json atomically; :class:`cupola.errors.OutputError` when it cannot."""
    text = json.dumps(solution.to_json(), separators=(",", ":"), allow_nan=False) + "\n"
    write_text_file(Path(path), text, overwrite)
