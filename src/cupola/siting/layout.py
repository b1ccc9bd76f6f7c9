"""Layouts as scenarios: batteries at chosen sites, and the naive layout to compare with.

A planned battery is a copy of the scenario's first battery (interceptor, reaction and reload
times, stock, launchers with their rounds) moved to its site: its launchers keep their
offsets from the battery's position. The scenario's own batteries are replaced; its radars,
assets, raid and doctrine are kept. The *naive* layout puts one battery on each of the K most
valuable defended areas (cities), at a point inside each (its centroid when inside); past the
areas, on the most valuable points, then routes (a point on the route), then round again.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.scenario.schema import Battery, GeoPoint3, Scenario
from cupola.sim.world import World


def with_batteries(
    sc: Scenario, world: World, sites: NDArray[np.float64], names: list[str]
) -> Scenario:
    """``sc`` with its batteries replaced by copies of its first at ``sites`` (ENU, m)."""
    template = sc.batteries[0]
    frame = world.frame
    bx, by = frame.to_local(template.position.lon, template.position.lat)
    batteries = []
    for k, (x, y, _) in enumerate(sites):
        launchers = []
        for ln in template.launchers:
            lx, ly = frame.to_local(ln.position.lon, ln.position.lat)
            lon, lat = frame.to_geodetic(x + (float(lx) - float(bx)), y + (float(ly) - float(by)))
            pos = GeoPoint3(
                lat=round(float(lat), 6), lon=round(float(lon), 6), alt_m=ln.position.alt_m
            )
            launchers.append(ln.model_copy(update={"position": pos}))
        lon, lat = frame.to_geodetic(x, y)
        position = GeoPoint3(
            lat=round(float(lat), 6), lon=round(float(lon), 6), alt_m=template.position.alt_m
        )
        batteries.append(
            Battery.model_validate(
                {
                    **template.model_dump(),
                    "name": names[k],
                    "position": position.model_dump(),
                    "launchers": [ln.model_dump() for ln in launchers],
                }
            )
        )
    return sc.model_copy(update={"batteries": batteries})


def naive_sites(world: World, k: int) -> tuple[NDArray[np.float64], list[str]]:
    """(K, 3) sites and names of the naive layout (module docstring)."""
    a = world.assets
    order = sorted(
        range(len(a.names)),
        key=lambda i: ({"area": 0, "point": 1, "route": 2}[a.kinds[i]], -a.values[i], i),
    )
    sites, names = [], []
    for n in range(k):
        i = order[n % len(order)]
        sites.append(asset_site(world, i))
        names.append(
            f"{a.names[i]} battery" + (f" {n // len(order) + 1}" if n >= len(order) else "")
        )
    return np.array(sites, float), names


def asset_site(world: World, i: int) -> list[float]:
    """A site inside defended asset ``i`` (ENU, m): its centroid when inside, else a point of
    it."""
    geom = world.assets.footprints[i]
    c = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
    return [float(c.x), float(c.y), 0.0]
