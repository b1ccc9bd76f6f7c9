"""Engage interface: exports, launch, empty and degenerate inputs, no mutation of inputs."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

import cupola.engage as engage
from cupola.engage import InterceptorTypes, empty_interceptors, launch, step
from factories import interceptor_types


def make_types() -> InterceptorTypes:
    fast = {
        "launch_speed_mps": 100.0,
        "burnout_speed_mps": 1000.0,
        "min_speed_mps": 300.0,
        "max_flight_time_s": 40.0,
        "seeker_range_m": 4000.0,
    }
    slow = {
        "boost_time_s": 2.0,
        "launch_speed_mps": 50.0,
        "burnout_speed_mps": 700.0,
        "coast_deceleration_mps2": 10.0,
        "min_speed_mps": 250.0,
        "max_flight_time_s": 30.0,
        "min_range_m": 300.0,
        "max_range_m": 8000.0,
        "ceiling_m": 6000.0,
        "lethal_radius_m": 8.0,
        "sskp": 0.8,
        "cost_usd": 3e4,
        "max_lateral_accel_mps2": 250.0,
        "navigation_constant": 3.0,
        "seeker_range_m": 2000.0,
    }
    return interceptor_types(fast, slow)


def test_exports() -> None:
    assert set(engage.__all__) == {
        "FlyoutOutputs", "InterceptorTable", "InterceptorTypes", "distance",
        "empty_interceptors", "launch", "speed", "step", "time_to_distance", "tpn_accel", "turn",
    }  # fmt: skip
    for name in engage.__all__:
        assert getattr(engage, name) is not None


def test_launch_appends_rows_pointed_at_the_aim_point() -> None:
    ty = make_types()
    s1 = launch(ty, empty_interceptors(), np.array([[0.0, 0, 0]]), np.array([1]), np.array([4]),
                np.array([9]), np.array([[300.0, 400.0, 0.0]]), 2.0)  # fmt: skip
    s2 = launch(ty, s1, np.array([[1.0, 1, 0], [5, 5, 5]]), np.array([0, 0]), np.array([2, 3]),
                np.array([7, 8]), np.array([[1.0, 1, 100], [5, 5, 5]]), 3.5)  # fmt: skip
    assert len(s1.alive) == 1
    assert len(s2.alive) == 3
    np.testing.assert_allclose(s2.vel, [[30.0, 40.0, 0], [0, 0, 100.0], [0, 0, 100.0]])
    np.testing.assert_array_equal(s2.pos, [[0.0, 0, 0], [1, 1, 0], [5, 5, 5]])
    np.testing.assert_array_equal(s2.type_idx, [1, 0, 0])
    np.testing.assert_array_equal(s2.launcher_id, [4, 2, 3])
    np.testing.assert_array_equal(s2.target_track, [9, 7, 8])
    np.testing.assert_array_equal(s2.launch_time, [2.0, 3.5, 3.5])
    np.testing.assert_array_equal(s2.locked_threat, [-1, -1, -1])
    assert s2.alive.all()
    assert s2.type_idx.dtype == np.int64
    assert s2.alive.dtype == np.bool_
    assert len(s1.pos) == 1  # s1 untouched


def _scene() -> tuple[engage.InterceptorTable, np.ndarray, np.ndarray]:
    ty = make_types()
    rng = np.random.default_rng(5)
    s = launch(ty, empty_interceptors(), rng.uniform(-1e3, 1e3, (6, 3)) * [1, 1, 0],
               rng.integers(0, 2, 6), np.arange(6), np.arange(6),
               rng.uniform(3e3, 6e3, (6, 3)), 0.0)  # fmt: skip
    alive = s.alive.copy()
    alive[2] = False
    s = engage.InterceptorTable(
        **{f.name: getattr(s, f.name) for f in fields(s) if f.name != "alive"}, alive=alive
    )
    q0 = rng.uniform(3e3, 6e3, (5, 3))
    return s, q0, q0 + rng.normal(0, 50, (5, 3))


def test_step_does_not_mutate_inputs_and_is_seeded() -> None:
    ty = make_types()
    s, q0, q1 = _scene()
    gp, gv = q0[[0, 1, 2, 3, 4, 0]].copy(), np.zeros((6, 3))
    gp[2] = np.nan  # dead row: ignored
    flying = np.array([True, True, False, True, True])
    q0[2] = q1[2] = np.nan  # non-flying rows may hold anything
    args = (gp, gv, q0, q1, flying)
    before = [a.copy() for a in args]
    s_before = {f.name: getattr(s, f.name).copy() for f in fields(s)}
    out_a = step(ty, s, *args, 1.0, 0.5, np.random.default_rng(1))
    out_b = step(ty, s, *args, 1.0, 0.5, np.random.default_rng(1))
    for a, b in zip(args, before, strict=True):
        np.testing.assert_array_equal(a, b)
    for f in fields(s):
        np.testing.assert_array_equal(getattr(s, f.name), s_before[f.name])
    for x, y in zip(out_a, out_b, strict=True):
        for f in fields(x):
            np.testing.assert_array_equal(getattr(x, f.name), getattr(y, f.name))
    new = out_a[0]
    np.testing.assert_array_equal(new.pos[2], s.pos[2])  # dead row untouched
    assert not new.alive[2]
    assert np.isfinite(new.pos).all()


@pytest.mark.parametrize("case", ["no_interceptors", "no_threats", "none_flying", "all_dead"])
def test_empty_and_degenerate_inputs(case: str) -> None:
    ty = make_types()
    s, q0, q1 = _scene()
    flying = np.ones(5, bool)
    if case == "no_interceptors":
        s = empty_interceptors()
    elif case == "no_threats":
        q0, q1, flying = np.empty((0, 3)), np.empty((0, 3)), np.empty(0, bool)
    elif case == "none_flying":
        flying[:] = False
    else:
        s = engage.InterceptorTable(
            **{f.name: getattr(s, f.name) for f in fields(s) if f.name != "alive"},
            alive=np.zeros(len(s.alive), bool),
        )
    m = len(s.alive)
    gp = np.full((m, 3), 4e3)
    new, out = step(ty, s, gp, np.zeros((m, 3)), q0, q1, flying, 0.0, 0.1,
                    np.random.default_rng(0))  # fmt: skip
    assert len(new.alive) == m
    assert out.detonated.size == 0
    assert out.det_pos.shape == (0, 3)
    assert out.detonated.dtype == np.int64
    assert out.missed.dtype == np.int64
    assert out.killed.dtype == np.bool_
    if case == "all_dead":
        np.testing.assert_array_equal(new.pos, s.pos)
