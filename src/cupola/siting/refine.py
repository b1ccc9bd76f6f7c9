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

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from cupola.engage.base import InterceptorTypes
from cupola.siting.optimise import grow, improve
from cupola.siting.rounds import Rounds
from cupola.siting.sample import ThreatSample
from cupola.siting.timeline import Deadlines, index, tally, threat_velocity

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
    offsets : (L, 3) float64
        The battery's launchers, from its position, ENU, m: a site's launchers are the
        engagement sequence's sites (the battle manager chooses among launchers, and a few
        hundred metres between them decide which meets a threat first).
    rounds : Rounds or None
        The rounds each battery has per raid (:mod:`.rounds`); None for as many as it asks.
    """

    itypes: InterceptorTypes
    itype: int
    sample: ThreatSample
    kill: FloatArray
    reengage: float
    grid: tuple[float, float]
    min_altitude_m: float
    offsets: FloatArray = field(default_factory=lambda: np.zeros((1, 3)))
    rounds: Rounds | None = None

    def values(self, sites: FloatArray, layouts: IntArray) -> FloatArray:
        """(B,) expected value each layout (rows of ``layouts`` into ``sites``) defends per
        raid."""
        dl = self._index(self.launchers(sites))
        return self._values(dl, np.asarray(layouts, np.int64))

    def _index(self, points: FloatArray, table: bool = False) -> Deadlines:
        """The indexed deadlines and reach of launchers at ``points`` (:func:`.timeline.
        index`; ``table`` for the pool, whose layouts are scored many times)."""
        return index(self.itypes, self.itype, points, *self._envelope, self._velocity, table=table)

    def launchers(self, sites: FloatArray) -> FloatArray:
        """(S * L, 3) the launchers of batteries at ``sites`` (S, 3), site by site."""
        return np.asarray((sites[:, None, :] + self.offsets[None, :, :]).reshape(-1, 3))

    def _rows(self, layouts: IntArray) -> IntArray:
        """(B, K * L) launcher rows of layouts (B, K) of sites."""
        n_l = len(self.offsets)
        return np.asarray(
            (layouts[:, :, None] * n_l + np.arange(n_l)[None, None, :]).reshape(len(layouts), -1)
        )

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

    def _values(self, dl: Deadlines, layouts: IntArray) -> FloatArray:
        """Values of ``layouts`` (B, K) of sites, from their launchers' indexed deadlines."""
        s = self.sample
        rows = self._rows(layouts)
        out = np.zeros(len(layouts))
        for a in range(0, len(layouts), CHUNK):
            part = rows[a : a + CHUNK]
            alive, fired, killed, _ = tally(dl, part, s, self.kill, self.reengage, self.grid)
            if self.rounds is None:
                out[a : a + CHUNK] = (1.0 - alive) @ s.worth
            else:
                reach = self._reach(dl, part, layouts.shape[1])
                out[a : a + CHUNK] = self.rounds.value(fired, killed, reach, s.weight, s.worth)
        return out

    def _reach(self, dl: Deadlines, rows: IntArray, k: int) -> NDArray[np.bool_]:
        """(B, K, N) whether each battery of layouts of launcher ``rows`` (B, K * L) can
        engage each threat at all."""
        _, can = dl.first_from_start(rows, self.sample.engage_from)  # B, K * L, N
        return np.asarray(can.reshape(len(rows), k, -1, can.shape[-1]).any(axis=2))

    def rounds_balance(self, sites: FloatArray) -> tuple[float, float] | None:
        """Rounds a layout of batteries at ``sites`` (K, 3) is asked per raid, and the rounds
        its batteries have (:meth:`.rounds.Rounds.supply`); None without :attr:`rounds`."""
        if self.rounds is None:
            return None
        dl = self._index(self.launchers(sites))
        rows = self._rows(np.arange(len(sites))[None, :])
        s = self.sample
        _, fired, _, _ = tally(dl, rows, s, self.kill, self.reengage, self.grid)
        asked, _ = self.rounds.balance(fired, self._reach(dl, rows, len(sites)), s.weight)
        return float(asked[0]), self.rounds.supply(len(sites))

    def refine(
        self, sites: FloatArray, cost: FloatArray, starts: list[IntArray]
    ) -> list[tuple[IntArray, float, float]]:
        """For each start (a layout of n = 1, 2, … sites, rows of ``sites``), the best layout
        of as many sites found (module docstring): ``(sites, value, value less cost)``."""
        alone = self.single(sites) - cost
        pool = np.unique(np.r_[np.argsort(-alone, kind="stable")[:POOL], *starts]).astype(np.int64)
        dl = self._index(self.launchers(sites[pool]), table=True)
        local = {int(s): i for i, s in enumerate(pool)}
        cost_pool = cost[pool]

        def score(layouts: IntArray) -> FloatArray:
            value = self._values(dl, layouts)
            return np.asarray(value - cost_pool[layouts].sum(axis=1), np.float64)

        everyone = np.arange(len(pool), dtype=np.int64)
        out: list[tuple[IntArray, float, float]] = []
        previous: list[int] = []
        for start in starts:
            tries = [
                improve([local[int(s)] for s in start], everyone, score),
                improve(grow(previous, everyone, len(start), score), everyone, score),
            ]
            best, _ = max(tries, key=lambda t: t[1])
            previous = [int(s) for s in best]
            best = np.sort(best)  # the batteries as they will be written
            value = float(self._values(dl, best[None, :])[0])
            out.append((pool[best], value, value - float(cost_pool[best].sum())))
        return out
