"""The live picture's core: frames from the engine, the pace of a run, the control API and
the WebSocket, in process (no socket leaves the test)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from cupola.live import session
from cupola.live.app import create_app
from cupola.live.base import SPEEDS, Control
from cupola.live.session import LiveRun
from cupola.scenario import load
from cupola.sim.world import compile_world

TOKEN = "secret-token-for-tests"


@pytest.fixture(scope="module")
def world():
    return compile_world(load("border-town"))


def test_a_frame_has_the_tracks_and_is_strict_json(world) -> None:
    run = LiveRun(world, 0)
    run.advance(40.0)  # 40 s of the raid at 1x
    f = run.frame()
    assert f["time"] == pytest.approx(40.0)
    assert f["tracks"]
    for t in f["tracks"]:
        assert set(t) >= {"track_id", "lat", "lon", "alt_m", "class"}
        assert 31.1 < t["lat"] < 31.4
        assert 34.3 < t["lon"] < 34.6
    assert [b["name"] for b in f["batteries"]] == ["Battery North"]
    shown = {t["track_id"] for t in f["tracks"]}
    assert f["impacts"]
    assert {p["track_id"] for p in f["impacts"]} <= shown
    assert all(p["major_m"] >= p["minor_m"] > 0 for p in f["impacts"])
    assert {e["kind"] for e in f["events"]} >= {"launch", "track_confirmed"}
    json.dumps(f, allow_nan=False)  # no NaN or inf anywhere
    # Events are sent once: the next frame has only those logged since.
    run.advance(1.0)  # a scan at least: detections
    later = run.frame()["events"]
    assert later
    # Every event logged so far sent exactly once.
    assert len(f["events"]) + len(later) == len(run.engine.log.table()["time"])


def test_pause_step_and_speed(world, monkeypatch: pytest.MonkeyPatch) -> None:
    run = LiveRun(world, 0)
    assert run.advance(1.0) == 10  # dt 0.1 s at 1x
    run.apply(Control(action="speed", speed=5.0))
    assert run.advance(1.0) == 50
    run.apply(Control(action="pause"))
    t = run.engine.t
    assert run.advance(10.0) == 0
    assert run.engine.t == t
    run.apply(Control(action="step"))
    assert run.engine.t == pytest.approx(t + 0.1)
    run.apply(Control(action="play"))
    assert run.advance(0.03) == 1  # 1.5 ticks at 5x: one now, half a tick carried
    assert run.advance(0.01) == 1  # half a tick more: one
    # A slow machine falls behind rather than freezing on a backlog.
    monkeypatch.setattr(session, "MAX_TICKS", 100)
    fresh = LiveRun(world, 0)
    assert fresh.advance(1000.0) == 100
    assert fresh.advance(0.0) == 0  # and no backlog is kept


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"action": "fly"}, "action"),
        ({"action": "speed", "speed": 3.0}, "speed must be one of"),
        ({"action": "pause", "speed": 2.0}, "speed is not given with the action 'pause'"),
        ({"action": "approve"}, "the action 'approve' needs track_id"),
        ({"action": "approve", "track_id": -3}, "track_id"),
        ({"action": "approve", "track_id": 3, "battery": "A"}, "battery is not given"),
        ({"action": "hold"}, "needs battery"),
        ({"action": "hold", "battery": ""}, "battery"),
        ({"action": "engage", "track_id": "7"}, "track_id"),
        ({"action": "release", "battery": "x" * 101}, "battery"),
        ({"action": "pause", "extra": 1}, "extra"),
        ({"action": "speed", "speed": "2"}, "speed"),
        ({"action": "seek", "time": float("nan")}, "seek needs a time"),
    ],
)
def test_bad_control_messages_are_refused(data, why) -> None:
    with pytest.raises(ValidationError, match=why):
        Control.model_validate(data)
    assert Control.model_validate({"action": "speed", "speed": SPEEDS[-1]}).speed == 10.0


def test_control_needs_the_token(world) -> None:
    with TestClient(create_app(LiveRun(world, 0), TOKEN, fps=50.0)) as client:
        assert client.post("/api/control", json={"action": "pause"}).status_code == 401
        odd = {"Authorization": "Bearer \u00e9".encode("latin-1")}
        assert client.post("/api/control", json={"action": "pause"}, headers=odd).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert (
            client.post("/api/control", json={"action": "pause"}, headers=wrong).status_code == 401
        )
        auth = {"Authorization": f"Bearer {TOKEN}"}
        r = client.post("/api/control", json={"action": "pause"}, headers=auth)
        assert r.status_code == 200
        assert r.json()["state"]["paused"] is True
        assert client.get("/api/state").json()["paused"] is True
        bad = client.post("/api/control", content=b"{not json", headers=auth)
        assert bad.status_code == 422
        assert "error" in bad.json()
        bad = client.post("/api/control", json={"action": "speed", "speed": 7}, headers=auth)
        assert bad.status_code == 422
        assert "speed must be one of" in bad.json()["error"]
        page = client.get("/")
        assert page.status_code == 200
        assert "/static/live.js" in page.text
        fixed = client.get("/api/scenario").json()
        assert [f["properties"]["name"] for f in fixed["assets"]["features"]] == [
            "Town",
            "Water works",
        ]
        assert fixed["batteries"]["features"][0]["geometry"]["type"] == "Point"
        assert client.get("/static/vendor/maplibre-gl/maplibre-gl.mjs").status_code == 200


def test_the_socket_streams_frames_and_survives_bad_messages(world) -> None:
    run = LiveRun(world, 0)
    with (
        TestClient(create_app(run, TOKEN, fps=50.0)) as client,
        client.websocket_connect("/ws") as ws,
    ):
        first = ws.receive_json()
        assert first["type"] == "frame"
        assert {"time", "tracks", "batteries", "interceptors", "alerts", "events"} <= set(first)

        def reply_to(text: str) -> dict:
            ws.send_text(text)
            while True:
                msg = ws.receive_json()
                if msg["type"] != "frame":
                    return msg

        assert "not JSON" in reply_to("{garbage")["message"]
        assert "not JSON" in reply_to("[" * 4000)["message"]  # nested too deep for json
        assert "longer than" in reply_to("[" * 100_000)["message"]
        assert reply_to(json.dumps({"token": "\u00e9t\u00e9"}))["message"] == "wrong token"
        assert "token first" in reply_to("[1]")["message"]
        assert "token first" in reply_to(json.dumps({"action": "pause"}))["message"]
        assert reply_to(json.dumps({"token": "wrong"}))["message"] == "wrong token"
        assert reply_to(json.dumps({"token": TOKEN}))["type"] == "ok"
        assert "action" in reply_to(json.dumps({"action": "explode"}))["message"]
        ok = reply_to(json.dumps({"action": "pause"}))
        assert ok["type"] == "ok"
        assert ok["state"]["paused"] is True
        ws.send_bytes(b"\x00\x01")
        reply = ws.receive_json()
        while reply["type"] == "frame":
            reply = ws.receive_json()
        assert "JSON text" in reply["message"]
        # Still streaming after all that.
        assert any(ws.receive_json()["type"] == "frame" for _ in range(5))


def test_cupola_serve_prints_the_address_and_token_and_serves(served, tmp_path) -> None:
    """The command as a user runs it: on loopback, the token printed, control refused without
    it and accepted with it; a bad scenario is one line and exit 2."""
    import subprocess

    import httpx2

    assert served.printed[0] == f"page: {served.base}/"
    assert served.printed[1].startswith("token: ")
    base = served.base
    assert httpx2.get(f"{base}/api/state").status_code == 200
    assert httpx2.post(f"{base}/api/control", json={"action": "pause"}).status_code == 401
    ok = httpx2.post(
        f"{base}/api/control",
        json={"action": "pause"},
        headers={"Authorization": f"Bearer {served.token}"},
    )
    assert ok.json()["state"]["paused"] is True
    bad = subprocess.run(
        [*served.command, "serve", str(tmp_path / "missing.yaml")],
        capture_output=True,
        text=True,
        env=served.env,
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1
    assert "missing.yaml" in bad.stderr
