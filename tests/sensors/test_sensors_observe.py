"""One radar scan: detection statistics, noise, clutter, determinism and edge cases."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cupola.core.frames import from_polar, to_polar, wrap_angle
from cupola.sensors import PlotTable, RadarParams, detection_probability, empty_plots, observe
from factories import radar_params

RADAR = radar_params(radar_id=3, position=np.array([1_000.0, -500.0, 30.0]))
FIELDS = [f.name for f in dataclasses.fields(PlotTable)]


def _ring(radar: RadarParams, n: int, r: float, el_lo: float, el_hi: float) -> np.ndarray:
    """n positions at slant range r around the radar, azimuths spread, elevations in a band."""
    az = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    el = np.linspace(el_lo, el_hi, n)
    return radar.position + from_polar(np.full(n, r), az, el)


@pytest.mark.parametrize("r", [15_000.0, 28_000.0, 40_000.0])
def test_detection_frequency_within_binomial_bounds(r: float) -> None:
    n = 20_000
    pos = _ring(RADAR, n, r, 0.1, 0.4)
    p = float(detection_probability(RADAR, np.array([r]), np.array([1.0]))[0])
    plots = observe(RADAR, pos, np.ones(n), np.arange(n), 0.0, np.random.default_rng(11))
    lo, hi = stats.binom.interval(0.999, n, p)
    assert lo <= plots.truth_id.size <= hi


def test_measurement_noise_statistics() -> None:
    n = 20_000
    pos = _ring(RADAR, n, 5_000.0, 0.1, 0.5)
    plots = observe(RADAR, pos, np.full(n, 100.0), np.arange(n), 0.0, np.random.default_rng(5))
    assert plots.truth_id.size > 0.99 * n
    r, az, el = to_polar(pos[plots.truth_id] - RADAR.position)
    residuals = [
        (plots.range_m - r, RADAR.sigma_range_m),
        (wrap_angle(plots.azimuth_rad - az), RADAR.sigma_azimuth_rad),
        (plots.elevation_rad - el, RADAR.sigma_elevation_rad),
    ]
    m = plots.truth_id.size
    for res, sigma in residuals:
        assert abs(res.mean()) < 5.0 * sigma / np.sqrt(m)
        assert abs(res.std(ddof=1) / sigma - 1.0) < 0.03


def test_horizon_hides_low_target_in_observe() -> None:
    radar = dataclasses.replace(RADAR, position=np.zeros(3), max_range_m=200_000.0)
    d_h = np.sqrt(2.0 * (4.0 / 3.0) * 6_371_000.0 * 100.0)
    pos = np.array([[0.95 * d_h, 0.0, 100.0], [0.0, 1.05 * d_h, 100.0]])
    plots = observe(radar, pos, np.full(2, 1e6), np.array([10, 11]), 0.0, np.random.default_rng(0))
    np.testing.assert_array_equal(plots.truth_id, [10])


def test_clutter_count_is_poisson_and_in_bounds() -> None:
    lam, scans = 3.5, 3_000
    radar = dataclasses.replace(RADAR, false_plots_per_scan=lam, min_elevation_rad=0.01)
    rng = np.random.default_rng(2024)
    empty_pos = np.empty((0, 3))
    tables = [
        observe(radar, empty_pos, np.empty(0), np.empty(0, np.int64), 1.5, rng)
        for _ in range(scans)
    ]
    counts = np.array([t.range_m.size for t in tables])
    assert abs(counts.mean() - lam) < 5.0 * np.sqrt(lam / scans)
    assert abs(counts.var(ddof=1) - lam) < 5.0 * np.sqrt((lam + 2.0 * lam**2) / scans)
    rng_all = np.concatenate([t.range_m for t in tables])
    el_all = np.concatenate([t.elevation_rad for t in tables])
    assert rng_all.min() >= 0.05 * radar.max_range_m
    assert rng_all.max() <= radar.max_range_m
    assert el_all.min() >= 0.01
    assert el_all.max() <= radar.clutter_max_elevation_rad
    assert np.all(np.concatenate([t.truth_id for t in tables]) == -1)


def _scan(radar: RadarParams, pos: np.ndarray, seed: int) -> PlotTable:
    n = pos.shape[0]
    return observe(radar, pos, np.ones(n), np.arange(n) + 100, 12.0, np.random.default_rng(seed))


def test_same_seed_same_plots_and_fixed_draw_order() -> None:
    radar = dataclasses.replace(RADAR, false_plots_per_scan=5.0)
    pos = _ring(radar, 300, 30_000.0, 0.05, 0.3)
    a, b = _scan(radar, pos, 9), _scan(radar, pos, 9)
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    c = _scan(radar, pos, 10)
    assert not np.array_equal(a.range_m, c.range_m)
    # Clutter does not depend on which targets were detected: move all targets out of sight.
    far = _scan(radar, pos * 10.0, 9)
    assert np.all(far.truth_id == -1)
    np.testing.assert_array_equal(far.range_m, a.range_m[a.truth_id == -1])


def test_rows_sorted_by_azimuth_and_tagged() -> None:
    radar = dataclasses.replace(RADAR, false_plots_per_scan=20.0, sigma_azimuth_rad=0.05)
    # Targets due north, so noise pushes azimuths both sides of 0.
    pos = radar.position + np.column_stack([np.zeros(200), np.full(200, 10_000.0), np.ones(200)])
    plots = _scan(radar, pos, 4)
    assert np.all(np.diff(plots.azimuth_rad) >= 0.0)
    assert plots.azimuth_rad.min() >= 0.0
    assert plots.azimuth_rad.max() < 2.0 * np.pi
    assert np.all(plots.sensor_id == 3)
    assert np.all(plots.time == 12.0)
    for f in FIELDS:
        assert getattr(plots, f).dtype == getattr(empty_plots(), f).dtype


@settings(max_examples=50, deadline=None)
@given(
    pts=st.lists(
        st.tuples(st.floats(-3e4, 3e4), st.floats(-3e4, 3e4), st.floats(500.0, 1e4)),
        min_size=1,
        max_size=20,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_noise_free_round_trip(pts: list[tuple[float, float, float]], seed: int) -> None:
    radar = dataclasses.replace(
        RADAR, sigma_range_m=0.0, sigma_azimuth_rad=0.0, sigma_elevation_rad=0.0
    )
    pos = np.array(pts)
    plots = _scan(radar, pos, seed)
    rel = from_polar(plots.range_m, plots.azimuth_rad, plots.elevation_rad)
    np.testing.assert_allclose(rel, pos[plots.truth_id - 100] - radar.position, atol=1e-6)


def test_inputs_not_mutated() -> None:
    pos = _ring(RADAR, 50, 20_000.0, 0.1, 0.2)
    rcs, ids = np.ones(50), np.arange(50)
    copies = (pos.copy(), rcs.copy(), ids.copy(), RADAR.position.copy())
    observe(RADAR, pos, rcs, ids, 0.0, np.random.default_rng(1))
    for before, after in zip(copies, (pos, rcs, ids, RADAR.position), strict=True):
        np.testing.assert_array_equal(before, after)


def test_empty_inputs() -> None:
    nothing = _scan(RADAR, np.empty((0, 3)), 0)
    ref = empty_plots()
    for f in FIELDS:
        assert getattr(nothing, f).shape == (0,)
        assert getattr(nothing, f).dtype == getattr(ref, f).dtype
    hidden = _scan(RADAR, np.array([[0.0, 0.0, -100.0], [1e6, 0.0, 10.0]]), 0)
    assert hidden.range_m.size == 0
    clutter_only = _scan(dataclasses.replace(RADAR, false_plots_per_scan=50.0), np.empty((0, 3)), 0)
    assert clutter_only.range_m.size > 0
    assert np.all(clutter_only.truth_id == -1)


def test_azimuth_wrap_never_returns_two_pi() -> None:
    # np.mod(-1e-18, 2π) rounds up to exactly 2π; the wrap must give [0, 2π).
    from cupola.sensors.radar import _wrap_azimuth

    w = _wrap_azimuth(np.array([-1e-18, -0.5, 0.0, 7.0, 2.0 * np.pi]))
    np.testing.assert_allclose(w, [0.0, 2.0 * np.pi - 0.5, 0.0, 7.0 - 2.0 * np.pi, 0.0])
    assert np.all((w >= 0.0) & (w < 2.0 * np.pi))
