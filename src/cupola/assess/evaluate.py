r"""Threat evaluation: which asset each track threatens, how likely, and the engagement rule.

The rule of Iron Dome-class systems: engage only threats predicted to hit a defended asset,
leaving those bound for open ground to fall (facts §1.3). Ballistic tracks are flown to the
ground with their estimated ballistic coefficient (:mod:`cupola.assess.ballistic_filter`), and
with the track covariance their impact comes with its uncertainty
(:mod:`cupola.assess.uncertainty`):
the impact point is the mean of the propagated impact distribution, and each asset's hit
probability :math:`P_a` is the share of that distribution inside the asset grown by the margin
(the lethal reach of a warhead that lands just outside), from :data:`HIT_SAMPLES` fixed
quasi-random points. Without a covariance (air-breathing tracks, or none given) the probability
is 1 for every asset containing the predicted point. The expected damage is

.. math:: D = \sum_a P_a\, v_a

over the assets' values :math:`v_a`, and a threat is engaged when :math:`D` exceeds the
doctrine's threshold (or, with ``engage_outside_assets``, whenever it has a predicted impact).
The threatened asset reported is the most valuable one with :math:`P_a > 0`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from cupola.assess.ballistic_filter import PRIOR_RELATIVE_SIGMA
from cupola.assess.base import AIR_BREATHING, Assessment, AssessParams
from cupola.assess.impact import fly, level_path
from cupola.assess.uncertainty import cholesky, cloud, moments, standard_normal_points

FloatArray = NDArray[np.float64]

#: An asset this close to an air-breathing track's ground track ahead is within its reach, m.
REACH_HALF_WIDTH_M = 5_000.0
#: Quasi-random points per track of the hit-probability integral.
HIT_SAMPLES = 64


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
        shapely.prepare(grown)
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

    def chances(
        self, mean: FloatArray, cov: FloatArray
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], FloatArray]:
        """Probability that each Gaussian point falls in each geometry, as sparse triples.

        The share of :data:`HIT_SAMPLES` fixed quasi-random points of the distribution
        (:func:`cupola.assess.uncertainty.standard_normal_points`, mapped by the Cholesky
        factor) that the geometry contains; the points of all rows are queried against the
        index at once.

        Parameters
        ----------
        mean : (P, 2) float64
            Means, m; NaN rows are in nothing.
        cov : (P, 2, 2) float64
            Covariances, m²; a NaN row is a sure point (probability 1 or 0).

        Returns
        -------
        row, geom : (H,) int64
            Pairs with a probability above 0, sorted by row then geometry.
        prob : (H,) float64
        """
        ok = np.isfinite(mean).all(axis=1)
        spread = ok & np.isfinite(cov).all(axis=(1, 2))
        row_parts, geom_parts, prob_parts = [], [], []
        sure = np.flatnonzero(ok & ~spread)
        if sure.size:
            pi, gi = self.tree.query(shapely.points(mean[sure]), predicate="intersects")
            row_parts.append(sure[pi])
            geom_parts.append(gi)
            prob_parts.append(np.ones(len(pi)))
        rows = np.flatnonzero(spread)
        if rows.size:
            z = standard_normal_points(HIT_SAMPLES)
            pts = mean[rows][:, None, :] + np.einsum("tij,kj->tki", cholesky(cov[rows]), z)
            # Candidate geometries from each row's box of points; a box inside one geometry
            # puts every point in it, otherwise every point of the pair is tested, all at once.
            lo, hi = pts.min(axis=1), pts.max(axis=1)
            boxes = shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1])
            ri, gi = self.tree.query(boxes, predicate="intersects")
            if len(ri):
                geoms = self.tree.geometries[gi]
                share = shapely.contains_properly(geoms, boxes[ri]).astype(np.float64)
                test = np.flatnonzero(share == 0.0)
                if test.size:
                    inside = shapely.contains_xy(
                        np.repeat(geoms[test], HIT_SAMPLES),
                        pts[ri[test], :, 0].ravel(),
                        pts[ri[test], :, 1].ravel(),
                    )
                    share[test] = inside.reshape(test.size, HIT_SAMPLES).mean(axis=1)
                some = share > 0
                row_parts.append(rows[ri[some]])
                geom_parts.append(gi[some])
                prob_parts.append(share[some])
        if not row_parts:
            empty = np.empty(0, np.int64)
            return empty, empty, np.empty(0)
        row, geom, prob = (np.concatenate(x) for x in (row_parts, geom_parts, prob_parts))
        order = np.lexsort((geom, row))
        return row[order].astype(np.int64), geom[order].astype(np.int64), prob[order]

    def probabilities(self, mean: FloatArray, cov: FloatArray) -> FloatArray:
        """(P, A) float64: :meth:`chances` as a dense table."""
        out = np.zeros((len(mean), len(self.values)))
        row, geom, prob = self.chances(mean, cov)
        out[row, geom] = prob
        return out


def assess(
    params: AssessParams,
    assets: AreaIndex,
    track_id: NDArray[np.int64],
    state: FloatArray,
    cls: NDArray[np.int8],
    now: float,
    cov: FloatArray | None = None,
    log_beta: tuple[FloatArray, ...] | None = None,
) -> Assessment:
    """Predict impacts and decide engagements for confirmed tracks (module docstring).

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
    cov : (T, 6, 6) float64, optional
        Track covariances: ballistic impacts then come with their uncertainty.
    log_beta : tuple of arrays, optional
        Mean (T,) and variance (T,) of each track's :math:`\\ln\\beta`, and optionally its
        covariance with ``[p, v]`` (T, 6) (:func:`cupola.assess.ballistic_filter.log_beta`); by
        default the assumed coefficient, with the prior's spread.
    """
    t = len(track_id)
    k = int(np.ceil(params.horizon_s / params.dt_s)) + 1
    path = np.zeros((t, k, 3))
    impact = np.full((t, 2), np.nan)
    impact_cov = np.full((t, 2, 2), np.nan)
    tti = np.full(t, np.inf)
    reach = np.full((t, len(assets.values)), np.nan)
    air = cls == AIR_BREATHING
    cross = None
    if log_beta is None:
        lb = np.full(t, np.log(params.beta_kg_m2))
        lbv = np.full(t, PRIOR_RELATIVE_SIGMA**2)
    else:
        lb, lbv = log_beta[0], log_beta[1]
        cross = log_beta[2] if len(log_beta) > 2 else None
    b = np.flatnonzero(~air)
    if b.size:
        # The nominal paths and the cubature points of their uncertainty, in one integration;
        # rows without a usable covariance stay sure points.
        s_rows = (
            b[np.isfinite(cov[b]).all(axis=(1, 2)) & np.isfinite(lbv[b])]
            if cov is not None
            else b[:0]
        )
        rows, betas = state[b], np.exp(lb[b])
        if s_rows.size:
            assert cov is not None
            points = cloud(
                state[s_rows],
                cov[s_rows],
                lb[s_rows],
                lbv[s_rows],
                None if cross is None else cross[s_rows],
            )
            rows, betas = np.vstack([rows, points.state]), np.r_[betas, points.beta]
        path[b], imp, tt = fly(rows, betas, params.dt_s, params.horizon_s, b.size)
        impact[b], tti[b] = imp[: b.size], tt[: b.size]
        if s_rows.size:
            est = moments(points, imp[b.size :], tt[b.size :])
            ok = np.isfinite(est.mean).all(axis=1) & np.isfinite(impact[s_rows]).all(axis=1)
            r_ok = s_rows[ok]
            impact[r_ok], tti[r_ok], impact_cov[r_ok] = est.mean[ok], est.time[ok], est.cov[ok]
    if air.any():
        lp = level_path(state[air], params.dt_s, params.horizon_s)
        path[air] = lp
        # A drone or cruise missile dives on its target, not on the first asset it overflies:
        # it threatens the most valuable asset along its path (the earliest, on a tie). Only the
        # tracks whose ground track meets an asset have their path samples looked up.
        air_rows = np.flatnonzero(air)
        lines = shapely.linestrings(lp[:, [0, -1], :2])
        meets = np.unique(assets.tree.query(lines, predicate="intersects")[0])
        if meets.size:
            sub = lp[meets]
            idx, val = assets.best(sub[:, :, :2].reshape(-1, 2))
            val = np.where(idx >= 0, val, -1.0).reshape(sub.shape[:2])
            hit = np.asarray((val >= 0).any(axis=1), dtype=np.bool_)
            j = val.argmax(axis=1)
            ground = sub[np.arange(len(sub)), j, :2]
            impact[air_rows[meets]] = np.where(hit[:, None], ground, np.nan)
            tti[air_rows[meets]] = np.where(hit, j * params.dt_s, np.inf)
        reach[air] = reach_times(assets, state[air], params.horizon_s)
    has_impact = np.isfinite(tti)
    prob = assets.probabilities(np.where(has_impact[:, None], impact, np.nan), impact_cov)
    damage = prob @ assets.values
    # The threatened asset: the most valuable one with a chance of being hit.
    asset = np.full(t, -1, np.int64)
    value = np.zeros(t)
    p_asset = np.zeros(t)
    if t and len(assets.values):
        ranked = np.where(prob > 0.0, assets.values[None, :], -np.inf)
        best = ranked.argmax(axis=1)
        has = np.isfinite(ranked[np.arange(t), best])
        asset[has] = best[has]
        value[has] = assets.values[best[has]]
        p_asset[has] = prob[np.flatnonzero(has), best[has]]
    engage = has_impact & ((damage > params.engage_threshold) | bool(params.engage_outside_assets))
    return Assessment(
        track_id=track_id,
        cls=cls,
        impact=impact,
        impact_time=now + tti,
        impact_cov=impact_cov,
        asset=asset,
        value=value,
        hit_probability=p_asset,
        expected_damage=damage,
        engage=engage,
        reach_time=reach,
        path=path,
        path_time=np.asarray(now + np.arange(k) * params.dt_s, np.float64),
    )


def reach_times(assets: AreaIndex, state: FloatArray, horizon: float) -> FloatArray:
    """When air-breathing tracks, flying on, would reach each defended asset.

    An asset is within reach when it comes within :data:`REACH_HALF_WIDTH_M` of the track's
    ground track ahead (straight, at constant velocity, over the horizon): a drone or cruise
    missile can turn onto it. The time to reach it is the distance along the ground track to the
    track's point nearest the asset (where it enters an area it crosses), over the ground
    speed.

    Parameters
    ----------
    assets : AreaIndex
        A geometries (grown by the asset margin).
    state : (T, 6) float64
        Track states, ENU, m and m/s.
    horizon : float
        Longest look ahead, s.

    Returns
    -------
    (T, A) float64
        Time to reach each asset, s; NaN when out of reach (or the track hovers).
    """
    t, a = len(state), len(assets.values)
    out = np.full((t, a), np.nan)
    speed = np.hypot(state[:, 3], state[:, 4])
    moving = np.flatnonzero(speed > 1.0)
    if not (moving.size and a):
        return out
    start = state[moving, :2]
    end = start + state[moving, 3:5] * horizon
    lines = shapely.linestrings(np.stack([start, end], axis=1))
    rows, cols = assets.tree.query(lines, predicate="dwithin", distance=REACH_HALF_WIDTH_M)
    if rows.size == 0:
        return out
    geoms = np.asarray(assets.tree.geometries)[cols]
    # Along the track to where it enters an asset it crosses, else to its point nearest the asset.
    closest = shapely.get_point(shapely.shortest_line(lines[rows], geoms), 0)
    crossed = shapely.intersection(lines[rows], geoms)
    along = np.where(
        shapely.is_empty(crossed),
        shapely.line_locate_point(lines[rows], closest),
        shapely.distance(shapely.points(start[rows]), crossed),
    )
    out[moving[rows], cols] = along / speed[moving[rows]]
    return out
