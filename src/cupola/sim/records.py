"""The battle manager's records, at the edge: its per-cycle assessment columns gathered into
the ``assessments.parquet`` table, with the ellipses, names and reasons in words."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.assess import CLASS_NAMES
from cupola.assess.uncertainty import ellipse

FloatArray = NDArray[np.float64]


def assessment_table(
    rows: list[dict[str, NDArray[Any]]],
    asset_names: list[str],
    type_names: list[str],
    threshold: float,
    probability: float,
) -> dict[str, NDArray[Any]]:
    """Every assessment of a run, one row per assessed track per decision cycle.

    Parameters
    ----------
    rows : list of dict of arrays
        One dict per decision cycle, as the battle manager records them: ``time``,
        ``track_id``, ``threat_id``, ``impact_x_m``, ``impact_y_m``, ``impact_time``, ``cov``
        (R, 2, 2), ``cls``, ``asset``, ``hit_probability``, ``expected_damage``, ``engage``,
        ``ballistic_coefficient_kg_m2``, ``type`` (threat-library index, -1 none), ``reach``
        (R, A).
    asset_names : list of str
        The A defended assets.
    type_names : list of str
        The threat library's type names.
    threshold : float
        The doctrine's engage threshold (the reasons name it).
    probability : float
        Probability inside the reported impact ellipse.

    Returns
    -------
    dict of arrays
        The ``assessments.parquet`` columns, with the impact point in the local frame as
        ``impact_x_m``, ``impact_y_m``.
    """
    if not rows:
        cols = {k: np.empty(0) for k in ("time", "impact_x_m", "impact_y_m", "impact_time")}
        rows = [
            {
                **cols,
                "track_id": np.empty(0, np.int64),
                "threat_id": np.empty(0, np.int64),
                "cov": np.empty((0, 2, 2)),
                "cls": np.empty(0, np.int8),
                "asset": np.empty(0, np.int64),
                "hit_probability": np.empty(0),
                "expected_damage": np.empty(0),
                "engage": np.empty(0, bool),
                "ballistic_coefficient_kg_m2": np.empty(0),
                "type": np.empty(0, np.int64),
                "reach": np.empty((0, len(asset_names))),
            }
        ]
    a = {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}
    major, minor, azimuth = ellipse(a.pop("cov"), probability)
    reach = _reach_text(a.pop("reach"), asset_names)
    names = np.array([*asset_names, ""], dtype=object)
    engage = a.pop("engage")
    above = a["expected_damage"] > threshold
    no_impact = ~np.isfinite(a["impact_time"])
    open_ground = ~no_impact & (a["asset"] < 0)
    reason = np.select(
        [engage & above, engage, no_impact, open_ground],
        [
            "expected damage above the threshold",
            "doctrine engages outside assets",
            "no impact predicted",
            "open ground",
        ],
        "expected damage not above the threshold",
    ).astype(object)
    return {
        "time": a["time"],
        "track_id": a["track_id"],
        "threat_id": a["threat_id"],
        "impact_x_m": a["impact_x_m"],
        "impact_y_m": a["impact_y_m"],
        "impact_time": a["impact_time"],
        "ellipse_major_m": major,
        "ellipse_minor_m": minor,
        "ellipse_azimuth_rad": azimuth,
        "class": np.array(CLASS_NAMES, dtype=object)[a["cls"]],
        "threat_type": np.array([*type_names, ""], dtype=object)[a["type"]],
        "ballistic_coefficient_kg_m2": a["ballistic_coefficient_kg_m2"],
        "asset": names[a["asset"]],
        "hit_probability": a["hit_probability"],
        "expected_damage": a["expected_damage"],
        "decision": np.where(engage, "engage", "ignore").astype(object),
        "reason": reason,
        "assets_in_reach": reach,
    }


def _reach_text(reach: FloatArray, names: list[str]) -> NDArray[np.object_]:
    """(R,) object: the assets within reach of each row and the time to reach them,
    ``"Town 85 s; Power station 120 s"`` in asset order, empty for none."""
    out = np.full(len(reach), "", dtype=object)
    for k, name in enumerate(names):  # a few assets; each column formatted at once
        col = reach[:, k]
        ok = np.isfinite(col)
        if ok.any():
            piece = np.char.add(f"{name} ", np.char.mod("%.0f s", col[ok])).astype(object)
            sep = np.where(out[ok] == "", "", "; ").astype(object)
            out[ok] = out[ok] + sep + piece
    return out
