"""The run folder: documented columns, geodetic positions, and all-or-nothing writing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import cupola.output.runfolder as runfolder
from cupola.errors import OutputError
from cupola.output.parquet import read_parquet, write_parquet
from cupola.output.runfolder import ASSESSMENT_COLUMNS
from cupola.sim.engine import RunResult
from cupola.sim.summary import summarize

EVENT_COLUMNS = [
    "time", "kind", "threat_id", "track_id", "unit_id", "zone_id",
    "x_m", "y_m", "z_m", "detail", "lat", "lon", "alt_m",
]  # fmt: skip
TRACK_COLUMNS = [
    "time", "track_id", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps",
    "cov_xx", "cov_xy", "cov_xz", "cov_yy", "cov_yz", "cov_zz", "truth_id",
]  # fmt: skip
PLOT_COLUMNS = ["time", "sensor_id", "range_m", "azimuth_rad", "elevation_rad", "truth_id"]
TRUTH_COLUMNS = ["time", "object", "id", "x_m", "y_m", "z_m", "lat", "lon", "alt_m"]


@pytest.fixture
def written(border_town_run: RunResult, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    runfolder.write_run(border_town_run, summarize(border_town_run), out)
    return out


def test_files_and_columns(written: Path) -> None:
    names = sorted(p.name for p in written.iterdir())
    assert names == sorted(
        [
            "assessments.parquet",
            "events.parquet",
            "plots.parquet",
            "report.html",
            "scenario.yaml",
            "summary.json",
            "tracks.parquet",
            "truth.parquet",
            "zones.geojson",
        ]
    )
    assert list(read_parquet(written / "events.parquet")) == EVENT_COLUMNS
    assert list(read_parquet(written / "tracks.parquet")) == TRACK_COLUMNS
    assert list(read_parquet(written / "plots.parquet")) == PLOT_COLUMNS
    assert list(read_parquet(written / "truth.parquet")) == TRUTH_COLUMNS
    assert list(read_parquet(written / "assessments.parquet")) == list(ASSESSMENT_COLUMNS)
    summary = json.loads((written / "summary.json").read_text())
    for key in (
        "threats",
        "threatening",
        "engaged",
        "intercepted",
        "leaked",
        "hits_on_defended_assets",
        "interceptors_fired",
        "interceptor_cost",
        "threat_cost",
        "alerts_issued",
        "hits_per_asset",
    ):
        assert key in summary
    assert not list(written.parent.glob(".*partial*"))


def test_geodetic_columns_match_local_frame(written: Path, border_town_run: RunResult) -> None:
    ev = read_parquet(written / "events.parquet")
    impacts = ev["kind"] == "impact"
    assert impacts.any()
    frame = border_town_run.world.frame
    x, y = frame.to_local(ev["lon"][impacts], ev["lat"][impacts])
    np.testing.assert_allclose(x, ev["x_m"][impacts], atol=1e-3)
    np.testing.assert_allclose(y, ev["y_m"][impacts], atol=1e-3)
    np.testing.assert_allclose(ev["alt_m"][impacts], 0.0, atol=1e-6)


def test_parquet_matches_memory(written: Path, border_town_run: RunResult) -> None:
    ev = read_parquet(written / "events.parquet")
    np.testing.assert_array_equal(ev["time"], border_town_run.events["time"])
    np.testing.assert_array_equal(ev["threat_id"], border_town_run.events["threat_id"])
    plots = read_parquet(written / "plots.parquet")
    np.testing.assert_array_equal(plots["range_m"], border_town_run.plots.range_m)


def test_existing_folder_is_kept_without_overwrite(
    border_town_run: RunResult, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(OutputError, match="not empty"):
        runfolder.write_run(border_town_run, summarize(border_town_run), out)
    with pytest.raises(OutputError, match="not a Cupola run folder"):
        runfolder.write_run(border_town_run, summarize(border_town_run), out, overwrite=True)
    assert (out / "mine.txt").read_text() == "keep me"
    (out / "mine.txt").unlink()
    (out / "summary.json").write_text("an older run")
    runfolder.write_run(border_town_run, summarize(border_town_run), out, overwrite=True)
    assert (out / "summary.json").read_text() != "an older run"


def test_failure_leaves_nothing_half_written(
    border_town_run: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runfolder, "render", broken)
    out = tmp_path / "run"
    with pytest.raises(OutputError, match="No space left"):
        runfolder.write_run(border_town_run, summarize(border_town_run), out)
    assert list(tmp_path.iterdir()) == []

    out.mkdir()
    (out / "summary.json").write_text("old run")
    with pytest.raises(OutputError, match="No space left"):
        runfolder.write_run(border_town_run, summarize(border_town_run), out, overwrite=True)
    assert (out / "summary.json").read_text() == "old run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_empty_table_round_trip(tmp_path: Path) -> None:
    cols = {"a": np.empty(0), "b": np.empty(0, np.int64), "c": np.empty(0, object)}
    write_parquet(tmp_path / "e.parquet", cols)
    back = read_parquet(tmp_path / "e.parquet")
    assert list(back) == ["a", "b", "c"]
    assert all(len(v) == 0 for v in back.values())


def test_path_with_quote(tmp_path: Path) -> None:
    path = tmp_path / "it's.parquet"
    write_parquet(path, {"a": np.arange(3.0)})
    np.testing.assert_array_equal(read_parquet(path)["a"], [0.0, 1.0, 2.0])


def test_assessments_one_row_per_assessed_track_per_cycle(
    written: Path, border_town_run: RunResult
) -> None:
    """Rows are (time, track) pairs with no repeat; ballistic rows carry an ellipse and a
    coefficient; every decision has its reason; the impact point round-trips to the frame."""
    a = read_parquet(written / "assessments.parquet")
    assert len(a["time"]) > 100
    pairs = set(zip(a["time"].tolist(), a["track_id"].tolist(), strict=True))
    assert len(pairs) == len(a["time"])
    assert set(a["decision"].tolist()) <= {"engage", "ignore"}
    engaged = a["decision"] == "engage"
    assert (a["reason"][engaged] == "expected damage above the threshold").all()
    assert (a["expected_damage"][engaged] > 0).all()
    bal = (a["class"] == "ballistic") & np.isfinite(a["impact_lat"])
    assert (a["ellipse_major_m"][bal] >= a["ellipse_minor_m"][bal]).all()
    assert (a["ballistic_coefficient_kg_m2"][bal] > 0).all()
    mem = border_town_run.assessments
    x, _ = border_town_run.world.frame.to_local(a["impact_lon"], a["impact_lat"])
    ok = np.isfinite(mem["impact_x_m"])
    np.testing.assert_allclose(x[ok], mem["impact_x_m"][ok], atol=1e-3)
    truth = set(border_town_run.tracks["truth_id"].tolist())
    assert set(a["threat_id"].tolist()) <= truth
