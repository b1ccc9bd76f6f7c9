"""A frame of the live picture: the engine's state at one instant, ready for JSON.

A frame (``type`` ``"frame"``, ``version`` :data:`.base.FRAME_VERSION`) has:

- ``time``: s since the start of the run;
- ``tracks``: the confirmed tracks, each with ``track_id``, ``lat``, ``lon`` (degrees),
  ``alt_m``, ``class`` (the battle manager's kind of threat, :data:`cupola.assess.classify.
  KIND_NAMES`, or ``"unknown"`` before its first assessment), ``velocity`` (east, north, up,
  m/s) and ``threatens`` (the defended asset its predicted impact falls on, or null);
- ``interceptors``: those in flight, with ``id``, ``lat``, ``lon``, ``alt_m``, ``track_id``;
- ``batteries``: ``name``, ``lat``, ``lon``, ``ready_rounds`` (on its launchers), ``stock``,
  ``hold_fire`` (the operator holds its fire);
- ``impacts``: the predicted impact of each confirmed track at the last decision cycle that
  has one: ``track_id``, ``lat``, ``lon``, ``time`` (s), and the 95 % ellipse's ``major_m``,
  ``minor_m`` (semi-axes) and ``azimuth_rad`` (major axis, clockwise from north; null
  without a covariance);
- ``alerts``: the ids of the alert zones under alert;
- ``mode``: ``"operator"`` (the battle manager proposes, the operator approves) or
  ``"automatic"``;
- ``proposals``: the battle manager's open proposals (operator mode,
  :mod:`cupola.sim.console`): ``track_id``, ``battery``, ``launcher``, ``shots``,
  ``launch_time`` and ``intercept_time`` as planned, ``since`` (s), ``closes`` (the end of
  the window to approve it, s) and ``threatens``;
- ``orders``: the operator's standing orders, ``track_id``, ``battery`` (null: any) and
  ``origin`` (``"approved"`` or ``"by hand"``), served at the next decision cycle;
- ``queue``: rounds ordered and waiting to launch, ``time`` (s), ``track_id``,
  ``battery``, ``launcher``;
- ``events``: those logged since the previous frame (``time``, ``kind``, ``threat_id``,
  ``track_id``, ``lat``, ``lon``, ``alt_m``, ``detail``), in time order.

Every number is finite: a missing position is null. Positions go through the scenario's local
frame (:class:`cupola.core.frames.LocalFrame`) once per frame, vectorised over each table.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from cupola.assess.classify import KIND_NAMES
from cupola.assess.uncertainty import ellipse
from cupola.core.frames import LocalFrame
from cupola.engage.base import InterceptorTable
from cupola.fire import UnitState
from cupola.live.base import FRAME_VERSION
from cupola.sim.bmc import BattleManager
from cupola.sim.console import APPROVED
from cupola.sim.events import EventLog
from cupola.sim.world import World
from cupola.tracking.base import TrackerState


class Source(Protocol):
    """What a frame is drawn from: a run's engine (:class:`cupola.sim.engine.Engine`) or a
    live feed's battle manager (:class:`cupola.feed.core.FeedCore`)."""

    world: World
    tracker: TrackerState
    bmc: BattleManager
    units: UnitState
    interceptors: InterceptorTable
    log: EventLog

    @property
    def t(self) -> float: ...


