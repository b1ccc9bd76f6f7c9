r"""Track continuity: identity switches, fragmentation and the time to a confirmed track.

At each scan, truths and tracks are paired by the GOSPA assignment (pairs closer than
:math:`c`, :func:`cupola.metrics.gospa.assign`). Following each true target over the scans,
with :math:`k_s` the id of the track paired with it at scan :math:`s` (none when unpaired):

* an **identity switch** is a scan where :math:`k_s` differs from the target's previous
  paired track (the picture swapped or replaced its track);
* a **fragmentation** is a scan where the target is paired again after having been unpaired
  (its track was lost and taken up again);
* the **time to track** is the time from the target's first detection to its first pairing.

These are the counts of the CLEAR-MOT family of tracking metrics (K. Bernardin and
R. Stiefelhagen, "Evaluating multiple object tracking performance: the CLEAR MOT metrics",
2008), on the GOSPA assignment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cupola.metrics.gospa import assign

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Continuity:
    """Continuity figures of a tracked picture.

    Attributes
    ----------
    id_switches : int
        Scans, summed over targets, where a target's track changed identity.
    fragmentations : int
        Times a target was taken up again after being unpaired.
    mean_time_to_track_s : float
        Mean time from a target's first detection to its first pairing with a track, s (NaN
        when no target was ever paired).
    never_tracked : int
        Targets never paired with a track.
    """

    id_switches: int
    fragmentations: int
    mean_time_to_track_s: float
    never_tracked: int


def continuity(
    times: FloatArray,
    truth: list[FloatArray],
    truth_ids: list[IntArray],
    tracks: list[FloatArray],
    track_ids: list[IntArray],
    first_detection: dict[int, float],
    c: float = 100.0,
) -> Continuity:
    """Identity switches, fragmentations and time to track over a sequence of scans.

    Parameters
    ----------
    times : (S,) float64
        Scan times, s.
    truth, truth_ids : lists of S arrays
        True positions (N_s, 3), m, and the targets' ids (N_s,) at each scan.
    tracks, track_ids : lists of S arrays
        Track positions (K_s, 3), m, and the tracks' ids (K_s,) at each scan.
    first_detection : dict of int to float
        Time of each target's first detection, s.
    c : float
        Pairing cut-off, m.
    """
    last: dict[int, int] = {}
    unpaired_since: set[int] = set()
    first_pair: dict[int, float] = {}
    switches = fragments = 0
    for s, t in enumerate(times):  # scans in order; each pairing is one vectorised assignment
        rows, cols, _ = assign(truth[s], tracks[s], c, 2.0)
        paired = dict(zip(truth_ids[s][rows].tolist(), track_ids[s][cols].tolist(), strict=True))
        for target in truth_ids[s].tolist():
            k = paired.get(target)
            if k is None:
                if target in last:
                    unpaired_since.add(target)
                continue
            first_pair.setdefault(target, float(t))
            if target in last and last[target] != k:
                switches += 1
            if target in unpaired_since:
                fragments += 1
                unpaired_since.discard(target)
            last[target] = k
    delays = [first_pair[k] - first_detection[k] for k in first_pair if k in first_detection]
    seen = set().union(*(set(ids.tolist()) for ids in truth_ids)) if truth_ids else set()
    return Continuity(
        id_switches=switches,
        fragmentations=fragments,
        mean_time_to_track_s=float(np.mean(delays)) if delays else float("nan"),
        never_tracked=len(seen - set(first_pair)),
    )
