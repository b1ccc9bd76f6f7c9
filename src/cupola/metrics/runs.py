"""Scoring runs: the civil-warning quality of a run in memory (the summary's figures) or of a
run folder read back from its files (``cupola alerts``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.errors import InputError
from cupola.metrics.prediction import PredictionErrors, first_detections, prediction_errors
from cupola.metrics.warnings import WarningQuality, warning_quality
from cupola.output.parquet import read_parquet
from cupola.scenario import load
from cupola.sim.engine import RunResult
from cupola.sim.world import World, compile_world

FloatArray = NDArray[np.float64]


def warning_quality_of(r: RunResult) -> WarningQuality:
    """Warning quality of a run in memory (:func:`cupola.metrics.warnings.warning_quality`)."""
    return _score(r.world, r.events, r.threats.type_idx)


def prediction_errors_of(r: RunResult) -> PredictionErrors:
    """Impact-prediction errors of a run in memory (:mod:`cupola.metrics.prediction`): its
    assessments against its threats' nominal impacts, aged from their first plots."""
    a = r.assessments
    first = first_detections(r.plots.truth_id, r.plots.time, len(r.threats.launch_time))
    return prediction_errors(
        a["time"],
        a["threat_id"],
        np.column_stack([a["impact_x_m"], a["impact_y_m"]]),
        first,
        r.nominal_impact[:, :2],
    )


def _score(
    world: World, ev: dict[str, NDArray[Any]], type_idx: NDArray[np.int64]
) -> WarningQuality:
    """Score the alerts, impacts and averted impacts of an event table; ``type_idx`` is the
    threat type of each threat id."""
    kind = ev["kind"].astype(str)
    imp = np.flatnonzero(kind == "impact")
    av = np.flatnonzero(kind == "averted")
    al = kind == "alert"
    radius = world.threat_types.lethal_radius_m
    return warning_quality(
        world.zones.ids,
        world.zones.polygons,
        ev["time"][al].astype(float),
        ev["zone_id"][al].astype(np.int64),
        ev["time"][imp].astype(float),
        np.column_stack([ev["x_m"][imp], ev["y_m"][imp]]).astype(float),
        radius[type_idx[ev["threat_id"][imp]]],
        np.asarray(world.threat_types.names, dtype=object)[type_idx[ev["threat_id"][imp]]],
        alert_ends(ev),
        np.column_stack([ev["x_m"][av], ev["y_m"][av]]).astype(float),
        radius[type_idx[ev["threat_id"][av]]],
        ev["time"][av].astype(float),
    )


def run_warning_quality(folder: Path) -> WarningQuality:
    """Warning quality of the run in ``folder`` (its scenario, events and zones).

    Raises
    ------
    InputError
        Not a run folder: a missing or unreadable ``scenario.yaml`` or ``events.parquet``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(str(folder), "", "no such run folder")
    for name in ("scenario.yaml", "events.parquet"):
        if not (folder / name).is_file():
            raise InputError(str(folder), name, "missing: not a Cupola run folder")
    world = compile_world(load(folder / "scenario.yaml"), str(folder / "scenario.yaml"))
    try:
        ev = read_parquet(folder / "events.parquet")
    except Exception as exc:  # duckdb raises its own error types
        raise InputError(str(folder / "events.parquet"), "", f"unreadable: {exc}") from None
    kind = ev["kind"].astype(str)
    launch = kind == "launch"
    type_of = dict(
        zip(ev["threat_id"][launch].tolist(), ev["detail"][launch].tolist(), strict=True)
    )
    index_of = {name: k for k, name in enumerate(world.threat_types.names)}
    n = int(max(type_of, default=-1)) + 1
    types = [type_of.get(t, "") for t in range(n)]
    needed = np.unique(ev["threat_id"][np.isin(kind, ("impact", "averted"))])
    if any(t >= n or types[t] not in index_of for t in needed.tolist()):
        raise InputError(
            str(folder / "events.parquet"),
            "launch",
            "launch events do not name the threat types (a run folder from an older Cupola: "
            "run the scenario again)",
        )
    return _score(world, ev, np.array([index_of.get(t, 0) for t in types], np.int64))


def alert_ends(ev: dict[str, NDArray[Any]]) -> FloatArray:
    """End of each ``alert`` event of an event table (in table order): the time of the zone's
    next ``alert_lifted`` event after it in the table, inf if none (a zone's alerts and lifts
    alternate; a lift and a new alert at the same time come in that order)."""
    kind = ev["kind"].astype(str)
    al = np.flatnonzero(kind == "alert")
    lf = np.flatnonzero(kind == "alert_lifted")
    end = np.full(al.size, np.inf)
    zone_a, zone_l = ev["zone_id"][al], ev["zone_id"][lf]
    for z in np.unique(zone_a):  # a few hundred zones at most; each matched with arrays
        starts = np.flatnonzero(zone_a == z)
        lift_rows = lf[zone_l == z]
        k = np.searchsorted(lift_rows, al[starts], side="right")
        ok = k < lift_rows.size
        end[starts[ok]] = ev["time"][lift_rows[k[ok]]]
    return end
