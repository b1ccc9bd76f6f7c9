"""The engine: owns the clock and calls each stage of the pipeline once per tick.

One tick from ``t`` to ``t + dt``::

    threats      flight.step                 truth flight, launches and landings
    fire units   due launches                interceptors leave their launchers
    engagement   flyout.step                 guidance, fuze, kill draws
    damage       impacts on defended assets
    sensors      radar.observe               for every radar whose scan is due
    tracking     tracker step                one scan at a time, all radars into one picture
    assess       classify, predict impacts   every decision period, after a scan
    alerts       zones near predicted impacts
    fire control assignment of launchers to threats
    logistics    reloads from battery stock

Stages are pure functions of their inputs; the engine only threads state between them and
records events, plots, tracks and truth.
"""

from __future__ import annotations

import time as wallclock
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from cupola import engage, sensors, threats
from cupola.assess import CLASS_NAMES, AreaIndex, AssessParams, assess, classify
from cupola.assess.classify import ALPHA, features, strongly_ballistic, update_class
from cupola.core.rng import streams
from cupola.core.table import concat, take
from cupola.engage.base import InterceptorTable, empty_interceptors
from cupola.fire import FIRE_CONTROLS, FireParams, UnitState
from cupola.sensors.base import PlotTable
from cupola.sim.book import TrackBook
from cupola.sim.events import EventLog
from cupola.sim.raid import asset_hits, build_threats
from cupola.sim.world import World
from cupola.threats.ballistic import fly_to_ground
from cupola.threats.base import KILLED, ThreatTable
from cupola.tracking import TRACKERS, extrapolate
from cupola.tracking.base import TrackerState, empty_tracks

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: A track is first classified ``SKIP + AVERAGE`` decision cycles after its confirmation, on
#: moving averages started after ``SKIP`` cycles; it may be reclassified at every later cycle.
CLASSIFY_SKIP_CYCLES = 3
CLASSIFY_AVERAGE_CYCLES = 5

#: Longest interceptor guidance substep, s (kill rates agree with 4x finer substeps).
MAX_FLYOUT_SUBSTEP_S = 0.1

#: A track still updated this long after a burst declared it killed is live again, s.
KILL_ASSESSMENT_S = 3.0

#: Stages timed by the engine (seconds of wall clock, for the benchmark's split).
STAGES = ("threats", "engage", "sensors", "tracking", "assess", "fire", "record")


