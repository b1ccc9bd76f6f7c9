"""The battle-management centre's notes on each track id, as growable arrays.

Track ids are handed out in increasing order and never reused, so the book is a set of
arrays indexed by track id that grows by doubling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    decision : int8
        Engagement decision at the last reported prediction: 1 engage, 0 hold fire, -1 never.
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
    filter_t : float64
        Time of the track's ballistic filter (:mod:`cupola.assess.ballistic_filter`), s; NaN
        before it starts.
    filter_x : (7,) float64
        Its state ``[p, v, kappa]``, ENU m, m/s, m²/kg.
    filter_cov : (7, 7) float64
        Its covariance.
    filter_misses : int64
        Its plots outside the gate in a row.
    type_idx : int64
        Threat-library type the track is identified as (:mod:`cupola.assess.identify`), -1
        none.
    type_cycles : int64
        Decision cycles the track has been through identification in.
    type_conditioned : bool
        The track's ballistic filter was run with its type's drag as prior.
    """

    cls: NDArray[np.int8] = field(default_factory=lambda: _blank("cls"))
    killed: NDArray[np.bool_] = field(default_factory=lambda: _blank("killed"))
    killed_at: NDArray[np.float64] = field(default_factory=lambda: _blank("killed_at"))
    in_flight: NDArray[np.int64] = field(default_factory=lambda: _blank("in_flight"))
    asset: NDArray[np.int64] = field(default_factory=lambda: _blank("asset"))
    decision: NDArray[np.int8] = field(default_factory=lambda: _blank("decision"))
    feat_ema: NDArray[np.float64] = field(default_factory=lambda: _blank("feat_ema"))
    feat_n: NDArray[np.int64] = field(default_factory=lambda: _blank("feat_n"))
    feat_t_prev: NDArray[np.float64] = field(default_factory=lambda: _blank("feat_t_prev"))
    feat_vz_prev: NDArray[np.float64] = field(default_factory=lambda: _blank("feat_vz_prev"))
    cls_votes: NDArray[np.int64] = field(default_factory=lambda: _blank("cls_votes"))
    cls_latched: NDArray[np.bool_] = field(default_factory=lambda: _blank("cls_latched"))
    kind: NDArray[np.int8] = field(default_factory=lambda: _blank("kind"))
    max_z: NDArray[np.float64] = field(default_factory=lambda: _blank("max_z"))
    max_speed: NDArray[np.float64] = field(default_factory=lambda: _blank("max_speed"))
    filter_t: NDArray[np.float64] = field(default_factory=lambda: _blank("filter_t"))
    filter_x: NDArray[np.float64] = field(default_factory=lambda: _blank("filter_x"))
    filter_cov: NDArray[np.float64] = field(default_factory=lambda: _blank("filter_cov"))
    filter_misses: NDArray[np.int64] = field(default_factory=lambda: _blank("filter_misses"))
    type_idx: NDArray[np.int64] = field(default_factory=lambda: _blank("type_idx"))
    type_cycles: NDArray[np.int64] = field(default_factory=lambda: _blank("type_cycles"))
    type_conditioned: NDArray[np.bool_] = field(default_factory=lambda: _blank("type_conditioned"))

    def ensure(self, n: int) -> None:
        """Grow so that ids below ``n`` are valid."""
        size = len(self.cls)
        if n <= size:
            return
        pad = max(n, 2 * size) - size
        for name in _LAYOUT:
            setattr(self, name, np.concatenate([getattr(self, name), _blank(name, pad)]))


#: Each field's fill value, dtype and shape per track id.
_LAYOUT: dict[str, tuple[float, type, tuple[int, ...]]] = {
    "cls": (-1, np.int8, ()),
    "killed": (False, np.bool_, ()),
    "killed_at": (np.inf, np.float64, ()),
    "in_flight": (0, np.int64, ()),
    "asset": (UNSET, np.int64, ()),
    "decision": (-1, np.int8, ()),
    "feat_ema": (0.0, np.float64, (N_FEATURES,)),
    "feat_n": (0, np.int64, ()),
    "feat_t_prev": (0.0, np.float64, ()),
    "feat_vz_prev": (0.0, np.float64, ()),
    "cls_votes": (0, np.int64, ()),
    "cls_latched": (False, np.bool_, ()),
    "kind": (-1, np.int8, ()),
    "max_z": (-np.inf, np.float64, ()),
    "max_speed": (0.0, np.float64, ()),
    "filter_t": (np.nan, np.float64, ()),
    "filter_x": (0.0, np.float64, (7,)),
    "filter_cov": (0.0, np.float64, (7, 7)),
    "filter_misses": (0, np.int64, ()),
    "type_idx": (-1, np.int64, ()),
    "type_cycles": (0, np.int64, ()),
    "type_conditioned": (False, np.bool_, ()),
}


def _blank(name: str, n: int = 64) -> NDArray[Any]:
    fill, dtype, shape = _LAYOUT[name]
    return np.full((n, *shape), fill, dtype)
