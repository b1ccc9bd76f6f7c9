"""Metrics for comparing trackers and runs: GOSPA with its parts, and track continuity."""

from cupola.metrics.continuity import Continuity, continuity
from cupola.metrics.gospa import Gospa, assign, gospa

__all__ = ["Continuity", "Gospa", "assign", "continuity", "gospa"]
