"""A sweep: a scenario, seeds, and a grid of parameter values, checked before any run.

A parameter is named by its dotted path in the scenario, as in error messages
(``raid.salvos.0.count``, ``doctrine.shots_per_engagement``); its values are read as YAML
scalars (``50``, ``2.5``, ``true``, ``wta``). Every point of the grid is the scenario with those
values set, validated like a scenario file, so a path that does not exist or a value of the
wrong type is refused, naming the path, before any run starts.

Each point runs seeds ``0 .. runs-1`` (the same seeds at every point: common random numbers,
so that points differ by their parameters, not by their luck). A run's id is
``p<point>-s<seed>``; its result depends only on the scenario, the point and the seed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import yaml

from cupola.errors import CupolaError
from cupola.scenario import load, load_text


class SweepError(CupolaError):
    """A sweep that cannot start: bad ``--vary``, ``--runs`` or output folder."""


@dataclass(frozen=True)
class Sweep:
    """What to run.

    Attributes
    ----------
    scenario : str
        Built-in name or YAML file.
    runs : int
        Seeds per grid point.
    vary : tuple of (path, values)
        The grid's axes, in order.
    """

    scenario: str
    runs: int
    vary: tuple[tuple[str, tuple[Any, ...]], ...] = ()

    def points(self) -> list[tuple[Any, ...]]:
        """Every combination of the values, the last axis fastest."""
        return list(itertools.product(*(values for _, values in self.vary)))

    def point_texts(self) -> list[str]:
        """The scenario YAML of every point, validated (:class:`SweepError` otherwise)."""
        base = load(self.scenario)
        texts = []
        for values in self.points():
            data = base.model_dump(mode="json")
            for (path, _), value in zip(self.vary, values, strict=True):
                _set(data, path, value)
            text = yaml.safe_dump(data, sort_keys=False)
            label = ", ".join(f"{p}={v}" for (p, _), v in zip(self.vary, values, strict=True))
            try:
                load_text(text, f"{self.scenario} with {label}" if label else self.scenario)
            except CupolaError as exc:
                raise SweepError(f"--vary: {exc}") from None
            texts.append(text)
        return texts

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "runs": self.runs,
            "vary": [[p, list(v)] for p, v in self.vary],
        }


def parse_vary(spec: str) -> tuple[str, tuple[Any, ...]]:
    """``PATH=V1,V2,...`` into the path and its values (YAML scalars)."""
    path, sep, raw = spec.partition("=")
    path = path.strip()
    if not sep or not path or not raw.strip():
        raise SweepError(
            f"--vary {spec!r}: expected PATH=V1,V2,... (say raid.salvos.0.count=50,100)"
        )
    values = []
    for item in raw.split(","):
        try:
            value = yaml.safe_load(item.strip())
        except yaml.YAMLError:
            raise SweepError(f"--vary {path}: {item.strip()!r} is not a value") from None
        if isinstance(value, dict | list) or value is None:
            raise SweepError(f"--vary {path}: {item.strip()!r} is not a single value")
        values.append(value)
    return path, tuple(values)


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``data`` at the dotted ``path``; :class:`SweepError` where it leads nowhere."""
    keys = path.split(".")
    node: Any = data
    for depth, key in enumerate(keys):
        here = ".".join(keys[: depth + 1])
        last = depth == len(keys) - 1
        if isinstance(node, dict):
            if key not in node:
                known = ", ".join(sorted(node))
                raise SweepError(
                    f"--vary {path}: no field {here!r} in the scenario (known: {known})"
                )
            if last:
                node[key] = value
            else:
                node = node[key]
        elif isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise SweepError(
                    f"--vary {path}: {here!r} is not one of the {len(node)} entries of that list"
                )
            if last:
                node[int(key)] = value
            else:
                node = node[int(key)]
        else:
            raise SweepError(f"--vary {path}: {'.'.join(keys[:depth])!r} is a value, not a section")
