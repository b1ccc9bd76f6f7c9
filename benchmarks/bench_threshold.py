"""The engaged/ignored split of the border-town scenario and its sensitivity to the doctrine's
engage threshold (issue 4): a Markdown table, over 20 seeds per threshold.

A threat is engaged when its expected damage (hit probability times asset value, summed over
the defended assets; :mod:`cupola.assess.evaluate`) exceeds the threshold. Border town's assets
are the town (value 100) and the water works (value 30): a threshold of 30 and up leaves threats
to the water works alone, one of 100 leaves every threat alone.

Run: ``.venv/bin/python benchmarks/bench_threshold.py [SEEDS]`` (default 20).
"""

from __future__ import annotations

import os
import platform
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from cupola.scenario import load
from cupola.sim.engine import simulate
from cupola.sim.summary import summarize
from cupola.sim.world import compile_world

SCENARIO = "border-town"
THRESHOLDS = (0.0, 10.0, 25.0, 35.0, 50.0, 75.0, 90.0, 100.0)
FIGURES = (
    "threats",
    "threatening",
    "engaged",
    "engaged_threatening",
    "engaged_not_threatening",
    "leaked",
    "hits_on_defended_assets",
    "damage_value",
    "interceptors_fired",
)


def one(job: tuple[float, int]) -> dict[str, float]:
    threshold, seed = job
    sc = load(SCENARIO)
    doctrine = sc.doctrine.model_copy(update={"engage_threshold": threshold})
    world = compile_world(sc.model_copy(update={"doctrine": doctrine}), SCENARIO)
    s = summarize(simulate(world, seed))
    return {k: float(s[k]) for k in FIGURES}


def main(seeds: int) -> None:
    print(
        f"Cupola engage-threshold sensitivity on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}: {SCENARIO}, {seeds} seeds per threshold, "
        "mean per raid\n"
    )
    jobs = [(t, s) for t in THRESHOLDS for s in range(1, seeds + 1)]
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        rows = list(pool.map(one, jobs))
    print(
        "| threshold | engaged | ignored | ignored though bound for assets "
        "| engaged though bound for open ground | hits on assets | damage (value) "
        "| interceptors fired |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t in THRESHOLDS:
        mine = [r for (tt, _), r in zip(jobs, rows, strict=True) if tt == t]
        m = {k: float(np.mean([r[k] for r in mine])) for k in FIGURES}
        cells = (
            m["engaged"],
            m["threats"] - m["engaged"],
            m["threatening"] - m["engaged_threatening"],
            m["engaged_not_threatening"],
            m["hits_on_defended_assets"],
            m["damage_value"],
            m["interceptors_fired"],
        )
        print(f"| {t:g} | " + " | ".join(f"{c:.1f}" for c in cells) + " |")
    print(
        f"\n(mean of {seeds} raids of {m['threats']:.0f} threats, "
        f"{m['threatening']:.1f} of them bound for defended assets)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
