"""Loading scenarios: YAML parsing, schema validation and cross-reference checks.

Every problem becomes one :class:`~cupola.errors.ScenarioError` naming the file, the field
and the reason; nothing here prints or exits.
"""

from __future__ import annotations

import difflib
import itertools
import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

from cupola.core.files import one_line, parse_yaml, validate_model
from cupola.errors import ScenarioError
from cupola.logistics.schedule import MAX_RAIDS, raid_count, raid_times, scaled_counts
from cupola.scenario.schema import (
    MAX_SALVO,
    AirBreathingThreat,
    BallisticThreat,
    Catalog,
    Deployment,
    GeoPoint,
    InterceptorType,
    Scenario,
)
from cupola.scenario.zones import load_zones

#: Farthest a position may lie from the origin for the flat local frame to hold, m.
MAX_EXTENT_M = 400_000.0

_BUILTIN = "cupola.scenario.builtin"

D = TypeVar("D", bound=Deployment)

#: The ``kind`` values of the lists that hold several kinds of item.
_KINDS = {"assets": "area, point, route", "threat_types": "ballistic, air_breathing"}


def builtin_names() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    files = resources.files(_BUILTIN).iterdir()
    return sorted(f.name[:-5] for f in files if f.name.endswith(".yaml"))


def _read_builtin(name: str) -> str:
    return (resources.files(_BUILTIN) / f"{name}.yaml").read_text(encoding="utf-8")


def _error(source: str, field: str, reason: str) -> ScenarioError:
    """A ScenarioError whose message is one line, whatever the file put in names and keys."""
    return ScenarioError(one_line(source), one_line(field), one_line(reason))


def _parse_yaml(text: str, source: str) -> dict[str, Any]:
    return parse_yaml(text, source, ScenarioError, "scenario fields")


def validate(data: dict[str, Any], source: str, model: type[D]) -> D:
    """``data`` as a ``model`` (a scenario or a deployment); one :class:`ScenarioError`
    naming the first problem."""
    if "schema_version" in data and data["schema_version"] != 1:
        raise _error(
            source,
            "schema_version",
            f"unsupported schema version {data['schema_version']!r}; this Cupola reads version 1",
        )
    return validate_model(model, data, source, ScenarioError, _KINDS)


@cache
def catalog() -> Catalog:
    """The built-in catalog of threat and interceptor types."""
    text = (resources.files("cupola.scenario") / "catalog.yaml").read_text(encoding="utf-8")
    return Catalog.model_validate(yaml.safe_load(text))


def threat_types(scenario: Deployment) -> dict[str, BallisticThreat | AirBreathingThreat]:
    """Threat types by name: the catalog's, overridden by the scenario's own."""
    types = {t.name: t for t in catalog().threat_types}
    types.update({t.name: t for t in scenario.threat_types})
    return types


def interceptor_types(scenario: Deployment) -> dict[str, InterceptorType]:
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


#: Smallest area an asset or zone outline may enclose, m².
MIN_OUTLINE_AREA_M2 = 1.0


def _encloses_no_area(outline: list[GeoPoint]) -> bool:
    r"""Whether a polygon outline is degenerate: its vertices (nearly) on one line or coincident.

    Vertices go to local meters by the equirectangular approximation
    :math:`x = 111\,320\,\Delta\lambda \cos\varphi_0`, :math:`y = 110\,574\,\Delta\varphi`
    (degrees). The outline is degenerate when every fan triangle :math:`(p_0, p_k, p_{k+1})`
    has area :math:`|(p_k - p_0) \times (p_{k+1} - p_0)| / 2` below ``MIN_OUTLINE_AREA_M2``;
    otherwise some triangle, hence the polygon, spans a real area.
    """
    lat0, lon0 = outline[0].lat, outline[0].lon
    kx = 111_320.0 * math.cos(math.radians(lat0))
    xy = [((p.lon - lon0) * kx, (p.lat - lat0) * 110_574.0) for p in outline[1:]]
    return all(
        abs(ax * by - bx * ay) / 2 < MIN_OUTLINE_AREA_M2
        for (ax, ay), (bx, by) in itertools.pairwise(xy)
    )


def _walk_points(obj: Any, path: str) -> list[tuple[str, GeoPoint]]:
    """Every GeoPoint inside a model, with its dotted path."""
    if isinstance(obj, GeoPoint):
        return [(path, obj)]
    found: list[tuple[str, GeoPoint]] = []
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            found += _walk_points(item, f"{path}.{i}")
    elif isinstance(obj, BaseModel):
        for key in type(obj).model_fields:
            found += _walk_points(getattr(obj, key), f"{path}.{key}" if path else key)
    return found


