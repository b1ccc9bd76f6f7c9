"""Reading the files users write: YAML with clear errors, and pydantic validation.

Every problem becomes one :class:`~cupola.errors.InputError` (or the subclass a caller names)
whose message is one line: the file, where in it, and the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from cupola.errors import InputError

M = TypeVar("M", bound=BaseModel)


def one_line(text: str) -> str:
    """``text`` with newlines and other control characters escaped, so a message stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def input_error(
    source: str, field: str, reason: str, error: type[InputError] = InputError
) -> InputError:
    """An error whose message is one line, whatever the file put in names and keys."""
    return error(one_line(source), one_line(field), one_line(reason))


def field_path(loc: tuple[int | str, ...], data: Any) -> str:
    """Dotted path of a pydantic error location, as the keys appear in the file.

    Pydantic puts the tag of a discriminated union (``assets.1.point.position``) into the
    location; a step that names the ``kind`` of the mapping it stands at, rather than one of its
    keys, is that tag and is left out.
    """
    parts: list[str] = []
    for step in loc:
        if isinstance(data, dict) and step not in data and data.get("kind") == step:
            continue
        parts.append(str(step))
        if isinstance(data, dict):
            data = data.get(step)
        elif isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data = data[step]
        else:
            data = None
    return ".".join(parts)


class UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a mapping with the same key twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:  # unhashable keys are refused by the base class below
                duplicate = False
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            if not isinstance(key, list | dict):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(
    text: str, source: str, error: type[InputError] = InputError, what: str = "fields"
) -> dict[str, Any]:
    """Parse YAML text that must hold a mapping at the top level.

    Raises
    ------
    InputError (or ``error``)
        Not YAML (with the line and column), a duplicate key, or not a mapping.
    """
    try:
        data = yaml.load(text, Loader=UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, opened = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and opened is not None and (mark is None or opened.line != mark.line):
            problem += f" ({context} started at line {opened.line + 1}, column {opened.column + 1})"
        raise input_error(source, where, f"not valid YAML: {problem}", error) from None
    except (ValueError, TypeError, LookupError, OverflowError) as exc:
        # PyYAML's constructors let these through for malformed tagged scalars ("!!int x").
        raise input_error(source, "", f"not valid YAML: bad tagged value ({exc})", error) from None
    except RecursionError:
        raise input_error(source, "", "not valid YAML: nested too deeply", error) from None
    if not isinstance(data, dict):
        raise input_error(source, "", f"expected a mapping of {what} at the top level", error)
    return data


def read_text(path: Path, source: str, error: type[InputError] = InputError) -> str:
    """The text of a file, or one clear error when it is missing, a folder or unreadable."""
    if not path.exists():
        raise input_error(source, "", "no such file", error)
    if path.is_dir():
        raise input_error(source, "", "is a directory, not a file", error)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise input_error(source, "", f"cannot read: {exc}", error) from None


def validate_model(
    model: type[M],
    data: dict[str, Any],
    source: str,
    error: type[InputError] = InputError,
    kinds: dict[str, str] | None = None,
) -> M:
    """Validate ``data`` against a pydantic model; the first problem becomes one error.

    An unknown field is reported before the rest (a misspelt key also makes a required field
    "missing"); a discriminated union's bad or missing ``kind`` names the ``kind`` field and
    the expected values (``kinds`` maps a top-level list to them when pydantic does not).
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        first = errors[0]
        field = field_path(first["loc"], data)
        reason = first["msg"]
        ctx = first.get("ctx") or {}
        if first["type"] == "extra_forbidden":
            reason = "unknown field"
        elif first["type"] == "missing":
            reason = "missing required field"
        elif first["type"] == "value_error":
            reason = reason.removeprefix("Value error, ")
        elif first["type"] in ("union_tag_not_found", "union_tag_invalid"):
            field = f"{field}.{ctx.get('discriminator', 'kind')}".strip(".").replace("'", "")
            expected = str(ctx.get("expected_tags", "")).replace("'", "") or (kinds or {}).get(
                str(first["loc"][0]), ""
            )
            tag = ctx.get("tag")
            reason = (
                f"unknown kind {tag!r} (expected {expected})"
                if tag is not None
                else f"missing (expected {expected})"
            )
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise input_error(source, field, reason + more, error) from None
