"""Polylines from truth rows: group by object id, order by time, thin to a point budget.

Truth comes as one row per object per record time. The rows are sorted by ``(id, time)``
(``numpy.lexsort``) and cut where the id changes, giving one polyline per object. A polyline
of ``n`` points is thinned to about ``per_line`` points by keeping every ``k``-th point,
``k = ceil(n / per_line)``, plus always its last point, with

``per_line = max(min_per_line, budget // n_lines)``,

so the whole drawing holds at most ``max(budget, min_per_line · n_lines) + n_lines`` points.
All of this is vectorised over rows; only the final string building loops per polyline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Polylines:
    """Concatenated polylines, L lines and P points in all.

    Attributes
    ----------
    ids : (L,) int64
        Object id of each line, increasing.
    starts : (L,) int64
        Index of each line's first point in ``x``/``y``.
    counts : (L,) int64
        Number of points of each line (>= 1).
    x, y : (P,) float64
        Points, in the units they were given (m or px), time-ordered within a line.
    """

    ids: IntArray
    starts: IntArray
    counts: IntArray
    x: FloatArray
    y: FloatArray


def group_lines(
    ids: IntArray,
    time: FloatArray,
    x: FloatArray,
    y: FloatArray,
    *,
    budget: int,
    min_per_line: int = 8,
) -> Polylines:
    """One thinned polyline per id.

    Parameters
    ----------
    ids : (R,) int64
        Object id of each row.
    time : (R,) float64
        Record time, s.
    x, y : (R,) float64
        Position; rows with a non-finite coordinate are dropped.
    budget : int
        Target total number of points.
    min_per_line : int
        Points a line keeps at least (if it has them).

    Returns
    -------
    Polylines
    """
    ids = np.asarray(ids, dtype=np.int64)
    time = np.asarray(time, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    ids, time, x, y = ids[ok], time[ok], x[ok], y[ok]
    n = ids.size
    if n == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_f = np.zeros(0, dtype=np.float64)
        return Polylines(empty_i, empty_i, empty_i, empty_f, empty_f)
    order = np.lexsort((time, ids))
    ids, x, y = ids[order], x[order], y[order]
    new = np.ones(n, dtype=bool)
    new[1:] = ids[1:] != ids[:-1]
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, n))
    line = np.cumsum(new) - 1
    per_line = max(min_per_line, budget // starts.size, 1)
    stride = np.maximum(1, -(-counts // per_line))
    rank = np.arange(n) - starts[line]
    last = np.zeros(n, dtype=bool)
    last[starts + counts - 1] = True
    keep = (rank % stride[line] == 0) | last
    kept_counts = np.bincount(line[keep], minlength=starts.size).astype(np.int64)
    kept_starts = np.concatenate(([0], np.cumsum(kept_counts)[:-1])).astype(np.int64)
    return Polylines(
        ids=ids[starts].astype(np.int64),
        starts=kept_starts,
        counts=kept_counts,
        x=x[keep],
        y=y[keep],
    )


def point_strings(u: FloatArray, v: FloatArray) -> list[str]:
    """``"u,v"`` strings with one decimal, one per point (for SVG ``points`` attributes).

    Parameters
    ----------
    u, v : (P,) float64
        Pixel coordinates.
    """
    return [f"{a:.1f},{b:.1f}" for a, b in zip(u.tolist(), v.tolist(), strict=True)]
