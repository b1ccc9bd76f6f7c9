r"""The engagement sequence a layout gives each sampled threat, and the chance it survives it.

**Deadlines.** Site :math:`s` can meet path point :math:`k` of trajectory :math:`j` if it
launches by :math:`D_{sjk} = t_{jk} - T_f(\lVert p_{jk} - x_s \rVert)` and the point is in
the fire-control envelope (:mod:`cupola.fire.envelope`: range, altitude, before impact);
:math:`D_{sjk} = -\infty` otherwise.

**Sequence.** The battle manager engages a threat with one interceptor at a time, from the
launcher that intercepts it earliest (:mod:`cupola.fire.greedy`). A layout :math:`X` can meet
point :math:`k` by launching from any of its sites, so it acts as one site with deadlines
:math:`D_{Xjk} = \max_{s \in X} D_{sjk}`, the point met from the site of the latest deadline.
From the earliest engagement :math:`\tau_1` (:mod:`.sample`), engagement :math:`e` meets the
earliest point with :math:`D_{Xjk} \ge \tau_e`, at :math:`t_{jk_e}`; the next launch is no
earlier than :math:`\tau_{e+1} = t_{jk_e} + \Delta`, with :math:`\Delta` the kill assessment,
half a decision period and the reaction time (4.5 s in the border town and the city, whose
simulation's median from a burst to the next launch was 4.8 s; 5.5 s in drone-night). Sites
that add up their engagements would count two batteries side by side twice; in the simulation
the second only helps when it meets the threat earlier.

**Turn.** An interceptor meeting a threat of velocity :math:`v_T` crossing its line of sight
at angle :math:`\theta`, at range :math:`r`, with its speed :math:`V_M` there
(:func:`cupola.engage.profile.speed`), is asked by proportional navigation (constant :math:`N`)
for about

.. math::

    a = N V_M \frac{v_T \sin\theta}{r}

(the line-of-sight rate at the intercept; Zarchan, *Tactical and Strategic Missile Guidance*,
ch. 2). Asked for more than its lateral acceleration limit :math:`a_{max}` it mostly flies
past, so an engagement reaches its threat with probability

.. math::

    \rho = \min\left(1, (a_{max} / a)^2\right).

In 8,054 simulated engagements (one battery at 16 sites of the border town and the city, and
two-battery layouts of the border town), the share that did not self-destruct, against
:math:`\rho` at the middle of each bin of :math:`a / a_{max}`:

=========== ===== ======= ======= ======= ======= ======= ===== ===== =====
a / a_max   < 1   1-1.1   1.1-1.2 1.2-1.3 1.3-1.4 1.4-1.6 1.6-2 2-3   > 3
simulated   0.999 0.97    0.87    0.75    0.52    0.43    0.36  0.14  0
rho         1     0.91    0.76    0.64    0.55    0.44    0.31  0.16  < 0.11
=========== ===== ======= ======= ======= ======= ======= ===== ===== =====

A threat's survival is :math:`\prod_e (1 - \rho_e P_{k,j})` over at most
:data:`MAX_ENGAGEMENTS` engagements.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.engage.base import InterceptorTypes
from cupola.engage.profile import speed, time_to_distance
from cupola.scenario.schema import Scenario
from cupola.siting.sample import ThreatSample

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Most engagements of one threat counted.
MAX_ENGAGEMENTS = 3


def reengage_s(sc: Scenario) -> float:
    """From a burst to the next launch at the same threat, s: kill assessment, half a decision
    period and the first battery's reaction time."""
    d = sc.doctrine
    return d.kill_assessment_s + 0.5 * d.decision_period_s + sc.batteries[0].reaction_time_s


def deadlines(
    itypes: InterceptorTypes,
    itype: int,
    sites: FloatArray,
    sample: ThreatSample,
    min_altitude_m: float,
) -> FloatArray:
    """(S, N, P) latest launch time from each site that meets each path point, s after the
    threat's launch; ``-inf`` outside the envelope (module docstring)."""
    path, t = sample.path, sample.path_time
    z = path[None, :, :, 2]
    height_ok = (z >= max(min_altitude_m, 0.0)) & (z > 0.0) & (z <= itypes.ceiling_m[itype])
    before = t < sample.impact_time[:, None]
    d = np.linalg.norm(path[None, :, :, :] - sites[:, None, None, :], axis=-1)  # S, N, P
    fly = time_to_distance(itypes, np.full(d.shape, itype), d)
    can = (d >= itypes.min_range_m[itype]) & (d <= itypes.max_range_m[itype]) & height_ok & before
    return np.asarray(np.where(can, t[None] - fly, -np.inf), np.float64)


