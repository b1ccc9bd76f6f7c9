"""Alert zones from a GeoJSON file: loading, the run folder's zones.geojson, and bad files."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cupola.cli import app
from cupola.errors import ScenarioError
from cupola.scenario import load

LON, LAT = 34.45, 31.30  # border-town's origin


def square(lon: float, lat: float, d: float = 0.01) -> list[list[list[float]]]:
    return [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]


def feature(zone_id: Any, name: Any, coords: Any, kind: str = "Polygon") -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"zone_id": zone_id, "name": name},
        "geometry": {"type": kind, "coordinates": coords},
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


GOOD = collection(
    feature(101, "Town north", square(LON - 0.01, LAT)),
    feature(102, "Town south", square(LON - 0.01, LAT - 0.01)),
    feature(7, "Kibbutz", square(LON + 0.03, LAT + 0.02, 0.005)),
)


def scenario_with_zones(tmp_path: Path, zones: Any, raw: str | None = None) -> Path:
    """border-town with its alert zones replaced by ``zones.geojson`` next to it."""
    text = (resources.files("cupola.scenario.builtin") / "border-town.yaml").read_text()
    data = yaml.safe_load(text)
    data["alert_zones"] = {"geojson": "zones.geojson"}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    (tmp_path / "zones.geojson").write_text(raw if raw is not None else json.dumps(zones))
    return path


def test_zones_load_from_geojson_and_come_back_in_the_run_folder(tmp_path: Path) -> None:
    path = scenario_with_zones(tmp_path, GOOD)
    sc = load(path)
    zones = sc.alert_zones.zones
    assert zones is not None
    assert [z.zone_id for z in zones] == [101, 102, 7]
    assert sc.alert_zones.geojson is None  # the scenario is self-contained
    assert zones[0].outline[1].lon == pytest.approx(LON)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = json.loads((out / "zones.geojson").read_text())
    assert [f["properties"]["zone_id"] for f in written["features"]] == [101, 102, 7]
    assert written["features"][2]["properties"]["name"] == "Kibbutz"
    ring = written["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == pytest.approx([LON - 0.01, LAT], abs=1e-6)
    # the run folder's zones.geojson is itself a valid zones file
    again = scenario_with_zones(
        tmp_path / "again" if (tmp_path / "again").mkdir() is None else tmp_path, written
    )
    assert [z.zone_id for z in load(again).alert_zones.zones or []] == [101, 102, 7]
    assert "zones.geojson" in {p.name for p in out.iterdir()}


def _bowtie() -> list[list[list[float]]]:
    return [
        [[LON, LAT], [LON + 0.01, LAT + 0.01], [LON + 0.01, LAT], [LON, LAT + 0.01], [LON, LAT]]
    ]


def _changed(**edit: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    for key, value in edit.items():
        i, field = key.split("__")
        f = data["features"][int(i[1:])]
        if field == "coords":
            f["geometry"]["coordinates"] = value
        elif field == "geometry":
            f["geometry"] = value
        else:
            f["properties"][field] = value
    return data


@pytest.mark.parametrize(
    ("zones", "raw", "where", "reason"),
    [
        (_changed(f1__coords=_bowtie()), None, "features.1.geometry", "Self-intersection"),
        (_changed(f0__coords=[[]]), None, "features.0.geometry.coordinates.0", "empty polygon"),
        (_changed(f0__coords=[[[LON, LAT]] * 5]), None, "features.0.geometry", "empty polygon"),
        (_changed(f2__zone_id=101), None, "features.2.properties.zone_id", "duplicate zone_id 101"),
        (_changed(f1__zone_id=-3), None, "features.1.properties.zone_id", "non-negative integer"),
        (_changed(f0__name=""), None, "features.0.properties.name", "non-empty name"),
        (
            _changed(f0__coords=[[[3.5e5, 3.6e6], [3.6e5, 3.6e6], [3.6e5, 3.7e6], [3.5e5, 3.6e6]]]),
            None,
            "features.0.geometry.coordinates.0.0",
            "not longitude/latitude",
        ),
        (
            _changed(f2__coords=square(LAT, LON)),
            None,
            "features.2",
            "km from the scenario's origin",
        ),
        (
            _changed(f0__geometry={"type": "MultiPolygon", "coordinates": [square(LON, LAT)]}),
            None,
            "features.0.geometry",
            "split it into one zone per part",
        ),
        (None, "{not json", "", "not valid JSON"),
        (None, '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "", "not usable JSON"),
        (None, '{"a": 1' + "0" * 5000 + "}", "", "not usable JSON"),
        (
            _changed(f0__coords=[[[10**400, LAT], [LON, LAT], [LON, LAT + 0.01], [10**400, LAT]]]),
            None,
            "features.0.geometry.coordinates.0.0",
            "pair of numbers",
        ),
        (_changed(f1__zone_id=2**63), None, "features.1.properties.zone_id", "below 2**63"),
        (
            _changed(f0__coords=square(LON, LAT, 1e-9)),
            None,
            "features.0.geometry",
            "encloses no area",
        ),
        (
            _changed(f0__geometry={"type": "Poly\ngon", "coordinates": []}),
            None,
            "features.0.geometry",
            "expected a Polygon",
        ),
        ({"type": "Feature"}, None, "type", "FeatureCollection"),
        (collection(), None, "features", "non-empty list"),
    ],
)
def test_bad_zones_file_gives_one_line(
    zones: Any, raw: str | None, where: str, reason: str, tmp_path: Path
) -> None:
    path = scenario_with_zones(tmp_path, zones, raw)
    with pytest.raises(ScenarioError) as info:
        load(path)
    message = str(info.value)
    assert "zones.geojson" in message
    assert where in message
    assert reason in message
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert reason in result.output


def test_missing_zones_file_and_two_sources(tmp_path: Path) -> None:
    path = scenario_with_zones(tmp_path, GOOD)
    (tmp_path / "zones.geojson").unlink()
    with pytest.raises(ScenarioError, match=r"zones\.geojson: no such file"):
        load(path)
    data = yaml.safe_load(path.read_text())
    data["alert_zones"]["zones"] = [
        {"zone_id": 1, "name": "a", "outline": [{"lat": LAT, "lon": LON}] * 3}
    ]
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError, match="zones or geojson, not both"):
        load(path)


def test_impact_events_carry_zone_ids_and_a_bom_is_accepted(tmp_path: Path) -> None:
    path = scenario_with_zones(tmp_path, None, "\ufeff" + json.dumps(GOOD))
    sc = load(path)
    from cupola.sim.engine import simulate
    from cupola.sim.world import compile_world

    r = simulate(compile_world(sc, str(path)), 1)
    zone = r.events["zone_id"][r.events["kind"] == "impact"]
    assert set(zone.tolist()) <= {-1, 101, 102, 7}
