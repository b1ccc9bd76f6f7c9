"""Field-wise table verbs on a small struct-of-arrays dataclass."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from numpy.typing import NDArray

from cupola.core.table import concat, n_rows, take


@dataclass(frozen=True)
class Blips:
    """Toy table, N rows.

    Attributes
    ----------
    pos : (N, 3) float64
        Position, m.
    ident : (N,) int64
    alive : (N,) bool
    """

    pos: NDArray[np.float64]
    ident: NDArray[np.int64]
    alive: NDArray[np.bool_]


def _blips(n: int, start: int = 0) -> Blips:
    ident = np.arange(start, start + n, dtype=np.int64)
    pos = np.stack([ident * 1.0, ident * 2.0, ident * 3.0], axis=1).reshape(n, 3)
    return Blips(pos=pos, ident=ident, alive=ident % 2 == 0)


def _rows(t: Blips) -> list[tuple[tuple[float, ...], int, bool]]:
    """Slow reference view: one Python tuple per row."""
    return [
        (tuple(float(v) for v in t.pos[i]), int(t.ident[i]), bool(t.alive[i]))
        for i in range(len(t.ident))
    ]


def test_n_rows() -> None:
    assert n_rows(_blips(5)) == 5
    assert n_rows(_blips(0)) == 0


@pytest.mark.parametrize(
    "index",
    [
        np.array([True, False, True, True, False]),
        np.array([4, 0, 0, 2]),
        slice(1, 4),
        np.array([], dtype=np.int64),
        np.zeros(5, bool),
    ],
    ids=["mask", "indices", "slice", "no-indices", "empty-mask"],
)
def test_take_matches_row_by_row(index: NDArray[np.generic] | slice) -> None:
    t = _blips(5)
    keep = {f: getattr(t, f).copy() for f in ("pos", "ident", "alive")}
    out = take(t, index)
    assert isinstance(out, Blips)
    rows = _rows(t)
    if isinstance(index, slice):
        expected = rows[index]
    elif index.dtype == bool:
        expected = [r for r, k in zip(rows, index, strict=True) if k]
    else:
        expected = [rows[i] for i in index]
    assert _rows(out) == expected
    assert out.pos.shape == (len(expected), 3)
    assert out.ident.dtype == np.int64
    assert out.alive.dtype == np.bool_
    for f, v in keep.items():  # input untouched
        np.testing.assert_array_equal(getattr(t, f), v)


def test_take_by_alive_mask() -> None:
    t = _blips(6)
    out = take(t, t.alive)
    assert out.ident.tolist() == [0, 2, 4]
    assert n_rows(out) == 3


def test_concat_matches_row_by_row() -> None:
    a, b, c = _blips(3), _blips(0, start=10), _blips(2, start=20)
    out = concat(a, b, c)
    assert isinstance(out, Blips)
    assert _rows(out) == _rows(a) + _rows(b) + _rows(c)
    assert out.pos.shape == (5, 3)
    assert out.ident.dtype == np.int64


def test_concat_of_one_is_itself() -> None:
    a = _blips(3)
    assert concat(a) is a


def test_take_then_concat_restores() -> None:
    t = _blips(7)
    mask = t.alive
    back = concat(take(t, mask), take(t, ~mask))
    order = np.concatenate([np.flatnonzero(mask), np.flatnonzero(~mask)])
    assert _rows(back) == [_rows(t)[i] for i in order]
