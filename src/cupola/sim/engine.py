"""The engine: owns the clock and calls each stage of the pipeline once per tick.

One tick from ``t`` to ``t + dt``::

    threats      flight.step                 truth flight, launches and landings
    fire units   due launches                interceptors leave their launchers
    engagement   flyout.step                 guidance, fuze, kill draws
    damage       impacts on defended assets
    sensors      radar.observe               for every radar whose scan is due
    tracking     tracker step                one scan at a time, all radars into one picture
    battle mgmt  BattleManager.decide        every decision period, after a scan: kill
                                             assessment, classification, impact prediction
                                             and the engagement rule, alerts, fire control
    logistics    reloads from battery stock

Stages are pure functions of their inputs; the engine only threads state between them and
records events, plots, tracks and truth. The battle-management centre's own notes (per track,
per alert zone, the queue of ordered rounds) live in :mod:`cupola.sim.bmc`.
"""

from __future__ import annotations

import time as wallclock
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola import engage, sensors, threats
from cupola.assess import AreaIndex
from cupola.core.rng import streams
from cupola.core.table import concat, first_come, rows_of, stack_columns
from cupola.engage.base import InterceptorTable, empty_interceptors
from cupola.fire import UnitState
from cupola.sensors.base import PlotTable
from cupola.sim.bmc import BattleManager
from cupola.sim.events import EventLog
from cupola.sim.raid import asset_hits, build_threats
from cupola.sim.world import World
from cupola.threats.ballistic import fly_to_ground
from cupola.threats.base import KILLED, ThreatTable
from cupola.tracking import TRACKERS, extrapolate
from cupola.tracking.base import TrackerState, empty_tracks
from cupola.tracking.replay import confirmed_rows

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Longest interceptor guidance substep, s (kill rates agree with 4x finer substeps).
MAX_FLYOUT_SUBSTEP_S = 0.1

#: Stages timed by the engine (seconds of wall clock, for the benchmark's split).
STAGES = ("threats", "engage", "sensors", "tracking", "assess", "fire", "record")


@dataclass
class RunResult:
    """Everything a run produced, in memory.

    Attributes
    ----------
    world : World
    seed : int
    threats : ThreatTable
        Final threat table.
    salvo : (N,) int64
        Salvo of each threat.
    reachable : (N,) bool
        Whether each threat can reach its aim point (the others fall short).
    nominal_impact : (N, 3) float64
        Where each threat would land if not intercepted, ENU, m.
    launch_point : (N, 3) float64
        Where each threat was launched from, ENU, m.
    interceptors : InterceptorTable
        Every interceptor fired.
    interceptor_threat : (M,) int64
        Threat followed by each interceptor's track at launch (scoring), -1 for a false track.
    events : dict of arrays
    plots : PlotTable
    tracks : dict of arrays
        One row per confirmed track per scan (the ``tracks.parquet`` columns).
    assessments : dict of arrays
        One row per assessed track per decision cycle (the ``assessments.parquet`` columns,
        impact point in the local frame).
    truth : dict of arrays
    units : UnitState
        Launchers at the end.
    hits : (N, A) bool
        Assets damaged by each threat's impact.
    impact_warned : (N,) bool
        Impact inside an alert zone that was under alert (or alerted up to 30 s before).
    impact_zone : (N,) int64
        Zone of each impact, -1 outside every zone or no impact.
    end_time : float
        Simulated seconds.
    stage_seconds : dict
        Wall-clock seconds per stage.
    """

    world: World
    seed: int
    threats: ThreatTable
    salvo: IntArray
    reachable: NDArray[np.bool_]
    nominal_impact: FloatArray
    launch_point: FloatArray
    interceptors: InterceptorTable
    interceptor_threat: IntArray
    events: dict[str, NDArray[Any]]
    plots: PlotTable
    tracks: dict[str, NDArray[Any]]
    assessments: dict[str, NDArray[Any]]
    truth: dict[str, NDArray[Any]]
    units: UnitState
    hits: NDArray[np.bool_]
    impact_warned: NDArray[np.bool_]
    impact_zone: IntArray
    end_time: float
    stage_seconds: dict[str, float]


