"""``AreaIndex.best`` and ``AreaIndex.chances`` against brute-force loops over shapely
geometries."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from cupola.assess import AreaIndex
from cupola.assess.evaluate import HIT_SAMPLES
from cupola.assess.uncertainty import standard_normal_points


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


def brute_chances(
    geoms: list[BaseGeometry], margin: float, mean: np.ndarray, cov: np.ndarray
) -> np.ndarray:
    """Each Gaussian row: the share of its fixed sample points inside each grown geometry, one
    point and one geometry at a time (a sure point, NaN covariance, counts 1 if it intersects)."""
    grown = [g.buffer(margin) if margin > 0 else g for g in geoms]
    z = standard_normal_points(HIT_SAMPLES)
    out = np.zeros((len(mean), len(geoms)))
    for i, (m, c) in enumerate(zip(mean, cov, strict=True)):
        if not np.isfinite(m).all():
            continue
        if not np.isfinite(c).all():
            out[i] = [float(g.intersects(Point(*m))) for g in grown]
            continue
        pts = m + z @ np.linalg.cholesky(c + 1e-12 * np.abs(c).max() * np.eye(2)).T
        for k, g in enumerate(grown):
            out[i, k] = np.mean([g.contains(Point(*p)) for p in pts])
    return out


@settings(max_examples=40, deadline=None)
@given(
    geoms=st.lists(polygon(), min_size=1, max_size=5),
    rows=st.lists(
        st.tuples(
            st.floats(-25, 25),
            st.floats(-25, 25),
            st.floats(0.05, 8.0),
            st.floats(0.05, 8.0),
            st.floats(-0.9, 0.9),
            st.booleans(),
        ),
        min_size=0,
        max_size=8,
    ),
    margin=st.sampled_from([0.0, 1.5]),
)
def test_chances_equal_brute_force(
    geoms: list[BaseGeometry],
    rows: list[tuple[float, float, float, float, float, bool]],
    margin: float,
) -> None:
    """Every pair's probability is the share of the same sample points found inside one by
    one; the sparse triples are sorted, unique and above 0."""
    mean = np.array([(x, y) for x, y, *_ in rows], float).reshape(-1, 2)
    cov = np.array(
        [
            [[sx * sx, r * sx * sy], [r * sx * sy, sy * sy]] if spread else np.full((2, 2), np.nan)
            for _, _, sx, sy, r, spread in rows
        ],
        float,
    ).reshape(-1, 2, 2)
    index = AreaIndex.build(geoms, np.ones(len(geoms)), margin)
    row, geom, prob = index.chances(mean, cov)
    assert (prob > 0).all()
    keys = list(zip(row.tolist(), geom.tolist(), strict=True))
    assert keys == sorted(set(keys))
    want = brute_chances(geoms, margin, mean, cov)
    got = np.zeros_like(want)
    got[row, geom] = prob
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_chances_of_a_half_plane_and_a_sure_inside() -> None:
    """A wide box: a Gaussian centred on its edge is half in, one deep inside wholly in."""
    index = AreaIndex.build([box(0.0, -1e4, 1e4, 1e4)], np.array([1.0]), 0.0)
    mean = np.array([[0.0, 0.0], [5000.0, 0.0], [-5000.0, 0.0]])
    cov = np.array([np.eye(2) * 100.0**2] * 3)
    row, _, prob = index.chances(mean, cov)
    assert row.tolist() == [0, 1]
    assert prob[0] == pytest.approx(0.5, abs=1.0 / HIT_SAMPLES)
    assert prob[1] == 1.0
