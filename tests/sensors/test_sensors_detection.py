"""Detection probability and line of sight against closed forms and plain references."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cupola.sensors as sensors
from cupola.sensors import RadarParams, detection_probability, line_of_sight
from cupola.sensors.radar import EARTH_RADIUS_M, K_EFFECTIVE
from factories import radar_params

RADAR = radar_params(radar_id=7)


def _pd_reference(radar: RadarParams, r: float, rcs: float) -> float:
    """Plain scalar Swerling I: Pd = Pfa ** (1 / (1 + SNR))."""
    pfa, pd_ref = radar.false_alarm_probability, radar.reference_pd
    snr_ref = math.log(pfa) / math.log(pd_ref) - 1.0
    snr = snr_ref * (rcs / radar.reference_rcs_m2) * (radar.reference_range_m / r) ** 4
    return float(pfa ** (1.0 / (1.0 + snr)))


def _los_reference(radar: RadarParams, p: tuple[float, float, float]) -> bool | None:
    """Plain scalar 4/3-earth visibility; None within rounding of a boundary."""
    dx, dy, dz = (p[i] - float(radar.position[i]) for i in range(3))
    d = math.sqrt(dx * dx + dy * dy)
    h = dz - d * d / (2.0 * (4.0 / 3.0) * 6_371_000.0)
    slant = math.sqrt(d * d + dz * dz)
    el = math.atan2(h, d)
    if abs(slant - radar.max_range_m) < 1e-6 or abs(el - radar.min_elevation_rad) < 1e-12:
        return None
    return slant <= radar.max_range_m and el >= radar.min_elevation_rad


def test_exports() -> None:
    assert set(sensors.__all__) == {
        "PlotTable",
        "RadarParams",
        "detection_probability",
        "empty_plots",
        "line_of_sight",
        "observe",
    }
    for name in sensors.__all__:
        assert hasattr(sensors, name)


@settings(max_examples=50, deadline=None)
@given(
    pfa=st.floats(1e-9, 1e-2),
    pd_ref=st.floats(0.05, 0.999),
    r_ref=st.floats(1e3, 1e5),
    rcs_ref=st.floats(1e-3, 10.0),
)
def test_pd_at_reference_point(pfa: float, pd_ref: float, r_ref: float, rcs_ref: float) -> None:
    if pd_ref <= pfa:
        return
    radar = dataclasses.replace(
        RADAR,
        false_alarm_probability=pfa,
        reference_pd=pd_ref,
        reference_range_m=r_ref,
        reference_rcs_m2=rcs_ref,
    )
    pd = detection_probability(radar, np.array([r_ref]), np.array([rcs_ref]))
    np.testing.assert_allclose(pd, [pd_ref], rtol=1e-12)


@settings(max_examples=50, deadline=None)
@given(
    ranges=st.lists(st.floats(100.0, 2e5), min_size=1, max_size=20),
    log_rcs=st.floats(-4.0, 2.0),
)
def test_pd_matches_closed_form(ranges: list[float], log_rcs: float) -> None:
    r = np.array(ranges)
    rcs = np.full(r.shape, 10.0**log_rcs)
    expected = [_pd_reference(RADAR, ri, ci) for ri, ci in zip(r, rcs, strict=True)]
    np.testing.assert_allclose(detection_probability(RADAR, r, rcs), expected, rtol=1e-10)


def test_pd_falls_with_range_and_rises_with_rcs() -> None:
    r = np.linspace(1_000.0, 100_000.0, 200)
    pd = detection_probability(RADAR, r, np.ones_like(r))
    assert np.all(np.diff(pd) < 0)
    assert pd[-1] >= RADAR.false_alarm_probability
    rcs = np.logspace(-3, 2, 50)
    pd_rcs = detection_probability(RADAR, np.full(50, 30_000.0), rcs)
    assert np.all(np.diff(pd_rcs) > 0)
    # σ enters as R⁴: doubling σ equals shrinking R by 2^(1/4).
    np.testing.assert_allclose(
        detection_probability(RADAR, r * 2.0**0.25, 2.0 * np.ones_like(r)), pd, rtol=1e-12
    )


def test_pd_limits() -> None:
    pd = detection_probability(RADAR, np.array([0.0, 1e9, 5_000.0]), np.array([1.0, 1.0, 0.0]))
    np.testing.assert_allclose(pd, [1.0, RADAR.false_alarm_probability, 1e-6], rtol=1e-6)
    assert detection_probability(RADAR, np.empty(0), np.empty(0)).shape == (0,)


@pytest.mark.parametrize("h", [100.0, 1_000.0])
def test_horizon_closed_form(h: float) -> None:
    radar = dataclasses.replace(RADAR, max_range_m=500_000.0)
    d_h = math.sqrt(2.0 * K_EFFECTIVE * EARTH_RADIUS_M * h)
    d = np.array([0.98 * d_h, 0.999 * d_h, 1.001 * d_h, 1.02 * d_h])
    az = np.array([0.3, 2.0, 4.0, 5.5])
    pos = np.stack([d * np.sin(az), d * np.cos(az), np.full(4, h)], axis=-1)
    np.testing.assert_array_equal(line_of_sight(radar, pos), [True, True, False, False])


def test_los_max_range_and_min_elevation() -> None:
    radar = dataclasses.replace(RADAR, position=np.array([1_000.0, -2_000.0, 50.0]))
    pos = radar.position + np.array(
        [[0.0, 69_000.0, 5_000.0], [0.0, 71_000.0, 5_000.0], [1_000.0, 0.0, -10.0]]
    )
    np.testing.assert_array_equal(line_of_sight(radar, pos), [True, False, False])
    masked = dataclasses.replace(radar, min_elevation_rad=0.1)
    np.testing.assert_array_equal(line_of_sight(masked, pos), [False, False, False])
    assert line_of_sight(radar, np.empty((0, 3))).shape == (0,)


@settings(max_examples=50, deadline=None)
@given(
    pts=st.lists(
        st.tuples(st.floats(-9e4, 9e4), st.floats(-9e4, 9e4), st.floats(-200.0, 2e4)),
        min_size=1,
        max_size=30,
    ),
    min_el=st.floats(-0.02, 0.05),
)
def test_los_matches_reference(pts: list[tuple[float, float, float]], min_el: float) -> None:
    radar = dataclasses.replace(
        RADAR, position=np.array([500.0, -300.0, 40.0]), min_elevation_rad=min_el
    )
    got = line_of_sight(radar, np.array(pts))
    for g, p in zip(got, pts, strict=True):
        ref = _los_reference(radar, p)
        assert ref is None or bool(g) == ref
