"""Replay of a run folder: frames at a time from the recorded tables, scrubbing, and a
folder that is not a run folder refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from cupola.errors import InputError
from cupola.live.app import create_app
from cupola.live.base import Control
from cupola.live.replay import Recording, ReplayRun
from cupola.live.session import LiveRun
from cupola.output.runfolder import write_run
from cupola.sim.summary import summarize

TOKEN = "replay-token"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, run_builtin) -> Path:
    out = tmp_path_factory.mktemp("replay") / "run"
    result = run_builtin("border-town", 1)
    write_run(result, summarize(result), out)
    return out


def test_a_replay_frame_shows_the_recorded_tracks(folder: Path, border_town_run) -> None:
    rec = Recording(folder)
    run = ReplayRun(rec)
    run.apply(Control(action="seek", time=40.0))
    f = run.frame()
    assert f["time"] == 40.0
    json.dumps(f, allow_nan=False)
    tr = border_town_run.tracks
    at = tr["time"][tr["time"] <= 40.0].max()
    expect = set(tr["track_id"][tr["time"] == at].tolist())
    assert {t["track_id"] for t in f["tracks"]} >= expect
    assert all(t["class"] in ("rocket", "mortar round", "unknown") for t in f["tracks"])
    assert f["impacts"]
    assert {p["track_id"] for p in f["impacts"]} <= {t["track_id"] for t in f["tracks"]}
    assert f["events"] == []  # a seek sends no backlog
    run.apply(Control(action="step"))
    later = run.frame()
    assert later["time"] == 41.0
    ev = border_town_run.events
    expected = int(((ev["time"] > 40.0) & (ev["time"] <= 41.0)).sum())
    assert len(later["events"]) == expected
    # Interceptors in flight once the battery has fired.
    first = float(ev["time"][ev["kind"] == "interceptor_launch"].min())
    run.apply(Control(action="seek", time=first + 3.0))
    icpt = run.frame()["interceptors"]
    assert icpt
    assert all(i["track_id"] >= 0 for i in icpt)
    fired = run.frame()["batteries"][0]["ready_rounds"]
    assert fired < 60
    run.apply(Control(action="seek", time=1e9))
    assert run.done
    assert run.advance(1.0) == 0


def test_a_live_run_cannot_seek_and_says_so(world_border) -> None:
    with TestClient(create_app(LiveRun(world_border, 0), TOKEN, fps=50.0)) as client:
        r = client.post(
            "/api/control",
            json={"action": "seek", "time": 10.0},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert r.status_code == 409
        assert "cannot seek" in r.json()["error"]


def test_not_a_run_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such run folder"):
        Recording(tmp_path / "nothing")
    (tmp_path / "scenario.yaml").write_text("x: 1\n")
    with pytest.raises(InputError, match=r"events\.parquet"):
        Recording(tmp_path)


@pytest.fixture(scope="module")
def world_border():
    from cupola.scenario import load
    from cupola.sim.world import compile_world

    return compile_world(load("border-town"))


def test_speed_moves_the_replay_clock(folder: Path) -> None:
    run = ReplayRun(Recording(folder))
    run.apply(Control(action="speed", speed=10.0))
    run.advance(0.5)
    assert np.isclose(run.t, 5.0)
    run.apply(Control(action="pause"))
    run.advance(5.0)
    assert np.isclose(run.t, 5.0)


def test_serve_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cupola.cli import app

    res = CliRunner().invoke(app, ["serve", "--run", str(tmp_path / "none")])
    assert res.exit_code == 2
    assert "no such run folder" in res.output


def test_replay_alerts_threats_and_no_ghost_interceptors(folder: Path, run_builtin) -> None:
    """At each alert in the recording the zone is lit; some track threatens the town; after
    the last interceptor has ended none is shown."""
    result = run_builtin("border-town", 1)
    ev = result.events
    run = ReplayRun(Recording(folder))
    alert = ev["kind"] == "alert"
    t0, zone = float(ev["time"][alert][0]), int(ev["zone_id"][alert][0])
    run.apply(Control(action="seek", time=t0))
    f = run.frame()
    assert zone in f["alerts"]
    threatened = set()
    for t in np.arange(0.0, run.rec.end_time, 5.0):
        run.apply(Control(action="seek", time=float(t)))
        threatened |= {tr["threatens"] for tr in run.frame()["tracks"]}
    assert "Town" in threatened
    ends = ev["time"][np.isin(ev["kind"], ("intercept", "miss"))].max()
    run.apply(Control(action="seek", time=float(ends) + 2.0))
    assert run.frame()["interceptors"] == []


def test_a_run_that_fails_tells_the_clients(world_border) -> None:
    class Broken(LiveRun):
        def frame(self) -> dict:
            raise RuntimeError("boom")

    with (
        TestClient(create_app(Broken(world_border, 0), TOKEN, fps=50.0)) as client,
        client.websocket_connect("/ws") as ws,
    ):
        msg = ws.receive_json()
        assert msg["type"] == "error"
        assert "the run stopped: RuntimeError: boom" in msg["message"]
