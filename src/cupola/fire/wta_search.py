r"""Improvement of a static weapon-target assignment: local search, assignment neighbourhood
and iterated kicks.

Work in the log domain. With :math:`\ell_{wt} = \ln(1 - P_{wt})` (floored at
``-LOG_FLOOR`` so that a sure kill stays invertible) a target's log survival is
:math:`L_t = \sum_w x_{wt} \ell_{wt}` and its share of the objective
:math:`e_t = V_t e^{L_t}`. Every neighbourhood below is evaluated exactly in these terms.

Neighbourhoods
--------------
Move
    One round of weapon :math:`w` leaves target :math:`t` for :math:`t' \ne t` (or is added
    from the weapon's spare rounds, or dropped when its cost outweighs its kill):

    .. math::

        \Delta = V_t (e^{L_t - \ell_{wt}} - e^{L_t}) - \lambda c_w
                 + V_{t'} (e^{L_{t'} + \ell_{wt'}} - e^{L_{t'}}) + \lambda c_w .

    The best move of every weapon is one vectorised pass over the W×T table.
Swap
    Rounds of :math:`w_1` on :math:`t_1` and :math:`w_2` on :math:`t_2` trade targets:
    :math:`\Delta = e_{t_1}(e^{\ell_{w_2 t_1} - \ell_{w_1 t_1}} - 1)
    + e_{t_2}(e^{\ell_{w_1 t_2} - \ell_{w_2 t_2}} - 1)`, over all pairs of rounds at once.
Assignment (a very-large-scale neighbourhood)
    Free one round from each target of a random subset, and every spare round; then give each
    target at most one of the freed rounds. Because no target receives two, the gains add up,
    :math:`g_{tr} = V_t e^{L^{fixed}_t} P_{w(r)t} - \lambda c_{w(r)}`, and the best re-assignment
    is a rectangular linear assignment (``scipy.optimize.linear_sum_assignment``) on the gains
    clipped at 0, where a zero-gain pair stands for "nothing more". The neighbourhood holds
    the current solution, so the step never makes it worse, and it searches exponentially
    many multi-exchanges at once (in the spirit of Ahuja, Kumar, Jha and Orlin, "Exact and
    heuristic algorithms for the
    weapon-target assignment problem", *Operations Research* 55(6), 2007).

    On every other step a second row per target lets it take two freed rounds; the second
    round's gain is then a guess (it depends on which round came first, taken as one of
    mean miss), so that step is evaluated exactly and kept only if it improves.

Iterated local search
    From the best local optimum of the three neighbourhoods, remove a random fraction
    (``KICK_FRACTION``) of the rounds, or on every other kick every round of that fraction of
    the targets (``BIG_KICK`` of them after every ``BIG_EVERY`` kicks without improvement),
    re-optimise and keep the result when it is better (Lourenço, Martin
    and Stützle, "Iterated local search", in *Handbook of Metaheuristics*, 2003). Kicks stop at
    ``max_kicks``, after ``stall_kicks`` kicks in a row without improvement, or at the time
    limit, whichever comes first; with no time limit the result
    depends only on the instance, the start and the random stream.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from cupola.fire.static_wta import FloatArray, IntArray, StaticWTA

#: Floor of :math:`\ln(1-P)` inside the search: a sure kill leaves :math:`e^{-700}` survival.
LOG_FLOOR = 700.0
#: Fraction of the rounds, or of the targets, a kick clears.
KICK_FRACTION = 0.2
#: Every this many kicks without improvement, a big kick clears this fraction instead.
BIG_EVERY = 15
BIG_KICK = 0.4
#: Kicks in a row without improvement that end the search.
STALL_KICKS = 200
#: Assignment steps without improvement that end the local search after a kick.
KICK_PATIENCE = 1
#: Relative improvement below which a step counts as none.
TOL = 1e-12
#: Assignment steps in a row without improvement that end a local search.
PATIENCE = 6


@dataclass
class _State:
    """The incumbent of one search, over the N pairs :math:`(w, t)` with :math:`P_{wt} > 0`.

    Pairs are sorted by weapon; ``starts`` (G,) opens each weapon's run of pairs and ``seg``
    (N,) numbers the run a pair belongs to. Dense (W, T) tables serve the lookups of the swap
    and assignment neighbourhoods; ``index`` (W, T) gives a pair's number, -1 for none.
    """

    problem: StaticWTA
    ell: FloatArray  # (W, T) ln(1 - P), floored
    kill: FloatArray  # (W, T) 1 - exp(ell)
    index: IntArray  # (W, T)
    pw: IntArray  # (N,) weapon of each pair
    pt: IntArray  # (N,) target of each pair
    starts: IntArray  # (G,)
    seg: IntArray  # (N,)
    round_cost: FloatArray  # (W,) lambda * c
    x: IntArray  # (N,) shots per pair
    log_s: FloatArray  # (T,)

    @classmethod
    def start(cls, problem: StaticWTA, shots: IntArray) -> _State:
        with np.errstate(divide="ignore"):
            ell = np.maximum(np.log1p(-problem.pk), -LOG_FLOOR)
        pw, pt = np.nonzero(problem.pk > 0)
        index = np.full(problem.shape, -1, np.int64)
        index[pw, pt] = np.arange(pw.size)
        starts = np.flatnonzero(np.r_[True, pw[1:] != pw[:-1]]) if pw.size else pw
        seg = np.cumsum(np.r_[0, pw[1:] != pw[:-1]]) if pw.size else pw
        st = cls(
            problem,
            ell,
            -np.expm1(ell),
            index,
            pw,
            pt,
            starts,
            seg,
            problem.lam * problem.cost,
            np.zeros(pw.size, np.int64),
            np.zeros(problem.shape[1]),
        )
        st.set_dense(np.asarray(shots, np.int64))
        return st

    def set(self, x: IntArray) -> None:
        self.x = x
        weights = x * self.ell[self.pw, self.pt]
        self.log_s = np.bincount(self.pt, weights, self.problem.shape[1]).astype(np.float64)

    def set_dense(self, shots: IntArray) -> None:
        self.set(shots[self.pw, self.pt].copy())

    def dense(self) -> IntArray:
        out = np.zeros(self.problem.shape, np.int64)
        out[self.pw, self.pt] = self.x
        return out

    def value(self) -> float:
        return float(self.problem.value @ np.exp(self.log_s) + self.round_cost[self.pw] @ self.x)


def _seg_argmin(values: FloatArray, st: _State) -> tuple[FloatArray, IntArray]:
    """Minimum of ``values`` (N,) over each weapon's pairs, (G,), and the pair attaining it."""
    g_n = st.starts.size
    if values.size == g_n * st.problem.shape[1]:  # every pair possible: a plain table
        table = values.reshape(g_n, -1)
        arg = table.argmin(axis=1)
        return table[np.arange(g_n), arg], st.starts + arg
    low = np.minimum.reduceat(values, st.starts)
    hit = np.flatnonzero(values == low[st.seg])
    _, first = np.unique(st.seg[hit], return_index=True)
    return low, hit[first]


