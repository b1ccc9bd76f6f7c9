"""``cupola feed --sensors``: the feed on a deployment (a scenario without its raid) whose
defended assets and alert zones come from GeoJSON files, as an integrator runs it on a real
radar: the border town's recorded raid replayed into the example files of ``docs/examples``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cupola.feed import cot
from cupola.feed.base import Endpoint
from cupola.feed.replay import read_run
from cupola.scenario import load
from cupola.scenario.deployment import load_deployment
from cupola.sim.world import compile_world

from .conftest import datagrams, paced, receiver, run_cupola, run_feed

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
SENSORS = EXAMPLES / "border-town-sensors.yaml"
ZONES = EXAMPLES / "border-town-zones.geojson"
ASSETS = EXAMPLES / "border-town-assets.geojson"


def test_a_feed_on_a_sensors_file_alerts_the_zones_of_its_geojson(
    recorded: Path, tmp_path: Path
) -> None:
    world = compile_world(load_deployment(SENSORS, ZONES, ASSETS), str(SENSORS))
    scenario = compile_world(load(recorded / "scenario.yaml"))
    np.testing.assert_allclose(world.radars[0].position, scenario.radars[0].position)
    rec = read_run(recorded)
    with receiver() as got:
        status, _, events = run_feed(
            world,
            tmp_path / "j.sqlite",
            "asterix48",
            paced(datagrams(rec, "asterix48")),
            cot=Endpoint("udp", "127.0.0.1", got.port),
        )
    published = [cot.parse(d) for d in got.got]
    assert status["rejected_total"] == 0
    tracks = [e for e in published if e["uid"].startswith("cupola-track-")]
    assert len(tracks) > 300
    zones = {e["uid"] for e in published if e["type"] == "u-d-f"}
    # The zones are the file's: ids 101-106 (the scenario's grid numbers its cells from 0).
    assert zones
    assert zones <= {f"cupola-zone-{z}" for z in range(101, 107)}
    assert "cupola-zone-101" in zones or "cupola-zone-102" in zones  # the town's south
    logged = {e["kind"] for e in events}
    assert {"alert", "impact_predicted"} <= logged, logged
    # The recorded run held fire; the sensors file's battery does not: the battle manager
    # recommends engagements, and orders none.
    assert "proposed" in logged, logged
    assert not logged & {"engage_ordered", "interceptor_launch"}


def test_sensors_options_that_do_not_fit_are_one_line(tmp_path: Path) -> None:
    track_file = tmp_path / "track-sensors.yaml"
    track_file.write_text("sensors:\n  - {id: 0, position_m: [0, 0, 0]}\n")
    for args, message in [
        (("--scenario", "border-town", "--sensors", str(SENSORS)), "one of them"),
        ((), "one of them"),
        (("--scenario", "border-town", "--zones", str(ZONES)), "goes with --sensors"),
        (("--sensors", str(tmp_path / "none.yaml")), "no such file"),
        (("--sensors", str(SENSORS), "--assets", str(tmp_path / "a.geojson")), "--assets"),
        (("--sensors", str(SENSORS)), "no defended assets"),
        (("--sensors", str(track_file), "--assets", str(ASSETS)), "cupola track"),
    ]:
        got = run_cupola("feed", *args, "--http", "none")
        assert got.returncode == 2, (args, got.stderr)
        assert message in got.stderr, (args, got.stderr)
        assert "Traceback" not in got.stderr
        assert got.stderr.count("error:") == 1
