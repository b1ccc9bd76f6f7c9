"""The planner end to end: coverage against a closed form, agreement with the full
simulation, the plan folder, and bad input refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from cupola.cli import app
from cupola.errors import InputError
from cupola.scenario import load, load_text
from cupola.scenario.load import _read_builtin
from cupola.sim.world import compile_world
from cupola.siting.agreement import agreement
from cupola.siting.coverage import coverage
from cupola.siting.plan import PlanOptions, plan, proximity_cost
from cupola.siting.sample import ThreatSample


def one_path(z: float, t_end: float = 40.0) -> ThreatSample:
    """A threat flying level at height ``z`` along x from -20 km to +20 km in 40 s."""
    t = np.linspace(0.0, t_end, 401)
    path = np.column_stack([-20_000 + 1000.0 * t, np.zeros_like(t), np.full_like(t, z)])
    return ThreatSample(
        path=path[None],
        path_time=t[None],
        engage_from=np.array([0.0]),
        impact_time=np.array([t_end]),
        impact=np.array([[20_000.0, 0.0, 0.0]]),
        value=np.array([1.0]),
        hits=np.ones((1, 1), bool),
        type_idx=np.zeros(1, np.int64),
        weight=np.ones(1),
    )


def test_coverage_follows_the_envelope_in_closed_form() -> None:
    """Tamir: 15 km reach. A site on the path's line sees the threat come straight at it;
    one 14 km to the side barely; one 16 km to the side never; a path below the lowest
    intercept altitude never."""
    world = compile_world(load("border-town"))
    it = world.interceptors
    sites = np.array([[0.0, 0.0, 0.0], [0.0, 14_000.0, 0.0], [0.0, 16_000.0, 0.0]])
    m = coverage(it, 0, sites, one_path(1000.0), 300.0, 3.0, (2.0, 2.0))
    assert m[0, 0] >= 2  # time for a second engagement after the first
    assert m[1, 0] >= 1
    assert m[2, 0] == 0
    assert (coverage(it, 0, sites, one_path(200.0), 300.0, 3.0, (2.0, 2.0)) == 0).all()
    # Launching no earlier than the threat's earliest engagement, with nothing before it.
    late = one_path(1000.0)
    late = ThreatSample(**{**late.__dict__, "engage_from": np.array([39.0])})
    assert coverage(it, 0, sites, late, 300.0, 3.0, (2.0, 2.0))[0, 0] == 0


def test_the_coverage_model_agrees_with_the_full_simulation() -> None:
    """Pooled over sites of the three kinds of raid, the model and the simulation agree on
    whether a battery can engage a threat at least 95 % of the time."""
    same, bound = [], []
    for name, offsets in (
        ("border-town", [(0, 0), (0, -8000)]),
        ("city-mixed-raid", [(0, 0)]),
        ("drone-night", [(0, 0)]),
    ):
        sc = load(name)
        w = compile_world(sc)
        for dx, dy in offsets:
            a = agreement(sc, w.units.battery_pos[0] + np.array([dx, dy, 0.0]), 1)
            same.append(a.model == a.simulated)
            bound.append((a.model == a.simulated)[a.bound])
    assert np.concatenate(same).mean() >= 0.95
    assert np.concatenate(bound).mean() >= 0.95


@pytest.fixture(scope="module")
def border_plan() -> object:
    return plan(load("border-town"), "border-town", PlanOptions(batteries=2, samples=300))


def test_a_plan_improves_on_its_mexclp_start(border_plan) -> None:
    p = border_plan
    assert p.mexclp.optimal
    # The default grid has a site in each asset, where the naive layout puts its batteries.
    assert p.candidates.names[-2:] == ["at Town", "at Water works"]
    # The swaps on the engagement-sequence model start from the MEXCLP's layout: the plan's
    # objective (value less the proximity cost) is at least the start's.
    model = p.model
    cost = proximity_cost(p.candidates, p.sample, p.options.proximity)
    start = model.values(p.candidates.pos, p.mexclp.sites[None])[0] - cost[p.mexclp.sites].sum()
    assert p.layout.objective >= start - 1e-9
    assert np.isclose(p.layout.objective, p.planned_value - cost[p.layout.sites].sum())
    assert p.planned_value <= p.threatened_value + 1e-9
    assert [c["batteries"] for c in p.curve] == [1, 2]
    assert [b.name for b in p.planned.batteries] == [
        f"Battery {i + 1} ({p.candidates.names[s][:80]})" for i, s in enumerate(p.layout.sites)
    ]
    # The planned scenario is a valid scenario file.
    text = yaml.safe_dump(p.planned.model_dump(mode="json", exclude_none=True))
    assert len(load_text(text, "planned").batteries) == 2


def test_cli_writes_the_plan_folder(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    res = CliRunner().invoke(
        app,
        [
            "plan",
            "border-town",
            "--batteries",
            "1",
            "--samples",
            "200",
            "--runs",
            "2",
            "--workers",
            "1",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert {p.name for p in out.iterdir()} == {
        "sites.geojson",
        "scenario.yaml",
        "naive.yaml",
        "coverage.geojson",
        "plan.json",
        "report.html",
        "mc",
    }
    summary = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert summary["monte_carlo"]["runs"] == 2
    assert set(summary["monte_carlo"]["layouts"]) == {"planned", "naive"}
    sites = json.loads((out / "sites.geojson").read_text(encoding="utf-8"))
    assert len(sites["features"]) == 1
    cov = json.loads((out / "coverage.geojson").read_text(encoding="utf-8"))
    assert {f["properties"]["asset"] for f in cov["features"]} == {"Town", "Water works"}
    assert load(str(out / "scenario.yaml")).batteries[0].name.startswith("Battery 1")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Monte Carlo check" in html
    assert "<script" not in html


def _points(path: Path, points: list[tuple[float, float]]) -> Path:
    features = [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [x, y]}}
        for x, y in points
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda d: [
                "--batteries",
                "5",
                "--candidates",
                str(_points(d / "c.json", [(34.45, 31.30)])),
            ],
            "--batteries: 5 batteries but only 1 candidate site ",
        ),
        (
            lambda d: [
                "--batteries",
                "1",
                "--candidates",
                str(_points(d / "c.json", [(34.95, 31.30)])),
            ],
            "lies outside the planning area",
        ),
        (lambda d: ["--batteries", "0"], "--batteries: must be at least 1"),
        (lambda d: ["--batteries", "1", "--candidates", str(d / "missing.json")], "no such file"),
        (lambda d: ["--batteries", "1", "--samples", "5"], "--samples"),
    ],
)
def test_bad_plans_are_refused_in_one_line(tmp_path: Path, setup, message: str) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app, ["plan", "border-town", *setup(tmp_path), "--runs", "0", "--out", str(out)]
    )
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert not out.exists()


def test_a_scenario_without_a_battery_to_copy_is_refused() -> None:
    data = yaml.safe_load(_read_builtin("border-town"))
    data["batteries"] = []
    sc = load_text(yaml.safe_dump(data), "test")
    with pytest.raises(InputError, match="copies the scenario's first battery"):
        plan(sc, "test", PlanOptions(batteries=1, samples=50))


def test_a_plan_with_no_site_that_can_intercept_anything_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(_read_builtin("border-town"))
    data["doctrine"]["min_intercept_altitude_m"] = 9000  # above every rocket of the raid
    (tmp_path / "high.yaml").write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        [
            "plan",
            str(tmp_path / "high.yaml"),
            "--batteries",
            "1",
            "--samples",
            "100",
            "--runs",
            "0",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 2
    assert "no candidate site can intercept any of the" in res.output
    assert not out.exists()


def _polygon(path: Path, lon0: float, lat0: float, lon1: float, lat1: float) -> Path:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def test_excluded_areas_take_no_battery(tmp_path: Path) -> None:
    sc = load("border-town")
    town = _polygon(tmp_path / "town.json", 34.42, 31.27, 34.48, 31.33)
    p = plan(sc, "border-town", PlanOptions(batteries=1, samples=200, exclusions=town))
    b = p.planned.batteries[0].position
    assert not (34.42 <= b.lon <= 34.48 and 31.27 <= b.lat <= 31.33)
    everywhere = _polygon(tmp_path / "all.json", 34.0, 31.0, 35.0, 32.0)
    with pytest.raises(InputError, match="every candidate site lies in an excluded area"):
        plan(sc, "border-town", PlanOptions(batteries=1, samples=50, exclusions=everywhere))


def test_sample_weights_stand_for_the_whole_raid() -> None:
    """However few threats are sampled, each salvo's weights add up to its count."""
    from cupola.siting.sample import sample_threats

    world = compile_world(load("border-town"))
    s = sample_threats(world, 10, np.random.default_rng(3), 2.0)
    assert s.weight.sum() == pytest.approx(80.0)  # the raid's 30 + 20 + 16 + 14
    assert len(s.value) < 80


def test_a_hole_in_an_excluded_area_keeps_its_sites(tmp_path: Path) -> None:
    from cupola.siting.sites import read_candidates, read_exclusions

    world = compile_world(load("border-town"))
    outer = [[34.40, 31.25], [34.50, 31.25], [34.50, 31.35], [34.40, 31.35], [34.40, 31.25]]
    hole = [[34.44, 31.29], [34.46, 31.29], [34.46, 31.31], [34.44, 31.31], [34.44, 31.29]]
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [outer, hole]},
    }
    path = tmp_path / "ring.json"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    area = read_exclusions(path, world)
    c = read_candidates(_points(tmp_path / "c.json", [(34.45, 31.30), (34.42, 31.27)]), world)
    from cupola.siting.sites import exclude

    assert exclude(c, area).names == ["site 0"]
