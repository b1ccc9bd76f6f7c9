"""Alert zones from a GeoJSON file (RFC 7946), checked feature by feature.

A scenario names the file under ``alert_zones.geojson`` (relative to the scenario file). The
file is a ``FeatureCollection`` whose features are ``Polygon`` geometries in longitude and
latitude (WGS84 degrees, RFC 7946 §4), each with ``properties.zone_id`` (a non-negative
integer, unique) and ``properties.name`` (text)::

    {"type": "FeatureCollection", "features": [
      {"type": "Feature",
       "properties": {"zone_id": 101, "name": "Sderot north"},
       "geometry": {"type": "Polygon",
                    "coordinates": [[[34.59, 31.53], [34.61, 31.53], [34.61, 31.55],
                                     [34.59, 31.54], [34.59, 31.53]]]}}]}

The outer ring is the zone (holes are not used). Every problem is one :class:`ScenarioError`
naming the file, the feature and the reason: not JSON, not a feature collection, a geometry
that is not a polygon, an empty or self-intersecting ring, coordinates that are not
longitude/latitude (projected metres, or swapped), a missing, negative or duplicate
``zone_id``, a missing name.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import shapely
from shapely.validation import explain_validity

from cupola.core.files import one_line
from cupola.errors import ScenarioError
from cupola.scenario.schema import AlertZone, GeoPoint

#: Largest number of zones in a file (Israel's warning map has about 1,700).
MAX_ZONES = 10_000


#: Largest zone id (it must fit a 64-bit integer).
MAX_ZONE_ID = 2**63 - 1


def _error(source: str, field: str, reason: str) -> ScenarioError:
    return ScenarioError(one_line(source), one_line(field), one_line(reason))


def read_features(path: Path, most: int, what: str = "features") -> list[Any]:
    """The non-empty ``features`` list of a GeoJSON ``FeatureCollection`` file, at most
    ``most`` of them (``what`` names them in the message); :class:`ScenarioError` naming the
    file when it is missing, unreadable or not one."""
    source = str(path)
    try:
        if not path.is_file():
            raise _error(source, "", "no such file" if not path.exists() else "not a file")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _error(source, "", f"cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _error(source, "", f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except (ValueError, RecursionError) as exc:  # huge integers, absurd nesting
        raise _error(source, "", f"not usable JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise _error(source, "type", "expected a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise _error(source, "features", "expected a non-empty list of features")
    if len(features) > most:
        raise _error(source, "features", f"{len(features)} {what} (at most {most})")
    return features


def load_zones(path: Path) -> list[AlertZone]:
    """Alert zones from a GeoJSON file (module docstring).

    Raises
    ------
    ScenarioError
        Missing or unreadable file, not JSON, or a feature that breaks a rule.
    """
    source = str(path)
    features = read_features(path, MAX_ZONES, "zones")
    zones: list[AlertZone] = []
    seen: dict[int, int] = {}
    for i, feature in enumerate(features):
        zone = _zone(source, f"features.{i}", feature)
        if zone.zone_id in seen:
            raise _error(
                source,
                f"features.{i}.properties.zone_id",
                f"duplicate zone_id {zone.zone_id} (also features.{seen[zone.zone_id]})",
            )
        seen[zone.zone_id] = i
        zones.append(zone)
    return zones


def _zone(source: str, where: str, feature: Any) -> AlertZone:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _error(source, where, "expected a GeoJSON Feature")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise _error(source, f"{where}.properties", "missing (a zone_id and a name are needed)")
    zone_id = props.get("zone_id")
    if isinstance(zone_id, bool) or not isinstance(zone_id, int) or not 0 <= zone_id <= MAX_ZONE_ID:
        raise _error(
            source,
            f"{where}.properties.zone_id",
            "expected a non-negative integer zone_id (below 2**63)",
        )
    name = props.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _error(source, f"{where}.properties.name", "expected a non-empty name")
    geom = feature.get("geometry")
    if not isinstance(geom, dict) or geom.get("type") != "Polygon":
        kind = geom.get("type") if isinstance(geom, dict) else None
        raise _error(
            source,
            f"{where}.geometry",
            f"expected a Polygon, found {kind or 'no geometry'}"
            + (" (split it into one zone per part)" if kind == "MultiPolygon" else ""),
        )
    outline = polygon(source, where, geom)
    return AlertZone(
        zone_id=zone_id,
        name=name.strip()[:120],
        outline=[GeoPoint(lon=x, lat=y) for x, y in outline[:-1]],
    )


def polygon(source: str, where: str, geom: dict[str, Any]) -> list[tuple[float, float]]:
    """The closed outer ring of a GeoJSON ``Polygon`` geometry, ``(lon, lat)``: at least three
    distinct corners, not self-intersecting, enclosing an area; :class:`ScenarioError` naming
    ``where`` (the feature) otherwise."""
    rings = geom.get("coordinates")
    if not isinstance(rings, list) or not rings or not isinstance(rings[0], list):
        raise _error(source, f"{where}.geometry.coordinates", "empty polygon")
    outline = ring(source, f"{where}.geometry.coordinates.0", rings[0])
    if len(set(outline[:-1])) < 3:
        raise _error(source, f"{where}.geometry", "empty polygon (fewer than 3 distinct corners)")
    poly = shapely.Polygon(outline)
    if not poly.is_valid:
        raise _error(source, f"{where}.geometry", f"invalid polygon: {explain_validity(poly)}")
    if poly.area == 0.0:
        raise _error(source, f"{where}.geometry", "empty polygon (it encloses no area)")
    return outline


def position(source: str, where: str, p: Any) -> tuple[float, float]:
    """A GeoJSON position as ``(lon, lat)`` in degrees; :class:`ScenarioError` otherwise."""
    ok = isinstance(p, list) and len(p) >= 2  # extra values (altitude, ...) are ignored
    ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in p[:2])
    ok = ok and all(abs(v) <= 1e300 for v in p[:2])  # before float(): huge ints overflow
    if not ok or not all(math.isfinite(float(v)) for v in p[:2]):
        raise _error(source, where, "expected a [longitude, latitude] pair of numbers")
    lon, lat = float(p[0]), float(p[1])
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise _error(
            source,
            where,
            f"[{lon:g}, {lat:g}] is not longitude/latitude in degrees "
            "(GeoJSON is WGS84 longitude first; projected metres are not accepted)",
        )
    return lon, lat


def ring(source: str, where: str, coords: list[Any]) -> list[tuple[float, float]]:
    """A closed GeoJSON linear ring of ``(lon, lat)`` positions; :class:`ScenarioError`
    naming ``where`` otherwise."""
    points = [position(source, f"{where}.{k}", p) for k, p in enumerate(coords)]
    if len(points) < 4:
        raise _error(source, where, "empty polygon (a ring needs at least 4 positions)")
    if points[0] != points[-1]:
        raise _error(source, where, "the ring is not closed (first and last positions differ)")
    return points
