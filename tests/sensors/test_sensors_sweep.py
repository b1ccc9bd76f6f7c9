"""A rotating radar's plots from a snapshot radar's (:mod:`cupola.sensors.sweep`), and scans of
one sector (``RadarParams.sector_rad`` in :func:`cupola.sensors.radar.line_of_sight`):
closed-form cases and invariants."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cupola.core.frames import TWO_PI, from_polar, to_polar
from cupola.sensors import PlotTable
from cupola.sensors.radar import line_of_sight
from cupola.sensors.sweep import sweep, truth_at
from factories import radar_params


def plots_at(time: float, rel: np.ndarray, truth: list[int]) -> PlotTable:
    r, a, e = to_polar(rel)
    n = len(r)
    return PlotTable(
        np.full(n, time), np.zeros(n, np.int64), r, np.mod(a, TWO_PI), e, np.array(truth)
    )


def test_truth_is_linear_between_steps_and_nan_outside() -> None:
    ids = np.array([7, 7, 7, 3, 3])
    times = np.array([2.0, 0.0, 1.0, 0.0, 1.0])  # any order
    pos = np.array([[20, 0, 0], [0, 0, 0], [10, 0, 0], [0, 5, 0], [0, 6, 0]], float)
    got = truth_at(
        np.array([7, 7, 3, 3, 9, 7]), np.array([0.25, 1.5, 0.5, 1.5, 0.5, 2.0]), ids, times, pos
    )
    np.testing.assert_allclose(got[:3], [[2.5, 0, 0], [15, 0, 0], [0, 5.5, 0]])
    assert np.isnan(got[3:5]).all()  # after the truth of 3, and a target with none
    np.testing.assert_allclose(got[5], [20, 0, 0])  # the last step itself


@settings(max_examples=50, deadline=None)
@given(
    az=st.lists(st.floats(0.0, 6.28), min_size=1, max_size=20),
    vx=st.floats(-800, 800),
    vy=st.floats(-800, 800),
)
def test_a_plot_moves_to_its_target_when_the_antenna_passes(
    az: list[float], vx: float, vy: float
) -> None:
    """Targets at constant velocity (truth exact when linear): each plot's new time is
    t + T a / 2π, and its new position the old one plus v (t' - t)."""
    radar = radar_params(revisit_s=2.0, position=np.array([100.0, -50.0, 10.0]))
    n = len(az)
    v = np.array([vx, vy, 0.0])
    rel = from_polar(np.full(n, 20_000.0), np.array(az), np.full(n, 0.1))
    p0 = radar.position + rel
    ids = np.arange(n)
    truth_t = np.repeat([0.0, 10.0], n)
    truth_p = np.concatenate([p0 - 5.0 * v, p0 + 5.0 * v])  # at t = 5: p0
    out = sweep(plots_at(5.0, rel, list(ids)), {0: radar}, np.tile(ids, 2), truth_t, truth_p)
    order = np.argsort(out.truth_id)
    dt = 2.0 * np.mod(np.array(az), TWO_PI) / TWO_PI
    np.testing.assert_allclose(out.time[order], 5.0 + dt, atol=1e-9)
    moved = radar.position + from_polar(out.range_m, out.azimuth_rad, out.elevation_rad)
    np.testing.assert_allclose(moved[order], p0 + dt[:, None] * v, atol=1e-6)
    assert np.all(np.diff(out.time) >= 0)


def test_clutter_is_retimed_in_place_and_a_landed_target_is_dropped() -> None:
    radar = radar_params(revisit_s=1.0)
    rel = from_polar(np.array([5000.0, 8000.0]), np.array([np.pi, 1.0]), np.array([0.05, 0.05]))
    truth_p = radar.position + np.stack([rel[1], rel[1]])
    out = sweep(
        plots_at(3.0, rel, [-1, 4]), {0: radar}, np.array([4, 4]), np.array([2.0, 3.0]), truth_p
    )  # target 4's truth stops at t = 3: its plot at 3 + 1/2π s is dropped
    assert out.truth_id.tolist() == [-1]
    np.testing.assert_allclose(out.time, [3.5])
    np.testing.assert_allclose([out.range_m[0], out.azimuth_rad[0]], [5000.0, np.pi])


def test_a_sector_sees_the_azimuths_clockwise_from_its_start() -> None:
    radar = radar_params(max_range_m=1e6)
    deg = np.array([350.0, 355.0, 0.0, 5.0, 20.0, 180.0])
    pts = radar.position + from_polar(np.full(6, 1000.0), np.radians(deg), np.full(6, 0.1))
    across_north = dataclasses.replace(radar, sector_rad=(np.radians(352.0), np.radians(10.0)))
    assert line_of_sight(across_north, pts).tolist() == [False, True, True, False, False, False]
    assert line_of_sight(radar, pts).all()  # no sector: all round
    whole = dataclasses.replace(radar, sector_rad=(0.3, TWO_PI))
    assert line_of_sight(whole, pts).all()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.0, 2 * np.pi), min_size=2, max_size=12), st.floats(0, 6.28))
def test_sectors_that_follow_one_another_see_each_azimuth_once(
    cuts: list[float], target: float
) -> None:
    """Sectors from a start through the cut azimuths back to it cover the circle once (a
    target away from the cuts: on one, rounding decides which side it falls)."""
    gap = np.abs(np.mod(np.array(cuts) - target + np.pi, TWO_PI) - np.pi)
    assume(bool(gap.min() > 1e-6))
    radar = radar_params(max_range_m=1e6)
    pt = radar.position + from_polar(np.array([1000.0]), np.array([target]), np.array([0.1]))
    edges = [cuts[0], *cuts[1:], cuts[0]]
    seen = 0
    for a, b in itertools.pairwise(edges):
        width = float(np.mod(b - a, TWO_PI))
        seen += int(line_of_sight(dataclasses.replace(radar, sector_rad=(a, width)), pt)[0])
    total = sum(float(np.mod(b - a, TWO_PI)) for a, b in itertools.pairwise(edges))
    assert seen == round(total / TWO_PI)  # once a turn of the antenna (none if no turn)
