"""Civil-warning quality of every built-in scenario over 20 seeds (issue 4's figures).

Per scenario: zone-impact pairs that needed a warning and those missed, the needlessly
alerted area against the area that needed a warning, and the median warning time per threat
type (:mod:`cupola.metrics.warnings`). Targets: no missed zone, needless area at most 3x.

Run: ``.venv/bin/python benchmarks/bench_warnings.py [SEEDS]`` (default 20).
"""

from __future__ import annotations

import os
import platform
import sys
from collections import defaultdict

import numpy as np

from cupola.metrics.runs import warning_quality_of
from cupola.scenario import builtin_names, load
from cupola.sim.engine import simulate
from cupola.sim.world import compile_world


def main(seeds: int) -> None:
    print(
        f"Cupola warning benchmark on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {seeds} seeds per scenario"
    )
    for name in builtin_names():
        world = compile_world(load(name), name)
        needed = missed = 0
        needed_area = needless_area = 0.0
        times: dict[str, list[float]] = defaultdict(list)
        for seed in range(1, seeds + 1):  # independent runs
            q = warning_quality_of(simulate(world, seed))
            needed += q.needed
            missed += q.missed
            needed_area += q.needed_area_km2
            needless_area += q.needless_area_km2
            for t, k in zip(q.warning_time_s.tolist(), q.warning_type.tolist(), strict=True):
                times[k].append(t)
        ratio = needless_area / needed_area if needed_area else float("nan")
        medians = ", ".join(f"{k} {np.median(v):.0f} s" for k, v in sorted(times.items()))
        print(
            f"{name:<16} missed {missed} of {needed} zone-impact pairs; needless area "
            f"{needless_area:.0f} km2 = {ratio:.2f}x the needed {needed_area:.0f} km2; "
            f"median warning: {medians}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
