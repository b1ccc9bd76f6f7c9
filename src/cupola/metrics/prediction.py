r"""Impact-prediction error: how far the predicted impact point was from the truth, against the
time since the threat was first detected.

Each assessment row of a track that follows a true threat (``threat_id >= 0``) with a predicted
impact gives one sample: its *age* :math:`a = t - t_{det}`, the time since the radar's first
plot of that threat, and its *error* :math:`e = \lVert \hat p - p\rVert`, the horizontal
distance from the predicted impact point :math:`\hat p` to where the threat would have come
down had nothing stopped it (its nominal impact; an intercepted threat is scored against where
it was going). The error at age :math:`A` is read from the samples with
:math:`|a - A| \le` ``AGE_WINDOW_S`` (one per decision cycle and track, at a 1 s period), and
summarised by its median and 95th percentile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Half-width of the age bins, s.
AGE_WINDOW_S = 0.5
#: Ages reported by default, s.
AGES_S = (5.0, 10.0, 20.0, 40.0)


@dataclass(frozen=True)
class PredictionErrors:
    """One sample per assessment of a true threat with a predicted impact (module docstring).

    Attributes
    ----------
    threat_id : (S,) int64
    age_s : (S,) float64
        Time since the threat's first detection, s.
    error_m : (S,) float64
        Distance from the predicted to the true impact point, m.
    """

    threat_id: IntArray
    age_s: FloatArray
    error_m: FloatArray


def prediction_errors(
    time: FloatArray,
    threat_id: IntArray,
    impact: FloatArray,
    first_detection: FloatArray,
    true_impact: FloatArray,
) -> PredictionErrors:
    """Errors of predicted impact points (module docstring).

    Parameters
    ----------
    time : (R,) float64
        Time of each assessment, s.
    threat_id : (R,) int64
        Threat the assessed track follows, -1 for a false track.
    impact : (R, 2) float64
        Predicted impact point, m (NaN: none).
    first_detection : (N,) float64
        First plot of each threat, s (NaN: never detected).
    true_impact : (N, 2) float64
        Where each threat would have landed, m.

    Returns
    -------
    PredictionErrors
    """
    tid = np.asarray(threat_id, np.int64)
    ok = (tid >= 0) & np.isfinite(impact).all(axis=1)
    ok[ok] &= np.isfinite(first_detection[tid[ok]])
    rows = np.flatnonzero(ok)
    t = tid[rows]
    return PredictionErrors(
        threat_id=t,
        age_s=np.asarray(time[rows] - first_detection[t], np.float64),
        error_m=np.hypot(*(impact[rows] - true_impact[t]).T),
    )


def first_detections(truth_id: IntArray, plot_time: FloatArray, n: int) -> FloatArray:
    """(n,) float64: time of the first plot of each of ``n`` threats from the plots' ``truth_id``
    and ``time``, NaN for a threat never detected."""
    out = np.full(n, np.inf)
    own = truth_id >= 0
    np.minimum.at(out, truth_id[own], plot_time[own])
    return np.where(np.isfinite(out), out, np.nan)


@dataclass(frozen=True)
class ErrorRow:
    """Median and 95th percentile of the error of one group at one age."""

    group: str
    age_s: float
    samples: int
    median_m: float
    p95_m: float


def error_table(
    e: PredictionErrors, group: NDArray[np.object_], ages: tuple[float, ...] = AGES_S
) -> list[ErrorRow]:
    """Error by group (one label per threat, e.g. its type) and age (module docstring).

    Parameters
    ----------
    e : PredictionErrors
    group : (N,) object
        Label of each threat; samples of threats labelled ``None`` are left out.
    ages : tuple of float
        Ages, s.

    Returns
    -------
    list of ErrorRow
        Sorted by group then age; a (group, age) with no sample is left out.
    """
    label = np.asarray(group, dtype=object)[e.threat_id]
    rows = []
    for g in sorted({x for x in label.tolist() if x is not None}):
        mine = label == g
        for a in ages:
            sel = mine & (np.abs(e.age_s - a) <= AGE_WINDOW_S)
            if sel.any():
                err = e.error_m[sel]
                rows.append(
                    ErrorRow(
                        str(g),
                        float(a),
                        int(sel.sum()),
                        float(np.median(err)),
                        float(np.percentile(err, 95)),
                    )
                )
    return rows


__all__ = [
    "AGES_S",
    "AGE_WINDOW_S",
    "ErrorRow",
    "PredictionErrors",
    "error_table",
    "first_detections",
    "prediction_errors",
]
