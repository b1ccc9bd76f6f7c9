"""The numeric world of a run: a validated scenario compiled into arrays in the local frame.

Compilation happens once, before the clock starts; the tick never touches pydantic models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from cupola.assess.ballistic_filter import BETA_RANGE
from cupola.assess.identify import ThreatLibrary
from cupola.core.frames import LocalFrame
from cupola.engage.base import InterceptorTypes
from cupola.errors import ScenarioError
from cupola.scenario.load import interceptor_types, threat_types
from cupola.scenario.schema import (
    AirBreathingThreat,
    AreaAsset,
    BallisticThreat,
    Deployment,
    GeoPoint,
    GeoPoint3,
    PointAsset,
    RouteAsset,
    Scenario,
)
from cupola.sensors.base import RadarParams
from cupola.tracking.base import TrackerParams
from cupola.tracking.replay import tracker_params

FloatArray = NDArray[np.float64]

#: Most alert zones a default grid may have (Israel's national map has about 1,700).
MAX_GRID_ZONES = 20_000


@dataclass(frozen=True)
class Assets:
    """Defended assets, A of them, as shapely geometries in the local frame.

    Attributes
    ----------
    names : list of str
    kinds : list of str
        ``area``, ``point`` or ``route``.
    values : (A,) float64
        Value of one hit on the asset (routes: value per km times length in km).
    footprints : list of shapely geometries
        Area polygon; point buffered by its radius; route buffered by half its width.
    """

    names: list[str]
    kinds: list[str]
    values: FloatArray
    footprints: list[BaseGeometry]


@dataclass(frozen=True)
class Zones:
    """Alert zones, Z of them: ids, names and polygons in the local frame."""

    ids: NDArray[np.int64]
    names: list[str]
    polygons: list[BaseGeometry]


@dataclass(frozen=True)
class FireUnits:
    """Launchers (L rows) and their batteries (B rows).

    Attributes
    ----------
    pos : (L, 3) float64
        Launcher positions, ENU, m.
    battery : (L,) int64
        Battery of each launcher.
    itype : (L,) int64
        Interceptor type of each launcher (its battery's).
    ready : (L,) int64
        Rounds on the launcher at the start.
    capacity : (L,) int64
        Rounds a full launcher holds (its ``capacity``, by default its starting load).
    names : list of str
        ``"<battery>/L<k>"`` per launcher.
    battery_names : list of str
    battery_pos : (B, 3) float64
    reaction_s, interval_s, reload_s : (B,) float64
        Reaction time, launch interval and reload time of each battery, s.
    stock : (B,) int64
        Rounds in reserve at the start.
    resupply_per_s : (B,) float64
        Rounds delivered to each battery's stock per second.
    channels : (B,) int64
        Interceptors each battery can guide at once.
    """

    pos: FloatArray
    battery: NDArray[np.int64]
    itype: NDArray[np.int64]
    ready: NDArray[np.int64]
    capacity: NDArray[np.int64]
    names: list[str]
    battery_names: list[str]
    battery_pos: FloatArray
    reaction_s: FloatArray
    interval_s: FloatArray
    reload_s: FloatArray
    stock: NDArray[np.int64]
    resupply_per_s: FloatArray
    channels: NDArray[np.int64]


@dataclass(frozen=True)
class ThreatTypes:
    """The scenario's threat types in use, K of them."""

    names: list[str]
    air_breathing: NDArray[np.bool_]
    lethal_radius_m: FloatArray
    cost_usd: FloatArray
    models: list[Any]


@dataclass(frozen=True)
class World:
    """Everything static about a run, compiled from a scenario (or, for a live feed, from a
    deployment with no raid)."""

    scenario: Deployment
    frame: LocalFrame
    assets: Assets
    zones: Zones
    radars: list[RadarParams]
    interceptors: InterceptorTypes
    interceptor_names: list[str]
    units: FireUnits
    threat_types: ThreatTypes
    tracker: TrackerParams
    #: The ballistic types the battle manager identifies tracks as (doctrine.threat_library).
    library: ThreatLibrary

    @property
    def raid_scenario(self) -> Scenario:
        """The scenario, with its raid and clock; what simulating needs.

        Raises
        ------
        TypeError
            The world is a live feed's deployment, which has no raid to simulate.
        """
        if not isinstance(self.scenario, Scenario):
            raise TypeError(f"{self.scenario.name}: a deployment with no raid to simulate")
        return self.scenario

    def local(self, p: GeoPoint) -> FloatArray:
        """(3,) ENU position of a scenario point (altitude 0 unless it has one)."""
        x, y = self.frame.to_local(p.lon, p.lat)
        z = p.alt_m if isinstance(p, GeoPoint3) else 0.0
        return np.array([float(x), float(y), z])


def _xy(frame: LocalFrame, pts: list[GeoPoint]) -> FloatArray:
    x, y = frame.to_local([p.lon for p in pts], [p.lat for p in pts])
    return np.column_stack([x, y])


def _assets(sc: Deployment, frame: LocalFrame) -> Assets:
    names: list[str] = []
    kinds: list[str] = []
    values: list[float] = []
    shapes: list[BaseGeometry] = []
    for a in sc.assets:
        geom: BaseGeometry
        if isinstance(a, AreaAsset):
            geom = shapely.make_valid(shapely.Polygon(_xy(frame, a.outline)))
            value = a.value
        elif isinstance(a, PointAsset):
            geom = shapely.Point(_xy(frame, [a.position])[0]).buffer(a.radius_m)
            value = a.value
        else:
            assert isinstance(a, RouteAsset)
            line = shapely.LineString(_xy(frame, a.line))
            geom = line.buffer(a.width_m / 2, cap_style="flat")
            value = a.value_per_km * line.length / 1000.0
        names.append(a.name)
        kinds.append(a.kind)
        values.append(value)
        shapes.append(geom)
    return Assets(names, kinds, np.array(values, float), shapes)


def _zones(sc: Deployment, frame: LocalFrame, assets: Assets, source: str) -> Zones:
    cfg = sc.alert_zones
    if cfg.zones is not None:
        polys = [shapely.Polygon(_xy(frame, z.outline)) for z in cfg.zones]
        return Zones(
            np.array([z.zone_id for z in cfg.zones], np.int64), [z.name for z in cfg.zones], polys
        )
    # Default: a square grid over the defended assets (their bounds plus one cell).
    g = cfg.grid_m
    x0, y0, x1, y1 = shapely.union_all(assets.footprints).bounds
    xs = np.arange(np.floor(x0 / g) - 1, np.ceil(x1 / g) + 1) * g
    ys = np.arange(np.floor(y0 / g) - 1, np.ceil(y1 / g) + 1) * g
    if len(xs) * len(ys) > MAX_GRID_ZONES:
        raise ScenarioError(
            source,
            "alert_zones.grid_m",
            f"a {g:g} m grid over the assets makes {len(xs) * len(ys)} zones "
            f"(at most {MAX_GRID_ZONES}); use a larger cell",
        )
    gx, gy = np.meshgrid(xs, ys)
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + g, gy.ravel() + g)
    n = len(boxes)
    cols = len(xs)
    names = [f"grid {k // cols:02d}-{k % cols:02d}" for k in range(n)]
    return Zones(np.arange(n, dtype=np.int64), names, list(boxes))


