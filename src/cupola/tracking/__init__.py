"""Tracking stage: extended Kalman and IMM filters, GNN association and track management.

Trackers are named in scenario files by registry name; :data:`TRACKERS` maps each name to its
step function ``step(params, state, plots, radar, time) -> (state, outputs)`` (see
:mod:`cupola.tracking.base`). :func:`extrapolate` moves tracks to a time between scans.
"""

from __future__ import annotations

from collections.abc import Callable

from cupola.sensors.base import PlotTable, RadarParams
from cupola.tracking.base import (
    ImmParams,
    TrackerOutputs,
    TrackerParams,
    TrackerState,
    TrackTable,
    empty_tracks,
)
from cupola.tracking.kalman import extrapolate
from cupola.tracking.scan import gnn_ekf, gnn_imm, jpda_ekf, jpda_imm

#: Signature of a tracker step.
TrackerStep = Callable[
    [TrackerParams, TrackerState, PlotTable, RadarParams, float],
    tuple[TrackerState, TrackerOutputs],
]

#: Trackers by registry name.
TRACKERS: dict[str, TrackerStep] = {
    "gnn_imm": gnn_imm,
    "gnn_ekf": gnn_ekf,
    "jpda_imm": jpda_imm,
    "jpda_ekf": jpda_ekf,
}

__all__ = [
    "TRACKERS",
    "ImmParams",
    "TrackTable",
    "TrackerOutputs",
    "TrackerParams",
    "TrackerState",
    "TrackerStep",
    "empty_tracks",
    "extrapolate",
]
