"""Sensors files (a scenario without its raid) and defended assets from GeoJSON: the assets of
every built-in scenario survive a round trip through GeoJSON, each bad feature is one error
naming the file and the feature, and a deployment compiles to a world the feed runs on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cupola.errors import ScenarioError
from cupola.scenario import builtin_names, load
from cupola.scenario.assets import load_assets
from cupola.scenario.deployment import load_deployment
from cupola.scenario.schema import AreaAsset, PointAsset
from cupola.sim.world import compile_world

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"


def feature(props: dict[str, Any], geom: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geom}


def as_geojson(asset: Any) -> dict[str, Any]:
    """A scenario asset written as the feature ``--assets`` reads."""
    if isinstance(asset, AreaAsset):
        ring = [[p.lon, p.lat] for p in asset.outline]
        geom = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
        return feature({"name": asset.name, "value": asset.value}, geom)
    if isinstance(asset, PointAsset):
        geom = {"type": "Point", "coordinates": [asset.position.lon, asset.position.lat]}
        return feature({"name": asset.name, "value": asset.value, "radius_m": asset.radius_m}, geom)
    line = [[p.lon, p.lat] for p in asset.line]
    props = {"name": asset.name, "value_per_km": asset.value_per_km, "width_m": asset.width_m}
    return feature(props, {"type": "LineString", "coordinates": line})


def write(path: Path, features: list[Any]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.mark.parametrize("name", builtin_names())
def test_the_assets_of_a_scenario_round_trip_through_geojson(name: str, tmp_path: Path) -> None:
    sc = load(name)
    got = load_assets(write(tmp_path / "a.geojson", [as_geojson(a) for a in sc.assets]))
    assert got == list(sc.assets)


def poly(*ring: tuple[float, float]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def line(*points: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(p) for p in points]}


TOWN = poly((34.43, 31.29), (34.46, 31.29), (34.46, 31.31), (34.43, 31.29))
BOWTIE = poly((34.4, 31.3), (34.5, 31.4), (34.5, 31.3), (34.4, 31.4), (34.4, 31.3))
DOT = {"type": "Point", "coordinates": [34.45, 31.30]}
ROUTE = {"name": "A", "value_per_km": 1, "width_m": 5}


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        ("a feature", "features.0", "expected a GeoJSON Feature"),
        (feature({"name": "A", "value": 1}, None), "features.0.geometry", "no geometry"),
        (
            feature({"name": "A", "value": 1}, {"type": "MultiPolygon", "coordinates": []}),
            "features.0.geometry",
            "one asset per part",
        ),
        (feature({"value": 1}, TOWN), "features.0.properties.name", "missing"),
        (feature({"name": "A", "value": -1}, TOWN), "features.0.properties.value", "0"),
        (feature({"name": "A", "value": 1}, DOT), "features.0.properties.radius_m", "missing"),
        (
            feature(ROUTE, line((34.4, 31.3), (34.4, 31.3))),
            "features.0.geometry",
            "two distinct positions",
        ),
        (
            feature({"name": "A", "value": 1}, {"type": "Point", "coordinates": [3_500_000, 31.3]}),
            "features.0.geometry.coordinates",
            "longitude/latitude",
        ),
        (
            feature({"name": "A", "value": 1}, BOWTIE),
            "features.0.geometry",
            "invalid polygon",
        ),
    ],
)
def test_a_bad_asset_feature_is_one_error_naming_it(
    bad: Any, field: str, message: str, tmp_path: Path
) -> None:
    path = write(tmp_path / "a.geojson", [bad])
    with pytest.raises(ScenarioError) as err:
        load_assets(path)
    assert (err.value.source, err.value.field) == (str(path), field)
    assert message in err.value.reason


def test_the_example_deployment_is_the_border_towns_without_its_raid() -> None:
    dep = load_deployment(
        EXAMPLES / "border-town-sensors.yaml",
        EXAMPLES / "border-town-zones.geojson",
        EXAMPLES / "border-town-assets.geojson",
    )
    sc = load("border-town")
    assert (dep.radars, dep.batteries, dep.doctrine) == (sc.radars, sc.batteries, sc.doctrine)
    assert dep.assets[:2] == sc.assets
    assert [z.zone_id for z in dep.alert_zones.zones or []] == [101, 102, 103, 104, 105, 106]
    world = compile_world(dep, "example")
    assert set(world.threat_types.names) >= {"qassam", "mortar-120mm", "shahed-136"}
    with pytest.raises(TypeError, match="no raid"):
        world.raid_scenario  # noqa: B018
    assert compile_world(sc).raid_scenario is sc


def sensors_file(tmp_path: Path, **more: Any) -> Path:
    data = yaml.safe_load((EXAMPLES / "border-town-sensors.yaml").read_text()) | more
    path = tmp_path / "sensors.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_assets_of_the_file_and_of_geojson_add_up_and_clash_by_name(tmp_path: Path) -> None:
    own = [as_geojson(a) for a in load("border-town").assets][:1]
    at = {"lat": 31.3, "lon": 34.44}
    listed = {"kind": "point", "name": "Clinic", "value": 5, "position": at, "radius_m": 50}
    path = sensors_file(tmp_path, assets=[listed])
    dep = load_deployment(path, assets=write(tmp_path / "a.geojson", own))
    assert [a.name for a in dep.assets] == ["Clinic", "Town"]
    clash = write(tmp_path / "b.geojson", [*own, as_geojson(dep.assets[0])])
    with pytest.raises(ScenarioError) as err:
        load_deployment(path, assets=clash)
    assert (err.value.source, err.value.field) == (str(clash), "features.1.properties.name")
    far = feature({"name": "Far", "value": 1}, {"type": "Point", "coordinates": [40.0, 31.3]})
    far["properties"]["radius_m"] = 10
    with pytest.raises(ScenarioError) as err:
        load_deployment(path, assets=write(tmp_path / "c.geojson", [*own, far]))
    assert err.value.field == "features.1.geometry"
    assert "from the origin" in err.value.reason


def test_zones_of_geojson_take_the_place_of_the_files(tmp_path: Path) -> None:
    path = sensors_file(tmp_path, alert_zones={"grid_m": 500})
    assets = EXAMPLES / "border-town-assets.geojson"
    grid = compile_world(load_deployment(path, assets=assets), "grid").zones
    assert len(grid.ids) > 20
    assert grid.ids[0] == 0
    zoned = load_deployment(path, EXAMPLES / "border-town-zones.geojson", assets)
    assert compile_world(zoned, "zoned").zones.ids.tolist() == [101, 102, 103, 104, 105, 106]


@pytest.mark.parametrize(
    ("more", "field", "message"),
    [
        ({"raid": {"salvos": []}}, "raid", "no attack"),
        ({"radars": []}, "radars", "at least 1"),
        ({"batteries": [{"name": "B"}]}, "batteries.0.position", "missing"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_a_bad_sensors_file_is_one_error_naming_the_field(
    more: dict[str, Any], field: str, message: str, tmp_path: Path
) -> None:
    path = sensors_file(tmp_path, **more)
    with pytest.raises(ScenarioError) as err:
        load_deployment(path, assets=EXAMPLES / "border-town-assets.geojson")
    assert (err.value.source, err.value.field) == (str(path), field)
    assert message in err.value.reason
