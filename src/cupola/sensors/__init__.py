"""Sensors stage: radar plots from the true threat positions.

Public names: :func:`observe` (one radar scan), :func:`detection_probability` (Swerling I
radar equation), :func:`line_of_sight` (4/3-earth horizon and range), and the interface types
:class:`RadarParams`, :class:`PlotTable` and :func:`empty_plots`.
"""

from cupola.sensors.base import PlotTable, RadarParams, empty_plots
from cupola.sensors.radar import detection_probability, line_of_sight, observe

__all__ = [
    "PlotTable",
    "RadarParams",
    "detection_probability",
    "empty_plots",
    "line_of_sight",
    "observe",
]