def sequence(
    dl: FloatArray,
    sample: ThreatSample,
    reengage: float,
    max_engagements: int = MAX_ENGAGEMENTS,
) -> tuple[IntArray, NDArray[np.bool_]]:
    """Engagements of the deadlines ``dl`` (B, N, P) (one site, or a layout's maximum).

    Returns
    -------
    point : (B, N, E) int64
        Path point of each engagement (0 where there is none).
    engaged : (B, N, E) bool
    """
    t = sample.path_time
    b, n, _ = dl.shape
    launch = np.broadcast_to(sample.engage_from, (b, n)).astype(float)
    point = np.zeros((b, n, max_engagements), np.int64)
    engaged = np.zeros((b, n, max_engagements), bool)
    rows = np.arange(n)[None, :]
    for e in range(max_engagements):
        ok = dl >= launch[:, :, None]
        hit = ok.any(axis=2)
        if not hit.any():
            break
        k = ok.argmax(axis=2)
        point[:, :, e], engaged[:, :, e] = k, hit
        launch = np.where(hit, t[rows, k] + reengage, np.inf)
    return point, engaged


def demanded_acceleration(
    itypes: InterceptorTypes, itype: int, site: FloatArray, at: FloatArray, v_threat: FloatArray
) -> FloatArray:
    r"""(…,) :math:`N V_M v_T \sin\theta / r` (module docstring), m/s², for interceptors from
    ``site`` meeting threats at ``at`` flying at ``v_threat`` (all (…, 3), ENU)."""
    los = at - site
    r = np.maximum(np.linalg.norm(los, axis=-1), 1.0)
    cross = np.linalg.norm(np.cross(los, v_threat), axis=-1) / r  # v_T sin(theta)
    kind = np.full(r.shape, itype)
    v_m = speed(itypes, kind, time_to_distance(itypes, kind, r))
    return np.asarray(itypes.navigation_constant[itype] * v_m * cross / r, np.float64)


def survival(
    itypes: InterceptorTypes,
    itype: int,
    sites: FloatArray,
    dl: FloatArray,
    layouts: IntArray,
    sample: ThreatSample,
    kill: FloatArray,
    reengage: float,
    velocity: FloatArray | None = None,
) -> FloatArray:
    """(B, N) probability that each sampled threat survives each layout (module docstring).

    Parameters
    ----------
    itypes : InterceptorTypes
    itype : int
        The batteries' interceptor type.
    sites : (S, 3) float64
        Site positions, ENU, m.
    dl : (S, N, P) float64
        :func:`deadlines` of the sites.
    layouts : (B, K) int64
        Sites of each layout (rows into ``sites``).
    sample : ThreatSample
        N sampled threats.
    kill : (N,) float64
        Kill probability of one engagement that reaches its threat.
    reengage : float
        :func:`reengage_s`, s.
    velocity : (N, P, 3) float64, optional
        :func:`threat_velocity` of the sample (computed when not given).
    """
    layouts = np.asarray(layouts, np.int64).reshape(len(layouts), -1)
    joint = dl[layouts[:, 0]]  # B, N, P: the layout's deadlines, the latest of its sites
    for i in range(1, layouts.shape[1]):
        np.maximum(joint, dl[layouts[:, i]], out=joint)
    point, engaged = sequence(joint, sample, reengage)
    velocity = threat_velocity(sample) if velocity is None else velocity
    n = np.arange(joint.shape[1])
    limit = itypes.max_lateral_accel_mps2[itype]
    out = np.ones(joint.shape[:2])
    for e in range(point.shape[2]):
        k = point[:, :, e]  # B, N
        # The site of the latest deadline at the engaged point: the one that meets it.
        at_k = dl[layouts[:, :, None], n[None, None, :], k[:, None, :]]  # B, K, N
        site = sites[np.take_along_axis(layouts, at_k.argmax(axis=1), 1)]
        accel = demanded_acceleration(
            itypes, itype, site, sample.path[n[None, :], k], velocity[n[None, :], k]
        )
        reach = np.minimum(1.0, (limit / np.maximum(accel, 1e-9)) ** 2)  # rho
        out *= np.where(engaged[:, :, e], 1.0 - reach * kill[None, :], 1.0)
    return out


def threat_velocity(sample: ThreatSample) -> FloatArray:
    """(N, P, 3) threat velocity at the path points, m/s (finite differences)."""
    dp = np.gradient(sample.path, axis=1) if sample.path.shape[1] > 1 else sample.path * 0.0
    dt = np.gradient(sample.path_time, axis=1) if sample.path.shape[1] > 1 else sample.path_time
    return np.asarray(dp / np.where(dt > 0, dt, 1.0)[..., None], np.float64)
