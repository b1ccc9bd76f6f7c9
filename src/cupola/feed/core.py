"""The battle manager on a live feed: the scenario's tracker and battle-management centre,
fed scans as they complete, recommending engagements and never ordering one.

:class:`FeedCore` runs what the engine runs after a radar scan (:mod:`cupola.sim.engine`): the
tracker step, the battle manager's observation of the scan and, every decision period of the
feed's time, its decision cycle: classification, impact prediction, the engagement rule,
civil alerts and fire control. The battle manager runs in operator mode with no operator:
fire control's engagements stay proposals (:mod:`cupola.sim.console`), published as
recommendations; nothing is launched, and the launchers keep their rounds.

:meth:`FeedCore.picture` is what the publishers send (:class:`Picture`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.assess.uncertainty import ellipse
from cupola.core.table import take
from cupola.engage.base import empty_interceptors
from cupola.fire import UnitState
from cupola.sensors.base import PlotTable, RadarParams
from cupola.sim.bmc import BattleManager
from cupola.sim.events import EventLog
from cupola.sim.world import World
from cupola.tracking import TRACKERS
from cupola.tracking.base import TrackerState, empty_tracks
from cupola.tracking.scan import valid_plots

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: A gap in the feed's time after which the picture starts again, s.
GAP_S = 60.0


@dataclass(frozen=True)
class Picture:
    """The picture at feed time ``time`` (s of the feed's day), struct of arrays.

    Attributes
    ----------
    track_id : (T,) int64
        Confirmed tracks.
    track_time : (T,) float64
        Time of each track's last update, s.
    pos, vel : (T, 3) float64
        ENU position (m) and velocity (m/s) at ``track_time``.
    cov : (T, 3, 3) float64
        Position covariance, m².
    kind : (T,) int64
        Kind of threat (:data:`cupola.assess.classify.KIND_NAMES`), -1 before the first
        assessment.
    asset : (T,) int64
        Defended asset its predicted impact threatens, -1 none.
    impact_track, impact_xy, impact_time, impact_axes
        Predicted impacts of the last decision cycle: track (K,), ENU point (K, 2) m, time
        (K,) s, 95 % ellipse (K, 3: semi-axes m, azimuth of the major axis rad).
    alerted : (Z,) int64
        Alert zones under alert (ids).
    proposal_track, proposal_battery : (Q,) int64
        Recommended engagements: track, battery index.
    """

    time: float
    track_id: IntArray
    track_time: FloatArray
    pos: FloatArray
    vel: FloatArray
    cov: FloatArray
    kind: IntArray
    asset: IntArray
    impact_track: IntArray
    impact_xy: FloatArray
    impact_time: FloatArray
    impact_axes: FloatArray
    alerted: IntArray
    proposal_track: IntArray
    proposal_battery: IntArray


class FeedCore:
    """Tracker and battle manager of a live feed (module docstring).

    Parameters
    ----------
    world : World
        The compiled scenario: radars (by ``radar_id``, the plots' ``sensor_id``), assets,
        zones, batteries, tracker, doctrine.
    first_track_id : int
        Ids of new tracks start here (:class:`cupola.feed.journal.Journal`).
    """

    def __init__(self, world: World, first_track_id: int = 0) -> None:
        self.world = world
        self.log = EventLog()
        self.stage_seconds: dict[str, float] = {"assess": 0.0, "fire": 0.0}
        self.bmc = BattleManager(world, self.log, self.stage_seconds, operator=True)
        self.tracker = TrackerState(empty_tracks(), first_track_id)
        self.bmc.book.ensure(first_track_id)
        self.track_step = TRACKERS[world.scenario.tracker.name]
        self.radars: dict[int, RadarParams] = {r.radar_id: r for r in world.radars}
        u = world.units
        self.units = UnitState.loaded(u.ready, u.stock)
        #: None in flight: the feed orders nothing (for :func:`cupola.live.frames.frame`).
        self.interceptors = empty_interceptors()
        self.t = -np.inf
        self.next_decision = -np.inf
        self.cycles = 0

    def scan(
        self,
        time: float,
        sensor: int,
        plots: PlotTable,
        sector: tuple[float, float] | None = None,
    ) -> int:
        """Take one complete scan (time order across scans is the caller's,
        :class:`cupola.feed.scans.Scans`), of the azimuth ``sector`` for a sweeping radar
        (:attr:`cupola.sensors.base.RadarParams.sector_rad`; None: all round); returns the
        plots rejected: of an unknown radar, values the tracker cannot use, a range beyond
        twice the radar's, an azimuth outside [0, 2π]. After a gap of more than :data:`GAP_S`
        in the feed's time, the picture starts again (:meth:`restart`): tracks that old are
        not worth predicting."""
        radar = self.radars.get(sensor)
        if radar is None:
            return len(plots.time)
        if sector is not None:
            radar = dataclasses.replace(radar, sector_rad=sector)
        with np.errstate(invalid="ignore"):
            ok = (
                valid_plots(plots)
                & (plots.range_m <= 2.0 * radar.max_range_m)
                & (plots.azimuth_rad >= 0.0)
                & (plots.azimuth_rad <= 2.0 * np.pi)
            )
        plots = take(plots, ok)
        if np.isfinite(self.t) and time - self.t > GAP_S:
            self.restart(time)
        self.tracker, out = self.track_step(self.world.tracker, self.tracker, plots, radar, time)
        tr = self.tracker.tracks
        self.bmc.book.ensure(self.tracker.next_id)
        if len(out.confirmed):
            self.log.add("track_confirmed", time, track_id=out.confirmed)
        gone = out.deleted[out.deleted_confirmed]
        if len(gone):
            self.log.add("track_deleted", time, track_id=gone)
        self.bmc.observe(radar, plots, out.plot_track, tr, time)
        self.t = time
        if time >= self.next_decision - 1e-9:
            self.next_decision = time + self.world.scenario.doctrine.decision_period_s
            self.units = self.bmc.decide(time, tr, self.units)
            del self.bmc.assessment_rows[:-1]  # only the last cycle's is published
            self.cycles += 1
        return int((~ok).sum()) + int(out.rejected.sum())

    def restart(self, time: float) -> None:
        """Drop every track (logged as deleted) and the battle manager's notes; track ids go
        on from where they were."""
        tr = self.tracker.tracks
        gone = tr.track_id[tr.confirmed]
        if len(gone):
            self.log.add("track_deleted", time, track_id=gone)
        next_id = self.tracker.next_id
        self.tracker = TrackerState(empty_tracks(), next_id)
        self.bmc = BattleManager(self.world, self.log, self.stage_seconds, operator=True)
        self.bmc.book.ensure(next_id)
        self.t = -np.inf
        self.next_decision = -np.inf

    def events(self) -> list[dict[str, NDArray[Any]]]:
        """The events logged since the last call (:meth:`cupola.sim.events.EventLog.drain`)."""
        return self.log.drain()

    def picture(self) -> Picture:
        """The picture now (:class:`Picture`)."""
        tr = self.tracker.tracks
        c = np.flatnonzero(tr.confirmed)
        ids = tr.track_id[c]
        book = self.bmc.book
        rows = self.bmc.assessment_rows
        if rows:
            last = rows[-1]
            keep = np.isin(last["track_id"], ids) & np.isfinite(last["impact_x_m"])
            it = np.asarray(last["track_id"][keep], np.int64)
            xy = np.column_stack([last["impact_x_m"][keep], last["impact_y_m"][keep]])
            when = np.asarray(last["impact_time"][keep], np.float64)
            axes = np.column_stack(ellipse(np.asarray(last["cov"][keep], float).reshape(-1, 2, 2)))
        else:
            it, xy, when, axes = (
                np.empty(0, np.int64),
                np.empty((0, 2)),
                np.empty(0),
                np.empty((0, 3)),
            )
        p = self.bmc.console.proposals
        z = self.world.zones
        return Picture(
            time=float(self.t),
            track_id=ids,
            track_time=np.asarray(tr.time[c], np.float64),
            pos=tr.state[c, :3],
            vel=tr.state[c, 3:6],
            cov=tr.cov[c, :3, :3],
            kind=np.asarray(book.kind[ids], np.int64),
            asset=np.asarray(book.asset[ids], np.int64),
            impact_track=it,
            impact_xy=xy,
            impact_time=when,
            impact_axes=axes,
            alerted=np.asarray(z.ids, np.int64)[self.bmc.alerts.zone_active],
            proposal_track=np.asarray(p.track_id, np.int64),
            proposal_battery=np.asarray(self.world.units.battery[p.launcher], np.int64),
        )
