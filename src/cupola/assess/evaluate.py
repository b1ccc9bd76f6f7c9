"""Threat evaluation: which asset each track threatens, and the engagement rule.

The rule of Iron Dome-class systems: engage only threats whose predicted impact point lies on
a defended asset (within a margin), leaving those bound for open ground to fall (facts §1.3).
A threat is engaged when the most valuable asset it threatens is worth more than the
doctrine's threshold, or, with ``engage_outside_assets``, whenever it has a predicted impact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from cupola.assess.base import AIR_BREATHING, Assessment, AssessParams
from cupola.assess.impact import ballistic_path, level_path

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class AreaIndex:
    """Polygons with a spatial index, for vectorised point-in-area queries.

    Attributes
    ----------
    tree : shapely.STRtree
        Over the (buffered) geometries.
    values : (A,) float64
        Value of each geometry (asset value, or zone id for zones).
    """

    tree: shapely.STRtree
    values: FloatArray

    @classmethod
    def build(cls, geoms: list[BaseGeometry], values: FloatArray, margin: float) -> AreaIndex:
        """Index ``geoms`` grown by ``margin`` meters."""
        grown = [g.buffer(margin) if margin > 0 else g for g in geoms]
        return cls(shapely.STRtree(grown), np.asarray(values, float))

    def best(self, xy: FloatArray) -> tuple[NDArray[np.int64], FloatArray]:
        """Most valuable geometry containing each point.

        Parameters
        ----------
        xy : (P, 2) float64
            Points, ENU east/north, m; NaN rows contain nothing.

        Returns
        -------
        index : (P,) int64
            Geometry index, -1 where none contains the point; among equally valuable
            geometries, the lowest index (the tree's query order does not decide).
        value : (P,) float64
            Its value, 0 where none.
        """
        p = len(xy)
        index = np.full(p, -1, np.int64)
        value = np.zeros(p)
        ok = np.isfinite(xy).all(axis=1)
        if not ok.any():
            return index, value
        rows = np.flatnonzero(ok)
        pi, gi = self.tree.query(shapely.points(xy[rows]), predicate="intersects")
        if len(pi):
            v = self.values[gi]
            order = np.lexsort((gi, -v, pi))  # per point, most valuable first, then lowest index
            pi, gi, v = pi[order], gi[order], v[order]
            first = np.r_[True, pi[1:] != pi[:-1]]
            index[rows[pi[first]]] = gi[first]
            value[rows[pi[first]]] = v[first]
        return index, value


def assess(
    params: AssessParams,
    assets: AreaIndex,
    track_id: NDArray[np.int64],
    state: FloatArray,
    cls: NDArray[np.int8],
    now: float,
) -> Assessment:
    """Predict impacts and decide engagements for confirmed tracks.

    Parameters
    ----------
    params : AssessParams
    assets : AreaIndex
        Defended assets grown by the asset margin, valued.
    track_id : (T,) int64
    state : (T, 6) float64
        Track states at ``now``, ENU, m and m/s.
    cls : (T,) int8
        Class of each track.
    now : float
        Scenario time, s.
    """
    t = len(track_id)
    k = int(np.ceil(params.horizon_s / params.dt_s)) + 1
    path = np.zeros((t, k, 3))
    impact = np.full((t, 2), np.nan)
    tti = np.full(t, np.inf)
    air = cls == AIR_BREATHING
    bal = ~air
    if bal.any():
        path[bal], impact[bal], tti[bal] = ballistic_path(
            state[bal], params.beta_kg_m2, params.dt_s, params.horizon_s
        )
    if air.any():
        lp = level_path(state[air], params.dt_s, params.horizon_s)
        # A drone or cruise missile dives on its target, not on the first asset it overflies:
        # it threatens the most valuable asset along its path (the earliest, on a tie).
        idx, val = assets.best(lp[:, :, :2].reshape(-1, 2))
        val = np.where(idx >= 0, val, -1.0).reshape(lp.shape[:2])
        hit = np.asarray((val >= 0).any(axis=1), dtype=np.bool_)
        j = val.argmax(axis=1)
        ground = lp[np.arange(len(lp)), j, :2]
        impact[air] = np.where(hit[:, None], ground, np.nan)
        tti[air] = np.where(hit, j * params.dt_s, np.inf)
        path[air] = lp
    asset, value = assets.best(impact)
    has_impact = np.isfinite(tti)
    threatens = (asset >= 0) & (value > params.engage_threshold)
    engage = has_impact & (threatens | bool(params.engage_outside_assets))
    return Assessment(
        track_id=track_id,
        cls=cls,
        impact=impact,
        impact_time=now + tti,
        asset=asset,
        value=value,
        engage=engage,
        path=path,
        path_time=np.asarray(now + np.arange(k) * params.dt_s, np.float64),
    )
