"""Running a tracker over recorded plots (``cupola track``).

The plots are cut into scans, the runs of rows with one time and one sensor, and fed to the
tracker in file order, one scan at a time, as the engine does during a run. After the last scan
of each time, every confirmed track is written: one row per confirmed track per scan time, in
the columns of ``tracks.parquet`` (:data:`TRACK_COLUMNS`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.core.table import take
from cupola.scenario.schema import TrackerConfig
from cupola.sensors.base import PlotTable, RadarParams
from cupola.tracking import TRACKERS
from cupola.tracking.base import ImmParams, TrackerParams, TrackerState, empty_tracks

#: Columns of a tracks file, in order.
TRACK_COLUMNS = (
    "time",
    "track_id",
    "x_m",
    "y_m",
    "z_m",
    "vx_mps",
    "vy_mps",
    "vz_mps",
    "cov_xx",
    "cov_xy",
    "cov_xz",
    "cov_yy",
    "cov_yz",
    "cov_zz",
)


def tracker_params(cfg: TrackerConfig) -> TrackerParams:
    """The numeric settings of a tracker configuration."""
    return TrackerParams(
        process_noise_mps2=cfg.process_noise_mps2,
        gate_probability=cfg.gate_probability,
        confirm_hits=cfg.confirm_hits,
        confirm_window=cfg.confirm_window,
        delete_misses=cfg.delete_misses,
        init_velocity_sigma_mps=cfg.init_velocity_sigma_mps,
        max_speed_mps=cfg.max_speed_mps,
        initiation=cfg.initiation,
        detection_probability=cfg.detection_probability,
        false_track_probability=cfg.false_track_probability,
        lost_track_probability=cfg.lost_track_probability,
        clutter_density=cfg.clutter_density,
        imm=ImmParams(
            ncv_noise_mps2=cfg.imm.ncv_noise_mps2,
            maneuver_jerk_mps3=cfg.imm.maneuver_jerk_mps3,
            ballistic_coefficients_kg_m2=tuple(cfg.imm.ballistic_coefficients_kg_m2),
            ballistic_noise_mps2=cfg.imm.ballistic_noise_mps2,
            stay_probability=cfg.imm.stay_probability,
            init_acceleration_sigma_mps2=cfg.imm.init_acceleration_sigma_mps2,
        ),
    )


def confirmed_rows(state: TrackerState, time: float) -> dict[str, NDArray[Any]]:
    """The confirmed tracks of ``state`` as rows of the tracks file, at ``time``."""
    tr = state.tracks
    c = tr.confirmed
    s, p = tr.state[c], tr.cov[c]
    return {
        "time": np.full(int(c.sum()), time),
        "track_id": tr.track_id[c],
        "x_m": s[:, 0],
        "y_m": s[:, 1],
        "z_m": s[:, 2],
        "vx_mps": s[:, 3],
        "vy_mps": s[:, 4],
        "vz_mps": s[:, 5],
        "cov_xx": p[:, 0, 0],
        "cov_xy": p[:, 0, 1],
        "cov_xz": p[:, 0, 2],
        "cov_yy": p[:, 1, 1],
        "cov_yz": p[:, 1, 2],
        "cov_zz": p[:, 2, 2],
    }


def track_plots(
    cfg: TrackerConfig, sensors: dict[int, RadarParams], plots: PlotTable
) -> dict[str, NDArray[Any]]:
    """Run the configured tracker over recorded plots.

    Parameters
    ----------
    cfg : TrackerConfig
        Tracker by registry name, with its settings.
    sensors : dict of int to RadarParams
        The radars, by ``sensor_id``.
    plots : PlotTable
        P plots in time order (checked by :func:`cupola.tracking.files.load_plots`).

    Returns
    -------
    dict of (R,) arrays
        The :data:`TRACK_COLUMNS`, one row per confirmed track per scan time.
    """
    return track_feed(cfg, sensors, plots)[0]


def track_feed(
    cfg: TrackerConfig, sensors: dict[int, RadarParams], plots: PlotTable
) -> tuple[dict[str, NDArray[Any]], int]:
    """Run the configured tracker over plots as a live feed delivered them: plots of an
    unknown sensor, plots the tracker cannot use and scans out of sequence are rejected and
    counted (:func:`cupola.tracking.scan.valid_plots`), never an error.

    Returns
    -------
    rows : dict of (R,) arrays
        The :data:`TRACK_COLUMNS`, one row per confirmed track per scan time.
    rejected : int
        Plots left out.
    """
    step = TRACKERS[cfg.name]
    params = tracker_params(cfg)
    known = np.isin(plots.sensor_id, list(sensors))
    rejected = int((~known).sum())
    plots = take(plots, known)
    n = len(plots.time)
    same = (plots.time[1:] == plots.time[:-1]) | (
        np.isnan(plots.time[1:]) & np.isnan(plots.time[:-1])
    )
    cut = np.flatnonzero(~same | (np.diff(plots.sensor_id) != 0)) + 1
    starts = np.r_[0, cut] if n else np.empty(0, np.int64)
    ends = np.r_[cut, n] if n else np.empty(0, np.int64)
    state = TrackerState(empty_tracks(), 0)
    # The picture after the last scan of each time (a later scan of the same time replaces it).
    picture: dict[float, dict[str, NDArray[Any]]] = {}
    for a, b in zip(starts, ends, strict=True):  # the clock: one scan a turn
        scan = take(plots, slice(int(a), int(b)))
        t = float(plots.time[a])
        state, out = step(params, state, scan, sensors[int(plots.sensor_id[a])], t)
        rejected += int(out.rejected.sum())
        if not out.rejected.all():
            picture[t] = confirmed_rows(state, t)
    chunks = [confirmed_rows(TrackerState(empty_tracks(), 0), 0.0), *picture.values()]
    return {k: np.concatenate([c[k] for c in chunks]) for k in TRACK_COLUMNS}, rejected
