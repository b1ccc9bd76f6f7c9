"""The feed's event log: SQLite in write-ahead-log mode, one transaction a decision cycle.

Table ``events`` has the columns of the events contract (``time`` s of the feed's day,
``kind``, ``threat_id``, ``track_id``, ``unit_id``, ``zone_id``, ``x_m``, ``y_m``, ``z_m``,
``detail``), with ``session`` (the run of the service that logged it) and ``seq`` (the order
it was logged in). Table ``sessions`` has each start of the service (``session``,
``started_utc``, ``day_utc``: the day its times count from).

A transaction committed is in the database file's log before the service goes on
(``synchronous=FULL``): after a kill -9, a restart on the same file finds every event
committed, and goes on with the next session, its track ids after the last one logged (so
the ids published to the network stay unique).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.errors import InputError
from cupola.sim.events import COLUMNS

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session INTEGER PRIMARY KEY,
    started_utc TEXT NOT NULL,
    day_utc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    session INTEGER NOT NULL,
    time REAL NOT NULL,
    kind TEXT NOT NULL,
    threat_id INTEGER NOT NULL,
    track_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    zone_id INTEGER NOT NULL,
    x_m REAL,
    y_m REAL,
    z_m REAL,
    detail TEXT NOT NULL
);
"""


class Journal:
    """The event log of one service session (module docstring).

    Parameters
    ----------
    path : Path
        The database; created with its tables if missing, continued if it is one.
    day : datetime
        00:00 UTC of the day the session's times count from.
    """

    def __init__(self, path: Path, day: datetime) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
            row = self.db.execute("SELECT max(session), count(*) FROM sessions").fetchone()
            last = self.db.execute("SELECT max(track_id) FROM events").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise InputError(str(path), "", f"not a Cupola feed journal (SQLite): {exc}") from None
        self.session = int(row[0] or 0) + 1
        #: Track ids of this session start after every id logged before.
        self.first_track_id = int(last) + 1 if last is not None and last >= 0 else 0
        self.db.execute(
            "INSERT INTO sessions VALUES (?, ?, ?)",
            (self.session, datetime.now(UTC).isoformat(), day.isoformat()),
        )
        self.written = 0

    def write(self, chunks: list[dict[str, NDArray[Any]]]) -> int:
        """Log event chunks (:meth:`cupola.sim.events.EventLog.drain`) in one transaction;
        returns the number of events."""
        rows: list[tuple[Any, ...]] = []
        for c in chunks:  # a few chunks a cycle, each turned to rows at once
            cols = [c[k].tolist() for k in COLUMNS]
            rows.extend(
                (self.session, *r[:6], *(_finite(v) for v in r[6:9]), str(r[9]))
                for r in zip(*cols, strict=True)
            )
        if not rows:
            return 0
        self.db.execute("BEGIN")
        self.db.executemany(
            "INSERT INTO events (session, time, kind, threat_id, track_id, unit_id, zone_id, "
            "x_m, y_m, z_m, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.db.execute("COMMIT")
        self.written += len(rows)
        return len(rows)

    def close(self) -> None:
        self.db.close()


def _finite(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every event of a journal, in the order logged (for tests and export)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cur = db.execute("SELECT * FROM events ORDER BY seq")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        db.close()
