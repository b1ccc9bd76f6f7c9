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
from cupola.engage.profile import speed, time_to_distance
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
    diff = path[None, :, :, :] - sites[:, None, None, :]
    d = np.sqrt(np.einsum("...i,...i->...", diff, diff))  # S, N, P
    fly = Flyout(itypes, itype).time_to(d)
    can = (d >= itypes.min_range_m[itype]) & (d <= itypes.max_range_m[itype]) & height_ok & before
    return np.asarray(np.where(can, t[None] - fly, -np.inf), np.float64)


class Flyout:
    """An interceptor type's flight time and speed against distance, tabulated every
    :data:`STEP_M` and interpolated (the profile's inversion,
    :func:`cupola.engage.profile.time_to_distance`, is the siting model's hot spot)."""

    STEP_M = 5.0

    def __init__(self, itypes: InterceptorTypes, itype: int) -> None:
        self.r = np.arange(0.0, float(itypes.max_range_m[itype]) + 2 * self.STEP_M, self.STEP_M)
        kind = np.full(len(self.r), itype)
        self.time = time_to_distance(itypes, kind, self.r)
        self.speed = speed(itypes, kind, self.time)

    def time_to(self, d: FloatArray) -> FloatArray:
        """Flight time to distances ``d``, s."""
        return self._at(self.time, d)

    def speed_at(self, d: FloatArray) -> FloatArray:
        """Speed at distances ``d`` along the flight, m/s."""
        return self._at(self.speed, d)

    def _at(self, table: FloatArray, d: FloatArray) -> FloatArray:
        """``table`` linearly interpolated at ``d`` (clamped to the table's ends)."""
        u = np.clip(np.asarray(d, np.float64) / self.STEP_M, 0.0, len(self.r) - 1.0)
        i = np.minimum(u.astype(np.int64), len(self.r) - 2)
        f = u - i
        return np.asarray(table[i] * (1.0 - f) + table[i + 1] * f, np.float64)


class Deadlines:
    r"""Deadlines of R sites (:func:`deadlines`, (R, N, P)), indexed to find fast the earliest
    point each can meet from a launch time.

    The earliest point :math:`k` with :math:`D_k \ge \tau` is the earliest with
    :math:`M_k \ge \tau` for the running maximum :math:`M_k = \max_{i \le k} D_i`, which is
    sorted; the R x N running maxima, each shifted by its own multiple of :data:`SPAN`, make
    one sorted array, searched for all launches at once (:func:`numpy.searchsorted`).
    """

    #: Deadlines below this are out of the envelope, s; launches and deadlines above
    #: ``SPAN + FLOOR`` are not expected (a raid lasts minutes).
    FLOOR = -1.0e4
    SPAN = 1.0e5

    def __init__(
        self,
        dl: FloatArray,
        reach: Callable[[IntArray, IntArray], FloatArray] | None = None,
        start: FloatArray | None = None,
    ) -> None:
        r, n, p = dl.shape
        self.shape = (r, n, p)
        #: ``reach(sites, points)``: reach probability of sites (B, K, 1) at path points
        #: (B, K, N) (:func:`index`), or None.
        self.reach = reach
        top = np.maximum.accumulate(np.maximum(dl, self.FLOOR), axis=2)
        shift = (np.arange(r * n, dtype=np.float64) * self.SPAN).reshape(r, n, 1)
        self._sorted = (top + shift).ravel()
        #: The first engagements' launches (N,) of the sample, and every site's earliest
        #: points from them, found once (:meth:`first_from_start`).
        self.start = start
        self._from_start: tuple[IntArray, NDArray[np.bool_]] | None = None
        if start is not None:
            self._from_start = self.first(np.arange(r)[:, None], start[None])

    def first_from_start(
        self, rows: IntArray, start: FloatArray
    ) -> tuple[IntArray, NDArray[np.bool_]]:
        """:meth:`first` from the first engagements' launches ``start`` (N,): looked up when
        they are those the index was built with."""
        found = self._from_start
        if found is not None and self.start is not None and np.array_equal(start, self.start):
            return found[0][rows, 0], found[1][rows, 0]
        return self.first(rows, np.broadcast_to(start, (len(rows), len(start))))

    def first(self, rows: IntArray, launch: FloatArray) -> tuple[IntArray, NDArray[np.bool_]]:
        """Earliest point each of ``rows`` (B, K) can meet from ``launch`` (B, N): (B, K, N)
        point indices (0 where none) and whether there is one."""
        _, n, p = self.shape
        block = rows[:, :, None] * n + np.arange(n)[None, None, :]  # B, K, N
        query = launch[:, None, :] + block * self.SPAN
        k = np.searchsorted(self._sorted, query) - block * p
        can = (k < p) & np.isfinite(query)
        return np.where(can, k, 0), can


