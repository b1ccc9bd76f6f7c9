"""Random streams: one generator per subsystem, reproducible and independent."""

from __future__ import annotations

import numpy as np
import pytest

from cupola.core import rng as rng_mod
from cupola.core.rng import SUBSYSTEMS, streams


def _draws(seed: int) -> dict[str, np.ndarray]:
    return {name: g.random(16) for name, g in streams(seed).items()}


def test_every_subsystem_has_a_generator() -> None:
    s = streams(0)
    assert list(s) == list(SUBSYSTEMS)
    assert len(set(SUBSYSTEMS)) == len(SUBSYSTEMS)
    assert all(isinstance(g, np.random.Generator) for g in s.values())


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**63 + 5])
def test_same_seed_same_draws(seed: int) -> None:
    a, b = _draws(seed), _draws(seed)
    for name in SUBSYSTEMS:
        np.testing.assert_array_equal(a[name], b[name])


def test_matches_spawned_seed_sequence() -> None:
    """Slow reference: child k of SeedSequence(seed) feeds subsystem k."""
    seed = 2024
    got = _draws(seed)
    for k, name in enumerate(SUBSYSTEMS):
        child = np.random.SeedSequence(seed, spawn_key=(k,))
        np.testing.assert_array_equal(got[name], np.random.default_rng(child).random(16))


def test_subsystems_are_independent_streams() -> None:
    d = _draws(7)
    names = list(SUBSYSTEMS)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not np.array_equal(d[a], d[b]), (a, b)
            # no shared values at all, nor one stream a shifted copy of another
            assert not set(d[a].tolist()) & set(d[b].tolist()), (a, b)


def test_different_seeds_differ() -> None:
    a, b = _draws(1), _draws(2)
    for name in SUBSYSTEMS:
        assert not np.array_equal(a[name], b[name])


def test_drawing_from_one_stream_does_not_shift_another() -> None:
    s1, s2 = streams(5), streams(5)
    s1["sensors"].normal(size=1000)  # heavy use of one subsystem
    np.testing.assert_array_equal(s1["engage"].random(8), s2["engage"].random(8))


def test_appending_a_subsystem_keeps_existing_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    before = _draws(11)
    monkeypatch.setattr(rng_mod, "SUBSYSTEMS", (*SUBSYSTEMS, "weather"))
    after = {name: g.random(16) for name, g in rng_mod.streams(11).items()}
    assert list(after) == [*SUBSYSTEMS, "weather"]
    for name in SUBSYSTEMS:
        np.testing.assert_array_equal(after[name], before[name])
    assert not any(np.array_equal(after["weather"], before[n]) for n in SUBSYSTEMS)
