"""The picture as Cursor-on-Target events, for TAK clients (ATAK, WinTAK, iTAK) and servers.

Events are built with pytak (``cot_event``, ``cot_point`` at 7 decimals: a centimetre), tracks
(a thousand a scan) from a template that writes the same XML (:func:`track_event`, tested
against pytak's), and sent as XML (TAK protocol version 0, which every TAK client reads);
:func:`to_protobuf` gives TAK protocol version 1 (protobuf, mesh or stream framing) through
takproto for peers that want it.

Every event has ``version``, ``uid`` (stable: the same track is updated in place), ``type``,
``how`` (``m-f``: fused, from sensors; ``m-s`` for a simulated picture), ``time`` and
``start`` (the time the picture is valid, UTC), ``stale``, a ``point`` (lat, lon, hae m, ce
and le m, the 1-sigma circular and vertical errors; 9999999 unknown) and a ``detail`` with
``contact callsign``:

- a track, ``uid`` ``<service>-track-<id>`` (``cupola`` by default): ``type`` by the battle
  manager's kind (rocket, mortar round, ballistic missile: ``a-h-A-W-M-S-S``; drone
  ``a-h-A-M-F-Q``; cruise missile ``a-h-A-W-M-L``; not yet classified ``a-u-A``),
  ``track course speed`` (degrees true, m/s), ``remarks`` with the asset it threatens and the
  engagement recommended;
- a predicted impact, ``uid`` ``<service>-impact-<track>``: a circle (``u-d-c-c``, radius the
  95 % ellipse's major semi-axis), red when it falls on a defended asset;
- an alert zone under alert, ``uid`` ``<service>-zone-<id>``: its outline as a closed shape
  (``u-d-f``, ``link point`` vertices), filled red, sent every decision cycle while the alert
  stands; when it is lifted, the same uid again with ``stale`` = ``time``, which removes it;
- a battery, ``uid`` ``<service>-battery-<k>``: ``a-f-G-U-C-D`` (friendly air defence) with
  its rounds and hold-fire state in ``remarks``.

Heights are the scenario frame's up coordinate, taken as height above the ellipsoid (no
geoid). Incoming XML (:func:`parse`) goes through defusedxml, never the standard library's
parser: entities and DTDs are refused.
"""

from __future__ import annotations

import math
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np
from numpy.typing import NDArray

from cupola.assess.classify import KIND_NAMES
from cupola.feed.core import Picture
from cupola.sim.world import World

with warnings.catch_warnings():  # pytak warns at import about optional extras Cupola does not use
    warnings.simplefilter("ignore", UserWarning)
    import pytak

#: CoT type of each kind of threat (:data:`cupola.assess.classify.KIND_NAMES`), and unknown.
KIND_TYPES = {
    "rocket": "a-h-A-W-M-S-S",
    "mortar round": "a-h-A-W-M-S-S",
    "ballistic missile": "a-h-A-W-M-S-S",
    "drone": "a-h-A-M-F-Q",
    "cruise missile": "a-h-A-W-M-L",
}
UNKNOWN_TYPE = "a-u-A"
BATTERY_TYPE = "a-f-G-U-C-D"
#: Unknown error, m (the CoT convention).
UNKNOWN_ERROR = 9999999.0


def argb(a: int, r: int, g: int, b: int) -> int:
    """A colour as TAK wants it: ARGB in a signed 32-bit integer."""
    v = (a << 24) | (r << 16) | (g << 8) | b
    return v - (1 << 32) if v >= 1 << 31 else v


RED = argb(255, 230, 40, 40)
RED_FILL = argb(80, 230, 40, 40)
AMBER = argb(255, 240, 160, 0)


@dataclass(frozen=True)
class CotOptions:
    """How events are stamped: ``day`` (00:00 UTC the feed's times count from), ``stale_s``
    (how long an event stands without an update), ``service`` (in every uid), ``simulated``
    (``how`` ``m-s``)."""

    day: datetime
    stale_s: float = 10.0
    service: str = "cupola"
    simulated: bool = False


def stamp(opts: CotOptions, t: float) -> str:
    """Feed time ``t`` (s of the day) as a CoT time."""
    return (opts.day + timedelta(seconds=float(t))).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _event(
    opts: CotOptions,
    uid: str,
    cot_type: str,
    t: float,
    point: tuple[float, float, float, float, float],
    detail: list[ET.Element],
    callsign: str,
    stale_s: float | None = None,
) -> bytes:
    lat, lon, hae, ce, le = point
    when = stamp(opts, t)
    ev = pytak.cot_event(
        uid=uid,
        cot_type=cot_type,
        how="m-s" if opts.simulated else "m-f",
        point=pytak.cot_point(lat=lat, lon=lon, hae=hae, ce=ce, le=le, precision=7),
        detail=pytak.cot_detail(*detail, flow_tag=False),
        callsign=callsign,
        extra_attrs={
            "time": when,
            "start": when,
            "stale": stamp(opts, t + (opts.stale_s if stale_s is None else stale_s)),
        },
    )
    out: bytes = pytak.serialize_cot(ev)
    return out


