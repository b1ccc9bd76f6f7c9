"""Civil warnings: which zones are under alert, since when, until when, and because of which
tracks.

Every decision cycle, :meth:`ZoneAlerts.raise_for` alerts the zones that a threat due within
the doctrine's lead time lands in (each zone grown by the alert margin) with at least the
doctrine's alert probability (:meth:`cupola.assess.AreaIndex.chances` on the impact
distribution), and :meth:`ZoneAlerts.lift` lifts the alerts whose threats are all destroyed or
whose latest predicted impact is :data:`ALERT_GRACE_S` past. Each alert and lift is an event of
the run's log.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.assess import AreaIndex, Assessment
from cupola.sim.events import EventLog

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: An alert is lifted once every threat that raised or kept it is destroyed, or this long after
#: the latest impact time predicted for the zone (the threat has landed, or was lost), s.
ALERT_GRACE_S = 10.0


class ZoneAlerts:
    """The alert state of a run's zones (one row per zone, struct of arrays).

    Parameters
    ----------
    zones : Zones
        The run's alert zones (:attr:`cupola.sim.world.World.zones`): ids, names, polygons.
    doctrine : Doctrine
        The scenario's doctrine: ``alert_margin_m``, ``alert_probability``,
        ``alert_lead_time_s``.
    log : EventLog
        The run's event log, written to.
    """

    def __init__(self, zones: Any, doctrine: Any, log: EventLog) -> None:
        n = len(zones.ids)
        self.zones = zones
        self.log = log
        self.lead_time = float(doctrine.alert_lead_time_s)
        self.probability = float(doctrine.alert_probability)
        self.index = AreaIndex.build(zones.polygons, np.zeros(n), doctrine.alert_margin_m)
        #: Start and end of each zone's current (or last) alert, s.
        self.zone_since = np.full(n, np.nan)
        self.zone_until = np.full(n, -np.inf)
        #: Zones under alert now, and when each zone's last alert was lifted.
        self.zone_active = np.zeros(n, bool)
        self.zone_lifted = np.full(n, -np.inf)
        #: (zone index, track id) pairs: the tracks that raised or kept each current alert.
        self.support_zone = np.empty(0, np.int64)
        self.support_track = np.empty(0, np.int64)

    def raise_for(self, a: Assessment, labels: IntArray, t1: float) -> None:
        """Alert the zones that a threat due within the lead time lands in (the zone grown by
        the alert margin) with at least the doctrine's alert probability."""
        lead = self.lead_time
        soon = np.isfinite(a.impact_time) & (a.impact_time - t1 <= lead)
        if not soon.any():
            return
        rows = np.flatnonzero(soon)
        pi, zi, prob = self.index.chances(a.impact[rows], a.impact_cov[rows])
        likely = prob >= self.probability
        pi, zi = pi[likely], zi[likely]
        if len(zi) == 0:
            return
        until = np.full(len(self.zone_until), -np.inf)
        np.maximum.at(until, zi, a.impact_time[rows[pi]])
        zones = np.unique(zi)
        pairs = np.unique(np.column_stack([zi, a.track_id[rows[pi]]]), axis=0)
        known = np.column_stack([self.support_zone, self.support_track])
        pairs = np.unique(np.vstack([known, pairs]), axis=0)
        self.support_zone, self.support_track = pairs[:, 0], pairs[:, 1]
        fresh = zones[~self.zone_active[zones]]
        if len(fresh):
            self.zone_active[fresh] = True
            self.zone_until[fresh] = -np.inf  # a new alert: its own impact times only
            order = np.lexsort((pi, zi))
            zs, ps = zi[order], pi[order]
            lead_pair = np.r_[True, zs[1:] != zs[:-1]]
            first = ps[lead_pair][np.isin(zs[lead_pair], fresh)]
            self.zone_since[fresh] = t1
            self.log.add(
                "alert",
                t1,
                threat_id=labels[rows[first]],
                track_id=a.track_id[rows[first]],
                zone_id=self.zones.ids[fresh],
                detail=[
                    f"{self.zones.names[z]}; impact expected at t={until[z]:.1f} s" for z in fresh
                ],
            )
        self.zone_until[zones] = np.maximum(self.zone_until[zones], until[zones])

    def lift(self, t1: float, killed: NDArray[np.bool_], all_clear: bool = False) -> None:
        """Lift the alerts of zones whose threats were all destroyed (kill assessment), or
        whose latest predicted impact is :data:`ALERT_GRACE_S` past (a threat whose track was
        lost keeps its alert until then): one ``alert_lifted`` event per zone.

        Parameters
        ----------
        t1 : float
            Time, s.
        killed : (N,) bool
            Kill assessment of every track id (``TrackBook.killed``).
        all_clear : bool
            Lift every alert (the raid is over).
        """
        kept = np.zeros(len(self.zone_active), bool)
        live = ~killed[self.support_track]
        kept[self.support_zone[live]] = not all_clear
        lift = self.zone_active & (~kept | (t1 > self.zone_until + ALERT_GRACE_S))
        if not lift.any():
            return
        zones = np.flatnonzero(lift)
        self.zone_active[zones] = False
        self.zone_lifted[zones] = t1
        stay = ~np.isin(self.support_zone, zones)
        self.support_zone, self.support_track = self.support_zone[stay], self.support_track[stay]
        self.log.add(
            "alert_lifted",
            t1,
            zone_id=self.zones.ids[zones],
            detail=[f"{self.zones.names[z]}; all clear" for z in zones],
        )

    def under_alert(self, zone: IntArray, times: FloatArray) -> NDArray[np.bool_]:
        """(M,) bool: impacts at ``times`` in ``zone`` (-1 none) fell in a zone under alert (its
        alert started at or before the impact and was not lifted before it)."""
        zi = np.maximum(zone, 0)
        covered = self.zone_active[zi] | (times <= self.zone_lifted[zi])
        return np.asarray((zone >= 0) & (self.zone_since[zi] <= times) & covered, dtype=np.bool_)
