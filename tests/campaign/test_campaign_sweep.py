"""Sweeps: the same rows whatever the number of workers, resumed sweeps equal whole ones,
and bad grids refused before any run."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cupola.campaign import Sweep, local, parse_vary, run_sweep
from cupola.campaign.base import SweepError
from cupola.campaign.report import FIGURES
from cupola.cli import app
from cupola.output.parquet import read_parquet

SWEEP = Sweep(
    "border-town",
    2,
    (parse_vary("sim.max_time_s=40,60"), parse_vary("doctrine.shots_per_engagement=1,2")),
)


def table(out: Path) -> dict[str, np.ndarray]:
    parts = sorted((out / "runs").glob("part-*.parquet"))
    cols: dict[str, list[np.ndarray]] = {}
    for part in parts:
        for k, v in read_parquet(part).items():
            cols.setdefault(k, []).append(v)
    merged = {k: np.concatenate(v) for k, v in cols.items()}
    order = np.argsort(merged["run_id"])
    return {k: v[order] for k, v in merged.items()}


def assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert sorted(a) == sorted(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "w1"
    assert run_sweep(SWEEP, out, workers=1) == 8
    return out


def test_rows_do_not_depend_on_the_workers(one_worker: Path, tmp_path: Path) -> None:
    assert run_sweep(SWEEP, tmp_path / "w2", workers=2) == 8
    a, b = table(one_worker), table(tmp_path / "w2")
    assert_same(a, b)
    assert sorted(a["run_id"].tolist()) == [f"p{p}-s{s}" for p in range(4) for s in range(2)]
    assert set(a["doctrine.shots_per_engagement"].tolist()) == {1, 2}
    assert (a["simulated_seconds"] <= a["sim.max_time_s"] + 1e-9).all()


def test_resumed_sweep_equals_an_uninterrupted_one(one_worker: Path, tmp_path: Path) -> None:
    out = tmp_path / "resumed"
    run_sweep(SWEEP, out, workers=2)
    parts = sorted((out / "runs").glob("part-*.parquet"))
    parts[0].unlink()  # as if stopped before that batch was written
    assert run_sweep(SWEEP, out, workers=2) == 2
    assert run_sweep(SWEEP, out, workers=2) == 0  # nothing left to do
    assert_same(table(out), table(one_worker))


def test_a_different_sweep_in_the_same_folder_is_refused(one_worker: Path) -> None:
    other = Sweep("border-town", 3, SWEEP.vary)
    with pytest.raises(SweepError, match="holds a different sweep"):
        run_sweep(other, one_worker)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--vary", "doctrine.nope=1"], "no field 'doctrine.nope'"),
        (["--vary", "doctrine.shots_per_engagement=abc"], "Input should be a valid integer"),
        (["--vary", "raid.salvos.9.count=3"], "not one of the 4 entries"),
        (["--vary", "doctrine.shots_per_engagement"], "expected PATH=V1,V2"),
        (["--runs", "0"], "--runs: must be at least 1"),
        (["--workers", "0"], "--workers: must be at least 1"),
    ],
)
def test_bad_sweeps_fail_before_any_run(tmp_path: Path, args: list[str], reason: str) -> None:
    out = tmp_path / "sw"
    base = ["sweep", "border-town", "--runs", "2", "--out", str(out)]
    res = CliRunner().invoke(app, [*base, *args])
    assert res.exit_code == 2
    assert reason in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert not out.exists()


def test_query(one_worker: Path) -> None:
    res = CliRunner().invoke(
        app, ["query", str(one_worker), "SELECT count(*) AS n, max(seed) AS s FROM runs"]
    )
    assert res.exit_code == 0, res.output
    assert "8" in res.output
    bad = CliRunner().invoke(app, ["query", str(one_worker), "SELECT nope FROM runs"])
    assert bad.exit_code == 2
    assert "query:" in bad.output
    empty = CliRunner().invoke(app, ["query", str(one_worker / "runs"), "SELECT 1"])
    assert empty.exit_code == 2
    assert "no campaign runs here" in empty.output


def test_dask_local_cluster_gives_the_same_rows(one_worker: Path, tmp_path: Path) -> None:
    assert run_sweep(SWEEP, tmp_path / "dask", workers=2, engine="dask") == 8
    assert_same(table(tmp_path / "dask"), table(one_worker))


def test_unreachable_scheduler_fails_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local, "CONNECT_TIMEOUT_S", 1)
    out = tmp_path / "sw"
    with pytest.raises(SweepError, match=r"--scheduler tcp://127\.0\.0\.1:9: cannot connect"):
        run_sweep(SWEEP, out, engine="dask", scheduler="tcp://127.0.0.1:9")
    assert not out.exists()
    with pytest.raises(SweepError, match="--scheduler: only with --engine dask"):
        run_sweep(SWEEP, out, scheduler="tcp://127.0.0.1:9")
    with pytest.raises(SweepError, match="--engine: unknown 'ray'"):
        run_sweep(SWEEP, out, engine="ray")


def test_report_has_a_curve_per_figure_and_series(one_worker: Path) -> None:
    html = (one_worker / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    # x: the first varied path; one line per value of the second
    assert html.count("<polyline") == len(FIGURES) * 2
    assert "sim.max_time_s" in html
    assert "doctrine.shots_per_engagement = 2" in html
    assert "<h2>Damage by asset</h2>" in html


def test_damage_by_asset_adds_up(one_worker: Path) -> None:
    t = table(one_worker)
    per_asset = sum(v for k, v in t.items() if k.startswith("damage:"))
    np.testing.assert_allclose(per_asset, t["damage_value"])


def test_report_without_a_grid(tmp_path: Path) -> None:
    run_sweep(Sweep("border-town", 1, (parse_vary("sim.max_time_s=30"),)), tmp_path / "a", 1)
    assert "<polyline" in (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
    run_sweep(Sweep("border-town", 1), tmp_path / "b", workers=1)
    assert "mean " in (tmp_path / "b" / "report.html").read_text(encoding="utf-8")


def test_ctrl_c_keeps_finished_runs_and_the_same_command_resumes(
    one_worker: Path, tmp_path: Path
) -> None:
    """A real interrupt: SIGINT to `cupola sweep` once a batch is written."""
    out = tmp_path / "sw"
    args = ["sweep", "border-town", "--runs", "2", "--workers", "1", "--out", str(out)]
    args += ["--vary", "sim.max_time_s=40,60", "--vary", "doctrine.shots_per_engagement=1,2"]
    code = "from cupola.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while not any((out / "runs").glob("part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (0, 130), err  # 0 when it finished before the signal
    if proc.returncode == 130:
        assert b"the same command resumes" in err
        assert b"Traceback" not in err
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert_same(table(out), table(one_worker))
