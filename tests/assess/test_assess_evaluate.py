"""``assess``: which asset each track threatens, when, and the engagement rule."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from shapely.geometry import Point, Polygon, box

from cupola.assess import AIR_BREATHING, BALLISTIC, AreaIndex, AssessParams, assess
from cupola.assess.evaluate import reach_times
from cupola.threats.ballistic import G

FloatArray = NDArray[np.float64]

MARGIN = 250.0


def params(**kw: object) -> AssessParams:
    d: dict[str, object] = {
        "beta_kg_m2": np.inf,  # drag-free: closed-form impact points
        "dt_s": 2.0,
        "horizon_s": 240.0,
        "asset_margin_m": MARGIN,
        "engage_threshold": 0.0,
        "engage_outside_assets": False,
        "alert_margin_m": 500.0,
        "alert_lead_time_s": 90.0,
    }
    d.update(kw)
    return AssessParams(**d)  # type: ignore[arg-type]


# A town (value 10) at the origin and a power plant (value 100) 6 km east; a road (value 1)
# on the way from the west.
TOWN = box(-500.0, -500.0, 500.0, 500.0)
PLANT = box(6000.0, -300.0, 6600.0, 300.0)
ROAD = box(-4000.0, -100.0, -1000.0, 100.0)
ASSETS = AreaIndex.build([TOWN, PLANT, ROAD], np.array([10.0, 100.0, 1.0]), MARGIN)


def ballistic_state(target_xy: tuple[float, float], t_imp: float, vz: float = 100.0) -> FloatArray:
    """A drag-free state that lands at ``target_xy`` after ``t_imp`` seconds."""
    vxy = np.array([150.0, -60.0])
    z0 = 0.5 * G * t_imp**2 - vz * t_imp
    assert z0 > 0
    xy0 = np.asarray(target_xy) - vxy * t_imp
    return np.array([xy0[0], xy0[1], z0, vxy[0], vxy[1], vz])


def test_ballistic_engagement_rule() -> None:
    targets = [
        (0.0, 0.0),  # town centre
        (6600.0 + 200.0, 0.0),  # 200 m outside the plant: within the margin
        (6600.0 + 400.0, 0.0),  # 400 m outside: open ground
        (20000.0, 20000.0),  # open ground
    ]
    state = np.array([ballistic_state(t, 40.0 + 5 * i) for i, t in enumerate(targets)])
    ids = np.array([11, 12, 13, 14], np.int64)
    cls = np.full(4, BALLISTIC, np.int8)
    a = assess(params(), ASSETS, ids, state, cls, 100.0)
    np.testing.assert_allclose(a.impact, targets, rtol=0, atol=5.0)  # chord: g dt² / 8 / |vz|
    np.testing.assert_allclose(a.impact_time, 100.0 + 40.0 + 5 * np.arange(4), rtol=0, atol=0.05)
    assert a.asset.tolist() == [0, 1, -1, -1]
    assert a.value.tolist() == [10.0, 100.0, 0.0, 0.0]
    assert a.engage.tolist() == [True, True, False, False]
    np.testing.assert_array_equal(a.track_id, ids)
    np.testing.assert_allclose(a.path_time, 100.0 + 2.0 * np.arange(121))
    assert a.path.shape == (4, 121, 3)

    everywhere = assess(params(engage_outside_assets=True), ASSETS, ids, state, cls, 100.0)
    assert everywhere.engage.tolist() == [True] * 4

    picky = assess(params(engage_threshold=50.0), ASSETS, ids, state, cls, 100.0)
    assert picky.engage.tolist() == [False, True, False, False]
    assert assess(params(engage_threshold=100.0), ASSETS, ids, state, cls, 0.0).engage.sum() == 0


def test_no_impact_within_horizon_is_never_engaged() -> None:
    state = ballistic_state((0.0, 0.0), 60.0)[None, :]
    a = assess(
        params(horizon_s=20.0, engage_outside_assets=True),
        ASSETS,
        np.array([1], np.int64),
        state,
        np.full(1, BALLISTIC, np.int8),
        0.0,
    )
    assert np.isnan(a.impact).all()
    assert a.impact_time.tolist() == [np.inf]
    assert a.asset.tolist() == [-1]
    assert a.engage.tolist() == [False]


def drone(x0: float, y0: float, vx: float, vy: float) -> FloatArray:
    return np.array([x0, y0, 120.0, vx, vy, 0.0])


def test_drone_threatens_the_most_valuable_asset_on_its_ray() -> None:
    """Flying east along y = 0 over the road and the town, the drone threatens the plant."""
    speed = 50.0
    state = np.array([drone(-5000.0, 0.0, speed, 0.0)])
    now = 30.0
    a = assess(
        params(), ASSETS, np.array([5], np.int64), state, np.full(1, AIR_BREATHING, np.int8), now
    )
    assert a.asset.tolist() == [1]
    assert a.value.tolist() == [100.0]
    assert a.engage.tolist() == [True]
    # First path sample inside the plant grown by the margin: distance / speed, within a step.
    reach = (6000.0 - MARGIN - -5000.0) / speed
    assert reach <= a.impact_time[0] - now < reach + 2.0
    assert PLANT.buffer(MARGIN).intersects(Point(a.impact[0]))
    np.testing.assert_allclose(a.impact[0], [-5000.0 + speed * (a.impact_time[0] - now), 0.0])
    # The path of an air-breathing track is level at its altitude.
    assert (a.path[0, :, 2] == 120.0).all()
    np.testing.assert_allclose(a.path[0, :, 0], -5000.0 + speed * 2.0 * np.arange(121))


def test_drone_missing_every_asset_has_no_impact() -> None:
    state = np.array([drone(-8000.0, 5000.0, 50.0, 0.0), drone(0.0, 0.0, 0.0, 0.0)])
    state[1, :2] = [3000.0, 3000.0]  # hovering over open ground
    a = assess(
        params(engage_outside_assets=True),
        ASSETS,
        np.array([1, 2], np.int64),
        state,
        np.full(2, AIR_BREATHING, np.int8),
        0.0,
    )
    assert np.isnan(a.impact).all()
    assert np.isinf(a.impact_time).all()
    assert a.asset.tolist() == [-1, -1]
    assert a.engage.tolist() == [False, False]


def test_drone_hovering_over_an_asset_threatens_it_now() -> None:
    state = np.array([drone(0.0, 0.0, 0.0, 0.0)])
    a = assess(params(), ASSETS, np.array([1]), state, np.full(1, AIR_BREATHING, np.int8), 7.0)
    assert a.asset.tolist() == [0]
    assert a.impact_time.tolist() == [7.0]


def test_equal_values_pick_the_earliest_asset() -> None:
    west, east = box(1000.0, -100.0, 1200.0, 100.0), box(3000.0, -100.0, 3200.0, 100.0)
    index = AreaIndex.build([east, west], np.array([5.0, 5.0]), 0.0)
    state = np.array([drone(0.0, 0.0, 100.0, 0.0)])
    a = assess(
        params(asset_margin_m=0.0),
        index,
        np.array([1]),
        state,
        np.full(1, AIR_BREATHING, np.int8),
        0,
    )
    assert a.asset.tolist() == [1]  # the west one, reached first
    assert 10.0 <= a.impact_time[0] < 12.0 + 1e-9


def test_mixed_classes_and_order() -> None:
    """Rows keep their order; each class takes its own predictor."""
    state = np.array(
        [
            drone(-5000.0, 0.0, 50.0, 0.0),
            ballistic_state((0.0, 0.0), 30.0),
            drone(-8000.0, 5000.0, 50.0, 0.0),
        ]
    )
    cls = np.array([AIR_BREATHING, BALLISTIC, AIR_BREATHING], np.int8)
    a = assess(params(), ASSETS, np.array([3, 1, 2], np.int64), state, cls, 0.0)
    assert a.asset.tolist() == [1, 0, -1]
    np.testing.assert_array_equal(a.cls, cls)
    assert a.engage.tolist() == [True, True, False]


def test_empty_picture() -> None:
    a = assess(params(), ASSETS, np.empty(0, np.int64), np.empty((0, 6)), np.empty(0, np.int8), 0.0)
    assert a.path.shape == (0, 121, 3)
    assert a.impact.shape == (0, 2)
    for f in (a.impact_time, a.asset, a.value, a.engage, a.track_id):
        assert f.shape == (0,)


@pytest.mark.parametrize("margin", [0.0, 100.0])
def test_margin_grows_the_assets(margin: float) -> None:
    index = AreaIndex.build([TOWN], np.array([10.0]), margin)
    xy = np.array([[550.0, 0.0], [450.0, 0.0]])
    idx, _ = index.best(xy)
    assert idx.tolist() == ([0, 0] if margin > 50 else [-1, 0])


def test_reach_times_to_where_the_track_enters_or_passes_an_asset() -> None:
    """Eastbound at 100 m/s: a box entered at x = 10 km (100 s), a disc entered at 19 km
    (190 s), a concave polygon entered at 30 km (300 s); westbound from 50 km, the concave
    polygon's near edge at 40 km first (100 s). An asset 4 km abeam is within reach at the
    point abeam; one 6 km abeam is not."""
    concave = Polygon(
        [
            (30000, -3000),
            (31000, -3000),
            (31000, 2000),
            (32000, 2000),
            (32000, -3000),
            (40000, -3000),
            (40000, 3000),
            (30000, 3000),
        ]
    )
    geoms = [box(10000, -500, 12000, 500), Point(20000, 0).buffer(1000), concave]
    index = AreaIndex.build(geoms, np.ones(3), 0.0)
    state = np.array([[0, 0, 100, 100.0, 0, 0], [50000, 0, 100, -100.0, 0, 0]])
    np.testing.assert_allclose(
        reach_times(index, state, 600.0), [[100, 190, 300], [380, 290, 100]], atol=1e-6
    )
    side = AreaIndex.build([Point(5000, 4000), Point(5000, 6000)], np.ones(2), 0.0)
    got = reach_times(side, state[:1], 600.0)
    np.testing.assert_allclose(got[0, 0], 50.0)
    assert np.isnan(got[0, 1])
