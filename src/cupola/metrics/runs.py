"""Scoring runs: the civil-warning quality of a run in memory (the summary's figures) or of a
run folder read back from its files (``cupola alerts``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.errors import InputError
from cupola.metrics.warnings import WarningQuality, warning_quality
from cupola.output.parquet import read_parquet
from cupola.scenario import load
from cupola.sim.engine import RunResult
from cupola.sim.world import World, compile_world

FloatArray = NDArray[np.float64]


def warning_quality_of(r: RunResult) -> WarningQuality:
    """Warning quality of a run in memory (:func:`cupola.metrics.warnings.warning_quality`)."""
    imp = r.events["kind"].astype(str) == "impact"
    return _score(r.world, r.events, r.threats.type_idx[r.events["threat_id"][imp]])


def _score(
    world: World, ev: dict[str, NDArray[Any]], type_idx: NDArray[np.int64]
) -> WarningQuality:
    """Score the alerts and impacts of an event table; ``type_idx`` is the threat type of each
    impact event, in table order."""
    kind = ev["kind"].astype(str)
    imp = np.flatnonzero(kind == "impact")
    al = kind == "alert"
    return warning_quality(
        world.zones.ids,
        world.zones.polygons,
        ev["time"][al].astype(float),
        ev["zone_id"][al].astype(np.int64),
        ev["time"][imp].astype(float),
        np.column_stack([ev["x_m"][imp], ev["y_m"][imp]]).astype(float),
        world.threat_types.lethal_radius_m[type_idx],
        np.asarray(world.threat_types.names, dtype=object)[type_idx],
        alert_ends(ev),
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
    types = [type_of.get(int(t), "") for t in ev["threat_id"][kind == "impact"]]
    if any(t not in index_of for t in types):
        raise InputError(
            str(folder / "events.parquet"),
            "launch",
            "launch events do not name the threat types (a run folder from an older Cupola: "
            "run the scenario again)",
        )
    return _score(world, ev, np.array([index_of[t] for t in types], np.int64))


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
