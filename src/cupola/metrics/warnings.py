r"""Quality of civil warnings against an oracle that knows where every threat came down.

A zone *needed* a warning for an impact when the zone's polygon comes within the threat's
lethal radius :math:`r` of the impact point (``dwithin``: a blast reaching over the zone edge
counts). The warning was *given* when an ``alert`` for that zone started no later than the
impact and was not lifted before it (``alert_lifted``); an alert that was never lifted counts
for :data:`ALERT_VALIDITY_S` (people do not stay sheltered longer). Then:

* a *missed zone* is a zone-impact pair that needed a warning and got none (each zone counted
  once per impact);
* a *needless alert* is an alert with no impact within :math:`r` of its zone during its
  validity; the *needless area* is that of the alerted zones that no impact reached at all,
  compared with the area of the zones that needed a warning. A threat destroyed in flight
  (an ``averted`` event at its nominal impact point) counts as reaching the zones around the
  point it was going to: alerting them was right when it was given (nobody knows beforehand
  that the interception will succeed), so they count as needed area, not needless, and an
  alert of such a zone that was on when the threat was destroyed is not needless; but no pair
  of it can be missed, as nothing came down;
* the *warning time* of a warned pair is the impact time minus the alert's start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: An alert protects against impacts in the zone up to this long after it started, s.
ALERT_VALIDITY_S = 180.0


@dataclass(frozen=True)
class WarningQuality:
    """Warning figures of one run (module docstring).

    Attributes
    ----------
    needed : int
        Zone-impact pairs that needed a warning.
    missed : int
        Of them, pairs without a warning.
    alerts : int
        Alerts issued (zone alerts started).
    needless : int
        Alerts with no impact within reach of their zone during their validity.
    needed_area_km2 : float
        Area of the distinct zones that needed a warning, km².
    needless_area_km2 : float
        Area of the distinct alerted zones that no impact reached, km².
    warning_time_s : (W,) float64
        Warning time of each warned pair, s.
    warning_type : (W,) object
        Threat type of each warned pair.
    missed_zone_id : (M,) int64
        Zone of each missed pair.
    """

    needed: int
    missed: int
    alerts: int
    needless: int
    needed_area_km2: float
    needless_area_km2: float
    warning_time_s: FloatArray
    warning_type: NDArray[np.object_]
    missed_zone_id: IntArray

    @property
    def needless_area_ratio(self) -> float:
        """Needless-alert area over the area that needed a warning (inf if none needed)."""
        if self.needed_area_km2 == 0.0:
            return 0.0 if self.needless_area_km2 == 0.0 else float("inf")
        return self.needless_area_km2 / self.needed_area_km2

    def median_warning_by_type(self) -> dict[str, float]:
        """Median warning time per threat type, s."""
        return {
            str(t): float(np.median(self.warning_time_s[self.warning_type == t]))
            for t in sorted(set(self.warning_type.tolist()))
        }


def warning_quality(
    zone_ids: IntArray,
    zones: list[BaseGeometry],
    alert_time: FloatArray,
    alert_zone: IntArray,
    impact_time: FloatArray,
    impact_xy: FloatArray,
    impact_radius: FloatArray,
    impact_type: NDArray[np.object_],
    alert_end: FloatArray | None = None,
    averted_xy: FloatArray | None = None,
    averted_radius: FloatArray | None = None,
    averted_time: FloatArray | None = None,
) -> WarningQuality:
    """Score a run's alerts against its impacts (module docstring).

    Parameters
    ----------
    zone_ids : (Z,) int64
        Zone ids, in the order of ``zones``.
    zones : list of Z polygons
        Zone polygons in the local frame, m.
    alert_time : (A,) float64
        Start of each alert, s.
    alert_zone : (A,) int64
        Zone id of each alert.
    impact_time : (I,) float64
        Time of each impact, s.
    impact_xy : (I, 2) float64
        Impact points in the local frame, m.
    impact_radius : (I,) float64
        Lethal radius of each impact's warhead, m.
    impact_type : (I,) object
        Threat type of each impact.
    alert_end : (A,) float64, optional
        When each alert was lifted, s; an alert never lifted (inf), or all of them by default,
        lasts :data:`ALERT_VALIDITY_S`.
    averted_xy : (V, 2) float64, optional
        Where each threat destroyed in flight would have landed, m.
    averted_radius : (V,) float64, optional
        Lethal radius of each of those threats' warheads, m.
    averted_time : (V,) float64, optional
        When each was destroyed, s: an alert of a zone it was heading for that was on then was
        not needless.

    Returns
    -------
    WarningQuality
    """
    tree = shapely.STRtree(zones)
    pts = shapely.points(impact_xy) if len(impact_xy) else np.empty(0, object)
    pi, zi = (
        tree.query(pts, predicate="dwithin", distance=impact_radius)
        if len(pts)
        else (
            np.empty(0, np.int64),
            np.empty(0, np.int64),
        )
    )
    zone_of = {int(z): k for k, z in enumerate(zone_ids.tolist())}
    a_idx = np.array([zone_of.get(int(z), -1) for z in alert_zone.tolist()], np.int64)

    cap = alert_time + ALERT_VALIDITY_S
    end = cap if alert_end is None else np.where(np.isfinite(alert_end), alert_end, cap)
    # Alerts sorted by (zone, start) on one key: a zone's alerts do not overlap, so the one that
    # can cover an impact is the zone's latest alert started at or before it (binary search).
    times = [alert_time, impact_time] + ([] if averted_time is None else [averted_time])
    t0 = min(float(np.min(x, initial=0.0)) for x in times)
    span = 1.0 + max(float(np.max(x, initial=0.0)) for x in times) - t0
    key = a_idx * span + (alert_time - t0)
    order = np.argsort(key, kind="stable")

    def covering(zone: IntArray, t: FloatArray) -> tuple[IntArray, NDArray[np.bool_]]:
        """The alert of each ``zone`` that can cover time ``t`` (the zone's latest started at or
        before it), and whether it did (same zone, still on at ``t``)."""
        if not order.size:
            return np.zeros(zone.size, np.int64), np.zeros(zone.size, bool)
        hi = np.searchsorted(key[order], zone * span + (t - t0), side="right") - 1
        cand = order[np.maximum(hi, 0)]
        return cand, (hi >= 0) & (a_idx[cand] == zone) & (t <= end[cand])

    cand, warned = covering(zi, impact_time[pi])
    warned_time = np.full(pi.size, np.nan)
    warned_time[warned] = impact_time[pi[warned]] - alert_time[cand[warned]]
    useful = np.zeros(alert_time.size, bool)
    useful[cand[warned]] = True
    areas = np.array([g.area for g in zones]) / 1e6
    needed_zones = np.unique(zi)
    if averted_xy is not None and averted_radius is not None and len(averted_xy):
        vi, vz = tree.query(
            shapely.points(averted_xy), predicate="dwithin", distance=averted_radius
        )
        needed_zones = np.union1d(needed_zones, vz)
        if averted_time is not None:
            v_cand, on = covering(vz, averted_time[vi])
            useful[v_cand[on]] = True
    needless_zones = np.setdiff1d(np.unique(a_idx[a_idx >= 0]), needed_zones)
    return WarningQuality(
        needed=int(pi.size),
        missed=int((~warned).sum()),
        alerts=int(alert_time.size),
        needless=int((~useful).sum()),
        needed_area_km2=float(areas[needed_zones].sum()),
        needless_area_km2=float(areas[needless_zones].sum()),
        warning_time_s=warned_time[warned],
        warning_type=np.asarray(impact_type, object)[pi[warned]],
        missed_zone_id=np.asarray(zone_ids, np.int64)[zi[~warned]],
    )