def check_deployment(sc: Deployment, source: str) -> None:
    """The cross-references and extent of a deployment: unique names and zone ids, known
    interceptor and threat types, outlines that enclose an area, positions within
    :data:`MAX_EXTENT_M` of the origin; :class:`ScenarioError` naming ``source`` otherwise."""

    def unique(names: list[str], field: str) -> None:
        seen: set[str] = set()
        for i, n in enumerate(names):
            if n in seen:
                raise _error(source, f"{field}.{i}.name", f"duplicate name {n!r}")
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
                raise _error(source, f"alert_zones.zones.{i}.zone_id", f"duplicate zone_id {z}")

    ttypes, itypes = threat_types(sc), interceptor_types(sc)
    campaign = isinstance(sc, Scenario) and sc.sustainment is not None
    for i, b in enumerate(sc.batteries):
        for k, ln in enumerate(b.launchers):
            resupplied = b.stock > 0 or b.resupply_rounds_per_hour > 0 or campaign
            if ln.ready_rounds == 0 and ln.capacity is None and resupplied:
                raise _error(
                    source,
                    f"batteries.{i}.launchers.{k}.capacity",
                    "give the capacity of a launcher that starts empty (it reloads from stock, "
                    "resupply or the depot)",
                )
    for i, b in enumerate(sc.batteries):
        if b.interceptor not in itypes:
            raise _error(
                source,
                f"batteries.{i}.interceptor",
                f"unknown interceptor type {b.interceptor!r} (known: {', '.join(sorted(itypes))})",
            )
    for i, it in enumerate(sc.interceptor_types):
        for name in it.sskp_by_threat:
            if name not in ttypes:
                raise _error(
                    source,
                    f"interceptor_types.{i}.sskp_by_threat.{name}",
                    f"unknown threat type {name!r} (known: {', '.join(sorted(ttypes))})",
                )
    for i, name in enumerate(sc.doctrine.threat_library or []):
        if not isinstance(ttypes.get(name), BallisticThreat):
            known = sorted(n for n, t in ttypes.items() if isinstance(t, BallisticThreat))
            raise _error(
                source,
                f"doctrine.threat_library.{i}",
                f"no ballistic threat type {name!r} (known: {', '.join(known)})",
            )
    outlines = [(f"assets.{i}", a.outline) for i, a in enumerate(sc.assets) if a.kind == "area"]
    zones = sc.alert_zones.zones or []
    outlines += [(f"alert_zones.zones.{i}", z.outline) for i, z in enumerate(zones)]
    for path, outline in outlines:
        if _encloses_no_area(outline):
            raise _error(
                source, f"{path}.outline", "encloses no area (its points coincide or lie on a line)"
            )
    points = [(path, p) for path, p in _walk_points(sc, "") if not path.startswith("origin")]
    far = [path for path, p in points if _distance_m(sc.origin, p) > MAX_EXTENT_M]
    if points and len(far) > len(points) / 2:
        raise _error(
            source,
            "origin",
            f"{len(far)} of {len(points)} positions lie more than {MAX_EXTENT_M / 1000:.0f} km "
            "from the origin (lat and lon swapped?)",
        )
    for path, p in points:
        d = _distance_m(sc.origin, p)
        if d > MAX_EXTENT_M:
            raise _error(
                source,
                path,
                f"{d / 1000:.0f} km from the origin; positions must lie within "
                f"{MAX_EXTENT_M / 1000:.0f} km for the local flat frame",
            )


def _check_references(sc: Scenario, source: str) -> None:
    """:func:`check_deployment`, then the clock and the raids: radars no faster than the tick,
    salvos of known threat types aimed at known assets, a campaign's schedule."""
    check_deployment(sc, source)
    ttypes = threat_types(sc)
    assets = {a.name for a in sc.assets}
    for i, r in enumerate(sc.radars):
        if r.revisit_s < sc.sim.dt_s:
            raise _error(
                source,
                f"radars.{i}.revisit_s",
                f"{r.revisit_s:g} s is shorter than the simulation tick "
                f"sim.dt_s ({sc.sim.dt_s:g} s)",
            )
    raids = [("raid", sc.raid)]
    if sc.sustainment is not None:
        _check_schedule(sc, source)
        slots = enumerate(sc.sustainment.raids)
        raids += [(f"sustainment.raids.{k}.raid", r.raid) for k, r in slots if r.raid is not None]
    for where, raid in raids:
        for i, s in enumerate(raid.salvos):
            if s.threat not in ttypes:
                raise _error(
                    source,
                    f"{where}.salvos.{i}.threat",
                    f"unknown threat type {s.threat!r} (known: {', '.join(sorted(ttypes))})",
                )
            if s.aim.asset is not None and s.aim.asset not in assets:
                raise _error(
                    source,
                    f"{where}.salvos.{i}.aim.asset",
                    f"no defended asset named {s.aim.asset!r}",
                )
            if s.waypoints and isinstance(ttypes[s.threat], BallisticThreat):
                raise _error(
                    source,
                    f"{where}.salvos.{i}.waypoints",
                    "ballistic threats do not fly waypoints",
                )


