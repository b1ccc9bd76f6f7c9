"""Defended assets from a GeoJSON file (RFC 7946), checked feature by feature.

``cupola feed --assets ASSETS.geojson`` reads one. The file is a ``FeatureCollection`` in
longitude and latitude (WGS84 degrees); a feature's geometry gives the kind of asset and its
``properties`` the rest (other properties are ignored, as GIS tools add their own)::

    {"type": "FeatureCollection", "features": [
      {"type": "Feature", "properties": {"name": "Sderot", "value": 100},
       "geometry": {"type": "Polygon", "coordinates": [[[34.59, 31.52], [34.61, 31.52],
                                                        [34.61, 31.54], [34.59, 31.52]]]}},
      {"type": "Feature", "properties": {"name": "Substation", "value": 40, "radius_m": 150},
       "geometry": {"type": "Point", "coordinates": [34.57, 31.51]}},
      {"type": "Feature", "properties": {"name": "Route 34", "value_per_km": 2, "width_m": 30},
       "geometry": {"type": "LineString", "coordinates": [[34.55, 31.50], [34.62, 31.56]]}}]}

=============  ======================  =============================================
geometry       asset                   properties
=============  ======================  =============================================
``Polygon``    area (a town)           ``name``, ``value``
``Point``      point with a radius     ``name``, ``value``, ``radius_m``
``LineString`` route with a width      ``name``, ``value_per_km``, ``width_m``
=============  ======================  =============================================

These are the scenario's ``assets`` kinds (:mod:`cupola.scenario.schema`) with the same
rules. Every problem is one :class:`~cupola.errors.ScenarioError` naming the file, the feature
and the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cupola.core.files import validate_model
from cupola.errors import ScenarioError
from cupola.scenario.schema import AreaAsset, PointAsset, RouteAsset
from cupola.scenario.zones import polygon, position, read_features

#: Largest number of assets in a file.
MAX_ASSETS = 10_000

Asset = AreaAsset | PointAsset | RouteAsset

#: Each geometry's kind of asset, its model and the properties it takes.
KINDS: dict[str, tuple[str, type[Asset], tuple[str, ...]]] = {
    "Polygon": ("area", AreaAsset, ("name", "value")),
    "Point": ("point", PointAsset, ("name", "value", "radius_m")),
    "LineString": ("route", RouteAsset, ("name", "value_per_km", "width_m")),
}


def load_assets(path: Path) -> list[Asset]:
    """Defended assets from a GeoJSON file (module docstring).

    Raises
    ------
    ScenarioError
        Missing or unreadable file, not JSON, or a feature that breaks a rule.
    """
    source = str(path)
    return [
        _asset(source, f"features.{i}", f)
        for i, f in enumerate(read_features(path, MAX_ASSETS, "assets"))
    ]


def _asset(source: str, where: str, feature: Any) -> Asset:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ScenarioError(source, where, "expected a GeoJSON Feature")
    geom = feature.get("geometry")
    kind = geom.get("type") if isinstance(geom, dict) else None
    if not isinstance(geom, dict) or kind not in KINDS:
        raise ScenarioError(
            source,
            f"{where}.geometry",
            f"expected a Polygon, Point or LineString, found {kind or 'no geometry'}"
            + (" (split it into one asset per part)" if str(kind).startswith("Multi") else ""),
        )
    name, model, keys = KINDS[kind]
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise ScenarioError(source, f"{where}.properties", f"missing (give {', '.join(keys)})")
    data = {k: props[k] for k in keys if k in props} | {"kind": name}
    if kind == "Polygon":
        data["outline"] = _points(polygon(source, where, geom)[:-1])
    elif kind == "Point":
        at = position(source, f"{where}.geometry.coordinates", geom.get("coordinates"))
        data["position"] = _points([at])[0]
    else:
        data["line"] = _points(_line(source, where, geom))
    try:
        return validate_model(model, data, source, ScenarioError)
    except ScenarioError as exc:
        raise ScenarioError(source, f"{where}.properties.{exc.field}", exc.reason) from None


def _line(source: str, where: str, geom: dict[str, Any]) -> list[tuple[float, float]]:
    coords = geom.get("coordinates")
    if not isinstance(coords, list):
        raise ScenarioError(source, f"{where}.geometry.coordinates", "expected a list of positions")
    points = [
        position(source, f"{where}.geometry.coordinates.{k}", p) for k, p in enumerate(coords)
    ]
    if len(set(points)) < 2:
        raise ScenarioError(source, f"{where}.geometry", "a line needs two distinct positions")
    return points


def _points(lonlat: list[tuple[float, float]]) -> list[dict[str, float]]:
    return [{"lon": lon, "lat": lat} for lon, lat in lonlat]
