"""What Cupola's ASTERIX codecs share (EUROCONTROL ASTERIX, through libasterix).

libasterix encodes and decodes every category edition from the specifications; its import
takes most of a second, so it is imported on first use. Its parser returns errors as values
and parses a buffer's datablocks recursively, so :func:`datablocks` splits them one at a time
and gives each error as a reason. Encoding wraps values out of an item's range silently, so
the encoders check ranges first (:func:`fits`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.feed.base import DAY_S

#: Metres in a nautical mile; feet in a metre.
NM_M = 1852.0
FT_M = 0.3048


@cache
def spec(category: int) -> Any:
    """The edition Cupola writes and reads of ``category`` (48: 1.32, 62: 1.21)."""
    import asterix.generated as gen

    return {48: gen.Cat_048_1_32, 62: gen.Cat_062_1_21}[category]


def datablocks(data: bytes) -> Iterator[tuple[int, Any] | str]:
    """Each datablock of ``data`` as ``(category, raw records)``, or a reason it cannot be
    read: ``truncated`` (a header or a length beyond the bytes there are) or ``garbage``;
    the rest of the buffer is then dropped (its datablock boundaries are lost)."""
    from asterix.base import Bits, RawDatablock

    at = 0
    while at < len(data):
        if len(data) - at < 3:
            yield "truncated"
            return
        size = int.from_bytes(data[at + 1 : at + 3], "big")
        if size < 3:
            yield "garbage"
            return
        if at + size > len(data):
            yield "truncated"
            return
        got = RawDatablock.parse_single(Bits.from_bytes(data[at : at + size]))
        if isinstance(got, ValueError):
            yield "garbage"
            return
        block, _ = got
        yield int(block.get_category()), block.get_raw_records()
        at += size


def records(category: int, raw: Any) -> list[Any] | str:
    """The records of one datablock's raw records, or why they cannot be read."""
    got = spec(category).cv_uap.parse(raw)
    if isinstance(got, ValueError):
        return "truncated" if "insufficient" in str(got) else "garbage"
    return list(got)


def category_records(data: bytes, category: int, rejected: Counter[str]) -> Iterator[Any]:
    """The records of ``category`` in ``data``'s datablocks; datablocks that cannot be read
    or are of another category counted in ``rejected`` by reason."""
    for block in datablocks(data):
        if isinstance(block, str):
            rejected[block] += 1
            return
        found, raw = block
        if found != category:
            rejected["other category"] += 1
            continue
        recs = records(category, raw)
        if isinstance(recs, str):
            rejected[recs] += 1
            continue
        yield from recs


def quantity(record: Any, item: str, sub: str | None = None) -> float | None:
    """The value of an item (or of its subitem ``sub``) in the specification's unit; None
    when the record does not have it."""
    got = record.get_item(item)
    if got is None:
        return None
    v = got.variation if sub is None else got.variation.get_item(sub).variation
    return float(v.content.as_quantity())


def uint(record: Any, item: str, sub: str | None = None) -> int | None:
    """The raw value of an item or subitem; None when absent."""
    got = record.get_item(item)
    if got is None:
        return None
    return int(got.as_uint() if sub is None else got.variation.get_item(sub).as_uint())


def time_of_day(t: NDArray[np.float64]) -> NDArray[np.float64]:
    """Seconds of the feed's day to ASTERIX time of day, s in [0, 86400)."""
    return np.asarray(np.mod(t, DAY_S), np.float64)


def fits(x: NDArray[np.float64], low: float, high: float) -> NDArray[np.bool_]:
    """Finite values within an item's range."""
    with np.errstate(invalid="ignore"):
        return np.asarray(np.isfinite(x) & (x >= low) & (x < high), bool)


def pack(category: int, items: list[dict[str, Any]], limit: int) -> list[bytes]:
    """Records (item dictionaries) as datablocks of at most ``limit`` bytes each: a
    datablock is its category (1 byte), its length with this 3-byte header (2 bytes, big
    endian) and its records."""
    cat = spec(category)
    out: list[bytes] = []
    chunk: list[bytes] = []
    size = 3
    for d in items:
        rec = cat.cv_record.create(d).unparse().to_bytes()
        if chunk and size + len(rec) > limit:
            out.append(_block(category, chunk, size))
            chunk, size = [], 3
        chunk.append(rec)
        size += len(rec)
    if chunk:
        out.append(_block(category, chunk, size))
    return out


def _block(category: int, recs: list[bytes], size: int) -> bytes:
    return bytes([category]) + size.to_bytes(2, "big") + b"".join(recs)
