"""The cycle window shared by the fire-control rules: guidance channels."""

from __future__ import annotations

import numpy as np
import yaml

from cupola.fire.base import FireParams, UnitState
from cupola.fire.window import cycle_window, due_intercepts
from cupola.scenario import load_text
from cupola.scenario.load import _read_builtin
from cupola.sim.engine import simulate
from cupola.sim.summary import summarize
from cupola.sim.world import compile_world
from factories import interceptor_types, make_assessment, make_units

TYPES = interceptor_types()
PARAMS = FireParams(shots_per_engagement=2, min_intercept_altitude_m=0.0, decision_period_s=3.0)


def test_guidance_channels_go_to_launchers_with_an_intercept_due() -> None:
    """Battery 0's first launcher is out of reach of every threat: the one channel its
    battery has left goes to its second launcher; battery 1's to its first."""
    pos = np.array([[100e3, 0, 0], [0.0, 0, 0], [1000.0, 0, 0], [2000.0, 0, 0]])
    units = make_units(pos, [0, 0, 1, 1], [5, 5, 5, 5], [2.0, 2.0], [1.0, 1.0])
    units = type(units)(**{**units.__dict__, "channels": np.array([4, 10])})
    start = np.c_[np.linspace(-2000, 2000, 4), np.full(4, 4000.0), np.full(4, 8000.0)]
    a = make_assessment(
        start, np.tile([0.0, -60.0, -200.0], (4, 1)), [100.0] * 4, 0.0, [0, 1, 2, 3]
    )
    cand = np.arange(4)

    def capacity(guiding: list[int] | None) -> list[int]:
        g = None if guiding is None else np.array(guiding)
        st = UnitState(units.ready.copy(), np.zeros(4), np.full(4, np.nan), units.stock, g)
        win = cycle_window(PARAMS, units, st, 0.0)
        win, due = due_intercepts(PARAMS, units, TYPES, st, win, a, cand)
        assert (due.feasible.any(axis=0) <= (win.capacity > 0)).all()
        return win.capacity.tolist()

    assert capacity(None) == [3, 3, 3, 3]
    assert capacity([3, 9]) == [0, 1, 1, 0]
    assert capacity([4, 12]) == [0, 0, 0, 0]


def test_one_guidance_channel_fires_one_at_a_time() -> None:
    data = yaml.safe_load(_read_builtin("border-town"))
    many = summarize(simulate(compile_world(load_text(yaml.safe_dump(data), "test")), 1))
    data["batteries"][0]["guidance_channels"] = 1
    r = simulate(compile_world(load_text(yaml.safe_dump(data), "test")), 1)
    one = summarize(r)
    assert 0 < one["interceptors_fired"] < many["interceptors_fired"]
    ev = r.events
    launches = np.sort(ev["time"][ev["kind"] == "interceptor_launch"])
    ends = np.sort(ev["time"][np.isin(ev["kind"], ["intercept", "miss"])])
    # never two rounds in the air from the one battery: the k-th launch (from 0) comes after
    # the k interceptors before it have burst or missed
    assert all((ends <= t + 1e-9).sum() >= k for k, t in enumerate(launches))
    assert len(ends) == len(launches)


def test_fewer_channels_than_the_salvo_still_fire() -> None:
    data = yaml.safe_load(_read_builtin("border-town"))
    data["batteries"][0]["guidance_channels"] = 1
    data["doctrine"]["shots_per_engagement"] = 2
    for rule in ("greedy", "wta"):
        data["fire_control"] = {"name": rule}
        s = summarize(simulate(compile_world(load_text(yaml.safe_dump(data), "test")), 1))
        assert s["interceptors_fired"] > 5, rule
