"""Tracking stage: extended Kalman filters, GNN association and track management.

Trackers are named in scenario files by registry name; :data:`TRACKERS` maps each name to its
step function ``step(params, state, plots, radar, time) -> (state, outputs)`` (see
:mod:`cupola.tracking.base`). :func:`extrapolate` moves tracks to a time between scans.
"""

from __future__ import annotations

from collections.abc import Callable

from cupola.sensors.base import PlotTable, RadarParams
from cupola.tracking.base import (
    TrackerOutputs,
    TrackerParams,
    TrackerState,
    TrackTable,
    empty_tracks,
)
from cupola.tracking.gnn_ekf import step as gnn_ekf_step
from cupola.tracking.kalman import extrapolate

#: Signature of a tracker step.
TrackerStep = Callable[
    [TrackerParams, TrackerState, PlotTable, RadarParams, float],
    tuple[TrackerState, TrackerOutputs],
]

#: Trackers by registry name.
TRACKERS: dict[str, TrackerStep] = {"gnn_ekf": gnn_ekf_step}

__all__ = [
    "TRACKERS",
    "TrackTable",
    "TrackerOutputs",
    "TrackerParams",
    "TrackerState",
    "TrackerStep",
    "empty_tracks",
    "extrapolate",
]
