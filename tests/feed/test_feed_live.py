"""``cupola replay`` into ``cupola feed`` on loopback, as a user runs them: the CoT receiver
gets track events where the simulated threats were, within the tracker's error, and CAT062
records of the same tracks; the status endpoint counts; a kill -9 loses no logged event and a
restart goes on."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from cupola.feed import cat062, cot
from cupola.feed.journal import read_events
from cupola.scenario import load
from cupola.sim.world import compile_world

from .conftest import CUPOLA, ENV, feed, free_port, receiver, run_cupola, seconds_of_day


def status(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=5) as r:
        out: dict[str, Any] = json.load(r)
        return out


def settle(port: int, key: str = "scans", wait: float = 1.0) -> dict[str, Any]:
    """The status once ``key`` stopped changing for ``wait`` s."""
    last = status(port)
    for _ in range(60):
        time.sleep(wait)
        now = status(port)
        if now[key] == last[key]:
            return now
        last = now
    return last


def truth_at(run: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    con = duckdb.connect()
    try:
        t = con.execute(
            f"SELECT time, id, x_m, y_m, z_m FROM '{run / 'truth.parquet'}' "
            "WHERE object = 'threat' ORDER BY time, id"
        ).fetchnumpy()
    finally:
        con.close()
    return np.unique(t["time"]), {k: np.asarray(v) for k, v in t.items()}


def nearest_threat(times: np.ndarray, t: dict[str, np.ndarray], s: float, q: np.ndarray) -> float:
    """Distance from ``q`` (ENU) to the nearest threat flying at time ``s`` (truth
    interpolated between its steps); inf outside them."""
    k = int(np.searchsorted(times, s, side="right"))
    if k == 0 or k >= len(times):
        return float("inf")
    t0, t1 = times[k - 1], times[k]
    a, b = t["time"] == t0, t["time"] == t1
    both = np.intersect1d(t["id"][a], t["id"][b])
    pa = np.column_stack([t[c][a] for c in ("x_m", "y_m", "z_m")])[np.isin(t["id"][a], both)]
    pb = np.column_stack([t[c][b] for c in ("x_m", "y_m", "z_m")])[np.isin(t["id"][b], both)]
    if not len(pa):
        return float("inf")
    p = pa + (s - t0) / (t1 - t0) * (pb - pa)
    return float(np.linalg.norm(p - q, axis=1).min())


def test_replay_to_feed_to_a_cot_receiver_matches_the_truth(recorded: Path, tmp_path: Path) -> None:
    world = compile_world(load(recorded / "scenario.yaml"))
    listen, http = free_port(), free_port(0x1)
    with receiver() as got_cot, receiver() as got_062:
        with feed(
            "--listen", f"udp://127.0.0.1:{listen}",
            "--scenario", str(recorded / "scenario.yaml"),
            "--cot", f"udp://127.0.0.1:{got_cot.port}",
            "--cat062", f"udp://127.0.0.1:{got_062.port}",
            "--journal", str(tmp_path / "j.sqlite"),
            "--http", f"127.0.0.1:{http}",
            "--day", "2026-11-23",
        ):  # fmt: skip
            sent = run_cupola(
                "replay", str(recorded), "--to", f"udp://127.0.0.1:{listen}", "--speed", "20",
                "--keep-time",
            )  # fmt: skip
            assert sent.returncode == 0, sent.stderr
            assert "sent" in sent.stdout
            final = settle(http)
        events = [cot.parse(d) for d in got_cot.got]
        records = [r for d in got_062.got for r in cat062.decode(d)[0]]
    assert final["rejected_total"] == 0
    assert final["plots_accepted"] > 1000
    assert final["cot_sent"] == len(events)
    tracks = [e for e in events if e["uid"].startswith("cupola-track-")]
    assert len(tracks) > 300
    assert {e["type"] for e in tracks} >= {"a-h-A-W-M-S-S"}
    assert any(e["type"] == "u-d-f" for e in events)  # alert zones raised
    times, truth = truth_at(recorded)
    errors, sigma = [], []
    for e in tracks:
        assert e["time"].startswith("2026-11-23T")
        pt = e["point"]
        x, y = world.frame.to_local(pt["lon"], pt["lat"])
        q = np.array([float(x), float(y), pt["hae"]])
        errors.append(nearest_threat(times, truth, seconds_of_day(e["time"]), q))
        sigma.append(np.sqrt(2 * pt["ce"] ** 2 + pt["le"] ** 2))
    err, sig = np.array(errors), np.array(sigma)
    near = err < 300.0  # the others: a track coasting after its threat landed, or clutter
    assert near.mean() > 0.8
    assert np.median(err[near]) < 30.0
    assert np.percentile(err[near] / sig[near], 95) < 3.0  # within the tracker's own error
    assert len(records) == sum(1 for e in tracks)
    by_time = {(r["track_number"], round(r["time"], 1)) for r in records}
    assert len(by_time) > 300


def test_kill_minus_nine_loses_no_logged_event_and_a_restart_goes_on(
    recorded: Path, tmp_path: Path
) -> None:
    journal = tmp_path / "j.sqlite"
    listen, http = free_port(), free_port(0x1)
    args = (
        "--listen", f"udp://127.0.0.1:{listen}", "--scenario", str(recorded / "scenario.yaml"),
        "--journal", str(journal), "--http", f"127.0.0.1:{http}", "--format", "plots-jsonl",
        "--day", "2026-11-23",  # the run's times are after midnight (a live feed: near now)
    )  # fmt: skip
    replay = (
        "replay",
        str(recorded),
        "--to",
        f"udp://127.0.0.1:{listen}",
        "--format",
        "plots-jsonl",
    )
    with receiver() as got, feed(*args, "--cot", f"udp://127.0.0.1:{got.port}") as proc:
        source = subprocess.Popen(
            [*CUPOLA, *replay, "--speed", "10", "--keep-time"],
            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(300):  # killed in the middle of the raid, while it works
                before = status(http)
                if before["events_logged"] > 100:
                    break
                time.sleep(0.05)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        finally:
            source.kill()
            source.wait(10)
        time.sleep(0.3)
        published = {cot.parse(d)["uid"] for d in got.got}
    assert before["events_logged"] > 100
    with sqlite3.connect(journal) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    kept = read_events(journal)
    assert len(kept) >= before["events_logged"]
    assert {e["session"] for e in kept} == {1}
    logged = {e["track_id"] for e in kept if e["kind"] == "track_confirmed"}
    tracks = {int(u.rsplit("-", 1)[1]) for u in published if u.startswith("cupola-track-")}
    assert tracks
    assert tracks <= logged  # every track sent out was in the journal first
    with feed(*args):
        sent = run_cupola(*replay, "--speed", "40")  # today's time: after the first session's
        assert sent.returncode == 0, sent.stderr
        after = settle(http, "events_logged")
        assert after["session"] == 2
    events = read_events(journal)
    assert events[: len(kept)] == kept  # nothing logged before the kill was lost
    second = [e for e in events if e["session"] == 2]
    assert len(second) >= after["events_logged"] > 50
    first_ids = {e["track_id"] for e in kept if e["track_id"] >= 0}
    second_ids = {e["track_id"] for e in second if e["track_id"] >= 0}
    assert min(second_ids) > max(first_ids)  # a restart hands out new track ids


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--listen", "udp://0.0.0.0:4800", "--scenario", "border-town"), "--allow-remote"),
        (("--listen", "tcp://127.0.0.1:4800", "--scenario", "border-town"), "udp://"),
        (("--scenario", "border-town", "--format", "asterix62"), "--format"),
        (("--scenario", "no-such-scenario"), "no-such-scenario"),
        (("--sensors", "sensors.yaml"), "no such file"),
        (("--scenario", "border-town", "--cot", "tls://127.0.0.1:8089"), "--tls-cert"),
        (("--scenario", "border-town", "--journal", "/no/such/dir/j.sqlite"), "no such folder"),
        (("--scenario", "border-town", "--http", "0.0.0.0:80"), "--allow-remote"),
        (("--scenario", "border-town", "--cot", "udp://127.0.0.1"), "HOST:PORT"),
        (("--scenario", "border-town", "--uid-prefix", "a b"), "--uid-prefix"),
    ],
)
def test_feed_bad_options_are_one_line(args: tuple[str, ...], message: str) -> None:
    got = (
        run_cupola("feed", *args, "--http", "none")
        if "--http" not in args
        else run_cupola("feed", *args)
    )
    assert got.returncode == 2
    assert "Traceback" not in got.stderr
    assert message in got.stderr
    assert got.stderr.count("error:") == 1


def test_feed_refuses_a_file_that_is_not_a_journal(tmp_path: Path) -> None:
    bad = tmp_path / "j.sqlite"
    bad.write_text("not a database, and kept as it is")
    got = run_cupola("feed", "--scenario", "border-town", "--journal", str(bad), "--http", "none")
    assert got.returncode == 2
    assert "not a Cupola feed journal" in got.stderr
    assert bad.read_text() == "not a database, and kept as it is"


def test_replay_bad_input_is_one_line(tmp_path: Path, recorded: Path) -> None:
    for args, message in [
        ((str(tmp_path / "nothing"),), "no such run folder"),
        ((str(tmp_path),), "scenario.yaml"),
        ((str(recorded), "--speed", "0"), "--speed"),
        ((str(recorded), "--to", "udp://127.0.0.1"), "HOST:PORT"),
        ((str(recorded), "--format", "cot"), "--format"),
    ]:
        got = run_cupola("replay", *args)
        assert got.returncode == 2, got.stderr
        assert message in got.stderr
        assert "Traceback" not in got.stderr
