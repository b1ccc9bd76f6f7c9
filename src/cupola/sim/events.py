"""The event log: one row per thing that happened, collected as array chunks.

Columns (the public ``events.parquet`` format): ``time`` s, ``kind`` str, ``threat_id``,
``track_id``, ``unit_id``, ``zone_id`` (int64, -1 when not applicable), ``x_m``, ``y_m``,
``z_m`` (ENU position, NaN when none), ``detail`` (str). The run folder adds ``lat``, ``lon``
and ``alt_m``.

Rows are ordered by time, then by the order the engine produced them (a stable sort), so the
same run always gives the same table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

KINDS = (
    "launch",
    "detection",
    "track_confirmed",
    "classified",
    "impact_predicted",
    "alert",
    "alert_lifted",
    "engagement",
    "interceptor_launch",
    "intercept",
    "miss",
    "impact",
    "averted",
    "track_deleted",
    "proposed",
    "approved",
    "rejected",
    "proposal_expired",
    "engage_ordered",
    "order_lapsed",
    "hold_fire",
    "fire_released",
)

#: The columns of the log, in order (``detail`` last).
COLUMNS = (
    "time",
    "kind",
    "threat_id",
    "track_id",
    "unit_id",
    "zone_id",
    "x_m",
    "y_m",
    "z_m",
    "detail",
)


class EventLog:
    """Append-only log of event chunks; :meth:`table` returns the ordered columns."""

    def __init__(self) -> None:
        self._chunks: list[dict[str, NDArray[Any]]] = []

    def add(
        self,
        kind: str,
        time: ArrayLike,
        *,
        threat_id: ArrayLike = -1,
        track_id: ArrayLike = -1,
        unit_id: ArrayLike = -1,
        zone_id: ArrayLike = -1,
        pos: ArrayLike | None = None,
        detail: ArrayLike = "",
    ) -> None:
        """Append ``n`` events of one kind; the columns broadcast against each other.

        Every column is a scalar or an ``(n,)`` array (``pos`` a ``(3,)`` or ``(n, 3)`` one);
        scalars are repeated ``n`` times, ``n`` may be 0 (nothing is added), and arrays of
        different lengths raise ``ValueError``.

        Parameters
        ----------
        kind : str
            One of :data:`KINDS`.
        time : (n,) float64 or float
            Event times, s.
        threat_id, track_id, unit_id, zone_id : (n,) int64 or int
            Ids, -1 when not applicable.
        pos : (n, 3) or (3,) float64, optional
            ENU positions, m; NaN when omitted.
        detail : (n,) str or str
            Free text.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        # numpy broadcasting of the row axis: scalars (and a single (3,) position) stretch to
        # any length, including 0; arrays of different lengths > 1 raise ValueError.
        shapes = [np.shape(c) for c in (time, threat_id, track_id, unit_id, zone_id, detail)]
        if pos is not None:
            shapes.append(np.shape(pos)[:-1])
        try:
            shape = np.broadcast_shapes(*shapes)
        except ValueError:
            raise ValueError(
                f"{kind!r} event columns have different lengths: {[s[:1] for s in shapes]}"
            ) from None
        if len(shape) > 1:
            raise ValueError(f"event columns must be 1-D, got shape {shape}")
        n = shape[0] if shape else 1
        if n == 0:
            return
        t = np.broadcast_to(np.asarray(time, float), n).copy()
        p = (
            np.full((n, 3), np.nan)
            if pos is None
            else np.broadcast_to(np.asarray(pos, float), (n, 3))
        )
        self._chunks.append(
            {
                "time": t,
                "kind": np.full(n, kind, dtype=object),
                "threat_id": np.broadcast_to(np.asarray(threat_id, np.int64), n).copy(),
                "track_id": np.broadcast_to(np.asarray(track_id, np.int64), n).copy(),
                "unit_id": np.broadcast_to(np.asarray(unit_id, np.int64), n).copy(),
                "zone_id": np.broadcast_to(np.asarray(zone_id, np.int64), n).copy(),
                "x_m": p[:, 0].copy(),
                "y_m": p[:, 1].copy(),
                "z_m": p[:, 2].copy(),
                "detail": np.broadcast_to(np.asarray(detail, dtype=object), n).copy(),
            }
        )

    def table(self) -> dict[str, NDArray[Any]]:
        """All events as columns, stably sorted by time."""
        names = COLUMNS[:-1]
        if not self._chunks:
            cols: dict[str, NDArray[Any]] = {
                "time": np.empty(0),
                "kind": np.empty(0, object),
                **{
                    k: np.empty(0, np.int64)
                    for k in ("threat_id", "track_id", "unit_id", "zone_id")
                },
                **{k: np.empty(0) for k in ("x_m", "y_m", "z_m")},
                "detail": np.empty(0, object),
            }
            return cols
        cols = {k: np.concatenate([c[k] for c in self._chunks]) for k in (*names, "detail")}
        order = np.argsort(cols["time"], kind="stable")
        return {k: v[order] for k, v in cols.items()}

    def chunks(self) -> int:
        """Number of chunks added so far (a cursor for :meth:`since`)."""
        return len(self._chunks)

    def since(self, cursor: int) -> list[dict[str, NDArray[Any]]]:
        """The chunks added after the first ``cursor`` ones, in the order they were added."""
        return self._chunks[cursor:]

    def drain(self) -> list[dict[str, NDArray[Any]]]:
        """Take every chunk out of the log (a long-running service that keeps its events
        elsewhere: :mod:`cupola.feed.journal`), in the order they were added."""
        out, self._chunks = self._chunks, []
        return out

    def count(self, kind: str) -> int:
        """Number of events of ``kind`` so far."""
        return sum(len(c["time"]) for c in self._chunks if c["kind"][0] == kind)
