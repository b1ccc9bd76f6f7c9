"""Operator mode over the live API: proposals in the frames, approval and refusals through
``/api/control``, holds of fire, the score against the automatic battle manager at the end,
and the session's run folder replayed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cupola.live.app import create_app
from cupola.live.base import Control, ControlError
from cupola.live.replay import Recording, ReplayRun
from cupola.live.session import LiveRun
from cupola.scenario import load
from cupola.sim.world import compile_world

TOKEN = "operator-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SEED = 1


@pytest.fixture(scope="module")
def world():
    return compile_world(load("border-town"))


def _first_proposal(run: LiveRun) -> dict:
    while not run.engine.bmc.console.proposals.track_id.size:
        assert run.advance(0.1) == 1
    run.apply(Control(action="pause"))
    return run.frame()


def test_proposals_are_approved_through_the_api(world) -> None:
    run = LiveRun(world, SEED, operator=True)
    f = _first_proposal(run)
    assert f["mode"] == "operator"
    assert f["state"]["mode"] == "operator"
    p = f["proposals"][0]
    assert set(p) == {
        "track_id",
        "battery",
        "launcher",
        "shots",
        "launch_time",
        "intercept_time",
        "since",
        "closes",
        "threatens",
    }
    assert p["battery"] == "Battery North"
    assert p["launcher"].startswith("Battery North/L")
    assert p["since"] <= f["time"] <= p["closes"]
    assert p["launch_time"] <= p["closes"]
    assert p["threatens"] in ("Town", "Water works")
    json.dumps(f, allow_nan=False)
    with TestClient(create_app(run, TOKEN, fps=50.0)) as client:
        track = p["track_id"]
        r = client.post("/api/control", json={"action": "approve", "track_id": track})
        assert r.status_code == 401
        r = client.post("/api/control", json={"action": "approve", "track_id": track}, headers=AUTH)
        assert r.status_code == 200, r.text
        # Approved: its round waits in the queue (approved as proposed) or, less than a
        # reaction time before the planned launch, a standing order for the next cycle.
        f = run.frame()
        assert track not in [q["track_id"] for q in f["proposals"]]
        waiting = [q["track_id"] for q in f["queue"]] + [o["track_id"] for o in f["orders"]]
        assert track in waiting
        # The server paces the run, and takes the frames, while the client is open: the
        # engine's own log tells what went out. Two seconds of the raid, stepped by hand.
        for _ in range(20):
            run.apply(Control(action="step"))
        ev = run.engine.log.table()
        went = (ev["kind"] == "engagement") & (ev["track_id"] == track)
        assert [str(d).endswith("approved by the operator") for d in ev["detail"][went]] == [True]
        again = client.post(
            "/api/control", json={"action": "approve", "track_id": track}, headers=AUTH
        )
        assert again.status_code == 409
        assert again.json()["error"] == f"cannot approve: no open proposal at track {track}"
        hold = client.post(
            "/api/control", json={"action": "hold", "battery": "South"}, headers=AUTH
        )
        assert hold.status_code == 409
        assert "no battery 'South'" in hold.json()["error"]
        hold = client.post(
            "/api/control", json={"action": "hold", "battery": "Battery North"}, headers=AUTH
        )
        assert hold.status_code == 200
        assert run.frame()["batteries"][0]["hold_fire"] is True
        # A held battery's waiting rounds go back on its launchers at once.
        f = run.frame()
        assert f["queue"] == []
        assert f["orders"] == []


def test_an_automatic_run_refuses_approvals(world) -> None:
    run = LiveRun(world, SEED)
    run.advance(20.0)
    f = run.frame()
    assert f["mode"] == "automatic"
    assert f["proposals"] == []
    assert f["score"] is None
    with pytest.raises(ControlError, match="automatic mode"):
        run.apply(Control(action="approve", track_id=1))


def test_the_score_at_the_end_and_the_session_replayed(world, tmp_path: Path) -> None:
    out = tmp_path / "session"
    run = LiveRun(world, SEED, operator=True, out=out)
    run.apply(Control(action="speed", speed=10.0))
    approved = 0
    while not run.done:
        run.advance(0.01)  # one tick at 10x
        for track in run.frame()["proposals"]:
            run.apply(Control(action="approve", track_id=track["track_id"]))
            approved += 1
    assert run.wait_automatic(timeout=120.0)
    score = run.frame()["score"]
    # Approving every proposal at once is what the battle manager does on its own.
    assert score["verdict"] == "as good as"
    for row in score["figures"]:
        assert row["trainee"] == row["automatic"], row
    assert score["decisions"]["approved"] == approved > 0
    assert score["decisions"]["rejected"] == 0
    assert run.summary == run.automatic
    # The session's run folder, replayed: the approvals are in its events.
    assert (out / "summary.json").is_file()
    assert json.loads((out / "summary.json").read_text()) == run.summary
    replay = ReplayRun(Recording(out))
    replay.apply(Control(action="seek", time=run.engine.t))
    f = replay.frame()
    assert f["mode"] == "replay"
    with pytest.raises(ControlError, match="a replay cannot approve"):
        replay.apply(Control(action="approve", track_id=1))


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["--run", "runs/x", "--operator"], "--operator: a replay (--run) is not a live run"),
        (["--run", "runs/x", "--out", "runs/y"], "--out: a replay (--run) is not a live run"),
        (["border-town", "--out", "{full}"], "folder exists and is not empty"),
    ],
)
def test_serve_refuses_bad_operator_options(args: list[str], why: str, tmp_path: Path) -> None:
    """One line, exit 2, nothing served and nothing written."""
    from typer.testing import CliRunner

    from cupola.cli import app

    full = tmp_path / "full"
    full.mkdir()
    (full / "mine.txt").write_text("keep me")
    args = [a.replace("{full}", str(full)) for a in args]
    res = CliRunner().invoke(app, ["serve", *args])
    assert res.exit_code == 2
    assert why in res.output
    assert (full / "mine.txt").read_text() == "keep me"
