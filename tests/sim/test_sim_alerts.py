"""Alert geometry on hand-made zones: which zones a predicted impact alerts, by its probability
of landing in each (grown by the alert margin), and when alerts are lifted."""

from __future__ import annotations

import numpy as np
import pytest

from cupola.assess.base import BALLISTIC, Assessment
from cupola.scenario import load
from cupola.scenario.schema import AlertZone, AlertZones, GeoPoint
from cupola.sim.bmc import BattleManager
from cupola.sim.events import EventLog
from cupola.sim.world import World, compile_world

# Three hand-made zones in the local frame, m: two 2 km squares side by side (A west of B, the
# border at x = 0) and a small 500 m square C well to the north.
SQUARES = {
    11: ("A", (-2000.0, 0.0, 0.0, 2000.0)),
    12: ("B", (0.0, 0.0, 2000.0, 2000.0)),
    13: ("C", (0.0, 8000.0, 500.0, 8500.0)),
}
MARGIN = 100.0
PROBABILITY = 0.3


def world_with_zones() -> World:
    sc = load("border-town")
    frame = compile_world(sc).frame
    zones = []
    for zid, (name, (x0, y0, x1, y1)) in SQUARES.items():
        lon, lat = frame.to_geodetic(np.array([x0, x1, x1, x0]), np.array([y0, y0, y1, y1]))
        outline = [GeoPoint(lat=float(a), lon=float(o)) for o, a in zip(lon, lat, strict=True)]
        zones.append(AlertZone(zone_id=zid, name=name, outline=outline))
    doctrine = sc.doctrine.model_copy(
        update={"alert_margin_m": MARGIN, "alert_probability": PROBABILITY}
    )
    sc = sc.model_copy(update={"alert_zones": AlertZones(zones=zones), "doctrine": doctrine})
    return compile_world(sc)


def assessment(impact: list[tuple[float, float]], sigma: list[float], tti: float) -> Assessment:
    t = len(impact)
    cov = np.array([np.eye(2) * s**2 if s > 0 else np.full((2, 2), np.nan) for s in sigma])
    return Assessment(
        track_id=np.arange(t, dtype=np.int64),
        cls=np.full(t, BALLISTIC, np.int8),
        impact=np.array(impact, float),
        impact_time=np.full(t, 100.0 + tti),
        impact_cov=cov,
        asset=np.full(t, -1, np.int64),
        value=np.zeros(t),
        hit_probability=np.zeros(t),
        expected_damage=np.zeros(t),
        engage=np.zeros(t, bool),
        reach_time=np.full((t, 0), np.nan),
        path=np.zeros((t, 1, 3)),
        path_time=np.array([100.0]),
    )


def alerted(impact: list[tuple[float, float]], sigma: list[float], tti: float = 30.0) -> set[int]:
    world = world_with_zones()
    log = EventLog()
    bmc = BattleManager(world, log, {"assess": 0.0, "fire": 0.0})
    a = assessment(impact, sigma, tti)
    bmc.alerts.raise_for(a, np.arange(len(impact), dtype=np.int64), 100.0)
    ev = log.table()
    return set(ev["zone_id"][ev["kind"].astype(str) == "alert"].tolist())


@pytest.mark.parametrize(
    ("impact", "sigma", "want"),
    [
        ([(-1000.0, 1000.0)], [50.0], {11}),  # deep inside A
        ([(-1000.0, 1000.0)], [0.0], {11}),  # a sure point (no covariance)
        ([(0.0, 1000.0)], [50.0], {11, 12}),  # on the A-B border: half in each
        ([(-60.0, 1000.0)], [20.0], {11, 12}),  # in A but within the margin of B
        ([(-250.0, 1000.0)], [200.0], {11}),  # P(B grown) = P(z > 0.75) = 0.23 < 0.3
        ([(-180.0, 1000.0)], [200.0], {11, 12}),  # P(B grown) = P(z > 0.4) = 0.34
        ([(250.0, 8650.0)], [150.0], {13}),  # north of C: P(C grown) = P(z < -0.33) = 0.37
        ([(250.0, 9500.0)], [150.0], set()),  # far north of C
        ([(5000.0, 5000.0)], [3000.0], set()),  # spread over open ground
    ],
)
def test_zones_alerted_by_probability(
    impact: list[tuple[float, float]], sigma: list[float], want: set[int]
) -> None:
    assert alerted(impact, sigma) == want


def test_no_alert_before_the_lead_time() -> None:
    lead = world_with_zones().scenario.doctrine.alert_lead_time_s
    assert alerted([(-1000.0, 1000.0)], [50.0], tti=lead + 5.0) == set()
    assert alerted([(-1000.0, 1000.0)], [50.0], tti=lead - 5.0) == {11}


def test_alert_lifted_when_its_threat_is_destroyed() -> None:
    world = world_with_zones()
    log = EventLog()
    bmc = BattleManager(world, log, {"assess": 0.0, "fire": 0.0})
    bmc.book.ensure(4)
    bmc.alerts.raise_for(
        assessment([(-1000.0, 1000.0), (1000.0, 1000.0)], [50.0, 50.0], 30.0),
        np.arange(2, dtype=np.int64),
        100.0,
    )
    bmc.book.killed[0] = True  # the threat on A is destroyed; the one on B flies on
    bmc.alerts.lift(105.0, bmc.book.killed)
    ev = log.table()
    lifted = ev["zone_id"][ev["kind"].astype(str) == "alert_lifted"].tolist()
    assert lifted == [11]
    bmc.alerts.lift(100.0 + 30.0 + 11.0, bmc.book.killed)  # past B's impact and the grace
    ev = log.table()
    lifted = ev["zone_id"][ev["kind"].astype(str) == "alert_lifted"].tolist()
    assert lifted == [11, 12]