def frame(engine: Source, cursor: int) -> tuple[dict[str, Any], int]:
    """The frame of ``engine`` now, with the events after the first ``cursor`` chunks of its
    log; returns the frame and the new cursor."""
    w = engine.world
    tr = engine.tracker.tracks
    rows = np.flatnonzero(tr.confirmed)
    ids = tr.track_id[rows]
    book = engine.bmc.book
    known = ids < len(book.kind)
    kind = np.where(known, book.kind[np.where(known, ids, 0)], -1)
    asset = np.where(known, book.asset[np.where(known, ids, 0)], -1)
    names = w.assets.names
    lat, lon, alt = geodetic(w.frame, tr.state[rows, :3])
    tracks = [
        {
            "track_id": int(i),
            "lat": la,
            "lon": lo,
            "alt_m": al,
            "class": KIND_NAMES[k] if 0 <= k < len(KIND_NAMES) else "unknown",
            "velocity": v,
            "threatens": names[a] if 0 <= a < len(names) else None,
        }
        for i, la, lo, al, k, a, v in zip(
            ids.tolist(), lat, lon, alt, kind, asset, velocities(tr.state[rows, 3:6]), strict=True
        )
    ]
    ic = engine.interceptors
    alive = np.flatnonzero(ic.alive)
    lat, lon, alt = geodetic(w.frame, ic.pos[alive])
    interceptors = [
        {"id": int(i), "lat": la, "lon": lo, "alt_m": al, "track_id": int(ic.target_track[i])}
        for i, la, lo, al in zip(alive, lat, lon, alt, strict=True)
    ]
    u = w.units
    ready = np.bincount(u.battery, weights=engine.units.ready, minlength=len(u.battery_names))
    lat, lon, _ = geodetic(w.frame, u.battery_pos)
    stock = engine.units.stock
    held = engine.bmc.console.held
    batteries = [
        {
            "name": n,
            "lat": la,
            "lon": lo,
            "ready_rounds": int(r),
            "stock": int(s),
            "hold_fire": bool(h),
        }
        for n, la, lo, r, s, h in zip(u.battery_names, lat, lon, ready, stock, held, strict=True)
    ]
    impacts = _impacts(engine, set(ids.tolist()))
    zones = engine.bmc.alerts
    alerts = [int(z) for z in np.asarray(w.zones.ids)[zones.zone_active]]
    events, cursor = _events(engine, cursor)
    out = {
        "type": "frame",
        "version": FRAME_VERSION,
        "time": round(float(engine.t), 3),
        "tracks": tracks,
        "interceptors": interceptors,
        "batteries": batteries,
        "impacts": impacts,
        "alerts": alerts,
        **_console(engine),
        "events": events,
    }
    return out, cursor


def _console(engine: Source) -> dict[str, Any]:
    """The mode, the open proposals, the standing orders and the queue of rounds."""
    c = engine.bmc.console
    u = engine.world.units
    names, batteries = u.names, u.battery_names
    assets = engine.world.assets.names
    book = engine.bmc.book
    p = c.proposals
    threat = book.asset[p.track_id] if len(p.track_id) else np.empty(0, np.int64)
    proposals = [
        {
            "track_id": int(t),
            "battery": batteries[u.battery[lau]],
            "launcher": names[lau],
            "shots": int(n),
            "launch_time": round(float(tl), 2),
            "intercept_time": round(float(ti), 2),
            "since": round(float(ts), 2),
            "closes": finite(np.array([tc]), 2)[0],
            "threatens": assets[a] if 0 <= a < len(assets) else None,
        }
        for t, lau, n, tl, ti, ts, tc, a in zip(
            p.track_id,
            p.launcher,
            p.shots,
            p.launch_time,
            p.intercept_time,
            p.since,
            p.closes,
            threat,
            strict=True,
        )
    ]
    o = c.orders
    orders = [
        {
            "track_id": int(t),
            "battery": batteries[b] if b >= 0 else None,
            "origin": "approved" if k == APPROVED else "by hand",
        }
        for t, b, k in zip(o.track_id, o.battery, o.origin, strict=True)
    ]
    q = engine.bmc.pending
    queue = [
        {
            "time": round(float(t), 2),
            "track_id": int(k),
            "battery": batteries[u.battery[lau]],
            "launcher": names[lau],
        }
        for t, k, lau in zip(q.time, q.track, q.launcher, strict=True)
    ]
    mode = "automatic" if c.auto else "operator"
    return {"mode": mode, "proposals": proposals, "orders": orders, "queue": queue}


