"""The run folder: every output of one run, written all at once or not at all.

Files (columns documented in ``docs/formats.md``):

- ``events.parquet``: one row per event (launch, detection, track_confirmed, classified,
  impact_predicted, alert, engagement, interceptor_launch, intercept, miss, impact,
  track_deleted).
- ``truth.parquet``: threat and interceptor positions every ``sim.truth_step_s``.
- ``plots.parquet``: radar plots.
- ``tracks.parquet``: confirmed tracks after each scan, with their position covariance.
- ``summary.json``: the run's figures; ``report.html``: map, timeline and tables.
- ``scenario.yaml``: the scenario as run (defaults filled in).

Everything is written into a hidden sibling folder first and renamed into place at the end,
so an interrupted or failed run leaves no half-written folder and never touches an existing one
unless asked to replace it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from cupola.errors import OutputError
from cupola.output.parquet import write_parquet
from cupola.report import ReportInputs, SceneShape, SceneSite, render
from cupola.sensors.base import plot_columns
from cupola.sim.engine import RunResult
from cupola.threats.base import KILLED, LANDED
from cupola.tracking.replay import TRACK_COLUMNS


def _with_geodetic(r: RunResult, cols: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
    lon, lat = r.world.frame.to_geodetic(cols["x_m"], cols["y_m"])
    return {**cols, "lat": lat, "lon": lon, "alt_m": cols["z_m"].copy()}


def _outline(geom: Any) -> NDArray[np.float64]:
    g = geom if geom.geom_type == "Polygon" else max(geom.geoms, key=lambda p: p.area)
    xy = np.asarray(g.exterior.coords, float)[:-1]
    return xy


def report_inputs(r: RunResult, summary: dict[str, Any]) -> ReportInputs:
    """The report's view of a run."""
    w = r.world
    th = r.threats
    hit_any = r.hits.any(axis=1)
    outcome = np.where(
        th.fate == KILLED,
        "intercepted",
        np.where(th.fate == LANDED, np.where(hit_any, "hit", "open_ground"), "in_flight"),
    )
    engaged = np.zeros(len(th.pos), bool)
    lab = r.interceptor_threat
    engaged[lab[lab >= 0]] = True
    assets = [
        SceneShape(
            name, kind, _outline(geom), float(v), int(summary["hits_per_asset"][name]), False
        )
        for name, kind, geom, v in zip(
            w.assets.names, w.assets.kinds, w.assets.footprints, w.assets.values, strict=True
        )
    ]
    alerted = set(r.events["zone_id"][r.events["kind"] == "alert"].tolist())
    zones = [
        SceneShape(name, "zone", _outline(poly), 0.0, 0, int(zid) in alerted)
        for zid, name, poly in zip(w.zones.ids, w.zones.names, w.zones.polygons, strict=True)
    ]
    u = w.units
    sites = [
        SceneSite(s.name, "radar", float(p.position[0]), float(p.position[1]), p.max_range_m)
        for s, p in zip(w.scenario.radars, w.radars, strict=True)
    ]
    for b, name in enumerate(u.battery_names):
        k = int(u.itype[np.flatnonzero(u.battery == b)[0]])
        rng = float(w.interceptors.max_range_m[k])
        x, y = (float(v) for v in u.battery_pos[b, :2])
        sites.append(SceneSite(name, "battery", x, y, rng))
    sites += [
        SceneSite(n, "launcher", float(p[0]), float(p[1]), 0.0)
        for n, p in zip(u.names, u.pos, strict=True)
    ]
    truth = _with_geodetic(r, r.truth) if r.truth else _empty_truth()
    return ReportInputs(
        title=w.scenario.name,
        description=w.scenario.description,
        seed=r.seed,
        assets=assets,
        zones=zones,
        sites=sites,
        threats={
            "threat_id": np.arange(len(th.pos), dtype=np.int64),
            "type": np.array(w.threat_types.names, dtype=object)[th.type_idx],
            "launch_time": th.launch_time,
            "outcome": outcome.astype(object),
            "engaged": engaged,
        },
        truth=truth,
        events=_with_geodetic(r, r.events),
        summary=summary,
    )


#: Columns of ``assessments.parquet``, in order.
ASSESSMENT_COLUMNS = (
    "time",
    "track_id",
    "threat_id",
    "impact_lat",
    "impact_lon",
    "impact_time",
    "ellipse_major_m",
    "ellipse_minor_m",
    "ellipse_azimuth_rad",
    "class",
    "threat_type",
    "ballistic_coefficient_kg_m2",
    "asset",
    "hit_probability",
    "expected_damage",
    "decision",
    "reason",
    "assets_in_reach",
)


def _assessment_columns(r: RunResult) -> dict[str, NDArray[Any]]:
    """The run's assessments with the impact point in WGS84 (empty columns if none)."""
    a = r.assessments
    lon, lat = r.world.frame.to_geodetic(a["impact_x_m"], a["impact_y_m"])
    cols = {**a, "impact_lat": np.asarray(lat, float), "impact_lon": np.asarray(lon, float)}
    return {k: cols[k] for k in ASSESSMENT_COLUMNS}


