"""The battle-management centre: what it believes about each track, and what it orders.

Every decision period, after a scan, :meth:`BattleManager.decide` runs the battle-management
stages on the picture: kill assessment (a track declared killed that keeps getting plots is
live again), classification (:mod:`cupola.assess.classify`, on moving averages with
hysteresis), impact prediction from each ballistic track's filter (:meth:`BattleManager.observe`
feeds them every scan, :mod:`cupola.assess.ballistic_filter`) and the engagement rule
(:func:`cupola.assess.assess`), civil alerts (:mod:`cupola.sim.alerts`), and fire control (the
scenario's registered rule, :data:`cupola.fire.FIRE_CONTROLS`). Orders become rounds queued
in :attr:`pending`, which the engine launches when their time comes
(:meth:`BattleManager.due_launches`).

Its notes on each track live in a :class:`~cupola.sim.book.TrackBook`; everything it does is
recorded in the run's event log.
"""

from __future__ import annotations

import time as wallclock
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.assess import (
    AIR_BREATHING,
    BALLISTIC,
    CLASS_NAMES,
    AreaIndex,
    AssessParams,
    assess,
    ballistic_filter,
    classify,
    identify,
)
from cupola.assess.base import Assessment
from cupola.assess.classify import (
    ALPHA,
    CRUISE_MISSILE,
    DRONE,
    KIND_NAMES,
    features,
    strongly_ballistic,
    threat_kind,
    update_class,
)
from cupola.core.frames import from_polar
from cupola.core.table import rows_of, take
from cupola.fire import FIRE_CONTROLS, FireParams, UnitState
from cupola.fire.base import FireOrders
from cupola.sensors.base import PlotTable, RadarParams
from cupola.sim.alerts import ZoneAlerts
from cupola.sim.book import TrackBook
from cupola.sim.console import APPROVED, ORIGIN, Console
from cupola.sim.events import EventLog
from cupola.sim.records import assessment_table, cycle_row
from cupola.sim.world import World
from cupola.threats.ballistic import G
from cupola.tracking import extrapolate
from cupola.tracking.base import TrackTable
from cupola.tracking.kalman import innovation, mahalanobis, noise_covariance

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Plots of tracks without a filter are kept this long, s.
BUFFER_S = 30.0
#: Velocity spread added to the tracker's for a filter started at a track's first plot, m/s.
START_SPEED_SIGMA = 80.0
#: A ballistic filter whose plots fall outside its gate this many times in a row is restarted.
FILTER_RESTART_MISSES = 3
#: Probability inside the reported impact ellipse.
ELLIPSE_PROBABILITY = 0.95
#: A track is first classified ``SKIP + AVERAGE`` decision cycles after its confirmation, on
#: moving averages started after ``SKIP`` cycles; it may be reclassified at every later cycle.
CLASSIFY_SKIP_CYCLES = 3
CLASSIFY_AVERAGE_CYCLES = 5

#: A ballistic track not identified when its filter starts is tried again against the threat
#: library every ``IDENTIFY_EVERY`` decision cycles during its first ``IDENTIFY_CYCLES``; its
#: type is kept after.
IDENTIFY_CYCLES = 15
IDENTIFY_EVERY = 3

#: A track still updated this long after a burst declared it killed is live again, s.
KILL_ASSESSMENT_S = 3.0


#: Predicted paths: step and length, s.
PATH_STEP_S = 2.0
PATH_HORIZON_S = 240.0


@dataclass
class Pending:
    """Rounds ordered but not yet launched (Q rows).

    Attributes
    ----------
    time : (Q,) float64
        Planned launch time, s.
    launcher : (Q,) int64
    track : (Q,) int64
        Track the round is fired at.
    aim : (Q, 3) float64
        Planned intercept point, ENU, m.
    """

    time: FloatArray = field(default_factory=lambda: np.empty(0))
    launcher: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    track: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    aim: FloatArray = field(default_factory=lambda: np.empty((0, 3)))

    def take(self, mask: NDArray[np.bool_]) -> Pending:
        """The rows of ``mask``."""
        return Pending(self.time[mask], self.launcher[mask], self.track[mask], self.aim[mask])


