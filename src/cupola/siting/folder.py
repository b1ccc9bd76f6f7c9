"""The plan folder: every output of ``cupola plan``, written all at once.

- ``sites.geojson``: the planned sites (``Point`` features: ``name``, ``battery``,
  ``candidate``).
- ``scenario.yaml``: the scenario with its batteries at the planned sites, ready for
  ``cupola run``; ``naive.yaml`` the same with the naive layout.
- ``coverage.geojson``: each defended asset (routes: each segment of about 1 km) with the
  sampled threats bound for it, the share of them the planned layout covers, and the mean and
  least number of batteries covering them.
- ``plan.json``: the options, the model's figures, the curve of defended value against the
  number of batteries, the timings and the Monte Carlo comparison.
- ``mc/planned``, ``mc/naive``: the Monte Carlo sweeps (campaign folders,
  ``cupola query`` works on them); ``report.html``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import yaml

from cupola.output.runfolder import write_folder
from cupola.scenario.schema import Scenario
from cupola.siting.check import monte_carlo
from cupola.siting.plan import Plan, asset_coverage
from cupola.siting.report import render_plan

#: The files of a plan folder; ``--overwrite`` replaces only a folder of these.
PLAN_FILES = frozenset(
    {
        "sites.geojson",
        "scenario.yaml",
        "naive.yaml",
        "coverage.geojson",
        "plan.json",
        "report.html",
        "mc",
    }
)


def write_plan(
    p: Plan,
    out: Path,
    runs: int,
    workers: int | None = None,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Write the folder of plan ``p`` (module docstring), running its Monte Carlo check
    (``runs`` seeds per layout, none when 0) on the way; returns ``plan.json``'s content."""
    summary: dict[str, Any] = {}

    def fill(folder: Path) -> None:
        mc = None
        if runs > 0:
            (folder / "mc").mkdir()
            layouts = {"planned": p.planned, "naive": p.naive}
            mc = monte_carlo(layouts, folder / "mc", runs, workers, progress)
        rows = asset_coverage(p)
        summary.update(_summary(p, rows, mc))
        (folder / "plan.json").write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n")
        (folder / "sites.geojson").write_text(json.dumps(_sites(p)) + "\n")
        (folder / "coverage.geojson").write_text(json.dumps(_coverage(p, rows)) + "\n")
        (folder / "scenario.yaml").write_text(_yaml(p.planned), encoding="utf-8")
        (folder / "naive.yaml").write_text(_yaml(p.naive), encoding="utf-8")
        (folder / "report.html").write_text(render_plan(p, rows, mc), encoding="utf-8")

    write_folder(out, fill, overwrite, PLAN_FILES, "plan")
    return summary


def _yaml(sc: Scenario) -> str:
    return yaml.safe_dump(sc.model_dump(mode="json", exclude_none=True), sort_keys=False)


def _sites(p: Plan) -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "properties": {"name": b.name, "battery": i + 1, "candidate": p.candidates.names[s]},
            "geometry": {"type": "Point", "coordinates": [b.position.lon, b.position.lat]},
        }
        for i, (b, s) in enumerate(zip(p.planned.batteries, p.layout.sites, strict=True))
    ]
    return {"type": "FeatureCollection", "features": features}


def _coverage(p: Plan, rows: list[dict[str, Any]]) -> dict[str, Any]:
    features = []
    for r in rows:
        geom = shapely.to_geojson(shapely.transform(r["geometry"], lambda xy: _lonlat(p, xy)))
        props = {k: v for k, v in r.items() if k != "geometry"}
        features.append({"type": "Feature", "properties": props, "geometry": json.loads(geom)})
    return {"type": "FeatureCollection", "features": features}


def _lonlat(p: Plan, xy: np.ndarray) -> np.ndarray:
    lon, lat = p.world.frame.to_geodetic(xy[:, 0], xy[:, 1])
    return np.round(np.column_stack([lon, lat]), 6)


def _site_list(sc: Scenario) -> list[dict[str, Any]]:
    return [{"name": b.name, "lat": b.position.lat, "lon": b.position.lon} for b in sc.batteries]


def _summary(p: Plan, rows: list[dict[str, Any]], mc: dict[str, Any] | None) -> dict[str, Any]:
    o = p.options
    lay = p.layout
    return {
        "scenario": p.scenario.name,
        "batteries": o.batteries,
        "options": {
            "candidates": None if o.candidates is None else str(o.candidates),
            "exclude": None if o.exclusions is None else str(o.exclusions),
            "samples": o.samples,
            "seed": o.seed,
            "margin_m": o.margin_m,
            "grid_m": o.spacing_m,
            "method": o.method,
            "proximity": o.proximity,
        },
        "candidate_sites": len(p.candidates.names),
        "sampled_threats": len(p.sample.value),
        "sampled_threats_bound_for_assets": int((p.sample.value > 0).sum()),
        "threatened_value_per_raid": p.threatened_value,
        "planned": {
            "sites": _site_list(p.planned),
            "defended_value_per_raid": p.planned_value,
            "rounds_per_raid": _rounds(p.rounds.get("planned")),
            "objective": lay.objective,
            "method": lay.method,
            "mexclp": {
                "sites": [p.candidates.names[int(i)] for i in p.mexclp.sites],
                "value": p.mexclp.value,
                "objective": p.mexclp.objective,
                "bound": p.mexclp.bound,
                "method": p.mexclp.method,
                "optimal": p.mexclp.optimal,
            },
        },
        "naive": {
            "sites": _site_list(p.naive),
            "defended_value_per_raid": p.naive_value,
            "rounds_per_raid": _rounds(p.rounds.get("naive")),
        },
        "curve": p.curve,
        "coverage": [{k: v for k, v in r.items() if k != "geometry"} for r in rows],
        "seconds": p.seconds,
        "monte_carlo": mc,
    }


def _rounds(balance: tuple[float, float] | None) -> dict[str, float] | None:
    """Rounds a layout is asked per raid and has, in the model (:mod:`.rounds`)."""
    return None if balance is None else {"asked": balance[0], "available": balance[1]}