def _remarks(text: str) -> ET.Element:
    el = ET.Element("remarks")
    el.text = text
    return el


def _el(tag: str, **attrs: Any) -> ET.Element:
    return ET.Element(tag, {k: str(v) for k, v in attrs.items()})


def track_events(pic: Picture, world: World, opts: CotOptions) -> list[bytes]:
    """One event per confirmed track (module docstring), from :func:`track_event`."""
    lon, lat = world.frame.to_geodetic(pic.pos[:, 0], pic.pos[:, 1])
    ce = np.sqrt(np.maximum(0.5 * (pic.cov[:, 0, 0] + pic.cov[:, 1, 1]), 0.0))
    le = np.sqrt(np.maximum(pic.cov[:, 2, 2], 0.0))
    course = np.mod(np.degrees(np.arctan2(pic.vel[:, 0], pic.vel[:, 1])), 360.0)
    speed = np.hypot(pic.vel[:, 0], pic.vel[:, 1])
    names = world.assets.names
    batteries = world.units.battery_names
    recommended: dict[int, list[str]] = {}
    for t, b in zip(pic.proposal_track.tolist(), pic.proposal_battery.tolist(), strict=True):
        recommended.setdefault(t, []).append(batteries[b])
    stamps: dict[float, tuple[str, str]] = {}
    out = []
    rows = zip(
        pic.track_id.tolist(),
        pic.kind.tolist(),
        pic.asset.tolist(),
        pic.track_time.tolist(),
        lat.tolist(),
        lon.tolist(),
        pic.pos[:, 2].tolist(),
        ce.tolist(),
        le.tolist(),
        course.tolist(),
        speed.tolist(),
        strict=True,
    )
    for tid, k, a, t, la, lo, hae, c, e, crs, spd in rows:  # serialisation, at the edge
        kind = KIND_NAMES[k] if 0 <= k < len(KIND_NAMES) else None
        words = [kind or "unclassified"]
        words.append(f"threatens {names[a]}" if 0 <= a < len(names) else "no defended asset")
        if tid in recommended:
            words.append("engagement recommended: " + ", ".join(recommended[tid]))
        if t not in stamps:
            stamps[t] = (stamp(opts, t), stamp(opts, t + opts.stale_s))
        out.append(
            track_event(
                uid=f"{opts.service}-track-{tid}",
                cot_type=KIND_TYPES.get(kind, UNKNOWN_TYPE) if kind else UNKNOWN_TYPE,
                how="m-s" if opts.simulated else "m-f",
                times=stamps[t],
                point=(la, lo, hae, _error(c), _error(e)),
                course=crs,
                speed=spd,
                remarks="; ".join(words),
                callsign=f"T{tid}",
            )
        )
    return out


def track_event(
    *,
    uid: str,
    cot_type: str,
    how: str,
    times: tuple[str, str],
    point: tuple[float, float, float, float, float],
    course: float,
    speed: float,
    remarks: str,
    callsign: str,
) -> bytes:
    """A track's event as the XML :func:`_event` (pytak) writes for it, from a template: a
    thousand tracks a scan are too many for ElementTree (0.2 ms an event against 5 µs).
    ``times``: ``time`` (= ``start``) and ``stale``."""
    lat, lon, hae, ce, le = point
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>\n'
        f'<event version="2.0" type={quoteattr(cot_type)} uid={quoteattr(uid)} '
        f'how={quoteattr(how)} time="{times[0]}" start="{times[0]}" stale="{times[1]}">'
        f'<point lat="{lat:.7f}" lon="{lon:.7f}" hae="{hae:.1f}" ce="{ce:.1f}" le="{le:.1f}" />'
        f'<detail><track course="{course:.1f}" speed="{speed:.1f}" />'
        f"<remarks>{escape(remarks)}</remarks><contact callsign={quoteattr(callsign)} />"
        "</detail></event>"
    ).encode()


