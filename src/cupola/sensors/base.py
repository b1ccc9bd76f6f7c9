"""Sensor interface: radar parameters and the plot table every radar produces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class RadarParams:
    """Static parameters of one surveillance radar.

    Attributes
    ----------
    radar_id : int
        Stable id, written as ``sensor_id`` in plots.
    position : (3,) float64
        Antenna position, ENU, m.
    max_range_m : float
        Instrumented range, m.
    revisit_s : float
        Time between scans, s.
    sigma_range_m, sigma_azimuth_rad, sigma_elevation_rad : float
        Standard deviations of the measurement noise (Gaussian, independent).
    reference_range_m : float
        Range at which a target of ``reference_rcs_m2`` is detected with ``reference_pd``.
    reference_rcs_m2 : float
        Reference radar cross-section, m².
    reference_pd : float
        Detection probability at the reference range, in (0, 1).
    false_alarm_probability : float
        Probability of false alarm per resolution cell, sets the threshold.
    false_plots_per_scan : float
        Mean of the Poisson number of clutter plots per scan.
    min_elevation_rad : float
        Lowest elevation the radar sees (terrain mask), rad, after earth curvature.
    clutter_max_elevation_rad : float
        Clutter plots are spread uniformly in elevation between ``min_elevation_rad`` and this.
    sector_rad : (float, float) or None
        The azimuths one scan covers: from ``sector_rad[0]`` clockwise over ``sector_rad[1]``
        (rad), for a rotating radar whose plots come a sector at a time (a live feed,
        :mod:`cupola.feed.scans`); None, the default: all round, a whole scan at one time.
    """

    radar_id: int
    position: NDArray[np.float64]
    max_range_m: float
    revisit_s: float
    sigma_range_m: float
    sigma_azimuth_rad: float
    sigma_elevation_rad: float
    reference_range_m: float
    reference_rcs_m2: float
    reference_pd: float
    false_alarm_probability: float
    false_plots_per_scan: float
    min_elevation_rad: float
    clutter_max_elevation_rad: float
    sector_rad: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class PlotTable:
    """Radar detections (plots), P rows. The public Parquet format of ``plots.parquet``.

    Attributes
    ----------
    time : (P,) float64
        Scan time, s.
    sensor_id : (P,) int64
        Radar that made the plot.
    range_m : (P,) float64
        Slant range, m.
    azimuth_rad : (P,) float64
        Azimuth clockwise from north, rad, in [0, 2π).
    elevation_rad : (P,) float64
        Elevation above the radar's local horizontal, rad.
    truth_id : (P,) int64
        Threat that caused the plot, -1 for clutter. For scoring only: no stage reads it to
        decide anything.
    """

    time: NDArray[np.float64]
    sensor_id: NDArray[np.int64]
    range_m: NDArray[np.float64]
    azimuth_rad: NDArray[np.float64]
    elevation_rad: NDArray[np.float64]
    truth_id: NDArray[np.int64]


def plot_columns(plots: PlotTable) -> dict[str, NDArray[np.generic]]:
    """The columns of a plots file (``plots.parquet``), in order."""
    return {
        "time": plots.time,
        "sensor_id": plots.sensor_id,
        "range_m": plots.range_m,
        "azimuth_rad": plots.azimuth_rad,
        "elevation_rad": plots.elevation_rad,
        "truth_id": plots.truth_id,
    }


def empty_plots() -> PlotTable:
    """A plot table with no rows."""
    f = np.empty(0, np.float64)
    i = np.empty(0, np.int64)
    return PlotTable(f, i, f, f, f, i)
