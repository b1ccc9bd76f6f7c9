"""Metrics for comparing trackers and runs: GOSPA with its parts."""

from cupola.metrics.gospa import Gospa, gospa

__all__ = ["Gospa", "gospa"]
