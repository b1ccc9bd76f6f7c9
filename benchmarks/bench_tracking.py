"""Tracking benchmark of issue 3: CPU per scan and GOSPA, Cupola against Stone Soup.

The case is :func:`tracking_case.make_case` (targets in a 60 km x 60 km x 12 km box around one
radar, 30-600 m/s, near-constant velocity, revisit 1 s, noise 10 m / 1 mrad / 1 mrad, Pd 0.9,
10 clutter plots per scan, 60 scans). GOSPA uses c = 100 m, p = 2, averaged over the scans
after the first 10. Stone Soup runs only when it is installed (``pip install stonesoup``, a
bench-only dependency); otherwise its columns say so.

Run: ``.venv/bin/python benchmarks/bench_tracking.py [N ...]`` (default 10 100 1000 10000; the
last for Cupola alone, with its peak memory).
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from tracking_case import TrackingCase, cloud_density, make_case, make_cloud_case

from cupola.metrics import continuity, gospa
from cupola.scenario.schema import ImmConfig, TrackerConfig
from cupola.tracking.replay import track_plots

#: Tracker settings for near-constant-velocity targets (the scenario defaults are for rockets):
#: the process noise of the truth, an initial velocity spread covering 600 m/s and that speed
#: as the fastest target. Initiation is the default track score; Stone Soup gets the same
#: noise, prior, gate, and M-of-N with M = confirm_hits.
CONFIG = TrackerConfig(
    name="gnn_ekf", process_noise_mps2=0.5, init_velocity_sigma_mps=600.0, max_speed_mps=600.0
)
#: The IMM tracker (the engine's default) on the same case, its constant-velocity model at the
#: truth's noise: what its manoeuvre and ballistic models cost on targets that do not need them.
IMM_CONFIG = CONFIG.model_copy(update={"name": "gnn_imm", "imm": ImmConfig(ncv_noise_mps2=0.5)})
#: Every tracker of the registry, each with the settings above.
TRACKER_CONFIGS = {
    name: (IMM_CONFIG if name.endswith("imm") else CONFIG).model_copy(update={"name": name})
    for name in ("gnn_imm", "jpda_imm", "gnn_ekf", "jpda_ekf")
}
CLOUD_RUNS = 50
SKIP_SCANS = 10
STONESOUP_MAX_N = 1000


def cupola_run(
    case: TrackingCase, config: TrackerConfig = CONFIG
) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """CPU seconds per scan, and the confirmed tracks' positions and ids at each scan."""
    start = time.process_time()
    rows = track_plots(config, {0: case.radar}, case.plots)
    cpu = (time.process_time() - start) / len(case.times)
    pos = np.c_[rows["x_m"], rows["y_m"], rows["z_m"]]
    at = [rows["time"] == t for t in case.times]
    return cpu, [pos[m] for m in at], [rows["track_id"][m] for m in at]


def cupola_continuity(case: TrackingCase, est: list[np.ndarray], ids: list[np.ndarray]) -> str:
    """Identity switches, fragmentations and time to track, as one line."""
    p = case.plots
    real = p.truth_id >= 0
    first: dict[int, float] = {}
    for k, t in zip(p.truth_id[real].tolist(), p.time[real].tolist(), strict=True):
        first.setdefault(k, t)
    n = case.truth.shape[1]
    c = continuity(case.times, list(case.truth), [np.arange(n)] * len(case.times), est, ids, first)
    return (
        f"id switches {c.id_switches}, fragmentations {c.fragmentations}, "
        f"time to track {c.mean_time_to_track_s:.1f} s, never tracked {c.never_tracked}"
    )


def mean_gospa(case: TrackingCase, estimates: list[np.ndarray]) -> dict[str, float]:
    parts = [gospa(case.truth[s], estimates[s]) for s in range(SKIP_SCANS, len(case.times))]
    return {
        "gospa": float(np.mean([g.distance for g in parts])),
        "missed": float(np.mean([g.n_missed for g in parts])),
        "false": float(np.mean([g.n_false for g in parts])),
    }


