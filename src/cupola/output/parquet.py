"""Parquet files written by DuckDB straight from numpy columns (no pandas, no pyarrow)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from numpy.typing import NDArray

from cupola.errors import OutputError

_SQL_TYPES = {"f": "DOUBLE", "i": "BIGINT", "u": "BIGINT", "b": "BOOLEAN", "O": "VARCHAR"}


def write_parquet(path: Path, columns: dict[str, NDArray[Any]]) -> None:
    """Write equal-length numpy columns to a Parquet file (zstd), in the given column order.

    Object columns must hold strings. An empty table keeps its column names and types.
    """
    con = duckdb.connect()
    try:
        if columns and len(next(iter(columns.values()))) > 0:
            data = {
                k: (v.astype(str) if v.dtype == object else np.ascontiguousarray(v))
                for k, v in columns.items()
            }
            con.register("t", data)
            cols = ", ".join(f'"{k}"' for k in columns)
            target = _quote(path)
            con.execute(
                f"COPY (SELECT {cols} FROM t) TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
            )
        else:
            defs = ", ".join(f'"{k}" {_SQL_TYPES[v.dtype.kind]}' for k, v in columns.items())
            con.execute(f"CREATE TABLE t ({defs})")
            con.execute(f"COPY t TO '{_quote(path)}' (FORMAT parquet)")
    finally:
        con.close()


def read_parquet(path: Path) -> dict[str, NDArray[Any]]:
    """Read a Parquet file into numpy columns."""
    con = duckdb.connect()
    try:
        res: dict[str, NDArray[Any]] = con.execute(
            "SELECT * FROM read_parquet(?)", [str(path)]
        ).fetchnumpy()
        return {k: np.asarray(v) for k, v in res.items()}
    finally:
        con.close()


def _quote(path: Path) -> str:
    """A path as the inside of a SQL string literal."""
    return str(path).replace("'", "''")


def write_parquet_file(path: Path, columns: dict[str, NDArray[Any]], overwrite: bool) -> None:
    """Write one Parquet file atomically (:func:`write_atomically`)."""
    write_atomically(Path(path), lambda tmp: write_parquet(tmp, columns), overwrite)


def write_text_file(path: Path, text: str, overwrite: bool) -> None:
    """Write one UTF-8 text file atomically (:func:`write_atomically`)."""
    write_atomically(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"), overwrite)


def ensure_writable(path: Path, overwrite: bool) -> None:
    """:class:`OutputError` unless ``path`` can be written as a file: not a folder, not an
    existing file (without ``overwrite``), in a folder that exists."""
    if path.is_dir():
        raise OutputError(f"{path}: is a folder, not a file")
    if path.exists() and not overwrite:
        raise OutputError(f"{path}: file exists (use --overwrite to replace it)")
    if not path.parent.is_dir():
        raise OutputError(f"{path}: the folder {path.parent} does not exist")


def write_atomically(path: Path, write: Callable[[Path], object], overwrite: bool) -> None:
    """Call ``write`` on a hidden sibling of ``path``, then rename it into place, so that a
    failure leaves no partial file and nothing that was there is lost.

    Raises
    ------
    OutputError
        The file exists (without ``overwrite``), the path is a folder, or it cannot be written.
    """
    ensure_writable(path, overwrite)
    tmp = path.parent / f".{path.name}.partial-{os.getpid()}"
    try:
        write(tmp)
        os.replace(tmp, path)
    except (OSError, duckdb.Error) as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write: {exc}") from None