def _moves(st: _State, deadline: float = np.inf) -> None:
    """Apply best single-round moves (module docstring) until none improves or time is up."""
    if st.pw.size == 0:
        return
    v, pw, pt = st.problem.value, st.pw, st.pt
    ell = st.ell[pw, pt]
    kill = st.kill[pw, pt]
    rc = st.round_cost[pw]
    gw = pw[st.starts]  # weapon of each run
    spare = st.problem.ammo[gw] - np.add.reduceat(st.x, st.starts)
    tol = TOL * max(1.0, st.value())
    while time.perf_counter() < deadline:
        e = v * np.exp(st.log_s)
        add = rc - e[pt] * kill  # change when a round is added to the pair
        # change when one of the pair's rounds is taken away (L_t - ell <= 0 where x > 0)
        on = st.x > 0
        rem = np.where(
            on, v[pt] * np.exp(np.where(on, st.log_s[pt] - ell, 0.0)) - e[pt] - rc, np.inf
        )
        a1, i_add = _seg_argmin(add, st)
        second = add.copy()
        second[i_add] = np.inf
        a2, i_add2 = _seg_argmin(second, st)
        r1, i_rem = _seg_argmin(rem, st)
        same = i_add == i_rem
        move = r1 + np.where(same, a2, a1)
        gains = np.stack([move, np.where(spare > 0, a1, np.inf), r1])
        kind, g = divmod(int(np.argmin(gains)), gains.shape[1])
        if not gains[kind, g] < -tol:
            return
        if kind != 1:  # a round leaves its pair
            i = int(i_rem[g])
            st.x[i] -= 1
            st.log_s[pt[i]] -= ell[i]
            spare[g] += 1
        if kind != 2:  # a round joins a pair
            i = int(i_add2[g] if kind == 0 and same[g] else i_add[g])
            st.x[i] += 1
            st.log_s[pt[i]] += ell[i]
            spare[g] -= 1


def _swap(st: _State) -> bool:
    """Apply the best improving swap of two rounds; False when there is none."""
    on = np.flatnonzero(st.x)
    if on.size < 2:
        return False
    w, t = st.pw[on], st.pt[on]
    ell = st.ell
    e = st.problem.value * np.exp(st.log_s)
    # half[i, j]: change at t_i when the round of w_i there is replaced by one of w_j
    half = e[t][:, None] * np.expm1(ell[w[None, :], t[:, None]] - ell[w, t][:, None])
    reach = st.index[w[None, :], t[:, None]] >= 0  # w_j can reach t_i
    delta = np.where(reach & reach.T & (t[:, None] != t[None, :]), half + half.T, 0.0)
    i, j = divmod(int(np.argmin(delta)), on.size)
    if not delta[i, j] < -TOL * max(1.0, st.value()):
        return False
    wi, ti, wj, tj = w[i], t[i], w[j], t[j]
    st.x[on[i]] -= 1
    st.x[on[j]] -= 1
    st.x[st.index[wi, tj]] += 1
    st.x[st.index[wj, ti]] += 1
    st.log_s[ti] += ell[wj, ti] - ell[wi, ti]
    st.log_s[tj] += ell[wi, tj] - ell[wj, tj]
    return True