@dataclass
class Pending:
    """Launches ordered but not yet made (Q rows)."""

    time: FloatArray = field(default_factory=lambda: np.empty(0))
    launcher: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    track: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    aim: FloatArray = field(default_factory=lambda: np.empty((0, 3)))


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
    interceptors : InterceptorTable
        Every interceptor fired.
    interceptor_threat : (M,) int64
        Threat followed by each interceptor's track at launch (scoring), -1 for a false track.
    events : dict of arrays
    plots : PlotTable
    tracks : dict of arrays
        One row per confirmed track per scan (the ``tracks.parquet`` columns).
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
    interceptors: InterceptorTable
    interceptor_threat: IntArray
    events: dict[str, NDArray[Any]]
    plots: PlotTable
    tracks: dict[str, NDArray[Any]]
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
    """A run in progress. Call :meth:`run` once."""

    def __init__(self, world: World, seed: int) -> None:
        self.world = world
        self.seed = seed
        sc = world.scenario
        self.rng = streams(seed)
        self.dt = sc.sim.dt_s
        # Times are integer multiples of the tick, the revisit and the truth step (counted, not
        # summed), so that they stay exact: truth at t = 100 s is at 100.0, not 99.99999.
        self.tick = 0
        self.t = 0.0
        self.threats, self.salvo, self.reachable = build_threats(world, self.rng["raid"])
        self.nominal, flight = _nominal_impacts(self.threats)
        #: When the raid should be over (last nominal impact plus a margin), for progress.
        self.expected_end = float(
            min(sc.sim.max_time_s, np.max(self.threats.launch_time + flight, initial=0.0) + 30.0)
        )
        n = len(self.threats.pos)
        self.detected = np.zeros(n, bool)
        self.interceptors = empty_interceptors()
        self.icpt_threat = np.empty(0, np.int64)
        self.tracker = TrackerState(empty_tracks(), 0)
        self.track_step = TRACKERS[sc.tracker.name]
        self.fire_step = FIRE_CONTROLS[sc.fire_control.name]
        u = world.units
        self.units = UnitState(
            ready=u.ready.copy(),
            next_free=np.zeros(len(u.ready)),
            reload_done=np.full(len(u.ready), np.nan),
            stock=u.stock.copy(),
        )
        self.pending = Pending()
        self.book = TrackBook()
        self.log = EventLog()
        d = sc.doctrine
        self.assess_params = AssessParams(
            beta_kg_m2=d.assumed_ballistic_coefficient_kg_m2,
            dt_s=2.0,
            horizon_s=240.0,
            asset_margin_m=d.asset_margin_m,
            engage_threshold=d.engage_threshold,
            engage_outside_assets=d.engage_outside_assets,
            alert_margin_m=d.alert_margin_m,
            alert_lead_time_s=d.alert_lead_time_s,
        )
        self.fire_params = FireParams(
            shots_per_engagement=d.shots_per_engagement,
            min_intercept_altitude_m=d.min_intercept_altitude_m,
            decision_period_s=d.decision_period_s,
        )
        self.asset_index = AreaIndex.build(
            world.assets.footprints, world.assets.values, d.asset_margin_m
        )
        z = world.zones
        self.zone_index = AreaIndex.build(z.polygons, np.zeros(len(z.ids)), 0.0)
        self.alert_index = AreaIndex.build(z.polygons, np.zeros(len(z.ids)), d.alert_margin_m)
        self.zone_since = np.full(len(z.ids), np.nan)
        self.zone_until = np.full(len(z.ids), -np.inf)
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
        self.stage_seconds = dict.fromkeys(STAGES, 0.0)

    # -- the tick ------------------------------------------------------------------------
    def run(self, progress: Callable[[float, float], None] | None = None) -> RunResult:
        """Advance the clock until every threat is down and every interceptor has ended."""
        sc = self.world.scenario
        end = sc.sim.max_time_s
        last_launch = float(self.threats.launch_time.max())
        self._record_truth()
        while self.t < end - 1e-9:
            self.step()
            if progress is not None:
                progress(self.t, max(self.expected_end, self.t))
            done = (
                self.t > last_launch
                and not self.threats.flying.any()
                and not self.interceptors.alive.any()
                and len(self.pending.time) == 0
            )
            if done:
                break
        self._record_truth(force=True)
        return RunResult(
            world=self.world,
            seed=self.seed,
            threats=self.threats,
            salvo=self.salvo,
            reachable=self.reachable,
            nominal_impact=self.nominal,
            interceptors=self.interceptors,
            interceptor_threat=self.icpt_threat,
            events=self.log.table(),
            plots=concat(*self.plot_chunks) if self.plot_chunks else sensors.empty_plots(),
            tracks=_stack(self.track_rows),
            truth=_stack(self.truth_rows),
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
            self.log.add("launch", self.threats.launch_time[ids], threat_id=ids, pos=prev.pos[ids])
        clock = self._lap("threats", clock)

        self._launch_due()
        landed = self._flyout(prev, fout, t, dt)
        self._impacts(landed, fout)
        clock = self._lap("engage", clock)

        scanned = self._scan(t1)
        if scanned and t1 >= self.next_decision - 1e-9:
            self.next_decision = t1 + self.world.scenario.doctrine.decision_period_s
            self._decide(t1)
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
        """Launch the ordered rounds whose time has come (cancel those whose track is gone).

        A round leaves at the start of the first tick at or after its planned time, so it is
        at most one tick late.
        """
        p = self.pending
        due = p.time <= self.t + 1e-9  # rounds leave at the first tick at or after their time
        if not due.any():
            return
        live = np.isin(p.track, self.tracker.tracks.track_id)
        cancel = due & (~live | self.book.killed[p.track])
        go = due & ~cancel
        if cancel.any():  # rounds not fired go back on the launcher
            np.add.at(self.units.ready, p.launcher[cancel], 1)
            np.subtract.at(self.book.in_flight, p.track[cancel], 1)
        if go.any():
            u = self.world.units
            lau = p.launcher[go]
            n_before = len(self.interceptors.pos)
            self.interceptors = engage.launch(
                self.world.interceptors,
                self.interceptors,
                u.pos[lau],
                u.itype[lau],
                lau,
                p.track[go],
                p.aim[go],
                self.t,
            )
            rows = _rows_of(self.tracker.tracks.track_id, p.track[go])
            label = self.tracker.tracks.truth_id[rows]
            self.icpt_threat = np.r_[self.icpt_threat, label]
            ids = np.arange(n_before, len(self.interceptors.pos))
            self.log.add(
                "interceptor_launch",
                self.t,
                threat_id=label,
                track_id=p.track[go],
                unit_id=lau,
                pos=u.pos[lau],
                detail=[f"interceptor {i}" for i in ids],
            )
        keep = ~due
        self.pending = Pending(p.time[keep], p.launcher[keep], p.track[keep], p.aim[keep])

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
        rows = _rows_of(tr.track_id, ic.target_track)
        found = rows >= 0
        guide_pos = np.where(found[:, None], pos[np.maximum(rows, 0)], np.nan)
        guide_vel = np.where(found[:, None], vel[np.maximum(rows, 0)], np.nan)
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
        )
        track = self.interceptors.target_track
        np.subtract.at(self.book.in_flight, track[out.detonated], 1)
        np.subtract.at(self.book.in_flight, track[out.missed], 1)
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
            self.book.killed[track[out.detonated[k]]] = True
            self.book.killed_at[track[out.detonated[k]]] = out.det_time[k]
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
        zi = np.maximum(zone, 0)
        warned = (zone >= 0) & (self.zone_since[zi] <= times) & (times <= self.zone_until[zi] + 30)
        self.impact_warned[ids] = warned
        names = self.world.assets.names
        detail = [
            "hit: " + ", ".join(names[a] for a in np.flatnonzero(h)) if h.any() else "open ground"
            for h in hits
        ]
        self.log.add("impact", times, threat_id=ids, pos=pts, zone_id=zone, detail=detail)

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
            self.scans_done[r] += 1
        if len(due):
            self._record_tracks(t1)
        return len(due) > 0

    def _track_events(self, out: Any, t1: float) -> None:
        tr = self.tracker.tracks
        self.book.ensure(self.tracker.next_id)
        if len(out.confirmed):
            rows = _rows_of(tr.track_id, out.confirmed)
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
        c = tr.confirmed
        if not c.any():
            return
        s, p = tr.state[c], tr.cov[c]
        self.track_rows.append(
            {
                "time": np.full(int(c.sum()), t1),
                "track_id": tr.track_id[c],
                "x_m": s[:, 0],
                "y_m": s[:, 1],
                "z_m": s[:, 2],
                "vx_mps": s[:, 3],
                "vy_mps": s[:, 4],
                "vz_mps": s[:, 5],
                "cov_xx": p[:, 0, 0],
                "cov_xy": p[:, 0, 1],
                "cov_xz": p[:, 0, 2],
                "cov_yy": p[:, 1, 1],
                "cov_yz": p[:, 1, 2],
                "cov_zz": p[:, 2, 2],
                "truth_id": tr.truth_id[c],
            }
        )

    # -- battle management -----------------------------------------------------------------
    def _decide(self, t1: float) -> None:
        """Classify, predict impacts, alert, and order engagements."""
        clock = wallclock.perf_counter()
        tr = self.tracker.tracks
        # Kill assessment by the radar: a track declared killed that still gets plots well
        # after the burst was following something else (the burst killed a neighbour).
        book = self.book
        late = t1 - book.killed_at[tr.track_id] > KILL_ASSESSMENT_S
        revived = book.killed[tr.track_id] & late & ((tr.hit_history & 1) == 1)
        book.killed[tr.track_id[revived]] = False
        c = tr.confirmed & ~book.killed[tr.track_id]
        ids = tr.track_id[c]
        if len(ids) == 0:
            return
        pos, vel = extrapolate(take(tr, c), t1)
        state = np.hstack([pos, vel])
        labels = tr.truth_id[c]
        # Classify on moving averages of the kinematics (one noisy velocity is not enough),
        # skipping the first cycles after confirmation, which carry the track's initiation
        # transient; until a track is classified it is assessed as ballistic.
        n = book.feat_n[ids]
        f = features(state, tr.cov[c], book.feat_vz_prev[ids], t1 - book.feat_t_prev[ids])
        started = n > CLASSIFY_SKIP_CYCLES
        first = n == CLASSIFY_SKIP_CYCLES
        book.feat_ema[ids[first]] = f[first]
        book.feat_ema[ids[started]] += ALPHA * (f[started] - book.feat_ema[ids[started]])
        book.feat_n[ids] += 1
        book.feat_vz_prev[ids] = state[:, 5]
        book.feat_t_prev[ids] = t1
        ready = n >= CLASSIFY_SKIP_CYCLES + CLASSIFY_AVERAGE_CYCLES
        cls_now, votes, latched = update_class(
            book.cls[ids],
            book.cls_votes[ids],
            book.cls_latched[ids],
            classify(book.feat_ema[ids]),
            strongly_ballistic(state, tr.cov[c]) & started,
        )
        book.cls_latched[ids] = latched
        book.cls_votes[ids] = np.where(ready, votes, 0)
        new = ready & (cls_now != book.cls[ids])
        if new.any():
            book.cls[ids[new]] = cls_now[new]
            self.log.add(
                "classified",
                t1,
                threat_id=labels[new],
                track_id=ids[new],
                pos=pos[new],
                detail=[CLASS_NAMES[k] for k in book.cls[ids[new]]],
            )
        cls = np.maximum(book.cls[ids], 0).astype(np.int8)  # unclassified -> ballistic
        a = assess(self.assess_params, self.asset_index, ids, state, cls, t1)
        changed = (book.asset[ids] != a.asset) & np.isfinite(a.impact_time)
        if changed.any():
            names = self.world.assets.names
            self.log.add(
                "impact_predicted",
                t1,
                threat_id=labels[changed],
                track_id=ids[changed],
                pos=np.column_stack([a.impact[changed], np.zeros(int(changed.sum()))]),
                detail=[
                    (f"{names[k]}" if k >= 0 else "open ground")
                    + f"; impact at t={ti:.1f} s"
                    + ("; engage" if e else "; hold fire")
                    for k, ti, e in zip(
                        a.asset[changed], a.impact_time[changed], a.engage[changed], strict=True
                    )
                ],
            )
            book.asset[ids[changed]] = a.asset[changed]
        self._alerts(a, labels, t1)
        self.stage_seconds["assess"] += wallclock.perf_counter() - clock

        clock = wallclock.perf_counter()
        eligible = book.in_flight[ids] == 0
        self.units, orders = self.fire_step(
            self.fire_params, self.world.units, self.world.interceptors, self.units, a, eligible, t1
        )
        if len(orders.track_id):
            lab = labels[_rows_of(ids, orders.track_id)]
            book.in_flight[orders.track_id] += orders.shots
            book.engaged[orders.track_id] = True
            self.log.add(
                "engagement",
                t1,
                threat_id=lab,
                track_id=orders.track_id,
                unit_id=orders.launcher,
                pos=orders.intercept_point,
                detail=[
                    f"{s} shot(s), planned intercept at t={ti:.1f} s"
                    for s, ti in zip(orders.shots, orders.intercept_time, strict=True)
                ],
            )
            k = np.repeat(np.arange(len(orders.shots)), orders.shots)
            j = np.arange(len(k)) - np.repeat(np.cumsum(orders.shots) - orders.shots, orders.shots)
            interval = self.world.units.interval_s[self.world.units.battery[orders.launcher[k]]]
            p = self.pending
            self.pending = Pending(
                np.r_[p.time, orders.first_launch[k] + j * interval],
                np.r_[p.launcher, orders.launcher[k]],
                np.r_[p.track, orders.track_id[k]],
                np.vstack([p.aim, orders.intercept_point[k]]),
            )
        self.stage_seconds["fire"] += wallclock.perf_counter() - clock

    def _alerts(self, a: Any, labels: IntArray, t1: float) -> None:
        """Alert the zones near predicted impacts that are due within the lead time."""
        lead = self.world.scenario.doctrine.alert_lead_time_s
        soon = np.isfinite(a.impact_time) & (a.impact_time - t1 <= lead)
        if not soon.any():
            return
        rows = np.flatnonzero(soon)
        pi, zi = self.alert_index.tree.query(shapely.points(a.impact[rows]), predicate="intersects")
        if len(zi) == 0:
            return
        until = np.full(len(self.zone_until), -np.inf)
        np.maximum.at(until, zi, a.impact_time[rows[pi]])
        zones = np.unique(zi)
        fresh = zones[self.zone_until[zones] < t1]
        if len(fresh):
            order = np.lexsort((pi, zi))
            zs, ps = zi[order], pi[order]
            lead_pair = np.r_[True, zs[1:] != zs[:-1]]
            first = ps[lead_pair][np.isin(zs[lead_pair], fresh)]
            self.zone_since[fresh] = t1
            self.log.add(
                "alert",
                t1,
                threat_id=labels[rows[first]],
                track_id=a.track_id[rows[first]],
                zone_id=self.world.zones.ids[fresh],
                detail=[
                    f"{self.world.zones.names[z]}; impact expected at t={until[z]:.1f} s"
                    for z in fresh
                ],
            )
        self.zone_until[zones] = np.maximum(self.zone_until[zones], until[zones])

    def _reload(self, t1: float) -> None:
        """Start and finish reloads of empty launchers from their battery's stock."""
        u, w = self.units, self.world.units
        done = np.isfinite(u.reload_done) & (u.reload_done <= t1)
        ready, stock, reload_done = u.ready.copy(), u.stock.copy(), u.reload_done.copy()
        if done.any():
            # Each finished reload takes up to a full load from its battery's stock, launchers
            # served in index order.
            idx = np.flatnonzero(done)
            want = w.capacity[idx]
            b = w.battery[idx]
            cum = np.cumsum(want)
            start = np.r_[True, b[1:] != b[:-1]]
            before = cum - want - np.maximum.accumulate(np.where(start, cum - want, 0))
            give = np.clip(stock[b] - before, 0, want)
            ready[idx] += give
            np.subtract.at(stock, b, give)
            reload_done[idx] = np.nan
        empty = (ready == 0) & ~np.isfinite(reload_done) & (stock[w.battery] > 0)
        empty &= ~np.isin(np.arange(len(ready)), self.pending.launcher)
        reload_done[empty] = t1 + w.reload_s[w.battery[empty]]
        self.units = UnitState(ready, u.next_free, reload_done, stock)

    def _record_truth(self, force: bool = False) -> None:
        step = self.world.scenario.sim.truth_step_s
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


def _rows_of(ids: IntArray, wanted: IntArray) -> IntArray:
    """Row of each ``wanted`` id in the array of unique ``ids``, -1 when absent."""
    if len(ids) == 0:
        return np.full(len(wanted), -1, np.int64)
    order = np.argsort(ids, kind="stable")
    pos = np.minimum(np.searchsorted(ids, wanted, sorter=order), len(ids) - 1)
    rows = order[pos]
    return np.where(ids[rows] == wanted, rows, -1).astype(np.int64)


def _stack(rows: list[dict[str, NDArray[Any]]]) -> dict[str, NDArray[Any]]:
    if not rows:
        return {}
    return {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}


def simulate(
    world: World, seed: int, progress: Callable[[float, float], None] | None = None
) -> RunResult:
    """Run a compiled scenario with one seed."""
    return Engine(world, seed).run(progress)
