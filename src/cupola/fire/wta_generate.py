r"""Seeded air-defense-like static weapon-target assignment instances, for benchmarks and tests.

Unlike the dense random public instances, a decision cycle of a battle manager looks like
this: fire units spread over a defended region, each reaching only the threats whose intercept
point lies within its reach (sparse feasibility); a few rounds launchable per unit in the cycle;
a kill probability set by the interceptor type and the threat class and falling off towards the
edge of the reach; threat values from the expected damage, most small and a few large
(log-normal); a cost per round, weighed one for one against the damage (:math:`\lambda = 1`,
both in thousands of dollars), so that a threat worth less than a round is better left alone.

Generic public figures (``../shared/research/facts.md``): interceptors cost $50–150k; a rocket
kill probability of 0.75–0.9 per round. Everything else is an assumption of this generator.
"""

from __future__ import annotations

import numpy as np

from cupola.fire.static_wta import StaticWTA, build

#: Interceptor types: (single-shot kill probability against a rocket, cost per round in k$).
INTERCEPTORS = ((0.9, 150.0), (0.85, 100.0), (0.75, 50.0))
#: Threat classes: kill-probability factor (rocket, mortar round, drone).
THREAT_FACTOR = (1.0, 0.85, 0.9)
#: Side of the square region, km, and a fire unit's reach, km.
REGION_KM = 60.0
REACH_KM = 8.0
#: Log-normal expected damage of a threat: median and log-spread, k$.
VALUE_MEDIAN = 300.0
VALUE_SIGMA = 1.5
#: Rounds launchable per fire unit in one cycle: 1 to this.
MAX_READY = 4


def air_defense(n_units: int, n_threats: int, seed: int) -> StaticWTA:
    """An instance with ``n_units`` fire units and ``n_threats`` threats (module docstring);
    the same seed gives the same instance."""
    rng = np.random.default_rng(np.random.SeedSequence([n_units, n_threats, seed]))
    units = rng.uniform(0.0, REGION_KM, (n_units, 2))
    threats = rng.uniform(0.0, REGION_KM, (n_threats, 2))
    kind = rng.integers(0, len(INTERCEPTORS), n_units)
    cls = rng.integers(0, len(THREAT_FACTOR), n_threats)
    base = np.array([p for p, _ in INTERCEPTORS])[kind]
    cost = np.array([c for _, c in INTERCEPTORS])[kind]
    dist = np.linalg.norm(units[:, None, :] - threats[None, :, :], axis=2)
    edge = np.clip(dist / REACH_KM, 0.0, 1.0)
    pk = base[:, None] * np.asarray(THREAT_FACTOR)[cls][None, :] * (1.0 - 0.3 * edge**2)
    pk = np.where(dist <= REACH_KM, pk, 0.0)
    value = VALUE_MEDIAN * np.exp(VALUE_SIGMA * rng.standard_normal(n_threats))
    ammo = rng.integers(1, MAX_READY + 1, n_units)
    return build(value, pk, ammo, cost, 1.0, f"air-defense {n_units}x{n_threats} seed {seed}")
