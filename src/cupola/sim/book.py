"""The battle-management centre's notes on each track id, as growable arrays.

Track ids are handed out in increasing order and never reused, so the book is a set of
arrays indexed by track id that grows by doubling.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from cupola.assess.classify import FEATURES

UNSET = -2
N_FEATURES = len(FEATURES)


@dataclass
class TrackBook:
    """Per-track-id notes (indexed by track id).

    Attributes
    ----------
    cls : int8
        Class given at the first assessment, -1 before.
    killed : bool
        An interceptor destroyed what this track follows (kill assessment).
    killed_at : float64
        Time of that burst, s.
    in_flight : int64
        Interceptors flying at, or ordered against, this track.
    asset : int64
        Threatened asset at the last reported prediction (-1 open ground, ``UNSET`` never).
    feat_ema : (F,) float64
        Moving averages of the classification features
        (:data:`cupola.assess.classify.FEATURES`).
    feat_n : int64
        Decision cycles the track has been assessed in.
    feat_t_prev, feat_vz_prev : float64
        Time and vertical velocity at the previous decision cycle.
    cls_votes : int64
        Consecutive cycles whose verdict differed from ``cls``.
    cls_latched : bool
        Known ballistic for good.
    kind : int8
        Kind of threat last reported (:data:`cupola.assess.classify.KIND_NAMES`), -1 none.
    max_z, max_speed : float64
        Highest altitude (m) and speed (m/s) seen on the track.
    """

    cls: NDArray[np.int8] = field(default_factory=lambda: np.full(64, -1, np.int8))
    killed: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(64, bool))
    killed_at: NDArray[np.float64] = field(default_factory=lambda: np.full(64, np.inf))
    in_flight: NDArray[np.int64] = field(default_factory=lambda: np.zeros(64, np.int64))
    asset: NDArray[np.int64] = field(default_factory=lambda: np.full(64, UNSET, np.int64))
    feat_ema: NDArray[np.float64] = field(default_factory=lambda: np.zeros((64, N_FEATURES)))
    feat_n: NDArray[np.int64] = field(default_factory=lambda: np.zeros(64, np.int64))
    feat_t_prev: NDArray[np.float64] = field(default_factory=lambda: np.zeros(64))
    feat_vz_prev: NDArray[np.float64] = field(default_factory=lambda: np.zeros(64))
    cls_votes: NDArray[np.int64] = field(default_factory=lambda: np.zeros(64, np.int64))
    cls_latched: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(64, bool))
    kind: NDArray[np.int8] = field(default_factory=lambda: np.full(64, -1, np.int8))
    max_z: NDArray[np.float64] = field(default_factory=lambda: np.full(64, -np.inf))
    max_speed: NDArray[np.float64] = field(default_factory=lambda: np.zeros(64))

    def ensure(self, n: int) -> None:
        """Grow so that ids below ``n`` are valid."""
        size = len(self.cls)
        if n <= size:
            return
        new = max(n, 2 * size)
        pad = new - size
        self.cls = np.r_[self.cls, np.full(pad, -1, np.int8)]
        self.killed = np.r_[self.killed, np.zeros(pad, bool)]
        self.killed_at = np.r_[self.killed_at, np.full(pad, np.inf)]
        self.in_flight = np.r_[self.in_flight, np.zeros(pad, np.int64)]
        self.asset = np.r_[self.asset, np.full(pad, UNSET, np.int64)]
        self.feat_ema = np.vstack([self.feat_ema, np.zeros((pad, N_FEATURES))])
        self.feat_n = np.r_[self.feat_n, np.zeros(pad, np.int64)]
        self.feat_t_prev = np.r_[self.feat_t_prev, np.zeros(pad)]
        self.feat_vz_prev = np.r_[self.feat_vz_prev, np.zeros(pad)]
        self.cls_votes = np.r_[self.cls_votes, np.zeros(pad, np.int64)]
        self.cls_latched = np.r_[self.cls_latched, np.zeros(pad, bool)]
        self.kind = np.r_[self.kind, np.full(pad, -1, np.int8)]
        self.max_z = np.r_[self.max_z, np.full(pad, -np.inf)]
        self.max_speed = np.r_[self.max_speed, np.zeros(pad)]
