"""Scenarios: the versioned YAML format, loading with clear errors, and the built-in set."""

from cupola.scenario.load import builtin_names, catalog, load, load_text
from cupola.scenario.schema import SCHEMA_VERSION, Scenario

__all__ = ["SCHEMA_VERSION", "Scenario", "builtin_names", "catalog", "load", "load_text"]
