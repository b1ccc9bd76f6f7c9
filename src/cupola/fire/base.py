"""Fire-control interface: the launchers' dynamic state and the orders of one decision cycle.

A fire-control rule is a pure step, named in scenarios by registry name::

    decide(params, units, state, assessment, eligible, now) -> (state, orders)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class FireParams:
    """Doctrine settings fire control needs.

    Attributes
    ----------
    shots_per_engagement : int
        Interceptors fired at a threat in one engagement (a salvo, one launch interval apart).
    min_intercept_altitude_m : float
        Lowest planned intercept altitude, m.
    decision_period_s : float
        Time between decision cycles, s; bounds how many rounds a launcher fires per cycle.
    shoot_look_shoot : bool
        Fire one round when the window leaves time for another after kill assessment, a
        salvo of ``shots_per_engagement`` when it does not (``wta`` fire control).
    kill_assessment_s : float
        Time from an interceptor's burst to knowing whether it killed, s.
    cost_weight : float
        Objective value of one US dollar of interceptor (``wta``): a round is fired only where
        the expected damage it saves exceeds its cost times this.
    reserve_rounds : int
        Rounds of each launcher held back for threats a round saves at least
        ``reserve_release_damage`` of expected damage from (``wta``).
    reserve_release_damage : float
        See ``reserve_rounds``.
    """

    shots_per_engagement: int
    min_intercept_altitude_m: float
    decision_period_s: float
    shoot_look_shoot: bool = True
    kill_assessment_s: float = 2.0
    cost_weight: float = 0.0
    reserve_rounds: int = 0
    reserve_release_damage: float = 0.0


@dataclass(frozen=True, slots=True)
class UnitState:
    """Dynamic state of the launchers (L rows) and batteries (B rows).

    Attributes
    ----------
    ready : (L,) int64
        Rounds on each launcher.
    next_free : (L,) float64
        Earliest time each launcher can launch again, s.
    reload_done : (L,) float64
        Time a reload in progress ends, s; NaN when none.
    stock : (B,) int64
        Rounds each battery holds in reserve.
    guiding : (B,) int64 or None
        Interceptors each battery guides now (in flight or queued to launch); None: none.
    """

    ready: NDArray[np.int64]
    next_free: NDArray[np.float64]
    reload_done: NDArray[np.float64]
    stock: NDArray[np.int64]
    guiding: NDArray[np.int64] | None = None

    @classmethod
    def loaded(cls, ready: NDArray[np.int64], stock: NDArray[np.int64]) -> UnitState:
        """Launchers holding ``ready`` rounds and batteries ``stock``, free now, no reload
        under way (copies of both)."""
        n = len(ready)
        return cls(ready.copy(), np.zeros(n), np.full(n, np.nan), stock.copy())


@dataclass(frozen=True, slots=True)
class FireOrders:
    """Engagements ordered in one decision cycle, E rows.

    Attributes
    ----------
    track_id : (E,) int64
    launcher : (E,) int64
    shots : (E,) int64
        Rounds in the engagement.
    first_launch : (E,) float64
        Time of the first round, s; the others follow at the battery's launch interval.
    intercept_point : (E, 3) float64
        Planned intercept point, ENU, m.
    intercept_time : (E,) float64
        Planned intercept time, s.
    """

    track_id: NDArray[np.int64]
    launcher: NDArray[np.int64]
    shots: NDArray[np.int64]
    first_launch: NDArray[np.float64]
    intercept_point: NDArray[np.float64]
    intercept_time: NDArray[np.float64]
