r"""Layouts refined on the engagement-sequence model (:mod:`.timeline`).

The MEXCLP (:mod:`.optimise`) adds up the engagements of a layout's sites, which is linear and
solved exactly, but counts two batteries side by side twice and does not see an interceptor
asked for a turn it cannot make. The engagement-sequence model sees both, and is not linear in
the choice of sites; so its layouts are found by local search. For each number of batteries
:math:`n = 1..K`, two starts — the MEXCLP's layout, and the best layout for :math:`n - 1` grown
by the site that adds most — are improved by best-improvement swaps (:func:`.optimise.improve`)
among a pool of candidates: the :data:`POOL` sites that score best alone (value defended less
the site's cost), and the MEXCLP's sites. The better of the two is kept, by defended value less
the sites' costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from cupola.engage.base import InterceptorTypes
from cupola.siting.optimise import grow, improve
from cupola.siting.sample import ThreatSample
from cupola.siting.timeline import deadlines, survival, threat_velocity

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Candidate sites the local search draws from, besides the MEXCLP's.
POOL = 40
#: Layouts (or single sites) evaluated at once (bounds memory: layouts x threats x points).
CHUNK = 8


@dataclass(frozen=True)
class SequenceModel:
    """What the engagement-sequence model needs about the interceptor, threats and doctrine.

    Attributes
    ----------
    itypes : InterceptorTypes
    itype : int
        The batteries' interceptor type.
    sample : ThreatSample
    kill : (N,) float64
        Kill probability of one engagement that reaches its threat.
    reengage : float
        :func:`.timeline.reengage_s`, s.
    grid : (float, float)
        :func:`.timeline.decision_grid`, s.
    min_altitude_m : float
    """

    itypes: InterceptorTypes
    itype: int
    sample: ThreatSample
    kill: FloatArray
    reengage: float
    grid: tuple[float, float]
    min_altitude_m: float

    def values(self, sites: FloatArray, layouts: IntArray) -> FloatArray:
        """(B,) expected value each layout (rows of ``layouts`` into ``sites``) defends per
        raid."""
        dl = deadlines(self.itypes, self.itype, sites, *self._envelope)
        return self._values(sites, dl, np.asarray(layouts, np.int64))

    @property
    def _envelope(self) -> tuple[ThreatSample, float]:
        return self.sample, self.min_altitude_m

    @cached_property
    def _velocity(self) -> FloatArray:
        return threat_velocity(self.sample)

    def single(self, sites: FloatArray) -> FloatArray:
        """(S,) expected value each site defends alone, per raid."""
        out = np.zeros(len(sites))
        for a in range(0, len(sites), CHUNK):
            part = sites[a : a + CHUNK]
            out[a : a + CHUNK] = self.values(part, np.arange(len(part))[:, None])
        return out

    def _values(self, sites: FloatArray, dl: FloatArray, layouts: IntArray) -> FloatArray:
        worth = self.sample.worth
        out = np.zeros(len(layouts))
        for a in range(0, len(layouts), CHUNK):
            alive = survival(
                self.itypes,
                self.itype,
                sites,
                dl,
                layouts[a : a + CHUNK],
                self.sample,
                self.kill,
                self.reengage,
                self.grid,
                self._velocity,
            )
            out[a : a + CHUNK] = (1.0 - alive) @ worth
        return out

    def refine(
        self, sites: FloatArray, cost: FloatArray, starts: list[IntArray]
    ) -> list[tuple[IntArray, float, float]]:
        """For each start (a layout of n = 1, 2, … sites, rows of ``sites``), the best layout
        of as many sites found (module docstring): ``(sites, value, value less cost)``."""
        alone = self.single(sites) - cost
        pool = np.unique(np.r_[np.argsort(-alone, kind="stable")[:POOL], *starts]).astype(np.int64)
        dl = np.concatenate(
            [
                deadlines(self.itypes, self.itype, sites[pool[a : a + CHUNK]], *self._envelope)
                for a in range(0, len(pool), CHUNK)
            ]
        )
        local = {int(s): i for i, s in enumerate(pool)}
        cost_pool = cost[pool]

        def score(layouts: IntArray) -> FloatArray:
            value = self._values(sites[pool], dl, layouts)
            return np.asarray(value - cost_pool[layouts].sum(axis=1), np.float64)

        everyone = np.arange(len(pool), dtype=np.int64)
        out: list[tuple[IntArray, float, float]] = []
        previous: list[int] = []
        for start in starts:
            tries = [
                improve([local[int(s)] for s in start], everyone, score),
                improve(grow(previous, everyone, len(start), score), everyone, score),
            ]
            best, objective = max(tries, key=lambda t: t[1])
            previous = [int(s) for s in best]
            value = float(self._values(sites[pool], dl, best[None, :])[0])
            out.append((pool[np.sort(best)], value, objective))
        return out
