"""The siting planner: sample, coverage, choice of sites, and the coverage they give.

:func:`plan` draws the threat sample (:mod:`.sample`), builds the candidate sites
(:mod:`.sites`), the coverage matrix (:mod:`.coverage`), a layout of 1 to K sites by the MEXCLP
(:mod:`.optimise`) refined on the engagement-sequence model (:mod:`.refine`), the curve of
defended value for 1 to K batteries, and the layouts as scenarios (:mod:`.layout`). Values are
expected asset value defended per raid: the sample's sums with its weights
(:attr:`.sample.ThreatSample.worth`). The Monte Carlo check with the full simulation is
:mod:`.check`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.ops
from numpy.typing import NDArray

from cupola.errors import InputError
from cupola.scenario.schema import RouteAsset, Scenario
from cupola.sim.world import World, compile_world
from cupola.siting.coverage import coverage, kill_probability
from cupola.siting.layout import naive_sites, with_batteries
from cupola.siting.optimise import Layout, choose
from cupola.siting.refine import SequenceModel
from cupola.siting.rounds import rounds_per_raid
from cupola.siting.sample import ThreatSample, sample_threats, subset
from cupola.siting.sites import Candidates, exclude, grid, read_candidates, read_exclusions
from cupola.siting.timeline import Deadlines, deadlines, decision_grid, reengage_s, sequence

#: Length of the route segments of the coverage map, m.
SEGMENT_M = 1000.0
#: Default weight of the proximity cost: the farthest site costs this share of the
#: threatened value (:func:`proximity_cost`).
PROXIMITY = 0.005


@dataclass(frozen=True)
class PlanOptions:
    """How to plan.

    Attributes
    ----------
    batteries : int
        K, the batteries to site.
    candidates, exclusions : Path or None
        GeoJSON files (:mod:`.sites`).
    samples : int
        Sampled threats, about.
    seed : int
        Seed of the sample.
    margin_m, spacing_m : float
        The default grid (:func:`.sites.grid`).
    method : str
        ``auto``, ``milp`` or ``greedy`` (:func:`.optimise.choose`).
    time_limit_s : float
        Per MILP.
    """

    batteries: int
    candidates: Path | None = None
    exclusions: Path | None = None
    samples: int = 1000
    seed: int = 0
    margin_m: float = 5000.0
    spacing_m: float | None = None
    method: str = "auto"
    time_limit_s: float = 20.0
    proximity: float = PROXIMITY


@dataclass(frozen=True)
class Plan:
    """A plan (module docstring); values per raid, in the assets' value units; ``rounds``
    the rounds per raid the planned and the naive layouts are asked and have
    (:meth:`.refine.SequenceModel.rounds_balance`)."""

    scenario: Scenario
    world: World
    options: PlanOptions
    candidates: Candidates
    sample: ThreatSample
    cover: NDArray[np.uint8]
    kill: NDArray[np.float64]
    layout: Layout
    mexclp: Layout
    curve: list[dict[str, Any]]
    planned: Scenario
    naive: Scenario
    naive_value: float
    threatened_value: float
    model: SequenceModel
    rounds: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def planned_value(self) -> float:
        return self.layout.value


def plan(sc: Scenario, source: str, options: PlanOptions) -> Plan:
    """Plan ``options.batteries`` sites for ``sc`` (module docstring).

    Raises
    ------
    InputError
        No battery to copy; K below 1 or above the number of candidates; a bad candidates
        or exclusion file; no candidate left; an asset no candidate can reach; no candidate
        that can intercept any threat bound for a defended asset.
    """
    clock = time.perf_counter()
    seconds: dict[str, float] = {}
    k = options.batteries
    if not sc.batteries:
        raise InputError(
            source, "batteries", "the plan copies the scenario's first battery; give one"
        )
    if k < 1:
        raise InputError("--batteries", "", f"must be at least 1, got {k}")
    world = compile_world(sc, source)
    c = (
        read_candidates(options.candidates, world)
        if options.candidates is not None
        else grid(world, options.margin_m, options.spacing_m)
    )
    area = read_exclusions(options.exclusions, world) if options.exclusions is not None else None
    c = exclude(c, area)
    if len(c.names) == 0:
        raise InputError("--exclude", "", "every candidate site lies in an excluded area")
    if k > len(c.names):
        raise InputError(
            "--batteries",
            "",
            f"{k} batteries but only {len(c.names)} candidate "
            f"site{'' if len(c.names) == 1 else 's'} (outside excluded areas)",
        )
    itype = int(world.units.itype[0])
    reach = float(world.interceptors.max_range_m[itype])
    _check_reach(world, c, reach)
    seconds["candidates"] = time.perf_counter() - clock
    clock = time.perf_counter()
    rng = np.random.default_rng(np.random.SeedSequence(options.seed))
    sample = sample_threats(world, options.samples, rng, sc.batteries[0].reaction_time_s)
    seconds["sample"] = time.perf_counter() - clock
    clock = time.perf_counter()
    alt = sc.doctrine.min_intercept_altitude_m
    reengage, path_grid = reengage_s(sc), decision_grid(sc)
    cover = coverage(world.interceptors, itype, c.pos, sample, alt, reengage, path_grid)
    kill = kill_probability(
        world.interceptors, itype, sample.type_idx, sc.doctrine.shots_per_engagement
    )
    seconds["coverage"] = time.perf_counter() - clock
    valued = sample.value > 0
    if not valued.any():
        raise InputError(
            source,
            "",
            f"none of the {len(valued)} sampled threats lands on a defended asset within "
            f"sim.max_time_s ({sc.sim.max_time_s:g} s): nothing to defend",
        )
    if not cover[:, valued].any():
        raise InputError(
            source,
            "",
            f"no candidate site can intercept any of the {int(valued.sum())} sampled threats "
            "bound for defended assets (move the candidates, or check the interceptor's reach)",
        )
    clock = time.perf_counter()
    cost = proximity_cost(c, sample, options.proximity)
    starts = [
        choose(cover, sample.worth, kill, n, options.method, options.time_limit_s, cost)
        for n in range(1, k + 1)
    ]
    seconds["mexclp"] = time.perf_counter() - clock
    clock = time.perf_counter()
    worth = sample.worth > 0  # the only threats a layout's value depends on
    u = world.units
    offsets = u.pos[u.battery == 0] - u.battery_pos[0]  # the template battery's launchers
    model = SequenceModel(
        world.interceptors,
        itype,
        subset(sample, worth),
        kill[worth],
        reengage,
        path_grid,
        alt,
        offsets,
        rounds_per_raid(sc, sample),
    )
    refined = model.refine(c.pos, cost, [s.sites for s in starts])
    curve = [
        {
            "batteries": n + 1,
            "defended_value": value,
            "objective": objective,
            "mexclp_value": lay.value,
            "mexclp_bound": lay.bound,
            "mexclp_method": lay.method,
            "mexclp_optimal": lay.optimal,
        }
        for n, (lay, (_, value, objective)) in enumerate(zip(starts, refined, strict=True))
    ]
    mexclp = starts[-1]
    sites, value, objective = refined[-1]
    layout = Layout(sites, value, objective, None, "sequence swaps", time.perf_counter() - clock)
    seconds["refine"] = layout.seconds
    names = [f"Battery {i + 1} ({c.names[s][:80]})" for i, s in enumerate(layout.sites)]
    planned = with_batteries(sc, world, c.pos[layout.sites], names)
    n_pos, n_names = naive_sites(world, k)
    naive = with_batteries(sc, world, n_pos, n_names)
    naive_value = float(model.values(n_pos, np.arange(k)[None, :])[0])
    return Plan(
        scenario=sc,
        world=world,
        options=options,
        candidates=c,
        sample=sample,
        cover=cover,
        kill=kill,
        layout=layout,
        mexclp=mexclp,
        curve=curve,
        planned=planned.model_copy(update={"name": f"{sc.name}-planned"}),
        naive=naive.model_copy(update={"name": f"{sc.name}-naive"}),
        naive_value=naive_value,
        threatened_value=float(sample.worth.sum()),
        model=model,
        rounds={
            "planned": model.rounds_balance(c.pos[layout.sites]),
            "naive": model.rounds_balance(n_pos),
        },
        seconds=seconds,
    )


def proximity_cost(c: Candidates, sample: ThreatSample, weight: float) -> NDArray[np.float64]:
    r"""(S,) the cost of each site for its distance from where the threats land.

    :math:`c_s = \lambda W \bar d_s / \max_s \bar d_s`, with :math:`\bar d_s` the
    value-weighted mean distance from site :math:`s` to the sampled impact points,
    :math:`W` the sampled value and :math:`\lambda` = ``weight``. Among layouts that defend
    (nearly) the same value, the optimiser then prefers sites near the defended assets: there
    the threats come at the battery late in their flight, on mature tracks, which the models
    do not see. In the border town, a second battery 4.7 km towards the launch areas, which
    the engagement-sequence model rates 0.2 % above two batteries in the town, leaked
    1.38 threats a raid against 1.00 over 40 seeds.
    """
    w = sample.worth
    total = float(w.sum())
    if weight == 0.0 or total == 0.0:
        return np.zeros(len(c.pos))
    d = np.linalg.norm(c.pos[:, None, :2] - sample.impact[None, :, :2], axis=2) @ w / total
    return np.asarray(weight * total * d / max(float(d.max()), 1e-9), np.float64)


def _check_reach(world: World, c: Candidates, reach: float) -> None:
    """:class:`InputError` for a defended asset that no candidate site can reach."""
    sites = shapely.points(c.pos[:, :2])
    for i, (name, geom) in enumerate(zip(world.assets.names, world.assets.footprints, strict=True)):
        d = float(np.min(shapely.distance(geom, sites)))
        if d > reach:
            raise InputError(
                world.scenario.name,
                f"assets.{i}",
                f"{name} lies outside the planning area: the nearest candidate site is "
                f"{d / 1000:.1f} km away, beyond the interceptor's {reach / 1000:.1f} km reach",
            )


def asset_coverage(p: Plan, sites: NDArray[np.int64] | None = None) -> list[dict[str, object]]:
    """Per defended asset (and per route segment of about :data:`SEGMENT_M`): the sampled
    threats that would damage it, the share of them covered, the number of batteries
    covering them (mean and least) and of engagements the layout has at them in the battle
    manager's sequence (mean; :func:`.timeline.sequence`), for the planned layout (or ``sites``
    of the candidates).
    """
    chosen = p.layout.sites if sites is None else sites
    count = (p.cover[chosen] > 0).sum(axis=0)
    dl = deadlines(
        p.world.interceptors,
        int(p.world.units.itype[0]),
        p.model.launchers(p.candidates.pos[chosen]),
        p.sample,
        p.scenario.doctrine.min_intercept_altitude_m,
    )
    mine = np.arange(len(dl))[None, :]  # the layout's launchers
    _, engaged, _, _ = sequence(
        Deadlines(dl), mine, p.sample, reengage_s(p.scenario), decision_grid(p.scenario)
    )
    tries = engaged[0].sum(axis=1)
    rows: list[dict[str, object]] = []
    world = p.world
    for a, name in enumerate(world.assets.names):
        for part, geom, hit in _parts(p, a):
            n = int(hit.sum())
            rows.append(
                {
                    "asset": name,
                    "kind": world.assets.kinds[a],
                    "segment": part,
                    "geometry": geom,
                    "threats": n,
                    "covered_share": float((count[hit] > 0).mean()) if n else None,
                    "batteries_mean": float(count[hit].mean()) if n else None,
                    "batteries_min": int(count[hit].min()) if n else None,
                    "engagements_mean": float(tries[hit].mean()) if n else None,
                }
            )
    return rows


def _parts(p: Plan, a: int) -> list[tuple[int | None, Any, NDArray[np.bool_]]]:
    """``(segment, geometry, threats)`` of asset ``a``: the whole asset with the sampled
    threats that damage it, or for a route each segment of about :data:`SEGMENT_M` with those
    whose impact falls within reach of that segment."""
    s = p.sample
    world = p.world
    if world.assets.kinds[a] != "route":
        return [(None, world.assets.footprints[a], s.hits[:, a])]
    spec = next(x for x in p.scenario.assets if x.name == world.assets.names[a])
    assert isinstance(spec, RouteAsset)
    x, y = world.frame.to_local([q.lon for q in spec.line], [q.lat for q in spec.line])
    line = shapely.LineString(np.column_stack([x, y]))
    n = max(1, int(np.ceil(line.length / SEGMENT_M)))
    cuts = np.linspace(0.0, line.length, n + 1)
    pts = shapely.points(s.impact[:, :2])
    reach = world.threat_types.lethal_radius_m[s.type_idx] + spec.width_m / 2
    out: list[tuple[int | None, Any, NDArray[np.bool_]]] = []
    for i in range(n):  # a route's segments, each vectorised over the sample
        segment = shapely.ops.substring(line, cuts[i], cuts[i + 1])
        out.append((i, segment, np.asarray(s.hits[:, a] & shapely.dwithin(segment, pts, reach))))
    return out
