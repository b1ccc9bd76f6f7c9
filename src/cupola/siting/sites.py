"""Candidate sites: GeoJSON points, or a grid over the defended area; excluded areas removed.

A candidates file is a GeoJSON ``FeatureCollection`` of ``Point`` features (longitude,
latitude; an optional ``properties.name``). An exclusion file is a ``FeatureCollection`` of
``Polygon`` features (say water, built-up land, another army's ground); a candidate inside or
on one is dropped. Without a candidates file, the sites are the centres of a square grid over
the defended assets' bounding box grown by ``margin_m``, ``spacing_m`` apart (by default the
spacing that gives about :data:`GRID_SITES` sites), and one site inside each defended asset (where
the naive layout puts its batteries, :func:`.layout.asset_site`). Every problem is one
:class:`cupola.errors.InputError` naming the file, the feature and the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from cupola.core.files import input_error
from cupola.scenario.zones import position, read_features, ring
from cupola.sim.world import World
from cupola.siting.layout import asset_site

#: Sites of the default grid, about.
GRID_SITES = 200
#: Most candidate sites.
MAX_SITES = 20_000


@dataclass(frozen=True)
class Candidates:
    """S candidate sites.

    Attributes
    ----------
    pos : (S, 3) float64
        ENU, m (on the ground).
    names : list of str
    """

    pos: NDArray[np.float64]
    names: list[str]


def _features(path: Path, kind: str) -> list[dict[str, Any]]:
    """The features of the file (:func:`cupola.scenario.zones.read_features`), each with a
    ``kind`` geometry (``Point``, ``Polygon``)."""
    source = str(path)
    out = []
    for i, f in enumerate(read_features(path, MAX_SITES)):
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise input_error(source, f"features.{i}", "expected a GeoJSON Feature")
        geom = f.get("geometry")
        if not isinstance(geom, dict):
            raise input_error(source, f"features.{i}.geometry", "missing")
        if geom.get("type") != kind:
            raise input_error(
                source, f"features.{i}.geometry", f"expected a {kind}, found {geom.get('type')}"
            )
        out.append(f)
    return out


def read_candidates(path: Path, world: World) -> Candidates:
    """Candidate sites from a GeoJSON file of points (module docstring)."""
    source = str(path)
    lonlat, names = [], []
    for i, f in enumerate(_features(path, "Point")):
        coords = f["geometry"].get("coordinates")
        lonlat.append(position(source, f"features.{i}.geometry.coordinates", coords))
        props = f.get("properties")
        name = props.get("name") if isinstance(props, dict) else None
        names.append(str(name)[:120] if isinstance(name, str) and name.strip() else f"site {i}")
    lon, lat = np.array(lonlat).T
    x, y = world.frame.to_local(lon, lat)
    return Candidates(np.column_stack([x, y, np.zeros(len(x))]), names)


def read_exclusions(path: Path, world: World) -> BaseGeometry:
    """The union of a GeoJSON file's polygons, in the local frame (module docstring)."""
    source = str(path)
    polys = []
    for i, f in enumerate(_features(path, "Polygon")):
        rings = f["geometry"].get("coordinates")
        if not isinstance(rings, list) or not rings:
            raise input_error(source, f"features.{i}.geometry.coordinates", "empty polygon")
        parts = []
        for r, coords in enumerate(rings):
            outline = np.array(ring(source, f"features.{i}.geometry.coordinates.{r}", coords))
            x, y = world.frame.to_local(outline[:, 0], outline[:, 1])
            parts.append(np.column_stack([x, y]))
        poly = shapely.Polygon(parts[0], parts[1:])  # the outer ring, then its holes
        if not poly.is_valid or poly.area == 0.0:
            raise input_error(source, f"features.{i}.geometry", "not a valid polygon with an area")
        polys.append(poly)
    return shapely.union_all(polys)


def grid(world: World, margin_m: float, spacing_m: float | None = None) -> Candidates:
    """Sites on a square grid over the assets' bounding box grown by ``margin_m``, and one in each
    defended asset."""
    x0, y0, x1, y1 = shapely.union_all(world.assets.footprints).bounds
    x0, y0, x1, y1 = x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m
    if spacing_m is None:
        spacing_m = math.sqrt((x1 - x0) * (y1 - y0) / GRID_SITES)
    nx = max(1, round((x1 - x0) / spacing_m))
    ny = max(1, round((y1 - y0) / spacing_m))
    if nx * ny > MAX_SITES:
        raise input_error(
            "--grid-m", "", f"{spacing_m:g} m makes {nx * ny:,} sites (at most {MAX_SITES:,})"
        )
    xs = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
    ys = y0 + (np.arange(ny) + 0.5) * (y1 - y0) / ny
    gx, gy = np.meshgrid(xs, ys)
    pos = np.column_stack([gx.ravel(), gy.ravel(), np.zeros(gx.size)])
    names = [f"grid {i}" for i in range(len(pos))]
    at = [asset_site(world, i) for i in range(len(world.assets.names))]
    return Candidates(np.vstack([pos, at]), names + [f"at {n}" for n in world.assets.names])


def exclude(c: Candidates, area: BaseGeometry | None) -> Candidates:
    """``c`` without the sites inside or on ``area``."""
    if area is None:
        return c
    inside = shapely.intersects(area, shapely.points(c.pos[:, :2]))
    keep = np.flatnonzero(~inside)
    return Candidates(c.pos[keep], [c.names[i] for i in keep])
