"""What the run report is drawn from: the scene (static geometry) and the run's tables.

Everything is already in the local frame (meters east and north of the scenario origin);
the report draws it, it computes nothing about the raid itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class SceneShape:
    """A named outline on the map.

    Attributes
    ----------
    name : str
        Label.
    kind : str
        ``area``, ``point`` or ``route`` for assets; ``zone`` for alert zones.
    outline : (K, 2) float64
        Closed outline (first point not repeated), local east/north, m. Points and routes are
        given as their footprint (circle of the radius, route buffered by half its width).
    value : float
        Asset value (0 for zones).
    hits : int
        Threat impacts that damaged this asset in the run (0 for zones).
    alerted : bool
        Zones: whether an alert was issued for it in the run (False for assets).
    """

    name: str
    kind: str
    outline: NDArray[np.float64]
    value: float
    hits: int
    alerted: bool


@dataclass(frozen=True, slots=True)
class SceneSite:
    """A radar, battery or launcher on the map.

    Attributes
    ----------
    name : str
    kind : str
        ``radar``, ``battery`` or ``launcher``.
    x, y : float
        Local east/north, m.
    range_m : float
        Radar: maximum range; battery: interceptor maximum range; launcher: 0.
    """

    name: str
    kind: str
    x: float
    y: float
    range_m: float


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """Everything ``report.html`` shows.

    Attributes
    ----------
    title : str
        Scenario name.
    description : str
        Scenario description.
    seed : int
    assets, zones : list of SceneShape
    sites : list of SceneSite
    threats : dict of (N,) arrays
        One row per threat: ``threat_id`` int64, ``type`` str, ``launch_time`` s,
        ``outcome`` str in {``intercepted``, ``hit``, ``open_ground``, ``in_flight``}
        (``hit`` = landed and damaged a defended asset), ``engaged`` bool.
    truth : dict of (R,) arrays
        Columns of ``truth.parquet``: ``time`` s, ``object`` (``threat``/``interceptor``),
        ``id`` int64, ``x_m``, ``y_m``, ``z_m``, ``lat``, ``lon``, ``alt_m``.
    events : dict of (E,) arrays
        Columns of ``events.parquet``: ``time``, ``kind`` str, ``threat_id``, ``track_id``,
        ``unit_id``, ``zone_id`` int64 (-1 when not applicable), ``x_m``, ``y_m``, ``z_m``,
        ``lat``, ``lon``, ``alt_m`` float64 (NaN when not applicable), ``detail`` str.
        Kinds include ``launch``, ``detection``, ``track_confirmed``, ``classified``,
        ``impact_predicted``, ``alert``, ``engagement``, ``interceptor_launch``,
        ``intercept``, ``miss``, ``impact``, ``track_deleted``.
    summary : dict
        The content of ``summary.json``.
    """

    title: str
    description: str
    seed: int
    assets: list[SceneShape]
    zones: list[SceneShape]
    sites: list[SceneSite]
    threats: dict[str, NDArray[Any]]
    truth: dict[str, NDArray[Any]]
    events: dict[str, NDArray[Any]]
    summary: dict[str, Any]