def _impacts(engine: Source, shown: set[int]) -> list[dict[str, Any]]:
    """Predicted impacts of the ``shown`` tracks at the last decision cycle."""
    rows = engine.bmc.assessment_rows
    if not rows:
        return []
    last = rows[-1]
    keep = np.isin(last["track_id"], list(shown)) & np.isfinite(last["impact_x_m"])
    xy = np.column_stack([last["impact_x_m"][keep], last["impact_y_m"][keep]])
    major, minor, azimuth = ellipse(np.asarray(last["cov"][keep], float).reshape(-1, 2, 2))
    return impact_rows(
        engine.world.frame,
        last["track_id"][keep],
        xy,
        last["impact_time"][keep],
        np.column_stack([major, minor, azimuth]),
    )


def impact_rows(
    local: LocalFrame,
    track_id: NDArray[np.int64],
    xy: NDArray[np.float64],
    when: NDArray[np.float64],
    axes: NDArray[np.float64],
) -> list[dict[str, Any]]:
    """Frame rows of predicted impacts: ENU points ``xy`` (K, 2), times, and ellipse ``axes``
    (K, 3: major and minor semi-axes, m, azimuth, rad)."""
    lat, lon, _ = geodetic(local, np.column_stack([xy, np.zeros(len(xy))]))
    columns = (
        np.asarray(track_id).tolist(),
        lat,
        lon,
        finite(when, 1),
        finite(axes[:, 0], 1),
        finite(axes[:, 1], 1),
        finite(axes[:, 2], 4),
    )
    return [
        {
            "track_id": i,
            "lat": la,
            "lon": lo,
            "time": w,
            "major_m": major,
            "minor_m": minor,
            "azimuth_rad": az,
        }
        for i, la, lo, w, major, minor, az in zip(*columns, strict=True)
        if la is not None
    ]


def _events(engine: Source, cursor: int) -> tuple[list[dict[str, Any]], int]:
    chunks = engine.log.since(cursor)
    rows: list[dict[str, Any]] = []
    for c in chunks:  # a few chunks a tick, each vectorised
        rows.extend(event_rows(engine.world.frame, c))
    rows.sort(key=lambda e: e["time"])
    return rows, cursor + len(chunks)


def event_rows(local: LocalFrame, c: dict[str, NDArray[Any]]) -> list[dict[str, Any]]:
    """Frame rows of the event columns ``c`` (those of :class:`cupola.sim.events.EventLog`)."""
    lat, lon, alt = geodetic(local, np.column_stack([c["x_m"], c["y_m"], c["z_m"]]))
    return [
        {
            "time": round(float(c["time"][k]), 3),
            "kind": str(c["kind"][k]),
            "threat_id": int(c["threat_id"][k]),
            "track_id": int(c["track_id"][k]),
            "lat": lat[k],
            "lon": lon[k],
            "alt_m": alt[k],
            "detail": str(c["detail"][k]),
        }
        for k in range(len(c["time"]))
    ]


def velocities(v: NDArray[np.float64]) -> list[list[float | None]]:
    """Rows of velocity (N, 3) as ``[east, north, up]`` lists, m/s to 0.1, None where not
    finite."""
    flat = finite(np.asarray(v, float).ravel(), 1)
    return [flat[k : k + 3] for k in range(0, len(flat), 3)]


def finite(values: NDArray[np.float64], digits: int) -> list[float | None]:
    """``values`` rounded, None where not finite (frames are strict JSON)."""
    return [round(float(v), digits) if np.isfinite(v) else None for v in values]


def geodetic(
    local: LocalFrame, pos: NDArray[np.float64]
) -> tuple[list[float | None], list[float | None], list[float | None]]:
    """Latitude, longitude (degrees, 6 decimals) and altitude (m, 1 decimal) of ENU rows;
    None where a coordinate is not finite."""
    pos = np.asarray(pos, float).reshape(-1, 3)
    lon, lat = local.to_geodetic(pos[:, 0], pos[:, 1])
    ok = np.isfinite(pos).all(axis=1) & np.isfinite(lon) & np.isfinite(lat)

    def col(v: NDArray[np.float64], digits: int) -> list[float | None]:
        return [round(float(x), digits) if good else None for x, good in zip(v, ok, strict=True)]

    return col(lat, 6), col(lon, 6), col(pos[:, 2], 1)
