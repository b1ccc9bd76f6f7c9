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
earlier than :math:`\tau_{e+1} = t_{jk_e} + \Delta`, with :math:`\Delta` half a decision
period and the reaction time (2.5 s in the border town and the city, whose simulations' median
from a miss to the next launch at the same threat was 3.5–3.7 s, the launch waiting for the
time that meets the next point; 3.5 s in drone-night). Sites that add up their engagements
would count two batteries side by side twice; in the simulation the second only helps when it
meets the threat earlier.

**Turn.** An engagement reaches its threat with probability :math:`\rho = \min(1, (a_{max}
/ a)^2)`, with :math:`a` the lateral acceleration the intercept asks of the interceptor
(:mod:`cupola.engage.demand`). Among the sites that can meet the engaged point, the battle
manager takes the one of highest :math:`\rho` (:mod:`cupola.fire.greedy`), and so does the
model. In 8,054 simulated engagements (one battery at 16 sites of the border town and the city, and
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

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from cupola.engage.base import InterceptorTypes
from cupola.engage.demand import demanded_acceleration, reach_probability
from cupola.engage.profile import time_to_distance
from cupola.scenario.schema import Scenario
from cupola.sim.bmc import PATH_STEP_S
from cupola.siting.sample import ThreatSample

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Most engagements of one threat counted.
MAX_ENGAGEMENTS = 3


def decision_grid(sc: Scenario) -> tuple[float, float]:
    """The battle manager's reaction time (the first battery's) and the step of its
    predicted paths, s: where its intercept times fall (:func:`sequence`)."""
    return sc.batteries[0].reaction_time_s, PATH_STEP_S


def reengage_s(sc: Scenario) -> float:
    """From a burst to the earliest next launch at the same threat, s: half a decision period
    (the battle manager sees the burst at once and orders at its next cycle) and the first
    battery's reaction time."""
    return 0.5 * sc.doctrine.decision_period_s + sc.batteries[0].reaction_time_s


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
    grid: tuple[float, float],
    max_engagements: int = MAX_ENGAGEMENTS,
    prefer: Callable[[IntArray, int], FloatArray] | None = None,
) -> tuple[IntArray, NDArray[np.bool_], IntArray, FloatArray]:
    """Engagements of B layouts of K sites each, from their deadlines ``dl`` (B, K, N, P).

    Engagement :math:`e`, from its earliest launch :math:`\tau_e`, meets the threat at the
    earliest time any site can (module docstring). The battle manager's intercept times are
    those of its predicted path, every :math:`h` s from its decision at :math:`\tau_e - R`
    (``grid = (R, h)``): each site's earliest point is taken to the next time of that grid,
    and among the sites whose times tie the one of the highest ``prefer`` score meets it (the
    first on equal scores).

    Parameters
    ----------
    dl : (B, K, N, P) float64
        :func:`deadlines` of each layout's sites (K = 1 for sites alone).
    sample : ThreatSample
    reengage : float
        :func:`reengage_s`, s.
    grid : (float, float)
        :func:`decision_grid`: reaction time and path step of the battle manager, s.
    max_engagements : int
    prefer : callable, optional
        ``prefer(point, e)`` gives, for each site's earliest point (B, K, N) of engagement
        ``e``, a score to choose among sites tied on the grid (reach probability).

    Returns
    -------
    point : (B, N, E) int64
        Path point of each engagement (0 where there is none).
    engaged : (B, N, E) bool
    site : (B, N, E) int64
        The layout's site (0..K-1) that meets it.
    score : (B, N, E) float64
        ``prefer``'s score of that site (1 without ``prefer``).
    """
    t = sample.path_time
    reaction, step = grid
    b, _, n, _ = dl.shape
    launch = np.broadcast_to(sample.engage_from, (b, n)).astype(float)
    shape = (b, n, max_engagements)
    point = np.zeros(shape, np.int64)
    engaged = np.zeros(shape, bool)
    site = np.zeros(shape, np.int64)
    score = np.ones(shape)
    rows = np.arange(n)[None, None, :]
    for e in range(max_engagements):
        ok = dl >= launch[:, None, :, None]  # B, K, N, P
        can = ok.any(axis=3)
        if not can.any():
            break
        first = ok.argmax(axis=3)  # B, K, N
        decided = np.where(np.isfinite(launch), launch - reaction, 0.0)[:, None, :]
        raw = np.where(can, t[rows, first], decided)
        when = np.where(can, decided + step * np.ceil((raw - decided) / step - 1e-9), np.inf)
        best = when.min(axis=1)  # B, N
        hit = np.isfinite(best)
        tied = can & (when <= best[:, None, :] + 1e-6)
        rank = prefer(first, e) if prefer is not None else np.ones(first.shape)
        pick = np.where(tied, rank, -np.inf).argmax(axis=1)  # B, N
        chosen = np.take_along_axis(first, pick[:, None, :], axis=1)[:, 0]
        point[:, :, e], engaged[:, :, e], site[:, :, e] = chosen, hit, pick
        score[:, :, e] = np.take_along_axis(rank, pick[:, None, :], axis=1)[:, 0]
        launch = np.where(hit, best + reengage, np.inf)
    return point, engaged, site, score


def survival(
    itypes: InterceptorTypes,
    itype: int,
    sites: FloatArray,
    dl: FloatArray,
    layouts: IntArray,
    sample: ThreatSample,
    kill: FloatArray,
    reengage: float,
    grid: tuple[float, float],
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
    grid : (float, float)
        :func:`decision_grid`.
    velocity : (N, P, 3) float64, optional
        :func:`threat_velocity` of the sample (computed when not given).
    """
    layouts = np.asarray(layouts, np.int64).reshape(len(layouts), -1)
    velocity = threat_velocity(sample) if velocity is None else velocity
    n = np.arange(len(sample.path))[None, None, :]
    at_sites = sites[layouts][:, :, None, :]  # B, K, 1, 3

    def reach(first: IntArray, _: int) -> FloatArray:
        accel = demanded_acceleration(
            itypes, itype, at_sites, sample.path[n, first], velocity[n, first]
        )
        return reach_probability(itypes, itype, accel)

    _, engaged, _, rho = sequence(dl[layouts], sample, reengage, grid, prefer=reach)
    return np.asarray(np.prod(np.where(engaged, 1.0 - rho * kill[None, :, None], 1.0), axis=2))


def threat_velocity(sample: ThreatSample) -> FloatArray:
    """(N, P, 3) threat velocity at the path points, m/s (finite differences)."""
    dp = np.gradient(sample.path, axis=1) if sample.path.shape[1] > 1 else sample.path * 0.0
    dt = np.gradient(sample.path_time, axis=1) if sample.path.shape[1] > 1 else sample.path_time
    return np.asarray(dp / np.where(dt > 0, dt, 1.0)[..., None], np.float64)
