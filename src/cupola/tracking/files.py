"""Inputs of ``cupola track``: the sensors file (YAML) and a plots file (Parquet).

Sensors file, ``schema_version`` optional (1)::

    sensors:
      - id: 0
        position_m: [0.0, 0.0, 0.0]   # east, north, up, m, in the frame tracks are reported in
        sigma_range_m: 10.0
        sigma_azimuth_rad: 0.001
        sigma_elevation_rad: 0.001
        max_range_m: 100000.0         # optional: coverage, for counting misses (default: all)
        min_elevation_rad: 0.0        # optional: idem (default: no limit)
        false_plots_per_scan: 10.0    # optional: clutter rate, with max_range_m and
        clutter_max_elevation_rad: 0.3  # this, for the track score (default: the tracker's
                                        # clutter_density)

Plots file: the columns of ``plots.parquet`` (``time`` s, ``sensor_id``, ``range_m``,
``azimuth_rad`` clockwise from north, ``elevation_rad``; ``truth_id`` if present is ignored).
Rows must come in time order; one scan is the run of rows with one time and one sensor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

import duckdb
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from cupola.core.files import input_error, parse_yaml, read_text, validate_model
from cupola.errors import InputError
from cupola.scenario.schema import TrackerConfig
from cupola.sensors.base import PlotTable, RadarParams

Positive = Annotated[float, Field(gt=0)]

#: Columns a plots file must have, with the kind of values each holds.
PLOT_COLUMNS = {
    "time": "f",
    "sensor_id": "i",
    "range_m": "f",
    "azimuth_rad": "f",
    "elevation_rad": "f",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Sensor(_Strict):
    """One radar of a recorded picture."""

    id: int = Field(ge=0, strict=True)
    position_m: tuple[float, float, float]
    sigma_range_m: Positive
    sigma_azimuth_rad: Annotated[float, Field(gt=0, lt=0.5)]
    sigma_elevation_rad: Annotated[float, Field(gt=0, lt=0.5)]
    max_range_m: Positive = 1e12
    min_elevation_rad: Annotated[float, Field(ge=-1.6, le=1.6)] = -1.6
    false_plots_per_scan: Annotated[float, Field(ge=0)] = 0.0
    clutter_max_elevation_rad: Annotated[float, Field(ge=-1.6, le=1.6)] = 1.6


class SensorsFile(_Strict):
    """The sensors file."""

    schema_version: Literal[1] = 1
    sensors: list[Sensor] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        ids = [s.id for s in self.sensors]
        if len(set(ids)) != len(ids):
            raise ValueError("sensor ids must be unique")
        return self


class TrackerFile(_Strict):
    """The optional tracker configuration file: the scenario's ``tracker`` section."""

    schema_version: Literal[1] = 1
    tracker: TrackerConfig = TrackerConfig()


def load_sensors(path: Path) -> dict[int, RadarParams]:
    """Radars by sensor id, from a sensors file.

    Raises
    ------
    InputError
        Missing or unreadable file, bad YAML, an unknown or missing field, a bad value.
    """
    source = str(path)
    data = parse_yaml(read_text(Path(path), source), source, what="sensors fields")
    model = validate_model(SensorsFile, data, source)
    return {
        s.id: RadarParams(
            radar_id=s.id,
            position=np.array(s.position_m, float),
            max_range_m=s.max_range_m,
            revisit_s=1.0,
            sigma_range_m=s.sigma_range_m,
            sigma_azimuth_rad=s.sigma_azimuth_rad,
            sigma_elevation_rad=s.sigma_elevation_rad,
            reference_range_m=1.0,
            reference_rcs_m2=1.0,
            reference_pd=0.9,
            false_alarm_probability=1e-6,
            false_plots_per_scan=s.false_plots_per_scan,
            min_elevation_rad=s.min_elevation_rad,
            clutter_max_elevation_rad=s.clutter_max_elevation_rad,
        )
        for s in model.sensors
    }


