"""The raid schedule of a sustainment campaign: repeats, order, and scaled sizes."""

from __future__ import annotations

from cupola.logistics.schedule import raid_count, raid_times, scaled_counts, scaled_raid
from cupola.scenario import load
from cupola.scenario.schema import RaidSlot, Sustainment


def test_repeated_slots_interleave_in_time_order() -> None:
    sus = Sustainment(days=2, raids=[RaidSlot(at_h=18), RaidSlot(at_h=3)], repeat_every_h=24)
    assert raid_times(sus) == ([3.0, 18.0, 27.0, 42.0], [1, 0, 1, 0])
    assert raid_count(sus) == 4


def test_without_repeat_each_slot_runs_once_and_ties_keep_slot_order() -> None:
    sus = Sustainment(days=1, raids=[RaidSlot(at_h=5), RaidSlot(at_h=2), RaidSlot(at_h=5)])
    assert raid_times(sus) == ([2.0, 5.0, 5.0], [1, 0, 2])
    assert raid_count(sus) == 3


def test_repeats_are_counted_not_summed() -> None:
    sus = Sustainment(days=366, raids=[RaidSlot(at_h=0.1)], repeat_every_h=0.7)
    times, _ = raid_times(sus)
    assert len(times) == raid_count(sus) == 12549
    assert times[-1] == 0.1 + 12548 * 0.7


def test_scaled_counts_round_half_up_and_keep_one() -> None:
    raid = load("border-town").raid  # 30, 20, 16, 14
    assert scaled_counts(raid, 0.5) == [15, 10, 8, 7]
    assert scaled_counts(raid, 0.25) == [8, 5, 4, 4]  # 7.5 -> 8, 3.5 -> 4
    assert scaled_counts(raid, 0.001) == [1, 1, 1, 1]
    assert scaled_raid(raid, 1.0) is raid
    assert [s.count for s in scaled_raid(raid, 2).salvos] == [60, 40, 32, 28]