def sequence(
    dl: Deadlines,
    rows: IntArray,
    sample: ThreatSample,
    reengage: float,
    grid: tuple[float, float],
    max_engagements: int = MAX_ENGAGEMENTS,
    prefer: Callable[[IntArray, int], FloatArray] | None = None,
) -> tuple[IntArray, NDArray[np.bool_], IntArray, FloatArray]:
    r"""Engagements of B layouts of K sites each (``rows`` (B, K) of the sites of ``dl``).

    Engagement :math:`e`, from its earliest launch :math:`\tau_e`, meets the threat at the
    earliest time any site can (module docstring). The battle manager's intercept times are
    those of its predicted path, every :math:`h` s from its decision at :math:`\tau_e - R`
    (``grid = (R, h)``): each site's earliest point is taken to the next time of that grid,
    and among the sites whose times tie the one of the highest ``prefer`` score meets it (the
    first on equal scores).

    Parameters
    ----------
    dl : Deadlines
        Of the sites.
    rows : (B, K) int64
        Sites of each layout (K = 1 for sites alone).
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
    b, n = len(rows), dl.shape[1]
    launch = np.broadcast_to(sample.engage_from, (b, n)).astype(float)
    shape = (b, n, max_engagements)
    point = np.zeros(shape, np.int64)
    engaged = np.zeros(shape, bool)
    site = np.zeros(shape, np.int64)
    score = np.ones(shape)
    j = np.arange(n)[None, None, :]
    for e in range(max_engagements):
        if e == 0:  # layout-independent: every site's, found once per index
            first, can = dl.first_from_start(rows, sample.engage_from)
        else:
            first, can = dl.first(rows, launch)  # B, K, N
        if not can.any():
            break
        decided = np.where(np.isfinite(launch), launch - reaction, 0.0)[:, None, :]
        raw = np.where(can, t[j, first], decided)
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
    dl: Deadlines,
    layouts: IntArray,
    sample: ThreatSample,
    kill: FloatArray,
    reengage: float,
    grid: tuple[float, float],
) -> FloatArray:
    """(B, N) probability that each sampled threat survives each layout (module docstring).

    Parameters
    ----------
    dl : Deadlines
        Of the sites, with their reach table (:func:`index`).
    layouts : (B, K) int64
        Sites of each layout (rows of ``dl``).
    sample : ThreatSample
        N sampled threats.
    kill : (N,) float64
        Kill probability of one engagement that reaches its threat.
    reengage : float
        :func:`reengage_s`, s.
    grid : (float, float)
        :func:`decision_grid`.
    """
    return tally(dl, layouts, sample, kill, reengage, grid)[0]


def tally(
    dl: Deadlines,
    layouts: IntArray,
    sample: ThreatSample,
    kill: FloatArray,
    reengage: float,
    grid: tuple[float, float],
) -> tuple[FloatArray, FloatArray, FloatArray, IntArray]:
    r"""Each layout's engagements of each threat, with what they cost and what they kill.

    Engagement :math:`e` is fired if the threat survived the ones before it, with probability
    :math:`a_e = \prod_{e' < e} (1 - \rho_{e'} P_k)`, and kills it with probability
    :math:`a_e \rho_e P_k`; the survival is :math:`1 - \sum_e a_e \rho_e P_k`. Parameters
    as :func:`survival`.

    Returns
    -------
    alive : (B, N) float64
        Survival.
    fired : (B, N, E) float64
        :math:`a_e`, 0 where there is no engagement :math:`e`.
    killed : (B, N, E) float64
        :math:`a_e \rho_e P_k`.
    site : (B, N, E) int64
        The layout's site (0..K-1) that fires engagement :math:`e`.
    """
    layouts = np.asarray(layouts, np.int64).reshape(len(layouts), -1)
    assert dl.reach is not None, "survival needs the sites' reach (timeline.index)"
    reach = dl.reach
    sites = layouts[:, :, None]
    _, engaged, site, rho = sequence(
        dl, layouts, sample, reengage, grid, prefer=lambda first, _: reach(sites, first)
    )
    p = np.where(engaged, rho * kill[None, :, None], 0.0)
    left = np.cumprod(1.0 - p, axis=2)
    before = np.concatenate([np.ones((*left.shape[:2], 1)), left[:, :, :-1]], axis=2)
    fired = np.where(engaged, before, 0.0)
    return np.asarray(left[:, :, -1]), fired, fired * p, site


def index(
    itypes: InterceptorTypes,
    itype: int,
    sites: FloatArray,
    sample: ThreatSample,
    min_altitude_m: float,
    velocity: FloatArray | None = None,
    table: bool = False,
) -> Deadlines:
    """The :func:`deadlines` of ``sites`` (S, 3), indexed, with each site's reach probability
    at the path points (:mod:`cupola.engage.demand`; ``velocity`` the sample's
    :func:`threat_velocity`, computed when not given): tabulated at every point with
    ``table`` (for sites whose layouts are scored many times), else computed where asked."""
    velocity = threat_velocity(sample) if velocity is None else velocity
    flyout = Flyout(itypes, itype)
    j = np.arange(len(sample.path))

    def turn(rows: IntArray, first: IntArray) -> FloatArray:
        accel = demanded_acceleration(
            itypes,
            itype,
            sites[rows],
            sample.path[j, first],
            velocity[j, first],
            speed_at=flyout.speed_at,
        )
        return reach_probability(itypes, itype, accel)

    reach: Callable[[IntArray, IntArray], FloatArray] = turn
    if table:
        accel = demanded_acceleration(
            itypes,
            itype,
            sites[:, None, None, :],
            sample.path[None],
            velocity[None],
            speed_at=flyout.speed_at,
        )
        tab = reach_probability(itypes, itype, accel).astype(np.float32)  # S, N, P

        def looked_up(rows: IntArray, first: IntArray) -> FloatArray:
            return np.asarray(tab[rows, j, first], np.float64)

        reach = looked_up

    dl = deadlines(itypes, itype, sites, sample, min_altitude_m)
    return Deadlines(dl, reach, np.asarray(sample.engage_from, np.float64))


def threat_velocity(sample: ThreatSample) -> FloatArray:
    """(N, P, 3) threat velocity at the path points, m/s (finite differences)."""
    dp = np.gradient(sample.path, axis=1) if sample.path.shape[1] > 1 else sample.path * 0.0
    dt = np.gradient(sample.path_time, axis=1) if sample.path.shape[1] > 1 else sample.path_time
    return np.asarray(dp / np.where(dt > 0, dt, 1.0)[..., None], np.float64)
