"""Campaigns: many runs of a scenario over seeds and parameter grids, on the local cores."""

from cupola.campaign.base import Sweep, parse_vary
from cupola.campaign.local import run_sweep

__all__ = ["Sweep", "parse_vary", "run_sweep"]
