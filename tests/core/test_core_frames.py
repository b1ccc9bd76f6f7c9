"""Local frame and radar polar coordinates, against pyproj's geodesics and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from pyproj import Geod

from cupola.core.frames import TWO_PI, LocalFrame, from_polar, to_polar, wrap_angle

GEOD = Geod(ellps="WGS84")


def _not_tiny(v: float) -> float:
    # PROJ reads an origin angle below ~1e-8 deg as 0 (a shift of at most ~1 mm): not ours to test.
    return 0.0 if abs(v) < 1e-6 else v


origins = st.tuples(
    st.floats(-79.9, 79.9, allow_nan=False).map(_not_tiny),  # lat
    st.floats(-180.0, 180.0, allow_nan=False).map(_not_tiny),  # lon
)
# Points as geodesic bearing (deg) and distance (m) from the origin, 100 m to 300 km. (Closer
# in, a bearing to 1e-9 rad asks more than a longitude in float64 degrees, ~3e-9 m, can hold.)
offsets = st.lists(
    st.tuples(st.floats(0.0, 360.0, exclude_max=True), st.floats(100.0, 300_000.0)),
    min_size=1,
    max_size=8,
)


def _points(
    lat0: float, lon0: float, offs: list[tuple[float, float]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    az = np.array([a for a, _ in offs])
    dist = np.array([d for _, d in offs])
    lon, lat, _ = GEOD.fwd(np.full(len(offs), lon0), np.full(len(offs), lat0), az, dist)
    return np.asarray(lon), np.asarray(lat), az, dist


def _lon_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d: np.ndarray = (np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0
    return d


@settings(max_examples=50, deadline=None)
@given(origins, offsets)
def test_geodetic_local_round_trip(
    origin: tuple[float, float], offs: list[tuple[float, float]]
) -> None:
    lat0, lon0 = origin
    frame = LocalFrame(lat0, lon0)
    lon, lat, _, _ = _points(lat0, lon0, offs)
    x, y = frame.to_local(lon, lat)
    lon2, lat2 = frame.to_geodetic(x, y)
    assert np.all(np.abs(lat2 - lat) < 1e-9)
    assert np.all(np.abs(_lon_diff(lon2, lon)) < 1e-9)


@settings(max_examples=50, deadline=None)
@given(origins, offsets)
def test_distance_and_bearing_from_origin_are_geodesic(
    origin: tuple[float, float], offs: list[tuple[float, float]]
) -> None:
    lat0, lon0 = origin
    frame = LocalFrame(lat0, lon0)
    lon, lat, _, _ = _points(lat0, lon0, offs)
    fwd_az, _, dist = GEOD.inv(np.full(len(lon), lon0), np.full(len(lon), lat0), lon, lat)
    x, y = frame.to_local(lon, lat)
    assert_allclose(np.hypot(x, y), dist, rtol=0, atol=1e-3)
    bearing = np.arctan2(x, y)  # clockwise from north
    err = wrap_angle(bearing - np.radians(fwd_az))
    assert np.all(np.abs(err) < 1e-9)


def test_origin_maps_to_zero_and_axes_point_east_and_north() -> None:
    frame = LocalFrame(31.3, 34.45)
    x, y = frame.to_local(34.45, 31.3)
    assert abs(float(x)) < 1e-9
    assert abs(float(y)) < 1e-9
    # 1 km due north and due east along geodesics
    lon_n, lat_n, _ = GEOD.fwd(34.45, 31.3, 0.0, 1000.0)
    lon_e, lat_e, _ = GEOD.fwd(34.45, 31.3, 90.0, 1000.0)
    xn, yn = frame.to_local(lon_n, lat_n)
    xe, ye = frame.to_local(lon_e, lat_e)
    assert_allclose([float(xn), float(yn)], [0.0, 1000.0], atol=1e-6)
    assert_allclose([float(xe), float(ye)], [1000.0, 0.0], atol=1e-6)


def test_frame_keeps_array_shapes() -> None:
    frame = LocalFrame(-33.9, 151.2)
    lon = np.full((2, 3), 151.25)
    lat = np.full((2, 3), -33.85)
    x, y = frame.to_local(lon, lat)
    assert x.shape == (2, 3)
    assert y.shape == (2, 3)
    lon2, lat2 = frame.to_geodetic(x, y)
    assert lon2.shape == (2, 3)
    assert_allclose(lat2, lat, atol=1e-9)


# -- polar coordinates ------------------------------------------------------------------------

coord = st.floats(-1e5, 1e5, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(coord, coord, coord), min_size=1, max_size=10))
def test_polar_round_trip_from_cartesian(rows: list[tuple[float, float, float]]) -> None:
    rel = np.array(rows, float)
    r, az, el = to_polar(rel)
    assert np.all(r >= 0)
    assert np.all((az >= 0) & (az < TWO_PI))
    assert np.all(np.abs(el) <= np.pi / 2)
    assert_allclose(from_polar(r, az, el), rel, rtol=0, atol=1e-9 * max(1.0, float(r.max())))


@settings(max_examples=50, deadline=None)
@given(
    st.floats(1.0, 1e6),
    st.floats(0.0, TWO_PI, exclude_max=True),
    st.floats(-1.5, 1.5),
)
def test_polar_round_trip_from_polar(r: float, az: float, el: float) -> None:
    r2, az2, el2 = to_polar(from_polar(r, az, el))
    assert math.isclose(float(r2), r, rel_tol=1e-12)
    assert abs(float(wrap_angle(az2 - az))) < 1e-9
    assert abs(float(el2) - el) < 1e-9


def test_polar_slow_reference() -> None:
    rng = np.random.default_rng(7)
    rel = rng.normal(scale=5000.0, size=(4, 5, 3))
    r, az, el = to_polar(rel)
    assert r.shape == az.shape == el.shape == (4, 5)
    for i in range(4):
        for j in range(5):
            e, n, u = (float(v) for v in rel[i, j])
            assert math.isclose(r[i, j], math.sqrt(e * e + n * n + u * u), rel_tol=1e-14)
            a = math.atan2(e, n)
            a = a + 2 * math.pi if a < 0 else a
            assert math.isclose(az[i, j], a, abs_tol=1e-14)
            assert math.isclose(
                el[i, j], math.asin(u / math.sqrt(e * e + n * n + u * u)), abs_tol=1e-12
            )


@pytest.mark.parametrize(
    ("rel", "az", "el"),
    [
        ((0.0, 1.0, 0.0), 0.0, 0.0),  # north
        ((1.0, 0.0, 0.0), np.pi / 2, 0.0),  # east
        ((0.0, -1.0, 0.0), np.pi, 0.0),  # south
        ((-1.0, 0.0, 0.0), 3 * np.pi / 2, 0.0),  # west
        ((1.0, 1.0, 0.0), np.pi / 4, 0.0),  # north-east
        ((0.0, 1.0, 1.0), 0.0, np.pi / 4),
        ((0.0, 0.0, 5.0), 0.0, np.pi / 2),  # straight up
        ((3.0, 0.0, -4.0), np.pi / 2, -math.atan2(4.0, 3.0)),
        ((-1e-300, 1.0, 0.0), 0.0, 0.0),  # a hair west of north: 0, not 2π
        ((-1e-17, 1.0, 0.0), 0.0, 0.0),
    ],
)
def test_polar_known_directions(rel: tuple[float, float, float], az: float, el: float) -> None:
    r, a, e = to_polar(np.array(rel))
    assert math.isclose(float(r), math.sqrt(sum(c * c for c in rel)))
    assert 0.0 <= float(a) < TWO_PI
    assert math.isclose(float(a), az, abs_tol=1e-15)
    assert math.isclose(float(e), el, abs_tol=1e-15)


# -- angle wrapping ---------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_wrap_angle_range_and_congruence(a: float) -> None:
    w = float(wrap_angle(a))
    assert -np.pi <= w < np.pi
    turns = (a - w) / TWO_PI
    assert abs(turns - round(turns)) < 1e-9 * max(1.0, abs(a))


@pytest.mark.parametrize(
    ("a", "expected"),
    [
        (0.0, 0.0),
        (np.pi, -np.pi),
        (-np.pi, -np.pi),
        (-np.pi - 4e-16, -np.pi),  # rounds onto the edge, must not come back as +π
        (3 * np.pi / 2, -np.pi / 2),
        (-3 * np.pi / 2, np.pi / 2),
        (TWO_PI, 0.0),
        (7 * TWO_PI + 0.5, 0.5),
    ],
)
def test_wrap_angle_values(a: float, expected: float) -> None:
    w = float(wrap_angle(a))
    assert -np.pi <= w < np.pi
    assert math.isclose(w, expected, abs_tol=1e-12)


def test_wrap_angle_keeps_shape_and_does_not_mutate() -> None:
    a = np.linspace(-20.0, 20.0, 12).reshape(3, 4)
    keep = a.copy()
    w = wrap_angle(a)
    assert w.shape == (3, 4)
    np.testing.assert_array_equal(a, keep)
    assert np.all((w >= -np.pi) & (w < np.pi))
