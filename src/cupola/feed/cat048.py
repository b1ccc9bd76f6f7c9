r"""Radar plots as ASTERIX CAT048 monoradar target reports (``--format asterix48``).

A plot is one record of edition 1.32:

========  =====================================  ==========================================
item      content                                from the plot
========  =====================================  ==========================================
I048/010  SAC, SIC                               SAC given (0), SIC = ``sensor_id`` (0-255)
I048/140  time of day, 1/128 s                   ``time`` modulo a day
I048/020  report type: single PSR detection      SIM set when the plots are simulated
I048/040  :math:`\rho` (1/256 NM), :math:`\theta` (360/2^16 °)   ``range_m``, ``azimuth_rad``
I048/110  height measured by a 3D radar, 25 ft   :math:`h = z_s + r \sin\epsilon`
========  =====================================  ==========================================

CAT048 carries no elevation: a 3D radar reports the target's height, which the decoder turns
back into :math:`\epsilon = \arcsin((h - z_s) / r)` with the radar's height :math:`z_s` (the
up coordinate of its position, m; the sensors the feed knows, by SIC). Quantisation costs at
most half an LSB: 3.6 m in range, 0.05 mrad in azimuth, 3.8 m in height, which at 5 km is
0.8 mrad of elevation, within a typical radar's elevation noise; the decoder does not add it to
the radar's noise. Plots beyond 256 NM or out of the height item's range are not encoded
(counted).

Decoding rejects, by reason: a datablock that is not one (``garbage``) or cut short
(``truncated``), a category other than 48 (``other category``), a record without position,
time or height (``incomplete``), a time of day of a day or more (``bad time``), a test target
(I048/020 TST, ``test target``), a SIC the feed has no radar for (``unknown sensor``), and a
height the range cannot reach (``bad height``). The SAC and the SIM bit are not read.

The elevation is that of a flat earth, which is how Cupola's radars and replays write it. A
real radar's I048/110 is a height above mean sea level, under which the earth's curvature
drops away: :math:`r^2 / (2 k R)` with the 4/3-earth :math:`k R`, 590 m at 100 km, an
elevation bias of 6 mrad there, which the decoder does not correct.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any

import numpy as np

from cupola.feed.asterix import FT_M, NM_M, category_records, fits, pack, quantity, spec
from cupola.feed.asterix import time_of_day as tod
from cupola.feed.base import DAY_S, MAX_DATAGRAM, DayClock, Decoded, nearest_day, plot_table
from cupola.sensors.base import PlotTable

#: Largest range and height CAT048 can carry, m (16 bits of 1/256 NM; 14 signed of 25 ft).
MAX_RANGE_M = (2**16 - 1) / 256 * NM_M
MAX_HEIGHT_M = (2**13 - 1) * 25 * FT_M


def encode(
    plots: PlotTable,
    heights: dict[int, float],
    sac: int = 0,
    simulated: bool = True,
) -> tuple[list[bytes], int]:
    """The plots as CAT048 datablocks of at most :data:`MAX_DATAGRAM` bytes, and the number
    of plots that could not be encoded (out of range, or of a sensor without a height).

    Parameters
    ----------
    plots : PlotTable
    heights : dict of int to float
        Height of each sensor, m (its position's up coordinate), by ``sensor_id``.
    sac : int
        System area code.
    simulated : bool
        Set the reports' SIM bit.
    """
    sensor = plots.sensor_id
    z = np.array([heights.get(int(s), np.nan) for s in sensor], np.float64)
    r, az, el = plots.range_m, plots.azimuth_rad, plots.elevation_rad
    with np.errstate(invalid="ignore"):
        h = z + r * np.sin(el)
    ok = (
        fits(r, 0.0, MAX_RANGE_M)
        & fits(h, -MAX_HEIGHT_M, MAX_HEIGHT_M)
        & fits(az, -10.0, 10.0)
        & np.isfinite(plots.time)
        & (sensor >= 0)
        & (sensor < 256)
    )
    t = tod(plots.time[ok])
    theta = np.mod(np.degrees(az[ok]), 360.0)
    report = (("TYP", 1), ("SIM", int(simulated)), ("RDP", 0), ("SPI", 0), ("RAB", 0), None)
    items = [
        {
            "010": (("SAC", sac), ("SIC", int(s))),
            "140": (float(ti), "s"),
            "020": (report,),
            "040": (("RHO", (float(ri) / NM_M, "NM")), ("THETA", (float(th) % 360.0, "°"))),
            "110": (0, ("3DH", (float(hi) / FT_M, "ft"))),
        }
        for s, ti, ri, th, hi in zip(sensor[ok], t, r[ok], theta, h[ok], strict=True)
    ]
    return pack(48, items, MAX_DATAGRAM), int((~ok).sum())


class Decoder:
    """CAT048 datagrams to plots (module docstring), with the radars' heights by SIC.

    Times of day become seconds of the feed's day (:mod:`.base`, :meth:`timed`): with
    ``live`` (00:00 UTC of the feed's day), each on the day nearest the UTC clock; without,
    unwrapped across midnight from one record to the next (a recording). :func:`decode_tod`,
    the stateless part, can run in another process.
    """

    def __init__(self, heights: dict[int, float], live: datetime | None = None) -> None:
        self.heights = heights
        self.live = live
        self.clock = DayClock()

    def __call__(self, data: bytes) -> Decoded:
        return self.timed(decode_tod(data, self.heights))

    def timed(self, got: Decoded) -> Decoded:
        """Plots with times of day (:func:`decode_tod`), in arrival order, on the feed's
        clock."""
        p = got.plots
        t = self.clock(p.time) if self.live is None else nearest_day(p.time, self.live)
        return Decoded(replace(p, time=t), got.rejected)


def decode_tod(data: bytes, heights: dict[int, float]) -> Decoded:
    """A CAT048 datagram's plots, their ``time`` the time of day (s); rejections by reason."""
    cols: list[list[float]] = [[], [], [], [], []]
    rejected: Counter[str] = Counter()
    for rec in category_records(data, 48, rejected):
        row = _row(rec, heights)
        if isinstance(row, str):
            rejected[row] += 1
            continue
        for c, v in zip(cols, row, strict=True):
            c.append(v)
    return Decoded(plot_table(*cols), rejected)


def decode_batch(datagrams: list[bytes], heights: dict[int, float]) -> list[Decoded | str]:
    """:func:`decode_tod` of each datagram, or the error it raised (for a worker process)."""
    out: list[Decoded | str] = []
    for d in datagrams:
        try:
            out.append(decode_tod(d, heights))
        except Exception as exc:  # reported back and counted, never lost in the worker
            out.append(f"{type(exc).__name__}: {exc}")
    return out


def _row(rec: Any, heights: dict[int, float]) -> tuple[float, ...] | str:
    t = quantity(rec, "140")
    rho = quantity(rec, "040", "RHO")
    theta = quantity(rec, "040", "THETA")
    h = quantity(rec, "110", "3DH")
    item = rec.get_item("010")
    if t is None or rho is None or theta is None or h is None or item is None:
        return "incomplete"
    if t >= DAY_S:
        return "bad time"
    report = rec.get_item("020")
    tst = report.variation.get_item("TST") if report is not None else None
    if tst is not None and tst.as_uint() == 1:
        return "test target"
    sic = int(item.variation.get_item("SIC").as_uint())
    z = heights.get(sic)
    if z is None:
        return "unknown sensor"
    r = rho * NM_M
    s = (h * FT_M - z) / r if r > 0 else math.inf
    if not -1.0 <= s <= 1.0:
        return "bad height"
    return t, float(sic), r, math.radians(theta), math.asin(s)


def warm_up() -> None:
    """Import libasterix and its CAT048 edition (most of a second), in a worker at its start."""
    spec(48)