def zones_geojson(r: RunResult) -> dict[str, Any]:
    """The run's alert zones as a GeoJSON FeatureCollection (WGS84 longitude/latitude), each
    feature with ``zone_id`` and ``name`` (the format :mod:`cupola.scenario.zones` reads)."""
    z = r.world.zones
    features = []
    for zone_id, name, poly in zip(z.ids.tolist(), z.names, z.polygons, strict=True):
        xy = np.asarray(poly.exterior.coords, float)
        lon, lat = r.world.frame.to_geodetic(xy[:, 0], xy[:, 1])
        ring = [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lon, lat, strict=True)]
        features.append(
            {
                "type": "Feature",
                "properties": {"zone_id": int(zone_id), "name": name},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _empty_truth() -> dict[str, NDArray[Any]]:
    f = np.empty(0)
    return {
        "time": f,
        "object": np.empty(0, object),
        "id": np.empty(0, np.int64),
        **dict.fromkeys(("x_m", "y_m", "z_m", "lat", "lon", "alt_m"), f),
    }


def _write_all(r: RunResult, summary: dict[str, Any], folder: Path) -> None:
    write_parquet(folder / "events.parquet", _with_geodetic(r, r.events))
    write_parquet(
        folder / "truth.parquet", _with_geodetic(r, r.truth) if r.truth else _empty_truth()
    )
    write_parquet(folder / "plots.parquet", plot_columns(r.plots))
    tracks = r.tracks or {
        k: np.empty(0, np.int64 if k in ("track_id", "truth_id") else float)
        for k in (*TRACK_COLUMNS, "truth_id")
    }
    write_parquet(folder / "tracks.parquet", tracks)
    write_parquet(folder / "assessments.parquet", _assessment_columns(r))
    (folder / "zones.geojson").write_text(
        json.dumps(zones_geojson(r), separators=(",", ":")) + "\n", encoding="utf-8"
    )
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    scenario = r.world.scenario.model_dump(mode="json", exclude_none=True)
    (folder / "scenario.yaml").write_text(
        yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8"
    )
    (folder / "report.html").write_text(render(report_inputs(r, summary)), encoding="utf-8")


#: The files of a run folder; ``--overwrite`` replaces only a folder holding nothing else.
RUN_FILES = frozenset(
    {
        "events.parquet",
        "truth.parquet",
        "plots.parquet",
        "tracks.parquet",
        "assessments.parquet",
        "zones.geojson",
        "summary.json",
        "report.html",
        "scenario.yaml",
    }
)


def check_output(
    out: Path, overwrite: bool = False, files: frozenset[str] = RUN_FILES, kind: str = "run"
) -> None:
    """Refuse, before any work is done, an output folder that cannot take a run (or another
    ``kind`` of folder made of ``files``).

    Raises
    ------
    OutputError
        A part of the path is a file; ``out`` is the current folder or one above it; it
        exists and is not empty (without ``overwrite``); or, with ``overwrite``, it holds
        something other than a previous folder's ``files``.
    """
    out = Path(out)
    for part in reversed([out, *out.parents]):
        if part.exists() and not part.is_dir():
            raise OutputError(f"{out}: {part} is a file, not a folder")
    resolved, here = out.resolve(), Path.cwd().resolve()
    if resolved == here or resolved in here.parents:
        raise OutputError(f"{out}: is the current folder or above it; name a new folder")
    if not out.exists() or not any(out.iterdir()):
        return
    if not overwrite:
        raise OutputError(f"{out}: folder exists and is not empty (use --overwrite to replace it)")
    others = sorted(p.name for p in out.iterdir() if p.name not in files)
    if others:
        raise OutputError(
            f"{out}: not a Cupola {kind} folder (it holds {others[0]!r}); --overwrite replaces "
            f"only a previous {kind}'s folder"
        )


def write_folder(
    out: Path,
    fill: Callable[[Path], None],
    overwrite: bool = False,
    files: frozenset[str] = RUN_FILES,
    kind: str = "run",
) -> Path:
    """Write the folder ``out`` atomically: ``fill`` writes into a hidden sibling, renamed
    into place at the end (the previous folder, with ``overwrite``, is removed only then).

    Raises
    ------
    OutputError
        ``out`` fails :func:`check_output`, or cannot be written.
    """
    out = Path(out)
    check_output(out, overwrite, files, kind)
    parent = out.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = parent / f".{out.name}.partial-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot create the {kind} folder: {exc.strerror or exc}"
        ) from None
    try:
        fill(tmp)
        if out.exists():
            old = parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
            try:
                tmp.rename(out)
            except OSError:
                old.rename(out)  # put the previous folder back where it was
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"{out}: cannot write the {kind} folder: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def write_run(r: RunResult, summary: dict[str, Any], out: Path, overwrite: bool = False) -> Path:
    """Write the run folder ``out`` atomically (:func:`write_folder`).

    Raises
    ------
    OutputError
        ``out`` fails :func:`check_output`, or cannot be written.
    """
    return write_folder(out, lambda tmp: _write_all(r, summary, tmp), overwrite)


__all__ = [
    "ASSESSMENT_COLUMNS",
    "RUN_FILES",
    "check_output",
    "report_inputs",
    "write_folder",
    "write_run",
    "zones_geojson",
]
