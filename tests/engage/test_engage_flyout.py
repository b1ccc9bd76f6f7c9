"""Interceptor flyout: PN intercepts, seeker, fuze geometry, kill draws, self-destruct, batching."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.stats import binom

from cupola.engage import (
    FlyoutOutputs,
    InterceptorTable,
    InterceptorTypes,
    distance,
    empty_interceptors,
    launch,
    speed,
    step,
)
from factories import interceptor_types

F = NDArray[np.float64]
G = np.array([0.0, 0.0, -9.81])


def make_types(**kw: float) -> InterceptorTypes:
    return interceptor_types(
        {
            "launch_speed_mps": 100.0,
            "burnout_speed_mps": 1000.0,
            "min_speed_mps": 300.0,
            "max_flight_time_s": 40.0,
            "sskp": 1.0,
            "seeker_range_m": 4000.0,
            **kw,
        }
    )


@dataclass
class Target:
    """A threat with a closed-form trajectory p(t) = p0 + v0 t + a t²/2."""

    p0: F
    v0: F
    a: F

    def pos(self, t: float) -> F:
        return self.p0 + self.v0 * t + 0.5 * self.a * t * t

    def vel(self, t: float) -> F:
        return self.v0 + self.a * t


def cv(p0: tuple[float, ...], v0: tuple[float, ...]) -> Target:
    return Target(np.array(p0, float), np.array(v0, float), np.zeros(3))


def planned_intercept(ty: InterceptorTypes, launcher: F, tgt: Target) -> F:
    """Planned intercept point by bisection on the flight time (the fire-control way)."""
    lo, hi = 0.0, float(ty.max_flight_time_s[0])
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if distance(ty, 0, mid) < np.linalg.norm(tgt.pos(mid) - launcher):
            lo = mid
        else:
            hi = mid
    return tgt.pos(lo)


def fly(
    ty: InterceptorTypes,
    targets: list[Target],
    launchers: F,
    aims: F,
    aim_target: NDArray[np.int64],
    *,
    dt: float = 0.1,
    substeps: int = 4,
    rng: np.random.Generator | None = None,
    guide: Callable[[float, int], tuple[F, F]] | None = None,
    t_end: float = 45.0,
) -> tuple[list[FlyoutOutputs], list[InterceptorTable]]:
    """Launch one interceptor per launcher at t = 0 and step until all have ended."""
    rng = rng if rng is not None else np.random.default_rng(0)
    m = len(launchers)
    state = launch(
        ty,
        empty_interceptors(),
        launchers,
        np.zeros(m, np.int64),
        np.arange(m),
        aim_target,
        aims,
        0.0,
    )
    outs, states = [], [state]
    flying = np.ones(len(targets), bool)
    t = 0.0
    for i in range(int(t_end / dt)):
        t = i * dt
        if guide is None:
            gp = np.array([targets[j].pos(t) for j in aim_target])
            gv = np.array([targets[j].vel(t) for j in aim_target])
        else:
            gp, gv = guide(t, i)
        q0 = np.array([tg.pos(t) for tg in targets])
        q1 = np.array([tg.pos(t + dt) for tg in targets])
        state, out = step(ty, state, gp, gv, q0, q1, flying, t, dt, rng, substeps)
        flying[out.threat[out.killed]] = False
        outs.append(out)
        states.append(state)
        if not state.alive.any():
            break
    return outs, states


def merged(outs: list[FlyoutOutputs]) -> FlyoutOutputs:
    return FlyoutOutputs(
        **{f.name: np.concatenate([getattr(o, f.name) for o in outs]) for f in fields(outs[0])}
    )


def fly_one(ty: InterceptorTypes, tgt: Target, **kw: Any) -> FlyoutOutputs:
    launcher = np.zeros((1, 3))
    aim = planned_intercept(ty, launcher[0], tgt)[None]
    outs, _ = fly(ty, [tgt], launcher, aim, np.array([0]), **kw)
    return merged(outs)


def assert_fuze_geometry(out: FlyoutOutputs, targets: list[Target]) -> None:
    """The reported miss distance is the distance from the burst point to the threat then."""
    for k in range(out.detonated.size):
        tgt = targets[out.threat[k]]
        d = np.linalg.norm(out.det_pos[k] - tgt.pos(out.det_time[k]))
        # The threat moves on its chord inside a step: exact for constant velocity.
        assert d == pytest.approx(out.miss_distance_m[k], abs=0.05)


CROSSING = [
    ((8000, 0, 3000), (-500, 0, -100)),  # head-on, descending
    ((6000, -4000, 2000), (0, 400, 0)),  # crossing
    ((10000, 2000, 5000), (-300, -300, -300)),  # oblique dive
    ((3000, 3000, 500), (-30, -30, 0)),  # slow low drone
    ((5000, 5000, 1000), (200, -150, 0)),  # receding crossing cruise missile
]


@pytest.mark.parametrize(("p0", "v0"), CROSSING)
def test_pn_hits_constant_velocity_target(p0: tuple[float, ...], v0: tuple[float, ...]) -> None:
    ty = make_types()
    tgt = cv(p0, v0)
    out = fly_one(ty, tgt)
    assert out.detonated.tolist() == [0]
    assert out.missed.size == 0
    assert out.miss_distance_m[0] <= 10.0
    assert out.killed.tolist() == [True]
    assert_fuze_geometry(out, [tgt])


@pytest.mark.parametrize(("p0", "v0"), CROSSING[:3])
def test_pn_corrects_a_launch_at_the_current_position(
    p0: tuple[float, ...], v0: tuple[float, ...]
) -> None:
    # Launched at where the threat is now, not at the planned intercept point: PN must turn.
    ty = make_types()
    tgt = cv(p0, v0)
    outs, _ = fly(ty, [tgt], np.zeros((1, 3)), np.array([p0], float), np.array([0]))
    out = merged(outs)
    assert out.detonated.tolist() == [0]
    assert out.miss_distance_m[0] <= 10.0


def test_out_of_reach_target_is_a_miss() -> None:
    # Receding at 900 m/s from 30 km: the interceptor never closes within its flight time.
    ty = make_types(max_flight_time_s=20.0)
    tgt = cv((30000, 0, 5000), (900, 0, 0))
    outs, _ = fly(ty, [tgt], np.zeros((1, 3)), np.array([[30000.0, 0, 5000]]), np.array([0]))
    out = merged(outs)
    assert out.detonated.size == 0
    assert out.missed.tolist() == [0]
    assert out.miss_time[0] == pytest.approx(20.0)


def test_pn_hits_ballistic_rocket_descending() -> None:
    # A rocket coming down at 500 m/s, 40° below the horizon, from 9 km out and 5 km up.
    ty = make_types()
    ang = np.radians(40.0)
    tgt = Target(
        np.array([9000.0, 1500.0, 5000.0]),
        np.array([-500 * np.cos(ang), 0.0, -500 * np.sin(ang)]),
        G,
    )
    out = fly_one(ty, tgt)
    assert out.detonated.tolist() == [0]
    assert out.miss_distance_m[0] <= 10.0
    assert out.det_pos[0, 2] > 0.0


def test_noisy_guide_is_converted_into_a_hit_by_the_seeker() -> None:
    ty = make_types(seeker_range_m=3000.0)
    tgt = cv((8000, 1000, 3000), (-500, 0, -100))
    noise = np.random.default_rng(42)

    def guide(t: float, i: int) -> tuple[F, F]:
        return (
            (tgt.pos(t) + noise.normal(0.0, 50.0, 3))[None],
            (tgt.vel(t) + noise.normal(0.0, 20.0, 3))[None],
        )

    launcher = np.zeros((1, 3))
    aim = planned_intercept(ty, launcher[0], tgt)[None] + 80.0
    outs, states = fly(ty, [tgt], launcher, aim, np.array([0]), guide=guide)
    out = merged(outs)
    assert out.detonated.tolist() == [0]
    assert out.miss_distance_m[0] <= 10.0
    locked = [int(s.locked_threat[0]) for s in states]
    assert locked[0] == -1
    assert 0 in locked  # the seeker did lock


def test_lost_track_flies_straight() -> None:
    ty = make_types(seeker_range_m=100.0)
    tgt = cv((8000, 0, 3000), (-500, 0, 0))

    def guide(t: float, i: int) -> tuple[F, F]:
        return np.full((1, 3), np.nan), np.full((1, 3), np.nan)

    aim = np.array([[5000.0, 3000.0, 4000.0]])
    outs, states = fly(ty, [tgt], np.zeros((1, 3)), aim, np.array([0]), guide=guide)
    u0 = aim[0] / np.linalg.norm(aim[0])
    for s in states:
        if s.alive[0]:
            np.testing.assert_allclose(s.vel[0] / np.linalg.norm(s.vel[0]), u0, atol=1e-12)
    assert merged(outs).missed.tolist() == [0]


def test_speed_follows_profile_and_lateral_acceleration_is_limited() -> None:
    # Launched the wrong way (straight up) at a low crossing target: the turn saturates.
    a_max = 50.0
    ty = make_types(max_lateral_accel_mps2=a_max, max_flight_time_s=15.0)
    tgt = cv((1500, 0, 1500), (0, 600, 0))
    dt = 0.05
    _, states = fly(
        ty, [tgt], np.zeros((1, 3)), np.array([[0.0, 0.0, 1000.0]]), np.array([0]), dt=dt,
        substeps=1,
    )  # fmt: skip
    ratios = []
    for i in range(1, len(states)):
        a, b = states[i - 1], states[i]
        if not a.alive[0]:
            break
        t0, t1 = (i - 1) * dt, i * dt
        assert np.linalg.norm(b.vel[0]) == pytest.approx(float(speed(ty, 0, t1)), rel=1e-12)
        if not b.alive[0]:
            break
        ds = float(distance(ty, 0, t1) - distance(ty, 0, t0))
        assert np.linalg.norm(b.pos[0] - a.pos[0]) == pytest.approx(ds, rel=1e-12)
        cosang = np.dot(a.vel[0], b.vel[0]) / np.linalg.norm(a.vel[0]) / np.linalg.norm(b.vel[0])
        angle = np.arccos(np.clip(cosang, -1.0, 1.0))
        ratios.append(angle / (a_max * dt * dt / ds))  # turn angle θ = a h² / Δs
        # The chord bisects the start and end velocity directions (arc flown at a constant rate).
        chord = (b.pos[0] - a.pos[0]) / ds
        u_a, u_b = a.vel[0] / np.linalg.norm(a.vel[0]), b.vel[0] / np.linalg.norm(b.vel[0])
        np.testing.assert_allclose(np.dot(chord, u_a), np.cos(angle / 2), rtol=1e-9)
        np.testing.assert_allclose(np.dot(chord, u_b), np.cos(angle / 2), rtol=1e-9)
    assert max(ratios) <= 1.0 + 1e-6
    assert max(ratios) > 0.99  # the limit was reached, so the check above has teeth


def test_self_destruct_at_max_flight_time() -> None:
    ty = make_types(max_flight_time_s=5.0)
    state = launch(
        ty,
        empty_interceptors(),
        np.zeros((2, 3)),
        np.zeros(2, np.int64),
        np.arange(2),
        np.arange(2),
        np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 1.0]]),
        0.0,
    )
    state = InterceptorTable(
        **{f.name: getattr(state, f.name) for f in fields(state) if f.name != "launch_time"},
        launch_time=np.array([0.0, -0.03]),
    )
    nan = np.full((2, 3), np.nan)
    rng = np.random.default_rng(0)
    misses: dict[int, float] = {}
    for i in range(60):
        state, out = step(ty, state, nan, nan, np.empty((0, 3)), np.empty((0, 3)),
                          np.empty(0, bool), i * 0.1, 0.1, rng)  # fmt: skip
        misses.update(zip(out.missed.tolist(), out.miss_time.tolist(), strict=True))
        assert out.detonated.size == 0
    assert misses == pytest.approx({0: 5.0, 1: 4.97})
    assert not state.alive.any()


def test_ground_impact_is_a_miss_at_the_crossing_time() -> None:
    ty = make_types()
    launcher = np.array([[0.0, 0.0, 100.0]])
    state = launch(ty, empty_interceptors(), launcher, np.array([0]), np.array([0]),
                   np.array([0]), np.array([[1000.0, 0.0, -900.0]]), 0.0)  # fmt: skip
    nan = np.full((1, 3), np.nan)
    rng = np.random.default_rng(0)
    for i in range(20):
        state, out = step(ty, state, nan, nan, np.empty((0, 3)), np.empty((0, 3)),
                          np.empty(0, bool), i * 0.1, 0.1, rng)  # fmt: skip
        if out.missed.size:
            break
    # Straight at 45° down: ground after 100 √2 m of flight; linear within one substep.
    t_ref = 0.0
    lo, hi = 0.0, 5.0
    for _ in range(60):
        t_ref = 0.5 * (lo + hi)
        lo, hi = (t_ref, hi) if distance(ty, 0, t_ref) < 100 * np.sqrt(2) else (lo, t_ref)
    assert out.missed.tolist() == [0]
    assert out.miss_time[0] == pytest.approx(t_ref, abs=1e-3)


def test_passing_the_locked_threat_without_fuzing_is_a_miss() -> None:
    # Aimed 300 m off and barely able to turn: passes the threat, range opens, self-destructs.
    ty = make_types(max_lateral_accel_mps2=1.0)
    tgt = cv((8000, 0, 3000), (-500, 0, 0))
    launcher = np.zeros((1, 3))
    aim = planned_intercept(ty, launcher[0], tgt) + np.array([0.0, 300.0, 0.0])
    outs, states = fly(ty, [tgt], launcher, aim[None], np.array([0]), dt=0.1)
    out = merged(outs)
    assert out.detonated.size == 0
    assert out.missed.tolist() == [0]
    # Time of the closest approach on the recorded path (piecewise linear).
    ts = [0.1 * i for i in range(len(states))]
    rng_ = [np.linalg.norm(s.pos[0] - tgt.pos(t)) for s, t in zip(states, ts, strict=True)]
    t_ca = ts[int(np.argmin(rng_))]
    assert t_ca - 0.1 <= out.miss_time[0] <= t_ca + 0.1
    assert out.miss_time[0] < 20.0


def test_tail_chase_is_not_a_passage() -> None:
    # Locked at launch on a receding drone while still slower than it: the range opens at
    # first, which must not count as having passed the closest approach.
    ty = make_types()
    tgt = cv((1500, 0, 300), (150, 0, 0))
    outs, states = fly(ty, [tgt], np.zeros((1, 3)), np.array([[1500.0, 0, 300]]), np.array([0]))
    out = merged(outs)
    assert states[1].locked_threat[0] == 0
    assert out.detonated.tolist() == [0]
    assert out.miss_distance_m[0] <= 10.0


def test_kill_frequency_is_binomial_and_seeded() -> None:
    # 300 independent engagements, 200 km apart so they cannot interact.
    n, p = 300, 0.7
    ty = make_types(sskp=p)
    offs = np.zeros((n, 3))
    offs[:, 0] = 2e5 * np.arange(n)
    targets = [cv(tuple(o + np.array([8000.0, 0.0, 3000.0])), (-500, 0, -100)) for o in offs]
    aims = np.array([planned_intercept(ty, o, tg) for o, tg in zip(offs, targets, strict=True)])

    def run(seed: int) -> FlyoutOutputs:
        outs, _ = fly(ty, targets, offs, aims, np.arange(n), rng=np.random.default_rng(seed))
        return merged(outs)

    a, b = run(7), run(7)
    assert sorted(a.detonated.tolist()) == list(range(n))
    np.testing.assert_array_equal(a.threat, a.detonated)
    lo, hi = binom.ppf(0.0005, n, p), binom.ppf(0.9995, n, p)
    assert lo <= a.killed.sum() <= hi
    for f in fields(a):
        np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name))
    assert not np.array_equal(a.killed, run(8).killed)


def test_two_interceptors_on_one_threat_in_one_step() -> None:
    ty = make_types()
    tgt = cv((8000, 0, 3000), (-500, 0, -100))
    launchers = np.zeros((2, 3))
    aim = planned_intercept(ty, launchers[0], tgt)
    outs, _ = fly(ty, [tgt], launchers, np.array([aim, aim]), np.array([0, 0]))
    out = merged(outs)
    assert out.detonated.tolist() == [0, 1]
    assert out.threat.tolist() == [0, 0]
    assert out.killed.tolist() == [True, True]


def test_a_killed_threat_no_longer_flies_in_later_substeps() -> None:
    # The second round trails the first by ~50 ms: with dt = 0.5 s and 20 substeps both arrive
    # inside one step, and the second must not detonate on a threat already killed.
    ty = make_types(seeker_range_m=10.0)
    tgt = cv((8000, 0, 3000), (-500, 0, -100))
    launchers = np.array([[0.0, 0.0, 0.0], [-80.0, 0.0, 0.0]])
    aims = np.array([planned_intercept(ty, p, tgt) for p in launchers])
    outs, _ = fly(ty, [tgt], launchers, aims, np.array([0, 0]), dt=0.5, substeps=20)
    out = merged(outs)
    assert out.detonated.tolist() == [0]
    assert out.killed.tolist() == [True]
    assert out.missed.tolist() == [1]  # passed the dead threat's track
    # Without the kill it would have hit in the same step (checked with sskp 0).
    outs0, _ = fly(make_types(seeker_range_m=10.0, sskp=0.0), [tgt], launchers, aims,
                   np.array([0, 0]), dt=0.5, substeps=20)  # fmt: skip
    out0 = merged(outs0)
    assert out0.detonated.tolist() == [0, 1]
    assert int(out0.det_time[0] // 0.5) == int(out0.det_time[1] // 0.5)
    assert out0.det_time[1] - out0.det_time[0] > 0.5 / 20


def test_batch_equals_loop() -> None:
    # 20 interceptors over 8 threats, mixed guides (true, noisy, lost); sskp 0 so that no kill
    # couples the rows.
    ty = make_types(sskp=0.0, seeker_range_m=2500.0)
    rng = np.random.default_rng(3)
    targets = [
        Target(rng.uniform([6e3, -4e3, 2e3], [12e3, 4e3, 6e3]), rng.uniform(-400, 100, 3), G)
        for _ in range(8)
    ]
    m = 20
    launchers = rng.uniform([-2e3, -2e3, 0.0], [2e3, 2e3, 0.0], (m, 3))
    aim_target = rng.integers(0, 8, m)
    aims = np.array([planned_intercept(ty, launchers[i], targets[aim_target[i]]) for i in range(m)])
    noise = rng.normal(0.0, 80.0, (500, m, 3))
    lost = np.zeros(m, bool)
    lost[[3, 11]] = True

    def guide(t: float, i: int) -> tuple[F, F]:
        gp = np.array([targets[j].pos(t) for j in aim_target]) + noise[i]
        gv = np.array([targets[j].vel(t) for j in aim_target])
        gp[lost & (t > 4.0)] = np.nan
        return gp, gv

    _, batch = fly(ty, targets, launchers, aims, aim_target, guide=guide, t_end=30.0)
    for i in range(m):

        def guide_i(t: float, k: int, i: int = i) -> tuple[F, F]:
            gp, gv = guide(t, k)
            return gp[i : i + 1], gv[i : i + 1]

        _, alone = fly(ty, targets, launchers[i : i + 1], aims[i : i + 1], aim_target[i : i + 1],
                       guide=guide_i, t_end=30.0)  # fmt: skip
        assert len(alone) <= len(batch)
        for s_b, s_a in zip(batch, alone, strict=False):
            np.testing.assert_allclose(s_b.pos[i], s_a.pos[0], rtol=1e-12, atol=1e-6)
            np.testing.assert_allclose(s_b.vel[i], s_a.vel[0], rtol=1e-12, atol=1e-9)
            assert s_b.alive[i] == s_a.alive[0]
            assert s_b.locked_threat[i] == s_a.locked_threat[0]
    assert any((s.locked_threat >= 0).any() for s in batch)  # the seeker was exercised
