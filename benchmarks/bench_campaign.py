"""Campaign throughput: city-scenario runs per minute through ``cupola sweep``'s engines (issue 6).

Runs the same sweep (the city scenario, ``RUNS`` seeds) with the local engine on 1 and on 2
worker processes and with Dask on a local cluster of 2, each into a fresh folder, and prints
runs per minute and per hour. The overhead per run is the engine's time per run on one worker
minus the mean time of a run called directly in this process (``simulate`` + ``summarize``).
Goal: at least 1,000 city runs per hour on 2 cores. Then the time of one sustainment campaign
(``border-town-week``: 14 raids over 7 days) on one core.

Run: ``.venv/bin/python benchmarks/bench_campaign.py [RUNS]`` (default 12).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from cupola.campaign import Sweep, run_sweep
from cupola.campaign.sustain import sustain
from cupola.scenario import load
from cupola.sim.engine import simulate
from cupola.sim.summary import summarize
from cupola.sim.world import compile_world

SCENARIO = "city-mixed-raid"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    print(f"campaign throughput, {SCENARIO}, {runs} runs each, on {os.cpu_count()} cores")
    world = compile_world(load(SCENARIO), SCENARIO)
    start = time.perf_counter()
    for seed in range(2):
        summarize(simulate(world, seed))
    direct = (time.perf_counter() - start) / 2
    print(f"one run called directly: {direct:.2f} s")
    sweep = Sweep(SCENARIO, runs)
    per_run_1 = None
    with tempfile.TemporaryDirectory() as tmp:
        for label, engine, workers in (
            ("local, 1 worker", "local", 1),
            ("local, 2 workers", "local", 2),
            ("dask, 2 workers", "dask", 2),
        ):
            out = Path(tmp) / label.replace(" ", "").replace(",", "_")
            start = time.perf_counter()
            run_sweep(sweep, out, workers=workers, engine=engine)
            wall = time.perf_counter() - start
            rate = 60 * runs / wall
            print(
                f"{label:<18} {rate:6.1f} runs per minute ({60 * rate:,.0f} per hour)", flush=True
            )
            if workers == 1 and engine == "local":
                per_run_1 = wall / runs
    if per_run_1 is not None:
        print(f"overhead per run (1 worker against a direct call): {per_run_1 - direct:+.2f} s")
    week = load("border-town-week")
    start = time.perf_counter()
    result = sustain(week, 1, "border-town-week")
    wall = time.perf_counter() - start
    raids = result.totals["raids"]
    print(
        f"sustainment, border-town-week (one campaign, {raids} raids, 7 days): {wall:.1f} s, "
        f"{wall / raids:.2f} s a raid"
    )


if __name__ == "__main__":
    main()
