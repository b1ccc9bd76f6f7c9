"""Engine throughput: simulated seconds per wall-clock second, with the time split by stage.

Run with ``make bench``. Prints the machine's core count with the figures; nothing here is a
pass/fail test.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time

from cupola.scenario import load
from cupola.sim.engine import STAGES, simulate
from cupola.sim.world import compile_world

SCENARIOS = ("city-mixed-raid", "border-town", "drone-night")
REPEATS = 3


def bench(name: str) -> None:
    world = compile_world(load(name))
    walls, sims = [], []
    split = dict.fromkeys(STAGES, 0.0)
    for seed in range(REPEATS):
        start = time.perf_counter()
        result = simulate(world, seed)
        walls.append(time.perf_counter() - start)
        sims.append(result.end_time)
        for k, v in result.stage_seconds.items():
            split[k] += v / REPEATS
    wall = statistics.median(walls)
    sim = statistics.median(sims)
    print(f"\n{name}: {sim:.0f} simulated s in {wall:.2f} s wall (median of {REPEATS} seeds)")
    print(f"  speed: {sim / wall:.0f}x real time")
    total = sum(split.values())
    other = max(wall - total, 0.0)
    for k, v in [*split.items(), ("other (raid set-up, engine glue)", other)]:
        print(f"  {k:<34} {v:7.3f} s  {100 * v / wall:5.1f} %")


def main() -> None:
    print(
        f"Cupola engine benchmark on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    for name in sys.argv[1:] or SCENARIOS:
        bench(name)


if __name__ == "__main__":
    main()
