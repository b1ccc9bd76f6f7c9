"""`cupola alerts RUN_DIR`: warning quality read back from a run folder."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from cupola.cli import app
from cupola.metrics.runs import run_warning_quality
from cupola.output import runfolder
from cupola.sim.engine import RunResult
from cupola.sim.summary import summarize


def test_alerts_of_a_run_folder(border_town_run: RunResult, tmp_path: Path) -> None:
    out = tmp_path / "run"
    runfolder.write_run(border_town_run, summarize(border_town_run), out)
    q = run_warning_quality(out)
    r = border_town_run
    assert q.needed >= 1
    assert q.alerts == int((r.events["kind"] == "alert").sum())
    assert 0 <= q.missed <= q.needed
    assert set(q.warning_type.tolist()) <= set(r.world.threat_types.names)
    result = CliRunner().invoke(app, ["alerts", str(out)])
    assert result.exit_code == 0, result.output
    rows = dict(re.findall(r"│\s+(\S.*?)\s+│\s+(\S+) │", result.output))
    assert rows["zone-impact pairs that needed a warning"] == str(q.needed)
    assert rows["alerts issued"] == str(q.alerts)
    assert rows["of them needless (nothing came down or was headed there)"] == str(q.needless)


def test_alerts_of_something_that_is_not_a_run(tmp_path: Path) -> None:
    for target, reason in ((tmp_path / "none", "no such run folder"), (tmp_path, "events.parquet")):
        if target == tmp_path:
            (tmp_path / "scenario.yaml").write_text("schema_version: 1\n")
        result = CliRunner().invoke(app, ["alerts", str(target)])
        assert result.exit_code == 2
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert reason in result.output


def test_run_folder_without_threat_types_in_its_launch_events(
    border_town_run: RunResult, tmp_path: Path
) -> None:
    """A run folder from before launch events named the threat type: a clear error."""
    from cupola.output.parquet import read_parquet, write_parquet

    out = tmp_path / "run"
    runfolder.write_run(border_town_run, summarize(border_town_run), out)
    ev = read_parquet(out / "events.parquet")
    ev["detail"] = np.where(ev["kind"] == "launch", "", ev["detail"]).astype(object)
    write_parquet(out / "events.parquet", ev)
    result = CliRunner().invoke(app, ["alerts", str(out)])
    assert result.exit_code == 2
    assert "do not name the threat types" in result.output
