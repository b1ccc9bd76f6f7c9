"""Fire control in the simulation over many seeds of the city scenario (issue 5).

Rows: the greedy rule against fire control by weapon-target assignment (``wta``), one round
per engagement; then ``wta`` with up to two rounds per threat, shoot-look-shoot where the
window allows (``shoot_look_shoot: true``) against a two-round salvo every time (``false``);
then ``wta`` with a reserve of rounds held for threats worth them. Each row is the mean over
the seeds (± its standard error) of the hits on defended assets, the damage, the interceptors
fired, the threats engaged and killed; then the interceptors fired per engaged threat and
per kill.

Analytic reference for shoot-look-shoot: with kill probability p per round, a two-round salvo
spends 2 rounds per engaged threat and shoot-look-shoot 1 + (1 - p): a saving of about p.

Runs go to the machine's cores (processes); each run depends only on its seed.

Run: ``.venv/bin/python benchmarks/bench_fire_control.py [SEEDS]`` (default 50).
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from cupola.scenario import load
from cupola.sim.engine import simulate
from cupola.sim.summary import summarize
from cupola.sim.world import compile_world

SCENARIO = "city-mixed-raid"
CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "greedy, 1 round": ("greedy", {}),
    "wta, 1 round": ("wta", {}),
    "wta, shoot-look-shoot (2)": ("wta", {"shots_per_engagement": 2}),
    "wta, 2-round salvo": ("wta", {"shots_per_engagement": 2, "shoot_look_shoot": False}),
    "wta, 1 round, reserve 10 @ 600": (
        "wta",
        {"reserve_rounds": 10, "reserve_release_damage": 600.0},
    ),
}
FIGURES = (
    ("hits_on_defended_assets", "hits"),
    ("damage_value", "damage"),
    ("interceptors_fired", "fired"),
    ("engaged", "engaged"),
    ("intercepted", "killed"),
)


def one(job: tuple[str, int]) -> dict[str, float]:
    label, seed = job
    name, doctrine = CONFIGS[label]
    sc = load(SCENARIO)
    sc = sc.model_copy(
        update={
            "fire_control": sc.fire_control.model_copy(update={"name": name}),
            "doctrine": sc.doctrine.model_copy(update=doctrine),
        }
    )
    s = summarize(simulate(compile_world(sc, SCENARIO), seed))
    return {k: float(s[k]) for k, _ in FIGURES}


def main() -> None:
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    cores = os.cpu_count() or 1
    world = compile_world(load(SCENARIO), SCENARIO)
    sskp = float(world.interceptors.sskp[world.units.itype[0]])
    print(f"fire control on {SCENARIO}, {seeds} seeds, {cores} cores (processes)")
    head = "".join(f"{label:>17}" for _, label in FIGURES)
    print(f"{'':<32}{head}{'per engaged':>12}{'per kill':>10}")
    with ProcessPoolExecutor(cores) as pool:
        for label in CONFIGS:
            rows = list(pool.map(one, [(label, s) for s in range(seeds)]))
            cells = []
            for key, _ in FIGURES:
                v = np.array([r[key] for r in rows])
                cells.append(f"{v.mean():9.1f} ± {v.std(ddof=1) / np.sqrt(len(v)):5.1f}")
            fired = sum(r["interceptors_fired"] for r in rows)
            per_engaged = fired / max(sum(r["engaged"] for r in rows), 1.0)
            per_kill = fired / max(sum(r["intercepted"] for r in rows), 1.0)
            line = f"{label:<32}" + "".join(f"{c:>17}" for c in cells)
            print(f"{line}{per_engaged:12.3f}{per_kill:10.3f}", flush=True)
    print(
        f"analytic, kill probability p = {sskp:g} per round: a 2-round salvo spends 2 rounds per "
        f"engaged threat, shoot-look-shoot {2 - sskp:.2f}"
    )


if __name__ == "__main__":
    main()
