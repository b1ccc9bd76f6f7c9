"""The live picture under 1,000 simultaneous tracks at 5 frames a second.

The city raid with every salvo six times larger and fired in the first ten seconds (1,260
rockets): from about t = 10 s to t = 30 s over a thousand confirmed tracks are in the air at
once. Reported, on this machine:

- the frame: its size as JSON, and the server's time to build it and encode it;
- the engine: its time per frame interval at 1x (0.2 simulated seconds), the mean and the
  worst (the interval with a radar scan and a decision cycle), and the stages' split;
- the browser (Debian's chromium, headless, software WebGL): the page's time to draw each
  frame (its handler: panel, map sources) and the map's renders a second, with the run
  paused at its peak so that every frame carries the full picture.

The budget is a frame interval, 200 ms. Run with ``make bench``; nothing here is a pass/fail
test.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from cupola.live.app import create_app
from cupola.live.base import FRAMES_PER_S, Control
from cupola.live.session import LiveRun
from cupola.scenario import load_text
from cupola.scenario.load import _read_builtin
from cupola.sim.world import World, compile_world

CHROMIUM = Path("/usr/bin/chromium")
TOKEN = "bench"
#: Simulated seconds measured, from the time the picture first holds a thousand tracks.
WINDOW_S = 20.0
#: Wall-clock seconds the browser is watched.
WATCH_S = 10.0


def saturation_data() -> dict[str, Any]:
    """The city raid, six times larger, every salvo fired in the first ten seconds (the
    scenario as data)."""
    data: dict[str, Any] = yaml.safe_load(_read_builtin("city-mixed-raid"))
    for salvo in data["raid"]["salvos"]:
        salvo["count"] *= 6
        salvo["start_s"] = 0
        salvo["duration_s"] = 10
    data["name"] = "city-mixed-raid-x6"
    return data


def saturation_world() -> World:
    """:func:`saturation_data`, compiled."""
    return compile_world(load_text(yaml.safe_dump(saturation_data()), "city-mixed-raid-x6"))


def ms(values: list[float]) -> str:
    return f"median {1000 * statistics.median(values):6.1f} ms, max {1000 * max(values):6.1f} ms"


def server_side(run: LiveRun) -> None:
    dt = 1.0 / FRAMES_PER_S
    while len(run.frame()["tracks"]) < 1000:
        run.advance(dt)
    start = run.engine.t
    before = dict(run.engine.stage_seconds)
    engine, build, encode, sizes, tracks = [], [], [], [], []
    while run.engine.t < start + WINDOW_S:
        t0 = time.perf_counter()
        run.advance(dt)
        t1 = time.perf_counter()
        f = run.frame()
        t2 = time.perf_counter()
        text = json.dumps(f, allow_nan=False)
        t3 = time.perf_counter()
        engine.append(t1 - t0)
        build.append(t2 - t1)
        encode.append(t3 - t2)
        sizes.append(len(text.encode()))
        tracks.append(len(f["tracks"]))
    n = len(engine)
    print(
        f"\n{n} frames from t = {start:.0f} s to {run.engine.t:.0f} s, "
        f"{min(tracks)}-{max(tracks)} confirmed tracks"
    )
    print(f"  frame size (JSON)        median {statistics.median(sizes) / 1024:6.0f} KiB")
    print(f"  server: build frame      {ms(build)}")
    print(f"  server: encode JSON      {ms(encode)}")
    per_frame = [e + b + c for e, b, c in zip(engine, build, encode, strict=True)]
    print(f"  engine at 1x, per frame  mean {1000 * statistics.mean(engine):6.1f} ms, {ms(engine)}")
    print(
        f"  server total per frame   mean {1000 * statistics.mean(per_frame):6.1f} ms "
        f"(budget {1000 * dt:.0f} ms); {sum(p > dt for p in per_frame)} of {n} over budget"
    )
    spent = {k: v - before[k] for k, v in run.engine.stage_seconds.items()}
    total = sum(spent.values())
    print("  engine stages: " + ", ".join(f"{k} {100 * v / total:.0f} %" for k, v in spent.items()))


def browser_side(run: LiveRun) -> None:
    if not CHROMIUM.is_file():
        print("\nbrowser: skipped (no /usr/bin/chromium; `make install` installs it)")
        return
    import uvicorn
    from playwright.sync_api import sync_playwright

    run.apply(Control(action="pause"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(run, TOKEN), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function("window.cupola.tracks >= 1000", timeout=60_000)
            page.wait_for_function(
                "window.cupolaMap.querySourceFeatures('tracks').length >= 1000", timeout=60_000
            )
            start = page.evaluate("[window.cupola.frames, window.cupola.renders]")
            time.sleep(WATCH_S)
            frames, renders = page.evaluate("[window.cupola.frames, window.cupola.renders]")
            draw = page.evaluate("window.cupola.drawMs")
            shown = page.evaluate("window.cupola.tracks")
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    print(f"\nbrowser (chromium, software WebGL), {shown} tracks in every frame:")
    drawn = (frames - start[0]) / WATCH_S
    print(f"  frames drawn a second    {drawn:6.1f} (sent {FRAMES_PER_S:g})")
    print(f"  draw time per frame      {ms([d / 1000 for d in draw])}")
    print(f"  map renders a second     {(renders - start[1]) / WATCH_S:6.1f}")


def main() -> None:
    print(
        f"Cupola live-picture benchmark on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    run = LiveRun(saturation_world(), 0)
    server_side(run)
    browser_side(run)


if __name__ == "__main__":
    main()
