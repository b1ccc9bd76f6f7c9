"""Track continuity on hand-made pictures with known switches, gaps and delays."""

from __future__ import annotations

import math

import numpy as np

from cupola.metrics import continuity

TRUTH = np.array([[0.0, 0.0, 0.0], [5000.0, 0.0, 0.0]])
IDS = np.array([0, 1])


def picture(
    track_ids: list[list[int]], offsets: list[list[list[float]]] | None = None
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Two still targets; at each scan the tracks sit on targets 0 and 1 (in that order) with
    the given ids, -1 meaning no track on that target."""
    n = len(track_ids)
    truth = [TRUTH] * n
    tracks, ids = [], []
    for s, row in enumerate(track_ids):
        shift = np.asarray(offsets[s]) if offsets else np.zeros((2, 3))
        pos = [TRUTH[i] + shift[i] for i, k in enumerate(row) if k >= 0]
        tracks.append(np.array(pos).reshape(-1, 3))
        ids.append(np.array([k for k in row if k >= 0], np.int64))
    times = np.arange(n, dtype=float)
    return times, truth, [IDS] * n, tracks, ids


def test_perfect_picture() -> None:
    c = continuity(*picture([[-1, -1], [10, -1], [10, 11], [10, 11]]), {0: 0.0, 1: 0.0})
    assert (c.id_switches, c.fragmentations, c.never_tracked) == (0, 0, 0)
    assert math.isclose(c.mean_time_to_track_s, (1.0 + 2.0) / 2)


def test_swap_counts_two_switches() -> None:
    c = continuity(*picture([[10, 11], [10, 11], [11, 10], [11, 10]]), {0: 0.0, 1: 0.0})
    assert c.id_switches == 2
    assert c.fragmentations == 0


def test_lost_and_regained() -> None:
    same = continuity(*picture([[10, 11], [-1, 11], [10, 11]]), {0: 0.0, 1: 0.0})
    assert (same.id_switches, same.fragmentations) == (0, 1)
    new = continuity(*picture([[10, 11], [-1, 11], [12, 11]]), {0: 0.0, 1: 0.0})
    assert (new.id_switches, new.fragmentations) == (1, 1)


def test_far_track_is_not_a_pairing() -> None:
    far = [[0.0, 0.0, 0.0], [500.0, 0.0, 0.0]]  # target 1's track 500 m off: beyond c = 100 m
    c = continuity(*picture([[10, 11]], [far]), {0: 0.0, 1: 0.0})
    assert c.never_tracked == 1
