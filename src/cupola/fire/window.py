r"""What every fire-control rule needs in a decision cycle: each launcher's window and
capacity, and the intercepts due in it.

For launcher :math:`l` of a battery with reaction time :math:`R`, launch interval
:math:`\Delta` and decision period :math:`P`: it can launch from
:math:`a_l = \max(t + R, \text{next\_free}_l)`, and this cycle it may start rounds until
:math:`w_l = t + R + P`, which gives it a capacity of
:math:`\min(\text{ready}, \max(s, \lceil (w_l - a_l)/\Delta \rceil))` rounds (0 when reloading
or busy past :math:`w_l`) for salvo size :math:`s`. A battery guides at most its guidance
channels' worth of interceptors at once: the channels not taken by interceptors in flight or
queued go, in index order, to its launchers that have an intercept due. A threat may take
launcher :math:`l` when the envelope has an intercept for it
(:func:`cupola.fire.envelope.earliest_intercept`) whose launch is due this cycle,
:math:`t_k - T_f < w_l + \delta` with :math:`\delta` the step of the predicted path (the
resolution of :math:`t_k`); a later one waits for a later cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from cupola.assess.base import Assessment
from cupola.core.table import first_come
from cupola.engage.base import InterceptorTypes
from cupola.fire.base import FireOrders, FireParams, UnitState
from cupola.fire.envelope import earliest_intercept
from cupola.sim.world import FireUnits

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class CycleWindow:
    """Launchers in this cycle, L rows (module docstring).

    Attributes
    ----------
    interval : (L,) float64
        Launch interval, s.
    launch_at : (L,) float64
        Earliest launch :math:`a_l`, s.
    window_end : (L,) float64
        Last start of a round this cycle :math:`w_l`, s.
    capacity : (L,) int64
        Rounds the launcher can start this cycle.
    """

    interval: FloatArray
    launch_at: FloatArray
    window_end: FloatArray
    capacity: IntArray


@dataclass(frozen=True, slots=True)
class Intercepts:
    """Earliest intercepts of C candidate tracks by L launchers.

    Attributes
    ----------
    feasible : (C, L) bool
        An intercept exists and its launch is due this cycle, on a launcher with capacity.
    time : (C, L) float64
        Intercept time, s.
    sample : (C, L) int64
        Its sample on the predicted path.
    need : (C, L) float64
        Launch time that meets the threat at the planned point, s (inf where infeasible).
    """

    feasible: NDArray[np.bool_]
    time: FloatArray
    sample: IntArray
    need: FloatArray


def cycle_window(params: FireParams, units: FireUnits, state: UnitState, now: float) -> CycleWindow:
    """Each launcher's window and capacity this cycle (module docstring)."""
    b = units.battery
    interval = units.interval_s[b]
    launch_at = np.maximum(now + units.reaction_s[b], state.next_free)
    window_end = now + units.reaction_s[b] + params.decision_period_s
    slots = np.ceil((window_end - launch_at) / interval - 1e-9).astype(np.int64)
    free = (slots > 0) & ~np.isfinite(state.reload_done) & (state.ready > 0)
    shots_max = params.shots_per_engagement
    capacity = np.where(free, np.minimum(state.ready, np.maximum(slots, shots_max)), 0)
    return CycleWindow(interval, launch_at, window_end, capacity.astype(np.int64))


