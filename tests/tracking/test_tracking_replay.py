"""`cupola track`: the tracker on recorded plots, and its bad-input handling."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from cupola.cli import app
from cupola.output.parquet import read_parquet, write_parquet
from cupola.sensors.base import plot_columns
from cupola.sim.engine import RunResult
from cupola.tracking.replay import TRACK_COLUMNS

Runner = Callable[[str, int], RunResult]


@pytest.fixture
def recorded(run_builtin: Runner, tmp_path: Path) -> tuple[RunResult, Path, Path]:
    """The border-town run's plots and radars, written as a plots file and a sensors file."""
    r = run_builtin("border-town", 1)
    plots = tmp_path / "plots.parquet"
    write_parquet(plots, plot_columns(r.plots))
    sensors = tmp_path / "sensors.yaml"
    sensors.write_text(
        yaml.safe_dump(
            {
                "sensors": [
                    {
                        "id": rad.radar_id,
                        "position_m": [float(v) for v in rad.position],
                        "sigma_range_m": rad.sigma_range_m,
                        "sigma_azimuth_rad": rad.sigma_azimuth_rad,
                        "sigma_elevation_rad": rad.sigma_elevation_rad,
                        "max_range_m": rad.max_range_m,
                        "min_elevation_rad": rad.min_elevation_rad,
                        "false_plots_per_scan": rad.false_plots_per_scan,
                        "clutter_max_elevation_rad": rad.clutter_max_elevation_rad,
                    }
                    for rad in r.world.radars
                ]
            }
        )
    )
    return r, plots, sensors


def _track(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["track", *args])
    return result.exit_code, result.output


def test_replay_reproduces_the_runs_tracks(
    recorded: tuple[RunResult, Path, Path], tmp_path: Path
) -> None:
    """The same plots through the same tracker give the run's own tracks, to the bit."""
    r, plots, sensors = recorded
    out = tmp_path / "tracks.parquet"
    code, output = _track(str(plots), "--sensors", str(sensors), "--out", str(out))
    assert code == 0, output
    assert "confirmed tracks" in output
    got = read_parquet(out)
    assert list(got) == list(TRACK_COLUMNS)
    for k in TRACK_COLUMNS:
        np.testing.assert_array_equal(got[k], r.tracks[k], err_msg=k)
    # truth_id in the plots is ignored: scrambled labels give the same tracks
    cols = read_parquet(plots)
    cols["truth_id"] = cols["truth_id"][::-1].copy()
    scrambled = tmp_path / "scrambled.parquet"
    write_parquet(scrambled, cols)
    code, _ = _track(str(scrambled), "--sensors", str(sensors), "--out", str(out), "--overwrite")
    assert code == 0
    again = read_parquet(out)
    for k in TRACK_COLUMNS:
        np.testing.assert_array_equal(again[k], got[k], err_msg=k)


def test_tracker_file_changes_confirmation(
    recorded: tuple[RunResult, Path, Path], tmp_path: Path
) -> None:
    _, plots, sensors = recorded
    cfg = tmp_path / "tracker.yaml"
    cfg.write_text("tracker:\n  initiation: m_of_n\n  confirm_hits: 4\n  confirm_window: 4\n")
    out = tmp_path / "strict.parquet"
    code, output = _track(
        str(plots), "--sensors", str(sensors), "--out", str(out), "--config", str(cfg)
    )
    assert code == 0, output
    strict = read_parquet(out)
    code, _ = _track(str(plots), "--sensors", str(sensors), "--out", str(tmp_path / "d.parquet"))
    default = read_parquet(tmp_path / "d.parquet")
    assert len(strict["time"]) < len(default["time"])  # 4-of-4 confirms later than the score
    cfg.write_text("tracker:\n  confirm_hits: 4\n  colour: red\n")
    code, output = _track(
        str(plots),
        "--sensors",
        str(sensors),
        "--out",
        str(out),
        "--config",
        str(cfg),
        "--overwrite",
    )
    assert code == 2
    assert "tracker.colour: unknown field" in output


def test_live_feed_bad_plots_are_rejected_and_counted(
    recorded: tuple[RunResult, Path, Path], tmp_path: Path
) -> None:
    """The run's plots with bad rows slipped in (a NaN range inside a scan, a null azimuth, a
    plot of an unknown radar, a late plot from an earlier time): by default one line naming the
    first; with --skip-bad-plots the same tracks as the clean file, and the count."""
    _, plots, sensors = recorded
    cols = read_parquet(plots)
    starts = np.flatnonzero(np.diff(cols["time"]) != 0) + 1  # first rows of scans
    k = len(starts)
    extra = starts[[k // 3, k // 3, k // 2, 2 * k // 3]]  # copies go before these rows
    dirty = {k: np.insert(v.astype(float) if k != "sensor_id" else v, extra, v[extra])
             for k, v in cols.items() if k != "truth_id"}  # fmt: skip
    rows = extra + np.arange(4)  # where the copies landed
    dirty["range_m"][rows[0]] = np.nan
    dirty["sensor_id"][rows[2]] = 99
    dirty["time"][rows[3]] = dirty["time"][rows[3]] - 5.0
    path = tmp_path / "feed.parquet"
    write_parquet(path, dirty)
    table = pq_null_azimuth(path, rows[1], tmp_path)
    out = tmp_path / "t.parquet"
    code, output = _track(str(table), "--sensors", str(sensors), "--out", str(out))
    assert code == 2
    assert "row" in output
    assert len(output.strip().splitlines()) == 1
    code, output = _track(
        str(table), "--sensors", str(sensors), "--out", str(out), "--skip-bad-plots"
    )
    assert code == 0, output
    assert "4 plots rejected" in output
    clean = tmp_path / "clean.parquet"
    code, _ = _track(str(plots), "--sensors", str(sensors), "--out", str(clean))
    got, want = read_parquet(out), read_parquet(clean)
    for k in TRACK_COLUMNS:
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)


def pq_null_azimuth(path: Path, row: int, tmp_path: Path) -> Path:
    """A copy of a plots file with a SQL NULL azimuth in ``row``."""
    import duckdb

    out = tmp_path / "feed_null.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * REPLACE (CASE WHEN rn = {int(row)} THEN NULL ELSE azimuth_rad END "
        f"AS azimuth_rad) FROM (SELECT *, row_number() OVER () - 1 AS rn FROM "
        f"read_parquet('{path}')) ORDER BY rn) TO '{out}' (FORMAT PARQUET)"
    )
    con.close()
    return out


