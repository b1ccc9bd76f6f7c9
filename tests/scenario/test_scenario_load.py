"""Scenario loading at the edge: every bad file gives one ScenarioError line naming file, field
and reason; the built-in scenarios load and survive a dump/load round trip."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from cupola.errors import CupolaError, ScenarioError
from cupola.scenario import Scenario, builtin_names, load, load_text

_GEOD = Geod(ellps="WGS84")


def _base() -> dict[str, Any]:
    """The border-town built-in scenario as a plain dict."""
    text = (resources.files("cupola.scenario.builtin") / "border-town.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


_BASE = _base()


def _write(tmp_path: Path, data: Any, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _check_one_line(exc: ScenarioError, source: str, field: str, reason: str) -> None:
    msg = str(exc)
    assert "\n" not in msg, msg
    assert "\r" not in msg, msg
    assert msg.startswith(source + ":"), msg
    assert exc.source == source
    assert exc.field == field, msg
    assert f"{source}: {field}: " in msg if field else True, msg
    assert reason in msg, msg
    assert reason in exc.reason, msg


def _point_at(distance_m: float, azimuth_deg: float = 0.0) -> dict[str, float]:
    """A {lat, lon} point at a given geodesic distance and bearing from border-town's origin."""
    o = _BASE["origin"]
    lon, lat, _ = _GEOD.fwd(o["lon"], o["lat"], azimuth_deg, distance_m)
    return {"lat": float(lat), "lon": float(lon)}


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        obj = d
        for key in path[:-1]:
            obj = obj[key]
        obj[path[-1]] = value

    return mutate


def _del(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        obj = d
        for key in path[:-1]:
            obj = obj[key]
        del obj[path[-1]]

    return mutate


def _bad_interceptor(d: dict[str, Any]) -> None:
    tamir = {
        "name": "short-legs",
        "boost_time_s": 3.0,
        "launch_speed_mps": 60.0,
        "burnout_speed_mps": 800.0,
        "coast_deceleration_mps2": 8.0,
        "min_speed_mps": 250.0,
        "max_flight_time_s": 60.0,
        "min_range_m": 5000.0,
        "max_range_m": 4000.0,
        "ceiling_m": 10000.0,
        "lethal_radius_m": 10.0,
        "sskp": 0.85,
        "cost_usd": 100000.0,
        "max_lateral_accel_mps2": 300.0,
        "seeker_range_m": 2000.0,
    }
    d["interceptor_types"] = [tamir]
    d["batteries"][0]["interceptor"] = "short-legs"


def _duplicate_asset(d: dict[str, Any]) -> None:
    d["assets"][1]["name"] = d["assets"][0]["name"]


def _duplicate_radar(d: dict[str, Any]) -> None:
    d["radars"].append(copy.deepcopy(d["radars"][0]))


def _duplicate_zone_ids(d: dict[str, Any]) -> None:
    square = [
        {"lat": 31.3, "lon": 34.45},
        {"lat": 31.31, "lon": 34.45},
        {"lat": 31.31, "lon": 34.46},
    ]
    d["alert_zones"] = {
        "zones": [
            {"zone_id": 4, "name": "a", "outline": square},
            {"zone_id": 4, "name": "b", "outline": square},
        ]
    }


def _ballistic_waypoints(d: dict[str, Any]) -> None:
    d["raid"]["salvos"][0]["waypoints"] = [{"lat": 31.28, "lon": 34.44, "alt_m": 500}]


def _collinear_outline(d: dict[str, Any]) -> None:
    d["assets"][0]["outline"] = [
        {"lat": 31.30, "lon": 34.45},
        {"lat": 31.31, "lon": 34.46},
        {"lat": 31.32, "lon": 34.47},
    ]


# (id, mutation, dotted field, words the reason must contain)
CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("unknown-top", _set(("colour",), "red"), "colour", "unknown field"),
    (
        "unknown-nested",
        _set(("raid", "salvos", 0, "colour"), "red"),
        "raid.salvos.0.colour",
        "unknown field",
    ),
    ("unknown-deep", _set(("origin", "height"), 3), "origin.height", "unknown field"),
    ("missing-top", _del(("name",)), "name", "missing required field"),
    (
        "missing-nested",
        _del(("raid", "salvos", 1, "count")),
        "raid.salvos.1.count",
        "missing required field",
    ),
    (
        "negative-count",
        _set(("raid", "salvos", 0, "count"), -3),
        "raid.salvos.0.count",
        "greater than or equal to 1",
    ),
    ("count-not-int", _set(("raid", "salvos", 0, "count"), "many"), "raid.salvos.0.count", "int"),
    ("latitude-200", _set(("origin", "lat"), 200), "origin.lat", "90"),
    (
        "asset-latitude",
        _set(("assets", 1, "position", "lat"), -200.0),
        "assets.1.position.lat",
        "-90",
    ),
    (
        "max-below-min-range",
        _bad_interceptor,
        "interceptor_types.0",
        "max_range_m must be greater than min_range_m",
    ),
    (
        "confirm-hits-over-window",
        _set(("tracker",), {"confirm_hits": 5, "confirm_window": 3}),
        "tracker",
        "confirm_hits must not exceed confirm_window",
    ),
    ("schema-2", _set(("schema_version",), 2), "schema_version", "unsupported schema version 2"),
    (
        "unknown-threat",
        _set(("raid", "salvos", 2, "threat"), "katyusha"),
        "raid.salvos.2.threat",
        "unknown threat type 'katyusha'",
    ),
    (
        "library-unknown-type",
        lambda d: d.setdefault("doctrine", {}).update(threat_library=["qassam", "katyusha"]),
        "doctrine.threat_library.1",
        "no ballistic threat type 'katyusha'",
    ),
    (
        "library-air-breathing-type",
        lambda d: d.setdefault("doctrine", {}).update(threat_library=["shahed-136"]),
        "doctrine.threat_library.0",
        "no ballistic threat type 'shahed-136'",
    ),
    (
        "unknown-interceptor",
        _set(("batteries", 0, "interceptor"), "patriot"),
        "batteries.0.interceptor",
        "unknown interceptor type 'patriot'",
    ),
    (
        "unknown-asset",
        _set(("raid", "salvos", 0, "aim", "asset"), "Nowhere"),
        "raid.salvos.0.aim.asset",
        "no defended asset named 'Nowhere'",
    ),
    (
        "two-aims",
        _set(("raid", "salvos", 0, "aim", "points"), [{"lat": 31.3, "lon": 34.45}]),
        "raid.salvos.0.aim",
        "exactly one of area, asset or points",
    ),
    ("duplicate-asset", _duplicate_asset, "assets.1.name", "duplicate name 'Town'"),
    ("duplicate-radar", _duplicate_radar, "radars.1.name", "duplicate name 'Radar'"),
    ("duplicate-zone-id", _duplicate_zone_ids, "alert_zones.zones.1.zone_id", "duplicate zone_id"),
    (
        "ballistic-waypoints",
        _ballistic_waypoints,
        "raid.salvos.0.waypoints",
        "ballistic threats do not fly waypoints",
    ),
    (
        "far-radar",
        _set(("radars", 0, "position"), {**_point_at(1_000_000.0, 80.0), "alt_m": 10}),
        "radars.0.position",
        "km from the origin",
    ),
    (
        "far-launch-area",
        _set(("raid", "salvos", 3, "launch_area", "center"), _point_at(1_000_000.0, 200.0)),
        "raid.salvos.3.launch_area.center",
        "km from the origin",
    ),
    ("collinear-outline", _collinear_outline, "assets.0.outline", "encloses no area"),
    (
        "threat-type-missing-field",
        _set(("threat_types",), [{"kind": "ballistic", "name": "x", "mass_kg": 1.0}]),
        "threat_types.0.burnout_speed_mps",
        "missing required field",
    ),
    (
        "threat-type-bad-kind",
        _set(("threat_types",), [{"kind": "laser", "name": "x"}]),
        "threat_types.0.kind",
        "laser",
    ),
]


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_scenarios_load(name: str) -> None:
    sc = load(name)
    assert isinstance(sc, Scenario)
    assert sc.name == name
    assert sc.schema_version == 1
    assert sum(s.count for s in sc.raid.salvos) > 0


