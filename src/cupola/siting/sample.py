r"""A sample of the scenario's threats, flown to the ground: the trajectories siting plans on.

The scenario's raid, scaled to about ``n`` threats (every salvo in proportion, at least one
each), is drawn as the engine draws it (:func:`cupola.sim.raid.build_threats`: launch
points, types, aim points with their error), so the sample follows the scenario's threat
distribution. Each threat is flown from its own launch (time 0) by the engine's truth flight
(:func:`cupola.threats.flight.step`) with steps of ``dt``, until it lands or
``sim.max_time_s``. Its *value* is what its impact would cost: the values of the defended
assets within its warhead's lethal radius of the impact point
(:func:`cupola.sim.raid.asset_hits`).

Its *earliest engagement* is when the battle manager can first order a launch at it: the first
sample at which a radar sees it (in range, above the 4/3-earth horizon, single-look detection
probability at least one half) plus the time to confirm its track (``tracker.confirm_hits``
scans of the slowest radar, the first being the detection), half a decision period (the wait
for the next decision, on average) and the battery's reaction time. Against the full
simulation, whose median delay from first detection to first launch is 4.6 s on the border
town and 5.2 s on the city, this gives 4.5 s on both.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import NDArray

from cupola.logistics.schedule import scaled_raid
from cupola.sensors.radar import detection_probability, line_of_sight
from cupola.sim.raid import asset_hits, build_threats
from cupola.sim.world import World, compile_world
from cupola.threats import flight
from cupola.threats.base import LANDED, ThreatTable

FloatArray = NDArray[np.float64]

#: Truth flight step of the sample, s (the engine's flight is within metres at this step).
FLIGHT_DT_S = 1.0
#: Points kept on each path, evenly in time from its earliest engagement to its impact.
PATH_POINTS = 96


@dataclass(frozen=True)
class ThreatSample:
    """N sampled trajectories (struct of arrays).

    Attributes
    ----------
    path : (N, P, 3) float64
        Positions, ENU, m, at ``path_time``.
    path_time : (N, P) float64
        Time since the threat's launch, s, from ``engage_from`` to ``impact_time``.
    engage_from : (N,) float64
        Earliest engagement (module docstring), s after launch; ``inf`` if never seen.
    impact_time : (N,) float64
        s after launch; ``inf`` if it did not land within ``sim.max_time_s``.
    impact : (N, 3) float64
        Impact point, ENU, m.
    value : (N,) float64
        Value of the assets its impact damages.
    hits : (N, A) bool
        The assets its impact damages.
    type_idx : (N,) int64
        Threat type (of the sample's world).
    weight : (N,) float64
        Threats of the scenario's raid each sampled threat stands for: its salvo's count over
        the threats sampled from that salvo (sums of ``value * weight`` are per raid).
    """

    path: FloatArray
    path_time: FloatArray
    engage_from: FloatArray
    impact_time: FloatArray
    impact: FloatArray
    value: FloatArray
    hits: NDArray[np.bool_]
    type_idx: NDArray[np.int64]
    weight: FloatArray

    @property
    def worth(self) -> FloatArray:
        """(N,) ``value * weight``: each sampled threat's share of the value a raid threatens."""
        return np.asarray(self.value * self.weight, np.float64)


def sample_threats(
    world: World, n: int, rng: np.random.Generator, reaction_s: float
) -> ThreatSample:
    """Draw and fly about ``n`` threats of ``world``'s raid (module docstring)."""
    sc = world.raid_scenario
    total = sum(s.count for s in sc.raid.salvos)
    raid = scaled_raid(sc.raid, n / total)
    w = compile_world(sc.model_copy(update={"raid": raid}), sc.name)
    th, salvo, _ = build_threats(w, rng)
    drawn = np.bincount(salvo, minlength=len(raid.salvos))
    per_salvo = np.array([s.count for s in sc.raid.salvos], float) / np.maximum(drawn, 1)
    return fly_sample(w, th, reaction_s, per_salvo[salvo])


def fly_sample(
    world: World,
    threats: ThreatTable,
    reaction_s: float,
    weight: FloatArray | None = None,
) -> ThreatSample:
    """Fly the drawn ``threats`` of ``world`` (its raid) into a :class:`ThreatSample`."""
    sc = world.raid_scenario
    w = world
    th = replace(threats, launch_time=np.zeros(len(threats.pos)))
    positions = [th.pos.copy()]
    steps = int(np.ceil(sc.sim.max_time_s / FLIGHT_DT_S))
    for k in range(steps):  # a loop over time; every threat at once
        th, _ = flight.step(th, k * FLIGHT_DT_S, FLIGHT_DT_S)
        positions.append(th.pos.copy())
        if (th.fate == LANDED).all():
            break
    track = np.stack(positions, axis=1)  # N, T, 3
    times = FLIGHT_DT_S * np.arange(track.shape[1])
    landed = th.fate == LANDED
    impact_time = np.where(landed, th.impact_time, np.inf)
    seen = _first_seen(world, track, th.rcs)
    delay = (
        (sc.tracker.confirm_hits - 1) * max(r.revisit_s for r in sc.radars)
        + 0.5 * sc.doctrine.decision_period_s
        + reaction_s
    )
    engage_from = seen * FLIGHT_DT_S + delay  # inf: never seen
    end = np.where(landed, impact_time, times[-1])
    start = np.minimum(engage_from, end)
    frac = np.linspace(0.0, 1.0, PATH_POINTS)
    path_time = start[:, None] + (end - start)[:, None] * frac[None, :]
    path = _interpolate(track, path_time)
    radius = w.threat_types.lethal_radius_m[th.type_idx]
    hits = asset_hits(w, th.pos, radius) & landed[:, None]
    value = (hits * w.assets.values[None, :]).sum(axis=1)
    return ThreatSample(
        path=path,
        path_time=path_time,
        engage_from=engage_from,
        impact_time=impact_time,
        impact=th.pos.copy(),
        value=value,
        hits=hits,
        type_idx=th.type_idx,
        weight=np.ones(len(th.pos)) if weight is None else np.asarray(weight, float),
    )


def _first_seen(world: World, track: FloatArray, rcs: FloatArray) -> FloatArray:
    """(N,) index of the first step at which a radar detects each threat (``inf``: never)."""
    n, t, _ = track.shape
    flat = track.reshape(-1, 3)
    rcs_rows = np.repeat(rcs, t)
    seen = np.zeros(n * t, bool)
    for radar in world.radars:  # a few radars; each call is vectorised over all samples
        ok = line_of_sight(radar, flat) & (flat[:, 2] > 0)
        rng_m = np.linalg.norm(flat - radar.position, axis=1)
        seen |= ok & (detection_probability(radar, rng_m, rcs_rows) >= 0.5)
    seen = seen.reshape(n, t)
    first = seen.argmax(axis=1).astype(float)
    return np.where(seen.any(axis=1), first, np.inf)


def _interpolate(track: FloatArray, at: FloatArray) -> FloatArray:
    """(N, P, 3) positions of each row of ``track`` (N, T, 3, one per ``FLIGHT_DT_S``) at
    times ``at`` (N, P), linearly between steps."""
    n, t, _ = track.shape
    u = np.clip(at / FLIGHT_DT_S, 0.0, t - 1.0)
    i0 = np.minimum(np.floor(u).astype(np.int64), t - 2) if t > 1 else np.zeros_like(u, np.int64)
    i1 = np.minimum(i0 + 1, t - 1)
    f = (u - i0)[..., None]
    rows = np.arange(n)[:, None]
    return np.asarray(track[rows, i0] * (1.0 - f) + track[rows, i1] * f, np.float64)


def subset(sample: ThreatSample, rows: NDArray[np.bool_] | NDArray[np.int64]) -> ThreatSample:
    """The sampled threats ``rows`` (a mask or indices) of ``sample``."""
    return ThreatSample(**{f.name: getattr(sample, f.name)[rows] for f in fields(sample)})
