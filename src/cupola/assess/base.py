"""Assessment interface: what the battle-management centre believes about each track.

One row per confirmed track of the current picture, recomputed every decision cycle::

    assess(params, tracks, now) -> Assessment
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: ``cls`` codes.
BALLISTIC = np.int8(0)
AIR_BREATHING = np.int8(1)
CLASS_NAMES = ("ballistic", "air_breathing")


@dataclass(frozen=True, slots=True)
class AssessParams:
    """Static assessment settings (from the scenario's doctrine).

    Attributes
    ----------
    beta_kg_m2 : float
        Ballistic coefficient assumed when predicting ballistic impact points.
    dt_s : float
        Step of the predicted path, s.
    horizon_s : float
        Longest prediction, s.
    asset_margin_m : float
        A predicted impact within this distance of an asset threatens it.
    engage_threshold : float
        Only threats whose expected damage (hit probability times value, summed over the
        assets) exceeds this are engaged.
    engage_outside_assets : bool
        Engage threats predicted to fall outside every asset as well.
    alert_margin_m : float
        Alert zones within this distance of a predicted impact.
    alert_lead_time_s : float
        Alert only once the predicted time to impact is below this.
    """

    beta_kg_m2: float
    dt_s: float
    horizon_s: float
    asset_margin_m: float
    engage_threshold: float
    engage_outside_assets: bool
    alert_margin_m: float
    alert_lead_time_s: float


@dataclass(frozen=True, slots=True)
class Assessment:
    """Struct of arrays, T rows, one per assessed (confirmed) track.

    Attributes
    ----------
    track_id : (T,) int64
    cls : (T,) int8
        ``BALLISTIC`` or ``AIR_BREATHING``.
    impact : (T, 2) float64
        Predicted impact point, ENU east/north, m; NaN when none within the horizon.
    impact_time : (T,) float64
        Predicted time of impact, s (scenario time); inf when none.
    impact_cov : (T, 2, 2) float64
        Covariance of the impact point, m²; NaN when not computed (air-breathing tracks, no
        track covariance, or part of the distribution still flying at the horizon).
    asset : (T,) int64
        Most valuable asset the threat may hit (hit probability above 0), -1 for none (open
        ground).
    value : (T,) float64
        Value of that asset, 0 for open ground.
    hit_probability : (T,) float64
        Probability that the threat hits that asset (0 for open ground).
    expected_damage : (T,) float64
        Sum over assets of hit probability times value.
    engage : (T,) bool
        The doctrine's decision: engage this track.
    reach_time : (T, A) float64
        For air-breathing tracks, time to reach each defended asset within reach of the ground
        track ahead, s (:func:`cupola.assess.evaluate.reach_times`); NaN otherwise.
    path : (T, K, 3) float64
        Predicted positions at times ``path_time``, ENU, m; frozen at the impact point after
        impact.
    path_time : (K,) float64
        Scenario times of the path samples, s.
    threat_type : (T,) int64 or None
        Threat type each track is identified as, an index into the world's threat types
        (:class:`cupola.sim.world.ThreatTypes`), -1 where unknown; None: not given.
    """

    track_id: NDArray[np.int64]
    cls: NDArray[np.int8]
    impact: NDArray[np.float64]
    impact_time: NDArray[np.float64]
    impact_cov: NDArray[np.float64]
    asset: NDArray[np.int64]
    value: NDArray[np.float64]
    hit_probability: NDArray[np.float64]
    expected_damage: NDArray[np.float64]
    engage: NDArray[np.bool_]
    reach_time: NDArray[np.float64]
    path: NDArray[np.float64]
    path_time: NDArray[np.float64]
    threat_type: NDArray[np.int64] | None = None

    @classmethod
    def empty(cls, n_assets: int) -> Assessment:
        """No rows (``n_assets`` columns of ``reach_time``)."""
        f = np.empty(0)
        return cls(
            track_id=np.empty(0, np.int64),
            cls=np.empty(0, np.int8),
            impact=np.empty((0, 2)),
            impact_time=f,
            impact_cov=np.empty((0, 2, 2)),
            asset=np.empty(0, np.int64),
            value=f,
            hit_probability=f,
            expected_damage=f,
            engage=np.empty(0, bool),
            reach_time=np.empty((0, n_assets)),
            path=np.empty((0, 0, 3)),
            path_time=f,
        )
