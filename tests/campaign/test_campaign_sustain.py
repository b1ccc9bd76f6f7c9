"""Sustainment campaigns: rounds conserved across raids and resupply, stock-outs found where
and when they happen, the same seed the same campaign, bad schedules refused."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from cupola.campaign import Sweep, parse_vary, run_sweep
from cupola.campaign.store import connect_runs
from cupola.campaign.sustain import SustainResult, sustain
from cupola.cli import app
from cupola.errors import ScenarioError
from cupola.output.parquet import read_parquet
from cupola.scenario import load_text
from cupola.scenario.load import _read_builtin


def week(**sustainment: Any) -> dict[str, Any]:
    """The built-in week, shortened to 36 h (raids at 3, 18 and 27 h) and small raids."""
    data = yaml.safe_load(_read_builtin("border-town-week"))
    data["sustainment"]["days"] = 1.5
    data["sustainment"]["raids"] = [
        {"at_h": 3, "count_scale": 0.3},
        {"at_h": 18, "count_scale": 0.2},
    ]
    data["sustainment"].update(sustainment)
    return data


def run(data: dict[str, Any], seed: int = 1) -> SustainResult:
    return sustain(load_text(yaml.safe_dump(data), "test"), seed, "test")


@pytest.fixture(scope="module")
def short_week() -> SustainResult:
    return run(week())


def test_rounds_are_conserved_over_the_campaign(short_week: SustainResult) -> None:
    r, t = short_week, short_week.totals
    assert t["raids"] == 3
    assert r.raids["time_h"].tolist() == [3.0, 18.0, 27.0]
    start = 80 + 60  # the battery's 60 ready and 20 in stock, and the depot
    assert (
        start + t["rounds_produced"]
        == t["interceptors_fired"] + t["interceptors_left"] + (t["depot_left"])
    )
    assert t["rounds_produced"] == 30  # 20 a day for 36 h
    b = r.batteries
    np.testing.assert_array_equal(b["rounds_before"] - b["fired"], b["rounds_after"])
    assert b["fired"].sum() == t["interceptors_fired"] == r.raids["interceptors_fired"].sum()
    # Between raids the battery is refilled towards its basic load of 80, no further.
    assert (r.raids["rounds_before"][1:] >= r.raids["rounds_after"][:-1]).all()
    assert (r.raids["rounds_before"] <= 80).all()
    assert t["leaked"] == r.raids["leaked"].sum()
    assert "zones_alerted" not in t  # distinct zones do not add up over raids
    assert t["stockouts"] == 0
    assert math.isnan(t["first_stockout_h"])


def test_the_stock_trace_holds_the_raids_and_the_depot(short_week: SustainResult) -> None:
    s = short_week.stock
    assert set(s["holder"].tolist()) == {"Battery North", "depot"}
    depot = s["rounds"][s["holder"] == "depot"]
    times = s["time_h"][s["holder"] == "depot"]
    assert depot[0] == 60
    assert times[0] == 0.0
    assert times[-1] == 36.0
    assert np.all(np.diff(times) >= 0)


def test_the_same_seed_gives_the_same_campaign_and_longer_ones_start_alike(
    short_week: SustainResult,
) -> None:
    shorter = run(week(days=1.0))  # the same seed, two raids of the three
    for key, values in shorter.raids.items():
        np.testing.assert_array_equal(values, short_week.raids[key][:2], err_msg=key)
    assert len(set(short_week.raids["seed"].tolist())) == 3  # a stream per raid


def test_a_battery_that_runs_dry_is_reported_with_its_last_launch() -> None:
    data = week(depot_stock=0, production_rounds_per_day=0, days=1.0)
    battery = data["batteries"][0]
    battery["stock"] = 0
    battery["resupply_rounds_per_hour"] = 0
    for launcher in battery["launchers"]:
        launcher["ready_rounds"] = 2
        launcher["capacity"] = 20
    r = run(data)
    assert r.raids["rounds_before"][0] == 6
    assert r.raids["rounds_after"][0] == 0
    assert r.stockouts[0]["battery"] == "Battery North"
    assert r.stockouts[0]["raid"] == 1
    assert len(r.stockouts) == 1  # the second raid starts empty: not a new stock-out
    b = r.batteries
    assert b["ran_out"].tolist() == [True, False]
    assert 3.0 < b["ran_out_h"][0] < 3.0 + 600 / 3600
    assert r.stockouts[0]["when"] == "day 1 03:0" + r.stockouts[0]["when"][-1]
    assert r.raids["interceptors_fired"].tolist() == [6, 0]
    assert r.totals["first_stockout_h"] == r.stockouts[0]["time_h"]
    assert r.totals["batteries_run_out"] == 1
    assert math.isnan(r.depot_short_h)  # nothing was ever asked of the depot


def test_a_scenario_without_a_campaign_is_refused() -> None:
    data = week()
    del data["sustainment"]
    with pytest.raises(ScenarioError, match="no sustainment section"):
        run(data)


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"raids": [{"at_h": 3}, {"at_h": 3.1}]}, "sustainment.raids.1.at_h", "before it can"),
        ({"raids": [{"at_h": 40}]}, "sustainment.raids.0.at_h", "after the campaign's end"),
        ({"days": 1, "raids": [{"at_h": 23.95}]}, "raids.0.at_h", "can run past the campaign's"),
        ({"raids": [{"at_h": 1, "count_scale": 1000}]}, "count_scale", "at most 100,000"),
        ({"repeat_every_h": 0.2, "days": 366}, "repeat_every_h", "at most 10,000"),
        (
            {"raids": [{"at_h": 1, "raid": {"salvos": [{"threat": "nope"}]}}]},
            "sustainment.raids.0.raid.salvos.0",
            "",
        ),
    ],
)
def test_bad_schedules_are_refused_naming_the_field(
    change: dict[str, Any], field: str, reason: str
) -> None:
    data = week(**change)
    data["raid"]["salvos"][0]["count"] = 200  # times 1000: over the most a salvo may hold
    with pytest.raises(ScenarioError) as err:
        load_text(yaml.safe_dump(data), "test")
    assert field in str(err.value)
    assert reason in str(err.value)


def test_an_unknown_threat_in_a_slot_raid_is_named() -> None:
    salvo = yaml.safe_load(_read_builtin("border-town"))["raid"]["salvos"][0]
    salvo["threat"] = "scud-z"
    data = week(raids=[{"at_h": 1, "raid": {"salvos": [salvo]}}])
    with pytest.raises(ScenarioError, match=r"sustainment\.raids\.0\.raid\.salvos\.0\.threat"):
        load_text(yaml.safe_dump(data), "test")


def test_cli_writes_the_folder_and_reports_the_stockouts(tmp_path: Path) -> None:
    data = week(depot_stock=0, production_rounds_per_day=0)
    data["batteries"][0]["resupply_rounds_per_hour"] = 0
    data["batteries"][0]["stock"] = 0
    for launcher in data["batteries"][0]["launchers"]:
        launcher["ready_rounds"] = 4
        launcher["capacity"] = 20
    scenario = tmp_path / "week.yaml"
    scenario.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["sustain", str(scenario), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "ran out of interceptors on day" in res.output
    assert {p.name for p in out.iterdir()} == {
        "raids.parquet",
        "batteries.parquet",
        "stock.parquet",
        "summary.json",
        "report.html",
        "scenario.yaml",
    }
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["stockouts"] == len(summary["stockouts"]) >= 1
    assert summary["depot_short"] is not None or summary["totals"]["rounds_delivered"] == 0
    raids = read_parquet(out / "raids.parquet")
    assert raids["raid"].tolist() == [1, 2, 3]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "ran out of interceptors on day" in html
    assert "<script" not in html
    # A second run refuses the folder, then replaces it with --overwrite.
    again = CliRunner().invoke(app, ["sustain", str(scenario), "--out", str(out)])
    assert again.exit_code == 2
    assert "--overwrite" in again.output
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    kept = CliRunner().invoke(app, ["sustain", str(scenario), "--out", str(out), "--overwrite"])
    assert kept.exit_code == 2
    assert "not a Cupola sustainment folder" in kept.output
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_launcher_that_starts_empty_needs_a_capacity_in_a_campaign() -> None:
    data = week()
    data["batteries"][0]["stock"] = 0
    data["batteries"][0]["launchers"][0]["ready_rounds"] = 0
    with pytest.raises(ScenarioError, match=r"batteries\.0\.launchers\.0\.capacity"):
        load_text(yaml.safe_dump(data), "test")


def test_cli_refuses_a_scenario_without_a_campaign(tmp_path: Path) -> None:
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "mine.txt").write_text("mine", encoding="utf-8")
    res = CliRunner().invoke(app, ["sustain", "border-town", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert res.output.startswith("error: border-town: sustainment:")
    assert "border-town: sustainment: the scenario has no sustainment section" in res.output
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["mine.txt"]


def test_a_sweep_over_a_campaign_has_one_row_per_campaign(
    tmp_path: Path, short_week: SustainResult
) -> None:
    scenario = tmp_path / "week.yaml"
    scenario.write_text(yaml.safe_dump(week()), encoding="utf-8")
    sweep = Sweep(str(scenario), 2, (parse_vary("sustainment.production_rounds_per_day=20"),))
    assert run_sweep(sweep, tmp_path / "sw", workers=1) == 2
    con = connect_runs(tmp_path / "sw")
    try:
        row = con.execute(
            "SELECT leaked, interceptors_fired, rounds_produced, stockouts, "
            "\"damage:Town\" FROM runs WHERE run_id = 'p0-s1'"
        ).fetchone()
    finally:
        con.close()
    t = short_week.totals
    assert row == (t["leaked"], t["interceptors_fired"], 30, 0, t["damage:Town"])
    html = (tmp_path / "sw" / "report.html").read_text(encoding="utf-8")
    assert "Share of campaigns in which a battery ran out" in html
