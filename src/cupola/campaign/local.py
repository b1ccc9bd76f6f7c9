"""The local campaign engine: a sweep's runs on this machine's cores, batched, resumable.

Runs go to worker processes in batches (``BATCH`` runs per task, so that small runs are not
dominated by the cost of a task). Each finished batch is written at once as its own Parquet
part, ``DIR/runs/part-<first run>.parquet``, atomically; ``DIR/sweep.json`` records the sweep.
Started again on the same folder with the same sweep, the engine reads the parts there and
runs only what is missing, so an interrupted sweep (Ctrl-C, a crash) resumes where it stopped
and ends with the same table. One row per run: ``run_id``, ``point``, ``seed``, one column per
varied path, and every number of the run summary (:func:`cupola.sim.summary.summarize`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from cupola.campaign.base import Sweep, SweepError
from cupola.output.parquet import read_parquet, write_parquet_file

#: Runs per task sent to a worker.
BATCH = 4

Job = tuple[str, int, int, tuple[Any, ...]]  # run id, point, seed, values


@cache
def _world(text: str) -> Any:
    from cupola.scenario import load_text
    from cupola.sim.world import compile_world

    return compile_world(load_text(text, "sweep point"), "sweep point")


def run_batch(text: str, jobs: list[Job], paths: list[str]) -> dict[str, list[Any]]:
    """Run ``jobs`` of one grid point (scenario YAML ``text``); their rows, as columns."""
    from cupola.sim.engine import simulate
    from cupola.sim.summary import summarize

    world = _world(text)
    rows: dict[str, list[Any]] = {"run_id": [], "point": [], "seed": []}
    for path in paths:
        rows[path] = []
    for run_id, point, seed, values in jobs:
        summary = summarize(simulate(world, seed))
        rows["run_id"].append(run_id)
        rows["point"].append(point)
        rows["seed"].append(seed)
        for path, value in zip(paths, values, strict=True):
            rows[path].append(value)
        for key, value in summary.items():
            if key != "seed" and isinstance(value, int | float) and not isinstance(value, bool):
                rows.setdefault(key, []).append(value)
    return rows


def _columns(rows: dict[str, list[Any]]) -> dict[str, np.ndarray]:
    out = {}
    for key, values in rows.items():
        a = np.asarray(values)
        out[key] = a.astype(object) if a.dtype.kind in "UO" else a
    return out


def finished(out: Path) -> set[str]:
    """Run ids already in ``out``'s parts."""
    parts = sorted((out / "runs").glob("part-*.parquet"))
    done: set[str] = set()
    for part in parts:
        done.update(str(r) for r in read_parquet(part)["run_id"])
    return done


def run_sweep(
    sweep: Sweep,
    out: Path,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Run what is missing of ``sweep`` into ``out`` (module docstring); returns the number
    of runs done now. ``progress(done, total)`` is called as batches finish."""
    texts = sweep.point_texts()  # every point validated before any run
    out = Path(out)
    spec = json.dumps(sweep.as_json(), sort_keys=True)
    spec_file = out / "sweep.json"
    if out.exists() and not out.is_dir():
        raise SweepError(f"{out}: is a file, not a folder")
    if spec_file.exists() and spec_file.read_text(encoding="utf-8").strip() != spec:
        raise SweepError(f"{out}: holds a different sweep (see its sweep.json); use another --out")
    if out.exists() and not spec_file.exists() and any(out.iterdir()):
        raise SweepError(f"{out}: exists and is not a sweep folder")
    (out / "runs").mkdir(parents=True, exist_ok=True)
    spec_file.write_text(spec + "\n", encoding="utf-8")
    paths = [p for p, _ in sweep.vary]
    done = finished(out)
    jobs: list[tuple[int, list[Job]]] = []
    for point, values in enumerate(sweep.points()):
        todo = [
            (f"p{point}-s{seed}", point, seed, values)
            for seed in range(sweep.runs)
            if f"p{point}-s{seed}" not in done
        ]
        jobs += [(point, todo[i : i + BATCH]) for i in range(0, len(todo), BATCH)]
    total = len(sweep.points()) * sweep.runs
    count = len(done)
    if progress:
        progress(count, total)
    if not jobs:
        return 0
    n_workers = workers or os.cpu_count() or 1
    ran = 0
    with ProcessPoolExecutor(max_workers=n_workers) as pool:
        pending: dict[Future[dict[str, list[Any]]], list[Job]] = {
            pool.submit(run_batch, texts[point], batch, paths): batch for point, batch in jobs
        }
        try:
            while pending:
                complete, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in complete:
                    batch = pending.pop(fut)
                    rows = fut.result()
                    first = batch[0][0]
                    write_parquet_file(out / "runs" / f"part-{first}.parquet", _columns(rows), True)
                    ran += len(batch)
                    count += len(batch)
                    if progress:
                        progress(count, total)
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
    return ran