def _interceptors(sc: Deployment, threats: list[str]) -> tuple[InterceptorTypes, list[str]]:
    """The interceptor types in use; ``threats`` names the columns of ``sskp_threat``."""
    used = sorted({b.interceptor for b in sc.batteries})
    models = [interceptor_types(sc)[n] for n in used]

    def col(attr: str) -> FloatArray:
        return np.array([getattr(m, attr) for m in models], float)

    columns = [f for f in InterceptorTypes.__dataclass_fields__ if f != "sskp_threat"]
    by_threat = [[m.sskp_by_threat.get(n, m.sskp) for n in threats] for m in models]
    types = InterceptorTypes(
        **{f: col(f) for f in columns},  # every other field is a column
        sskp_threat=np.array(by_threat, float).reshape(len(models), len(threats)),
    )
    return types, used


def _units(sc: Deployment, frame: LocalFrame, inames: list[str]) -> FireUnits:
    pos, battery, itype, ready, capacity, names = [], [], [], [], [], []
    for b_idx, b in enumerate(sc.batteries):
        for k, ln in enumerate(b.launchers):
            x, y = frame.to_local(ln.position.lon, ln.position.lat)
            pos.append([float(x), float(y), ln.position.alt_m])
            battery.append(b_idx)
            itype.append(inames.index(b.interceptor))
            ready.append(ln.ready_rounds)
            capacity.append(ln.capacity if ln.capacity is not None else ln.ready_rounds)
            names.append(f"{b.name}/L{k + 1}")
    bpos = [
        [*map(float, frame.to_local(b.position.lon, b.position.lat)), b.position.alt_m]
        for b in sc.batteries
    ]
    ready_arr = np.array(ready, np.int64)
    return FireUnits(
        pos=np.array(pos, float).reshape(-1, 3),
        battery=np.array(battery, np.int64),
        itype=np.array(itype, np.int64),
        ready=ready_arr,
        capacity=np.array(capacity, np.int64),
        names=names,
        battery_names=[b.name for b in sc.batteries],
        battery_pos=np.array(bpos, float).reshape(-1, 3),
        reaction_s=np.array([b.reaction_time_s for b in sc.batteries], float),
        interval_s=np.array([b.launch_interval_s for b in sc.batteries], float),
        reload_s=np.array([b.reload_time_s for b in sc.batteries], float),
        stock=np.array([b.stock for b in sc.batteries], np.int64),
        resupply_per_s=np.array([b.resupply_rounds_per_hour / 3600.0 for b in sc.batteries]),
        channels=np.array(
            [
                b.guidance_channels if b.guidance_channels is not None else 2**31
                for b in sc.batteries
            ],
            np.int64,
        ),
    )


