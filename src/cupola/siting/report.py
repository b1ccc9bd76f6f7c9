"""The plan report: one self-contained HTML page.

A coverage map (defended assets and route segments coloured by how many planned batteries
cover the threats bound for them; candidate sites; the planned and the naive sites), the curve
of defended value against the number of batteries, the model's and the Monte Carlo's
comparison of the planned and naive layouts. Inline SVG, no script, no external reference.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import shapely

from cupola.campaign.report import COLOURS
from cupola.report.frame import ChartAxes, fit_frame, ticks
from cupola.siting.check import FIGURES
from cupola.siting.plan import Plan

MAP_W = 640
CHART_W, CHART_H = 640.0, 280.0
CHART_PAD = (70.0, 20.0, 20.0, 45.0)


def coverage_colour(batteries: float | None) -> str:
    """Fill of an asset by the mean number of batteries covering its threats."""
    if batteries is None:
        return "#cccccc"
    if batteries < 0.5:
        return "#d62728"
    if batteries < 1.5:
        return "#ffbf00"
    return "#2ca02c"


def render_plan(p: Plan, rows: list[dict[str, Any]], mc: dict[str, Any] | None) -> str:
    """The report page of plan ``p`` with its coverage ``rows`` and Monte Carlo ``mc``."""
    k = p.options.batteries
    m = p.mexclp
    gap = (
        "proved optimal"
        if m.optimal
        else (
            f"bound {m.bound:,.0f} on the value less the proximity cost"
            if m.bound is not None
            else "no bound"
        )
    )
    facts = [
        ("batteries", str(k)),
        ("candidate sites", f"{len(p.candidates.names):,}"),
        (
            "sampled threats",
            f"{len(p.sample.value):,} ({int((p.sample.value > 0).sum()):,} bound for assets)",
        ),
        ("threatened value per raid", f"{p.threatened_value:,.0f}"),
        (
            "planned layout, expected value defended",
            f"{p.planned_value:,.0f} (engagement sequence, after swaps)",
        ),
        (
            "MEXCLP start, engagements added up",
            f"{m.value:,.0f} ({m.method}, {gap})",
        ),
        ("naive layout, expected value defended", f"{p.naive_value:,.0f}"),
    ]
    for name in ("planned", "naive"):
        balance = p.rounds.get(name)
        if balance is not None:
            facts.append(
                (f"{name} layout, rounds asked / had per raid", _balance(*balance)),
            )
    caveat = (
        "<p>The model's expected value defended sees the battle manager's engagement "
        "sequence, the interceptor's turn and a shortage of rounds (the rounds a raid asks of "
        "the batteries against those they have, over the campaign), not the launch rate, the "
        "tracker's errors or the threat evaluation. The Monte Carlo check below, with the "
        "full simulation, does.</p>"
    )
    table = "".join(
        f"<tr><th style='text-align:left'>{escape(a)}</th><td>{escape(b)}</td></tr>"
        for a, b in facts
    )
    page = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        f"<title>Cupola plan: {escape(p.scenario.name)}</title>",
        "<style>body{font-family:sans-serif;max-width:760px;margin:2em auto;color:#222}"
        "svg text{font-size:11px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>",
        f"<h1>Battery siting: {escape(p.scenario.name)}</h1>",
        f"<table>{table}</table>",
        caveat,
        "<h2>Coverage map</h2>",
        "<p>Defended assets (route segments of about 1 km) by the mean number of planned "
        "batteries that can intercept the threats bound for them: "
        '<span style="color:#d62728">■</span> none, <span style="color:#ffbf00">■</span> one, '
        '<span style="color:#2ca02c">■</span> two or more, <span style="color:#ccc">■</span> '
        "no sampled threat. ■ planned sites, ○ naive sites, · candidates.</p>",
        _map(p, rows),
        _coverage_table(rows),
        "<h2>Defended value against the number of batteries</h2>",
        _curve(p),
        _monte_carlo(mc),
        "</body></html>",
    ]
    return "\n".join(page) + "\n"


def _map(p: Plan, rows: list[dict[str, Any]]) -> str:
    geoms = [r["geometry"] for r in rows]
    pts = np.vstack([p.candidates.pos[:, :2], _sites(p.naive, p)])
    x0, y0, x1, y1 = shapely.union_all([*geoms, shapely.multipoints(pts)]).bounds
    frame = fit_frame(
        np.array([x0, x1]),
        np.array([y0, y1]),
        width=MAP_W,
        min_height=200.0,
        max_height=900.0,
        left=0.0,
        top=0.0,
        margin=0.05,
    )
    height = int(frame.height) + 1

    def px(x: float, y: float) -> tuple[float, float]:
        u, v = frame.to_px(np.array([x]), np.array([y]))
        return float(u[0]), float(v[0])

    def xy(x: float, y: float) -> str:
        u, v = px(x, y)
        return f"{u:.1f},{v:.1f}"

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{MAP_W}" height="{height}" role="img">']
    svg.append(f'<rect width="{MAP_W}" height="{height}" fill="#f7f7f2"/>')
    for r in rows:
        g, colour = r["geometry"], coverage_colour(r["batteries_mean"])
        label = escape(f"{r['asset']}: {r['batteries_mean']}")
        if g.geom_type == "LineString":
            line = " ".join(xy(x, y) for x, y in g.coords)
            svg.append(
                f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="4">'
                f"<title>{label}</title></polyline>"
            )
        else:
            ring = " ".join(xy(x, y) for x, y in g.exterior.coords)
            svg.append(
                f'<polygon points="{ring}" fill="{colour}" fill-opacity="0.6" stroke="#555">'
                f"<title>{label}</title></polygon>"
            )
    for x, y, _ in p.candidates.pos:
        u, v = px(x, y)
        svg.append(f'<circle cx="{u:.1f}" cy="{v:.1f}" r="1.2" fill="#888"/>')
    for x, y in _sites(p.naive, p):
        u, v = px(x, y)
        svg.append(
            f'<circle cx="{u:.1f}" cy="{v:.1f}" r="6" fill="none" stroke="#222" '
            'stroke-width="1.5"/>'
        )
    for i, (x, y) in enumerate(_sites(p.planned, p)):
        u, v = px(x, y)
        svg.append(f'<rect x="{u - 5:.1f}" y="{v - 5:.1f}" width="10" height="10" fill="#1f77b4"/>')
        svg.append(f'<text x="{u + 8:.1f}" y="{v + 4:.1f}">{i + 1}</text>')
    bar_m = ticks(0, frame.width / frame.scale / 4, 2)[-1] or 1000.0
    svg.append(
        f'<line x1="10" x2="{10 + bar_m * frame.scale:.1f}" y1="{height - 10}" y2="{height - 10}" '
        'stroke="#222" stroke-width="2"/>'
        f'<text x="10" y="{height - 14}">{bar_m / 1000:g} km</text>'
    )
    svg.append("</svg>")
    return "".join(svg)


def _sites(sc: Any, p: Plan) -> np.ndarray:
    lon = [b.position.lon for b in sc.batteries]
    lat = [b.position.lat for b in sc.batteries]
    x, y = p.world.frame.to_local(lon, lat)
    return np.column_stack([x, y])


def _coverage_table(rows: list[dict[str, Any]]) -> str:
    heads = ("asset", "segment", "threats sampled", "covered", "batteries (mean)", "least", "tries")
    head = "<tr>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr>"
    body = []
    for r in rows:
        if r["kind"] == "route" and r["threats"] == 0:
            continue
        share = "–" if r["covered_share"] is None else f"{100 * r['covered_share']:.0f} %"
        mean = "–" if r["batteries_mean"] is None else f"{r['batteries_mean']:.2f}"
        least = "–" if r["batteries_min"] is None else str(r["batteries_min"])
        tries = "–" if r["engagements_mean"] is None else f"{r['engagements_mean']:.2f}"
        seg = "" if r["segment"] is None else str(r["segment"] + 1)
        body.append(
            f"<tr><td style='text-align:left'>{escape(r['asset'])}</td><td>{seg}</td>"
            f"<td>{r['threats']}</td><td>{share}</td><td>{mean}</td><td>{least}</td>"
            f"<td>{tries}</td></tr>"
        )
    return f"<table>{head}{''.join(body)}</table>"


def _curve(p: Plan) -> str:
    ks = [c["batteries"] for c in p.curve]
    vs = [c["defended_value"] for c in p.curve]
    axes = ChartAxes(
        0.0, float(max(ks)), 0.0, max(p.threatened_value, *vs), (CHART_W, CHART_H), CHART_PAD
    )
    svg = axes.frame("batteries", xticks=np.arange(max(ks) + 1), yformat=",.0f")
    dash = axes.v(p.threatened_value)
    svg.append(
        f'<line x1="{axes.u(0):.1f}" x2="{axes.u(axes.x1):.1f}" y1="{dash:.1f}" '
        f'y2="{dash:.1f}" stroke="#999" stroke-dasharray="4,3"/>'
    )
    pts = zip([0, *ks], [0.0, *vs], strict=True)
    line = " ".join(f"{axes.u(k):.1f},{axes.v(val):.1f}" for k, val in pts)
    svg.append(f'<polyline points="{line}" fill="none" stroke="{COLOURS[0]}" stroke-width="2"/>')
    for k, val in zip(ks, vs, strict=True):
        svg.append(
            f'<circle cx="{axes.u(k):.1f}" cy="{axes.v(val):.1f}" r="3" fill="{COLOURS[0]}"/>'
        )
    svg.append("</svg>")
    return "".join(svg) + "<p>Dashed: the value the sampled raid threatens.</p>"


def _pm(x: dict[str, Any], sign: bool = False) -> str:
    mean = f"{x['mean']:+,.2f}" if sign else f"{x['mean']:,.2f}"
    return mean if x["ci95"] is None else f"{mean} ± {x['ci95']:,.2f}"


def _monte_carlo(mc: dict[str, Any] | None) -> str:
    if not mc:
        return "<h2>Monte Carlo check</h2><p>Not run (<code>--runs 0</code>).</p>"
    names = list(mc["layouts"])
    head = "<tr><th>figure (mean per raid, 95 % CI)</th>" + "".join(
        f"<th>{escape(n)}</th>" for n in names
    )
    head += f"<th>{escape(names[0])} − {escape(names[1])}</th></tr>" if len(names) > 1 else "</tr>"
    body = []
    diff = mc["differences"].get(f"{names[0]} - {names[1]}") if len(names) > 1 else None
    for col, label in FIGURES:
        cells = "".join(f"<td>{_pm(mc['layouts'][n][col])}</td>" for n in names)
        if diff is not None:
            cells += f"<td>{_pm(diff[col], sign=True)}</td>"
        body.append(f"<tr><td style='text-align:left'>{escape(label)}</td>{cells}</tr>")
    return (
        f"<h2>Monte Carlo check</h2><p>The full simulation, {mc['runs']} seeds per layout, "
        "the same raids for both.</p>"
        f"<table>{head}{''.join(body)}</table>"
    )


def _balance(asked: float, have: float) -> str:
    """Rounds asked and had per raid, and whether the layout runs short."""
    short = " (short: the layout defends value per round)" if asked > have else ""
    return f"{asked:,.1f} / {have:,.1f}{short}"