def _nominal_impacts(th: ThreatTable) -> tuple[FloatArray, FloatArray]:
    """Where and when each threat lands if nothing stops it.

    Ballistic rows are flown from their launch state; air-breathing rows land on their aim
    point after their route's length at their speed.

    Returns
    -------
    impact : (N, 3) float64
        ENU, m, ``z = 0``.
    flight_time : (N,) float64
        s.
    """
    out = th.aim.copy()
    bal = th.kind == threats.BALLISTIC
    route = np.concatenate([th.pos[:, None, :], th.waypoints], axis=1)
    length = np.linalg.norm(np.diff(route, axis=1), axis=2).sum(axis=1)
    flight = np.where(bal, 0.0, length / np.where(bal, 1.0, th.speed))
    if bal.any():
        p, tof, _ = fly_to_ground(th.pos[bal], th.vel[bal], th.beta[bal], dt=0.2)
        out[bal] = np.where(np.isfinite(p), p, th.aim[bal])
        flight[bal] = np.where(np.isfinite(tof), tof, 0.0)
    out[:, 2] = 0.0
    return out, flight


class Engine:
    """A run in progress. Call :meth:`run` once, or :meth:`step` until :attr:`over` and
    then :meth:`finish` once.

    Parameters
    ----------
    world : World
    seed : int
    operator : bool
        Operator mode: the battle manager proposes engagements and an operator approves them
        (:mod:`cupola.sim.console`); False: automatic, as in every batch run.
    """

    def __init__(self, world: World, seed: int, operator: bool = False) -> None:
        self.world = world
        self.seed = seed
        sc = world.raid_scenario
        self.rng = streams(seed)
        self.dt = sc.sim.dt_s
        # Times are integer multiples of the tick, the revisit and the truth step (counted, not
        # summed), so that they stay exact: truth at t = 100 s is at 100.0, not 99.99999.
        self.tick = 0
        self.t = 0.0
        self.threats, self.salvo, self.reachable = build_threats(world, self.rng["raid"])
        self.nominal, flight = _nominal_impacts(self.threats)
        self.launch_point = self.threats.pos.copy()
        self.nominal_time = self.threats.launch_time + flight
        #: When the raid should be over (last nominal impact plus a margin), for progress.
        self.expected_end = float(
            min(sc.sim.max_time_s, np.max(self.nominal_time, initial=0.0) + 30.0)
        )
        n = len(self.threats.pos)
        self.detected = np.zeros(n, bool)
        self.interceptors = empty_interceptors()
        self.icpt_threat = np.empty(0, np.int64)
        self.tracker = TrackerState(empty_tracks(), 0)
        self.track_step = TRACKERS[sc.tracker.name]
        u = world.units
        self.units = UnitState.loaded(u.ready, u.stock)
        #: Rounds resupplied to each battery so far.
        self.delivered = np.zeros(len(u.stock), np.int64)
        self.log = EventLog()
        self.stage_seconds = dict.fromkeys(STAGES, 0.0)
        self.bmc = BattleManager(world, self.log, self.stage_seconds, operator)
        self._last_launch = float(self.threats.launch_time.max(initial=0.0))
        z = world.zones
        self.zone_index = AreaIndex.build(z.polygons, np.zeros(len(z.ids)), 0.0)
        #: Zone id by zone index, with -1 last (index -1: no zone).
        self.zone_ids = np.append(np.asarray(z.ids, np.int64), -1)
        self.revisit = np.array([r.revisit_s for r in world.radars])
        self.scans_done = np.zeros(len(world.radars), np.int64)
        # One stream per radar: adding a radar does not change what the others see.
        self.radar_rng = self.rng["sensors"].spawn(len(world.radars))
        self.next_decision = 0.0
        self.truth_done = 0
        self.plot_chunks: list[PlotTable] = []
        self.track_rows: list[dict[str, NDArray[Any]]] = []
        self.truth_rows: list[dict[str, NDArray[Any]]] = []
        self.impact_warned = np.zeros(n, bool)
        self.impact_zone = np.full(n, -1, np.int64)
        self.hits = np.zeros((n, len(world.assets.names)), bool)
        self._record_truth()

    # -- the tick ------------------------------------------------------------------------
    def run(self, progress: Callable[[float, float], None] | None = None) -> RunResult:
        """Advance the clock until every threat is down and every interceptor has ended."""
        while not self.over:
            self.step()
            if progress is not None:
                progress(self.t, max(self.expected_end, self.t))
        return self.finish()

    def approve(self, track_id: int) -> None:
        """The operator approves the battle manager's proposal at ``track_id`` now
        (:meth:`cupola.sim.bmc.BattleManager.approve`)."""
        units = self.bmc.approve(track_id, self.t, self._guiding(), self.tracker.tracks)
        self.units = replace(units, guiding=None)

    def hold(self, battery: str, on: bool) -> None:
        """The operator holds fire on ``battery`` or releases it now
        (:meth:`cupola.sim.bmc.BattleManager.hold`)."""
        self.units = self.bmc.hold(battery, self.t, on, self.units)

    @property
    def over(self) -> bool:
        """Every threat is down, every interceptor has ended and nothing is ordered, or the
        clock reached ``sim.max_time_s``."""
        if self.t >= self.world.raid_scenario.sim.max_time_s - 1e-9:
            return True
        return (
            self.t > self._last_launch
            and not self.threats.flying.any()
            and not self.interceptors.alive.any()
            and len(self.bmc.pending.time) == 0
        )

    def finish(self) -> RunResult:
        """End the run (rounds still waiting go back on their launchers; all clear when every
        threat is down) and return what it produced."""
        self._record_truth(force=True)
        # Cut short by sim.max_time_s: rounds ordered but not launched stay on their launchers.
        self.units = self.bmc.cancel_all(self.units)
        if not self.threats.flying.any():  # every threat is down: all clear
            self.bmc.alerts.lift(self.t, self.bmc.book.killed, all_clear=True)
        return RunResult(
            world=self.world,
            seed=self.seed,
            threats=self.threats,
            salvo=self.salvo,
            reachable=self.reachable,
            nominal_impact=self.nominal,
            launch_point=self.launch_point,
            interceptors=self.interceptors,
            interceptor_threat=self.icpt_threat,
            events=self.log.table(),
            plots=concat(*self.plot_chunks) if self.plot_chunks else sensors.empty_plots(),
            tracks=stack_columns(self.track_rows),
            assessments=self.bmc.assessment_table(),
            truth=stack_columns(self.truth_rows),
            units=self.units,
            hits=self.hits,
            impact_warned=self.impact_warned,
            impact_zone=self.impact_zone,
            end_time=self.t,
            stage_seconds=self.stage_seconds,
        )

    def step(self) -> None:
        """One tick from ``t`` to ``t + dt``."""
        t, dt = self.t, self.dt
        t1 = round((self.tick + 1) * dt, 9)
        clock = wallclock.perf_counter()
        prev = self.threats
        self.threats, fout = threats.flight.step(prev, t, dt)
        if len(fout.launched):
            ids = fout.launched
            kind = np.asarray(self.world.threat_types.names, dtype=object)[
                self.threats.type_idx[ids]
            ]
            self.log.add(
                "launch",
                self.threats.launch_time[ids],
                threat_id=ids,
                pos=prev.pos[ids],
                detail=kind,
            )
        clock = self._lap("threats", clock)

        self._launch_due()
        landed = self._flyout(prev, fout, t, dt)
        self._impacts(landed, fout)
        clock = self._lap("engage", clock)

        scanned = self._scan(t1)
        if scanned and t1 >= self.next_decision - 1e-9:
            self.next_decision = t1 + self.world.scenario.doctrine.decision_period_s
            self.units = self.bmc.decide(t1, self.tracker.tracks, self._guiding())
        clock = wallclock.perf_counter()
        self._reload(t1)
        self.tick += 1
        self.t = t1
        self._record_truth()
        self._lap("record", clock)

    def _lap(self, stage: str, since: float) -> float:
        now = wallclock.perf_counter()
        self.stage_seconds[stage] += now - since
        return now

    # -- engagement ------------------------------------------------------------------------
    def _launch_due(self) -> None:
        """Launch the rounds the battle manager ordered for now."""
        go, self.units = self.bmc.due_launches(self.t, self.tracker.tracks, self.units)
        if len(go.time) == 0:
            return
        u = self.world.units
        lau = go.launcher
        n_before = len(self.interceptors.pos)
        self.interceptors = engage.launch(
            self.world.interceptors,
            self.interceptors,
            u.pos[lau],
            u.itype[lau],
            lau,
            go.track,
            go.aim,
            self.t,
        )
        rows = rows_of(self.tracker.tracks.track_id, go.track)
        label = self.tracker.tracks.truth_id[rows]
        self.icpt_threat = np.r_[self.icpt_threat, label]
        ids = np.arange(n_before, len(self.interceptors.pos))
        self.log.add(
            "interceptor_launch",
            self.t,
            threat_id=label,
            track_id=go.track,
            unit_id=lau,
            pos=u.pos[lau],
            detail=[f"interceptor {i}" for i in ids],
        )

    def _guiding(self) -> UnitState:
        """The launchers' state with each battery's interceptors in flight or queued."""
        battery = self.world.units.battery
        flying = self.interceptors.launcher_id[self.interceptors.alive]
        queued = self.bmc.pending.launcher
        n_b = len(self.units.stock)
        guiding = np.bincount(battery[flying], minlength=n_b) + np.bincount(
            battery[queued], minlength=n_b
        )
        return replace(self.units, guiding=guiding.astype(np.int64))

    def _flyout(
        self, prev: ThreatTable, fout: threats.FlightOutputs, t: float, dt: float
    ) -> IntArray:
        """Fly interceptors over the tick; returns the threats that really landed."""
        landed = fout.landed
        ic = self.interceptors
        if not ic.alive.any():
            return landed
        tr = self.tracker.tracks
        pos, vel = extrapolate(tr, t)
        rows = rows_of(tr.track_id, ic.target_track)
        # An interceptor whose track is gone (or with no track left at all) coasts (NaN).
        guide_pos = np.full((len(rows), 3), np.nan)
        guide_vel = np.full((len(rows), 3), np.nan)
        found = np.flatnonzero(rows >= 0)
        guide_pos[found], guide_vel[found] = pos[rows[found]], vel[rows[found]]
        flying = self.threats.flying.copy()
        flying[landed] = True
        self.interceptors, out = engage.step(
            self.world.interceptors,
            ic,
            guide_pos,
            guide_vel,
            prev.pos,
            self.threats.pos,
            flying,
            t,
            dt,
            self.rng["engage"],
            substeps=max(1, int(np.ceil(dt / MAX_FLYOUT_SUBSTEP_S - 1e-9))),
            threat_type=self.threats.type_idx,
        )
        track = self.interceptors.target_track
        self.bmc.on_bursts(track[out.detonated], out.killed, out.det_time, track[out.missed])
        if len(out.detonated):
            k = out.killed
            victims = out.threat[k]
            # A kill before the landing time inside the tick stands; the landing is undone.
            th = self.threats
            fate = th.fate.copy()
            imp_t = th.impact_time.copy()
            first_kill = np.unique(victims, return_index=True)[1]
            victims_u, kill_t = victims[first_kill], out.det_time[k][first_kill]
            was_landed = np.isin(victims_u, landed)
            valid = ~was_landed | (kill_t < th.impact_time[victims_u])
            victims_u, kill_t = victims_u[valid], kill_t[valid]
            fate[victims_u] = KILLED
            imp_t[victims_u] = kill_t
            self.threats = replace(th, fate=fate, impact_time=imp_t)
            landed = landed[~np.isin(landed, victims_u)]
            # Truth for scoring: where each destroyed threat was going (its nominal impact).
            aim = self.nominal[victims_u]
            zone, _ = self.zone_index.best(aim[:, :2])
            self.log.add(
                "averted",
                kill_t,
                threat_id=victims_u,
                pos=aim,
                zone_id=self.zone_ids[zone],
                detail=[f"would have landed at t={x:.1f} s" for x in self.nominal_time[victims_u]],
            )
            self.log.add(
                "intercept",
                out.det_time[k],
                threat_id=out.threat[k],
                track_id=track[out.detonated[k]],
                unit_id=self.interceptors.launcher_id[out.detonated[k]],
                pos=out.det_pos[k],
                detail=[f"miss distance {m:.1f} m" for m in out.miss_distance_m[k]],
            )
            nk = ~k
            self.log.add(
                "miss",
                out.det_time[nk],
                threat_id=out.threat[nk],
                track_id=track[out.detonated[nk]],
                unit_id=self.interceptors.launcher_id[out.detonated[nk]],
                pos=out.det_pos[nk],
                detail=[f"fuzed at {m:.1f} m, no kill" for m in out.miss_distance_m[nk]],
            )
        if len(out.missed):
            self.log.add(
                "miss",
                out.miss_time,
                threat_id=self.icpt_threat[out.missed],
                track_id=track[out.missed],
                unit_id=self.interceptors.launcher_id[out.missed],
                pos=self.interceptors.pos[out.missed],
                detail="self-destruct",
            )
        return landed

    def _impacts(self, landed: IntArray, fout: threats.FlightOutputs) -> None:
        """Damage and alert bookkeeping of the threats that reached the ground."""
        if len(landed) == 0:
            return
        sel = np.isin(fout.landed, landed)
        pts, times = fout.impact_pos[sel], fout.impact_time[sel]
        ids = fout.landed[sel]
        radius = self.world.threat_types.lethal_radius_m[self.threats.type_idx[ids]]
        hits = asset_hits(self.world, pts, radius)
        self.hits[ids] = hits
        zone, _ = self.zone_index.best(pts[:, :2])
        self.impact_zone[ids] = zone
        self.impact_warned[ids] = self.bmc.alerts.under_alert(zone, times)
        names = self.world.assets.names
        detail = [
            "hit: " + ", ".join(names[a] for a in np.flatnonzero(h)) if h.any() else "open ground"
            for h in hits
        ]
        self.log.add(
            "impact", times, threat_id=ids, pos=pts, zone_id=self.zone_ids[zone], detail=detail
        )

    # -- sensing and tracking ----------------------------------------------------------------
    def _scan(self, t1: float) -> bool:
        """Scan with every radar that is due; feed each scan to the tracker."""
        due = np.flatnonzero((self.scans_done + 1) * self.revisit <= t1 + 1e-9)
        th = self.threats
        fly = np.flatnonzero(th.flying)
        for r in due:  # a few radars; each call is vectorised over targets
            radar = self.world.radars[r]
            clock = wallclock.perf_counter()
            plots = sensors.observe(radar, th.pos[fly], th.rcs[fly], fly, t1, self.radar_rng[r])
            self.stage_seconds["sensors"] += wallclock.perf_counter() - clock
            self.plot_chunks.append(plots)
            seen = plots.truth_id[plots.truth_id >= 0]
            new = np.unique(seen[~self.detected[seen]])
            if len(new):
                self.detected[new] = True
                self.log.add("detection", t1, threat_id=new, unit_id=r, pos=th.pos[new])
            clock = wallclock.perf_counter()
            self.tracker, out = self.track_step(self.world.tracker, self.tracker, plots, radar, t1)
            self._track_events(out, t1)
            self.stage_seconds["tracking"] += wallclock.perf_counter() - clock
            clock = wallclock.perf_counter()
            self.bmc.observe(radar, plots, out.plot_track, self.tracker.tracks, t1)
            self.stage_seconds["assess"] += wallclock.perf_counter() - clock
            self.scans_done[r] += 1
        if len(due):
            self._record_tracks(t1)
        return len(due) > 0

    def _track_events(self, out: Any, t1: float) -> None:
        tr = self.tracker.tracks
        self.bmc.book.ensure(self.tracker.next_id)
        if len(out.confirmed):
            rows = rows_of(tr.track_id, out.confirmed)
            self.log.add(
                "track_confirmed",
                t1,
                threat_id=tr.truth_id[rows],
                track_id=out.confirmed,
                pos=tr.state[rows, :3],
            )
        gone = out.deleted[out.deleted_confirmed]
        if len(gone):
            self.log.add("track_deleted", t1, track_id=gone)
            # Ordered launches at a deleted track are cancelled at launch time.

    def _record_tracks(self, t1: float) -> None:
        tr = self.tracker.tracks
        if not tr.confirmed.any():
            return
        rows = confirmed_rows(self.tracker, t1)
        rows["truth_id"] = tr.truth_id[tr.confirmed]
        self.track_rows.append(rows)

    def _reload(self, t1: float) -> None:
        """Resupply the batteries' stock; start and finish reloads of empty launchers from it."""
        u, w = self.units, self.world.units
        done = np.isfinite(u.reload_done) & (u.reload_done <= t1)
        ready, stock, reload_done = u.ready.copy(), u.stock.copy(), u.reload_done.copy()
        delivered = np.floor(w.resupply_per_s * t1 + 1e-9).astype(np.int64)  # since t = 0
        stock += delivered - self.delivered
        self.delivered = delivered
        if done.any():
            # Each finished reload takes up to a full load from its battery's stock, launchers
            # served in index order.
            idx = np.flatnonzero(done)
            b = w.battery[idx]
            give = first_come(b, w.capacity[idx], stock)
            ready[idx] += give
            np.subtract.at(stock, b, give)
            reload_done[idx] = np.nan
        empty = (ready == 0) & ~np.isfinite(reload_done) & (stock[w.battery] > 0)
        empty &= ~np.isin(np.arange(len(ready)), self.bmc.pending.launcher)
        reload_done[empty] = t1 + w.reload_s[w.battery[empty]]
        self.units = UnitState(ready, u.next_free, reload_done, stock)

    def _record_truth(self, force: bool = False) -> None:
        step = self.world.raid_scenario.sim.truth_step_s
        if not force and self.t < self.truth_done * step - 1e-9:
            return
        self.truth_done += 1
        th, ic = self.threats, self.interceptors
        ti = np.flatnonzero(th.flying)
        ii = np.flatnonzero(ic.alive)
        n = len(ti) + len(ii)
        if n == 0:
            return
        p = np.vstack([th.pos[ti], ic.pos[ii]])
        self.truth_rows.append(
            {
                "time": np.full(n, self.t),
                "object": np.array(["threat"] * len(ti) + ["interceptor"] * len(ii), dtype=object),
                "id": np.r_[ti, ii].astype(np.int64),
                "x_m": p[:, 0],
                "y_m": p[:, 1],
                "z_m": p[:, 2],
            }
        )


def simulate(
    world: World, seed: int, progress: Callable[[float, float], None] | None = None
) -> RunResult:
    """Run a compiled scenario with one seed."""
    return Engine(world, seed).run(progress)
