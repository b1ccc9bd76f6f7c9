"""The battle-management centre's notes on each track id, as growable arrays.

Track ids are handed out in increasing order and never reused, so the book is a set of
arrays indexed by track id that grows by doubling.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

UNSET = -2


@dataclass
class TrackBook:
    """Per-track-id notes (indexed by track id).

    Attributes
    ----------
    cls : int8
        Class given at the first assessment, -1 before.
    killed : bool
        An interceptor destroyed what this track follows (kill assessment).
    in_flight : int64
        Interceptors flying at, or ordered against, this track.
    engaged : bool
        Ever engaged.
    asset : int64
        Threatened asset at the last reported prediction (-1 open ground, ``UNSET`` never).
    feat_sum : (7,) float64
        Sum over the decision cycles seen of the track's state and vertical-velocity standard
        deviation (for classification).
    feat_n : int64
        Number of decision cycles summed.
    """

    cls: NDArray[np.int8] = field(default_factory=lambda: np.full(64, -1, np.int8))
    killed: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(64, bool))
    in_flight: NDArray[np.int64] = field(default_factory=lambda: np.zeros(64, np.int64))
    engaged: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(64, bool))
    asset: NDArray[np.int64] = field(default_factory=lambda: np.full(64, UNSET, np.int64))
    feat_sum: NDArray[np.float64] = field(default_factory=lambda: np.zeros((64, 7)))
    feat_n: NDArray[np.int64] = field(default_factory=lambda: np.zeros(64, np.int64))

    def ensure(self, n: int) -> None:
        """Grow so that ids below ``n`` are valid."""
        size = len(self.cls)
        if n <= size:
            return
        new = max(n, 2 * size)
        pad = new - size
        self.cls = np.r_[self.cls, np.full(pad, -1, np.int8)]
        self.killed = np.r_[self.killed, np.zeros(pad, bool)]
        self.in_flight = np.r_[self.in_flight, np.zeros(pad, np.int64)]
        self.engaged = np.r_[self.engaged, np.zeros(pad, bool)]
        self.asset = np.r_[self.asset, np.full(pad, UNSET, np.int64)]
        self.feat_sum = np.vstack([self.feat_sum, np.zeros((pad, 7))])
        self.feat_n = np.r_[self.feat_n, np.zeros(pad, np.int64)]
