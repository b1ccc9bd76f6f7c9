r"""A rotating radar's plots, from a snapshot radar's: each plot re-timed to when the antenna
passes its azimuth, and moved to where its target was then.

Cupola's radars (:mod:`cupola.sensors.radar`) see every target of a scan at the scan's time.
A real surveillance radar turns: over one revisit time :math:`T` its beam sweeps the
azimuths clockwise from north, and each plot carries the time the beam passed it. A snapshot
scan at time :math:`t` becomes that sweep, with the antenna at north at :math:`t`:

.. math::

    t' = t + T \frac{a}{2\pi}, \qquad
    \mathbf p' = \mathbf p + \mathbf x(t') - \mathbf x(t),

for a plot at azimuth :math:`a` (rad, in :math:`[0, 2\pi)`) and measured position
:math:`\mathbf p`, of the target whose true position is :math:`\mathbf x` (the run's truth,
linear between its steps: at most :math:`g\,\Delta^2/8`, 1.2 m for a rocket coasting and
1 s steps), then back to range, azimuth and elevation from the radar. The detection draw,
clutter and measurement noise stay the snapshot radar's; clutter plots are re-timed and stay
where they are. A plot whose target's truth does not reach :math:`t'` (it landed, or was
destroyed) is dropped. The plots come out in time order.

This is what ``cupola replay --sweep`` sends: the test source for a feed's handling of real
radars' timing (:mod:`cupola.feed.scans`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.core.frames import TWO_PI, from_polar, to_polar
from cupola.core.table import take
from cupola.sensors.base import PlotTable, RadarParams

FloatArray = NDArray[np.float64]


def truth_at(
    ids: NDArray[np.int64],
    times: FloatArray,
    truth_id: NDArray[np.int64],
    truth_time: FloatArray,
    truth_pos: FloatArray,
) -> FloatArray:
    """True positions of targets ``ids`` at ``times``, linear between truth steps; NaN where
    a target's truth does not cover the time.

    Parameters
    ----------
    ids : (N,) int64
    times : (N,) float64
        s.
    truth_id, truth_time : (M,) int64, float64
        The truth table's rows (any order).
    truth_pos : (M, 3) float64
        ENU, m.

    Returns
    -------
    (N, 3) float64
    """
    if len(truth_time) < 2:
        return np.full((len(ids), 3), np.nan)
    order = np.lexsort((truth_time, truth_id))
    tid, tt, tp = truth_id[order], truth_time[order], truth_pos[order]
    lo = np.searchsorted(tid, ids, side="left")  # each target's rows are contiguous
    hi = np.searchsorted(tid, ids, side="right")
    # One search for all: within target i's rows, by time (keys sorted as the rows are).
    t0 = float(tt.min())
    span = float(tt.max()) - t0 + 1.0
    key = tid * span + (tt - t0)
    j = np.searchsorted(key, ids * span + (times - t0), side="right")
    j = np.clip(j, lo + 1, np.maximum(hi - 1, lo + 1))
    ok = (hi - lo >= 2) & (times >= tt[np.minimum(lo, len(tt) - 1)])
    ok &= times <= tt[np.maximum(hi - 1, 0)]
    j = np.minimum(j, len(tt) - 1)
    j = np.where(ok, j, 1)
    a, b = tt[j - 1], tt[j]
    f = np.where(b > a, (times - a) / np.where(b > a, b - a, 1.0), 0.0)
    out = tp[j - 1] + f[:, None] * (tp[j] - tp[j - 1])
    out[~ok] = np.nan
    return out


def sweep(
    plots: PlotTable,
    radars: dict[int, RadarParams],
    truth_id: NDArray[np.int64],
    truth_time: FloatArray,
    truth_pos: FloatArray,
) -> PlotTable:
    """The plots as rotating radars would have made them (module docstring).

    Parameters
    ----------
    plots : PlotTable
        Snapshot plots (one time a scan), with ``truth_id`` (-1 clutter).
    radars : dict of int to RadarParams
        By ``sensor_id``: position and revisit time.
    truth_id, truth_time, truth_pos
        The run's truth of its threats (:func:`truth_at`).

    Returns
    -------
    PlotTable
        In time order; ``truth_id`` kept.
    """
    revisit = np.array([radars[int(s)].revisit_s for s in plots.sensor_id], float)
    origin = np.array([radars[int(s)].position for s in plots.sensor_id], float).reshape(-1, 3)
    az = np.mod(plots.azimuth_rad, TWO_PI)
    later = plots.time + revisit * az / TWO_PI
    p = origin + from_polar(plots.range_m, az, plots.elevation_rad)
    target = plots.truth_id >= 0
    move = np.zeros_like(p)
    ids = plots.truth_id[target]
    move[target] = truth_at(ids, later[target], truth_id, truth_time, truth_pos) - truth_at(
        ids, plots.time[target], truth_id, truth_time, truth_pos
    )
    keep = np.asarray(np.isfinite(move).all(axis=1))
    r, a, e = to_polar(p + move - origin)
    out = PlotTable(later, plots.sensor_id, r, np.mod(a, TWO_PI), e, plots.truth_id)
    out = take(out, keep)
    return take(out, np.argsort(out.time, kind="stable"))
