"""Scans of one sector (a rotating radar's, ``RadarParams.sector_rad``): the tracker leaves
out only tracks that cannot be in the sector, and charges misses only inside it."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.sensors.base import PlotTable, empty_plots
from cupola.sensors.radar import line_of_sight
from cupola.tracking import TRACKERS, TrackerParams, TrackerState, empty_tracks
from cupola.tracking.scan import could_be_in_sector
from factories import radar_params


def tracks_at(pos: np.ndarray, time: np.ndarray):  # type: ignore[no-untyped-def]
    """Tracks at ``pos`` (what :func:`could_be_in_sector` reads: position and time)."""
    n = len(pos)
    return dataclasses.replace(
        empty_tracks(), state=np.column_stack([pos, np.zeros((n, 3))]), time=time
    )


@settings(max_examples=200, deadline=None)
@given(
    d=st.floats(200.0, 60_000.0),
    bearing=st.floats(0.0, 6.283),
    heading=st.floats(0.0, 6.283),
    speed=st.floats(0.0, 2000.0),
    dt=st.floats(0.0, 2.0),
    start=st.floats(0.0, 6.283),
    width=st.floats(0.0, 6.283),
)
def test_a_track_that_can_reach_the_sector_is_never_left_out(
    d: float, bearing: float, heading: float, speed: float, dt: float, start: float, width: float
) -> None:
    radar = radar_params(max_range_m=1e6, min_elevation_rad=-1.0)
    here = radar.position + np.array([d * np.sin(bearing), d * np.cos(bearing), 1000.0])
    there = here + speed * dt * np.array([np.sin(heading), np.cos(heading), 0.0])
    sector = dataclasses.replace(radar, sector_rad=(start, width))
    near = could_be_in_sector(sector, tracks_at(here[None], np.array([0.0])), dt, 2000.0)
    if line_of_sight(sector, there[None])[0]:
        assert near[0]


def test_tracks_outside_a_sector_are_left_as_they_were_and_charged_nothing() -> None:
    radar = radar_params(max_range_m=1e6, min_elevation_rad=-1.0)
    az = np.radians([10.0, 90.0, 180.0, 270.0])
    el = np.full(4, 0.1)
    none = np.zeros(4, np.int64)
    plots = PlotTable(np.zeros(4), none, np.full(4, 20_000.0), az, el, none - 1)
    step = TRACKERS["gnn_imm"]
    params = TrackerParams(initiation="m_of_n", confirm_window=5)
    state, _ = step(params, TrackerState(empty_tracks(), 0), plots, radar, 0.0)
    sector = dataclasses.replace(radar, sector_rad=(np.radians(80.0), np.radians(20.0)))
    new, _ = step(params, state, empty_plots(), sector, 0.05)
    t = new.tracks
    assert t.track_id.tolist() == [0, 1, 2, 3]
    assert t.scans.tolist() == [1, 2, 1, 1]  # only the track at 90 degrees was in the sector
    assert t.time.tolist() == [0.0, 0.05, 0.0, 0.0]  # the others not even predicted
    np.testing.assert_array_equal(t.state[[0, 2, 3]], state.tracks.state[[0, 2, 3]])
    whole, _ = step(params, state, empty_plots(), radar, 0.05)
    assert whole.tracks.scans.tolist() == [2, 2, 2, 2]
