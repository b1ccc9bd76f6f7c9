"""The ``cupola`` command line: listing, validation, runs, and one-line errors with exit code 2.

Bad inputs go through typer's in-process runner (fast); ``python -m cupola.cli`` is exercised
in subprocesses for the listing, two representative bad inputs and the two real runs of the
small built-in ``border-town``.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from cupola.cli import app
from cupola.scenario import builtin_names, load

RUN_FILES = {
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

_BASE: dict[str, Any] = yaml.safe_load(
    (resources.files("cupola.scenario.builtin") / "border-town.yaml").read_text("utf-8")
)


def _python_m(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "cupola.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
        check=False,
    )


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones included) with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _assert_one_error_line(stderr: str, *parts: str) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    for part in parts:
        assert part in lines[0], (part, stderr)


# -- bad scenarios: (id, how to make the file, words the error line must contain) -------------


def _mutated(mutate: Callable[[dict[str, Any]], None]) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        data = copy.deepcopy(_BASE)
        mutate(data)
        path = tmp / "bad.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return make


def _text(text: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / "bad.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return make


def _nested_unknown(d: dict[str, Any]) -> None:
    d["raid"]["salvos"][0]["colour"] = "red"


def _negative_count(d: dict[str, Any]) -> None:
    d["raid"]["salvos"][1]["count"] = -1


def _schema_2(d: dict[str, Any]) -> None:
    d["schema_version"] = 2


def _unknown_threat(d: dict[str, Any]) -> None:
    d["raid"]["salvos"][0]["threat"] = "katyusha"


def _far_radar(d: dict[str, Any]) -> None:
    d["radars"][0]["position"] = {"lat": 40.3, "lon": 34.45}


def _point_outline(d: dict[str, Any]) -> None:
    d["assets"][0]["outline"] = [{"lat": 31.3, "lon": 34.45}] * 3


def _markup_key(d: dict[str, Any]) -> None:
    d["[/red]"] = 1


def _newline_key(d: dict[str, Any]) -> None:
    d["two\nlines"] = 1


BAD: list[tuple[str, Callable[[Path], Path], tuple[str, ...]]] = [
    ("missing-file", lambda tmp: tmp / "nope.yaml", ("nope.yaml", "no such file")),
    ("directory", lambda tmp: tmp, ("is a directory",)),
    (
        "unclosed-bracket",
        _text("schema_version: 1\nname: [x\nfoo: 1\n"),
        ("bad.yaml", "line 3", "not valid YAML"),
    ),
    ("top-level-list", _text("- 1\n- 2\n"), ("bad.yaml", "expected a mapping")),
    (
        "unknown-nested-field",
        _mutated(_nested_unknown),
        ("bad.yaml", "raid.salvos.0.colour", "unknown field"),
    ),
    (
        "negative-count",
        _mutated(_negative_count),
        ("bad.yaml", "raid.salvos.1.count", "greater than or equal to 1"),
    ),
    ("schema-2", _mutated(_schema_2), ("bad.yaml", "schema_version", "unsupported")),
    (
        "unknown-threat",
        _mutated(_unknown_threat),
        ("bad.yaml", "raid.salvos.0.threat", "unknown threat type"),
    ),
    ("far-radar", _mutated(_far_radar), ("bad.yaml", "radars.0.position", "km from the origin")),
    (
        "point-outline",
        _mutated(_point_outline),
        ("bad.yaml", "assets.0.outline", "encloses no area"),
    ),
    ("markup-key", _mutated(_markup_key), ("bad.yaml", "[/red]", "unknown field")),
    ("newline-key", _mutated(_newline_key), ("bad.yaml", "two\\nlines", "unknown field")),
]


@pytest.mark.parametrize(("make", "parts"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_validate_bad_input_exits_2_with_one_line(
    make: Callable[[Path], Path], parts: tuple[str, ...], tmp_path: Path
) -> None:
    path = make(tmp_path)
    result = _invoke("validate", str(path))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    _assert_one_error_line(result.stderr, str(path), *parts)


@pytest.mark.parametrize(("make", "parts"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_run_bad_input_exits_2_and_writes_nothing(
    make: Callable[[Path], Path],
    parts: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    path = make(work)
    monkeypatch.chdir(work)
    before = sorted(p.name for p in work.iterdir())
    for extra in ([], ["--out", str(work / "out")]):
        result = _invoke("run", str(path), *extra)
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        _assert_one_error_line(result.stderr, str(path), *parts)
        # no run folder, no default runs/ folder, no hidden .partial folder
        assert sorted(p.name for p in work.iterdir()) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


@pytest.mark.parametrize("index", [0, 4])
def test_python_m_bad_input_has_no_traceback(index: int, tmp_path: Path) -> None:
    path = BAD[index][1](tmp_path)
    for args in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "o")]):
        proc = _python_m(*args, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == ""
        _assert_one_error_line(proc.stderr, str(path), *BAD[index][2])
    assert not (tmp_path / "o").exists()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_negative_seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = _invoke("run", "border-town", "--seed", "-1")
    assert result.exit_code == 2
    assert result.stdout == ""
    _assert_one_error_line(result.stderr, "--seed", "non-negative", "-1")
    assert list(tmp_path.iterdir()) == []


def test_scenarios_lists_one_line_per_builtin() -> None:
    proc = _python_m("scenarios")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    names = builtin_names()
    assert len(lines) == len(names)
    for line, name in zip(lines, names, strict=True):
        assert line.split()[0] == name
        # the description's first sentence
        first = " ".join(load(name).description.split()).split(". ")[0].rstrip(".")
        assert line.rstrip().endswith(first)
        assert len(line) <= 100


def test_validate_good_file_and_builtin(tmp_path: Path) -> None:
    path = tmp_path / "copy.yaml"
    path.write_text(yaml.safe_dump(_BASE), encoding="utf-8")
    for arg in (str(path), "border-town"):
        result = _invoke("validate", arg)
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
        lines = result.stdout.splitlines()
        assert len(lines) == 1
        assert lines[0].startswith(f"{arg}: valid scenario 'border-town'")
        assert "80 threats in 4 salvos" in lines[0]
        assert "3 launchers" in lines[0]


def test_run_into_non_empty_folder_is_refused_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "notes.txt").write_bytes(b"keep me\x00\xff")
    (out / "sub" / "data.bin").write_bytes(bytes(range(256)))
    before = _tree(tmp_path)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    result = _invoke("run", "border-town", "--out", str(out))
    assert result.exit_code == 2
    _assert_one_error_line(result.stderr, str(out), "not empty", "--overwrite")
    assert _tree(tmp_path) == before
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == mtimes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_run_onto_a_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "a-file"
    out.write_bytes(b"x")
    result = _invoke("run", "border-town", "--out", str(out), "--overwrite")
    assert result.exit_code == 2
    _assert_one_error_line(result.stderr, str(out), "not a folder")
    assert out.read_bytes() == b"x"


# -- the two real runs ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def first_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    base = tmp_path_factory.mktemp("run")
    proc = _python_m("run", "border-town", "--seed", "3", "--out", str(base / "bt"), cwd=base)
    return base / "bt", proc


def _table_value(stdout: str, label: str) -> str:
    row = next(line for line in stdout.splitlines() if label in line)
    cells = [c.strip() for c in re.split(r"[│|┃]", row) if c.strip()]
    return cells[-1]


def test_run_writes_the_run_folder(
    first_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    folder, proc = first_run
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "error" not in proc.stderr
    assert {p.name for p in folder.iterdir()} == RUN_FILES
    assert not any(p.name.startswith(".") for p in folder.parent.iterdir())
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary["scenario"] == "border-town"
    assert summary["seed"] == 3
    assert summary["threats"] == 80
    # the printed table shows the summary's figures, then the folder and the report path
    assert "border-town (seed 3)" in proc.stdout
    assert _table_value(proc.stdout, "threats launched") == str(summary["threats"])
    assert _table_value(proc.stdout, "intercepted") == str(summary["intercepted"])
    assert _table_value(proc.stdout, "interceptors fired") == str(summary["interceptors_fired"])
    lines = proc.stdout.splitlines()
    assert lines[-2] == f"Run folder: {folder}"
    assert lines[-1] == f"Report:     {folder / 'report.html'}"
    assert (folder / "report.html").read_text("utf-8").lstrip().lower().startswith("<!doctype html")


def test_run_parquet_columns(first_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    folder, _ = first_run

    def columns(name: str) -> list[str]:
        rel = duckdb.sql(f"SELECT * FROM read_parquet('{folder / name}')")
        assert rel is not None
        return list(rel.columns)

    assert {"time", "kind", "threat_id", "track_id", "unit_id"} <= set(columns("events.parquet"))
    assert columns("plots.parquet")[:5] == [
        "time",
        "sensor_id",
        "range_m",
        "azimuth_rad",
        "elevation_rad",
    ]
    assert {"time", "track_id", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps"} <= set(
        columns("tracks.parquet")
    )
    assert {"time", "x_m", "y_m", "z_m", "lat", "lon"} <= set(columns("truth.parquet"))
    rel = duckdb.sql(f"SELECT DISTINCT kind FROM read_parquet('{folder / 'events.parquet'}')")
    assert rel is not None
    kinds = rel.fetchall()
    assert {"launch", "impact"} <= {k for (k,) in kinds}


def test_written_scenario_validates_again(
    first_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    folder, _ = first_run
    written = folder / "scenario.yaml"
    result = _invoke("validate", str(written))
    assert result.exit_code == 0, result.output
    assert "valid scenario 'border-town'" in result.stdout
    assert load(written) == load("border-town")


def test_overwrite_replaces_the_folder(
    first_run: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    folder, _ = first_run
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("an older run", encoding="utf-8")
    proc = _python_m(
        "run", "border-town", "--seed", "3", "--out", str(out), "--overwrite", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in out.iterdir()} == RUN_FILES
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no .old / .partial left
    # same scenario and seed: the same figures
    assert (out / "summary.json").read_text("utf-8") == (folder / "summary.json").read_text("utf-8")


def test_overwrite_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    """--overwrite replaces a previous run, never a folder holding anything else."""
    out = tmp_path / "src"
    out.mkdir()
    (out / "main.py").write_text("code", encoding="utf-8")
    proc = _python_m("run", "border-town", "--out", str(out), "--overwrite", cwd=tmp_path)
    assert proc.returncode == 2
    assert "not a Cupola run folder" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert [p.name for p in out.iterdir()] == ["main.py"]
    assert (out / "main.py").read_text(encoding="utf-8") == "code"
    for bad in (".", str(tmp_path / "src" / "main.py" / "sub")):
        proc = _python_m("run", "border-town", "--out", bad, "--overwrite", cwd=tmp_path)
        assert proc.returncode == 2, bad
        assert len(proc.stderr.strip().splitlines()) == 1
