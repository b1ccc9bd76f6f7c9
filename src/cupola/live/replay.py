"""Replay of a finished run folder (``cupola serve --run DIR``): the same frames, scrubbable.

The folder's tables are read once (:class:`Recording`); a frame at time :math:`t` is built
from them:

- ``tracks``: each track's last row of ``tracks.parquet`` at or before :math:`t`, if that
  scan is at most :data:`STALE_S` old; its class from the last ``classified`` event and the
  asset it threatens from the last row of ``assessments.parquet``, both at or before
  :math:`t`;
- ``interceptors``: the ``truth.parquet`` rows of the last truth step at or before :math:`t`,
  with the track each was launched at (``interceptor_launch`` events);
- ``batteries``: ready rounds are the scenario's less the launches so far (a run folder does
  not log reloads, so a replay does not show them); stock as in the scenario;
- ``impacts``: each shown track's last row of ``assessments.parquet`` at or before :math:`t`
  with a predicted impact;
- ``alerts``: zones whose last ``alert`` at or before :math:`t` is later than their last
  ``alert_lifted``;
- ``events``: those after the previous frame's time, up to :math:`t` (none after a seek
  backwards).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.errors import InputError
from cupola.live.base import FRAME_VERSION, Control, ControlError, Pace
from cupola.live.frames import event_rows, finite, geodetic, velocities
from cupola.output.parquet import read_parquet
from cupola.scenario import load
from cupola.sim.world import World, compile_world

#: A track whose last scan is older than this is not shown, s.
STALE_S = 3.0
#: What one ``step`` moves a replay by, s.
STEP_S = 1.0
#: Files a run folder must have for a replay.
FILES = ("scenario.yaml", "events.parquet", "tracks.parquet", "truth.parquet")


class Recording:
    """A run folder's tables, read once (module docstring)."""

    def __init__(self, folder: Path) -> None:
        folder = Path(folder)
        if not folder.is_dir():
            raise InputError(str(folder), "", "no such run folder")
        for name in FILES:
            if not (folder / name).is_file():
                raise InputError(str(folder), name, "missing: not a Cupola run folder")
        self.world: World = compile_world(load(folder / "scenario.yaml"), str(folder))
        tables = {}
        for name in (*FILES[1:], "assessments.parquet"):
            path = folder / name
            if not path.is_file():  # assessments: optional
                continue
            try:
                tables[name] = read_parquet(path)
            except Exception as exc:  # duckdb raises its own error types
                raise InputError(str(path), "", f"unreadable: {exc}") from None
        ev = tables["events.parquet"]
        self.events = {k: v for k, v in ev.items() if k not in ("lat", "lon", "alt_m")}
        self.kind = ev["kind"].astype(str)
        self.tracks = tables["tracks.parquet"]
        truth = tables["truth.parquet"]
        mine = truth["object"].astype(str) == "interceptor"
        self.icpt = {k: truth[k][mine] for k in ("time", "id", "x_m", "y_m", "z_m")}
        #: Times of the truth steps (a step lists only the interceptors then flying).
        self.truth_times = np.unique(truth["time"])
        self.assess = tables.get("assessments.parquet")
        times = [np.max(t["time"], initial=0.0) for t in (ev, self.tracks, truth)]
        self.end_time = float(max(times))
        launch = self.kind == "interceptor_launch"
        number = [int(str(d).rsplit(" ", 1)[-1]) for d in ev["detail"][launch]]
        self.icpt_track = dict(zip(number, ev["track_id"][launch].tolist(), strict=True))


