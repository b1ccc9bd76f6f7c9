"""Shared fixtures: full runs of the built-in scenarios, computed once per test process."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import settings

from cupola.scenario import load
from cupola.sim.engine import RunResult, simulate
from cupola.sim.world import compile_world

# CI runs the property tests on a fixed sequence of examples, so that a pass or a failure
# reproduces; local runs explore new examples every time.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@cache
def _run_builtin(name: str, seed: int) -> RunResult:
    return simulate(compile_world(load(name)), seed)


@pytest.fixture(scope="session")
def run_builtin() -> Callable[[str, int], RunResult]:
    """``run_builtin(name, seed)``: a built-in scenario's run, computed once per process."""
    return _run_builtin


@pytest.fixture
def border_town_run(run_builtin: Callable[[str, int], RunResult]) -> RunResult:
    """The border-town scenario, seed 1."""
    return run_builtin("border-town", 1)
