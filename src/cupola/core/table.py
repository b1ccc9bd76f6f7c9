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
