"""Static weapon-target assignment: greedy, the search and the MILP side by side (issue 5).

Two sets:

- the public Andersen-Pavlikov-Toffolo instances in ``../shared/wta/andersen2022`` (skipped
  when that folder is missing): gap to the best published solution, with the search given
  ``ANDERSEN_LIMIT_S`` seconds and the MILP alone (no start) ``MILP_LIMIT_S``;
- seeded air-defense-like instances (``cupola.fire.wta_generate``) from 10×10 to 500 fire
  units × 200 threats: gap to the optimum proven by the exact mode, with the search given
  ``AIR_LIMIT_S`` seconds.

Goals: within 0.5 % of optimal on 200×200 air-defense-like instances in at most 100 ms; within
1 % of the best known on the Andersen 50×100 and 100×200 instances in at most 1 s. Times are
the search's (``search_seconds``); the certified bound that follows is timed on its own.

Run: ``.venv/bin/python benchmarks/bench_wta.py [--quick]`` (``--quick``: one seed, smaller
time limits for the exact references).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from cupola.fire.static_wta import StaticWTA, greedy, load_instance, objective
from cupola.fire.wta import solve
from cupola.fire.wta_exact import solve_exact
from cupola.fire.wta_generate import air_defense

ANDERSEN = Path(__file__).resolve().parents[2] / "shared" / "wta" / "andersen2022"
ANDERSEN_NAMES = [f"wta_{s}x{m}" for s in ("50x100", "100x200", "150x300") for m in (1, 2, 3)]
ANDERSEN_LIMIT_S = 1.0
MILP_LIMIT_S = 10.0
AIR_SIZES = ((10, 10), (50, 50), (100, 100), (200, 200), (500, 200))
AIR_LIMIT_S = 0.1
EXACT_LIMIT_S = 120.0


def timed_greedy(p: StaticWTA) -> tuple[float, float]:
    start = time.perf_counter()
    shots = greedy(p)
    return objective(p, shots), time.perf_counter() - start


def pct(value: float, ref: float) -> str:
    return f"{100 * (value / ref - 1):+7.3f} %"


def andersen(quick: bool) -> None:
    if not ANDERSEN.is_dir():
        print(f"(skipped: {ANDERSEN} is not here)")
        return
    bounds = json.loads((ANDERSEN / "published_bounds.json").read_text())
    milp_limit = 2.0 if quick else MILP_LIMIT_S
    print(
        f"{'instance':<16}{'best known':>12}  {'greedy':>10} {'ms':>6}  "
        f"{'search':>10} {'s':>6}  {'bound':>9} {'s':>5}  {'MILP':>10} {'s':>6}"
    )
    for name in ANDERSEN_NAMES:
        p = load_instance(ANDERSEN / f"{name}.npz")
        best = bounds[name]["best_upper"]
        g, tg = timed_greedy(p)
        sol = solve(p, "search", time_limit=ANDERSEN_LIMIT_S)
        milp = ""
        if name.startswith(("wta_50x", "wta_100x")):
            start = time.perf_counter()
            res = solve_exact(p, None, time_limit=milp_limit)
            milp = f"{pct(res.value, best)} {time.perf_counter() - start:6.1f}"
        lb = sol.lower_bound if sol.lower_bound is not None else float("nan")
        print(
            f"{name:<16}{best:12.4f}  {pct(g, best)} {1e3 * tg:6.1f}  "
            f"{pct(sol.objective, best)} {sol.search_seconds:6.2f}  {pct(lb, best)} "
            f"{sol.seconds - sol.search_seconds:5.2f}  {milp}",
            flush=True,
        )


def generated(quick: bool) -> None:
    seeds = (0,) if quick else (0, 1, 2)
    exact_limit = 20.0 if quick else EXACT_LIMIT_S
    print(
        f"{'units x threats':<16}{'seed':>4}{'pairs':>7}  {'greedy':>10} {'ms':>6}  "
        f"{'search':>10} {'ms':>6}  {'bound':>9} {'ms':>5}  {'exact':>8} {'s':>6}"
    )
    worst: dict[tuple[int, int], float] = {}
    for w, t in AIR_SIZES:
        for seed in seeds:
            p = air_defense(w, t, seed)
            g, tg = timed_greedy(p)
            sol = solve(p, "search", time_limit=AIR_LIMIT_S)
            start = time.perf_counter()
            ref = solve_exact(p, sol.shots, time_limit=exact_limit)
            te = time.perf_counter() - start
            status = (
                "optimal" if ref.optimal else f"{100 * (1 - ref.lower_bound / ref.value):.2g} %"
            )
            lb = sol.lower_bound if sol.lower_bound is not None else float("nan")
            print(
                f"{f'{w} x {t}':<16}{seed:>4}{int((p.pk > 0).sum()):>7}  {pct(g, ref.value)} "
                f"{1e3 * tg:6.1f}  {pct(sol.objective, ref.value)} "
                f"{1e3 * sol.search_seconds:6.1f}  "
                f"{pct(lb, ref.value)} {1e3 * (sol.seconds - sol.search_seconds):5.1f}  "
                f"{status:>8} {te:6.1f}",
                flush=True,
            )
            worst[(w, t)] = max(worst.get((w, t), -np.inf), sol.objective / ref.value - 1)
    for (w, t), gap in worst.items():
        print(f"worst search gap at {w} x {t}: {100 * gap:.3f} % (to the exact mode's best)")


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    print(
        f"static weapon-target assignment on {os.cpu_count()} cores "
        f"({platform.machine()}), one thread per solver"
    )
    print(
        f"\nAndersen et al. 2022 instances (search {ANDERSEN_LIMIT_S:g} s; "
        "gaps to the best published solution)"
    )
    andersen(quick)
    print(f"\nair-defense-like instances (search {1e3 * AIR_LIMIT_S:g} ms; gaps to the exact mode)")
    generated(quick)


if __name__ == "__main__":
    main()
