"""Engagement interface: interceptor types, the interceptor table and the flyout step.

An interceptor is launched by fire control at a track. It flies a prescribed speed profile
(:mod:`cupola.engage.profile`) and steers by proportional navigation, first on the track
(midcourse, the battle-management uplink), then on the threat itself once it is within the
seeker's acquisition range (terminal homing). Its proximity fuze fires at the closest approach
to any threat within the lethal radius, and the threat is killed with the single-shot kill
probability. An interceptor that passes its target, flies past its maximum flight time or
reaches the ground self-destructs: a miss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class InterceptorTypes:
    """Static parameters of the scenario's interceptor types, one entry per type (K,).

    Attributes
    ----------
    boost_time_s : (K,) float64
        Duration of the boost, s; speed rises linearly from ``launch_speed_mps``.
    launch_speed_mps : (K,) float64
        Speed leaving the launcher, m/s.
    burnout_speed_mps : (K,) float64
        Speed at the end of the boost, m/s.
    coast_deceleration_mps2 : (K,) float64
        Loss of speed per second after burnout, m/s².
    min_speed_mps : (K,) float64
        Speed floor of the coast, m/s.
    max_flight_time_s : (K,) float64
        Self-destruct time after launch, s.
    min_range_m, max_range_m : (K,) float64
        Slant distance from the launcher of a planned intercept point, m.
    ceiling_m : (K,) float64
        Highest intercept altitude, m.
    lethal_radius_m : (K,) float64
        The fuze fires at a closest approach within this distance, m.
    sskp : (K,) float64
        Single-shot kill probability given the fuze fired.
    cost_usd : (K,) float64
        Cost of one round, USD.
    max_lateral_accel_mps2 : (K,) float64
        Limit of the guidance acceleration, m/s².
    navigation_constant : (K,) float64
        Proportional-navigation gain N (3 to 5).
    seeker_range_m : (K,) float64
        Range at which the seeker acquires the threat and terminal homing starts, m.
    sskp_threat : (K, N) float64 or None
        Single-shot kill probability against each of the world's N threat types (columns in
        the order of :class:`cupola.sim.world.ThreatTypes`); None: ``sskp`` against all.
    """

    boost_time_s: NDArray[np.float64]
    launch_speed_mps: NDArray[np.float64]
    burnout_speed_mps: NDArray[np.float64]
    coast_deceleration_mps2: NDArray[np.float64]
    min_speed_mps: NDArray[np.float64]
    max_flight_time_s: NDArray[np.float64]
    min_range_m: NDArray[np.float64]
    max_range_m: NDArray[np.float64]
    ceiling_m: NDArray[np.float64]
    lethal_radius_m: NDArray[np.float64]
    sskp: NDArray[np.float64]
    cost_usd: NDArray[np.float64]
    max_lateral_accel_mps2: NDArray[np.float64]
    navigation_constant: NDArray[np.float64]
    seeker_range_m: NDArray[np.float64]
    sskp_threat: NDArray[np.float64] | None = None


@dataclass(frozen=True, slots=True)
class InterceptorTable:
    """Struct of arrays, M rows, one per interceptor fired in the run (row = interceptor id).

    Attributes
    ----------
    pos, vel : (M, 3) float64
        ENU position (m) and velocity (m/s).
    alive : (M,) bool
        Still flying.
    type_idx : (M,) int64
        Index into :class:`InterceptorTypes`.
    launcher_id : (M,) int64
        Launcher that fired it.
    launch_time : (M,) float64
        s.
    target_track : (M,) int64
        Track it is guided on.
    locked_threat : (M,) int64
        Threat row the seeker has locked (terminal homing), -1 while guided on the track.
    """

    pos: NDArray[np.float64]
    vel: NDArray[np.float64]
    alive: NDArray[np.bool_]
    type_idx: NDArray[np.int64]
    launcher_id: NDArray[np.int64]
    launch_time: NDArray[np.float64]
    target_track: NDArray[np.int64]
    locked_threat: NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class FlyoutOutputs:
    """Interceptors that ended during one flyout step.

    Attributes
    ----------
    detonated : (D,) int64
        Interceptor rows whose fuze fired.
    threat : (D,) int64
        Threat row nearest at the fuze, for each detonation.
    killed : (D,) bool
        Whether the kill draw destroyed it.
    miss_distance_m : (D,) float64
        Closest approach at the fuze, m.
    det_time : (D,) float64
        Time of each detonation, s.
    det_pos : (D, 3) float64
        Position of each detonation, ENU, m.
    missed : (S,) int64
        Interceptor rows that self-destructed without their fuze firing.
    miss_time : (S,) float64
        Time of each self-destruct, s.
    """

    detonated: NDArray[np.int64]
    threat: NDArray[np.int64]
    killed: NDArray[np.bool_]
    miss_distance_m: NDArray[np.float64]
    det_time: NDArray[np.float64]
    det_pos: NDArray[np.float64]
    missed: NDArray[np.int64]
    miss_time: NDArray[np.float64]


def empty_interceptors() -> InterceptorTable:
    """An interceptor table with no rows."""
    return InterceptorTable(
        pos=np.empty((0, 3)),
        vel=np.empty((0, 3)),
        alive=np.empty(0, bool),
        type_idx=np.empty(0, np.int64),
        launcher_id=np.empty(0, np.int64),
        launch_time=np.empty(0),
        target_track=np.empty(0, np.int64),
        locked_threat=np.empty(0, np.int64),
    )