def _check_schedule(sc: Scenario, source: str) -> None:
    """Raids inside the campaign, at most 100,000 threats a salvo once scaled, and never two
    at once: each raid starts after the one before can have ended (``sim.max_time_s``)."""
    sus = sc.sustainment
    assert sus is not None
    for k, slot in enumerate(sus.raids):
        if slot.at_h >= sus.days * 24:
            raise _error(
                source,
                f"sustainment.raids.{k}.at_h",
                f"{slot.at_h:g} h is after the campaign's end ({sus.days:g} days)",
            )
        counts = scaled_counts(slot.raid or sc.raid, slot.count_scale)
        if max(counts) > MAX_SALVO:
            raise _error(
                source,
                f"sustainment.raids.{k}.count_scale",
                f"makes a salvo of {max(counts):,} threats (at most {MAX_SALVO:,})",
            )
    n = raid_count(sus)
    if n > MAX_RAIDS:
        raise _error(
            source,
            "sustainment.repeat_every_h",
            f"makes {n:,} raids (at most {MAX_RAIDS:,})",
        )
    times, slots = raid_times(sus)
    gap_h = sc.sim.max_time_s / 3600
    if times and times[-1] + gap_h > sus.days * 24 + 1e-9:
        raise _error(
            source,
            f"sustainment.raids.{slots[-1]}.at_h",
            f"the raid at {times[-1]:g} h can run past the campaign's end ({sus.days:g} days; "
            f"a raid lasts up to sim.max_time_s = {sc.sim.max_time_s:g} s)",
        )
    for i in range(1, len(times)):
        if times[i] - times[i - 1] < gap_h - 1e-9:
            raise _error(
                source,
                f"sustainment.raids.{slots[i]}.at_h",
                f"the raid at {times[i]:g} h starts {3600 * (times[i] - times[i - 1]):.0f} s "
                f"after the one at {times[i - 1]:g} h, before it can have ended "
                f"(sim.max_time_s = {sc.sim.max_time_s:g} s)",
            )


def load_text(text: str, source: str, base: Path | None = None) -> Scenario:
    """Parse and validate scenario YAML text; ``source`` names it in errors.

    An ``alert_zones.geojson`` file is read relative to ``base`` (default: the working
    directory) and its zones take the place of the reference (:func:`with_zone_file`), so the
    scenario returned is self-contained.
    """
    sc = with_zone_file(validate(_parse_yaml(text, source), source, Scenario), base)
    _check_references(sc, source)
    return sc


def with_zone_file(sc: D, base: Path | None) -> D:
    """``sc`` with the zones of its ``alert_zones.geojson`` file (relative to ``base``) in
    place of the reference (:func:`cupola.scenario.zones.load_zones`), each checked to enclose
    an area within :data:`MAX_EXTENT_M` of the origin; ``sc`` itself without a file."""
    if sc.alert_zones.geojson is None:
        return sc
    path = Path(sc.alert_zones.geojson)
    if not path.is_absolute() and base is not None:
        path = base / path
    zones = load_zones(path)
    for i, z in enumerate(zones):
        if _encloses_no_area(z.outline):
            raise _error(str(path), f"features.{i}.geometry", "encloses no area (too small)")
        d = max(_distance_m(sc.origin, q) for q in z.outline)
        if d > MAX_EXTENT_M:
            raise _error(
                str(path),
                f"features.{i}",
                f"zone {z.zone_id} ({z.name}) lies {d / 1000:.0f} km from the scenario's "
                f"origin (at most {MAX_EXTENT_M / 1000:.0f} km; the wrong file, or "
                "latitude and longitude swapped?)",
            )
    zoned = sc.alert_zones.model_copy(update={"zones": zones, "geojson": None})
    return sc.model_copy(update={"alert_zones": zoned})


def load(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a scenario YAML file by path.

    Raises
    ------
    ScenarioError
        The file is missing, unreadable, not YAML, or not a valid scenario.
    """
    key = str(name_or_path)
    path = Path(key)
    if key in builtin_names() and not path.is_file():
        return load_text(_read_builtin(key), key)
    if not path.exists():
        known = builtin_names()
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise _error(
            key, "", f"no such file, and not a built-in scenario ({hint}known: {', '.join(known)})"
        )
    if path.is_dir():
        raise _error(key, "", "is a directory, not a scenario file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _error(key, "", f"cannot read: {exc}") from None
    return load_text(text, key, path.parent)
