"""The raids of a sustainment campaign in time order, and their sizes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the scenario package imports this module to check schedules
    from cupola.scenario.schema import Raid, Sustainment

#: Most raids in one campaign.
MAX_RAIDS = 10_000


def raid_count(sus: Sustainment) -> int:
    """Raids in the campaign: each slot once, or every ``repeat_every_h`` until the end."""
    end = sus.days * 24
    if sus.repeat_every_h is None:
        return sum(1 for s in sus.raids if s.at_h < end)
    return sum(max(0, math.ceil((end - s.at_h) / sus.repeat_every_h - 1e-9)) for s in sus.raids)


def raid_times(sus: Sustainment) -> tuple[list[float], list[int]]:
    """Every raid's start (hours from campaign start) and slot index, in time order (slot
    order for raids at the same time). Repeats are at ``at_h + n * repeat_every_h``, counted,
    not summed, so that they stay exact."""
    end = sus.days * 24
    times: list[float] = []
    slots: list[int] = []
    for k, s in enumerate(sus.raids):
        n = 1 if sus.repeat_every_h is None else raid_count(sus.model_copy(update={"raids": [s]}))
        step = sus.repeat_every_h or 0.0
        at = [s.at_h + i * step for i in range(n) if s.at_h + i * step < end]
        times += at
        slots += [k] * len(at)
    order = np.lexsort((slots, times))
    return [times[i] for i in order], [slots[i] for i in order]


def scaled_counts(raid: Raid, scale: float) -> list[int]:
    """Salvo counts times ``scale``, rounded half up, at least one."""
    return [max(1, math.floor(s.count * scale + 0.5)) for s in raid.salvos]


def scaled_raid(raid: Raid, scale: float) -> Raid:
    """``raid`` with every salvo's count scaled (:func:`scaled_counts`)."""
    if scale == 1.0:
        return raid
    counts = scaled_counts(raid, scale)
    salvos = [s.model_copy(update={"count": c}) for s, c in zip(raid.salvos, counts, strict=True)]
    return raid.model_copy(update={"salvos": salvos})
