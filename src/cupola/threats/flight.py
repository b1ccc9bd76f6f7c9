r"""Truth flight of the whole threat table over one tick, and a table constructor.

One call of :func:`step` advances every row from :math:`t` to :math:`t + \Delta t`:

* ``WAITING`` rows with ``launch_time`` :math:`< t + \Delta t` are launched (``FLYING``). A row
  starts at its launch point with its launch velocity at :math:`t_0 = \max(t_L, t)` and flies
  only :math:`t + \Delta t - t_0` (a launch time already past starts at :math:`t`).
* ``BALLISTIC`` flying rows take one RK4 step of that length
  (:func:`cupola.threats.ballistic.rk4_step`); a row whose step ends at or below the ground
  while it started above it or is moving down has landed, at the crossing of the cubic Hermite
  interpolant of the step (:func:`cupola.threats.ballistic.ground_crossing`): its position is
  that ground point (``z = 0``) and its impact time :math:`t_0 + s`.
* ``AIR_BREATHING`` flying rows fly their route (:func:`cupola.threats.airbreathing.advance`);
  a row that reaches its target has landed there, at :math:`t + \Delta t - r / s` with
  :math:`r` the distance it had to spare and :math:`s` its speed.
* ``LANDED`` and ``KILLED`` rows do not move.

The step is one RK4 step per tick: with ticks of up to about a second it stays within
centimetres to meters of a fine integration for the speeds and ballistic coefficients of
rockets and mortar rounds; shorter ticks are more accurate (global error :math:`O(\Delta t^4)`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cupola.threats import airbreathing
from cupola.threats.ballistic import fly_to_ground, ground_crossing, rk4_step
from cupola.threats.base import (
    AIR_BREATHING,
    BALLISTIC,
    FLYING,
    LANDED,
    WAITING,
    FlightOutputs,
    ThreatTable,
)

FloatArray = NDArray[np.float64]


def step(state: ThreatTable, t: float, dt: float) -> tuple[ThreatTable, FlightOutputs]:
    """Advance every threat from ``t`` to ``t + dt`` (see the module docstring).

    Parameters
    ----------
    state : ThreatTable
        Threats at time ``t`` (N rows); not modified.
    t : float
        Scenario time at the start of the step, s.
    dt : float
        Step length, s, > 0.

    Returns
    -------
    state : ThreatTable
        Threats at ``t + dt``; unchanged fields share the input's arrays.
    outputs : FlightOutputs
        Rows launched and rows landed during the step, with impact points and times.
    """
    t_end = t + dt
    fate = state.fate.copy()
    launched = (fate == WAITING) & (state.launch_time < t_end)
    fate[launched] = FLYING
    t_start = np.where(launched, np.maximum(state.launch_time, t), t)
    h = t_end - t_start  # (N,) flight time of each row in this step, s

    pos = state.pos.copy()
    vel = state.vel.copy()
    wp_index = state.wp_index.copy()
    impact_time = state.impact_time.copy()
    landed = np.zeros(fate.shape, dtype=bool)
    flying = fate == FLYING

    # Ballistic rows: one RK4 step, ground crossing interpolated inside the step.
    bal = np.flatnonzero(flying & (state.kind == BALLISTIC))
    if bal.size:  # the guards skip the fixed per-call cost of empty sub-steps
        p0, v0, hb = pos[bal], vel[bal], h[bal]
        p1, v1 = rk4_step(p0, v0, state.beta[bal], hb)
        down = (p1[:, 2] <= 0.0) & ((p0[:, 2] > 0.0) | (v1[:, 2] < 0.0))
        if down.any():
            s, p_cross, v_cross = ground_crossing(p0[down], v0[down], p1[down], v1[down], hb[down])
            p1[down], v1[down] = p_cross, v_cross
            hit = bal[down]
            landed[hit] = True
            impact_time[hit] = t_start[hit] + s
        pos[bal], vel[bal] = p1, v1

    # Air-breathing rows: route flight; arrival on the target is the impact.
    air = np.flatnonzero(flying & (state.kind == AIR_BREATHING))
    if air.size:
        pa, va, ia, spare = airbreathing.advance(
            pos[air],
            state.waypoints[air],
            wp_index[air],
            state.speed[air],
            state.dive_angle[air],
            h[air],
        )
        pos[air], vel[air], wp_index[air] = pa, va, ia
        arrived = np.all(pa == state.waypoints[air, -1], axis=1)
        hit = air[arrived]
        landed[hit] = True
        speed = state.speed[hit]
        impact_time[hit] = t_end - spare[arrived] / np.where(speed > 0.0, speed, np.inf)

    fate[landed] = LANDED
    new_state = ThreatTable(
        pos=pos,
        vel=vel,
        fate=fate,
        kind=state.kind,
        type_idx=state.type_idx,
        launch_time=state.launch_time,
        beta=state.beta,
        rcs=state.rcs,
        speed=state.speed,
        dive_angle=state.dive_angle,
        waypoints=state.waypoints,
        wp_index=wp_index,
        aim=state.aim,
        impact_time=impact_time,
    )
    rows = np.flatnonzero(landed)
    outputs = FlightOutputs(
        launched=np.flatnonzero(launched),
        landed=rows,
        impact_pos=pos[rows],
        impact_time=impact_time[rows],
    )
    return new_state, outputs


def _rows(x: ArrayLike | None, n: int, fill: float, name: str, width: int = 0) -> FloatArray:
    """``x`` as a new float array of shape (n,) or (n, width), ``fill`` where ``x`` is None."""
    shape = (n, width) if width else (n,)
    if x is None:
        return np.full(shape, fill)
    try:
        return np.array(np.broadcast_to(np.asarray(x, dtype=np.float64), shape))
    except ValueError:
        raise ValueError(f"{name}: expected shape {shape}, got {np.shape(x)}") from None


def make_table(
    *,
    pos: ArrayLike,
    launch_time: ArrayLike,
    kind: ArrayLike,
    vel: ArrayLike | None = None,
    beta: ArrayLike | None = None,
    rcs: ArrayLike | None = None,
    type_idx: ArrayLike | None = None,
    speed: ArrayLike | None = None,
    dive_angle: ArrayLike | None = None,
    waypoints: ArrayLike | None = None,
    aim: ArrayLike | None = None,
) -> ThreatTable:
    """Build a table of threats waiting for launch from per-row arrays.

    Scalars are broadcast to all rows. Fields that do not apply to a row's kind are filled as
    follows: ballistic rows get ``speed`` = their launch speed, ``dive_angle`` = NaN,
    ``waypoints`` = their aim point repeated and ``wp_index`` = ``K - 1``; air-breathing rows
    get ``beta`` = ``inf``, ``wp_index`` = 0 and, without ``vel``, a velocity of ``speed``
    toward their first waypoint.

    Parameters
    ----------
    pos : (N, 3) float
        Launch point, ENU, m.
    launch_time : (N,) float
        Launch time, s.
    kind : (N,) int
        ``BALLISTIC`` or ``AIR_BREATHING``.
    vel : (N, 3) float, optional
        Launch velocity, ENU, m/s; required for ballistic rows.
    beta : (N,) float, optional
        Ballistic coefficient, kg/m²; default ``inf`` (no drag).
    rcs : (N,) float, optional
        Radar cross-section, m²; default 1 m².
    type_idx : (N,) int, optional
        Index into the scenario's threat types; default 0.
    speed : (N,) float, optional
        Cruise speed of air-breathing rows, m/s; required if there are any.
    dive_angle : (N,) float, optional
        Terminal dive angle of air-breathing rows, rad; required if there are any.
    waypoints : (N, K, 3) float, optional
        Routes of air-breathing rows, ENU, m, ending on the target (``z = 0``); required if
        there are any. Ballistic rows' routes are replaced by their aim point.
    aim : (N, 3) float, optional
        Planned impact point, m. Default: the target (last waypoint) of air-breathing rows and,
        for ballistic rows, the landing point of their launch velocity
        (:func:`cupola.threats.ballistic.fly_to_ground`).

    Returns
    -------
    ThreatTable
        N rows, all ``WAITING``, ``impact_time`` NaN.

    Raises
    ------
    ValueError
        If a field required by the kinds present is missing or a shape does not match.
    """
    p = np.array(pos, dtype=np.float64).reshape(-1, 3)
    n = p.shape[0]
    kinds = _rows(kind, n, 0.0, "kind").astype(np.int8)
    if not np.all((kinds == BALLISTIC) | (kinds == AIR_BREATHING)):
        raise ValueError("kind: every row must be BALLISTIC (0) or AIR_BREATHING (1)")
    bal = kinds == BALLISTIC
    air = ~bal
    if air.any() and (speed is None or dive_angle is None or waypoints is None):
        raise ValueError("air-breathing rows need speed, dive_angle and waypoints")
    if bal.any() and vel is None:
        raise ValueError("ballistic rows need vel (their launch velocity)")

    v = _rows(vel, n, 0.0, "vel", 3)
    b = _rows(beta, n, np.inf, "beta")
    b[air] = np.inf
    spd = _rows(speed, n, np.nan, "speed")
    spd[bal] = np.linalg.norm(v[bal], axis=1)
    dive = _rows(dive_angle, n, np.nan, "dive_angle")
    dive[bal] = np.nan
    wps = np.zeros((n, 1, 3)) if waypoints is None else np.array(waypoints, dtype=np.float64)
    if wps.ndim != 3 or wps.shape[0] != n or wps.shape[2] != 3:
        raise ValueError(f"waypoints: expected shape ({n}, K, 3), got {wps.shape}")
    k = wps.shape[1]

    if aim is None:
        target = wps[:, -1].copy()
        if bal.any():
            impact, _, _ = fly_to_ground(p[bal], v[bal], b[bal])
            target[bal] = impact
    else:
        target = _rows(aim, n, np.nan, "aim", 3)
    wps[bal] = target[bal, None, :]

    if air.any() and vel is None:
        first = wps[air, 0] - p[air]
        norm = np.linalg.norm(first, axis=1, keepdims=True)
        v[air] = spd[air, None] * np.where(norm > 0.0, first / np.where(norm > 0, norm, 1.0), 0.0)

    wp_index = np.where(bal, k - 1, 0).astype(np.int64)
    return ThreatTable(
        pos=p,
        vel=v,
        fate=np.full(n, WAITING, dtype=np.int8),
        kind=kinds,
        type_idx=_rows(type_idx, n, 0.0, "type_idx").astype(np.int64),
        launch_time=_rows(launch_time, n, 0.0, "launch_time"),
        beta=b,
        rcs=_rows(rcs, n, 1.0, "rcs"),
        speed=spd,
        dive_angle=dive,
        waypoints=wps,
        wp_index=wp_index,
        aim=target,
        impact_time=np.full(n, np.nan),
    )
