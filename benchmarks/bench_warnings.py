"""Threat evaluation and civil warnings of every built-in scenario over 20 seeds (issue 4).

Per scenario:

* warning quality (:mod:`cupola.metrics.warnings`): zone-impact pairs that needed a warning and
  those missed, the needlessly alerted area against the area that needed a warning, and the
  median warning time per threat type. Targets: no missed zone, needless area at most 3x.
* impact-prediction error (:mod:`cupola.metrics.prediction`): median and 95th percentile by
  ballistic threat type at 5, 10, 20 and 40 s after first detection, and for rockets fired from
  20-70 km at 10 s (target: median under 150 m); for drones and cruise missiles, whose "impact"
  is the asset their ground track leads to, how often that is the asset they aim at.

Runs go to the machine's cores (processes); each run depends only on its seed.

Run: ``.venv/bin/python benchmarks/bench_warnings.py [SEEDS]`` (default 20).
"""

from __future__ import annotations

import os
import platform
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from cupola.assess import AreaIndex
from cupola.metrics.prediction import AGE_WINDOW_S, error_table
from cupola.metrics.runs import prediction_errors_of, warning_quality_of
from cupola.scenario import builtin_names, load
from cupola.sim.engine import simulate
from cupola.sim.world import compile_world
from cupola.threats.base import BALLISTIC

#: Launch ranges of the headline impact-prediction figure, m.
ROCKET_RANGE_M = (20_000.0, 70_000.0)
HEADLINE_AGE_S = 10.0


@dataclass
class Outcome:
    """What one run contributes."""

    needed: int
    missed: int
    needed_area: float
    needless_area: float
    warn_time: list[float]
    warn_type: list[str]
    errors: list[tuple[str, float, float, bool]]  # type, age, error, 20-70 km rocket
    targets: list[tuple[str, bool]]  # air-breathing type, predicted target asset right


def one(job: tuple[str, int]) -> Outcome:
    name, seed = job
    world = compile_world(load(name), name)
    r = simulate(world, seed)
    q = warning_quality_of(r)
    e = prediction_errors_of(r)
    names = np.asarray(world.threat_types.names, dtype=object)[r.threats.type_idx]
    rng = np.hypot(*(r.nominal_impact[:, :2] - r.launch_point[:, :2]).T)
    rocket = (rng >= ROCKET_RANGE_M[0]) & (rng <= ROCKET_RANGE_M[1])
    rocket &= r.threats.kind == BALLISTIC
    # Drones and cruise missiles: is the asset predicted from the ground track the one aimed at?
    aim_asset, _ = AreaIndex.build(
        world.assets.footprints, world.assets.values, world.scenario.doctrine.asset_margin_m
    ).best(r.nominal_impact[:, :2])
    asset_names = np.array([*world.assets.names, ""], dtype=object)
    a = r.assessments
    air = a["threat_id"] >= 0
    air[air] = r.threats.kind[a["threat_id"][air]] != BALLISTIC
    tid = a["threat_id"][air]
    targets = [
        (str(names[t]), bool(p == asset_names[aim_asset[t]]))
        for t, p in zip(tid.tolist(), a["asset"][air].tolist(), strict=True)
    ]
    ballistic = r.threats.kind[e.threat_id] == BALLISTIC
    return Outcome(
        q.needed,
        q.missed,
        q.needed_area_km2,
        q.needless_area_km2,
        q.warning_time_s.tolist(),
        [str(k) for k in q.warning_type.tolist()],
        [
            (str(names[t]), float(age), float(x), bool(rocket[t]))
            for t, age, x in zip(
                e.threat_id[ballistic], e.age_s[ballistic], e.error_m[ballistic], strict=True
            )
        ],
        targets,
    )


def main(seeds: int) -> None:
    print(
        f"Cupola threat-evaluation and warning benchmark on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; {seeds} seeds per scenario"
    )
    names = builtin_names()
    jobs = [(n, s) for n in names for s in range(1, seeds + 1)]
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        outcomes = list(pool.map(one, jobs))
    for name in names:
        mine = [o for (n, _), o in zip(jobs, outcomes, strict=True) if n == name]
        needed = sum(o.needed for o in mine)
        missed = sum(o.missed for o in mine)
        needed_area = sum(o.needed_area for o in mine)
        needless_area = sum(o.needless_area for o in mine)
        times: dict[str, list[float]] = defaultdict(list)
        for o in mine:
            for t, k in zip(o.warn_time, o.warn_type, strict=True):
                times[k].append(t)
        ratio = needless_area / needed_area if needed_area else float("nan")
        medians = ", ".join(f"{k} {np.median(v):.0f} s" for k, v in sorted(times.items()))
        print(f"\n{name}")
        print(
            f"  warnings: missed {missed} of {needed} zone-impact pairs; needless area "
            f"{needless_area:.0f} km2 = {ratio:.2f}x the needed {needed_area:.0f} km2"
        )
        print(f"  median warning time: {medians}")
        errs = [x for o in mine for x in o.errors]
        print("  impact-prediction error after first detection (median / 95th pct, m):")
        _errors(errs)
        targets = [x for o in mine for x in o.targets]
        for t in sorted({k for k, _ in targets}):
            right = [ok for k, ok in targets if k == t]
            print(
                f"    {t:<14} predicted target asset right in "
                f"{100 * np.mean(right):.0f} % of {len(right)} assessments"
            )
        rockets = np.array([x for _, a, x, r in errs if r and abs(a - HEADLINE_AGE_S) <= 0.5])
        if rockets.size:
            print(
                f"  rockets fired from 20-70 km, {HEADLINE_AGE_S:.0f} s after first detection: "
                f"median {np.median(rockets):.0f} m, 95th pct {np.percentile(rockets, 95):.0f} m "
                f"({rockets.size} samples; target median < 150 m)"
            )


def _errors(errs: list[tuple[str, float, float, bool]]) -> None:
    """Print the error table of one scenario's samples."""
    if not errs:
        print("    (no samples)")
        return
    from cupola.metrics.prediction import PredictionErrors

    types = sorted({t for t, *_ in errs})
    code = {t: i for i, t in enumerate(types)}
    e = PredictionErrors(
        threat_id=np.array([code[t] for t, *_ in errs], np.int64),
        age_s=np.array([a for _, a, _, _ in errs]),
        error_m=np.array([x for _, _, x, _ in errs]),
    )
    rows = error_table(e, np.array(types, dtype=object))
    by_type: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        by_type[r.group].append(f"{r.age_s:.0f} s: {r.median_m:.0f} / {r.p95_m:.0f}")
    for t in types:
        print(f"    {t:<14} " + ", ".join(by_type[t]) + f"  (bins of +-{AGE_WINDOW_S} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
