"""The raid: salvos of the scenario drawn into the threat table before the clock starts.

Per salvo, with its own stream spawned from the ``raid`` stream: launch times uniform over
the salvo's window, launch points uniform over its launch disc, aim points from its aim (a
disc, an asset's
representative point, or one of its points) plus the aim error (Gaussian per ground axis).
Ballistic threats get the launch velocity whose drag-affected trajectory lands on that point
(:func:`cupola.threats.launch.solve_launch`); air-breathing threats start at cruise altitude
over their launch point and fly the salvo's waypoints to it.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

from cupola.scenario.schema import AirBreathingThreat, BallisticThreat, Disc, Salvo
from cupola.sim.world import World
from cupola.threats.base import AIR_BREATHING, BALLISTIC, WAITING, ThreatTable
from cupola.threats.launch import solve_launch

FloatArray = NDArray[np.float64]


def _disc(world: World, d: Disc, n: int, rng: np.random.Generator) -> FloatArray:
    """(n, 2) points uniform in a disc."""
    c = world.local(d.center)[:2]
    r = d.radius_m * np.sqrt(rng.random(n))
    a = 2 * np.pi * rng.random(n)
    return np.column_stack([c[0] + r * np.sin(a), c[1] + r * np.cos(a)])


def _aim(world: World, s: Salvo, n: int, rng: np.random.Generator) -> FloatArray:
    aim = s.aim
    if aim.area is not None:
        pts = _disc(world, aim.area, n, rng)
    elif aim.asset is not None:
        geom = world.assets.footprints[world.assets.names.index(aim.asset)]
        c = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
        pts = np.repeat([[c.x, c.y]], n, axis=0)
    else:
        assert aim.points is not None
        choices = np.array([world.local(p)[:2] for p in aim.points])
        pts = choices[rng.integers(0, len(choices), n)]
    return pts + rng.normal(0.0, aim.error_m, (n, 2)) if aim.error_m > 0 else pts


def build_threats(
    world: World, rng: np.random.Generator
) -> tuple[ThreatTable, NDArray[np.int64], NDArray[np.bool_]]:
    """Draw every threat of the raid.

    Returns
    -------
    threats : ThreatTable
        N rows, all ``WAITING``, in salvo order.
    salvo : (N,) int64
        Salvo index of each row.
    reachable : (N,) bool
        Whether each ballistic row can reach its aim point (the others fall short, fired at
        their maximum-range elevation); always true for air-breathing rows.
    """
    sc = world.raid_scenario
    types = world.threat_types
    n_wp = 1 + max(len(s.waypoints) for s in sc.raid.salvos)
    parts: list[dict[str, NDArray[np.generic]]] = []
    # One stream per salvo: changing one salvo does not change the others' draws.
    salvo_rngs = rng.spawn(len(sc.raid.salvos))
    for si, (s, srng) in enumerate(zip(sc.raid.salvos, salvo_rngs, strict=True)):
        n = s.count
        k = types.names.index(s.threat)
        model = types.models[k]
        times = np.sort(s.start_s + s.duration_s * srng.random(n))
        launch = _disc(world, s.launch_area, n, srng)
        target = np.column_stack([_aim(world, s, n, srng), np.zeros(n)])
        wps = np.repeat(target[:, None, :], n_wp, axis=1)
        if isinstance(model, BallisticThreat):
            beta = model.ballistic_coefficient_kg_m2
            pos = np.column_stack([launch, np.zeros(n)])
            vel, ok = solve_launch(
                pos,
                target,
                np.full(n, model.burnout_speed_mps),
                np.full(n, beta),
                np.full(n, model.lofted),
            )
            kind, speed, dive = BALLISTIC, np.nan, np.nan
            beta_col = np.full(n, beta)
            reach = np.asarray(ok, bool)
        else:
            assert isinstance(model, AirBreathingThreat)
            alt = model.cruise_altitude_m
            pos = np.column_stack([launch, np.full(n, alt)])
            route = [world.local(w) for w in s.waypoints]
            for j, w in enumerate(route):
                wps[:, j] = [w[0], w[1], w[2] if w[2] > 0 else alt]
            first = wps[:, 0].copy()
            first[:, 2] = np.where(len(route) > 0, first[:, 2], alt)
            d = first - pos
            vel = model.cruise_speed_mps * d / np.linalg.norm(d, axis=1, keepdims=True)
            kind, speed, dive = (
                AIR_BREATHING,
                model.cruise_speed_mps,
                np.radians(model.dive_angle_deg),
            )
            beta_col = np.full(n, np.inf)
            reach = np.ones(n, bool)
        parts.append(
            {
                "pos": pos,
                "vel": vel,
                "kind": np.full(n, kind, np.int8),
                "type_idx": np.full(n, k, np.int64),
                "launch_time": times,
                "beta": beta_col,
                "rcs": np.full(n, model.rcs_m2),
                "speed": np.full(n, speed),
                "dive_angle": np.full(n, dive),
                "waypoints": wps,
                "aim": target,
                "salvo": np.full(n, si, np.int64),
                "reachable": reach,
            }
        )
    cat = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    n_all = len(cat["pos"])
    table = ThreatTable(
        pos=cat["pos"].astype(float),
        vel=cat["vel"].astype(float),
        fate=np.full(n_all, WAITING, np.int8),
        kind=cat["kind"].astype(np.int8),
        type_idx=cat["type_idx"].astype(np.int64),
        launch_time=cat["launch_time"].astype(float),
        beta=cat["beta"].astype(float),
        rcs=cat["rcs"].astype(float),
        speed=cat["speed"].astype(float),
        dive_angle=cat["dive_angle"].astype(float),
        waypoints=cat["waypoints"].astype(float),
        wp_index=np.zeros(n_all, np.int64),
        aim=cat["aim"].astype(float),
        impact_time=np.full(n_all, np.nan),
    )
    return table, cat["salvo"].astype(np.int64), cat["reachable"].astype(bool)


def raid_warnings(
    world: World, salvo: NDArray[np.int64], reachable: NDArray[np.bool_]
) -> list[tuple[str, str]]:
    """Things about the raid a user probably did not intend, as (field, message) pairs.

    Threats aimed beyond their type's reach (they fall short), and salvos that start after
    ``sim.max_time_s`` (never launched).
    """
    sc = world.raid_scenario
    out = []
    short = np.bincount(salvo[~reachable], minlength=len(sc.raid.salvos))
    for i, s in enumerate(sc.raid.salvos):
        if short[i]:
            out.append(
                (
                    f"raid.salvos.{i}",
                    f"{short[i]} of {s.count} {s.threat} threats are aimed beyond their reach "
                    "and will fall short",
                )
            )
        if s.start_s >= sc.sim.max_time_s:
            out.append((f"raid.salvos.{i}.start_s", "starts after sim.max_time_s: never launched"))
    return out


def asset_hits(world: World, points: FloatArray, radius: FloatArray) -> NDArray[np.bool_]:
    """(M, A) bool: which assets lie within each impact's lethal radius.

    Parameters
    ----------
    points : (M, 2) or (M, 3) float64
        Impact points, ENU, m.
    radius : (M,) float64
        Lethal radius of each impact's warhead, m.
    """
    pts = shapely.points(points[:, 0], points[:, 1])
    out = np.zeros((len(points), len(world.assets.footprints)), bool)
    for a, geom in enumerate(world.assets.footprints):  # a handful of assets, vectorised over M
        out[:, a] = shapely.dwithin(geom, pts, radius)
    return out
