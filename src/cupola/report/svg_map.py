"""The map: an inline SVG of the scene and the raid in the local frame, east/north in km.

Layers, bottom to top: alert zones (thin outlines, alerted ones tinted), radar and battery
coverage circles (dashed/dotted, clipped to the view), defended assets (filled, coloured by
kind, hit ones outlined in red), interceptor tracks (thin), threat ground tracks (one polyline
per threat, coloured by outcome), impact (x) and intercept (o) markers, sites, labels. Then the
frame with km ticks, a scale bar, a north arrow and the legend.

The view is the bounding box of the assets, the sites, the truth tracks and the event points,
with a margin (:func:`cupola.report.frame.fit_frame`); zones and coverage circles do not widen
it. A coverage circle that holds the whole view is not drawn (the legend says so), which also
keeps every drawn circle's radius below the view's diagonal.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np
from numpy.typing import NDArray

from cupola.report.base import ReportInputs, SceneShape, SceneSite
from cupola.report.frame import MapFrame, fit_frame, ticks
from cupola.report.paths import Polylines, group_lines, point_strings
from cupola.report.style import (
    ASSET_COLOURS,
    ASSET_OTHER_COLOUR,
    INTERCEPTOR_COLOUR,
    OUTCOME_COLOURS,
    OUTCOME_LABELS,
    OUTCOME_ORDER,
    UNKNOWN_COLOUR,
    as_str,
    outcome_of,
)

FloatArray = NDArray[np.float64]

PLOT_LEFT = 64.0
PLOT_TOP = 16.0
PLOT_WIDTH = 860.0
LEGEND_WIDTH = 250.0
THREAT_POINT_BUDGET = 60_000
INTERCEPTOR_POINT_BUDGET = 20_000


def _f(v: float) -> str:
    return f"{v:.1f}"


def _truth_rows(
    inputs: ReportInputs, kind: str
) -> tuple[NDArray[np.int64], FloatArray, FloatArray, FloatArray]:
    """Id, time, east and north of the truth rows of one object kind."""
    truth = inputs.truth
    n = len(truth.get("time", ()))
    sel: NDArray[np.bool_] = as_str(truth.get("object"), n) == kind

    def col(name: str) -> FloatArray:
        values: FloatArray = np.asarray(truth.get(name, np.full(n, np.nan)), dtype=np.float64)
        return values[sel]

    ids = np.asarray(truth.get("id", np.full(n, -1)), dtype=np.int64)[sel]
    return ids, col("time"), col("x_m"), col("y_m")


def _event_points(
    inputs: ReportInputs, kind: str
) -> tuple[NDArray[np.int64], FloatArray, FloatArray]:
    ev = inputs.events
    n = len(ev.get("time", ()))
    sel = as_str(ev.get("kind"), n) == kind
    tid = np.asarray(ev.get("threat_id", np.full(n, -1)), dtype=np.int64)[sel]
    x = np.asarray(ev.get("x_m", np.full(n, np.nan)), dtype=np.float64)[sel]
    y = np.asarray(ev.get("y_m", np.full(n, np.nan)), dtype=np.float64)[sel]
    ok = np.isfinite(x) & np.isfinite(y)
    return tid[ok], x[ok], y[ok]


def _view(inputs: ReportInputs) -> MapFrame:
    xs: list[FloatArray] = [np.asarray(a.outline, dtype=np.float64)[:, 0] for a in inputs.assets]
    ys: list[FloatArray] = [np.asarray(a.outline, dtype=np.float64)[:, 1] for a in inputs.assets]
    xs.append(np.array([s.x for s in inputs.sites], dtype=np.float64))
    ys.append(np.array([s.y for s in inputs.sites], dtype=np.float64))
    n = len(inputs.truth.get("time", ()))
    xs.append(np.asarray(inputs.truth.get("x_m", np.zeros(n)), dtype=np.float64))
    ys.append(np.asarray(inputs.truth.get("y_m", np.zeros(n)), dtype=np.float64))
    for kind in ("impact", "intercept"):
        _, ex, ey = _event_points(inputs, kind)
        xs.append(ex)
        ys.append(ey)
    return fit_frame(
        np.concatenate(xs),
        np.concatenate(ys),
        width=PLOT_WIDTH,
        min_height=420.0,
        max_height=900.0,
        left=PLOT_LEFT,
        top=PLOT_TOP,
    )


def _polygon(frame: MapFrame, shape: SceneShape, attrs: str) -> str:
    outline = np.asarray(shape.outline, dtype=np.float64).reshape(-1, 2)
    u, v = frame.to_px(outline[:, 0], outline[:, 1])
    return f'<polygon {attrs} points="{" ".join(point_strings(u, v))}"/>'


def _zones(frame: MapFrame, zones: list[SceneShape]) -> list[str]:
    out = ['<g class="zones">']
    for z in zones:
        cls = "zone alerted" if z.alerted else "zone"
        out.append(_polygon(frame, z, f'class="{cls}" data-name="{escape(z.name)}"'))
    out.append("</g>")
    return out


def _assets(frame: MapFrame, assets: list[SceneShape]) -> list[str]:
    out = ['<g class="assets">']
    for a in assets:
        colour = ASSET_COLOURS.get(a.kind, ASSET_OTHER_COLOUR)
        cls = "asset hit" if a.hits > 0 else "asset"
        attrs = f'class="{cls}" fill="{colour}" data-name="{escape(a.name)}"'
        out.append(_polygon(frame, a, attrs))
    out.append("</g>")
    return out


#: Zones are labelled only when there are at most this many (a dense grid's names are noise).
MAX_ZONE_LABELS = 30


def _labels(frame: MapFrame, inputs: ReportInputs) -> list[str]:
    out = ['<g class="labels">']
    labelled = inputs.zones if len(inputs.zones) <= MAX_ZONE_LABELS else []
    for z in labelled:
        outline = np.asarray(z.outline, dtype=np.float64).reshape(-1, 2)
        if outline.size == 0:
            continue
        top = int(np.argmax(outline[:, 1]))
        u, v = frame.to_px(outline[top : top + 1, 0], outline[top : top + 1, 1])
        out.append(
            f'<text class="lbl zone-lbl" x="{_f(u[0])}" y="{_f(v[0] - 3)}">{escape(z.name)}</text>'
        )
    for a in inputs.assets:
        outline = np.asarray(a.outline, dtype=np.float64).reshape(-1, 2)
        if outline.size == 0:
            continue
        c = outline.mean(axis=0)
        top = outline[:, 1].max()
        u, v = frame.to_px(np.array([c[0]]), np.array([top]))
        text = escape(a.name) + (f" ({a.hits} hit{'s' if a.hits != 1 else ''})" if a.hits else "")
        cls = "lbl asset-lbl hit" if a.hits else "lbl asset-lbl"
        out.append(f'<text class="{cls}" x="{_f(u[0])}" y="{_f(v[0] - 4)}">{text}</text>')
    out.append("</g>")
    return out


def _coverage(frame: MapFrame, sites: list[SceneSite]) -> tuple[list[str], list[str]]:
    """Coverage circles that cut the view, and the names of those that hold all of it."""
    out = ['<g class="coverage">']
    whole: list[str] = []
    cx = np.array([frame.x0, frame.x1, frame.x0, frame.x1])
    cy = np.array([frame.y0, frame.y0, frame.y1, frame.y1])
    for s in sites:
        if s.kind not in ("radar", "battery") or not s.range_m > 0.0:
            continue
        if np.all(np.hypot(cx - s.x, cy - s.y) <= s.range_m):
            whole.append(f"{s.name} ({s.range_m / 1000:.0f} km)")
            continue
        u, v = frame.to_px(np.array([s.x]), np.array([s.y]))
        r = s.range_m * frame.scale
        out.append(
            f'<circle class="cov {s.kind}" cx="{_f(u[0])}" cy="{_f(v[0])}" r="{_f(r)}" '
            f'data-name="{escape(s.name)}"/>'
        )
    out.append("</g>")
    return out, whole


def _site_symbol(kind: str, u: float, v: float) -> str:
    if kind == "radar":
        return (
            f'<path class="site radar" d="M{_f(u)} {_f(v - 7)}L{_f(u + 6.5)} {_f(v + 5)}'
            f'L{_f(u - 6.5)} {_f(v + 5)}Z"/>'
        )
    if kind == "battery":
        return (
            f'<rect class="site battery" x="{_f(u - 5)}" y="{_f(v - 5)}" width="10" height="10"/>'
        )
    if kind == "launcher":
        return f'<circle class="site launcher" cx="{_f(u)}" cy="{_f(v)}" r="3.5"/>'
    return (
        f'<path class="site other" d="M{_f(u)} {_f(v - 5)}L{_f(u + 5)} {_f(v)}'
        f'L{_f(u)} {_f(v + 5)}L{_f(u - 5)} {_f(v)}Z"/>'
    )


def _sites(frame: MapFrame, sites: list[SceneSite]) -> list[str]:
    out = ['<g class="sites">']
    u, v = frame.to_px(
        np.array([s.x for s in sites], dtype=np.float64),
        np.array([s.y for s in sites], dtype=np.float64),
    )
    for s, a, b in zip(sites, u.tolist(), v.tolist(), strict=True):
        out.append(_site_symbol(s.kind, a, b))
        # launchers sit close to their battery: label them below, the others to the right
        if s.kind == "launcher":
            lbl = f'<text class="lbl site-lbl small" x="{_f(a)}" y="{_f(b + 13)}">'
        else:
            lbl = f'<text class="lbl site-lbl start" x="{_f(a + 9)}" y="{_f(b + 4)}">'
        out.append(lbl + escape(s.name) + "</text>")
    out.append("</g>")
    return out


def _lines(
    frame: MapFrame, lines: Polylines, cls: str, styles: list[tuple[str, str | None]]
) -> list[str]:
    """One ``<polyline>`` per line; ``styles[i]`` is (stroke colour, outcome or None)."""
    u, v = frame.to_px(lines.x, lines.y)
    pts = point_strings(u, v)
    out = []
    for (colour, outcome), lid, start, count in zip(
        styles, lines.ids.tolist(), lines.starts.tolist(), lines.counts.tolist(), strict=True
    ):
        extra = f' data-outcome="{escape(outcome)}"' if outcome is not None else ""
        out.append(
            f'<polyline class="{cls}" data-id="{lid}"{extra} stroke="{colour}" '
            f'points="{" ".join(pts[start : start + count])}"/>'
        )
    return out


def _tracks(frame: MapFrame, inputs: ReportInputs) -> list[str]:
    ids, t, x, y = _truth_rows(inputs, "interceptor")
    lines = group_lines(ids, t, x, y, budget=INTERCEPTOR_POINT_BUDGET)
    out = ['<g class="interceptors">']
    out += _lines(frame, lines, "interceptor", [(INTERCEPTOR_COLOUR, None)] * lines.ids.size)
    out.append('</g><g class="threats">')
    ids, t, x, y = _truth_rows(inputs, "threat")
    lines = group_lines(ids, t, x, y, budget=THREAT_POINT_BUDGET)
    outcome = outcome_of(inputs.threats, lines.ids)
    rank = np.array([OUTCOME_ORDER.index(o) if o in OUTCOME_ORDER else -1 for o in outcome])
    order = np.lexsort((lines.ids, rank))  # draw order: by outcome, then id
    lines = Polylines(lines.ids[order], lines.starts[order], lines.counts[order], lines.x, lines.y)
    styles: list[tuple[str, str | None]] = [
        (OUTCOME_COLOURS.get(o, UNKNOWN_COLOUR), o or "unknown") for o in outcome[order].tolist()
    ]
    out += _lines(frame, lines, "threat", styles)
    out.append("</g>")
    return out


def _markers(frame: MapFrame, inputs: ReportInputs) -> list[str]:
    out = ['<g class="markers">']
    tid, x, y = _event_points(inputs, "impact")
    hit = outcome_of(inputs.threats, tid) == "hit"
    u, v = frame.to_px(x, y)
    for a, b, h, i in zip(u.tolist(), v.tolist(), hit.tolist(), tid.tolist(), strict=True):
        cls = "impact hit" if h else "impact"
        out.append(
            f'<path class="{cls}" data-id="{i}" d="M{_f(a - 4)} {_f(b - 4)}l8 8m0 -8l-8 8"/>'
        )
    tid, x, y = _event_points(inputs, "intercept")
    u, v = frame.to_px(x, y)
    for a, b, i in zip(u.tolist(), v.tolist(), tid.tolist(), strict=True):
        out.append(f'<circle class="intercept" data-id="{i}" cx="{_f(a)}" cy="{_f(b)}" r="3.5"/>')
    out.append("</g>")
    return out


def _axes(frame: MapFrame) -> list[str]:
    out = ['<g class="axes">']
    bottom = frame.top + frame.height
    right = frame.left + frame.width
    for km in ticks(frame.x0 / 1000.0, frame.x1 / 1000.0, 8).tolist():
        u, _ = frame.to_px(np.array([km * 1000.0]), np.array([0.0]))
        x = _f(u[0])
        out.append(f'<line class="grid" x1="{x}" y1="{_f(frame.top)}" x2="{x}" y2="{_f(bottom)}"/>')
        out.append(f'<text class="tick" x="{_f(u[0])}" y="{_f(bottom + 15)}">{km:g}</text>')
    for km in ticks(frame.y0 / 1000.0, frame.y1 / 1000.0, 8).tolist():
        _, v = frame.to_px(np.array([0.0]), np.array([km * 1000.0]))
        y = _f(v[0])
        out.append(f'<line class="grid" x1="{_f(frame.left)}" y1="{y}" x2="{_f(right)}" y2="{y}"/>')
        out.append(
            f'<text class="tick end" x="{_f(frame.left - 5)}" y="{_f(v[0] + 4)}">{km:g}</text>'
        )
    out.append(
        f'<text class="axis-title" x="{_f(frame.left + frame.width / 2)}" y="{_f(bottom + 34)}">'
        "east of origin (km)</text>"
    )
    mid = frame.top + frame.height / 2
    out.append(
        f'<text class="axis-title" transform="translate({_f(frame.left - 44)} {_f(mid)}) '
        'rotate(-90)">north of origin (km)</text>'
    )
    out.append("</g>")
    return out


def _scale_bar_and_north(frame: MapFrame) -> list[str]:
    target = 0.22 * frame.width / frame.scale  # m
    base = 10.0 ** math.floor(math.log10(target))
    length = next(m * base for m in (5.0, 2.0, 1.0) if m * base <= target * (1 + 1e-9))
    px = length * frame.scale
    x0 = frame.left + 16
    y0 = frame.top + frame.height - 18
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    half = px / 2
    nx = frame.left + frame.width - 26
    ny = frame.top + 16
    return [
        '<g class="scalebar">',
        f'<rect class="sb-bg" x="{_f(x0 - 8)}" y="{_f(y0 - 18)}" width="{_f(px + 16)}" '
        'height="30"/>',
        f'<rect class="sb-dark" x="{_f(x0)}" y="{_f(y0)}" width="{_f(half)}" height="5"/>',
        f'<rect class="sb-light" x="{_f(x0 + half)}" y="{_f(y0)}" width="{_f(half)}" height="5"/>',
        f'<text class="sb-lbl" x="{_f(x0 + px / 2)}" y="{_f(y0 - 5)}">{label}</text>',
        "</g>",
        '<g class="north">',
        f'<path d="M{_f(nx)} {_f(ny)}l9 26l-9 -7l-9 7Z"/>',
        f'<text x="{_f(nx)}" y="{_f(ny + 40)}">N</text>',
        "</g>",
    ]


def _legend(inputs: ReportInputs, x: float, y: float, whole: list[str]) -> list[str]:
    n = len(inputs.threats.get("threat_id", ()))
    outcomes = as_str(inputs.threats.get("outcome"), n)
    out = [f'<g class="legend" transform="translate({_f(x)} {_f(y)})">']
    rows: list[tuple[str, str]] = []
    for o in ("intercepted", "hit", "open_ground", "in_flight"):
        k = int(np.count_nonzero(outcomes == o))
        sym = (
            f'<line x1="0" y1="0" x2="22" y2="0" stroke="{OUTCOME_COLOURS[o]}" stroke-width="2.5"/>'
        )
        rows.append((sym, f"threat, {OUTCOME_LABELS[o]} ({k})"))
    rows += [
        (f'<line x1="0" y1="0" x2="22" y2="0" stroke="{INTERCEPTOR_COLOUR}"/>', "interceptor"),
        ('<path class="impact hit" d="M7 -4l8 8m0 -8l-8 8"/>', "impact on an asset"),
        ('<path class="impact" d="M7 -4l8 8m0 -8l-8 8"/>', "impact, open ground"),
        ('<circle class="intercept" cx="11" cy="0" r="3.5"/>', "intercept"),
        (_site_symbol("radar", 11, 0), "radar"),
        (_site_symbol("battery", 11, 0), "battery"),
        (_site_symbol("launcher", 11, 0), "launcher"),
        ('<line class="cov radar" x1="0" y1="0" x2="22" y2="0"/>', "radar coverage"),
        ('<line class="cov battery" x1="0" y1="0" x2="22" y2="0"/>', "interceptor range"),
        ('<rect class="zone" x="2" y="-6" width="18" height="12"/>', "alert zone"),
        ('<rect class="zone alerted" x="2" y="-6" width="18" height="12"/>', "alert zone, alerted"),
    ]
    for kind, colour in ASSET_COLOURS.items():
        rows.append(
            (
                f'<rect class="asset" fill="{colour}" x="2" y="-6" width="18" height="12"/>',
                f"asset ({kind})",
            )
        )
    rows.append(
        (
            f'<rect class="asset hit" fill="{ASSET_OTHER_COLOUR}" x="2" y="-6" width="18" '
            'height="12"/>',
            "asset hit",
        )
    )
    for i, (sym, text) in enumerate(rows):
        out.append(
            f'<g transform="translate(0 {i * 20})">{sym}'
            f'<text class="start" x="30" y="4">{escape(text)}</text></g>'
        )
    yy = len(rows) * 20 + 6
    for name in whole:
        out.append(
            f'<text class="start small" x="0" y="{yy}">coverage of {escape(name)}</text>'
            f'<text class="start small" x="10" y="{yy + 13}">holds the whole map</text>'
        )
        yy += 30
    out.append("</g>")
    return out


def render_map(inputs: ReportInputs) -> str:
    """The map of a run as an inline ``<svg>`` element.

    Parameters
    ----------
    inputs : ReportInputs
        The scene and the run's tables (truth ``x_m``/``y_m`` and event positions in m).

    Returns
    -------
    str
        ``<svg>…</svg>``, deterministic for given inputs.
    """
    frame = _view(inputs)
    width = frame.left + frame.width + LEGEND_WIDTH
    height = frame.top + frame.height + 44
    coverage, whole = _coverage(frame, inputs.sites)
    parts: list[str] = [
        f'<svg class="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} '
        f'{_f(height)}" width="{_f(width)}" height="{_f(height)}" role="img" '
        'aria-label="Map of the run">',
        f'<defs><clipPath id="map-clip"><rect x="{_f(frame.left)}" y="{_f(frame.top)}" '
        f'width="{_f(frame.width)}" height="{_f(frame.height)}"/></clipPath></defs>',
        f'<rect class="map-bg" x="{_f(frame.left)}" y="{_f(frame.top)}" '
        f'width="{_f(frame.width)}" height="{_f(frame.height)}"/>',
        *_axes(frame),
        '<g clip-path="url(#map-clip)">',
        *_zones(frame, inputs.zones),
        *coverage,
        *_assets(frame, inputs.assets),
        *_tracks(frame, inputs),
        *_markers(frame, inputs),
        *_sites(frame, inputs.sites),
        *_labels(frame, inputs),
        "</g>",
        f'<rect class="map-frame" x="{_f(frame.left)}" y="{_f(frame.top)}" '
        f'width="{_f(frame.width)}" height="{_f(frame.height)}"/>',
        *_scale_bar_and_north(frame),
        *_legend(inputs, frame.left + frame.width + 20, frame.top + 12, whole),
        "</svg>",
    ]
    return "\n".join(parts)


__all__ = ["render_map"]
