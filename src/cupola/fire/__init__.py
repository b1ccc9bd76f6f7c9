"""Fire control: which launcher fires how many interceptors at which threat, and when."""

from collections.abc import Callable
from typing import Any

from cupola.fire.base import FireOrders, FireParams, UnitState
from cupola.fire.greedy import decide as greedy_decide
from cupola.fire.wta_fire import decide as wta_decide

#: Fire-control rules by stable registry name.
FIRE_CONTROLS: dict[str, Callable[..., Any]] = {"greedy": greedy_decide, "wta": wta_decide}

__all__ = ["FIRE_CONTROLS", "FireOrders", "FireParams", "UnitState"]