class BattleManager:
    """The battle-management centre of a run (one per run, driven by the engine).

    Parameters
    ----------
    world : World
        The compiled scenario.
    log : EventLog
        The run's event log, written to.
    stage_seconds : dict
        Wall-clock accumulators of the engine (keys ``assess`` and ``fire``).
    operator : bool
        Operator mode: fire control proposes, the operator approves (:mod:`.console`);
        False: automatic.
    """

    def __init__(
        self,
        world: World,
        log: EventLog,
        stage_seconds: dict[str, float],
        operator: bool = False,
    ) -> None:
        self.world = world
        self.log = log
        self.stage_seconds = stage_seconds
        d = world.scenario.doctrine
        self.book = TrackBook()
        self.pending = Pending()
        self.fire_step = FIRE_CONTROLS[world.scenario.fire_control.name]
        names = world.threat_types.names
        #: World threat-type index of each threat-library type (-1: none in the raid).
        self.library_type = np.array(
            [names.index(n) if n in names else -1 for n in world.library.names] + [-1], np.int64
        )
        self.assess_params = AssessParams(
            beta_kg_m2=d.assumed_ballistic_coefficient_kg_m2,
            dt_s=PATH_STEP_S,
            horizon_s=PATH_HORIZON_S,
            asset_margin_m=d.asset_margin_m,
            engage_threshold=d.engage_threshold,
            engage_outside_assets=d.engage_outside_assets,
            alert_margin_m=d.alert_margin_m,
            alert_lead_time_s=d.alert_lead_time_s,
        )
        #: Prior of the ballistic filters' kappa = 1/beta, m²/kg.
        self.kappa_prior = 1.0 / d.assumed_ballistic_coefficient_kg_m2
        self.fire_params = FireParams(
            shots_per_engagement=d.shots_per_engagement,
            min_intercept_altitude_m=d.min_intercept_altitude_m,
            decision_period_s=d.decision_period_s,
            shoot_look_shoot=d.shoot_look_shoot,
            kill_assessment_s=d.kill_assessment_s,
            cost_weight=d.interceptor_cost_weight,
            reserve_rounds=d.reserve_rounds,
            reserve_release_damage=d.reserve_release_damage,
        )
        self.asset_index = AreaIndex.build(
            world.assets.footprints, world.assets.values, d.asset_margin_m
        )
        #: The civil warnings: zones under alert, and why.
        self.alerts = ZoneAlerts(world.zones, d, log)
        #: Plots of tracks without a filter yet: track, time, radar index, (range, az, el).
        self.plot_buffer: dict[str, NDArray[Any]] = {
            "track": np.empty(0, np.int64),
            "time": np.empty(0),
            "radar": np.empty(0, np.int64),
            "z": np.empty((0, 3)),
        }
        self.radar_index = {r.radar_id: k for k, r in enumerate(world.radars)}
        #: Position (m) and noise (range m, azimuth and elevation rad) of each radar, by index.
        self.radar_pos = np.array([r.position for r in world.radars], np.float64).reshape(-1, 3)
        self.radar_sigma = np.array(
            [[r.sigma_range_m, r.sigma_azimuth_rad, r.sigma_elevation_rad] for r in world.radars],
            np.float64,
        ).reshape(-1, 3)
        #: One dict of columns per decision cycle (:meth:`assessment_table`).
        self.assessment_rows: list[dict[str, NDArray[Any]]] = []
        #: The operator's console: the gate between fire control and the launchers.
        self.console = Console(world, log, d.min_intercept_altitude_m, auto=not operator)

    def decide(self, t1: float, tr: TrackTable, units: UnitState) -> UnitState:
        """One decision cycle: kill assessment, classification, impact prediction and the
        engagement rule, alerts, and fire orders (queued in :attr:`pending`).

        Parameters
        ----------
        t1 : float
            Time of the cycle (a scan time), s.
        tr : TrackTable
            The picture after the scan.
        units : UnitState
            Launchers before the cycle.

        Returns
        -------
        UnitState
            Launchers after the orders (rounds taken, launch times booked).
        """
        clock = wallclock.perf_counter()
        # Kill assessment by the radar: a track declared killed that still gets plots well
        # after the burst was following something else (the burst killed a neighbour).
        book = self.book
        late = t1 - book.killed_at[tr.track_id] > KILL_ASSESSMENT_S
        revived = book.killed[tr.track_id] & late & ((tr.hit_history & 1) == 1)
        book.killed[tr.track_id[revived]] = False
        c = tr.confirmed & ~book.killed[tr.track_id]
        ids = tr.track_id[c]
        if len(ids) == 0:
            self.alerts.lift(t1, book.killed)
            self.console.clear(t1)
            return units
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
        avg = book.feat_ema[ids]
        # Extremes of the averages once they have settled (not the initiation transient).
        book.max_z[ids] = np.where(ready, np.maximum(book.max_z[ids], avg[:, 3]), -np.inf)
        book.max_speed[ids] = np.where(ready, np.maximum(book.max_speed[ids], avg[:, 2]), 0.0)
        kind_now = threat_kind(cls_now, book.max_z[ids], book.max_speed[ids], avg[:, 1], avg[:, 2])
        # A drone or cruise missile stays one in its terminal dive (fast, steep: ballistic).
        flew = np.isin(book.kind[ids], (DRONE, CRUISE_MISSILE))
        kind_now = np.where(flew, book.kind[ids], kind_now).astype(np.int8)
        new = ready & ((cls_now != book.cls[ids]) | (kind_now != book.kind[ids]))
        if new.any():
            book.cls[ids[new]] = cls_now[new]
            book.kind[ids[new]] = kind_now[new]
            self.log.add(
                "classified",
                t1,
                threat_id=labels[new],
                track_id=ids[new],
                pos=pos[new],
                detail=[
                    f"{CLASS_NAMES[c_]}: {KIND_NAMES[k_]}"
                    for c_, k_ in zip(book.cls[ids[new]], book.kind[ids[new]], strict=True)
                ],
            )
        cls = np.maximum(book.cls[ids], 0).astype(np.int8)  # unclassified -> ballistic
        # Ballistic tracks are predicted from their ballistic filter (state, covariance and
        # drag), the others from the tracker's picture.
        cov = tr.cov[c]
        state, cov, lb = self._ballistic_state(ids, state, cov, cls, t1)
        a = assess(self.assess_params, self.asset_index, ids, state, cls, t1, cov, lb)
        self.assessment_rows.append(cycle_row(t1, labels, a, lb[0], book.type_idx[ids]))
        # Report a prediction when the threatened asset or the decision changes.
        decision = a.engage.astype(np.int8)
        changed = np.isfinite(a.impact_time) & (
            (book.asset[ids] != a.asset) | (book.decision[ids] != decision)
        )
        if changed.any():
            names = self.world.assets.names
            self.log.add(
                "impact_predicted",
                t1,
                threat_id=labels[changed],
                track_id=ids[changed],
                pos=np.column_stack([a.impact[changed], np.zeros(int(changed.sum()))]),
                detail=[
                    (f"{names[k]} (hit probability {p:.2f})" if k >= 0 else "open ground")
                    + f"; impact at t={ti:.1f} s; expected damage {d:.3g}"
                    + ("; engage" if e else "; hold fire")
                    for k, p, ti, d, e in zip(
                        a.asset[changed],
                        a.hit_probability[changed],
                        a.impact_time[changed],
                        a.expected_damage[changed],
                        a.engage[changed],
                        strict=True,
                    )
                ],
            )
            book.asset[ids[changed]] = a.asset[changed]
            book.decision[ids[changed]] = decision[changed]
        self.alerts.raise_for(a, labels, t1)
        self.alerts.lift(t1, book.killed)
        self.stage_seconds["assess"] += wallclock.perf_counter() - clock

        clock = wallclock.perf_counter()
        eligible = book.in_flight[ids] == 0
        identified = book.type_idx[ids]
        a = replace(a, threat_type=np.where(identified >= 0, self.library_type[identified], -1))

        def fire(
            u: UnitState, pic: Assessment, ok: NDArray[np.bool_]
        ) -> tuple[UnitState, FireOrders]:
            w = self.world
            out: tuple[UnitState, FireOrders] = self.fire_step(
                self.fire_params, w.units, w.interceptors, u, pic, ok, t1
            )
            return out

        units, orders, origin = self.console.gate(fire, units, a, eligible, t1)
        self._queue(orders, origin, labels[rows_of(ids, orders.track_id)], t1)
        self.stage_seconds["fire"] += wallclock.perf_counter() - clock
        return units

    def _queue(self, orders: FireOrders, origin: IntArray, threat: IntArray, t: float) -> None:
        """Log engagements ordered at ``t`` and queue their rounds (``threat``: the truth
        label of each track, for scoring)."""
        if len(orders.track_id) == 0:
            return
        self.book.in_flight[orders.track_id] += orders.shots
        self.log.add(
            "engagement",
            t,
            threat_id=threat,
            track_id=orders.track_id,
            unit_id=orders.launcher,
            pos=orders.intercept_point,
            detail=[
                f"{s} shot(s), planned intercept at t={ti:.1f} s" + (f"; {ORIGIN[o]}" if o else "")
                for s, ti, o in zip(orders.shots, orders.intercept_time, origin, strict=True)
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

    def approve(self, track_id: int, now: float, units: UnitState, tr: TrackTable) -> UnitState:
        """The operator approves the proposal at ``track_id`` (:meth:`.console.Console.
        approve`): its plan goes out as proposed when it still can, otherwise it becomes a
        standing order for the next decision cycle.

        Parameters
        ----------
        units : UnitState
            Launchers now, with the rounds each battery guides (``guiding``).
        tr : TrackTable
            The picture now.

        Returns
        -------
        UnitState
            Launchers after the approval.
        """
        row = rows_of(tr.track_id, np.array([track_id]))[0]
        live = row >= 0 and bool(tr.confirmed[row]) and not self.book.killed[track_id]
        plan = self.console.approve(track_id, now, units, live)
        if plan is None:
            return units
        u = self.world.units
        lau = plan.launcher
        ready = units.ready.copy()
        np.subtract.at(ready, lau, plan.shots)
        next_free = units.next_free.copy()
        np.maximum.at(next_free, lau, plan.first_launch + plan.shots * u.interval_s[u.battery[lau]])
        threat = tr.truth_id[rows_of(tr.track_id, plan.track_id)]
        self._queue(plan, np.full(len(lau), APPROVED, np.int64), threat, now)
        return UnitState(ready, next_free, units.reload_done, units.stock)

    def assessment_table(self) -> dict[str, NDArray[Any]]:
        """Every assessment of the run (:func:`cupola.sim.records.assessment_table`)."""
        return assessment_table(
            self.assessment_rows,
            self.world.assets.names,
            self.world.library.names,
            self.assess_params.engage_threshold,
            ELLIPSE_PROBABILITY,
        )

    def observe(
        self, radar: RadarParams, plots: PlotTable, plot_track: IntArray, tr: TrackTable, t: float
    ) -> None:
        """Feed one radar scan's plots, as the tracker assigned them, to the ballistic filters
        of the confirmed tracks (:mod:`cupola.assess.ballistic_filter`).

        The plots of tracks without a filter are kept (:meth:`_buffer`); when a track is
        confirmed, its filter starts at its first plot and runs through all of them
        (:meth:`_replay`), so that it has the track's whole history, low in the air where the
        drag shows most. A filter whose plots fall outside its gate ``FILTER_RESTART_MISSES``
        times in a row (the threat is not flying ballistically, or the filter lost it) is
        started again from the tracker's state.

        Parameters
        ----------
        radar : RadarParams
            The radar of the scan.
        plots : PlotTable
            Its plots.
        plot_track : (P,) int64
            Track of each plot, -1 for none (:class:`cupola.tracking.base.TrackerOutputs`).
        tr : TrackTable
            The picture after the scan.
        t : float
            Scan time, s.
        """
        book = self.book
        conf = tr.track_id[tr.confirmed]
        fresh = conf[~np.isfinite(book.filter_t[conf])]
        # Plots of tracks without a filter yet are kept, so that a track's filter, when it
        # starts, has them all from its first plot on.
        mine = plot_track >= 0
        mine[mine] = ~np.isin(plot_track[mine], conf) | np.isin(plot_track[mine], fresh)
        self._buffer(radar, plots, plot_track, np.flatnonzero(mine), t, tr)
        if len(fresh):
            self._replay(tr, fresh, t)
        own = plot_track >= 0
        own[own] = np.isin(plot_track[own], conf) & ~np.isin(plot_track[own], fresh)
        pi = np.flatnonzero(own)
        if len(pi) == 0:
            return
        ids = plot_track[pi]
        x, p = ballistic_filter.predict(
            book.filter_x[ids], book.filter_cov[ids], t - book.filter_t[ids], self.kappa_prior
        )
        z = np.column_stack([plots.range_m[pi], plots.azimuth_rad[pi], plots.elevation_rad[pi]])
        noise = noise_covariance(
            radar.sigma_range_m, radar.sigma_azimuth_rad, radar.sigma_elevation_rad
        )
        # One plot per track (a soft-association tracker may give a track several): the
        # nearest to the filter's prediction.
        nu, s, jac = innovation(x, p, z, radar.position, noise)
        d2 = mahalanobis(nu, s)
        order = np.lexsort((d2, ids))
        first = order[np.r_[True, ids[order][1:] != ids[order][:-1]]]
        ids = ids[first]
        x, p, used = ballistic_filter.gated_correct(
            x[first], p[first], nu[first], s[first], jac[first], noise, d2[first]
        )
        book.filter_t[ids], book.filter_x[ids], book.filter_cov[ids] = t, x, p
        book.filter_misses[ids] = np.where(used, 0, book.filter_misses[ids] + 1)
        lost = ids[book.filter_misses[ids] >= FILTER_RESTART_MISSES]
        if len(lost):  # not flying ballistically, or lost: start again from the tracker now
            self._start_filters(tr, lost, t)

    def _buffer(
        self,
        radar: RadarParams,
        plots: PlotTable,
        plot_track: IntArray,
        rows: IntArray,
        t: float,
        tr: TrackTable,
    ) -> None:
        """Keep plots ``rows`` of the scan for tracks that have no filter yet; forget those of
        tracks that are gone and those older than ``BUFFER_S``."""
        b = self.plot_buffer
        keep = np.isin(b["track"], tr.track_id) & (b["time"] >= t - BUFFER_S)
        new = {
            "track": plot_track[rows],
            "time": np.full(len(rows), t),
            "radar": np.full(len(rows), self.radar_index[radar.radar_id], np.int64),
            "z": np.column_stack(
                [plots.range_m[rows], plots.azimuth_rad[rows], plots.elevation_rad[rows]]
            ),
        }
        self.plot_buffer = {k: np.concatenate([b[k][keep], new[k]]) for k in b}

    def _replay(self, tr: TrackTable, ids: IntArray, t: float) -> None:
        """Start the filters of tracks ``ids`` at their first kept plot and run them through
        every kept plot to ``t``: position from that plot, velocity from the tracker's (taken
        back to then under gravity alone) with a loose spread, the prior ``kappa``."""
        b = self.plot_buffer
        sel = np.flatnonzero(np.isin(b["track"], ids))
        if len(sel) == 0:
            self._start_filters(tr, ids, t)
            return
        order = sel[np.lexsort((b["time"][sel], b["track"][sel]))]
        trk, when, rad, z = b["track"][order], b["time"][order], b["radar"][order], b["z"][order]
        head = np.r_[True, trk[1:] != trk[:-1]]
        start = np.flatnonzero(head)
        count = np.diff(np.r_[start, len(trk)])
        first_ids = trk[start]
        r0 = rad[start]
        pos0 = self.radar_pos[r0] + from_polar(z[start, 0], z[start, 1], z[start, 2])
        rows = rows_of(tr.track_id, first_ids)
        vel = tr.state[rows, 3:6].copy()
        vel[:, 2] += G * (t - when[start])  # back in time under gravity
        sigma_p = np.maximum(self.radar_sigma[r0, 0], z[start, 0] * self.radar_sigma[r0, 1])
        cov = np.zeros((len(start), 6, 6))
        cov[:, [0, 1, 2], [0, 1, 2]] = (3.0 * sigma_p[:, None]) ** 2
        # The tracker's velocity spread, widened for the time taken back.
        cov[:, 3:6, 3:6] = tr.cov[rows, 3:6, 3:6] + START_SPEED_SIGMA**2 * np.eye(3)
        s0 = np.hstack([pos0, vel])
        plots = (start, count, when, rad, z)
        kappa = np.full(len(start), self.kappa_prior)
        x, p = self._run_filters(s0, cov, kappa, ballistic_filter.PRIOR_RELATIVE_SIGMA, plots, t)
        # Identified against the threat library, a track's filter is run again from the same
        # plots with its type's drag as prior: early, in dense air, the drag dominates.
        known = self._identify_new(first_ids, x, p)
        if known.any():
            kappa = np.exp(-self.world.library.log_beta[self.book.type_idx[first_ids[known]]])
            sub = (start[known], count[known], when, rad, z)
            x[known], p[known] = self._run_filters(
                s0[known], cov[known], kappa, identify.LOG_BETA_SIGMA, sub, t
            )
        book = self.book
        book.filter_t[first_ids], book.filter_x[first_ids], book.filter_cov[first_ids] = t, x, p
        book.filter_misses[first_ids] = 0
        rest = ids[~np.isin(ids, first_ids)]
        if len(rest):
            self._start_filters(tr, rest, t)
        gone = ~np.isin(b["track"], ids)
        self.plot_buffer = {k: v[gone] for k, v in b.items()}

    def _run_filters(
        self,
        s0: FloatArray,
        cov: FloatArray,
        kappa: FloatArray,
        relative_sigma: float,
        plots: tuple[IntArray, IntArray, FloatArray, IntArray, FloatArray],
        t: float,
    ) -> tuple[FloatArray, FloatArray]:
        """Filters started at ``s0`` (T, 6) with covariance ``cov``, prior ``kappa`` (T,) of
        relative spread ``relative_sigma``, run through their kept plots (first index, count,
        and the buffer's time, radar and measurement columns) and predicted to ``t``."""
        start, count, when, rad, z = plots
        x, p = ballistic_filter.start(s0, cov, kappa, relative_sigma * kappa)
        t_now = when[start].copy()
        for k in range(1, int(count.max())):  # the k-th plot of every track that has one
            go = np.flatnonzero(count > k)
            j = start[go] + k
            xg, pg = ballistic_filter.predict(x[go], p[go], when[j] - t_now[go], self.kappa_prior)
            for r in np.unique(rad[j]):  # a radar or two
                m = rad[j] == r
                noise = noise_covariance(*self.radar_sigma[r])
                xg[m], pg[m], _ = ballistic_filter.update(
                    xg[m], pg[m], z[j][m], self.radar_pos[r], noise
                )
            x[go], p[go], t_now[go] = xg, pg, when[j]
        return ballistic_filter.predict(x, p, t - t_now, self.kappa_prior)

    def _identify_new(self, ids: IntArray, x: FloatArray, p: FloatArray) -> NDArray[np.bool_]:
        """Identify tracks ``ids`` from their filters ``(x, p)`` (7-state, data and the wide
        prior only) against the threat library; returns which were identified."""
        lib, book = self.world.library, self.book
        if len(lib) == 0:
            return np.zeros(len(ids), bool)
        # Only what no drone or cruise missile could be: a slow level track may be one.
        sure = strongly_ballistic(x[:, :6], p[:, :6, :6]) | book.cls_latched[ids]
        book.type_idx[ids] = -1
        if sure.any():
            mean, var, _ = ballistic_filter.log_beta(x[sure], p[sure])
            book.type_idx[ids[sure]] = identify.identify(
                lib, x[sure, :6], p[sure, :6, :6], mean, var
            )
        known = book.type_idx[ids] >= 0
        book.type_conditioned[ids] = known
        return known

    def _start_filters(self, tr: TrackTable, ids: IntArray, t: float) -> None:
        """Start the ballistic filters of tracks ``ids`` from their tracker state at ``t``."""
        book = self.book
        rows = rows_of(tr.track_id, ids)
        sigma = ballistic_filter.PRIOR_RELATIVE_SIGMA * self.kappa_prior
        x, p = ballistic_filter.start(tr.state[rows], tr.cov[rows], self.kappa_prior, sigma)
        x, p = ballistic_filter.predict(x, p, t - tr.time[rows], self.kappa_prior)
        book.filter_t[ids], book.filter_x[ids], book.filter_cov[ids] = t, x, p
        book.filter_misses[ids] = 0
        book.type_conditioned[ids] = False

    def _ballistic_state(
        self,
        ids: IntArray,
        state: FloatArray,
        cov: FloatArray,
        cls: NDArray[np.int8],
        t1: float,
    ) -> tuple[FloatArray, FloatArray, tuple[FloatArray, FloatArray, FloatArray]]:
        """States, covariances and :math:`\\ln\\beta` (mean, variance) to assess: those of
        the ballistic filter, predicted to ``t1``, for ballistic tracks that have one
        (:func:`cupola.assess.ballistic_filter.log_beta`); the tracker's, with the doctrine's
        assumed coefficient and the prior's spread, otherwise."""
        book = self.book
        mean = np.full(len(ids), -np.log(self.kappa_prior))
        var = np.full(len(ids), ballistic_filter.PRIOR_RELATIVE_SIGMA**2)
        cross = np.zeros((len(ids), 6))
        use = (cls != AIR_BREATHING) & np.isfinite(book.filter_t[ids])
        if use.any():
            u = ids[use]
            x, p = ballistic_filter.predict(
                book.filter_x[u], book.filter_cov[u], t1 - book.filter_t[u], self.kappa_prior
            )
            state, cov = state.copy(), cov.copy()
            state[use], cov[use] = x[:, :6], p[:, :6, :6]
            mean[use], var[use], cross[use] = ballistic_filter.log_beta(x, p)
            state, cov, (mean, var, cross) = self._identify(
                ids, use, state, cov, (mean, var, cross)
            )
        return state, cov, (mean, var, cross)

    def _identify(
        self,
        ids: IntArray,
        use: NDArray[np.bool_],
        state: FloatArray,
        cov: FloatArray,
        lb: tuple[FloatArray, FloatArray, FloatArray],
    ) -> tuple[FloatArray, FloatArray, tuple[FloatArray, FloatArray, FloatArray]]:
        """Identify the ballistic tracks ``ids[use]`` whose filter does not carry a type
        against the threat library (every ``IDENTIFY_EVERY`` cycles during their first
        ``IDENTIFY_CYCLES``; then the type is kept), and condition the prediction of those
        identified on their type's drag (:mod:`cupola.assess.identify`). ``state``, ``cov``
        and ``lb`` are the caller's own arrays and are updated in place."""
        lib, book = self.world.library, self.book
        if len(lib) == 0:
            return state, cov, lb
        use = use & ~book.type_conditioned[ids]  # those carry their type in the filter
        # Only tracks known to be ballistic (a slow level track may be a drone).
        use &= (book.cls[ids] == BALLISTIC) | book.cls_latched[ids] | strongly_ballistic(state, cov)
        use &= ~np.isin(book.kind[ids], (DRONE, CRUISE_MISSILE))  # not even in its dive
        n = book.type_cycles[ids]
        book.type_cycles[ids[use]] += 1
        young = use & (n < IDENTIFY_CYCLES) & (n % IDENTIFY_EVERY == 0)
        if young.any():
            book.type_idx[ids[young]] = identify.identify(
                lib, state[young], cov[young], lb[0][young], lb[1][young]
            )
        known = use & (book.type_idx[ids] >= 0)
        if known.any():  # the caller's own arrays, updated in place
            target = lib.log_beta[book.type_idx[ids[known]]]
            mean, var, cross = lb
            state[known], cov[known], (mean[known], var[known], cross[known]) = identify.condition(
                state[known], cov[known], (mean[known], var[known], cross[known]), target
            )
        return state, cov, lb

    def due_launches(self, t: float, tr: TrackTable, units: UnitState) -> tuple[Pending, UnitState]:
        """Take the rounds due at ``t`` out of the queue.

        A round leaves at the start of the first tick at or after its planned time (at most
        one tick late). Rounds at a track that is gone or killed are cancelled and go back on
        their launcher. (A battery holding fire has none waiting: :meth:`hold` returned them.)

        Returns
        -------
        go : Pending
            Rounds to launch now.
        units : UnitState
            Launchers with cancelled rounds returned.
        """
        p = self.pending
        due = p.time <= t + 1e-9
        if not due.any():
            return Pending(), units
        live = np.isin(p.track, tr.track_id)
        cancel = due & (~live | self.book.killed[p.track])
        go = p.take(due & ~cancel)
        units = self._cancel(cancel, units)
        self.pending = self.pending.take(self.pending.time > t + 1e-9)
        return go, units

    def hold(self, battery: str, now: float, on: bool, units: UnitState) -> UnitState:
        """The operator holds fire on ``battery`` (``on``) or releases it
        (:meth:`.console.Console.hold`); a hold puts the battery's rounds waiting to launch
        back on their launchers at once. Returns the launchers after."""
        self.console.hold(battery, now, on)
        if not on:
            return units
        b = self.console.battery_index(battery)
        return self._cancel(self.world.units.battery[self.pending.launcher] == b, units)

    def cancel_all(self, units: UnitState) -> UnitState:
        """Cancel every round still waiting to launch (the run is over) and put it back on
        its launcher."""
        return self._cancel(np.ones(len(self.pending.time), bool), units)

    def _cancel(self, rows: NDArray[np.bool_], units: UnitState) -> UnitState:
        """Take the waiting rounds ``rows`` out of the queue, each back on its launcher and
        no longer counted at its track; returns the launchers after."""
        if not rows.any():
            return units
        p = self.pending
        ready = units.ready.copy()
        np.add.at(ready, p.launcher[rows], 1)
        np.subtract.at(self.book.in_flight, p.track[rows], 1)
        self.pending = p.take(~rows)
        return UnitState(ready, units.next_free, units.reload_done, units.stock)

    def on_bursts(
        self,
        detonated_track: IntArray,
        killed: NDArray[np.bool_],
        burst_time: FloatArray,
        missed_track: IntArray,
    ) -> None:
        """Kill assessment of a flyout step: interceptors that burst or self-destructed.

        Parameters
        ----------
        detonated_track : (D,) int64
            Track of each interceptor whose fuze fired.
        killed : (D,) bool
            Whether the burst destroyed a threat.
        burst_time : (D,) float64
            s.
        missed_track : (S,) int64
            Track of each interceptor that self-destructed.
        """
        np.subtract.at(self.book.in_flight, detonated_track, 1)
        np.subtract.at(self.book.in_flight, missed_track, 1)
        self.book.killed[detonated_track[killed]] = True
        self.book.killed_at[detonated_track[killed]] = burst_time[killed]
