"""How far the coverage model agrees with the full simulation on engagement feasibility.

One battery (a copy of the scenario's first, :func:`.layout.with_batteries`) at a site, with
rounds enough that it never runs dry (ready rounds raised to :data:`ROUNDS` a launcher) and
the doctrine set to engage every threat it can (``engage_outside_assets``, threshold 0), runs
the scenario's raid with the full simulation. The simulation *engages* a threat when it
launches an interceptor at it. The coverage model (:mod:`.coverage`) is evaluated on the very
threats of that run (the engine's raid stream, :func:`cupola.core.rng.streams`), so both judge
the same trajectories. Agreement is the share of threats on which they say the same, over
all threats and over those bound for defended assets (the ones a plan values).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cupola.core.rng import streams
from cupola.scenario.schema import Scenario
from cupola.sim.engine import simulate
from cupola.sim.raid import build_threats
from cupola.sim.world import compile_world
from cupola.siting.coverage import coverage
from cupola.siting.layout import with_batteries
from cupola.siting.sample import fly_sample
from cupola.siting.timeline import decision_grid, reengage_s

#: Ready rounds a launcher gets for the comparison.
ROUNDS = 1000


@dataclass(frozen=True)
class Agreement:
    """Model and simulation, threat by threat.

    Attributes
    ----------
    model : (N,) bool
        The coverage model says the site can intercept the threat.
    simulated : (N,) bool
        The simulation launched an interceptor at it.
    bound : (N,) bool
        The threat's impact damages a defended asset (the threats siting plans for).
    """

    model: NDArray[np.bool_]
    simulated: NDArray[np.bool_]
    bound: NDArray[np.bool_]

    @property
    def share(self) -> float:
        """Share of threats on which both agree."""
        return float((self.model == self.simulated).mean())

    @property
    def share_bound(self) -> float:
        """Share of the threats bound for defended assets on which both agree (1 if none)."""
        same = self.model[self.bound] == self.simulated[self.bound]
        return float(same.mean()) if len(same) else 1.0


def agreement(sc: Scenario, site: NDArray[np.float64], seed: int) -> Agreement:
    """Model against simulation for one battery at ``site`` (ENU, m) and one seed."""
    base = compile_world(sc)
    one = with_batteries(sc, base, np.asarray(site, float).reshape(1, 3), ["Battery"])
    battery = one.batteries[0]
    launchers = [
        ln.model_copy(update={"ready_rounds": ROUNDS, "capacity": ROUNDS})
        for ln in battery.launchers
    ]
    one = one.model_copy(
        update={
            "batteries": [battery.model_copy(update={"launchers": launchers})],
            "doctrine": sc.doctrine.model_copy(
                update={"engage_outside_assets": True, "engage_threshold": 0.0}
            ),
        }
    )
    world = compile_world(one)
    threats, _, _ = build_threats(world, streams(seed)["raid"])
    sample = fly_sample(world, threats, battery.reaction_time_s)
    itype = int(world.units.itype[0])
    model = (
        coverage(
            world.interceptors,
            itype,
            world.units.battery_pos[:1],
            sample,
            sc.doctrine.min_intercept_altitude_m,
            reengage_s(one),
            decision_grid(one),
        )[0]
        > 0
    )
    run = simulate(world, seed)
    simulated = np.zeros(len(threats.pos), bool)
    label = run.interceptor_threat
    simulated[label[label >= 0]] = True
    return Agreement(model, simulated, sample.value > 0)