def impact_events(pic: Picture, world: World, opts: CotOptions) -> list[bytes]:
    """One circle per predicted impact (module docstring)."""
    xy = pic.impact_xy
    lon, lat = world.frame.to_geodetic(xy[:, 0], xy[:, 1])
    threat = dict(zip(pic.track_id.tolist(), pic.asset.tolist(), strict=True))
    names = world.assets.names
    out = []
    for i, tid in enumerate(pic.impact_track.tolist()):
        radius = float(pic.impact_axes[i, 0]) if np.isfinite(pic.impact_axes[i, 0]) else 50.0
        radius = max(radius, 10.0)
        a = threat.get(tid, -1)
        hits = 0 <= a < len(names)
        shape = _el("shape")
        shape.append(_el("ellipse", major=f"{radius:.1f}", minor=f"{radius:.1f}", angle="0"))
        detail = [
            shape,
            _el("strokeColor", value=RED if hits else AMBER),
            _el("strokeWeight", value="2.0"),
            _el("fillColor", value=RED_FILL if hits else 0),
            _remarks(
                f"predicted impact of T{tid} at {stamp(opts, float(pic.impact_time[i]))}"
                + (f" on {names[a]}" if hits else " on open ground")
            ),
        ]
        point = (float(lat[i]), float(lon[i]), 0.0, radius, UNKNOWN_ERROR)
        uid = f"{opts.service}-impact-{tid}"
        out.append(_event(opts, uid, "u-d-c-c", pic.time, point, detail, f"impact T{tid}"))
    return out


def zone_events(
    world: World, opts: CotOptions, zones: NDArray[np.int64], t: float, lifted: bool = False
) -> list[bytes]:
    """One closed shape per alert zone of ``zones`` (ids): under alert, or ``lifted``
    (stale at once, which removes it from the clients' maps)."""
    z = world.zones
    where = {int(k): i for i, k in enumerate(z.ids)}
    out = []
    for zid in zones.tolist():
        poly = z.polygons[where[int(zid)]]
        g = poly if poly.geom_type == "Polygon" else max(poly.geoms, key=lambda p: p.area)
        xs, ys = np.asarray(g.exterior.coords, float).T
        lon, lat = world.frame.to_geodetic(xs, ys)
        detail = [_el("link", point=f"{la:.7f},{lo:.7f}") for la, lo in zip(lat, lon, strict=True)]
        detail += [
            _el("strokeColor", value=RED),
            _el("strokeWeight", value="3.0"),
            _el("fillColor", value=RED_FILL),
            _remarks(f"alert: {z.names[where[int(zid)]]}" + (" (lifted)" if lifted else "")),
        ]
        c = g.centroid
        clon, clat = world.frame.to_geodetic(c.x, c.y)
        point = (float(clat), float(clon), 0.0, UNKNOWN_ERROR, UNKNOWN_ERROR)
        uid = f"{opts.service}-zone-{zid}"
        out.append(
            _event(
                opts,
                uid,
                "u-d-f",
                t,
                point,
                detail,
                f"alert {z.names[where[int(zid)]]}",
                stale_s=0.0 if lifted else None,
            )
        )
    return out


def battery_events(
    world: World, opts: CotOptions, ready: NDArray[np.int64], held: NDArray[np.bool_], t: float
) -> list[bytes]:
    """One event per battery: position, rounds on its launchers, hold fire."""
    u = world.units
    rounds = np.bincount(u.battery, weights=ready, minlength=len(u.battery_names))
    lon, lat = world.frame.to_geodetic(u.battery_pos[:, 0], u.battery_pos[:, 1])
    out = []
    for k, name in enumerate(u.battery_names):
        text = f"{int(rounds[k])} rounds ready" + ("; holding fire" if held[k] else "")
        point = (float(lat[k]), float(lon[k]), float(u.battery_pos[k, 2]), 10.0, 10.0)
        uid = f"{opts.service}-battery-{k}"
        out.append(_event(opts, uid, BATTERY_TYPE, t, point, [_remarks(text)], name, stale_s=60.0))
    return out


def _error(v: float) -> float:
    return float(v) if math.isfinite(v) else UNKNOWN_ERROR


def to_protobuf(xml: bytes, stream: bool = False) -> bytes:
    """An event as TAK protocol version 1 (protobuf), mesh framing (UDP) or ``stream``
    (TCP), through takproto."""
    import takproto

    ver = takproto.TAKProtoVer.STREAM if stream else takproto.TAKProtoVer.MESH
    return bytes(takproto.xml2proto(xml, ver))


def parse(data: bytes) -> dict[str, Any]:
    """One CoT event (XML) as a dict: its attributes, ``point`` (floats) and ``detail``
    (the element); :class:`ValueError` when it is not one. Parsed with defusedxml: no
    entities, no DTD."""
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    try:
        root = DET.fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise ValueError(f"not a CoT event: {exc}") from None
    if root.tag != "event":
        raise ValueError(f"not a CoT event: root element <{root.tag}>")
    point = root.find("point")
    missing = [k for k in ("uid", "type", "time", "start", "stale") if k not in root.attrib]
    if point is None or missing:
        raise ValueError(f"not a CoT event: missing {', '.join(missing) or 'point'}")
    try:
        pt = {k: float(point.attrib[k]) for k in ("lat", "lon", "hae", "ce", "le")}
    except (KeyError, ValueError) as exc:
        raise ValueError(f"not a CoT event: bad point ({exc})") from None
    return {**root.attrib, "point": pt, "detail": root.find("detail")}
