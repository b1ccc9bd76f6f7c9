"""The static weapon-target assignment: the objective against a plain loop, the greedy start
within capacity and against brute force on small instances, and instances read from files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.fire import static_wta as wta
from factories import wta_brute_force, wta_instance

ANDERSEN = Path(__file__).parents[3] / "shared" / "wta" / "andersen2022"


_random = wta_instance
_brute_force = wta_brute_force


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), lam=st.sampled_from([0.0, 0.5]))
def test_objective_is_the_plain_formula(seed: int, lam: float) -> None:
    p = _random(seed, 4, 5, lam)
    shots = np.random.default_rng(seed).integers(0, 3, (4, 5))
    ref = sum(
        p.value[t] * np.prod([(1 - p.pk[w, t]) ** shots[w, t] for w in range(4)]) for t in range(5)
    ) + lam * sum(p.cost[w] * shots[w].sum() for w in range(4))
    assert wta.objective(p, shots) == pytest.approx(ref, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), lam=st.sampled_from([0.0, 1.0]))
def test_greedy_within_capacity_and_never_better_than_optimal(seed: int, lam: float) -> None:
    p = _random(seed, 3, 3, lam)
    shots = wta.greedy(p)
    assert wta.feasible(p, shots)
    best = _brute_force(p)
    assert wta.objective(p, shots) >= best - 1e-9
    # No round is fired that raises the objective.
    assert wta.objective(p, shots) <= wta.objective(p, np.zeros_like(shots)) + 1e-9


def test_greedy_is_optimal_on_one_weapon() -> None:
    """With one weapon, marginal returns fall shot by shot: greedy is exact."""
    p = wta.build([10.0, 7.0, 3.0], [[0.5, 0.6, 0.9]], [4])
    assert wta.objective(p, wta.greedy(p)) == pytest.approx(_brute_force(p))


@pytest.mark.skipif(not ANDERSEN.is_dir(), reason="the shared benchmark instances are not here")
def test_published_instance_greedy_above_the_best_known() -> None:
    bounds = json.loads((ANDERSEN / "published_bounds.json").read_text())
    name = "wta_100x200x1"
    p = wta.load_instance(ANDERSEN / f"{name}.npz")
    assert p.shape == (100, 200)
    value = wta.objective(p, wta.greedy(p))
    assert value >= bounds[name]["best_lower"] - 1e-6
    # Greedy alone is a few per cent above the best known solution, not wildly off.
    assert value <= 1.5 * bounds[name]["best_upper"]


@pytest.mark.parametrize(
    ("content", "suffix", "reason"),
    [
        ('{"V": [1], "P": [[0.5]]}', ".json", "missing key 'ammo'"),
        ('{"V": [1], "P": [[1.5]], "ammo": [1]}', ".json", "P: probabilities above 1"),
        ('{"V": [1, 2], "P": [[0.5]], "ammo": [1]}', ".json", "P: 1 targets, but V has 2"),
        ('{"V": [NaN], "P": [[0.5]], "ammo": [1]}', ".json", "V: not finite"),
        ('{"V": [1], "P": [[0.5]], "ammo": [1.5]}', ".json", "ammo: not whole rounds"),
        ("[1, 2]", ".json", "expected an object"),
        ("{", ".json", "not readable JSON"),
        ("V,P", ".csv", "expected a .npz or .json file"),
    ],
)
def test_bad_instance_named(tmp_path: Path, content: str, suffix: str, reason: str) -> None:
    f = tmp_path / f"bad{suffix}"
    f.write_text(content)
    with pytest.raises(wta.InstanceError) as info:
        wta.load_instance(f)
    assert str(info.value).startswith(str(f) + ": ")
    assert reason in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_instance_file(tmp_path: Path) -> None:
    with pytest.raises(wta.InstanceError, match="no such file"):
        wta.load_instance(tmp_path / "none.npz")