def stonesoup_run(case: TrackingCase) -> tuple[float, list[np.ndarray]] | None:
    try:
        from stonesoup_runner import run_stonesoup  # type: ignore[import-not-found]
    except ImportError:
        return None
    # The same settings as Cupola's tracker: like for like.
    result: tuple[float, list[np.ndarray]] = run_stonesoup(
        case,
        process_noise_mps2=CONFIG.process_noise_mps2,
        gate_probability=CONFIG.gate_probability,
        confirm_hits=CONFIG.confirm_hits,
        delete_misses=CONFIG.delete_misses,
        init_velocity_sigma_mps=CONFIG.init_velocity_sigma_mps,
    )
    return result


def main(sizes: list[int]) -> None:
    print(
        f"Cupola tracking benchmark on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; GOSPA c=100 m, p=2, scans {SKIP_SCANS + 1}-60"
    )
    header = f"{'N':>6} {'tracker':<10} {'CPU/scan':>10} {'GOSPA':>8} {'missed':>7} {'false':>7}"
    print(header)
    for n in sizes:
        case = make_case(n)
        for label, config in TRACKER_CONFIGS.items():
            cpu, est, ids = cupola_run(case, config)
            g = mean_gospa(case, est)
            print(
                f"{n:>6} {label:<10} {1e3 * cpu:8.2f}ms {g['gospa']:8.1f} "
                f"{g['missed']:7.1f} {g['false']:7.1f}   {cupola_continuity(case, est, ids)}"
            )
        if n > STONESOUP_MAX_N:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{'':>6} peak memory of this process so far: {peak:.0f} MiB")
            continue
        ss = stonesoup_run(case)
        if ss is None:
            print(f"{'':>6} {'stonesoup':<10} not installed (pip install stonesoup)")
            continue
        s_cpu, s_est = ss
        sg = mean_gospa(case, s_est)
        print(
            f"{n:>6} {'stonesoup':<10} {1e3 * s_cpu:8.2f}ms {sg['gospa']:8.1f} "
            f"{sg['missed']:7.1f} {sg['false']:7.1f}   CPU ratio to gnn_ekf {s_cpu / cpu:,.0f}x"
        )


def cloud(n_clutter: float = 100.0, half_m: float = 300.0) -> None:
    """Track maintenance in a clutter cloud: how often each tracker still holds the target's
    track, within 100 m, after 35 scans inside the cloud, and its position error."""
    density = cloud_density(n_clutter, half_m)
    print(
        f"\nClutter cloud: one target, {n_clutter:.0f} false plots a scan within ±{half_m:.0f} m "
        f"of it, {CLOUD_RUNS} runs"
    )
    for label, base in TRACKER_CONFIGS.items():
        config = base.model_copy(update={"clutter_density": density, "initiation": "m_of_n"})
        held, errors = 0, []
        for seed in range(CLOUD_RUNS):  # independent runs, each a whole tracker replay
            case = make_cloud_case(seed, n_clutter, half_m)
            _, est, ids = cupola_run(case, config)
            first = ids[5][:1]  # the track confirmed on the clean scans
            last = est[-1][ids[-1] == first[0]] if first.size else np.empty((0, 3))
            if last.size and np.linalg.norm(last[0] - case.truth[-1, 0]) < 100.0:
                held += 1
                errors.append(np.linalg.norm(last[0] - case.truth[-1, 0]))
        rms = float(np.sqrt(np.mean(np.square(errors)))) if errors else float("nan")
        print(f"{'':>6} {label:<10} track held {held}/{CLOUD_RUNS}, final error RMS {rms:5.1f} m")


def dense_clutter(n: int = 100, clutter: float = 3000.0) -> None:
    """Initiation in dense clutter: the track score against 3-of-4, on the same plots."""
    case = make_case(n, clutter=clutter)
    print(f"\nDense clutter: {n} targets, {clutter:.0f} false plots a scan")
    for initiation in ("score", "m_of_n"):
        config = CONFIG.model_copy(update={"initiation": initiation})
        cpu, est, _ = cupola_run(case, config)
        g = mean_gospa(case, est)
        print(
            f"{'':>6} gnn_ekf {initiation:<7} {1e3 * cpu:8.2f}ms GOSPA {g['gospa']:6.1f}, "
            f"missed {g['missed']:.1f}, false tracks {g['false']:.1f} a scan"
        )


def _sizes(argv: list[str]) -> list[int]:
    return [int(a) for a in argv] or [10, 100, 1000, 10000]


if __name__ == "__main__":
    main(_sizes(sys.argv[1:]))
    cloud()
    dense_clutter()
