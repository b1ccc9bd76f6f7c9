"""Loading scenarios: YAML parsing, schema validation and cross-reference checks.

Every problem becomes one :class:`~cupola.errors.ScenarioError` naming the file, the field
and the reason; nothing here prints or exits.
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from cupola.errors import ScenarioError
from cupola.scenario.schema import (
    AirBreathingThreat,
    BallisticThreat,
    Catalog,
    GeoPoint,
    InterceptorType,
    Scenario,
)

#: Farthest a position may lie from the origin for the flat local frame to hold, m.
MAX_EXTENT_M = 400_000.0

_BUILTIN = "cupola.scenario.builtin"


def builtin_names() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    files = resources.files(_BUILTIN).iterdir()
    return sorted(f.name[:-5] for f in files if f.name.endswith(".yaml"))


def _read_builtin(name: str) -> str:
    return (resources.files(_BUILTIN) / f"{name}.yaml").read_text(encoding="utf-8")


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _parse_yaml(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(source, where, f"not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(source, "", "expected a mapping of scenario fields at the top level")
    return data


def _validate(data: dict[str, Any], source: str) -> Scenario:
    if "schema_version" in data and data["schema_version"] != 1:
        raise ScenarioError(
            source,
            "schema_version",
            f"unsupported schema version {data['schema_version']!r}; this Cupola reads version 1",
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        reason = first["msg"]
        if first["type"] == "extra_forbidden":
            reason = "unknown field"
        elif first["type"] == "missing":
            reason = "missing required field"
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise ScenarioError(source, _field_path(first["loc"]), reason + more) from None


@cache
def catalog() -> Catalog:
    """The built-in catalog of threat and interceptor types."""
    text = (resources.files("cupola.scenario") / "catalog.yaml").read_text(encoding="utf-8")
    return Catalog.model_validate(yaml.safe_load(text))


def threat_types(scenario: Scenario) -> dict[str, BallisticThreat | AirBreathingThreat]:
    """Threat types by name: the catalog's, overridden by the scenario's own."""
    types = {t.name: t for t in catalog().threat_types}
    types.update({t.name: t for t in scenario.threat_types})
    return types


def interceptor_types(scenario: Scenario) -> dict[str, InterceptorType]:
    """Interceptor types by name: the catalog's, overridden by the scenario's own."""
    types = {t.name: t for t in catalog().interceptor_types}
    types.update({t.name: t for t in scenario.interceptor_types})
    return types


def _distance_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance on a sphere, m (only to bound the extent)."""
    la1, la2 = math.radians(a.lat), math.radians(b.lat)
    dla, dlo = la2 - la1, math.radians(b.lon - a.lon)
    h = math.sin(dla / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dlo / 2) ** 2
    return 2 * 6_371_000.0 * math.asin(min(1.0, math.sqrt(h)))


def _walk_points(obj: Any, path: str) -> list[tuple[str, GeoPoint]]:
    """Every GeoPoint inside a model, with its dotted path."""
    if isinstance(obj, GeoPoint):
        return [(path, obj)]
    found: list[tuple[str, GeoPoint]] = []
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            found += _walk_points(item, f"{path}.{i}")
    elif hasattr(obj, "model_fields"):
        for key in type(obj).model_fields:
            found += _walk_points(getattr(obj, key), f"{path}.{key}" if path else key)
    return found


def _check_references(sc: Scenario, source: str) -> None:
    def unique(names: list[str], field: str) -> None:
        seen: set[str] = set()
        for i, n in enumerate(names):
            if n in seen:
                raise ScenarioError(source, f"{field}.{i}.name", f"duplicate name {n!r}")
            seen.add(n)

    unique([a.name for a in sc.assets], "assets")
    unique([r.name for r in sc.radars], "radars")
    unique([b.name for b in sc.batteries], "batteries")
    unique([t.name for t in sc.threat_types], "threat_types")
    unique([t.name for t in sc.interceptor_types], "interceptor_types")
    if sc.alert_zones.zones is not None:
        ids = [z.zone_id for z in sc.alert_zones.zones]
        for i, z in enumerate(ids):
            if ids.index(z) != i:
                raise ScenarioError(
                    source, f"alert_zones.zones.{i}.zone_id", f"duplicate zone_id {z}"
                )

    ttypes, itypes = threat_types(sc), interceptor_types(sc)
    assets = {a.name for a in sc.assets}
    for i, b in enumerate(sc.batteries):
        if b.interceptor not in itypes:
            raise ScenarioError(
                source,
                f"batteries.{i}.interceptor",
                f"unknown interceptor type {b.interceptor!r} (known: {', '.join(sorted(itypes))})",
            )
    for i, s in enumerate(sc.raid.salvos):
        if s.threat not in ttypes:
            raise ScenarioError(
                source,
                f"raid.salvos.{i}.threat",
                f"unknown threat type {s.threat!r} (known: {', '.join(sorted(ttypes))})",
            )
        if s.aim.asset is not None and s.aim.asset not in assets:
            raise ScenarioError(
                source, f"raid.salvos.{i}.aim.asset", f"no defended asset named {s.aim.asset!r}"
            )
        if s.waypoints and isinstance(ttypes[s.threat], BallisticThreat):
            raise ScenarioError(
                source, f"raid.salvos.{i}.waypoints", "ballistic threats do not fly waypoints"
            )
    for path, p in _walk_points(sc, ""):
        if path.startswith("origin"):
            continue
        d = _distance_m(sc.origin, p)
        if d > MAX_EXTENT_M:
            raise ScenarioError(
                source,
                path,
                f"{d / 1000:.0f} km from the origin; positions must lie within "
                f"{MAX_EXTENT_M / 1000:.0f} km for the local flat frame",
            )


def load_text(text: str, source: str) -> Scenario:
    """Parse and validate scenario YAML text; ``source`` names it in errors."""
    sc = _validate(_parse_yaml(text, source), source)
    _check_references(sc, source)
    return sc


def load(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a scenario YAML file by path.

    Raises
    ------
    ScenarioError
        The file is missing, unreadable, not YAML, or not a valid scenario.
    """
    key = str(name_or_path)
    path = Path(key)
    if key in builtin_names() and not path.exists():
        return load_text(_read_builtin(key), key)
    if not path.exists():
        known = ", ".join(builtin_names())
        raise ScenarioError(key, "", f"no such file, and not a built-in scenario ({known})")
    if path.is_dir():
        raise ScenarioError(key, "", "is a directory, not a scenario file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(key, "", f"cannot read: {exc}") from None
    return load_text(text, key)
