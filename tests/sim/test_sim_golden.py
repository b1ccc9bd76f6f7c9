"""Every built-in scenario runs end to end and its summary matches the committed golden file.

Regenerate the golden files after an intended change of behaviour with
``CUPOLA_UPDATE_GOLDEN=1 .venv/bin/pytest tests/sim/test_sim_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from cupola.scenario import builtin_names
from cupola.sim.engine import RunResult, simulate
from cupola.sim.summary import summarize
from cupola.sim.world import compile_world

GOLDEN = Path(__file__).parent.parent / "golden"
Runner = Callable[[str, int], RunResult]


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_summary_matches_golden(name: str, run_builtin: Runner) -> None:
    summary = summarize(run_builtin(name, 1))
    path = GOLDEN / f"{name}.summary.json"
    if os.environ.get("CUPOLA_UPDATE_GOLDEN"):
        path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    golden = json.loads(path.read_text(encoding="utf-8"))
    assert summary == golden


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_accounting_is_consistent(name: str, run_builtin: Runner) -> None:
    s = summarize(run_builtin(name, 1))
    # every launched threat ends one way or another (or is cut short by max_time_s)
    assert s["threats"] == s["intercepted"] + s["impacts"] + s["threats_in_flight_at_end"]
    assert s["intercepted"] <= s["engaged"]
    assert s["impacts"] == s["hits_on_defended_assets"] + s["impacts_open_ground"]
    assert s["engaged"] == s["engaged_threatening"] + s["engaged_not_threatening"]
    assert s["threatening"] == s["intercepted_threatening"] + s["leaked"]
    assert s["intercepted"] <= s["interceptors_fired"]  # one burst kills at most one threat
    assert sum(s["hits_per_asset"].values()) >= s["hits_on_defended_assets"]
    assert s["interceptor_cost"] > 0
    assert s["threat_cost"] > 0


def test_same_seed_same_events_and_summary(run_builtin: Runner) -> None:
    world = compile_world(run_builtin("border-town", 1).world.scenario)
    a = simulate(world, 5)
    b = simulate(world, 5)
    assert summarize(a) == summarize(b)
    assert a.events.keys() == b.events.keys()
    for k in a.events:
        np.testing.assert_array_equal(a.events[k], b.events[k], err_msg=k)
    np.testing.assert_array_equal(a.plots.range_m, b.plots.range_m)


def test_different_seeds_differ(run_builtin: Runner) -> None:
    world = compile_world(run_builtin("border-town", 1).world.scenario)
    assert not np.array_equal(simulate(world, 2).plots.range_m, simulate(world, 3).plots.range_m)


def test_border_town_engages_the_town_and_spares_open_ground(run_builtin: Runner) -> None:
    """The defended-area rule: most rockets bound for open ground are not engaged, most of
    those bound for the town are."""
    s = summarize(run_builtin("border-town", 1))
    open_ground = s["threats"] - s["threatening"]
    assert open_ground >= 20
    assert s["threatening"] >= 20
    assert s["ignored_not_threatening"] / open_ground >= 0.8
    assert s["engaged_threatening"] / s["threatening"] >= 0.8
    assert s["intercepted"] >= 0.6 * s["threatening"]


def test_event_times_ordered_and_within_run(border_town_run: RunResult) -> None:
    ev = border_town_run.events
    assert np.all(np.diff(ev["time"]) >= 0)
    assert ev["time"][0] >= 0
    assert ev["time"][-1] <= border_town_run.end_time + 1e-9
    kinds = set(ev["kind"].tolist())
    expected = {"launch", "detection", "track_confirmed", "classified", "impact_predicted"}
    expected |= {"alert", "engagement", "interceptor_launch", "intercept", "impact"}
    assert expected <= kinds


def test_every_intercept_follows_its_launch(border_town_run: RunResult) -> None:
    """Each burst follows a launch from the same launcher at the same track, which follows an
    engagement of that track by that launcher by at least the battery's reaction time."""
    ev = border_town_run.events
    kinds = ev["kind"]
    reaction = border_town_run.world.units.reaction_s[0]
    ends = np.flatnonzero((kinds == "intercept") | (kinds == "miss"))
    assert len(ends) > 0
    for i in ends:
        same = (ev["track_id"] == ev["track_id"][i]) & (ev["unit_id"] == ev["unit_id"][i])
        launches = ev["time"][same & (kinds == "interceptor_launch")]
        assert (launches < ev["time"][i]).any()
        first = launches[launches < ev["time"][i]].max()
        orders = ev["time"][same & (kinds == "engagement")]
        assert (orders <= first - reaction + 1e-9).any()