def due_intercepts(
    params: FireParams,
    units: FireUnits,
    itypes: InterceptorTypes,
    state: UnitState,
    window: CycleWindow,
    assessment: Assessment,
    cand: IntArray,
) -> tuple[CycleWindow, Intercepts]:
    """Intercepts of the assessment's rows ``cand`` due this cycle (module docstring), and
    the window with the batteries' guidance channels shared out among the launchers that
    have one."""
    feasible, t_int, sample, flight = earliest_intercept(
        itypes,
        units.pos,
        units.itype,
        window.launch_at,
        assessment.path[cand],
        assessment.path_time,
        assessment.impact_time[cand],
        params.min_intercept_altitude_m,
    )
    need = np.where(feasible, t_int - np.where(feasible, flight, 0.0), np.inf)
    pt = assessment.path_time
    step = float(pt[1] - pt[0]) if len(pt) > 1 else 0.0
    feasible &= (window.capacity[None, :] > 0) & (need < window.window_end[None, :] + step)
    if state.guiding is not None:  # channels left, to the launchers with an intercept due
        room = np.maximum(units.channels - state.guiding, 0)
        want = np.where(feasible.any(axis=0), window.capacity, 0)
        window = replace(window, capacity=first_come(units.battery, want, room))
        feasible &= window.capacity[None, :] > 0
    return window, Intercepts(feasible, t_int, sample, need)


def place(
    assessment: Assessment,
    cand: IntArray,
    window: CycleWindow,
    due: Intercepts,
    state: UnitState,
    rows: IntArray,
    launcher: IntArray,
    shots: IntArray,
    tiebreak: IntArray,
) -> tuple[UnitState, FireOrders]:
    r"""Orders for engagements (candidate row, launcher, shots) and the launchers after them.

    On each launcher the rounds are launched in the order they are needed (ties by
    ``tiebreak``), each at :math:`\max(t_k - T_f, \text{previous} + \Delta)` and never
    before :math:`a_l`, so that an interceptor meets its threat at the planned point rather
    than early and outside the envelope.
    """
    order = np.lexsort((tiebreak, due.need[rows, launcher], launcher))
    rows, lau, shots = rows[order], launcher[order], shots[order]
    interval = window.interval
    first = _launch_times(lau, shots * interval[lau], due.need[rows, lau], window.launch_at[lau])
    next_free = state.next_free.copy()
    np.maximum.at(next_free, lau, first + shots * interval[lau])
    ready = state.ready.copy()
    np.subtract.at(ready, lau, shots)
    s = due.sample[rows, lau]
    orders = FireOrders(
        track_id=assessment.track_id[cand[rows]],
        launcher=lau.astype(np.int64),
        shots=shots.astype(np.int64),
        first_launch=first,
        intercept_point=assessment.path[cand[rows], s],
        intercept_time=assessment.path_time[s],
    )
    return UnitState(ready, next_free, state.reload_done, state.stock), orders


def _launch_times(
    launcher: IntArray, busy: FloatArray, need: FloatArray, earliest: FloatArray
) -> FloatArray:
    r"""First-round times of engagements queued on launchers, without a loop.

    Engagements are sorted by launcher, then by need. On one launcher
    :math:`x_k = \max(x_{k-1} + b_{k-1}, n_k, e)` with :math:`b` the time an engagement
    keeps the launcher busy, :math:`n` the needed launch time and :math:`e` the launcher's
    earliest launch. With :math:`c_k = \sum_{j<k} b_j`, :math:`y_k = x_k - c_k` obeys
    :math:`y_k = \max(y_{k-1}, n_k - c_k)`, a running maximum within each launcher's group.

    Parameters
    ----------
    launcher : (E,) int64
        Launcher of each engagement, grouped (sorted).
    busy, need, earliest : (E,) float64
        Busy time, needed launch time, and the launcher's earliest launch, s.
    """
    if len(launcher) == 0:
        return np.empty(0)
    start = np.r_[True, launcher[1:] != launcher[:-1]]
    group = np.cumsum(start) - 1
    cum = np.cumsum(busy)
    c = cum - busy - (cum - busy)[start][group]  # busy time before, within the group
    y = np.maximum(need, earliest) - c
    # Running maximum restarted at each group: lift each group above the previous ones.
    lift = (np.max(np.abs(y)) + 1.0) * 2.0 * group
    y = np.maximum.accumulate(y + lift) - lift
    return np.asarray(y + c, float)


def no_orders() -> FireOrders:
    i = np.empty(0, np.int64)
    f = np.empty(0)
    return FireOrders(i, i, i, f, np.empty((0, 3)), f)
