"""Warning quality on hand-made zones, alerts and impacts."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from cupola.metrics.warnings import ALERT_VALIDITY_S, warning_quality

# Three 1 km squares side by side along x: ids 10, 20, 30.
ZONE_IDS = np.array([10, 20, 30])
ZONES = [shapely.box(x, 0.0, x + 1000.0, 1000.0) for x in (0.0, 1000.0, 2000.0)]


def score(alerts: list[tuple[float, int]], impacts: list[tuple[float, float, float, float, str]]):  # type: ignore[no-untyped-def]
    at = np.array([a[0] for a in alerts], float)
    az = np.array([a[1] for a in alerts], np.int64)
    it = np.array([i[0] for i in impacts], float)
    xy = np.array([[i[1], i[2]] for i in impacts], float).reshape(-1, 2)
    r = np.array([i[3] for i in impacts], float)
    kind = np.array([i[4] for i in impacts], object)
    return warning_quality(ZONE_IDS, ZONES, at, az, it, xy, r, kind)


def test_missed_needless_and_warning_times() -> None:
    q = score(
        alerts=[(60.0, 10), (50.0, 30), (130.0, 10)],
        impacts=[
            (100.0, 500.0, 500.0, 20.0, "qassam"),  # in zone 10: warned 40 s ahead
            (150.0, 995.0, 500.0, 20.0, "grad"),  # 5 m from the 10|20 edge: both needed
            (120.0, 9000.0, 500.0, 20.0, "qassam"),  # open ground: nothing needed
        ],
    )
    assert q.needed == 3
    assert q.missed == 1
    assert q.missed_zone_id.tolist() == [20]
    assert sorted(q.warning_time_s.tolist()) == pytest.approx([20.0, 40.0])
    assert q.median_warning_by_type() == {"grad": 20.0, "qassam": 40.0}
    assert q.alerts == 3
    assert q.needless == 1  # zone 30
    assert q.needed_area_km2 == pytest.approx(2.0)
    assert q.needless_area_km2 == pytest.approx(1.0)
    assert q.needless_area_ratio == pytest.approx(0.5)


def test_alert_too_early_or_after_the_impact_does_not_count() -> None:
    q = score(
        alerts=[(100.0 - ALERT_VALIDITY_S - 1.0, 10), (101.0, 10)],
        impacts=[(100.0, 500.0, 500.0, 20.0, "qassam")],
    )
    assert q.missed == 1
    assert q.needless == 2
    assert q.needless_area_km2 == 0.0  # the zone needed a warning: its area is not needless


def test_nothing_happened() -> None:
    q = score(alerts=[], impacts=[])
    assert (q.needed, q.missed, q.alerts, q.needless) == (0, 0, 0, 0)
    assert q.needless_area_ratio == 0.0


def test_an_alert_lifted_before_the_impact_does_not_cover_it() -> None:
    impacts = [(100.0, 500.0, 500.0, 20.0, "qassam"), (160.0, 1500.0, 500.0, 20.0, "grad")]
    alerts = [(60.0, 10), (90.0, 20)]
    at = np.array([a[0] for a in alerts])
    az = np.array([a[1] for a in alerts], np.int64)
    it = np.array([i[0] for i in impacts])
    xy = np.array([[i[1], i[2]] for i in impacts])
    r = np.array([20.0, 20.0])
    kind = np.array(["qassam", "grad"], object)
    lifted = warning_quality(ZONE_IDS, ZONES, at, az, it, xy, r, kind, np.array([99.0, 200.0]))
    assert lifted.missed_zone_id.tolist() == [10]  # zone 10 was cleared a second too early
    assert lifted.warning_time_s.tolist() == [70.0]
    on = warning_quality(ZONE_IDS, ZONES, at, az, it, xy, r, kind, np.array([np.inf, np.inf]))
    assert on.missed == 0


def test_alert_ends_pair_each_alert_with_the_next_lift_of_its_zone() -> None:
    from cupola.metrics.runs import alert_ends

    ev = {
        "kind": np.array(
            ["alert", "alert", "alert_lifted", "alert", "alert_lifted", "alert"], object
        ),
        "time": np.array([10.0, 12.0, 30.0, 30.0, 50.0, 60.0]),
        "zone_id": np.array([1, 2, 1, 1, 1, 1]),
    }
    # the lift and the new alert of zone 1 at 30 s: the new alert ends at the next lift
    assert alert_ends(ev).tolist() == [30.0, np.inf, 50.0, np.inf]


def test_no_alert_at_all_misses_every_needed_zone() -> None:
    q = score(alerts=[], impacts=[(100.0, 500.0, 500.0, 20.0, "qassam")])
    assert (q.needed, q.missed) == (1, 1)
    assert q.missed_zone_id.tolist() == [10]


def test_an_alert_never_lifted_lasts_the_validity_only() -> None:
    at, az = np.array([0.0]), np.array([10], np.int64)
    xy = np.array([[500.0, 500.0]])
    for t_imp, missed in ((ALERT_VALIDITY_S - 1.0, 0), (3000.0, 1)):
        q = warning_quality(
            ZONE_IDS, ZONES, at, az, np.array([t_imp]), xy, np.array([20.0]),
            np.array(["qassam"], object), np.array([np.inf]),
        )  # fmt: skip
        assert q.missed == missed


def test_a_zone_a_destroyed_threat_was_heading_for_was_needed() -> None:
    """An alert on zone 20 for a threat destroyed at 70 s while heading there was right: its
    area is needed, not needless, and the alert is not needless while it was on at the kill; a
    kill after the alert's validity leaves the alert needless. Nothing landed: nothing missed."""
    empty = np.empty(0)

    def averted(kill_time: float):  # type: ignore[no-untyped-def]
        return warning_quality(
            ZONE_IDS,
            ZONES,
            np.array([50.0]),
            np.array([20]),
            empty,
            np.empty((0, 2)),
            empty,
            np.empty(0, object),
            None,
            np.array([[1500.0, 500.0]]),
            np.array([20.0]),
            np.array([kill_time]),
        )

    q = averted(70.0)
    assert (q.needed, q.missed, q.alerts, q.needless) == (0, 0, 1, 0)
    assert q.needed_area_km2 == pytest.approx(1.0)
    assert q.needless_area_km2 == 0.0
    late = averted(50.0 + ALERT_VALIDITY_S + 1.0)
    assert late.needless == 1
    assert late.needless_area_km2 == 0.0  # the zone was still where a threat was going
