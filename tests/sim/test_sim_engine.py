"""Engine behaviour across stages: reloads from stock, kills stop flight, ids and bookkeeping."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import yaml

from cupola.scenario import load_text
from cupola.scenario.load import _read_builtin
from cupola.sim.engine import RunResult, simulate
from cupola.sim.summary import summarize
from cupola.sim.world import compile_world
from cupola.threats.base import KILLED, LANDED

Runner = Callable[[str, int], RunResult]


def _border_town(**battery: object) -> RunResult:
    data = yaml.safe_load(_read_builtin("border-town"))
    bat = data["batteries"][0]
    bat.update({k: v for k, v in battery.items() if k != "ready"})
    for ln in bat["launchers"]:
        ln["ready_rounds"] = battery.get("ready", ln["ready_rounds"])
    return simulate(compile_world(load_text(yaml.safe_dump(data), "test")), 1)


def test_reload_from_stock() -> None:
    r = _border_town(ready=2, stock=6, reload_time_s=10.0)
    s = summarize(r)
    assert s["interceptors_fired"] > 6  # more than the launchers held: they were reloaded
    assert s["interceptors_fired"] + s["interceptors_left"] == 3 * 2 + 6
    assert (r.units.ready >= 0).all()
    assert (r.units.stock >= 0).all()
    # No launcher fires before its first reload could have completed once it ran dry.
    launches = r.events["time"][r.events["kind"] == "interceptor_launch"]
    assert np.all(np.diff(np.sort(launches)) >= 0)


def test_no_rounds_no_launches() -> None:
    s = summarize(_border_town(ready=0, stock=0))
    assert s["interceptors_fired"] == 0
    assert s["intercepted"] == 0
    assert s["leaked"] == s["threatening"]


def test_killed_threats_stop_flying(run_builtin: Runner) -> None:
    r = run_builtin("border-town", 1)
    th = r.threats
    killed = np.flatnonzero(th.fate == KILLED)
    assert len(killed) > 0
    tr = r.truth
    is_threat = tr["object"] == "threat"
    for k in killed[:10]:
        rows = is_threat & (tr["id"] == k)
        assert tr["time"][rows].max() <= th.impact_time[k] + r.world.scenario.sim.truth_step_s
    # every threat ended one way or the other, with a time
    assert np.isin(th.fate, [KILLED, LANDED]).all()
    assert np.isfinite(th.impact_time).all()


def test_impacts_on_ground_and_hits_within_lethal_radius(run_builtin: Runner) -> None:
    r = run_builtin("city-mixed-raid", 1)
    ev = r.events
    imp = ev["kind"] == "impact"
    np.testing.assert_allclose(ev["z_m"][imp], 0.0, atol=1e-6)
    hit_rows = imp & np.char.startswith(ev["detail"].astype(str), "hit:")
    assert hit_rows.sum() == summarize(r)["hits_on_defended_assets"]


def test_track_ids_unique_per_confirmation(run_builtin: Runner) -> None:
    ev = run_builtin("city-mixed-raid", 1).events
    confirmed = ev["track_id"][ev["kind"] == "track_confirmed"]
    assert len(np.unique(confirmed)) == len(confirmed)


def test_engagements_only_on_confirmed_tracks(run_builtin: Runner) -> None:
    ev = run_builtin("city-mixed-raid", 1).events
    confirmed = set(ev["track_id"][ev["kind"] == "track_confirmed"].tolist())
    engaged = set(ev["track_id"][ev["kind"] == "engagement"].tolist())
    assert engaged <= confirmed
