"""The trainee's score: an operator run against the automatic battle manager on the same seed.

Both runs see the same raid and the same sensors' draws up to the first decision that differs;
what differs after is the operator's doing. The figures compared are those of the run summary
(:mod:`cupola.sim.summary`), lower better for all of them:

- hits on defended assets, and the damage value they did;
- threatening threats that leaked;
- interceptors fired and what they cost;
- alert quality: zone impacts that came without a warning, and the area alerted for nothing.

The verdict ranks the two runs by hits on defended assets, then damage value, then
interceptors fired: *better*, *as good as* or *worse than* the battle manager. The operator's
decisions are counted from the run's events.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Figures compared: summary key and label, lower better for every one.
FIGURES = (
    ("hits_on_defended_assets", "hits on defended assets"),
    ("damage_value", "damage value"),
    ("leaked", "threatening threats leaked"),
    ("interceptors_fired", "interceptors fired"),
    ("interceptor_cost", "interceptor cost, USD"),
    ("zone_impacts_missed", "zone impacts without warning"),
    ("needless_alert_area_km2", "area alerted for nothing, km²"),
)
#: The verdict's order of figures.
RANKED = ("hits_on_defended_assets", "damage_value", "interceptors_fired")
#: The operator's decisions counted, event kind and label.
DECISIONS = (
    ("approved", "approved"),
    ("rejected", "rejected"),
    ("proposal_expired", "proposals expired"),
    ("engage_ordered", "engaged by hand"),
    ("hold_fire", "holds of fire"),
)


def score(
    trainee: dict[str, Any], automatic: dict[str, Any], kinds: NDArray[Any]
) -> dict[str, Any]:
    """The score (module docstring).

    Parameters
    ----------
    trainee, automatic : dict
        Run summaries (:func:`cupola.sim.summary.summarize`) of the operator's run and of
        the automatic battle manager's on the same seed.
    kinds : (E,) str
        Event kinds of the operator's run.

    Returns
    -------
    dict
        ``verdict`` (``"better"``, ``"as good as"``, ``"worse"``), ``figures`` (rows of
        ``figure``, ``trainee``, ``automatic``) and ``decisions`` (label to count).
    """
    mine = tuple(trainee[k] for k in RANKED)
    theirs = tuple(automatic[k] for k in RANKED)
    verdict = "better" if mine < theirs else "worse" if mine > theirs else "as good as"
    return {
        "verdict": verdict,
        "figures": [
            {"figure": label, "trainee": trainee[key], "automatic": automatic[key]}
            for key, label in FIGURES
        ],
        "decisions": {label: int(np.sum(kinds == kind)) for kind, label in DECISIONS},
    }
