"""Siting: planning time for 200 candidate sites x 20 defended assets x 1,000 sampled threats
(issue 7). Goal: under 10 s on this machine.

The border town with 18 more defended points (substations, schools, clinics: fictional,
around the town and the water works) so that it has 20 assets, its raid aimed at them as
well; a grid of about 200 candidate sites; 1,000 sampled trajectories; K = 1 to 4 batteries
(the whole curve). Prints the time of each phase (sample, coverage, MEXCLP, swaps on the
engagement-sequence model) and the
layout's value against the naive one. No Monte Carlo check (that is the campaign engine's
throughput, ``bench_campaign.py``).

Run: ``.venv/bin/python benchmarks/bench_siting.py``.
"""

from __future__ import annotations

import os
import time

import numpy as np
import yaml

from cupola.scenario import load_text
from cupola.scenario.load import _read_builtin
from cupola.siting.plan import PlanOptions, plan

K = 4


def scenario_with_20_assets() -> str:
    data = yaml.safe_load(_read_builtin("border-town"))
    rng = np.random.default_rng(7)
    for i in range(18):
        lat = 31.285 + 0.04 * rng.random()
        lon = 34.425 + 0.06 * rng.random()
        data["assets"].append(
            {
                "kind": "point",
                "name": f"Site {i + 1}",
                "value": float(rng.integers(5, 40)),
                "position": {"lat": round(lat, 5), "lon": round(lon, 5)},
                "radius_m": 100.0,
            }
        )
    points = [a["position"] for a in data["assets"][2:]]
    salvo = dict(data["raid"]["salvos"][0], count=30, aim={"points": points, "error_m": 150})
    data["raid"]["salvos"].append(salvo)
    return yaml.safe_dump(data, sort_keys=False)


def main() -> None:
    sc = load_text(scenario_with_20_assets(), "border-town+18")
    print(
        f"siting, {len(sc.assets)} assets, 1,000 sampled threats, K = 1..{K}, "
        f"on {os.cpu_count()} cores"
    )
    start = time.perf_counter()
    p = plan(sc, "bench", PlanOptions(batteries=K, samples=1000))
    wall = time.perf_counter() - start
    n_sites, n_threats = p.cover.shape
    print(
        f"{n_sites} candidate sites x {n_threats} trajectories: {wall:.2f} s in all "
        "(goal: under 10 s)"
    )
    for phase, seconds in p.seconds.items():
        print(f"  {phase:<10} {seconds:6.2f} s")
    print(
        f"  K = {K}: MEXCLP start {p.mexclp.method}"
        f"{' (optimal)' if p.mexclp.optimal else ' (not proved)'}, then {p.layout.method}; "
        f"defended {p.planned_value:,.0f} of {p.threatened_value:,.0f} per raid "
        f"(naive layout {p.naive_value:,.0f})"
    )
    agreement_table()


#: Sites of the agreement check: offsets from each scenario's first battery, m.
OFFSETS = ((0, 0), (8000, 0), (0, -8000), (-15000, 5000))


def agreement_table() -> None:
    """The coverage model against the full simulation: one battery at four sites of each
    built-in raid, seeds 1 and 2 (:mod:`cupola.siting.agreement`)."""
    from cupola.scenario import load
    from cupola.sim.world import compile_world
    from cupola.siting.agreement import agreement

    print("coverage model against the full simulation (one battery, 4 sites x 2 seeds):")
    pooled, pooled_bound = [], []
    for name in ("border-town", "city-mixed-raid", "drone-night"):
        sc = load(name)
        base = compile_world(sc).units.battery_pos[0]
        same, bound = [], []
        for dx, dy in OFFSETS:
            for seed in (1, 2):
                a = agreement(sc, base + np.array([dx, dy, 0.0]), seed)
                same.append(a.model == a.simulated)
                bound.append((a.model == a.simulated)[a.bound])
        s, b = np.concatenate(same), np.concatenate(bound)
        pooled.append(s)
        pooled_bound.append(b)
        print(
            f"  {name:<16} {100 * s.mean():5.1f} % of {len(s)} threats agree "
            f"({100 * b.mean():5.1f} % of the {len(b)} bound for assets)"
        )
    s, b = np.concatenate(pooled), np.concatenate(pooled_bound)
    print(
        f"  {'all':<16} {100 * s.mean():5.1f} % of {len(s)} ({100 * b.mean():5.1f} % of {len(b)})"
    )


if __name__ == "__main__":
    main()
