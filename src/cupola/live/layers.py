"""The scenario's fixed layers for the live map, as GeoJSON (``GET /api/scenario``).

``assets`` (areas and routes as drawn, point assets as their circles; ``name``, ``kind``,
``value``), ``zones`` (``zone_id``, ``name``), ``radars`` (their coverage circle of
``max_range_m``, with ``name``) and ``batteries`` (points with ``name``). Geometries go from the
scenario's local frame to WGS84 longitude/latitude, rounded to 1e-6 degrees.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
import shapely.geometry
from shapely.geometry.base import BaseGeometry

from cupola.sim.world import World


def layers(world: World) -> dict[str, Any]:
    """The four FeatureCollections of ``world`` (module docstring)."""
    a = world.assets
    assets = [
        _feature(world, g, {"name": n, "kind": k, "value": float(v)})
        for n, k, v, g in zip(a.names, a.kinds, a.values, a.footprints, strict=True)
    ]
    z = world.zones
    zones = [
        _feature(world, g, {"zone_id": int(i), "name": n})
        for i, n, g in zip(z.ids.tolist(), z.names, z.polygons, strict=True)
    ]
    radars = [
        _feature(
            world,
            shapely.Point(r.position[0], r.position[1]).buffer(r.max_range_m, quad_segs=32),
            {"name": spec.name},
        )
        for r, spec in zip(world.radars, world.scenario.radars, strict=True)
    ]
    u = world.units
    batteries = [
        _feature(world, shapely.Point(p[0], p[1]), {"name": n})
        for n, p in zip(u.battery_names, u.battery_pos, strict=True)
    ]
    x0, y0, x1, y1 = shapely.union_all(list(a.footprints)).bounds
    lon, lat = world.frame.to_geodetic([x0, x1], [y0, y1])
    return {
        "name": world.scenario.name,
        "bounds": [[float(lon[0]), float(lat[0])], [float(lon[1]), float(lat[1])]],
        "assets": _collection(assets),
        "zones": _collection(zones),
        "radars": _collection(radars),
        "batteries": _collection(batteries),
    }


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _feature(world: World, geom: BaseGeometry, props: dict[str, Any]) -> dict[str, Any]:
    def to_lonlat(xy: Any) -> Any:
        lon, lat = world.frame.to_geodetic(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([lon, lat]), 6)

    g = shapely.transform(geom, to_lonlat)
    return {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(g)}