def _bad_plots(tmp_path: Path, change: Callable[[dict[str, np.ndarray]], None]) -> Path:
    cols: dict[str, np.ndarray] = {
        "time": np.array([1.0, 1.0, 2.0, 3.0]),
        "sensor_id": np.array([0, 0, 0, 0]),
        "range_m": np.array([1e4, 2e4, 1e4, 1e4]),
        "azimuth_rad": np.array([0.1, 0.2, 0.1, 0.1]),
        "elevation_rad": np.array([0.05, 0.05, 0.05, 0.05]),
    }
    change(cols)
    path = tmp_path / "bad.parquet"
    write_parquet(path, cols)
    return path


def _set(name: str, row: int, value: float) -> Callable[[dict[str, np.ndarray]], None]:
    def change(cols: dict[str, np.ndarray]) -> None:
        cols[name] = cols[name].astype(float) if name != "sensor_id" else cols[name]
        cols[name][row] = value

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set("range_m", 2, np.nan), "range_m, row 2: missing value (null)"),
        (_set("azimuth_rad", 1, np.inf), "azimuth_rad, row 1: not a finite number"),
        (_set("time", 3, 0.5), "time, row 3: time goes backwards"),
        (_set("sensor_id", 1, 7), "sensor_id, row 1: unknown sensor id"),
        (_set("range_m", 0, -5.0), "range_m, row 0: negative range"),
        (lambda c: c.pop("elevation_rad"), "elevation_rad: missing column"),
        (lambda c: [c.__setitem__(k, v[:0]) for k, v in list(c.items())], "no plots in the file"),
    ],
)
def test_bad_plots_give_one_line(
    change: Callable[[dict[str, np.ndarray]], None], expected: str, tmp_path: Path
) -> None:
    sensors = tmp_path / "sensors.yaml"
    sensors.write_text(
        "sensors:\n  - id: 0\n    position_m: [0, 0, 0]\n    sigma_range_m: 10\n"
        "    sigma_azimuth_rad: 0.001\n    sigma_elevation_rad: 0.001\n"
    )
    plots = _bad_plots(tmp_path, change)
    out = tmp_path / "tracks.parquet"
    code, output = _track(str(plots), "--sensors", str(sensors), "--out", str(out))
    assert code == 2
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert expected in lines[0]
    assert str(plots) in lines[0]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.parquet", "sensors.yaml"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sensors:\n  - id: 0\n    position_m: [0, 0, 0]\n    sigma_range_m: 10\n"
         "    sigma_azimuth_rad: 0.001\n", "sensors.0.sigma_elevation_rad: missing required field"),
        ("sensors: []\n", "sensors: List should have at least 1 item"),
        ("sensors:\n  - {id: 0, position_m: [0, 0], sigma_range_m: 1, sigma_azimuth_rad: 0.001,"
         " sigma_elevation_rad: 0.001}\n", "sensors.0.position_m"),
        ("- just a list\n", "expected a mapping of sensors fields"),
    ],
)  # fmt: skip
def test_bad_sensors_file_gives_one_line(text: str, expected: str, tmp_path: Path) -> None:
    sensors = tmp_path / "sensors.yaml"
    sensors.write_text(text)
    plots = _bad_plots(tmp_path, lambda c: None)
    code, output = _track(
        str(plots), "--sensors", str(sensors), "--out", str(tmp_path / "t.parquet")
    )
    assert code == 2
    assert len(output.strip().splitlines()) == 1, output
    assert expected in output


def test_missing_files_and_existing_output(tmp_path: Path) -> None:
    code, output = _track(
        str(tmp_path / "none.parquet"), "--sensors", str(tmp_path / "s.yaml"), "--out", "t.pq"
    )
    assert code == 2
    assert "s.yaml: no such file" in output
    sensors = tmp_path / "sensors.yaml"
    sensors.write_text(
        "sensors:\n  - {id: 0, position_m: [0, 0, 0], sigma_range_m: 10,"
        " sigma_azimuth_rad: 0.001, sigma_elevation_rad: 0.001}\n"
    )
    code, output = _track(
        str(tmp_path / "none.parquet"), "--sensors", str(sensors), "--out", "t.pq"
    )
    assert code == 2
    assert "none.parquet: no such file" in output
    junk = tmp_path / "junk.parquet"
    junk.write_text("not parquet")
    code, output = _track(str(junk), "--sensors", str(sensors), "--out", str(tmp_path / "t.pq"))
    assert code == 2
    assert "not a readable Parquet file" in output
    existing = tmp_path / "existing.parquet"
    existing.write_text("keep")
    plots = _bad_plots(tmp_path, lambda c: None)
    code, output = _track(str(plots), "--sensors", str(sensors), "--out", str(existing))
    assert code == 2
    assert "file exists" in output
    assert existing.read_text() == "keep"
