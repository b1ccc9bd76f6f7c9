"""The sustainment report: one self-contained HTML page of a campaign over days.

The campaign's figures, when and where stock ran out, the rounds each battery and the depot
held over time (a step line, raids marked), what each raid leaked, and one row per raid.
Inline SVG, no script and no external reference, like the run and sweep reports.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.campaign.report import COLOURS
from cupola.campaign.sustain import SustainResult, clock
from cupola.report.frame import ChartAxes

#: (key of the totals, label) shown at the top.
FIGURES = (
    ("raids", "raids"),
    ("threats", "threats launched"),
    ("leaked", "leaked (bound for assets, not intercepted)"),
    ("hits_on_defended_assets", "hits on defended assets"),
    ("damage_value", "damage (asset value)"),
    ("interceptors_fired", "interceptors fired"),
    ("interceptor_cost", "interceptor cost (USD)"),
    ("threat_cost", "threat cost (USD)"),
    ("rounds_produced", "rounds produced"),
    ("rounds_delivered", "rounds delivered to batteries"),
    ("interceptors_left", "rounds left at the batteries"),
    ("depot_left", "rounds left at the depot"),
    ("stockouts", "times a battery ran out"),
)

#: Columns of the per-raid table: (key, heading).
RAID_COLUMNS = (
    ("threats", "threats"),
    ("interceptors_fired", "fired"),
    ("intercepted", "intercepted"),
    ("leaked", "leaked"),
    ("hits_on_defended_assets", "hits"),
    ("rounds_before", "rounds before"),
    ("rounds_after", "rounds after"),
    ("depot", "depot before"),
)


def render_sustainment(r: SustainResult) -> str:
    """The report page of campaign ``r``."""
    t = r.totals
    figures = "".join(
        f"<tr><th style='text-align:left'>{escape(label)}</th><td>{t[key]:,.0f}</td></tr>"
        for key, label in FIGURES
    )
    outs = (
        "<ul>"
        + "".join(
            f"<li>{escape(s['battery'])} ran out of interceptors on {s['when']} "
            f"(raid {s['raid']})</li>"
            for s in r.stockouts
        )
        + "</ul>"
        if r.stockouts
        else "<p>No battery ran out of interceptors.</p>"
    )
    if np.isfinite(r.depot_short_h):
        outs += (
            f"<p>The depot first fell short of the batteries' needs on {clock(r.depot_short_h)}."
            "</p>"
        )
    page = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        f"<title>Cupola sustainment: {escape(r.scenario)}</title>",
        "<style>body{font-family:sans-serif;max-width:760px;margin:2em auto;color:#222}"
        "svg text{font-size:11px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>",
        f"<h1>Sustainment: {escape(r.scenario)}</h1>",
        f"<p>{r.days:g} day{'' if r.days == 1 else 's'}, {t['raids']} raids, seed {r.seed}.</p>",
        f"<table>{figures}</table>",
        "<h2>Stock-outs</h2>",
        outs,
        "<h2>Rounds held</h2><p>On each battery's launchers and in its stock, and at the depot; "
        "grey ticks: raids.</p>",
        _stock_chart(r),
        "<h2>Leaks per raid</h2>",
        _leak_chart(r),
        "<h2>Raids</h2>",
        _raid_table(r),
        "</body></html>",
    ]
    return "\n".join(page) + "\n"


def _stock_chart(r: SustainResult) -> str:
    s = r.stock
    holders = [*r.battery_names, "depot"]
    axes = ChartAxes(0.0, r.days, 0.0, float(np.max(s["rounds"], initial=1)))
    svg = axes.frame("days from campaign start")
    for t in r.raids["time_h"]:
        x = axes.u(float(t) / 24)
        svg.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{axes.v(0):.1f}" y2="{axes.v(0) - 8:.1f}" '
            'stroke="#999"/>'
        )
    legend = []
    for k, name in enumerate(holders):
        sel = s["holder"] == name
        pts = _steps(s["time_h"][sel] / 24, s["rounds"][sel])
        colour = "#555" if name == "depot" else COLOURS[k % len(COLOURS)]
        dash = ' stroke-dasharray="5,3"' if name == "depot" else ""
        line = " ".join(f"{axes.u(x):.1f},{axes.v(y):.1f}" for x, y in pts)
        svg.append(
            f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.6"{dash}/>'
        )
        legend.append(f'<span style="color:{colour}">■</span> {escape(name)}')
    svg.append("</svg>")
    return "".join(svg) + "<p>" + " &nbsp; ".join(legend) + "</p>"


def _steps(t: NDArray[Any], y: NDArray[Any]) -> list[tuple[float, float]]:
    """A step line through ``(t, y)`` (each value holds until the next time)."""
    order = np.argsort(t, kind="stable")
    pts: list[tuple[float, float]] = []
    for a, b in zip(t[order], y[order], strict=True):
        if pts:
            pts.append((float(a), pts[-1][1]))
        pts.append((float(a), float(b)))
    return pts


def _leak_chart(r: SustainResult) -> str:
    raids = r.raids
    top = float(np.max(raids["threatening"], initial=1))
    axes = ChartAxes(0.0, r.days, 0.0, top)
    svg = axes.frame("days from campaign start")
    span = axes.u(axes.x1) - axes.u(axes.x0)
    width = max(2.0, min(12.0, span / max(len(raids["raid"]), 1) * 0.4))
    for t, threatening, leaked in zip(
        raids["time_h"], raids["threatening"], raids["leaked"], strict=True
    ):
        x = axes.u(float(t) / 24)
        for value, colour in ((threatening, "#9ecae1"), (leaked, "#d62728")):
            y = axes.v(float(value))
            svg.append(
                f'<rect x="{x - width / 2:.1f}" y="{y:.1f}" width="{width:.1f}" '
                f'height="{axes.v(0) - y:.1f}" fill="{colour}"/>'
            )
    svg.append("</svg>")
    return (
        "".join(svg) + '<p><span style="color:#9ecae1">■</span> bound for defended assets &nbsp; '
        '<span style="color:#d62728">■</span> leaked</p>'
    )


def _raid_table(r: SustainResult) -> str:
    raids = r.raids
    head = "<tr><th>raid</th><th>start</th>" + "".join(
        f"<th>{escape(h)}</th>" for _, h in RAID_COLUMNS
    )
    body = []
    for i in range(len(raids["raid"])):
        cells = "".join(f"<td>{raids[k][i]:,.0f}</td>" for k, _ in RAID_COLUMNS)
        body.append(
            f"<tr><td>{raids['raid'][i]}</td><td>{clock(float(raids['time_h'][i]))}</td>"
            f"{cells}</tr>"
        )
    return f"<table>{head}</tr>{''.join(body)}</table>"
