"""The sustainment folder: every output of one campaign over days, written all at once.

Files (columns in ``docs/formats.md``): ``raids.parquet`` (a row per raid),
``batteries.parquet`` (a row per raid and battery), ``stock.parquet`` (rounds held over
time), ``summary.json`` (the campaign's figures and stock-outs), ``report.html`` and
``scenario.yaml`` (the scenario as run).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import yaml

from cupola.campaign.sustain import SustainResult, clock
from cupola.campaign.sustain_report import render_sustainment
from cupola.output.parquet import write_parquet
from cupola.output.runfolder import write_folder
from cupola.scenario.schema import Scenario

#: The files of a sustainment folder; ``--overwrite`` replaces only a folder of these.
SUSTAIN_FILES = frozenset(
    {
        "raids.parquet",
        "batteries.parquet",
        "stock.parquet",
        "summary.json",
        "report.html",
        "scenario.yaml",
    }
)


def summary_of(r: SustainResult) -> dict[str, Any]:
    """The ``summary.json`` of campaign ``r`` (NaN figures as null)."""

    def plain(v: Any) -> Any:
        return None if isinstance(v, float) and math.isnan(v) else v

    return {
        "scenario": r.scenario,
        "seed": r.seed,
        "days": r.days,
        "totals": {k: plain(v) for k, v in r.totals.items()},
        "stockouts": r.stockouts,
        "depot_short": clock(r.depot_short_h) if math.isfinite(r.depot_short_h) else None,
    }


def write_sustainment(r: SustainResult, sc: Scenario, out: Path, overwrite: bool = False) -> Path:
    """Write campaign ``r`` of scenario ``sc`` into the folder ``out``, atomically.

    Raises
    ------
    OutputError
        ``out`` cannot take it (:func:`cupola.output.runfolder.check_output`) or cannot be
        written.
    """

    def fill(folder: Path) -> None:
        write_parquet(folder / "raids.parquet", r.raids)
        write_parquet(folder / "batteries.parquet", r.batteries)
        write_parquet(folder / "stock.parquet", r.stock)
        text = json.dumps(summary_of(r), indent=2, allow_nan=False)
        (folder / "summary.json").write_text(text + "\n", encoding="utf-8")
        (folder / "report.html").write_text(render_sustainment(r), encoding="utf-8")
        scenario = sc.model_dump(mode="json", exclude_none=True)
        (folder / "scenario.yaml").write_text(
            yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8"
        )

    return write_folder(out, fill, overwrite, SUSTAIN_FILES, "sustainment")
