"""Plots cut into scans as they arrive: complete on a later time or after the hold, in time
order across radars; duplicates, late plots and times that are not numbers rejected."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.feed.base import plot_table
from cupola.feed.scans import Scans


def plots(t: float, sensor: int, n: int, first: float = 1000.0):
    return plot_table(
        np.full(n, t), np.full(n, sensor), first + np.arange(n), np.full(n, 0.5), np.full(n, 0.1)
    )


def test_a_scan_completes_on_a_later_time_or_after_the_hold() -> None:
    s = Scans(hold_s=0.5)
    assert s.add(plots(1.0, 0, 3), now=0.0) == []
    assert s.add(plots(1.0, 0, 2, first=2000.0), now=0.1) == []  # same scan, more datagrams
    (done,) = s.add(plots(2.0, 0, 4), now=0.2)
    assert (done.time, done.sensor, len(done.plots.time), done.arrived) == (1.0, 0, 5, 0.1)
    assert s.flush(now=0.6) == []
    (last,) = s.flush(now=0.75)
    assert (last.time, len(last.plots.time)) == (2.0, 4)


def test_duplicates_and_late_plots_are_counted_not_taken() -> None:
    s = Scans(hold_s=0.5)
    s.add(plots(1.0, 0, 3), now=0.0)
    s.add(plots(1.0, 0, 3), now=0.01)  # the datagram again
    (done,) = s.add(plots(2.0, 0, 1), now=0.02)
    assert len(done.plots.time) == 3
    s.add(plots(1.0, 0, 3), now=0.03)  # once more, after its scan went to the tracker
    nan = plots(2.0, 0, 2, first=5000.0)
    nan.time[1] = np.nan
    s.add(nan, now=0.04)
    assert dict(+s.rejected) == {"duplicate": 3, "late": 3, "not finite": 1}


def test_out_of_order_within_the_hold_is_put_back_in_order() -> None:
    s = Scans(hold_s=0.5)
    s.add(plots(2.0, 0, 2), now=0.0)
    s.add(plots(1.0, 0, 2), now=0.01)  # an older scan arrives second: still being built
    out = s.flush(now=1.0)
    assert [x.time for x in out] == [1.0, 2.0]
    assert not +s.rejected


def test_radars_interleave_in_time_order() -> None:
    s = Scans(hold_s=0.5)
    s.add(plots(1.0, 1, 1), now=0.0)
    s.add(plots(1.0, 0, 1), now=0.0)  # two radars scanning at the same time
    s.add(plots(0.5, 2, 1), now=0.0)
    out = s.flush(now=1.0)
    assert [(x.time, x.sensor) for x in out] == [(0.5, 2), (1.0, 0), (1.0, 1)]
    s.add(plots(0.8, 2, 1), now=1.1)  # older than what the tracker has: late
    assert s.flush(now=2.0) == []
    assert s.rejected["late"] == 1


@settings(max_examples=50, deadline=None)
@given(
    times=st.lists(st.integers(0, 30), min_size=1, max_size=60),
    sensors=st.lists(st.integers(0, 2), min_size=60, max_size=60),
)
def test_scans_given_out_are_time_ordered_and_account_for_every_plot(
    times: list[int], sensors: list[int]
) -> None:
    s = Scans(hold_s=0.05)
    out = []
    for k, t in enumerate(times):
        out += s.add(plots(float(t), sensors[k], 2, first=1000.0 + 10 * k), now=k * 0.01)
    out += s.flush(now=100.0, everything=True)
    assert [x.time for x in out] == sorted(x.time for x in out)
    assert sum(len(x.plots.time) for x in out) + sum(s.rejected.values()) == 2 * len(times)


def test_a_radar_still_building_an_earlier_scan_holds_back_a_later_one() -> None:
    """Radar 0 at 10.0, then radar 1 at 9.95, then radar 0 at 11.0: radar 0's scan at 10.0 is
    complete, but radar 1's at 9.95 must reach the tracker first."""
    s = Scans(hold_s=0.5)
    assert s.add(plots(10.0, 0, 2), now=0.0) == []
    assert s.add(plots(9.95, 1, 2), now=0.01) == []
    assert s.add(plots(11.0, 0, 2), now=0.05) == []  # 10.0 complete, waiting for radar 1
    out = s.add(plots(10.95, 1, 2), now=0.06)  # radar 1's 9.95 complete: both go
    assert [(x.time, x.sensor) for x in out] == [(9.95, 1), (10.0, 0)]
    out = s.flush(now=1.0)
    assert [(x.time, x.sensor) for x in out] == [(10.95, 1), (11.0, 0)]
    assert not +s.rejected
