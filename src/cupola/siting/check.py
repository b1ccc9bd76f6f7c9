r"""The Monte Carlo check: the planned and the naive layouts through the full simulation.

Both layouts run as sweeps of the campaign engine (:func:`cupola.campaign.run_sweep`) over
the same seeds (common random numbers: the same raids), and are compared on the run figures
below: the mean over the seeds with a 95 % confidence interval
:math:`\bar y \pm t_{0.975, n-1}\, s/\sqrt n`, and the mean of the paired difference
(planned minus naive) with its own interval.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy import stats

from cupola.campaign import Sweep, run_sweep
from cupola.campaign.store import connect_runs
from cupola.scenario.schema import Scenario

#: Figures compared: (column, label).
FIGURES = (
    ("hits_on_defended_assets", "hits on defended assets"),
    ("damage_value", "damage (asset value)"),
    ("leaked", "leaked"),
    ("intercepted_threatening", "intercepted, bound for assets"),
    ("interceptors_fired", "interceptors fired"),
)


def monte_carlo(
    layouts: dict[str, Scenario],
    folder: Path,
    runs: int,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run each layout ``runs`` times into ``folder/<name>`` and compare them (module
    docstring); the first layout is compared with the others."""
    rows: dict[str, dict[str, np.ndarray]] = {}
    total = len(layouts) * runs
    for i, (name, sc) in enumerate(layouts.items()):
        text = yaml.safe_dump(sc.model_dump(mode="json", exclude_none=True), sort_keys=False)
        path = folder / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")

        def step(done: int, _total: int, offset: int = i * runs) -> None:
            if progress is not None:
                progress(offset + done, total)

        run_sweep(Sweep(str(path), runs), folder / name, workers, step)
        path.unlink()
        con = connect_runs(folder / name)
        try:
            cols = ", ".join(c for c, _ in FIGURES)
            data = con.execute(f"SELECT seed, {cols} FROM runs ORDER BY seed").fetchnumpy()
        finally:
            con.close()
        rows[name] = {k: np.asarray(v, float) for k, v in data.items()}
    first = next(iter(layouts))
    out: dict[str, Any] = {"runs": runs, "layouts": {}, "differences": {}}
    for name, data in rows.items():
        out["layouts"][name] = {col: _mean_ci(data[col]) for col, _ in FIGURES}
        if name != first:
            out["differences"][f"{first} - {name}"] = {
                col: _mean_ci(rows[first][col] - data[col]) for col, _ in FIGURES
            }
    return out


def _mean_ci(y: np.ndarray) -> dict[str, float | None]:
    """Mean and the half-width of its 95 % interval (Student's t; null from one run)."""
    n = len(y)
    if n < 2:
        return {"mean": float(np.mean(y)), "ci95": None}
    half = float(stats.t.ppf(0.975, n - 1) * np.std(y, ddof=1) / np.sqrt(n))
    return {"mean": float(np.mean(y)), "ci95": half}
