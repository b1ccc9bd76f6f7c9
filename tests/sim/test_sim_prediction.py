"""End to end: the battle manager's impact predictions (ballistic filters fed by the tracker's
plots) settle on the true impact points, whatever the tracker."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from cupola.metrics.runs import prediction_errors_of
from cupola.scenario import load
from cupola.sim.engine import RunResult, simulate
from cupola.sim.world import compile_world

Runner = Callable[[str, int], RunResult]


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


def test_tracks_are_identified_as_their_true_type(run_builtin: Runner) -> None:
    """City raid: Grad, extended-range 122 mm and Fajr-5 tracks are identified against the
    threat library (the whole catalog) as what they are, from their first assessments on."""
    r = run_builtin("city-mixed-raid", 1)
    a = r.assessments
    true = a["threat_id"] >= 0
    names = np.asarray(r.world.threat_types.names, dtype=object)
    truth = names[r.threats.type_idx[a["threat_id"][true]]]
    got = a["threat_type"][true]
    ballistic = a["class"][true] == "ballistic"
    identified = got != ""
    assert identified[ballistic].mean() > 0.95
    assert (got[identified] == truth[identified]).mean() > 0.99
    # And none of the city's threat types is a mortar or short-range rocket.
    assert not np.isin(got, ["mortar-120mm", "qassam", "rocket-107mm"]).any()
