"""The cycle window shared by the fire-control rules: guidance channels."""

from __future__ import annotations

import numpy as np
import yaml

from cupola.fire.base import FireParams, UnitState
from cupola.fire.window import cycle_window
from cupola.scenario import load_text
from cupola.scenario.load import _read_builtin
from cupola.sim.engine import simulate
from cupola.sim.summary import summarize
from cupola.sim.world import compile_world
from factories import make_units

PARAMS = FireParams(shots_per_engagement=2, min_intercept_altitude_m=0.0, decision_period_s=3.0)


def test_guidance_channels_cap_each_batterys_launchers_in_order() -> None:
    units = make_units(np.zeros((4, 3)), [0, 0, 1, 1], [5, 5, 5, 5], [2.0, 2.0], [1.0, 1.0])
    units = type(units)(**{**units.__dict__, "channels": np.array([4, 10])})
    free = UnitState(units.ready.copy(), np.zeros(4), np.full(4, np.nan), units.stock)
    assert cycle_window(PARAMS, units, free, 0.0).capacity.tolist() == [3, 3, 3, 3]
    busy = UnitState(free.ready, free.next_free, free.reload_done, free.stock, np.array([3, 9]))
    # battery 0: one channel left, to its first launcher; battery 1: one left as well
    assert cycle_window(PARAMS, units, busy, 0.0).capacity.tolist() == [1, 0, 1, 0]
    full = UnitState(free.ready, free.next_free, free.reload_done, free.stock, np.array([4, 12]))
    assert cycle_window(PARAMS, units, full, 0.0).capacity.tolist() == [0, 0, 0, 0]


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
