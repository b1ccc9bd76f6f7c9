"""Random streams: one ``numpy.random.Generator`` per subsystem, spawned from the run seed.

All randomness in a run flows from ``numpy.random.SeedSequence(seed)``. The children are
spawned in the fixed order of :data:`SUBSYSTEMS`, so adding a draw in one subsystem never
shifts another's stream, and the same seed always gives the same run. There is no global RNG.
"""

from __future__ import annotations

import numpy as np

#: Subsystems that draw random numbers, in spawn order. Append only: reordering changes runs.
SUBSYSTEMS: tuple[str, ...] = ("raid", "sensors", "engage", "tracking", "assess", "fire")


def streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators for each subsystem of one run.

    >>> a = streams(7)["sensors"].normal()
    >>> b = streams(7)["sensors"].normal()
    >>> a == b
    True
    """
    children = np.random.SeedSequence(seed).spawn(len(SUBSYSTEMS))
    return {name: np.random.default_rng(s) for name, s in zip(SUBSYSTEMS, children, strict=True)}
