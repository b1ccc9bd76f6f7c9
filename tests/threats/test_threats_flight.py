"""flight.step on the whole table: launches, landings, frozen rows, purity, batch = loop."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import cupola.threats as threats
from cupola.core.table import n_rows, take
from cupola.threats import (
    AIR_BREATHING,
    BALLISTIC,
    FLYING,
    KILLED,
    LANDED,
    WAITING,
    FlightOutputs,
    ThreatTable,
    fly_to_ground,
    make_table,
    rk4_step,
    step,
)
from cupola.threats.ballistic import G


def _ballistic(n: int, rng: np.random.Generator) -> ThreatTable:
    speed = rng.uniform(200.0, 900.0, n)
    th = np.radians(rng.uniform(20.0, 70.0, n))
    az = rng.uniform(0.0, 2 * np.pi, n)
    vel = np.stack(
        [speed * np.cos(th) * np.sin(az), speed * np.cos(th) * np.cos(az), speed * np.sin(th)],
        axis=1,
    )
    pos = np.zeros((n, 3))
    pos[:, :2] = rng.uniform(-1e4, 1e4, (n, 2))
    return make_table(
        pos=pos,
        vel=vel,
        launch_time=rng.uniform(0.0, 3.0, n),
        kind=BALLISTIC,
        beta=rng.uniform(500.0, 5_000.0, n),
    )


def _mixed(rng: np.random.Generator) -> ThreatTable:
    n = 10
    kind = np.array([0, 0, 0, 0, 1, 1, 1, 0, 1, 0], dtype=np.int8)
    pos = rng.uniform([-3e3, -3e3, 0.0], [3e3, 3e3, 500.0], (n, 3))
    vel = rng.uniform([-200, -200, 50], [200, 200, 300], (n, 3))
    wps = rng.uniform([-3e3, -3e3, 300.0], [3e3, 3e3, 900.0], (n, 3, 3))
    wps[:, -1, 2] = 0.0
    table = make_table(
        pos=pos,
        vel=vel,
        launch_time=rng.uniform(0.0, 2.0, n),
        kind=kind,
        beta=rng.uniform(300.0, 3_000.0, n),
        speed=rng.uniform(40.0, 250.0, n),
        dive_angle=rng.uniform(0.3, 1.2, n),
        waypoints=wps,
    )
    fate = table.fate.copy()
    fate[7] = KILLED
    fate[8] = LANDED
    return dataclasses.replace(table, fate=fate)


def _run(
    table: ThreatTable, t0: float, dt: float, n: int
) -> list[tuple[ThreatTable, FlightOutputs]]:
    out = []
    t = t0
    for _ in range(n):
        table, o = step(table, t, dt)
        out.append((table, o))
        t += dt
    return out


def test_launch_inside_step_flies_the_rest() -> None:
    rng = np.random.default_rng(0)
    table = _ballistic(5, rng)
    table = dataclasses.replace(table, launch_time=np.array([0.3, 1.0, 1.0001, -5.0, 0.0]))
    new, out = step(table, 0.0, 1.0)
    np.testing.assert_array_equal(out.launched, [0, 3, 4])
    np.testing.assert_array_equal(new.fate, [FLYING, WAITING, WAITING, FLYING, FLYING])
    h = np.array([0.7, 1.0, 1.0])  # a launch time already past starts at t
    rows = [0, 3, 4]
    p, v = rk4_step(table.pos[rows], table.vel[rows], table.beta[rows], h)
    np.testing.assert_allclose(new.pos[rows], p, rtol=1e-14)
    np.testing.assert_allclose(new.vel[rows], v, rtol=1e-14)
    np.testing.assert_array_equal(new.pos[[1, 2]], table.pos[[1, 2]])


def test_landing_matches_fly_to_ground_and_closed_form() -> None:
    rng = np.random.default_rng(1)
    table = _ballistic(6, rng)
    beta = table.beta.copy()
    beta[:3] = np.inf
    table = dataclasses.replace(table, beta=beta, launch_time=np.zeros(6))
    impact, tof, _ = fly_to_ground(table.pos, table.vel, table.beta, dt=0.1)
    landed_at = np.full(6, np.nan)
    landed_pos = np.full((6, 3), np.nan)
    t, state = 0.0, table
    for _ in range(int(tof.max() / 0.1) + 2):
        state, out = step(state, t, 0.1)
        t += 0.1
        landed_at[out.landed] = out.impact_time
        landed_pos[out.landed] = out.impact_pos
    assert np.all(state.fate == LANDED)
    np.testing.assert_allclose(landed_at, tof, rtol=1e-9)
    np.testing.assert_allclose(landed_pos, impact, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(state.impact_time, tof, rtol=1e-9)
    np.testing.assert_array_equal(state.pos[:, 2], 0.0)
    # Drag-free rows: on the parabola, at the closed-form time.
    v = table.vel[:3]
    t_hit = 2 * v[:, 2] / G
    np.testing.assert_allclose(landed_at[:3], t_hit, rtol=1e-9)
    np.testing.assert_allclose(
        landed_pos[:3, :2], table.pos[:3, :2] + v[:, :2] * t_hit[:, None], rtol=1e-9
    )


def test_air_breathing_lands_on_target_at_interpolated_time() -> None:
    start = np.array([[0.0, 0.0, 1_000.0]])
    target = np.array([3_000.0, 4_000.0, 0.0])
    wps = np.stack([np.array([3_000.0, 0.0, 1_000.0]), target])[None]
    table = make_table(
        pos=start,
        launch_time=2.5,
        kind=AIR_BREATHING,
        speed=50.0,
        dive_angle=math.radians(45.0),
        waypoints=wps,
    )
    np.testing.assert_allclose(table.vel[0], [50.0, 0.0, 0.0])
    np.testing.assert_array_equal(table.aim[0], target)
    # start -> wp0 (3 km) -> dive point 1 km short of the target, level -> target.
    length = 3_000.0 + 3_000.0 + 1_000.0 * math.sqrt(2.0)
    state, t, hits = table, 0.0, []
    while state.fate[0] != LANDED:
        state, out = step(state, t, 2.0)
        t += 2.0
        hits.append(out)
    last = hits[-1]
    np.testing.assert_array_equal(last.landed, [0])
    np.testing.assert_array_equal(last.impact_pos[0], target)
    np.testing.assert_allclose(last.impact_time[0], 2.5 + length / 50.0, rtol=1e-12)
    vel = state.vel[0]
    np.testing.assert_allclose(math.atan2(-vel[2], math.hypot(*vel[:2])), math.pi / 4, atol=1e-9)


def test_frozen_rows_and_purity() -> None:
    rng = np.random.default_rng(2)
    table = _mixed(rng)
    before = {f.name: getattr(table, f.name).copy() for f in dataclasses.fields(table)}
    new = table
    for k in range(30):
        new, _ = step(new, 0.5 * k, 0.5)
    for name, arr in before.items():
        np.testing.assert_array_equal(getattr(table, name), arr)
    for r, fate in ((7, KILLED), (8, LANDED)):
        assert new.fate[r] == fate
        np.testing.assert_array_equal(new.pos[r], table.pos[r])
        np.testing.assert_array_equal(new.vel[r], table.vel[r])
    moved = np.any(new.pos != table.pos, axis=1)
    assert moved[[0, 1, 2, 3, 4, 5, 6, 9]].all()


def test_batch_equals_loop() -> None:
    rng = np.random.default_rng(3)
    table = _mixed(rng)
    batched = _run(table, 0.0, 1.5, 60)
    for r in range(n_rows(table)):
        single = _run(take(table, np.array([r])), 0.0, 1.5, 60)
        for (bt, bo), (st, so) in zip(batched, single, strict=True):
            for f in dataclasses.fields(bt):
                np.testing.assert_allclose(
                    getattr(st, f.name), getattr(bt, f.name)[r : r + 1], rtol=1e-12, atol=1e-9
                )
            assert (r in bo.landed) == (so.landed.size == 1)
            assert (r in bo.launched) == (so.launched.size == 1)
            if so.landed.size:
                k = int(np.flatnonzero(bo.landed == r)[0])
                np.testing.assert_allclose(so.impact_pos[0], bo.impact_pos[k], rtol=1e-12)
                np.testing.assert_allclose(so.impact_time[0], bo.impact_time[k], rtol=1e-12)
    # Every flying row of both kinds came down during the run.
    landed = np.sort(np.concatenate([o.landed for _, o in batched]))
    np.testing.assert_array_equal(landed, [0, 1, 2, 3, 4, 5, 6, 9])


def test_empty_table() -> None:
    table = make_table(pos=np.zeros((0, 3)), vel=np.zeros((0, 3)), launch_time=[], kind=[])
    new, out = step(table, 0.0, 1.0)
    assert n_rows(new) == 0
    assert out.landed.shape == (0,)
    assert out.impact_pos.shape == (0, 3)


def test_make_table_fills_and_validates() -> None:
    table = make_table(
        pos=[[0.0, 0.0, 0.0]], vel=[[300.0, 0.0, 300.0]], launch_time=1.0, kind=BALLISTIC
    )
    v = 300.0 * math.sqrt(2.0)
    assert table.fate[0] == WAITING
    assert math.isinf(table.beta[0])
    assert table.speed[0] == pytest.approx(v)
    assert math.isnan(table.dive_angle[0])
    np.testing.assert_allclose(table.aim[0], [v**2 / G, 0.0, 0.0], rtol=1e-9)
    np.testing.assert_array_equal(table.waypoints[0, -1], table.aim[0])
    assert table.wp_index[0] == 0
    assert np.isnan(table.impact_time[0])
    with pytest.raises(ValueError, match="air-breathing"):
        make_table(pos=[[0.0, 0.0, 0.0]], launch_time=0.0, kind=AIR_BREATHING)
    with pytest.raises(ValueError, match="vel"):
        make_table(pos=[[0.0, 0.0, 0.0]], launch_time=0.0, kind=BALLISTIC)
    with pytest.raises(ValueError, match="beta"):
        make_table(
            pos=np.zeros((2, 3)), vel=np.ones((2, 3)), launch_time=0.0, kind=0, beta=[1, 2, 3]
        )


def test_exports() -> None:
    for name in threats.__all__:
        assert hasattr(threats, name)
    assert {"step", "make_table", "solve_launch", "fly_to_ground"} <= set(threats.__all__)