def _assignment_step(
    st: _State, rng: np.random.Generator, fraction: float, double: bool = False
) -> bool:
    """One step in the assignment neighbourhood (module docstring), kept only if better;
    with ``double``, its variant where a target may take two freed rounds."""
    p = st.problem
    x = st.x.copy()
    on = np.flatnonzero(x)
    on = on[rng.permutation(on.size)]
    _, first = np.unique(st.pt[on], return_index=True)  # one random round per target
    pick = on[first[rng.random(first.size) < fraction]]
    x[pick] -= 1
    log_s = np.bincount(st.pt, x * st.ell[st.pw, st.pt], p.shape[1])
    spare = p.ammo - np.bincount(st.pw, x, p.shape[0]).astype(np.int64)
    e = p.value * np.exp(log_s)
    helps = e[st.pt] * st.kill[st.pw, st.pt] > st.round_cost[st.pw]
    useful = np.bincount(st.pw[helps], minlength=p.shape[0])
    cols = np.repeat(np.arange(p.shape[0]), np.minimum(spare, useful))
    if cols.size == 0:
        return False
    kill = st.kill[cols].T  # (T, C)
    gain = np.maximum(e[:, None] * kill - st.round_cost[cols][None, :], 0.0)
    if double:  # a second row per target, its gain guessed with the mean miss of the first
        reach = kill > 0
        miss = np.where(reach, 1.0 - kill, 0.0).sum(1) / np.maximum(reach.sum(1), 1)
        second = (e * miss)[:, None] * kill - st.round_cost[cols][None, :]
        gain = np.vstack([gain, np.maximum(second, 0.0)])
    r, c = linear_sum_assignment(gain, maximize=True)  # a zero-gain pair is no pair
    m = gain[r, c] > 0.0
    np.add.at(x, st.index[cols[c[m]], r[m] % p.shape[1]], 1)
    before = st.value()
    old = st.x
    st.set(x)
    if st.value() < before * (1.0 - TOL):
        return True
    st.set(old)
    return False


def _local_search(
    st: _State, rng: np.random.Generator, deadline: float, patience: int = PATIENCE
) -> None:
    """Assignment steps (which also place spare rounds in bulk), moves and swaps, until
    ``patience`` assignment steps in a row find nothing."""
    stall = 0
    while stall < patience and time.perf_counter() < deadline:
        _moves(st, deadline)
        found = _assignment_step(st, rng, 1.0 if stall % 2 == 0 else 0.5, stall % 2 == 1)
        _moves(st, deadline)
        while time.perf_counter() < deadline and _swap(st):
            _moves(st, deadline)
        stall = 0 if found else stall + 1


def improve(
    problem: StaticWTA,
    shots: IntArray,
    rng: np.random.Generator,
    max_kicks: int = 200,
    time_limit: float | None = None,
    stall_kicks: int = STALL_KICKS,
) -> IntArray:
    """Iterated local search from ``shots`` (module docstring); returns a feasible (W, T)
    solution no worse than ``shots``.

    Parameters
    ----------
    problem : StaticWTA
    shots : (W, T) int
        A feasible start (for example :func:`cupola.fire.static_wta.greedy`, or none at all);
        its spare rounds are first placed in layers, each layer the best assignment of at
        most one more round per target.
    rng : numpy.random.Generator
        Stream for the neighbourhood choices and kicks.
    max_kicks : int
        Kicks after the first local optimum.
    time_limit : float or None
        Wall-clock budget in seconds; ``None`` for none (deterministic result).
    stall_kicks : int
        Kicks in a row without improvement after which the search stops.
    """
    deadline = np.inf if time_limit is None else time.perf_counter() + time_limit
    st = _State.start(problem, shots)
    # spare rounds placed in layers, each the best one round more per target; the first layer
    # whatever the time limit, so that even a very short search fires something
    if _assignment_step(st, rng, 0.0):
        while time.perf_counter() < deadline and _assignment_step(st, rng, 0.0):
            pass
    _local_search(st, rng, deadline)
    best, best_value = st.x.copy(), st.value()
    since = 0
    for kick in range(max_kicks):
        if time.perf_counter() >= deadline or since >= stall_kicks:
            break
        since += 1
        x = best.copy()
        strength = BIG_KICK if since % BIG_EVERY == 0 else KICK_FRACTION
        if kick % 2:  # clear whole targets
            x[(rng.random(problem.shape[1]) < strength)[st.pt]] = 0
        else:
            on = np.flatnonzero(x)
            x[on[rng.random(on.size) < strength]] -= 1
        st.set(x)
        _local_search(st, rng, deadline, PATIENCE if strength == BIG_KICK else KICK_PATIENCE)
        if st.value() < best_value * (1.0 - TOL):
            best, best_value, since = st.x.copy(), st.value(), 0
    st.set(best)
    return st.dense()
