"""Metrics for comparing trackers and runs: GOSPA with its parts, track continuity, and the
quality of civil warnings."""

from cupola.metrics.continuity import Continuity, continuity
from cupola.metrics.gospa import Gospa, assign, gospa
from cupola.metrics.warnings import WarningQuality, warning_quality

__all__ = [
    "Continuity",
    "Gospa",
    "WarningQuality",
    "assign",
    "continuity",
    "gospa",
    "warning_quality",
]
