r"""The static weapon-target assignment problem: instances, objective and a greedy start.

Problem
-------
W weapons (fire units) and T targets; weapon :math:`w` holds :math:`a_w` rounds and kills
target :math:`t` with single-shot probability :math:`P_{wt}` (0: cannot engage it); target
:math:`t` is worth :math:`V_t`. Shots :math:`x_{wt} \in \mathbb N` minimise the expected
surviving value plus the weighted cost of the rounds,

.. math::

    F(x) = \sum_t V_t \prod_w (1 - P_{wt})^{x_{wt}} + \lambda \sum_{w,t} c_w x_{wt},
    \qquad \sum_t x_{wt} \le a_w,

the form of the public benchmark instances of Andersen, Pavlikov and Toffolo, "Weapon-target
assignment problem: exact and approximate solution algorithms", *Annals of Operations
Research* 312(2), 2022 (``../shared/wta/andersen2022``).

Greedy start
------------
Maximum marginal return (den Broeder, Ellison and Emerling, "On optimum target assignments",
*Operations Research* 7(3), 1959): one round at a time, to the weapon-target pair whose shot
lowers :math:`F` most, :math:`\Delta_{wt} = V_t s_t P_{wt} - \lambda c_w` with
:math:`s_t = \prod_w (1-P_{wt})^{x_{wt}}` the target's survival so far, until no round left
lowers :math:`F`. Each step is one vectorised arg-max over the W×T gains.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from cupola.errors import CupolaError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


#: Most rounds one weapon may hold.
MAX_ROUNDS = 100_000
#: Keys an instance may carry: the problem's, and the public instances' provenance.
KEYS = ("V", "P", "ammo", "cost", "lam", "name", "meta")


class InstanceError(CupolaError):
    """A weapon-target assignment instance that cannot be read, naming the file and why."""


@dataclass(frozen=True)
class StaticWTA:
    """One static instance (module docstring).

    Attributes
    ----------
    value : (T,) float64
        :math:`V_t`, non-negative.
    pk : (W, T) float64
        :math:`P_{wt}` in [0, 1].
    ammo : (W,) int64
        :math:`a_w`, non-negative.
    cost : (W,) float64
        :math:`c_w` per round, non-negative.
    lam : float
        :math:`\\lambda`, non-negative.
    """

    value: FloatArray
    pk: FloatArray
    ammo: IntArray
    cost: FloatArray
    lam: float = 0.0

    @property
    def shape(self) -> tuple[int, int]:
        """(W, T)."""
        w, t = self.pk.shape
        return int(w), int(t)


def build(
    value: object,
    pk: object,
    ammo: object,
    cost: object | None = None,
    lam: float = 0.0,
    source: str = "instance",
) -> StaticWTA:
    """A checked instance; :class:`InstanceError` naming ``source`` and the key otherwise."""

    def arr(x: object, key: str, ndim: int) -> FloatArray:
        if x is None or isinstance(x, str | bytes):
            raise InstanceError(f"{source}: {key}: not numbers")
        try:
            raw = np.asarray(x)
            if raw.dtype.kind == "c":
                raise InstanceError(f"{source}: {key}: complex numbers, expected real ones")
            a = np.asarray(raw, dtype=np.float64)
        except (TypeError, ValueError):
            raise InstanceError(f"{source}: {key}: not numbers") from None
        if a.ndim != ndim:
            want = "one number" if ndim == 0 else f"{ndim} dimension(s)"
            raise InstanceError(f"{source}: {key}: expected {want}, got {a.ndim} dimension(s)")
        if not np.isfinite(a).all():
            raise InstanceError(f"{source}: {key}: not finite (NaN or infinity)")
        if (a < 0).any():
            raise InstanceError(f"{source}: {key}: negative entries")
        return a

    v = arr(value, "V", 1)
    p = arr(pk, "P", 2)
    a = arr(ammo, "ammo", 1)
    if p.shape[1] != v.shape[0]:
        raise InstanceError(f"{source}: P: {p.shape[1]} targets, but V has {v.shape[0]}")
    if a.shape[0] != p.shape[0]:
        raise InstanceError(f"{source}: ammo: {a.shape[0]} weapons, but P has {p.shape[0]}")
    if (p > 1).any():
        raise InstanceError(f"{source}: P: probabilities above 1")
    if (a > MAX_ROUNDS).any():
        raise InstanceError(f"{source}: ammo: more than {MAX_ROUNDS:,} rounds for one weapon")
    if (a != np.round(a)).any():
        raise InstanceError(f"{source}: ammo: not whole rounds")
    c = np.zeros(p.shape[0]) if cost is None else arr(cost, "cost", 1)
    if c.shape[0] != p.shape[0]:
        raise InstanceError(f"{source}: cost: {c.shape[0]} weapons, but P has {p.shape[0]}")
    lam_a = arr(lam, "lam", 0)
    with np.errstate(over="ignore"):
        total = v.sum() + float(lam_a) * float(c @ a)
    if not np.isfinite(total):
        raise InstanceError(f"{source}: V, cost, lam: the objective overflows (values too large)")
    return StaticWTA(v, p, a.astype(np.int64), c, float(lam_a))


def load_instance(path: str | Path) -> StaticWTA:
    """Read an instance from ``.npz`` or ``.json`` with keys ``V``, ``P``, ``ammo`` and
    optional ``cost`` and ``lam``."""
    p = Path(path)
    src = str(path)
    if p.is_dir():
        raise InstanceError(f"{src}: is a folder, not an instance file")
    if not p.is_file():
        raise InstanceError(f"{src}: no such file")
    if p.suffix == ".npz":
        try:
            with open(p, "rb") as fh, np.load(fh, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise InstanceError(f"{src}: not a readable .npz file ({exc})") from None
    elif p.suffix == ".json":
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InstanceError(f"{src}: not readable JSON ({exc})") from None
        if not isinstance(data, dict):
            raise InstanceError(f"{src}: expected an object with keys V, P, ammo")
    else:
        raise InstanceError(f"{src}: expected a .npz or .json file")
    for key in ("V", "P", "ammo"):
        if key not in data:
            raise InstanceError(f"{src}: missing key {key!r}")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise InstanceError(
            f"{src}: unknown key {unknown[0]!r} (expected V, P, ammo, cost, lam; name, meta)"
        )
    lam = data.get("lam", 0.0)
    return build(data["V"], data["P"], data["ammo"], data.get("cost"), lam, src)


def survival(problem: StaticWTA, shots: IntArray) -> FloatArray:
    """(T,) float64: :math:`s_t = \\prod_w (1 - P_{wt})^{x_{wt}}`."""
    with np.errstate(divide="ignore"):
        log_miss = np.log1p(-problem.pk)  # -inf where P = 1
    terms = np.where(shots > 0, log_miss, 0.0) * shots  # 0 shots: 0, even where P = 1
    return np.asarray(np.exp(terms.sum(axis=0)))


def objective(problem: StaticWTA, shots: IntArray) -> float:
    """:math:`F(x)` of ``shots`` (W, T) (module docstring)."""
    shots = np.asarray(shots, np.int64)
    return float(
        problem.value @ survival(problem, shots) + problem.lam * (problem.cost @ shots.sum(axis=1))
    )


def feasible(problem: StaticWTA, shots: IntArray) -> bool:
    """Non-negative whole shots within each weapon's rounds."""
    shots = np.asarray(shots)
    return bool(
        shots.shape == problem.pk.shape
        and (shots >= 0).all()
        and (shots.sum(axis=1) <= problem.ammo).all()
    )


def greedy(
    problem: StaticWTA, start: IntArray | None = None, cap: IntArray | None = None
) -> IntArray:
    """Maximum-marginal-return shots (module docstring); (W, T) int64.

    Parameters
    ----------
    start : (W, T) int, optional
        Shots already placed; greedy adds to them.
    cap : (T,) int, optional
        Most rounds each target may take.
    """
    w_n, t_n = problem.shape
    shots = np.zeros((w_n, t_n), np.int64) if start is None else np.array(start, np.int64)
    if shots.size == 0:
        return shots
    left = problem.ammo - shots.sum(axis=1)
    s = survival(problem, shots)
    round_cost = problem.lam * problem.cost
    for _ in range(int(left.sum())):
        gain = (problem.value * s)[None, :] * problem.pk - round_cost[:, None]
        gain[left <= 0] = -np.inf
        if cap is not None:
            gain[:, shots.sum(axis=0) >= cap] = -np.inf
        k = int(np.argmax(gain))
        w, t = divmod(k, t_n)
        if not gain[w, t] > 0.0:
            break
        shots[w, t] += 1
        left[w] -= 1
        s[t] *= 1.0 - problem.pk[w, t]
    return shots
