"""The campaign engines: a sweep's runs on this machine's cores, or on a Dask cluster,
batched and resumable.

Runs go to worker processes in batches, so that small runs are not dominated by the cost of a
task: up to ``BATCH`` runs per task, fewer when that would leave a worker fewer than two
tasks. Each finished batch is written at once as its own Parquet
part, ``DIR/runs/part-<first run>.parquet``, atomically; ``DIR/sweep.json`` records the sweep.
Started again on the same folder with the same sweep, the engine reads the parts there and
runs only what is missing, so an interrupted sweep (Ctrl-C, a crash) resumes where it stopped
and ends with the same table. One row per run: ``run_id``, ``point``, ``seed``, one column per
varied path, every number of the run summary (:func:`cupola.sim.summary.summarize`), and
``damage:<asset>``, the value lost at each defended asset (hits times its value). A scenario
with a ``sustainment`` section runs a whole campaign over days per seed, and its row holds the
campaign's totals (:mod:`cupola.campaign.sustain`).
At the end, ``DIR/report.html`` (:mod:`cupola.campaign.report`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from cupola.campaign.base import Sweep, SweepError
from cupola.campaign.report import write_report
from cupola.campaign.store import finished
from cupola.output.parquet import write_parquet_file

#: Runs per task sent to a worker.
BATCH = 4
#: Campaign engines.
ENGINES = ("local", "dask")
#: Seconds to reach a Dask scheduler.
CONNECT_TIMEOUT_S = 5

Job = tuple[str, int, int, tuple[Any, ...]]  # run id, point, seed, values


@cache
def _world(text: str) -> Any:
    from cupola.scenario import load_text
    from cupola.sim.world import compile_world

    return compile_world(load_text(text, "sweep point"), "sweep point")


def run_batch(text: str, jobs: list[Job], paths: list[str]) -> dict[str, list[Any]]:
    """Run ``jobs`` of one grid point (scenario YAML ``text``); their rows, as columns."""
    world = _world(text)
    rows: dict[str, list[Any]] = {"run_id": [], "point": [], "seed": []}
    for path in paths:
        rows[path] = []
    for run_id, point, seed, values in jobs:
        rows["run_id"].append(run_id)
        rows["point"].append(point)
        rows["seed"].append(seed)
        for path, value in zip(paths, values, strict=True):
            rows[path].append(value)
        for key, value in _figures(world, seed).items():
            if key != "seed" and isinstance(value, int | float) and not isinstance(value, bool):
                rows.setdefault(key, []).append(value)
    return rows


def _figures(world: Any, seed: int) -> dict[str, Any]:
    """A run's figures: its summary and ``damage:<asset>``; with a ``sustainment`` section,
    the whole campaign's totals (:func:`cupola.campaign.sustain.sustain`)."""
    from cupola.campaign.sustain import sustain
    from cupola.sim.engine import simulate
    from cupola.sim.summary import summarize

    if world.scenario.sustainment is not None:
        return sustain(world.scenario, seed, "sweep point").totals
    summary = summarize(simulate(world, seed))
    worth = dict(zip(world.assets.names, world.assets.values, strict=True))
    for name, hits in summary["hits_per_asset"].items():
        summary[f"damage:{name}"] = float(hits * worth[name])
    return summary


def _columns(rows: dict[str, list[Any]]) -> dict[str, np.ndarray]:
    out = {}
    for key, values in rows.items():
        a = np.asarray(values)
        out[key] = a.astype(object) if a.dtype.kind in "UO" else a
    return out


def run_sweep(
    sweep: Sweep,
    out: Path,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    engine: str = "local",
    scheduler: str | None = None,
) -> int:
    """Run what is missing of ``sweep`` into ``out`` (module docstring); returns the number
    of runs done now. ``progress(done, total)`` is called as batches finish.

    Parameters
    ----------
    engine : {"local", "dask"}
        Local worker processes, or Dask ``distributed``: the cluster at ``scheduler``, or
        without one a local cluster of ``workers`` processes.
    """
    if engine not in ENGINES:
        raise SweepError(f"--engine: unknown {engine!r}; choose local or dask")
    if scheduler is not None and engine != "dask":
        raise SweepError("--scheduler: only with --engine dask")
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
    client = cluster = None
    if engine == "dask":  # reach the cluster before anything is written
        client, cluster = connect(workers or os.cpu_count() or 1, scheduler)
    try:
        (out / "runs").mkdir(parents=True, exist_ok=True)
        spec_file.write_text(spec + "\n", encoding="utf-8")
        paths = [p for p, _ in sweep.vary]
        done = finished(out)
        jobs: list[tuple[int, list[Job]]] = []
        missing = len(sweep.points()) * sweep.runs - len(done)
        n_workers = workers or os.cpu_count() or 1
        size = max(1, min(BATCH, -(-missing // (2 * n_workers))))  # at least 2 tasks a worker
        for point, values in enumerate(sweep.points()):
            waiting = [
                (f"p{point}-s{seed}", point, seed, values)
                for seed in range(sweep.runs)
                if f"p{point}-s{seed}" not in done
            ]
            jobs += [(point, waiting[i : i + size]) for i in range(0, len(waiting), size)]
        total = len(sweep.points()) * sweep.runs
        count = len(done)
        if progress:
            progress(count, total)
        if not jobs:
            write_report(out)
            return 0
        ran = 0
        tasks = [(texts[point], batch, paths) for point, batch in jobs]
        batches = _dask_batches(tasks, client) if client else _local_batches(tasks, n_workers)
        for batch, rows in batches:
            write_parquet_file(out / "runs" / f"part-{batch[0][0]}.parquet", _columns(rows), True)
            ran += len(batch)
            count += len(batch)
            if progress:
                progress(count, total)
        write_report(out)
        return ran
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


Task = tuple[str, list[Job], list[str]]


def _local_batches(
    tasks: list[Task], workers: int
) -> Iterator[tuple[list[Job], dict[str, list[Any]]]]:
    """Batches run on local worker processes, yielded as they finish."""
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: dict[Future[dict[str, list[Any]]], list[Job]] = {
            pool.submit(run_batch, *task): task[1] for task in tasks
        }
        try:
            while pending:
                complete, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in complete:
                    yield pending.pop(fut), fut.result()
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise


def connect(workers: int, scheduler: str | None) -> tuple[Any, Any]:
    """A Dask client and the local cluster it drives (None at a ``scheduler`` address)."""
    from distributed import Client, LocalCluster

    try:
        if scheduler is None:
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            return Client(cluster), cluster  # type: ignore[no-untyped-call]
        return Client(scheduler, timeout=CONNECT_TIMEOUT_S), None  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:
        raise SweepError(f"--scheduler {scheduler}: cannot connect ({exc})") from None


def _dask_batches(
    tasks: list[Task], client: Any
) -> Iterator[tuple[list[Job], dict[str, list[Any]]]]:
    """Batches run on a Dask cluster, yielded as they finish."""
    from distributed import as_completed

    futures = {client.submit(run_batch, *task, pure=False): task[1] for task in tasks}
    for fut in as_completed(list(futures)):  # type: ignore[no-untyped-call]
        yield futures[fut], fut.result()
