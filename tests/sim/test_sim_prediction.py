"""End to end: the battle manager's impact predictions (ballistic filters fed by the tracker's
plots) settle on the true impact points, whatever the tracker."""

from __future__ import annotations

import numpy as np
import pytest

from cupola.metrics.runs import prediction_errors_of
from cupola.scenario import load
from cupola.sim.engine import simulate
from cupola.sim.world import compile_world


@pytest.mark.parametrize("tracker", ["gnn_imm", "jpda_imm", "gnn_ekf"])
def test_impact_predictions_settle_with_every_tracker(tracker: str) -> None:
    sc = load("border-town")
    sc = sc.model_copy(update={"tracker": sc.tracker.model_copy(update={"name": tracker})})
    r = simulate(compile_world(sc), 2)
    e = prediction_errors_of(r)
    early = np.abs(e.age_s - 5.0) <= 0.5
    late = e.age_s >= 15.0
    assert early.sum() > 20
    assert late.sum() > 20
    assert np.median(e.error_m[late]) < 60.0
    assert np.median(e.error_m[late]) < 0.5 * np.median(e.error_m[early])