class ReplayRun(Pace):
    """A recording played at a speed, paused, stepped or sought (module docstring)."""

    def __init__(self, rec: Recording) -> None:
        self.rec = rec
        self.t = 0.0
        self.speed = 1.0
        self.paused = False
        self._sent = -math.inf  # events up to this time have been sent

    @property
    def world(self) -> World:
        return self.rec.world

    @property
    def done(self) -> bool:
        return self.t >= self.rec.end_time

    def advance(self, wall_s: float) -> int:
        """Move the replay clock by ``wall_s`` times the speed; 1 if it moved, else 0."""
        if self.paused or self.done:
            return 0
        self.t = min(self.t + max(wall_s, 0.0) * self.speed, self.rec.end_time)
        return 1

    def apply(self, control: Control) -> None:
        """Carry out a control message (:mod:`.base`); ``step`` moves :data:`STEP_S`."""
        if self.set_pace(control):
            return
        if control.action == "seek":
            assert control.time is not None
            self.t = min(control.time, self.rec.end_time)
            self._sent = self.t  # no backlog of events after a jump
        elif control.action == "step":
            self.t = min(self.t + STEP_S, self.rec.end_time)
        else:
            raise ControlError(f"a replay cannot {control.action}: what was done is recorded")

    def state(self) -> dict[str, Any]:
        return {
            "time": round(self.t, 3),
            "speed": self.speed,
            "paused": self.paused,
            "done": self.done,
            "mode": "replay",
            "end_time": round(self.rec.end_time, 3),
        }

    def frame(self) -> dict[str, Any]:
        rec, t, w = self.rec, self.t, self.rec.world
        ev, kind = rec.events, rec.kind
        upto = ev["time"] <= t + 1e-9
        tracks = self._tracks(t)
        impacts = self._impacts(t, {tr["track_id"] for tr in tracks})
        alerts = []
        for z in np.unique(ev["zone_id"][upto & (kind == "alert")]):
            on = ev["time"][upto & (kind == "alert") & (ev["zone_id"] == z)].max()
            off = ev["time"][upto & (kind == "alert_lifted") & (ev["zone_id"] == z)]
            if off.size == 0 or off.max() < on:
                alerts.append(int(z))
        u = w.units
        fired = ev["unit_id"][upto & (kind == "interceptor_launch")]
        launched = np.bincount(u.battery[fired], minlength=len(u.battery_names))
        ready = np.bincount(u.battery, weights=u.ready, minlength=len(u.battery_names))
        lat, lon, _ = geodetic(w.frame, u.battery_pos)
        # A battery holds fire when its last hold or release so far was a hold.
        switch = upto & np.isin(kind, ("hold_fire", "fire_released"))
        held = np.zeros(len(u.battery_names), bool)
        last = _last_rows({"track_id": ev["unit_id"], "time": ev["time"]}, np.flatnonzero(switch))
        held[ev["unit_id"][last]] = kind[last] == "hold_fire"
        batteries = [
            {
                "name": n,
                "lat": la,
                "lon": lo,
                "ready_rounds": max(int(r - f), 0),
                "stock": int(s),
                "hold_fire": bool(h),
            }
            for n, la, lo, r, f, s, h in zip(
                u.battery_names, lat, lon, ready, launched, u.stock, held, strict=True
            )
        ]
        new = upto & (ev["time"] > self._sent + 1e-9)
        events = event_rows(w.frame, {k: v[new] for k, v in ev.items()})
        self._sent = max(self._sent, t)
        return {
            "type": "frame",
            "version": FRAME_VERSION,
            "time": round(t, 3),
            "tracks": tracks,
            "interceptors": self._interceptors(t),
            "batteries": batteries,
            "impacts": impacts,
            "alerts": alerts,
            "mode": "replay",
            "proposals": [],
            "orders": [],
            "queue": [],
            "events": events,
            "state": self.state(),
            "score": None,
        }

    def _tracks(self, t: float) -> list[dict[str, Any]]:
        rec, w = self.rec, self.rec.world
        tr = rec.tracks
        live = (tr["time"] <= t + 1e-9) & (tr["time"] > t - STALE_S)
        rows = _last_rows(tr, np.flatnonzero(live))
        pos = np.column_stack([tr["x_m"][rows], tr["y_m"][rows], tr["z_m"][rows]])
        vel = np.column_stack([tr["vx_mps"][rows], tr["vy_mps"][rows], tr["vz_mps"][rows]])
        lat, lon, alt = geodetic(w.frame, pos)
        cls = _latest(rec, "classified", t)
        threat = _threatened(rec, t)
        return [
            {
                "track_id": int(i),
                "lat": la,
                "lon": lo,
                "alt_m": al,
                "class": cls.get(int(i), "unknown"),
                "velocity": v,
                "threatens": threat.get(int(i)),
            }
            for i, la, lo, al, v in zip(
                tr["track_id"][rows], lat, lon, alt, velocities(vel), strict=True
            )
        ]

    def _impacts(self, t: float, shown: set[int]) -> list[dict[str, Any]]:
        a = self.rec.assess
        if a is None or not shown:
            return []
        m = np.flatnonzero((a["time"] <= t + 1e-9) & np.isin(a["track_id"], list(shown)))
        m = m[np.isfinite(a["impact_lat"][m].astype(float))]
        rows = _last_rows(a, m)
        cols = ("impact_time", "ellipse_major_m", "ellipse_minor_m", "ellipse_azimuth_rad")
        vals = {c: np.asarray(a[c][rows], float) for c in cols}
        columns = (
            a["track_id"][rows].tolist(),
            np.round(np.asarray(a["impact_lat"][rows], float), 6).tolist(),
            np.round(np.asarray(a["impact_lon"][rows], float), 6).tolist(),
            *(finite(vals[c], 4 if c == "ellipse_azimuth_rad" else 1) for c in cols),
        )
        keys = ("track_id", "lat", "lon", "time", "major_m", "minor_m", "azimuth_rad")
        return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]

    def _interceptors(self, t: float) -> list[dict[str, Any]]:
        ic = self.rec.icpt
        past = self.rec.truth_times[self.rec.truth_times <= t + 1e-9]
        if past.size == 0:
            return []
        at = ic["time"] == past.max()
        pos = np.column_stack([ic["x_m"][at], ic["y_m"][at], ic["z_m"][at]])
        lat, lon, alt = geodetic(self.rec.world.frame, pos)
        return [
            {
                "id": int(i),
                "lat": la,
                "lon": lo,
                "alt_m": al,
                "track_id": int(self.rec.icpt_track.get(int(i), -1)),
            }
            for i, la, lo, al in zip(ic["id"][at], lat, lon, alt, strict=True)
        ]


