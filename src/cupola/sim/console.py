r"""The operator's console: the gate between fire control and the launchers.

In **automatic** mode (every batch run) the orders of fire control go to the launchers as
they are. In **operator** mode they are proposals: each decision cycle fire control proposes
engagements, and the operator approves or rejects each while its window is open. In either
mode the operator may

- hold fire on a battery: its launchers take no new engagement and its rounds still waiting
  to launch stay on their launchers (interceptors in flight fly on); release it again;
- engage a track by hand, from any battery or from a chosen one, whatever the doctrine says
  of the track (a track the battle manager holds fire on because it falls on open ground,
  or one the operator rejected before).

Approvals and hand engagements are *standing orders*. Each decision cycle fire control serves
them first (``engage`` forced on, only the chosen battery's launchers open), then the
battle manager's own choices among the other tracks. An order stands until it is fired, or
it lapses: its track is gone or destroyed, or no open launcher can meet it any more.

A proposal opens in the first cycle fire control would fire at its track, and stays open,
updated each cycle fire control proposes it again, until its window closes, at

.. math::

    t_{close} = \max_{l\ \text{open}} \left( t^{latest}_l - R_{b(l)} \right),

the latest launch that still meets the threat inside the envelope
(:func:`cupola.fire.envelope.latest_launch`) less the reaction time of the launcher's
battery: an approval given after it cannot be fired. A proposal also ends when its track is
gone or destroyed, or when the battle manager no longer finds it worth engaging.

Every action is logged with the run's events (``proposed``, ``approved``, ``rejected``,
``proposal_expired``, ``engage_ordered``, ``order_lapsed``, ``hold_fire``,
``fire_released``), at the simulated time it was taken, so a session can be replayed and
scored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from cupola.assess.base import Assessment
from cupola.core.table import concat, rows_of, take
from cupola.errors import CupolaError
from cupola.fire.base import FireOrders, UnitState
from cupola.fire.envelope import latest_launch
from cupola.fire.window import no_orders
from cupola.sim.events import EventLog
from cupola.sim.world import World

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: One fire-control step on (launchers, picture, eligible tracks): (launchers, orders).
FireStep = Callable[[UnitState, Assessment, NDArray[np.bool_]], tuple[UnitState, FireOrders]]

#: How an engagement was ordered, by code: the battle manager, the operator's approval of
#: its proposal, a hand engagement.
AUTOMATIC, APPROVED, BY_HAND = 0, 1, 2
ORIGIN = ("", "approved by the operator", "engaged by hand")


class ConsoleError(CupolaError):
    """An operator action that cannot be carried out now (no such proposal, no such battery,
    an approval in automatic mode)."""


@dataclass
class Proposals:
    """Open proposals, P rows (one per track).

    Attributes
    ----------
    track_id, launcher, shots : (P,) int64
        Track, proposed launcher and rounds.
    launch_time, intercept_time : (P,) float64
        Planned first launch and intercept, s, as last proposed.
    aim : (P, 3) float64
        Planned intercept point, ENU, m.
    since, closes : (P,) float64
        When the proposal opened and when its window closes, s.
    """

    track_id: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    launcher: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    shots: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    launch_time: FloatArray = field(default_factory=lambda: np.empty(0))
    intercept_time: FloatArray = field(default_factory=lambda: np.empty(0))
    aim: FloatArray = field(default_factory=lambda: np.empty((0, 3)))
    since: FloatArray = field(default_factory=lambda: np.empty(0))
    closes: FloatArray = field(default_factory=lambda: np.empty(0))


@dataclass
class Orders:
    """Standing orders of the operator, O rows.

    Attributes
    ----------
    track_id : (O,) int64
    battery : (O,) int64
        Battery chosen, -1 for any.
    origin : (O,) int64
        ``APPROVED`` or ``BY_HAND``.
    """

    track_id: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    battery: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    origin: IntArray = field(default_factory=lambda: np.empty(0, np.int64))


class Console:
    """The operator's console of one run (module docstring).

    Parameters
    ----------
    world : World
    log : EventLog
        The run's event log, written to.
    min_altitude_m : float
        Lowest planned intercept altitude (the doctrine's), m.
    auto : bool
        Automatic mode (fire control's orders go out as they are); False: operator mode.
    """

    def __init__(self, world: World, log: EventLog, min_altitude_m: float, auto: bool) -> None:
        self.world = world
        self.log = log
        self.min_altitude_m = min_altitude_m
        self.auto = auto
        #: Batteries holding fire, (B,) bool.
        self.held = np.zeros(len(world.units.battery_names), bool)
        self.proposals = Proposals()
        self.orders = Orders()
        #: Tracks whose proposal the operator rejected (until engaged by hand).
        self.rejected = np.empty(0, np.int64)

    # -- the operator's actions (per-object, at the edge) ------------------------------------
    def battery_index(self, name: str) -> int:
        """Index of the battery called ``name``."""
        names = self.world.units.battery_names
        if name not in names:
            raise ConsoleError(f"no battery {name!r}; the batteries are {', '.join(names)}")
        return names.index(name)

    def approve(
        self, track_id: int, now: float, units: UnitState, live: bool = True
    ) -> FireOrders | None:
        """Approve the open proposal at ``track_id`` (``live``: the track is still confirmed
        and not destroyed).

        Returns its plan (one row) when it can still go out as proposed: its first launch
        is at least the battery's reaction time away, and its launcher has the rounds, is
        neither reloading nor busy then, its battery does not hold fire and has the guidance
        channels (``units.guiding``). Otherwise (None) the approval becomes a standing order
        from any battery, served at the next decision cycle.
        """
        row = self._proposal(track_id, "approve")
        if not live:
            raise ConsoleError(f"track {track_id} is not a live confirmed track")
        p = self.proposals
        self._drop(track_id)
        lau, shots, when = int(p.launcher[row]), int(p.shots[row]), float(p.launch_time[row])
        b = int(self.world.units.battery[lau])
        guiding = 0 if units.guiding is None else int(units.guiding[b])
        as_planned = (
            when >= now + self.world.units.reaction_s[b] - 1e-9
            and units.ready[lau] >= shots
            and not np.isfinite(units.reload_done[lau])
            and units.next_free[lau] <= when + 1e-9
            and not self.held[b]
            and guiding + shots <= self.world.units.channels[b]
        )
        how = "as proposed" if as_planned else "for the next decision cycle"
        self.log.add("approved", now, track_id=track_id, unit_id=lau, detail=how)
        if not as_planned:
            self._order(track_id, -1, APPROVED)
            return None
        return FireOrders(
            track_id=np.array([track_id], np.int64),
            launcher=np.array([lau], np.int64),
            shots=np.array([shots], np.int64),
            first_launch=np.array([when]),
            intercept_point=p.aim[row : row + 1].copy(),
            intercept_time=p.intercept_time[row : row + 1].copy(),
        )

    def reject(self, track_id: int, now: float) -> None:
        """Reject the open proposal at ``track_id``: it is not proposed again."""
        self._proposal(track_id, "reject")
        self._drop(track_id)
        self.rejected = np.union1d(self.rejected, [track_id]).astype(np.int64)
        self.log.add("rejected", now, track_id=track_id, detail="rejected by the operator")

    def engage(self, track_id: int, battery: str | None, live: IntArray, now: float) -> None:
        """Engage track ``track_id`` by hand, from ``battery`` (a name) or any; ``live`` are
        the tracks the battle manager assesses now."""
        if track_id not in live:
            raise ConsoleError(f"track {track_id} is not a live confirmed track")
        b = -1 if battery is None else self.battery_index(battery)
        if b >= 0 and self.held[b]:
            raise ConsoleError(f"{battery} holds fire: release it first")
        self._drop(track_id)
        self.rejected = self.rejected[self.rejected != track_id]
        self._order(track_id, b, BY_HAND)
        where = "any battery" if battery is None else battery
        self.log.add("engage_ordered", now, track_id=track_id, detail=f"by hand, from {where}")

    def hold(self, battery: str, now: float, on: bool) -> None:
        """Hold fire on (``on``) or release ``battery``."""
        b = self.battery_index(battery)
        if self.held[b] == on:
            raise ConsoleError(f"{battery} already {'holds' if on else 'may'} fire")
        self.held[b] = on
        kind = "hold_fire" if on else "fire_released"
        self.log.add(kind, now, unit_id=b, detail=battery)

    def _proposal(self, track_id: int, verb: str) -> int:
        if self.auto:
            raise ConsoleError(
                f"cannot {verb}: the battle manager fires on its own in automatic mode "
                "(start the run in operator mode to approve its proposals)"
            )
        rows = np.flatnonzero(self.proposals.track_id == track_id)
        if len(rows) == 0:
            raise ConsoleError(f"cannot {verb}: no open proposal at track {track_id}")
        return int(rows[0])

    def _drop(self, track_id: int) -> None:
        """Close the proposal at ``track_id``, if one is open."""
        self.proposals = take(self.proposals, self.proposals.track_id != track_id)

    def _order(self, track_id: int, battery: int, origin: int) -> None:
        o = self.orders
        keep = o.track_id != track_id
        self.orders = Orders(
            np.r_[o.track_id[keep], track_id].astype(np.int64),
            np.r_[o.battery[keep], battery].astype(np.int64),
            np.r_[o.origin[keep], origin].astype(np.int64),
        )

    # -- the gate, once per decision cycle -----------------------------------------------------
    def gate(
        self,
        fire: FireStep,
        units: UnitState,
        a: Assessment,
        eligible: NDArray[np.bool_],
        now: float,
    ) -> tuple[UnitState, FireOrders, IntArray]:
        """Serve the standing orders, then the battle manager's choices (module docstring).

        Parameters
        ----------
        fire : FireStep
            The scenario's fire control, bound to its parameters and ``now``.
        units : UnitState
            Launchers before the cycle.
        a : Assessment
            The picture, T tracks.
        eligible : (T,) bool
            Tracks that may be engaged (no round in flight or queued at them).
        now : float
            Time of the cycle, s.

        Returns
        -------
        units : UnitState
            Launchers after the orders that go out.
        orders : FireOrders
            The orders that go out, E rows.
        origin : (E,) int64
            How each was ordered (``AUTOMATIC``, ``APPROVED``, ``BY_HAND``).
        """
        lb = self.world.units.battery
        closed = self.held[lb]
        out: list[FireOrders] = []
        origin: list[IntArray] = []
        o = self.orders
        row = rows_of(a.track_id, o.track_id)
        for b in np.unique(o.battery):  # "any" and each battery chosen: a handful
            sel = np.zeros(len(a.track_id), bool)
            mine = (o.battery == b) & (row >= 0)
            sel[row[mine]] = True
            sel &= eligible
            if not sel.any():
                continue
            shut = closed | (lb != b) if b >= 0 else closed
            after, done = fire(_shut(units, shut), replace(a, engage=a.engage | sel), sel)
            units = self._reopen(after, units, shut, done)
            out.append(done)
            origin.append(o.origin[rows_of(o.track_id, done.track_id)])
        fired = concat(*out).track_id if out else np.empty(0, np.int64)
        self._lapse(a, fired, now)
        standing = np.isin(a.track_id, self.orders.track_id)
        rest = eligible & ~standing & ~np.isin(a.track_id, self.rejected)
        after, own = fire(_shut(units, closed), a, rest)
        if self.auto:
            units = self._reopen(after, units, closed, own)
            out.append(own)
            origin.append(np.full(len(own.track_id), AUTOMATIC, np.int64))
        else:
            self._propose(own, a, rest, now)
        if not out:
            return units, no_orders(), np.empty(0, np.int64)
        return units, concat(*out), np.concatenate(origin)

    def _reopen(
        self, after: UnitState, before: UnitState, shut: NDArray[np.bool_], done: FireOrders
    ) -> UnitState:
        """Fire control's launchers with the rounds of those ``shut`` put back (it gave them
        no order, so nothing else of theirs changed), and each battery's guidance count with
        the rounds just ordered, for the cycle's next call."""
        guiding = before.guiding
        if guiding is not None:
            b = self.world.units.battery[done.launcher]
            ordered = np.bincount(b, weights=done.shots, minlength=len(guiding))
            guiding = guiding + ordered.astype(np.int64)
        return replace(after, ready=np.where(shut, before.ready, after.ready), guiding=guiding)

    def clear(self, now: float) -> None:
        """No track is left in the picture: every proposal ends and every order lapses."""
        gone = "track lost or destroyed"
        if len(self.proposals.track_id):
            self.log.add("proposal_expired", now, track_id=self.proposals.track_id, detail=gone)
            self.proposals = Proposals()
        if len(self.orders.track_id):
            self.log.add("order_lapsed", now, track_id=self.orders.track_id, detail=gone)
            self.orders = Orders()

    def _closes(
        self, a: Assessment, rows: IntArray, battery: IntArray, held_too: bool = False
    ) -> FloatArray:
        """When the window of tracks ``a[rows]`` closes, from ``battery`` (-1: any), s: the
        latest launch less the reaction time, over the launchers not holding fire (and
        those holding it too, with ``held_too``)."""
        u = self.world.units
        if len(rows) == 0:
            return np.empty(0)
        latest = (
            latest_launch(
                self.world.interceptors,
                u.pos,
                u.itype,
                a.path[rows],
                a.path_time,
                a.impact_time[rows],
                self.min_altitude_m,
            )
            - u.reaction_s[u.battery][None, :]
        )
        held = np.zeros_like(self.held) if held_too else self.held
        open_ = ~held[u.battery][None, :] & (
            (battery[:, None] < 0) | (u.battery[None, :] == battery[:, None])
        )
        return np.asarray(np.where(open_, latest, -np.inf).max(axis=1, initial=-np.inf))

    def _lapse(self, a: Assessment, fired: IntArray, now: float) -> None:
        """Drop the orders fired this cycle; lapse those that cannot be fired any more."""
        o = self.orders
        keep = ~np.isin(o.track_id, fired)
        o = take(o, keep)
        row = rows_of(a.track_id, o.track_id)
        gone = row < 0
        closes = np.full(len(row), -np.inf)
        # A hold of fire is the operator's, and lifted at will: it lapses no order.
        closes[~gone] = self._closes(a, row[~gone], o.battery[~gone], held_too=True)
        lapse = gone | (closes < now)
        if lapse.any():
            self.log.add(
                "order_lapsed",
                now,
                track_id=o.track_id[lapse],
                detail=np.where(gone[lapse], "track lost or destroyed", "out of reach"),
            )
        self.orders = take(o, ~lapse)

    def _propose(self, own: FireOrders, a: Assessment, rest: NDArray[np.bool_], now: float) -> None:
        """Open proposals for fire control's choices, update the open ones, close the others."""
        p = self.proposals
        new = ~np.isin(own.track_id, p.track_id)
        newly = own.track_id[new]
        # Open ones fire control proposes again take its new plan, keeping when they opened.
        again = rows_of(own.track_id, p.track_id)
        re = again >= 0
        since = np.r_[p.since[re], np.full(int(new.sum()), now)]
        ordered = np.r_[again[re], np.flatnonzero(new)].astype(np.int64)
        fresh = take(own, ordered)
        # Those it does not propose this cycle stay open, as last proposed, while still open.
        old = take(p, ~re)
        p = Proposals(
            np.r_[fresh.track_id, old.track_id].astype(np.int64),
            np.r_[fresh.launcher, old.launcher].astype(np.int64),
            np.r_[fresh.shots, old.shots].astype(np.int64),
            np.r_[fresh.first_launch, old.launch_time],
            np.r_[fresh.intercept_time, old.intercept_time],
            np.vstack([fresh.intercept_point, old.aim]),
            np.r_[since, old.since],
            np.zeros(len(fresh.track_id) + len(old.track_id)),
        )
        row = rows_of(a.track_id, p.track_id)
        gone = row < 0
        p.closes[~gone] = self._closes(a, row[~gone], np.full(int((~gone).sum()), -1))
        proposed = np.zeros(len(row), bool)
        proposed[~gone] = rest[row[~gone]] & a.engage[row[~gone]]
        why = np.where(
            gone,
            "track lost or destroyed",
            np.where(proposed, "window closed", "no longer proposed"),
        )
        end = gone | ~proposed | (p.closes < now)
        if end.any():
            self.log.add("proposal_expired", now, track_id=p.track_id[end], detail=why[end])
        p = take(p, ~end)
        opened = np.isin(p.track_id, newly)
        if opened.any():
            names = self.world.units.names
            self.log.add(
                "proposed",
                now,
                track_id=p.track_id[opened],
                unit_id=p.launcher[opened],
                detail=[
                    f"{s} shot(s) from {names[lau]}, launch at t={tl:.1f} s, intercept at "
                    f"t={ti:.1f} s; approve by t={tc:.1f} s"
                    for s, lau, tl, ti, tc in zip(
                        p.shots[opened],
                        p.launcher[opened],
                        p.launch_time[opened],
                        p.intercept_time[opened],
                        p.closes[opened],
                        strict=True,
                    )
                ],
            )
        self.proposals = p


def _shut(units: UnitState, shut: NDArray[np.bool_]) -> UnitState:
    """The launchers with those ``shut`` emptied for fire control."""
    return replace(units, ready=np.where(shut, 0, units.ready))
