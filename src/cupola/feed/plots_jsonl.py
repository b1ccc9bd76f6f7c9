"""Plots as JSON lines over UDP (``--format plots-jsonl``): the plots contract, one object
a line, several lines a datagram.

Each line is ``{"time": s, "sensor_id": int, "range_m": m, "azimuth_rad": rad,
"elevation_rad": rad}`` (``time`` in seconds of the feed's day, :mod:`.base`); an optional
``truth_id`` is accepted and ignored, as everywhere outside scoring. A line that is not such
an object, with a missing, unknown or non-numeric field, or a value that is not finite, is
rejected and counted; the other lines of the datagram are kept.
"""

from __future__ import annotations

import json
import math
from collections import Counter

from cupola.feed.base import MAX_DATAGRAM, Decoded, plot_table
from cupola.sensors.base import PlotTable

#: Fields of a line, with their types.
FIELDS = {
    "time": float,
    "sensor_id": int,
    "range_m": float,
    "azimuth_rad": float,
    "elevation_rad": float,
}
#: Fields accepted and ignored.
IGNORED = frozenset({"truth_id"})


def decode(data: bytes) -> Decoded:
    """The plots of one datagram (module docstring); rejected lines counted by reason."""
    cols: list[list[float]] = [[], [], [], [], []]
    rejected: Counter[str] = Counter()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        rejected["garbage"] += 1
        return Decoded(plot_table(*cols), rejected)
    for line in text.splitlines():
        if not line.strip():
            continue
        row = _row(line)
        if isinstance(row, str):
            rejected[row] += 1
            continue
        for c, v in zip(cols, row, strict=True):
            c.append(v)
    return Decoded(plot_table(*cols), rejected)


def _row(line: str) -> tuple[float, ...] | str:
    """A line's values in :data:`FIELDS` order, or the reason it is rejected."""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return "garbage"
    if not isinstance(obj, dict):
        return "garbage"
    if set(obj) - set(FIELDS) - IGNORED:
        return "unknown field"
    values = []
    for name, kind in FIELDS.items():
        v = obj.get(name)
        if v is None:
            return "missing field"
        if isinstance(v, bool) or not isinstance(v, int | float):
            return "not a number"
        if kind is int and (not isinstance(v, int) or not 0 <= v < 2**31):
            return "bad sensor id"
        try:
            f = float(v)
        except OverflowError:  # an integer of hundreds of digits
            return "not finite"
        if not math.isfinite(f):
            return "not finite"
        values.append(f)
    return tuple(values)


def encode(plots: PlotTable) -> list[bytes]:
    """The plots as datagrams of whole lines, each at most :data:`MAX_DATAGRAM` bytes."""
    out: list[bytes] = []
    chunk: list[bytes] = []
    size = 0
    for t, s, r, a, e in zip(
        plots.time.tolist(),
        plots.sensor_id.tolist(),
        plots.range_m.tolist(),
        plots.azimuth_rad.tolist(),
        plots.elevation_rad.tolist(),
        strict=True,
    ):
        line = (
            json.dumps(
                {"time": t, "sensor_id": s, "range_m": r, "azimuth_rad": a, "elevation_rad": e},
                allow_nan=True,
            )
            + "\n"
        ).encode()
        if chunk and size + len(line) > MAX_DATAGRAM:
            out.append(b"".join(chunk))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line)
    if chunk:
        out.append(b"".join(chunk))
    return out
