"""Colours of the report, and the outcome of each threat looked up by id.

One palette serves the map, the timeline and the legends, so the same outcome always has the
same colour.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Threat outcome -> stroke colour of its ground track.
OUTCOME_COLOURS: dict[str, str] = {
    "intercepted": "#2e9e44",
    "hit": "#d62828",
    "open_ground": "#8a8a8a",
    "in_flight": "#1f6fd1",
}
#: Colour of a threat whose outcome is missing or unknown.
UNKNOWN_COLOUR = "#b07aa1"
#: Drawing order of outcomes (later ones on top).
OUTCOME_ORDER: tuple[str, ...] = ("open_ground", "in_flight", "intercepted", "hit")
#: Legend labels of outcomes.
OUTCOME_LABELS: dict[str, str] = {
    "intercepted": "intercepted",
    "hit": "hit a defended asset",
    "open_ground": "open ground",
    "in_flight": "still in flight",
}

#: Defended asset kind -> fill colour.
ASSET_COLOURS: dict[str, str] = {
    "area": "#4c78a8",
    "point": "#9c5fb5",
    "route": "#a0764f",
}
ASSET_OTHER_COLOUR = "#5f7f7f"

INTERCEPTOR_COLOUR = "#0b7285"
RADAR_COLOUR = "#1f6fd1"
BATTERY_COLOUR = "#333333"
ZONE_COLOUR = "#e08a00"
HIT_COLOUR = OUTCOME_COLOURS["hit"]


def as_str(column: NDArray[Any] | None, n: int) -> NDArray[np.str_]:
    """A column as a unicode array (``n`` empty strings when the column is missing)."""
    if column is None:
        return np.full(n, "", dtype=np.str_)
    return np.asarray(column).astype(np.str_)


def outcome_of(threats: dict[str, NDArray[Any]], ids: NDArray[np.int64]) -> NDArray[np.str_]:
    """Outcome of the threats with ids ``ids`` ("" where the id is not in the table).

    Parameters
    ----------
    threats : dict of (N,) arrays
        The threat table, with ``threat_id`` and ``outcome``.
    ids : (M,) int64
        Threat ids to look up.

    Returns
    -------
    (M,) str
    """
    ids = np.asarray(ids, dtype=np.int64)
    table_ids = np.asarray(threats.get("threat_id", np.zeros(0)), dtype=np.int64)
    outcomes = as_str(threats.get("outcome"), table_ids.size)
    out = np.full(ids.size, "", dtype=outcomes.dtype if outcomes.size else np.str_)
    if table_ids.size == 0 or ids.size == 0:
        return out
    order = np.argsort(table_ids, kind="stable")
    sorted_ids = table_ids[order]
    pos = np.clip(np.searchsorted(sorted_ids, ids), 0, sorted_ids.size - 1)
    found = sorted_ids[pos] == ids
    out[found] = outcomes[order[pos[found]]]
    return out
