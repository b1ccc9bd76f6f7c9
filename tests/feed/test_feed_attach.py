"""The live page attached to a running feed: ``GET /frame`` gives the feed's picture as live
frames with the events since a cursor; ``cupola serve --attach`` shows it, refuses the controls
a feed cannot take, and keeps the last picture when the feed stops answering."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cupola.live.app import create_app
from cupola.live.attach import FeedView
from cupola.scenario import load
from cupola.sim.world import compile_world

from .conftest import CUPOLA, ENV, feed, free_port, run_cupola


def test_a_page_attached_to_the_feed_shows_its_picture(recorded: Path, tmp_path: Path) -> None:
    scenario = recorded / "scenario.yaml"
    world = compile_world(load(scenario))
    listen, http = free_port(), free_port(0x1)
    with feed(
        "--listen", f"udp://127.0.0.1:{listen}", "--scenario", str(scenario),
        "--journal", str(tmp_path / "j.sqlite"), "--http", f"127.0.0.1:{http}",
        "--day", "2026-11-23",  # the replay keeps the run's times, just after midnight
    ):  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as early:  # no scan processed yet
            urllib.request.urlopen(f"http://127.0.0.1:{http}/frame", timeout=5)
        assert early.value.code == 400
        replay = subprocess.Popen(
            [*CUPOLA, "replay", str(recorded), "--to", f"udp://127.0.0.1:{listen}", "--speed",
             "20", "--keep-time"],
            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        view = FeedView(world, f"http://127.0.0.1:{http}")
        frames, seen = [], 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and replay.poll() is None:
            time.sleep(0.2)
            seen += view.advance(0.2)
            frames.append(view.frame())
        replay.wait(60)
        assert seen > 10
        busiest = max(frames, key=lambda f: len(f["tracks"]))
        assert len(busiest["tracks"]) >= 5
        track = busiest["tracks"][0]
        assert set(track) >= {"track_id", "lat", "lon", "alt_m", "class", "velocity"}
        assert busiest["batteries"][0]["name"] == world.units.battery_names[0]
        assert busiest["mode"] == "operator"
        kinds = [e["kind"] for f in frames for e in f["events"]]
        assert kinds.count("track_confirmed") >= 10
        assert len(kinds) == len(set(map(json.dumps, (e for f in frames for e in f["events"]))))
        app = create_app(view, "token")
        with TestClient(app) as client:
            state = client.get("/api/state").json()
            assert state["mode"] == "feed"
            assert state["feed_error"] is None
            refused = client.post(
                "/api/control",
                json={"action": "approve", "track_id": 1},
                headers={"Authorization": "Bearer token"},
            )
            assert refused.status_code == 409
            assert "recommends" in refused.json()["error"]
            paused = client.post(
                "/api/control", json={"action": "pause"}, headers={"Authorization": "Bearer token"}
            )
            assert paused.json()["state"]["paused"] is True
    view.paused = False
    try:
        assert view.fetch() is False  # the feed has stopped: the last picture stays
        assert "does not answer" in (view.state()["feed_error"] or "")
        assert view.frame()["tracks"] == view.last["tracks"]
    finally:
        view.close()


def test_serve_attach_bad_options_are_one_line() -> None:
    got = run_cupola("serve", "border-town", "--attach", "http://127.0.0.1:4801", "--operator")
    assert got.returncode == 2
    assert "--attach" in got.stderr
    got = run_cupola("serve", "border-town", "--attach", "udp://127.0.0.1:4801")
    assert got.returncode == 2
    assert "http://" in got.stderr
