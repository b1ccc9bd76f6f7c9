"""The run summary: the figures an analyst reads first (the public ``summary.json``).

Definitions (``threatening`` and the ``engaged_*`` split use truth, for scoring only):

- ``threats``: threats launched.
- ``threatening``: threats whose nominal impact point (where they land if nothing stops them)
  lies within their warhead's lethal radius of a defended asset.
- ``engaged``: threats at which at least one interceptor was launched (the threat the track
  followed at launch), or that an interceptor destroyed.
- ``intercepted``: threats destroyed by an interceptor; ``intercepted_threatening`` those of
  them that were threatening (``threatening = intercepted_threatening + leaked`` once every
  threat has ended).
- ``threats_beyond_reach``: threats aimed farther than their type can fly (they fall short).
- ``leaked``: threatening threats that reached the ground.
- ``threats_in_flight_at_end``, ``threats_not_launched``: what ``sim.max_time_s`` cut short;
  per-threat figures count launched threats only.
- ``hits_on_defended_assets``: impacts that damaged at least one defended asset;
  ``hits_per_asset`` counts them per asset and ``damage_value`` sums the assets' values.
- ``interceptors_fired``, ``interceptor_cost``, ``threat_cost`` (USD).
- ``alerts_issued``: alert events (a zone alerted while not already under alert);
  ``impacts_in_zones`` and ``impacts_warned`` measure the warning's reach.
- ``zone_impacts_needing_warning``, ``zone_impacts_missed``: zone-impact pairs where an impact
  came within its warhead's lethal radius of the zone, and those without an alert on at the
  time; ``needed_alert_area_km2`` and ``needless_alert_area_km2``: the area of the zones that
  needed a warning and of the alerted zones no impact reached
  (:mod:`cupola.metrics.warnings`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cupola.metrics.runs import warning_quality_of
from cupola.sim.engine import RunResult
from cupola.sim.raid import asset_hits
from cupola.threats.base import FLYING, KILLED, LANDED, WAITING


def summarize(r: RunResult) -> dict[str, Any]:
    """Figures of one run (see the module docstring for the definitions)."""
    hits, warned, impact_zone = r.hits, r.impact_warned, r.impact_zone
    q = warning_quality_of(r)
    w = r.world
    th = r.threats
    n = len(th.pos)
    types = w.threat_types
    radius = types.lethal_radius_m[th.type_idx]
    launched = th.fate != WAITING
    killed = th.fate == KILLED
    landed = th.fate == LANDED
    in_flight = th.fate == FLYING
    threatening = asset_hits(w, r.nominal_impact, radius).any(axis=1) & launched
    engaged = np.zeros(n, bool)
    lab = r.interceptor_threat
    engaged[lab[lab >= 0]] = True
    engaged |= killed  # a burst that kills a neighbour of its target engaged it too
    hit_any = hits.any(axis=1) & landed
    ev = r.events
    kinds = ev["kind"]
    n_fired = len(r.interceptors.pos)
    icost = float(w.interceptors.cost_usd[r.interceptors.type_idx].sum()) if n_fired else 0.0
    per_asset = {name: int(hits[landed, a].sum()) for a, name in enumerate(w.assets.names)}
    confirmed = kinds == "track_confirmed"
    return {
        "scenario": w.scenario.name,
        "seed": r.seed,
        "simulated_seconds": round(float(r.end_time), 3),
        "threats": int(launched.sum()),
        "threatening": int(threatening.sum()),
        "engaged": int(engaged.sum()),
        "engaged_threatening": int((engaged & threatening).sum()),
        "engaged_not_threatening": int((engaged & ~threatening).sum()),
        "ignored_not_threatening": int((launched & ~engaged & ~threatening).sum()),
        "intercepted": int(killed.sum()),
        "intercepted_threatening": int((killed & threatening).sum()),
        "leaked": int((threatening & landed).sum()),
        "impacts": int(landed.sum()),
        "threats_in_flight_at_end": int(in_flight.sum()),
        "threats_not_launched": int((~launched).sum()),
        "threats_beyond_reach": int((launched & ~r.reachable).sum()),
        "impacts_open_ground": int((landed & ~hit_any).sum()),
        "hits_on_defended_assets": int(hit_any.sum()),
        "damage_value": round(float((hits[landed] * w.assets.values).sum()), 3),
        "hits_per_asset": per_asset,
        "interceptors_fired": n_fired,
        "interceptors_left": int(r.units.ready.sum() + r.units.stock.sum()),
        "interceptor_cost": round(icost, 2),
        "threat_cost": round(float(types.cost_usd[th.type_idx][launched].sum()), 2),
        "threats_detected": len(np.unique(ev["threat_id"][kinds == "detection"])),
        "tracks_confirmed": int(confirmed.sum()),
        "false_tracks_confirmed": int((confirmed & (ev["threat_id"] < 0)).sum()),
        "alerts_issued": int((kinds == "alert").sum()),
        "zones_alerted": len(np.unique(ev["zone_id"][kinds == "alert"])),
        "impacts_in_zones": int((landed & (impact_zone >= 0)).sum()),
        "impacts_warned": int((landed & warned).sum()),
        "zone_impacts_needing_warning": q.needed,
        "zone_impacts_missed": q.missed,
        "needed_alert_area_km2": round(q.needed_area_km2, 3),
        "needless_alert_area_km2": round(q.needless_area_km2, 3),
    }