def _last_rows(table: dict[str, NDArray[Any]], rows: NDArray[np.int64]) -> NDArray[np.int64]:
    """Of ``rows`` of ``table``, each track's last in time (ties: the later row), by track id."""
    rows = rows[np.argsort(table["time"][rows], kind="stable")]
    _, last = np.unique(table["track_id"][rows][::-1], return_index=True)
    return rows[::-1][last]


def _latest(rec: Recording, kind: str, t: float) -> dict[int, str]:
    """Per track, the kind of threat in its last ``classified`` event at or before ``t``."""
    ev = rec.events
    rows = _last_rows(ev, np.flatnonzero((rec.kind == kind) & (ev["time"] <= t + 1e-9)))
    return {
        int(i): str(d).split(": ", 1)[-1]  # "ballistic: rocket" -> "rocket"
        for i, d in zip(ev["track_id"][rows].tolist(), ev["detail"][rows].tolist(), strict=True)
    }


def _threatened(rec: Recording, t: float) -> dict[int, str | None]:
    """Per track, the asset of its last assessment at or before ``t`` (None: open ground)."""
    a = rec.assess
    if a is None:
        return {}
    rows = _last_rows(a, np.flatnonzero(a["time"] <= t + 1e-9))
    return {
        int(i): (str(name) if name else None)
        for i, name in zip(a["track_id"][rows].tolist(), a["asset"][rows].tolist(), strict=True)
    }
