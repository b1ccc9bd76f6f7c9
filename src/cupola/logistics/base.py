"""The logistics state: rounds on the launchers, in the batteries' stock and at the depot.

Struct-of-arrays with L launchers and B batteries, like the engine's
:class:`cupola.fire.UnitState`; whole rounds throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SupplyParams:
    """What the supply chain can do.

    Attributes
    ----------
    battery : (L,) int64
        Battery of each launcher.
    capacity : (L,) int64
        Rounds a full launcher holds.
    basic_load : (B,) int64
        Rounds a battery holds when full: its launchers' capacity plus its starting stock.
        Deliveries stop there.
    delivery_per_h : (B,) float64
        Rounds that can be brought to each battery per hour.
    production_per_h : float
        Rounds produced into the depot per hour.
    reload_h : (B,) float64
        Time a battery's crews take to reload a launcher, hours.
    """

    battery: IntArray
    capacity: IntArray
    basic_load: IntArray
    delivery_per_h: FloatArray
    production_per_h: float
    reload_h: FloatArray


@dataclass(frozen=True)
class Stocks:
    """Where the rounds are at ``time_h``.

    Attributes
    ----------
    time_h : float
        Hours from campaign start.
    ready : (L,) int64
        Rounds on each launcher.
    stock : (B,) int64
        Rounds in each battery's stock.
    depot : int
        Rounds at the depot.
    produced : int
        Rounds produced since the start.
    delivered : (B,) int64
        Rounds delivered to each battery since the start.
    """

    time_h: float
    ready: IntArray
    stock: IntArray
    depot: int
    produced: int
    delivered: IntArray