def load_tracker_config(path: Path | None) -> TrackerConfig:
    """The tracker settings of a tracker file, or the defaults."""
    if path is None:
        return TrackerConfig()
    source = str(path)
    data = parse_yaml(read_text(Path(path), source), source, what="tracker fields")
    return validate_model(TrackerFile, data, source).tracker


def load_plots(path: Path, sensors: dict[int, RadarParams], check_rows: bool = True) -> PlotTable:
    """A plots file, checked row by row.

    With ``check_rows=False`` (a live feed recorded as it came) the rows are not checked: a
    missing or non-finite value reads as NaN, and bad rows are left for the tracker to reject
    and count (:func:`cupola.tracking.replay.track_feed`). The file itself is still checked.

    Raises
    ------
    InputError
        Missing or unreadable file, not Parquet, a missing column, no rows, and unless
        ``check_rows`` is False: a missing value, a value that is not finite, a negative range,
        an unknown sensor id, or times going backwards; the message names the column and the
        first bad row (counting from 0).
    """
    source = str(path)
    p = Path(path)
    if not p.exists():
        raise input_error(source, "", "no such file")
    if p.is_dir():
        raise input_error(source, "", "is a directory, not a file")
    con = duckdb.connect()
    try:
        escaped = str(p).replace("'", "''")
        cols = con.execute(f"SELECT * FROM read_parquet('{escaped}')").fetchnumpy()
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        raise input_error(source, "", f"not a readable Parquet file ({reason})") from None
    finally:
        con.close()
    for name, kind in PLOT_COLUMNS.items():
        if name not in cols:
            raise input_error(source, name, "missing column")
        missing = np.flatnonzero(np.ma.getmaskarray(cols[name]))
        if len(missing) and check_rows:
            raise input_error(source, f"{name}, row {missing[0]}", "missing value (null)")
        col = np.asarray(np.ma.getdata(cols[name]))
        if col.dtype.kind not in ("f", "i", "u") or (kind == "i" and col.dtype.kind == "f"):
            raise input_error(source, name, f"expected numbers, found {col.dtype}")
    n = len(cols["time"])
    if n == 0:
        raise input_error(source, "", "no plots in the file")
    values = {
        k: np.where(np.ma.getmaskarray(cols[k]), np.nan, np.ma.getdata(cols[k]).astype(float))
        for k in PLOT_COLUMNS
    }
    sensor_values = values["sensor_id"]
    sensor = np.where(np.isfinite(sensor_values), sensor_values, -1).astype(np.int64)
    if not check_rows:
        with np.errstate(invalid="ignore"):  # a non-finite azimuth stays NaN, to be rejected
            azimuth = np.mod(values["azimuth_rad"], 2 * np.pi)
        return PlotTable(
            time=values["time"],
            sensor_id=sensor,
            range_m=values["range_m"],
            azimuth_rad=azimuth,
            elevation_rad=values["elevation_rad"],
            truth_id=np.full(n, -1, np.int64),
        )
    for name, v in values.items():
        bad = np.flatnonzero(~np.isfinite(v))
        if len(bad):
            raise input_error(source, f"{name}, row {bad[0]}", "not a finite number")
    _first_bad(source, "range_m", values["range_m"] < 0, "negative range")
    _first_bad(source, "time", np.r_[False, np.diff(values["time"]) < 0], "time goes backwards")
    _first_bad(source, "sensor_id", ~np.isin(sensor, list(sensors)), "unknown sensor id")
    return PlotTable(
        time=values["time"],
        sensor_id=sensor,
        range_m=values["range_m"],
        azimuth_rad=np.mod(values["azimuth_rad"], 2 * np.pi),
        elevation_rad=values["elevation_rad"],
        truth_id=np.full(n, -1, np.int64),  # ignored: a replay never sees truth
    )


def _first_bad(source: str, column: str, bad: np.ndarray, reason: str) -> None:
    rows = np.flatnonzero(bad)
    if len(rows):
        raise input_error(source, f"{column}, row {rows[0]}", reason)


__all__ = [
    "PLOT_COLUMNS",
    "InputError",
    "Sensor",
    "SensorsFile",
    "TrackerFile",
    "load_plots",
    "load_sensors",
    "load_tracker_config",
]
