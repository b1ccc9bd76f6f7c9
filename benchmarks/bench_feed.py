"""The live feed under 1,000 targets in the air: the plots per second it sustains, and the
latency from a plot in to its track out as CoT.

The city raid, six times larger and fired in the first ten seconds (1,260 rockets and mortar
rounds), with the batteries holding fire so that every threat stays in the air until it
lands: from about t = 10 s to t = 30 s over a thousand are flying. Its radar plots are
recorded once (the engine), encoded as ASTERIX CAT048 and sent over loopback UDP to
``cupola feed`` (a separate process, as deployed) at 1, 2, 4 and 8 times the radars' pace;
the feed's CoT goes to a UDP socket here.

Reported for each pace: the plots per second offered at the peak, whether the feed kept up
(every plot accepted, and the last scan's tracks out within a second of its plots), and the
latency from the last datagram of a scan sent to the first CoT event of a track that scan
updated received, over the scans of the peak (median and 95th percentile); with the feed's own
count of the same (plot in to CoT sent) from its status endpoint; and the rate at which it
worked through the whole recording (its plots over the time from the first sent to the last
scan taken), which above the pace it keeps up with is the most it sustains. Nothing here is a
pass/fail test. Run with ``make bench``.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import yaml
from bench_live import saturation_data

from cupola.core.table import take
from cupola.feed import cat048
from cupola.feed.replay import WINDOW_S, windows
from cupola.scenario import load_text
from cupola.sensors.base import PlotTable
from cupola.sensors.sweep import sweep
from cupola.sim.engine import simulate
from cupola.sim.world import compile_world

PACES = (1.0, 2.0, 4.0, 8.0)
SWEEP_PACES = (1.0, 2.0)
END_S = 40.0


def scenario_text() -> str:
    """The saturation raid of ``bench_live.py``, the batteries holding fire."""
    data = saturation_data()
    data["name"] = "city-mixed-raid-x6-hold-fire"
    data["doctrine"]["engage_threshold"] = 1e12
    data["sim"]["max_time_s"] = END_S
    return yaml.safe_dump(data)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def status(port: int) -> tuple[dict, float]:
    """The feed's counters once it has worked through what it was sent (its scan count still
    for a second), and when its last scan was taken (monotonic clock, s)."""
    last: dict = {}
    changed = time.monotonic()
    while time.monotonic() - changed < 1.0:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=30) as r:
            now = json.load(r)
        if now["scans"] != last.get("scans"):
            changed = time.monotonic()
        last = now
        time.sleep(0.1)
    return last, changed


def run_pace(
    scenario: Path, scans: list[tuple[float, list[bytes], int]], pace: float, label: str = ""
) -> None:
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 2**20)
    sink.bind(("127.0.0.1", 0))
    sink.settimeout(0.2)
    first_seen: dict[int, float] = {}  # by the window of the track's time
    stop = threading.Event()

    def receive() -> None:
        while not stop.is_set():
            try:
                data, _ = sink.recvfrom(65536)
            except TimeoutError:
                continue
            now = time.monotonic()
            if b"cupola-track-" in data:
                h, m, sec = data.split(b' time="', 1)[1][11:23].decode().split(":")
                t = 3600 * int(h) + 60 * int(m) + float(sec)
                first_seen.setdefault(int(t // WINDOW_S), now)

    rx = threading.Thread(target=receive, daemon=True)
    rx.start()
    listen, http = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from cupola.cli import main; main()", "feed",
             "--listen", f"udp://127.0.0.1:{listen}", "--scenario", str(scenario),
             "--cot", f"udp://127.0.0.1:{sink.getsockname()[1]}", "--http", f"127.0.0.1:{http}",
             "--journal", f"{tmp}/j.sqlite", "--day", "2026-11-23", "--status-every", "1000"],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert proc.stderr is not None
        proc.stderr.readline()
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sent_at: dict[int, float] = {}
        t0, wall0 = scans[0][0], time.monotonic()
        for t, data, _ in scans:
            wait = wall0 + (t - t0) / pace - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            for d in data:
                out.sendto(d, ("127.0.0.1", listen))
            sent_at[int(t // WINDOW_S)] = time.monotonic()
        s, done = status(http)
        proc.terminate()
        proc.communicate(timeout=30)
        out.close()
    stop.set()
    rx.join()
    sink.close()
    offered = sum(n for _, _, n in scans)
    peak = [
        first_seen[k] - v
        for k, v in sent_at.items()
        if k in first_seen and 10.0 <= k * WINDOW_S <= 30.0
    ]
    per_s: dict[int, int] = {}
    for t, _, n in scans:
        per_s[int(t)] = per_s.get(int(t), 0) + n
    rate = max(per_s.values()) * pace
    kept = s["plots_accepted"] == offered
    lag_ok = bool(peak) and float(np.percentile(peak, 95)) < 1.0
    lat = s["latency_ms"]
    through = offered / max(done - wall0, 1e-9)
    print(
        f"  {label}{pace:3.0f}x: {rate:7,.0f} plots/s at the peak, "
        f"{s['tracks']:5} tracks at the end; "
        f"accepted {s['plots_accepted']:,} of {offered:,} "
        f"(rejected {s['rejected'] or 0}, dropped by the kernel {s['kernel_drops']} datagrams); "
        f"latency median {1000 * np.median(peak):6.1f} ms, "
        f"p95 {1000 * np.percentile(peak, 95):7.1f} ms "
        f"(feed's own p50 {lat['p50']} ms, p95 {lat['p95']} ms) "
        f"-> {'kept up' if kept and lag_ok else 'fell behind'}; worked through at "
        f"{through:,.0f} plots/s on average"
    )


def main() -> None:
    print(
        f"bench_feed: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores"
    )
    text = scenario_text()
    world = compile_world(load_text(text, "city-mixed-raid-x6-hold-fire"))
    clock = time.perf_counter()
    result = simulate(world, seed=0)
    p = result.plots
    print(f"recorded {len(p.time):,} plots in {time.perf_counter() - clock:.1f} s (engine)")
    heights = {r.radar_id: float(r.position[2]) for r in world.radars}
    clock = time.perf_counter()
    scans = encoded(p, heights)
    n = sum(x[2] for x in scans)
    print(
        f"encoded as CAT048 in {time.perf_counter() - clock:.1f} s: {n:,} plots, {len(scans)} scans"
    )
    tr = result.truth
    threat = tr["object"] == "threat"
    swept = sweep(
        p,
        {r.radar_id: r for r in world.radars},
        tr["id"][threat],
        tr["time"][threat],
        np.column_stack([tr["x_m"], tr["y_m"], tr["z_m"]])[threat],
    )
    sectors = encoded(swept, heights)
    print(
        f"as rotating radars (cupola replay --sweep): {len(swept.time):,} plots, each at its own "
        f"time, in {len(sectors)} sectors of {1000 * WINDOW_S:.0f} ms"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_text(text)
        print("scans at one time (Cupola's radars):")
        for pace in PACES:
            run_pace(path, scans, pace)
        print("sectors of rotating radars:")
        for pace in SWEEP_PACES:
            run_pace(path, sectors, pace)


def encoded(p: PlotTable, heights: dict[int, float]) -> list[tuple[float, list[bytes], int]]:
    """The plots in the windows a replay sends together, each as CAT048 datagrams, with its
    first plot's time and the plots encoded."""
    out = []
    for a, b in zip(*windows(p), strict=True):
        s = take(p, slice(int(a), int(b)))
        data, bad = cat048.encode(s, heights)
        out.append((float(s.time[0]), data, len(s.time) - bad))
    return out


if __name__ == "__main__":
    main()
