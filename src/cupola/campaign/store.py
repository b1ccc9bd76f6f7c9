"""A campaign folder's runs: the Parquet parts under ``DIR/runs`` and one DuckDB view of them."""

from __future__ import annotations

from pathlib import Path

import duckdb

from cupola.campaign.base import SweepError
from cupola.output.parquet import read_parquet

#: Where a campaign folder keeps its rows.
PARTS = "runs/part-*.parquet"


def parts(out: Path) -> list[Path]:
    """The Parquet parts of ``out``, in name order."""
    return sorted(Path(out).glob(PARTS))


def finished(out: Path) -> set[str]:
    """Run ids already in ``out``'s parts."""
    done: set[str] = set()
    for part in parts(out):
        done.update(str(r) for r in read_parquet(part)["run_id"])
    return done


def connect_runs(out: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the view ``runs`` over ``out``'s parts (the caller closes it);
    :class:`SweepError` when there are none."""
    if not parts(out):
        raise SweepError(f"{out}: no campaign runs here (expected {Path(out) / PARTS})")
    con = duckdb.connect()
    pattern = str(Path(out) / PARTS).replace("'", "''")
    con.execute(f"CREATE VIEW runs AS SELECT * FROM read_parquet('{pattern}')")
    return con
