"""The operator's console: proposals, approvals, rejections, holds of fire and hand
engagements, against the automatic battle manager on the same seed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import yaml

from cupola.scenario import load, load_text
from cupola.scenario.load import _read_builtin
from cupola.sim.console import ConsoleError
from cupola.sim.engine import Engine, RunResult
from cupola.sim.summary import summarize
from cupola.sim.world import compile_world

Runner = Callable[[str, int], RunResult]
SEED = 1


@pytest.fixture(scope="module")
def world():
    return compile_world(load("border-town"))


def _events(e: Engine, kind: str) -> dict[str, np.ndarray]:
    ev = e.log.table()
    sel = ev["kind"] == kind
    return {k: v[sel] for k, v in ev.items()}


def _run(e: Engine, act: Callable[[Engine], None] = lambda e: None) -> dict:
    while not e.over:
        e.step()
        act(e)
    return summarize(e.finish())


@pytest.mark.parametrize("name", ["border-town", "drone-night"])
def test_approving_every_proposal_at_once_is_the_automatic_battle_manager(
    name: str, run_builtin: Runner
) -> None:
    auto = run_builtin(name, SEED)
    e = Engine(compile_world(load(name)), SEED, operator=True)

    def approve_all(e: Engine) -> None:
        for track in e.bmc.console.proposals.track_id.tolist():
            e.approve(track)

    got = _run(e, approve_all)
    assert got == summarize(auto)
    mine = _events(e, "engagement")
    theirs = auto.events["kind"] == "engagement"
    np.testing.assert_array_equal(mine["time"], auto.events["time"][theirs])
    np.testing.assert_array_equal(mine["track_id"], auto.events["track_id"][theirs])
    assert all(d.endswith("approved by the operator") for d in mine["detail"])
    assert set(_events(e, "approved")["detail"]) == {"as proposed"}


def test_unanswered_proposals_expire_and_nothing_is_fired(world, run_builtin: Runner) -> None:
    e = Engine(world, SEED, operator=True)
    got = _run(e)
    assert got["interceptors_fired"] == 0
    assert (
        got["hits_on_defended_assets"]
        > summarize(run_builtin("border-town", SEED))["hits_on_defended_assets"]
    )
    opened, ended = _events(e, "proposed"), _events(e, "proposal_expired")
    assert len(opened["time"]) > 0
    # Each track's proposals open and end in turn, the last one ended.
    np.testing.assert_array_equal(np.sort(opened["track_id"]), np.sort(ended["track_id"]))
    ev = e.log.table()
    turns = np.isin(ev["kind"], ("proposed", "proposal_expired"))
    for track in np.unique(opened["track_id"]):
        kinds = ev["kind"][turns & (ev["track_id"] == track)].tolist()
        assert kinds == ["proposed", "proposal_expired"] * (len(kinds) // 2)
    assert set(ended["detail"]) <= {
        "window closed",
        "track lost or destroyed",
        "no longer proposed",
    }
    assert "window closed" in set(ended["detail"])


def test_a_rejected_track_is_not_proposed_again(world) -> None:
    e = Engine(world, SEED, operator=True)
    rejected: list[int] = []

    def reject_all(e: Engine) -> None:
        for track in e.bmc.console.proposals.track_id.tolist():
            e.bmc.console.reject(track, e.t)
            rejected.append(track)

    got = _run(e, reject_all)
    assert rejected
    assert got["interceptors_fired"] == 0
    assert sorted(_events(e, "proposed")["track_id"].tolist()) == sorted(rejected)
    assert len(set(rejected)) == len(rejected)


def test_hold_fire_stops_a_battery_until_released(world) -> None:
    e = Engine(world, SEED)  # automatic: holds of fire work there too
    e.hold("Battery North", on=True)
    while e.t < 60.0:
        e.step()
    assert len(e.interceptors.pos) == 0
    assert len(e.bmc.pending.time) == 0
    e.hold("Battery North", on=False)
    got = _run(e)
    assert got["interceptors_fired"] > 0
    launches = _events(e, "interceptor_launch")["time"]
    assert launches.min() >= 60.0
    assert [k for k in e.log.table()["kind"] if k in ("hold_fire", "fire_released")] == [
        "hold_fire",
        "fire_released",
    ]


def test_hold_fire_cancels_the_rounds_waiting_to_launch(world) -> None:
    e = Engine(world, SEED)
    while len(e.bmc.pending.time) == 0:
        e.step()
    rounds, waiting = int(e.units.ready.sum()), len(e.bmc.pending.time)
    tracks = e.bmc.pending.track.copy()
    e.hold("Battery North", on=True)
    # At once: back on their launchers, and the tracks no longer counted as engaged.
    assert len(e.bmc.pending.time) == 0
    assert int(e.units.ready.sum()) == rounds + waiting
    assert (e.bmc.book.in_flight[tracks] == 0).all()
    for _ in range(100):
        e.step()
    assert len(e.interceptors.pos) == 0


def test_engaged_by_hand_from_its_confirmation(world) -> None:
    e = Engine(world, SEED, operator=True)
    while not e.tracker.tracks.confirmed.any():
        e.step()
    tr = e.tracker.tracks
    live = tr.track_id[tr.confirmed]
    target = int(live[0])
    e.bmc.console.engage(target, "Battery North", live, e.t)
    _run(e)
    orders = _events(e, "engagement")
    mine = orders["detail"][orders["track_id"] == target]
    assert len(mine)
    assert mine[0].endswith("engaged by hand")
    assert _events(e, "engage_ordered")["track_id"].tolist() == [target]


def test_an_order_out_of_reach_lapses(world) -> None:
    """A rocket falling on open ground, low, seen late: no launcher can meet it above the
    lowest intercept altitude any more, and the hand order lapses."""
    e = Engine(world, SEED)
    book = e.bmc.book
    target = -1
    while target < 0 and not e.over:
        e.step()
        tr = e.tracker.tracks
        live = tr.track_id[tr.confirmed]
        held = live[(book.decision[live] == 0) & ~book.killed[live]]  # the doctrine holds fire
        if len(held):
            target = int(held[0])
            e.bmc.console.engage(target, None, live, e.t)
    _run(e)
    lapsed = _events(e, "order_lapsed")
    assert lapsed["track_id"].tolist() == [target]
    assert lapsed["detail"].tolist() == ["out of reach"]
    assert target not in _events(e, "engagement")["track_id"]


def test_actions_that_cannot_be_carried_out_say_why(world) -> None:
    auto = Engine(world, SEED)
    with pytest.raises(ConsoleError, match="automatic mode"):
        auto.bmc.console.approve(3, 0.0, auto.units)
    e = Engine(world, SEED, operator=True)
    c = e.bmc.console
    with pytest.raises(ConsoleError, match="no open proposal at track 99"):
        c.reject(99, 0.0)
    with pytest.raises(ConsoleError, match="no battery 'South'; the batteries are Battery North"):
        c.hold("South", 0.0, on=True)
    with pytest.raises(ConsoleError, match="not a live confirmed track"):
        c.engage(5, None, np.array([1, 2]), 0.0)
    c.hold("Battery North", 0.0, on=True)
    with pytest.raises(ConsoleError, match="already holds fire"):
        c.hold("Battery North", 0.0, on=True)
    with pytest.raises(ConsoleError, match="holds fire: release it first"):
        c.engage(1, "Battery North", np.array([1, 2]), 0.0)


def test_an_approval_after_the_reaction_time_waits_for_the_next_cycle(world) -> None:
    """A plan whose launch is less than the battery's reaction time away cannot go out as
    proposed: the approval becomes a standing order, and fire control plans it afresh."""
    e = Engine(world, SEED, operator=True)
    reaction = world.units.reaction_s[0]
    while not e.bmc.console.proposals.track_id.size:
        e.step()
    track = int(e.bmc.console.proposals.track_id[0])

    def launch() -> float:  # as last proposed (fire control plans it afresh each cycle)
        p = e.bmc.console.proposals
        return float(p.launch_time[p.track_id == track][0])

    while e.t + reaction < launch() + 0.05:
        e.step()
    assert track in e.bmc.console.proposals.track_id, "the proposal closed first"
    e.approve(track)
    assert _events(e, "approved")["detail"].tolist() == ["for the next decision cycle"]
    assert track in e.bmc.console.orders.track_id
    assert len(e.bmc.pending.time) == 0
    _run(e)
    fired = _events(e, "interceptor_launch")
    orders = _events(e, "engagement")
    first = orders["time"][orders["track_id"] == track][0]
    assert first > e.bmc.console.world.units.reaction_s[0]  # ordered at a later cycle
    # Every launch comes at least a reaction time after its order.
    for t_order, trk in zip(orders["time"], orders["track_id"], strict=True):
        launched = fired["time"][fired["track_id"] == trk]
        assert (launched[launched >= t_order] >= t_order + reaction - 1e-9).all()
    assert e.bmc.console.orders.track_id.size == 0  # nothing stands once the raid is over
    assert e.bmc.console.proposals.track_id.size == 0


def test_a_hold_does_not_lapse_the_hand_orders_of_its_battery(world) -> None:
    e = Engine(world, SEED, operator=True)
    while not e.tracker.tracks.confirmed.any():
        e.step()
    tr = e.tracker.tracks
    target = int(tr.track_id[tr.confirmed][0])
    e.bmc.console.engage(target, "Battery North", tr.track_id[tr.confirmed], e.t)
    e.hold("Battery North", on=True)
    for _ in range(10):  # a decision cycle or two while held
        e.step()
    assert target in e.bmc.console.orders.track_id
    assert _events(e, "order_lapsed")["track_id"].size == 0
    e.hold("Battery North", on=False)
    _run(e)
    orders = _events(e, "engagement")
    assert orders["detail"][orders["track_id"] == target][0].endswith("engaged by hand")


def test_orders_keep_the_guidance_channel_limit() -> None:
    """Two channels: the battery never guides more than two interceptors at once, even with a
    hand order served before fire control's own choices every cycle."""
    data = yaml.safe_load(_read_builtin("border-town"))
    data["batteries"][0]["guidance_channels"] = 2
    e = Engine(compile_world(load_text(yaml.safe_dump(data), "channels")), SEED)
    most = 0
    while not e.over:
        e.step()
        tr = e.tracker.tracks
        live = tr.track_id[tr.confirmed & ~e.bmc.book.killed[tr.track_id]]
        free = live[e.bmc.book.in_flight[live] == 0]
        if len(free) and e.tick % 10 == 0:
            e.bmc.console.engage(int(free[-1]), None, live, e.t)
        guided = int(e.interceptors.alive.sum()) + len(e.bmc.pending.time)
        most = max(most, guided)
    assert _events(e, "engage_ordered")["track_id"].size > 0
    assert 0 < most <= 2


def test_approving_a_track_that_is_gone_is_refused(world) -> None:
    e = Engine(world, SEED, operator=True)
    with pytest.raises(ConsoleError, match="no open proposal at track 9999"):
        e.approve(9999)
    while not e.bmc.console.proposals.track_id.size:
        e.step()
    track = int(e.bmc.console.proposals.track_id[0])
    e.bmc.book.killed[track] = True  # destroyed, as a burst would have it, before the cycle
    with pytest.raises(ConsoleError, match=f"track {track} is not a live confirmed track"):
        e.approve(track)
    assert track in e.bmc.console.proposals.track_id  # nothing taken
