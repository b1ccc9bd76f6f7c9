"""The battle manager's records, at the edge: its per-cycle assessment columns gathered into
the ``assessments.parquet`` table, with the ellipses, names and reasons in words."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.assess import AIR_BREATHING, CLASS_NAMES, Assessment
from cupola.assess.uncertainty import ellipse

FloatArray = NDArray[np.float64]


def cycle_row(
    t: float,
    threat_id: NDArray[np.int64],
    a: Assessment,
    log_beta_mean: FloatArray | None = None,
    type_idx: NDArray[np.int64] | None = None,
) -> dict[str, NDArray[Any]]:
    """The battle manager's record of one decision cycle, as :func:`assessment_table` takes
    them.

    Parameters
    ----------
    t : float
        Time of the cycle, s.
    threat_id : (T,) int64
        True threat each assessed track follows, -1 for a false track (scoring only).
    a : Assessment
        The cycle's assessment of T tracks.
    log_beta_mean : (T,) float64, optional
        Each track's estimated :math:`\\ln\\beta` (default: none, NaN).
    type_idx : (T,) int64, optional
        Each track's threat-library type, -1 none (default: none).
    """
    n = len(a.track_id)
    air = a.cls == AIR_BREATHING
    lb = np.full(n, np.nan) if log_beta_mean is None else log_beta_mean
    kind = np.full(n, -1, np.int64) if type_idx is None else type_idx
    return {
        "time": np.full(n, t),
        "track_id": a.track_id,
        "threat_id": threat_id,
        "impact_x_m": a.impact[:, 0],
        "impact_y_m": a.impact[:, 1],
        "impact_time": np.where(np.isfinite(a.impact_time), a.impact_time, np.nan),
        "cov": a.impact_cov,
        "cls": a.cls,
        "asset": a.asset,
        "hit_probability": a.hit_probability,
        "expected_damage": a.expected_damage,
        "engage": a.engage,
        "reach": a.reach_time,
        "ballistic_coefficient_kg_m2": np.where(air, np.nan, np.exp(lb)),
        "type": np.where(air, -1, kind),
    }


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
        One dict per decision cycle (:func:`cycle_row`).
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
        rows = [cycle_row(0.0, np.empty(0, np.int64), Assessment.empty(len(asset_names)))]
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
