r"""Interceptor flyout: launch, midcourse and terminal guidance, proximity fuze, kill, miss.

One call of :func:`step` advances every flying interceptor from ``t`` to ``t + dt`` in
``substeps`` equal substeps of length :math:`h = dt / n`. In each substep, in this order:

1. **Unlock.** A seeker whose locked threat no longer flies (killed, landed) is released.
2. **Seeker.** An interceptor without a lock and with a finite guide point :math:`\mathbf g`
   locks the flying threat nearest to :math:`\mathbf g` if that threat is within the seeker
   range of the interceptor. The guide is the engine's track estimate at ``t``, extrapolated at
   constant velocity: :math:`\mathbf g(\tau) = \mathbf g_0 + \mathbf v_g (\tau - t)`.
3. **Guidance.** Locked: true proportional navigation on the threat's true state. Guided: the
   same law on the guide. Neither (track lost, NaN guide): straight flight. The speed follows
   :func:`cupola.engage.profile.speed` exactly; see :mod:`cupola.engage.guidance`.
4. **Fuze.** The interceptor's substep is the straight chord from :math:`\mathbf p_0` to
   :math:`\mathbf p_1` flown at :math:`\mathbf v_M = (\mathbf p_1 - \mathbf p_0)/h`; a threat's
   is the linear interpolation between its positions at ``t`` and ``t + dt``, at
   :math:`\mathbf v_T = (\mathbf q(t+dt) - \mathbf q(t))/dt`. With :math:`\mathbf r_0` the
   relative position at the start of the substep and :math:`\mathbf w = \mathbf v_T -
   \mathbf v_M`, the closest approach is

   .. math::

       s^* = \operatorname{clip}\!\left(-\frac{\mathbf r_0\cdot\mathbf w}{\mathbf w\cdot
       \mathbf w},\ 0,\ s_{hi}\right), \qquad d_{min} = \lVert\mathbf r_0 + s^*\mathbf w\rVert,

   with :math:`s_{hi} = \min(h, t_L + T_{max} - \tau_0)` (no fuze after the self-destruct
   time). If the least :math:`d_{min}` over flying threats is within the lethal radius, the
   interceptor detonates at :math:`\tau_0 + s^*`, at :math:`\mathbf p_0 + s^*\mathbf v_M`, on
   that threat (ties: lowest threat row). The kill is a Bernoulli(sskp) draw, with the sskp
   of that interceptor type against that threat type (``InterceptorTypes.sskp_threat``): one
   uniform per detonation, drawn substep by substep and within a substep by ascending
   interceptor row. A killed threat no longer flies in the later substeps of the step.
5. **Self-destruct (miss)**, for interceptors that did not detonate, at the end of the substep:

   * flight time reached ``max_flight_time_s``: miss at :math:`t_L + T_{max}`;
   * below the ground, :math:`z_1 < 0`: miss at the interpolated crossing
     :math:`\tau_0 + h z_0 / (z_0 - z_1)`;
   * locked, and the range to the locked threat was closing at :math:`\tau_0`
     (:math:`\mathbf r\cdot\mathbf v_r \le 0`) and is opening at :math:`\tau_1`
     (:math:`\mathbf r\cdot\mathbf v_r > 0`): the closest approach has passed without the
     fuze firing, miss at :math:`\tau_1`;
   * guided on the track, the guide point within seeker range at :math:`\tau_1`, and the range
     to it closing at :math:`\tau_0` and opening at :math:`\tau_1`: the interceptor passed the
     predicted threat without acquiring it, miss at :math:`\tau_1`.

   A threat that opens from the start (a tail chase the interceptor is still too slow for)
   is not a passage: the round flies on, until it closes and passes or its time runs out.

   When several apply, the earliest time is reported.

Everything is vectorised over interceptors (and interceptor × threat pairs for the seeker and
the fuze); the only Python loop is over the substeps.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.engage import profile
from cupola.engage.base import FlyoutOutputs, InterceptorTable, InterceptorTypes
from cupola.engage.guidance import tpn_accel, turn

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Slack added to the fuze prefilter reach, m, covering the rounding of the squared distances.
_PREFILTER_SLACK_M = 1.0


def launch(
    types: InterceptorTypes,
    state: InterceptorTable,
    launcher_pos: FloatArray,
    type_idx: IntArray,
    launcher_id: IntArray,
    target_track: IntArray,
    aim_point: FloatArray,
    t: float,
) -> InterceptorTable:
    """Append L newly launched interceptors to the table.

    Each leaves its launcher at its type's launch speed, pointed at its aim point (the planned
    intercept point); straight up if the aim point is the launcher itself. The launch speed must
    be positive: the velocity carries the heading.

    Parameters
    ----------
    types : InterceptorTypes
        Interceptor type parameters.
    state : InterceptorTable
        Current table, M rows (not modified).
    launcher_pos : (L, 3) float64
        Launcher positions, ENU, m.
    type_idx : (L,) int64
        Interceptor type of each round.
    launcher_id : (L,) int64
        Launcher firing each round.
    target_track : (L,) int64
        Track each round is guided on.
    aim_point : (L, 3) float64
        Planned intercept points, ENU, m.
    t : float
        Launch time, s.

    Returns
    -------
    InterceptorTable
        M + L rows: the old rows, then the new ones (alive, no seeker lock, launch time ``t``).
    """
    p = np.asarray(launcher_pos, float).reshape(-1, 3)
    k = np.asarray(type_idx, np.int64).reshape(-1)
    d = np.asarray(aim_point, float).reshape(-1, 3) - p
    norm = np.sqrt(np.einsum("ij,ij->i", d, d))
    up = np.broadcast_to(np.array([0.0, 0.0, 1.0]), d.shape)
    u = np.where((norm > 0.0)[:, None], d / np.where(norm > 0.0, norm, 1.0)[:, None], up)
    n = len(k)
    return InterceptorTable(
        pos=np.concatenate([state.pos, p]),
        vel=np.concatenate([state.vel, types.launch_speed_mps[k][:, None] * u]),
        alive=np.concatenate([state.alive, np.ones(n, bool)]),
        type_idx=np.concatenate([state.type_idx, k]),
        launcher_id=np.concatenate(
            [state.launcher_id, np.asarray(launcher_id, np.int64).reshape(-1)]
        ),
        launch_time=np.concatenate([state.launch_time, np.full(n, float(t))]),
        target_track=np.concatenate(
            [state.target_track, np.asarray(target_track, np.int64).reshape(-1)]
        ),
        locked_threat=np.concatenate([state.locked_threat, np.full(n, -1, np.int64)]),
    )


def _sq_dists(a: FloatArray, b: FloatArray) -> FloatArray:
    """(I, J) squared distances between rows of ``a`` (I, 3) and ``b`` (J, 3), m².

    Uses :math:`|a|^2 + |b|^2 - 2 a\\cdot b` (one matrix product); absolute rounding error about
    1e-16 times the squared coordinates, far below a meter at the scales simulated.
    """
    # In place: fresh (I, J) temporaries cost more than the arithmetic at these sizes.
    out = np.asarray(a @ (-2.0 * b.T), float)
    out += np.einsum("ij,ij->i", a, a)[:, None]
    out += np.einsum("ij,ij->i", b, b)[None, :]
    return out


def _acquire(
    pos: FloatArray, guide: FloatArray, threats: FloatArray, seeker_range: FloatArray
) -> IntArray:
    """Seeker acquisition.

    Parameters
    ----------
    pos, guide : (I, 3) float64
        Interceptor and guide positions, ENU, m (guide finite).
    threats : (J, 3) float64
        Flying threat positions, ENU, m (J > 0).
    seeker_range : (I,) float64
        Seeker acquisition range, m.

    Returns
    -------
    (I,) int64
        Index into ``threats`` of the threat nearest the guide point if it is within seeker
        range of the interceptor, else -1.
    """
    j = np.argmin(_sq_dists(guide, threats), axis=1)
    r = threats[j] - pos
    inside = np.einsum("ij,ij->i", r, r) <= seeker_range**2
    return np.where(inside, j, -1).astype(np.int64)


def _closest_approach(
    d2: FloatArray,
    d2_min: FloatArray,
    p0: FloatArray,
    v_m: FloatArray,
    s_hi: FloatArray,
    q0: FloatArray,
    v_t: FloatArray,
    lethal: FloatArray,
) -> tuple[BoolArray, IntArray, FloatArray, FloatArray]:
    """Least closest approach of each interceptor to any threat over one substep.

    Parameters
    ----------
    d2 : (I, J) float64
        Squared distances between ``p0`` and ``q0`` from :func:`_sq_dists`, m² (a prefilter).
    d2_min : (I,) float64
        Row minima of ``d2``, m².
    p0, v_m : (I, 3) float64
        Interceptor positions (m) at the start of the substep and chord velocities (m/s).
    s_hi : (I,) float64
        End of each interceptor's fuze window within the substep, s.
    q0, v_t : (J, 3) float64
        Flying threat positions (m) at the start of the substep and velocities (m/s).
    lethal : (I,) float64
        Lethal radius, m.

    Returns
    -------
    fired : (I,) bool
        Least closest approach within the lethal radius.
    threat : (I,) int64
        Index into ``q0`` of the nearest threat where ``fired`` (else -1).
    miss : (I,) float64
        Least closest approach, m, where ``fired`` (else inf).
    s_star : (I,) float64
        Time of it from the start of the substep, s, where ``fired`` (else 0).
    """
    n_i = len(p0)
    fired = np.zeros(n_i, bool)
    threat = np.full(n_i, -1, np.int64)
    miss = np.full(n_i, np.inf)
    s_star = np.zeros(n_i)
    if n_i == 0 or len(q0) == 0:
        return fired, threat, miss, s_star
    # Prefilter: |r(s)| >= |r0| - s |w| and |w| <= |v_M| + max |v_T|.
    vt_max = float(np.sqrt(np.einsum("ij,ij->i", v_t, v_t).max()))
    vm = np.sqrt(np.einsum("ij,ij->i", v_m, v_m))
    reach = lethal + s_hi * (vm + vt_max) + _PREFILTER_SLACK_M
    # Rows first (a row minimum is much cheaper than nonzero over the whole I × J mask).
    near = np.flatnonzero(d2_min <= reach**2)
    if near.size == 0:
        return fired, threat, miss, s_star
    sub_i, jj = np.nonzero(d2[near] <= (reach[near] ** 2)[:, None])
    ii = near[sub_i]
    if ii.size == 0:
        return fired, threat, miss, s_star
    # Exact closest approach on the candidate pairs.
    r0 = q0[jj] - p0[ii]
    w = v_t[jj] - v_m[ii]
    ww = np.einsum("ij,ij->i", w, w)
    rw = np.einsum("ij,ij->i", r0, w)
    s = np.clip(-rw / np.where(ww > 0.0, ww, 1.0), 0.0, s_hi[ii])
    r = r0 + s[:, None] * w
    d = np.sqrt(np.einsum("ij,ij->i", r, r))
    # Least d per interceptor; the stable sort keeps the lowest threat among equal distances.
    order = np.lexsort((d, ii))
    first = np.ones(order.size, bool)
    first[1:] = ii[order][1:] != ii[order][:-1]
    best = order[first]
    rows = ii[best]
    hit = d[best] <= lethal[rows]
    rows, best = rows[hit], best[hit]
    fired[rows] = True
    threat[rows] = jj[best]
    miss[rows] = d[best]
    s_star[rows] = s[best]
    return fired, threat, miss, s_star


def step(
    types: InterceptorTypes,
    state: InterceptorTable,
    guide_pos: FloatArray,
    guide_vel: FloatArray,
    threat_pos0: FloatArray,
    threat_pos1: FloatArray,
    threat_flying: BoolArray,
    t: float,
    dt: float,
    rng: np.random.Generator,
    substeps: int = 4,
    threat_type: IntArray | None = None,
) -> tuple[InterceptorTable, FlyoutOutputs]:
    """Advance all alive interceptors from ``t`` to ``t + dt`` (see the module docstring).

    Parameters
    ----------
    types : InterceptorTypes
        Interceptor type parameters.
    state : InterceptorTable
        Interceptors, M rows (not modified). Alive rows are expected to have
        ``launch_time <= t``.
    guide_pos, guide_vel : (M, 3) float64
        Estimated position (m) and velocity (m/s) at ``t`` of each interceptor's target, from
        its track; NaN when the track is lost. Rows of dead interceptors are ignored.
    threat_pos0, threat_pos1 : (N, 3) float64
        True threat positions at ``t`` and ``t + dt``, ENU, m. Only flying rows are read.
    threat_flying : (N,) bool
        Threats in the air during the step.
    t : float
        Start of the step, s.
    dt : float
        Step length, s (> 0).
    rng : numpy.random.Generator
        Source of the kill draws.
    substeps : int, optional
        Number of equal substeps (default 4).
    threat_type : (N,) int64, optional
        Type of each threat, a column of ``types.sskp_threat``; without it (or without that
        table) every kill draw uses the interceptor's ``sskp``.

    Returns
    -------
    state : InterceptorTable
        New table; rows that detonated or self-destructed are no longer alive.
    outputs : FlyoutOutputs
        Detonations and misses, in ascending interceptor row.
    """
    h = dt / substeps
    pos = state.pos.copy()
    vel = state.vel.copy()
    alive = state.alive.copy()
    locked = state.locked_threat.copy()
    # Threat arrays keep only the flying rows (others may hold anything, NaN included) and get
    # one padding row (index N, never flying, at the origin) so that rows without a lock (-1)
    # are gathered without a branch.
    n_thr = len(threat_flying)
    flying = np.append(np.asarray(threat_flying, bool), False)
    pos0 = np.zeros((n_thr + 1, 3))
    pos1 = np.zeros((n_thr + 1, 3))
    pos0[flying] = np.asarray(threat_pos0, float).reshape(-1, 3)[flying[:-1]]
    pos1[flying] = np.asarray(threat_pos1, float).reshape(-1, 3)[flying[:-1]]
    dq = pos1 - pos0
    k, t_launch = state.type_idx, state.launch_time
    t_max = types.max_flight_time_s[k]
    lethal = types.lethal_radius_m[k]
    seeker = types.seeker_range_m[k]
    a_max = types.max_lateral_accel_mps2[k]
    nav = types.navigation_constant[k]
    sskp = types.sskp[k]
    has_guide: BoolArray = np.asarray(
        np.isfinite(guide_pos).all(axis=1) & np.isfinite(guide_vel).all(axis=1), bool
    )
    v_threat = dq / dt

    det: list[tuple[IntArray, IntArray, BoolArray, FloatArray, FloatArray, FloatArray]] = []
    mis: list[tuple[IntArray, FloatArray]] = []
    for sub in range(substeps):
        idx = np.flatnonzero(alive)
        if idx.size == 0:
            break
        tau0, f0, f1 = t + sub * h, sub / substeps, (sub + 1) / substeps
        jdx = np.flatnonzero(flying)
        q0 = pos0[jdx] + f0 * dq[jdx]
        vt = v_threat[jdx]

        # 1. Unlock from threats that no longer fly.
        lk = locked[idx]
        lk = np.where((lk >= 0) & ~flying[np.where(lk >= 0, lk, n_thr)], -1, lk)
        # 2. Seeker acquisition.
        g0 = guide_pos[idx] + guide_vel[idx] * (tau0 - t)
        guided = has_guide[idx]
        p0 = pos[idx]
        d2 = _sq_dists(p0, q0)
        # Only rows with some threat within seeker range (plus a rounding slack) can lock.
        d2_min = d2.min(axis=1, initial=np.inf)
        in_reach = d2_min <= (seeker[idx] + _PREFILTER_SLACK_M) ** 2
        seek = np.flatnonzero((lk < 0) & guided & in_reach)
        if seek.size:
            got = _acquire(pos[idx[seek]], g0[seek], q0, seeker[idx[seek]])
            lk[seek] = np.where(got >= 0, jdx[np.maximum(got, 0)], -1)
        is_locked = lk >= 0
        lk0 = np.where(is_locked, lk, n_thr)
        # 3. Guidance and motion.
        tgt_p = np.where(is_locked[:, None], pos0[lk0] + f0 * dq[lk0], g0)
        tgt_v = np.where(is_locked[:, None], v_threat[lk0], guide_vel[idx])
        v0 = vel[idx]
        ki, tl = k[idx], t_launch[idx]
        e0, e1 = tau0 - tl, tau0 + h - tl
        ds = profile.distance(types, ki, e1) - profile.distance(types, ki, e0)
        spd0 = np.sqrt(np.einsum("ij,ij->i", v0, v0))
        u0 = np.where((spd0 > 0.0)[:, None], v0 / np.where(spd0 > 0.0, spd0, 1.0)[:, None], 0.0)
        u0[spd0 == 0.0, 2] = 1.0
        closing0 = np.einsum("ij,ij->i", tgt_p - p0, tgt_v - v0) <= 0.0  # False if no target
        acc = tpn_accel(p0, v0, tgt_p, tgt_v, nav[idx])
        u1, umid = turn(u0, acc, a_max[idx], h, ds)
        p1 = p0 + ds[:, None] * umid
        v1 = profile.speed(types, ki, e1)[:, None] * u1
        # 4. Fuze and kill draws (ascending row within the substep).
        v_m = (p1 - p0) / h
        s_hi = np.clip(tl + t_max[idx] - tau0, 0.0, h)
        fired, jj, miss_d, s_star = _closest_approach(
            d2, d2_min, p0, v_m, s_hi, q0, vt, lethal[idx]
        )
        f_rows = np.flatnonzero(fired)
        if f_rows.size:
            thr = jdx[jj[f_rows]]
            p_kill = sskp[idx[f_rows]]
            if threat_type is not None and types.sskp_threat is not None:
                p_kill = types.sskp_threat[k[idx[f_rows]], threat_type[thr]]
            killed = rng.random(f_rows.size) < p_kill
            det_p = p0[f_rows] + s_star[f_rows, None] * v_m[f_rows]
            det.append((idx[f_rows], thr, killed, miss_d[f_rows], tau0 + s_star[f_rows], det_p))
            flying[thr[killed]] = False
            p1[f_rows] = det_p
        # 5. Self-destruct.
        live = ~fired
        t_miss = np.where(live & (e1 >= t_max[idx]), tl + t_max[idx], np.inf)
        z0, z1 = p0[:, 2], p1[:, 2]
        ground = live & (z1 < 0.0)
        t_ground = tau0 + h * z0 / np.where(ground, z0 - z1, 1.0)
        t_miss = np.where(ground, np.minimum(t_miss, t_ground), t_miss)
        r_lk = pos0[lk0] + f1 * dq[lk0] - p1
        open_lk = np.einsum("ij,ij->i", r_lk, v_threat[lk0] - v1) > 0.0
        passed_lock = live & closing0 & is_locked & flying[lk0] & open_lk
        r_g = g0 + guide_vel[idx] * h - p1
        open_g = np.einsum("ij,ij->i", r_g, guide_vel[idx] - v1) > 0.0
        near_g = np.einsum("ij,ij->i", r_g, r_g) <= seeker[idx] ** 2
        passed_guide = live & closing0 & ~is_locked & guided & near_g & open_g
        t_miss = np.where(passed_lock | passed_guide, np.minimum(t_miss, tau0 + h), t_miss)
        missed = np.isfinite(t_miss)
        if missed.any():
            mis.append((idx[missed], t_miss[missed]))

        pos[idx], vel[idx], locked[idx] = p1, v1, lk
        alive[idx[fired | missed]] = False

    new_state = InterceptorTable(
        pos=pos,
        vel=vel,
        alive=alive,
        type_idx=state.type_idx.copy(),
        launcher_id=state.launcher_id.copy(),
        launch_time=state.launch_time.copy(),
        target_track=state.target_track.copy(),
        locked_threat=locked,
    )
    return new_state, _outputs(det, mis)


def _outputs(
    det: list[tuple[IntArray, IntArray, BoolArray, FloatArray, FloatArray, FloatArray]],
    mis: list[tuple[IntArray, FloatArray]],
) -> FlyoutOutputs:
    """Concatenate the per-substep records and sort them by interceptor row."""
    if det:
        rows, thr, killed, miss_d, t_det, p_det = (
            np.concatenate(c) for c in zip(*det, strict=True)
        )
    else:
        rows, thr = np.empty(0, np.int64), np.empty(0, np.int64)
        killed, miss_d, t_det, p_det = np.empty(0, bool), np.empty(0), np.empty(0), np.empty((0, 3))
    o = np.argsort(rows, kind="stable")
    if mis:
        m_rows, m_time = (np.concatenate(c) for c in zip(*mis, strict=True))
    else:
        m_rows, m_time = np.empty(0, np.int64), np.empty(0)
    om = np.argsort(m_rows, kind="stable")
    return FlyoutOutputs(
        detonated=rows[o].astype(np.int64),
        threat=thr[o].astype(np.int64),
        killed=killed[o].astype(bool),
        miss_distance_m=miss_d[o].astype(float),
        det_time=t_det[o].astype(float),
        det_pos=p_det[o].reshape(-1, 3).astype(float),
        missed=m_rows[om].astype(np.int64),
        miss_time=m_time[om].astype(float),
    )
