"""System tracks as ASTERIX CAT062 (edition 1.21), for air-picture consoles.

One record a confirmed track:

========  ===========================================  ====================================
item      content                                      from the track
========  ===========================================  ====================================
I062/010  SAC, SIC of the tracker                      given (0, 0)
I062/015  service identification                       given (1)
I062/070  time of track information, 1/128 s           the track's time modulo a day
I062/105  WGS-84 latitude, longitude, 180/2^25 °       its position
I062/100  cartesian x, y from the system reference, 0.5 m   east, north in the scenario frame
I062/185  velocity vx, vy, 0.25 m/s                    east, north
I062/040  track number                                 ``track_id`` modulo 2^16
I062/080  status: mono-sensor, 3D radar, confirmed     SIM set when the picture is simulated
I062/130  geometric altitude, 6.25 ft                  up coordinate
I062/220  rate of climb or descent, 6.25 ft/min        vertical speed
========  ===========================================  ====================================
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.feed.asterix import FT_M, category_records, fits, pack, quantity, uint
from cupola.feed.asterix import time_of_day as tod
from cupola.feed.base import MAX_DATAGRAM

FloatArray = NDArray[np.float64]

#: Limits of the items, in their units (I062/100 m, I062/185 m/s, I062/130 ft,
#: I062/220 ft/min).
XY_LIMIT_M = (2**23 - 1) * 0.5
V_LIMIT_MPS = (2**15 - 1) * 0.25
ALT_LIMIT_FT = (2**15 - 1) * 6.25
ROC_LIMIT_FPM = (2**15 - 1) * 6.25


@dataclass(frozen=True)
class Tracks:
    """T tracks to report (struct of arrays): ``time`` s of the feed's day, ``track_id``,
    ``lat``, ``lon`` (°), ``pos`` (T, 3) ENU m, ``vel`` (T, 3) ENU m/s."""

    time: FloatArray
    track_id: NDArray[np.int64]
    lat: FloatArray
    lon: FloatArray
    pos: FloatArray
    vel: FloatArray


def encode(
    tr: Tracks, sac: int = 0, sic: int = 0, service: int = 1, simulated: bool = False
) -> tuple[list[bytes], int]:
    """The tracks as CAT062 datablocks of at most :data:`MAX_DATAGRAM` bytes, and the number
    left out for a value out of its item's range."""
    alt_ft = tr.pos[:, 2] / FT_M
    roc = tr.vel[:, 2] / FT_M * 60.0
    ok = (
        fits(tr.pos[:, 0], -XY_LIMIT_M, XY_LIMIT_M)
        & fits(tr.pos[:, 1], -XY_LIMIT_M, XY_LIMIT_M)
        & fits(tr.vel[:, 0], -V_LIMIT_MPS, V_LIMIT_MPS)
        & fits(tr.vel[:, 1], -V_LIMIT_MPS, V_LIMIT_MPS)
        & fits(alt_ft, -ALT_LIMIT_FT, ALT_LIMIT_FT)
        & fits(roc, -ROC_LIMIT_FPM, ROC_LIMIT_FPM)
        & fits(tr.lat, -90.0, 90.0)
        & fits(tr.lon, -180.0, 180.0)
        & np.isfinite(tr.time)
    )
    rows = np.flatnonzero(ok)
    t = tod(tr.time[rows])
    items = [
        {
            "010": (("SAC", sac), ("SIC", sic)),
            "015": service,
            "070": (float(t[k]), "s"),
            "105": (("LAT", (float(tr.lat[i]), "°")), ("LON", (float(tr.lon[i]), "°"))),
            "100": (("X", (float(tr.pos[i, 0]), "m")), ("Y", (float(tr.pos[i, 1]), "m"))),
            "185": (("VX", (float(tr.vel[i, 0]), "m/s")), ("VY", (float(tr.vel[i, 1]), "m/s"))),
            "040": int(tr.track_id[i]) % 65536,
            "080": (
                (("MON", 1), ("SPI", 0), ("MRH", 1), ("SRC", 2), ("CNF", 0), None),
                (("SIM", int(simulated)), ("TSE", 0), ("TSB", 0), 0, 0, 0, 0, None),
            ),
            "130": (float(alt_ft[i]), "ft"),
            "220": (float(roc[i]), "ft/min"),
        }
        for k, i in enumerate(rows.tolist())
    ]
    return pack(62, items, MAX_DATAGRAM), int((~ok).sum())


def decode(data: bytes) -> tuple[list[dict[str, Any]], Counter[str]]:
    """CAT062 records back to values: ``time`` (time of day, s), ``track_number``, ``lat``,
    ``lon``, ``x``, ``y`` (m), ``vx``, ``vy`` (m/s), ``alt_m``, ``vz`` (m/s), ``sim``;
    datablocks and records that cannot be read counted by reason."""
    out: list[dict[str, Any]] = []
    rejected: Counter[str] = Counter()
    for r in category_records(data, 62, rejected):
        alt = quantity(r, "130")
        roc = quantity(r, "220")
        out.append(
            {
                "time": quantity(r, "070"),
                "track_number": uint(r, "040"),
                "lat": quantity(r, "105", "LAT"),
                "lon": quantity(r, "105", "LON"),
                "x": quantity(r, "100", "X"),
                "y": quantity(r, "100", "Y"),
                "vx": quantity(r, "185", "VX"),
                "vy": quantity(r, "185", "VY"),
                "alt_m": None if alt is None else alt * FT_M,
                "vz": None if roc is None else roc * FT_M / 60.0,
                "sim": uint(r, "080", "SIM"),
            }
        )
    return out, rejected
