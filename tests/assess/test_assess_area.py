"""``AreaIndex.best`` against a brute-force loop over shapely geometries."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from cupola.assess import AreaIndex


def brute_force(
    geoms: list[BaseGeometry], values: list[float], margin: float, xy: np.ndarray
) -> tuple[list[int], list[float]]:
    """Each point: the most valuable geometry that intersects it, lowest index on ties."""
    grown = [g.buffer(margin) if margin > 0 else g for g in geoms]
    index, value = [], []
    for x, y in xy:
        best = -1
        if np.isfinite(x) and np.isfinite(y):
            for k, g in enumerate(grown):
                if g.intersects(Point(x, y)) and (best < 0 or values[k] > values[best]):
                    best = k
        index.append(best)
        value.append(values[best] if best >= 0 else 0.0)
    return index, value


coord = st.integers(-20, 20).map(float)


@st.composite
def polygon(draw: st.DrawFn) -> BaseGeometry:
    """A box or a triangle with integer corners (so that points fall on edges too)."""
    x0, y0 = draw(coord), draw(coord)
    if draw(st.booleans()):
        return box(x0, y0, x0 + draw(st.integers(1, 15)), y0 + draw(st.integers(1, 15)))
    pts = [(x0, y0), (draw(coord), draw(coord)), (draw(coord), draw(coord))]
    poly = Polygon(pts)
    return poly if poly.area > 0 else box(x0, y0, x0 + 1, y0 + 1)


point = st.one_of(
    st.tuples(coord, coord),  # integer points: on corners and edges
    st.tuples(st.floats(-25, 25), st.floats(-25, 25)),
    st.just((float("nan"), 0.0)),
    st.just((float("nan"), float("nan"))),
)


@settings(max_examples=60, deadline=None)
@given(
    geoms=st.lists(polygon(), min_size=1, max_size=6),
    data=st.data(),
    margin=st.sampled_from([0.0, 1.5]),
    points=st.lists(point, min_size=0, max_size=40),
)
def test_best_equals_brute_force(
    geoms: list[BaseGeometry],
    data: st.DataObject,
    margin: float,
    points: list[tuple[float, float]],
) -> None:
    values = data.draw(
        st.lists(st.sampled_from([0.0, 1.0, 2.0, 5.0]), min_size=len(geoms), max_size=len(geoms))
    )
    index = AreaIndex.build(geoms, np.array(values), margin)
    xy = np.array(points, float).reshape(-1, 2)
    got_i, got_v = index.best(xy)
    want_i, want_v = brute_force(geoms, values, margin, xy)
    assert got_i.dtype == np.int64
    assert got_i.tolist() == want_i
    assert got_v.tolist() == want_v


def test_nan_and_empty() -> None:
    index = AreaIndex.build([box(0, 0, 10, 10)], np.array([3.0]), 0.0)
    i, v = index.best(np.array([[np.nan, np.nan], [5.0, np.nan], [5.0, 5.0]]))
    assert i.tolist() == [-1, -1, 0]
    assert v.tolist() == [0.0, 0.0, 3.0]
    i, v = index.best(np.empty((0, 2)))
    assert i.shape == v.shape == (0,)


def test_ties_pick_the_lowest_index() -> None:
    """Twenty equal boxes: the answer is index 0 whatever order the tree reports them in."""
    index = AreaIndex.build([box(0, 0, 10, 10)] * 20, np.ones(20), 0.0)
    i, _ = index.best(np.array([[5.0, 5.0]]))
    assert i.tolist() == [0]