def _radars(sc: Deployment, frame: LocalFrame) -> list[RadarParams]:
    out = []
    for i, r in enumerate(sc.radars):
        x, y = frame.to_local(r.position.lon, r.position.lat)
        out.append(
            RadarParams(
                radar_id=i,
                position=np.array([float(x), float(y), r.position.alt_m]),
                max_range_m=r.max_range_m,
                revisit_s=r.revisit_s,
                sigma_range_m=r.sigma_range_m,
                sigma_azimuth_rad=r.sigma_azimuth_rad,
                sigma_elevation_rad=r.sigma_elevation_rad,
                reference_range_m=r.reference_range_m,
                reference_rcs_m2=r.reference_rcs_m2,
                reference_pd=r.reference_pd,
                false_alarm_probability=r.false_alarm_probability,
                false_plots_per_scan=r.false_plots_per_scan,
                min_elevation_rad=r.min_elevation_rad,
                clutter_max_elevation_rad=r.clutter_max_elevation_rad,
            )
        )
    return out


def _threat_types(sc: Deployment) -> ThreatTypes:
    lib = threat_types(sc)
    # A scenario's raid fixes the types in the air; a live feed may see any it knows.
    names = {s.threat for s in sc.raid.salvos} if isinstance(sc, Scenario) else threat_types(sc)
    used = sorted(names)
    models = [lib[n] for n in used]
    return ThreatTypes(
        names=used,
        air_breathing=np.array([isinstance(m, AirBreathingThreat) for m in models]),
        lethal_radius_m=np.array([m.warhead_lethal_radius_m for m in models], float),
        cost_usd=np.array([m.cost_usd for m in models], float),
        models=models,
    )


def _library(sc: Deployment) -> ThreatLibrary:
    known = {n: t for n, t in threat_types(sc).items() if isinstance(t, BallisticThreat)}
    names = sorted(known) if sc.doctrine.threat_library is None else sc.doctrine.threat_library
    return ThreatLibrary.build(
        names,
        [known[n].burnout_speed_mps for n in names],
        [min(known[n].ballistic_coefficient_kg_m2, BETA_RANGE[1]) for n in names],
    )


def compile_world(sc: Deployment, source: str | None = None) -> World:
    """Compile a validated scenario into the arrays and geometries the engine runs on.

    Raises
    ------
    ScenarioError
        A valid scenario the engine cannot run (too many default alert zones), naming
        ``source`` (default: the scenario's name).
    """
    frame = LocalFrame(sc.origin.lat, sc.origin.lon)
    assets = _assets(sc, frame)
    ttypes = _threat_types(sc)
    itypes, inames = _interceptors(sc, ttypes.names)
    return World(
        scenario=sc,
        frame=frame,
        assets=assets,
        zones=_zones(sc, frame, assets, source or sc.name),
        radars=_radars(sc, frame),
        interceptors=itypes,
        interceptor_names=inames,
        units=_units(sc, frame, inames),
        threat_types=ttypes,
        tracker=tracker_params(sc.tracker),
        library=_library(sc),
    )
