r"""A certified lower bound for the static weapon-target assignment: the network-flow bound.

Idea (Ahuja, Kumar, Jha and Orlin, "Exact and heuristic algorithms for the weapon-target
assignment problem", *Operations Research* 55(6), 2007, section 4): whichever :math:`k` rounds
a target receives, its survival is at least that left by the :math:`k` best rounds that could
be fired at it. Let :math:`m_{t(1)} \le m_{t(2)} \le \dots` be the miss probabilities
:math:`1 - P_{wt}` of every round able to reach target :math:`t` (weapon :math:`w` counted
:math:`a_w` times), and

.. math::

    s_{tk} = V_t \prod_{i \le k} m_{t(i)}, \qquad
    \delta_{tk} = s_{t,k-1} - s_{tk}

the value the :math:`k`-th round could at best remove. Giving each round a slot
:math:`(t, k)` costs :math:`\lambda c_w - \delta_{tk}`; leaving it unused costs nothing. The
cheapest slot assignment (a rectangular linear assignment, rounds × slots, costs clipped at 0
so that a matched pair may stand for no pair; the slot gains fall
with :math:`k`, so the optimum fills each target's slots in order) plus :math:`\sum_t V_t` is a
lower bound on the optimum: any solution maps onto a slot assignment that costs no more.

Slots stop at the first :math:`K_t` with :math:`s_{t,K_t-1} \le \varepsilon F^{ub} / T`, or
at the number of rounds that can reach the target; in the first case the last slot claims the
whole remaining value :math:`s_{t,K_t-1}`, which keeps the bound valid while the table stays
small (its gain may then exceed the slot before's, which only loosens the bound by at most
:math:`\varepsilon F^{ub}` in all).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from cupola.fire.static_wta import StaticWTA

#: Largest table (rounds × targets, rounds × slots) the bound builds.
MAX_CELLS = 20_000_000
#: A target's slots stop once its remaining value is below this times the upper bound over
#: the number of targets: the bound loosens by at most this times the upper bound in all.
SLOT_EPS = 1e-3


def lower_bound(problem: StaticWTA, upper: float) -> float | None:
    """The network-flow lower bound (module docstring), rounded down for floating-point
    safety; None when its tables would pass ``MAX_CELLS`` entries.

    Parameters
    ----------
    problem : StaticWTA
    upper : float
        The value of a known solution; only sets where the slots stop.
    """
    w_n, t_n = problem.shape
    owner = np.repeat(np.arange(w_n), problem.ammo)  # (R,) weapon of each round
    r_n = owner.size
    if r_n == 0 or t_n == 0:
        return float(problem.value.sum())
    if r_n * t_n > MAX_CELLS:
        return None
    miss = np.where(problem.pk > 0, 1.0 - problem.pk, 1.0)[owner]  # (R, T)
    miss.sort(axis=0)
    s = problem.value[None, :] * np.cumprod(np.vstack([np.ones(t_n), miss]), axis=0)  # (R+1, T)
    reach = (problem.pk[owner] > 0).sum(axis=0)  # rounds able to reach each target
    small = s[:-1] <= SLOT_EPS * max(upper, 1e-300) / t_n  # (R, T): slot k+1 starts below
    stop = np.where(small.any(axis=0), small.argmax(axis=0), r_n)
    n_slots = np.minimum(stop + 1, reach)  # K_t
    slot_t = np.repeat(np.arange(t_n), n_slots)
    slot_k = np.arange(slot_t.size) - np.repeat(np.cumsum(n_slots) - n_slots, n_slots)
    gain = s[slot_k, slot_t] - s[slot_k + 1, slot_t]
    # a target's last slot claims all that is left, unless it is its last reachable round
    last = (slot_k == n_slots[slot_t] - 1) & (n_slots[slot_t] < reach[slot_t])
    gain[last] = s[slot_k[last], slot_t[last]]
    if r_n * slot_t.size > MAX_CELLS:
        return None
    # a pair that costs more than nothing is as good as no pair: clip at 0, and the
    # rectangular assignment then matches the smaller side fully at no loss
    cost = np.where(
        problem.pk[owner][:, slot_t] > 0,
        np.minimum((problem.lam * problem.cost)[owner][:, None] - gain[None, :], 0.0),
        0.0,
    )
    rows, cols = linear_sum_assignment(cost)
    total = float(problem.value.sum())
    bound = max(total + float(cost[rows, cols].sum()), 0.0)
    return max(bound - 1e-9 * bound - 1e-12 * total, 0.0)  # rounding of the sums
