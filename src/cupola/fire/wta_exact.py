r"""Exact static weapon-target assignment: outer approximation with scipy's HiGHS MILP.

With :math:`q_{wt} = -\ln(1 - P_{wt})` target :math:`t`'s surviving value is the convex
function :math:`V_t e^{-y_t}` of its log-kill :math:`y_t = \sum_w q_{wt} x_{wt}`. Each tangent
at a point :math:`\hat y` bounds it from below, so the mixed-integer linear program

.. math::

    \min \sum_t z_t + \lambda \sum_{w,t} c_w x_{wt} \quad\text{s.t.}\quad
    z_t \ge V_t e^{-\hat y}\,(1 + \hat y - \textstyle\sum_w q_{wt} x_{wt})
    \ \ \forall t, \hat y \in Y_t, \qquad
    \textstyle\sum_t x_{wt} \le a_w, \quad x_{wt} \in \{0, \dots, a_w\}

has an optimum no larger than the true one (a certified lower bound), while its solution
:math:`x` evaluated exactly is an upper bound. Tangents are added at each solution's
:math:`y_t` until the two meet (outer approximation: Duran and Grossmann, *Mathematical
Programming* 36, 1986; for the WTA, Andersen, Pavlikov and Toffolo, *Annals of Operations
Research* 312(2), 2022). Only pairs with :math:`P_{wt} > 0` get a variable.

A sure kill (:math:`P = 1`) would make :math:`q` infinite; it is capped at ``Q_CAP``, which
lowers a target's kill by at most :math:`V_t e^{-Q_{cap}}`, and that amount is taken off the
bound so that it stays certified.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csr_array, vstack

from cupola.fire.static_wta import IntArray, StaticWTA, objective

#: Cap on the log-kill of one round.
Q_CAP = 40.0
#: Tangent points every target starts with.
START_TANGENTS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0)
#: ``scipy.optimize.milp`` status of a HiGHS solve error.
SOLVE_ERROR = 4
#: Relative gap at which the loop stops (HiGHS's own tolerances are about 1e-6).
GAP = 1e-7


@dataclass(frozen=True)
class ExactResult:
    """Best shots found, their exact value, the certified bound and whether they meet."""

    shots: IntArray
    value: float
    lower_bound: float
    optimal: bool


def solve_exact(
    problem: StaticWTA, start: IntArray | None = None, time_limit: float = 60.0
) -> ExactResult:
    """Outer-approximation loop (module docstring) within ``time_limit`` seconds.

    Parameters
    ----------
    start : (W, T) int, optional
        A known solution: its :math:`y_t` seed the tangents and it is returned if nothing
        better is found.
    """
    deadline = time.perf_counter() + time_limit
    w_n, t_n = problem.shape
    with np.errstate(divide="ignore"):
        q_full = np.minimum(-np.log1p(-problem.pk), Q_CAP)
    cap_loss = float(problem.value.sum() * np.exp(-Q_CAP)) if (problem.pk >= 1).any() else 0.0
    pw, pt = np.nonzero(problem.pk > 0)
    n_x = pw.size
    if n_x == 0 or problem.ammo.sum() == 0:  # nothing can be fired: doing nothing is optimal
        none = np.zeros((w_n, t_n), np.int64)
        return ExactResult(none, objective(problem, none), objective(problem, none), True)
    q = q_full[pw, pt]
    # variables: x (one per feasible pair), then z (one per target)
    c = np.concatenate([(problem.lam * problem.cost)[pw], np.ones(t_n)])
    ammo_rows = csr_array((np.ones(n_x), (pw, np.arange(n_x))), shape=(w_n, n_x + t_n))
    ammo = LinearConstraint(ammo_rows, -np.inf, problem.ammo.astype(float))
    integrality = np.concatenate([np.ones(n_x), np.zeros(t_n)])
    bounds = Bounds(
        np.zeros(n_x + t_n), np.concatenate([problem.ammo[pw].astype(float), problem.value])
    )
    points = [np.repeat(np.asarray(START_TANGENTS)[:, None], t_n, axis=1)]
    best = np.zeros((w_n, t_n), np.int64) if start is None else np.asarray(start, np.int64)
    best_value = objective(problem, best)
    if start is not None:
        points.append((q_full * best).sum(0)[None, :])
    lower = -np.inf
    while True:
        cuts = _tangents(problem.value, pt, q, np.vstack(points), n_x, t_n)
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        options = {"time_limit": left, "mip_rel_gap": GAP}
        res = milp(
            c, constraints=[ammo, cuts], integrality=integrality, bounds=bounds, options=options
        )
        if res.status == SOLVE_ERROR:  # HiGHS's presolve sometimes fails on near-parallel cuts
            options["presolve"] = False
            res = milp(
                c, constraints=[ammo, cuts], integrality=integrality, bounds=bounds, options=options
            )
        if res.x is None:
            break
        bound = getattr(res, "mip_dual_bound", None)
        if bound is None or not np.isfinite(bound):  # no integer variable: an LP
            bound = res.fun if res.status == 0 else -np.inf
        lower = max(lower, float(bound) - cap_loss)
        x = np.zeros((w_n, t_n), np.int64)
        x[pw, pt] = np.round(res.x[:n_x]).astype(np.int64)
        value = objective(problem, x)
        if value < best_value:
            best, best_value = x, value
        if res.status != 0 or best_value - lower <= GAP * max(abs(best_value), 1e-300):
            break
        y = (q_full * x).sum(0)
        if any(np.array_equal(y, p[0]) for p in points[1:]):
            break  # the model is exact at its own optimum: nothing left to cut
        points.append(y[None, :])
    lower = min(max(lower, 0.0), best_value)
    optimal = best_value - lower <= GAP * max(abs(best_value), 1e-300) * 10
    return ExactResult(best, best_value, lower - 1e-9 * lower, bool(optimal))


def _tangents(
    value: np.ndarray, pt: np.ndarray, q: np.ndarray, points: np.ndarray, n_x: int, t_n: int
) -> LinearConstraint:
    r"""Rows :math:`z_t + V_t e^{-\hat y} \sum_w q_{wt} x_{wt} \ge V_t e^{-\hat y}(1+\hat y)`
    for every tangent point (rows of ``points``, (K, T))."""
    blocks = []
    lows = []
    for y_hat in np.unique(points, axis=0):
        slope = value * np.exp(-y_hat)  # (T,)
        rows = np.concatenate([pt, np.arange(t_n)])
        cols = np.concatenate([np.arange(n_x), n_x + np.arange(t_n)])
        data = np.concatenate([slope[pt] * q, np.ones(t_n)])
        blocks.append(coo_array((data, (rows, cols)), shape=(t_n, n_x + t_n)))
        lows.append(slope * (1.0 + y_hat))
    return LinearConstraint(vstack(blocks).tocsr(), np.concatenate(lows), np.inf)