def test_builtin_names_match_package_files() -> None:
    files = resources.files("cupola.scenario.builtin").iterdir()
    expected = sorted(f.name.removesuffix(".yaml") for f in files if f.name.endswith(".yaml"))
    assert builtin_names() == expected
    assert "border-town" in expected


@pytest.mark.parametrize("name", builtin_names())
def test_dump_and_reload_is_identity(name: str, tmp_path: Path) -> None:
    sc = load(name)
    path = _write(tmp_path, sc.model_dump(mode="json"), "again.yaml")
    assert load(path) == sc
    assert load(str(path)) == sc


def test_unmodified_copy_of_builtin_loads(tmp_path: Path) -> None:
    path = _write(tmp_path, _BASE)
    assert load(path) == load("border-town")


@pytest.mark.parametrize(
    ("mutate", "field", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_scenario_gives_one_line(
    mutate: Callable[[dict[str, Any]], None], field: str, reason: str, tmp_path: Path
) -> None:
    data = copy.deepcopy(_BASE)
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(ScenarioError) as info:
        load(path)
    _check_one_line(info.value, str(path), field, reason)
    assert isinstance(info.value, CupolaError)
    assert info.value.__cause__ is None


def test_far_position_reports_its_distance(tmp_path: Path) -> None:
    data = copy.deepcopy(_BASE)
    data["radars"][0]["position"] = {**_point_at(1_000_000.0, 45.0), "alt_m": 0}
    with pytest.raises(ScenarioError) as info:
        load(_write(tmp_path, data))
    km = re.search(r"(\d+) km from the origin", str(info.value))
    assert km is not None
    assert abs(int(km.group(1)) - 1000) <= 5  # spherical bound vs. WGS84 geodesic


def test_position_just_inside_the_extent_loads(tmp_path: Path) -> None:
    data = copy.deepcopy(_BASE)
    data["radars"][0]["position"] = {**_point_at(350_000.0, 300.0), "alt_m": 0}
    assert load(_write(tmp_path, data)).radars[0].position.alt_m == 0.0


def test_missing_file(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError) as info:
        load(path)
    _check_one_line(info.value, path, "", "no such file")
    assert "border-town" in str(info.value)  # lists the built-ins


def test_unknown_builtin_name() -> None:
    with pytest.raises(ScenarioError) as info:
        load("no-such-scenario")
    _check_one_line(info.value, "no-such-scenario", "", "not a built-in scenario")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load(tmp_path)
    _check_one_line(info.value, str(tmp_path), "", "is a directory")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        load(path)
    _check_one_line(info.value, str(path), "", "cannot read")


def test_unclosed_bracket_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "unclosed.yaml"
    path.write_text(
        "schema_version: 1\nname: x\norigin: {lat: 31.3, lon: 34.45\nsim: {dt_s: 0.1}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        load(path)
    _check_one_line(info.value, str(path), "line 4, column 4", "not valid YAML")
    assert "started at line 3" in str(info.value)  # where the bracket was opened


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("- 1\n- 2\n", "expected a mapping"),
        ("", "expected a mapping"),
        ("just words\n", "expected a mapping"),
        ("a:\n\tb: 1\n", "not valid YAML"),
        ("a: !!python/object:os.system x\n", "not valid YAML"),
        ("a: " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
        ("a: !!int\n", "not valid YAML"),
        ("a: !!int x\n", "not valid YAML"),
        ("a: !!bool maybe\n", "not valid YAML"),
        ("a: !!timestamp 2020-13-45\n", "not valid YAML"),
    ],
    ids=["list", "empty", "scalar", "tab", "python-tag", "deep", "int0", "int", "bool", "date"],
)
def test_not_a_scenario_mapping(text: str, reason: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_text(text, "junk.yaml")
    msg = str(info.value)
    assert msg.startswith("junk.yaml:"), msg
    assert "\n" not in msg, msg
    assert reason in msg, msg


@pytest.mark.parametrize(
    ("key", "shown"),
    [("a\nb", "a\\nb"), ("[/red]", "[/red]"), ("tab\there", "tab\\there")],
)
def test_odd_unknown_keys_stay_on_one_line(key: str, shown: str) -> None:
    data = copy.deepcopy(_BASE)
    data[key] = 1
    with pytest.raises(ScenarioError) as info:
        load_text(yaml.safe_dump(data), "odd.yaml")
    assert str(info.value) == f"odd.yaml: {shown}: unknown field"


def test_several_problems_are_counted() -> None:
    data = copy.deepcopy(_BASE)
    data["colour"] = "red"
    data["shade"] = "blue"
    with pytest.raises(ScenarioError) as info:
        load_text(yaml.safe_dump(data), "two.yaml")
    assert "(and 1 more problem(s))" in str(info.value)


# -- property-based: nothing but ScenarioError escapes, and always on one line -----------------

_TOKENS = st.sampled_from(
    [
        "{", "}", "[", "]", ":", ": ", "- ", ",", "\n", "  ", "\t", "'", '"', "&a ", "*a", "!!",
        "!!int ", "? ", "#", "|", ">", "%YAML 1.1\n", "---\n", "...\n", "schema_version", "1",
        "2", "-1", "1e400", ".nan", "name", "raid", "salvos", "count", "origin", "lat", "lon",
        "null", "~", "true", "\x00", "\u202e", "é",
    ]
)  # fmt: skip


def _assert_clean(text: str) -> None:
    try:
        load_text(text, "junk.yaml")
    except ScenarioError as exc:
        msg = str(exc)
        assert msg.startswith("junk.yaml:")
        assert len(msg.splitlines()) == 1, msg


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_random_text_only_raises_scenario_error(text: str) -> None:
    _assert_clean(text)


@settings(max_examples=60, deadline=None)
@given(st.lists(_TOKENS, max_size=40).map("".join))
def test_random_yaml_soup_only_raises_scenario_error(text: str) -> None:
    _assert_clean(text)


_JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)

_SPLICE_AT: list[tuple[Any, ...]] = [
    ("origin",),
    ("origin", "lat"),
    ("sim",),
    ("assets",),
    ("assets", 0, "outline"),
    ("assets", 1, "radius_m"),
    ("alert_zones",),
    ("alert_zones", "zones"),
    ("radars", 0),
    ("batteries", 0, "launchers"),
    ("interceptor_types",),
    ("threat_types",),
    ("raid", "salvos"),
    ("raid", "salvos", 0, "aim"),
    ("raid", "salvos", 0, "count"),
    ("raid", "salvos", 0, "waypoints"),
    ("doctrine",),
    ("tracker",),
    ("schema_version",),
    ("unknown",),
]


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(_SPLICE_AT), _JSONISH)
def test_random_values_in_a_valid_scenario_only_raise_scenario_error(
    where: tuple[Any, ...], value: Any
) -> None:
    data = copy.deepcopy(_BASE)
    _set(where, value)(data)
    _assert_clean(yaml.safe_dump(data))
