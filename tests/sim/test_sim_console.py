"""The operator's console: proposals, approvals, rejections, holds of fire and hand
engagements, against the automatic battle manager on the same seed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from cupola.scenario import load
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
    # Each proposal opens once and ends once, after it opened, while the track is open.
    np.testing.assert_array_equal(np.sort(opened["track_id"]), np.sort(ended["track_id"]))
    first = dict(zip(opened["track_id"].tolist(), opened["time"].tolist(), strict=True))
    assert all(t >= first[k] for k, t in zip(ended["track_id"], ended["time"], strict=True))
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
    e.bmc.console.hold("Battery North", e.t, on=True)
    while e.t < 60.0:
        e.step()
    assert len(e.interceptors.pos) == 0
    assert len(e.bmc.pending.time) == 0
    e.bmc.console.hold("Battery North", e.t, on=False)
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
    e.bmc.console.hold("Battery North", e.t, on=True)
    for _ in range(100):
        e.step()
    assert len(e.bmc.pending.time) == 0
    assert len(e.interceptors.pos) == 0
    assert int(e.units.ready.sum()) == rounds + waiting  # back on their launchers


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
