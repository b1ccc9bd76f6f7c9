"""Field-wise verbs for struct-of-arrays tables.

A table is a frozen dataclass whose fields are numpy arrays sharing a leading axis (one row
per threat, plot, track or interceptor). These helpers apply an index or a concatenation to
every field at once, so no stage loops over rows.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray


class _Table(Protocol):
    __dataclass_fields__: ClassVar[dict[str, Any]]


T = TypeVar("T", bound=_Table)


def take(table: T, index: NDArray[Any] | slice) -> T:
    """Rows ``index`` (a boolean mask, integer indices or a slice) of every field."""
    return type(table)(**{f.name: getattr(table, f.name)[index] for f in dataclasses.fields(table)})


def concat(first: T, *rest: T) -> T:
    """Rows of several tables of one type, in order."""
    if not rest:
        return first
    parts = (first, *rest)
    return type(first)(
        **{
            f.name: np.concatenate([getattr(p, f.name) for p in parts])
            for f in dataclasses.fields(first)
        }
    )


def n_rows(table: _Table) -> int:
    """Number of rows (length of the first field)."""
    first = dataclasses.fields(table)[0]
    return len(getattr(table, first.name))


def rows_of(ids: NDArray[np.int64], wanted: NDArray[np.int64]) -> NDArray[np.int64]:
    """Row of each ``wanted`` id in an array of unique ``ids``, -1 where absent.

    >>> rows_of(np.array([7, 3, 9]), np.array([9, 4, 7])).tolist()
    [2, -1, 0]
    """
    if len(ids) == 0:
        return np.full(len(wanted), -1, np.int64)
    order = np.argsort(ids, kind="stable")
    pos = np.minimum(np.searchsorted(ids, wanted, sorter=order), len(ids) - 1)
    rows = order[pos]
    return np.where(ids[rows] == wanted, rows, -1).astype(np.int64)


def first_come(
    group: NDArray[np.int64], want: NDArray[np.int64], available: NDArray[np.int64]
) -> NDArray[np.int64]:
    r"""Share each group's supply among its rows, first come first served, without a loop.

    Row :math:`i` of group :math:`g` gets
    :math:`\min(w_i, \max(0, a_g - \sum_{j < i,\ g_j = g} w_j))`: what it wants, out of what the
    rows before it in its group (in index order) left.

    Parameters
    ----------
    group : (N,) int64
        Group of each row.
    want : (N,) int64
        Amount each row asks for, non-negative.
    available : (G,) int64
        Supply of each group.
    """
    order = np.argsort(group, kind="stable")
    g, w = group[order], want[order]
    if g.size == 0:
        return np.zeros(0, np.int64)
    cum = np.cumsum(w)
    start = np.r_[True, g[1:] != g[:-1]]
    before = cum - w - np.maximum.accumulate(np.where(start, cum - w, 0))
    out = np.empty_like(w)
    out[order] = np.clip(available[g] - before, 0, w)
    return out


def stack_columns(parts: list[dict[str, NDArray[Any]]]) -> dict[str, NDArray[Any]]:
    """Column tables (dicts of equal-length arrays, the same keys) stacked row-wise; ``{}``
    for none."""
    if not parts:
        return {}
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
