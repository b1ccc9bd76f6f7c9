r"""The campaign report: one self-contained HTML page of a sweep's results.

For each figure (hits on defended assets, threats leaked, interceptors fired, interceptors
left, the cost exchange: interceptor cost over threat cost), the mean over the seeds at each
grid point against the first varied parameter, one line per combination of the others, with a
95 % confidence band :math:`\bar y \pm 1.96\, s / \sqrt n` (normal approximation over the
seeds). With the raid size as the first parameter, the hits curve is the saturation curve.
Then a table of the mean damage at each defended asset at each point. For campaigns over
days, two more: the share of campaigns in which a battery ran out, and the rounds delivered.
Inline SVG, no script and no external reference, like the run report.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from cupola.campaign.store import connect_runs
from cupola.report.frame import ticks

#: (column or expression, title) of each chart.
FIGURES = (
    ("hits_on_defended_assets", "Hits on defended assets"),
    ("leaked", "Threats bound for defended assets and not intercepted"),
    ("interceptors_fired", "Interceptors fired"),
    ("interceptors_left", "Interceptors left (ready and in stock)"),
    ("interceptor_cost / nullif(threat_cost, 0)", "Cost exchange: interceptor cost / threat cost"),
)
#: Charts added for campaigns over days (a ``sustainment`` section).
SUSTAINMENT = (
    ("CAST(stockouts > 0 AS DOUBLE)", "Share of campaigns in which a battery ran out"),
    ("rounds_delivered", "Rounds delivered to the batteries"),
)
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
W, H, PAD_L, PAD_R, PAD_T, PAD_B = 640, 300, 60, 20, 20, 45


def write_report(out: Path) -> Path:
    """Write ``out/report.html`` from the sweep in ``out``; returns its path."""
    spec = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    paths = [p for p, _ in spec["vary"]]
    con = connect_runs(out)
    try:
        columns = {d[0] for d in con.execute("SELECT * FROM runs LIMIT 0").description}
        figures = FIGURES + (SUSTAINMENT if "stockouts" in columns else ())
        charts = [_chart(con, paths, expr, title) for expr, title in figures]
        charts.append(_damage_table(con, paths))
        n_runs = con.execute("SELECT count(*) FROM runs").fetchone()
    finally:
        con.close()
    grid = ", ".join(f"{escape(p)} = {escape(', '.join(map(str, v)))}" for p, v in spec["vary"])
    page = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            '<head><meta charset="utf-8">',
            f"<title>Cupola campaign: {escape(spec['scenario'])}</title>",
            "<style>body{font-family:sans-serif;max-width:720px;margin:2em auto;color:#222}"
            "svg text{font-size:11px}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>",
            f"<h1>Campaign: {escape(spec['scenario'])}</h1>",
            f"<p>{n_runs[0] if n_runs else 0} runs: seeds 0–{spec['runs'] - 1} at each point"
            + (f" of the grid {grid}" if grid else "")
            + ". Lines: means over the seeds; bands: 95 % confidence intervals.</p>",
            *charts,
            "</body></html>",
        ]
    )
    path = out / "report.html"
    path.write_text(page + "\n", encoding="utf-8")
    return path


def _chart(con: Any, paths: list[str], expr: str, title: str) -> str:
    if not paths:
        row = con.execute(f"SELECT avg({expr}), stddev_samp({expr}), count(*) FROM runs").fetchone()
        return (
            f"<h2>{escape(title)}</h2><p>mean {row[0]:.4g} (s.d. {row[1] or 0:.3g}, n {row[2]})</p>"
        )
    x = paths[0]
    rest = paths[1:]
    keys = ", ".join(f'"{p}"' for p in [x, *rest])
    rows = con.execute(
        f"SELECT {keys}, avg({expr}), stddev_samp({expr}), count(*) FROM runs "
        f"GROUP BY ALL ORDER BY {keys}"
    ).fetchall()
    series: dict[tuple[Any, ...], list[tuple[float, float, float]]] = {}
    for r in rows:
        xv, others, mean, sd, n = r[0], tuple(r[1 : 1 + len(rest)]), r[-3], r[-2], r[-1]
        if mean is None or not isinstance(xv, int | float):
            continue
        half = 1.96 * (sd or 0.0) / np.sqrt(max(n, 1))
        series.setdefault(others, []).append((float(xv), float(mean), float(half)))
    if not series:
        return f"<h2>{escape(title)}</h2><p>(the first varied parameter is not a number)</p>"
    xs = np.array([p[0] for s in series.values() for p in s])
    lo_y = min(p[1] - p[2] for s in series.values() for p in s)
    hi_y = max(p[1] + p[2] for s in series.values() for p in s)
    lo_y, hi_y = min(lo_y, 0.0), hi_y if hi_y > lo_y else lo_y + 1.0
    x0, x1 = float(xs.min()), float(xs.max()) if xs.max() > xs.min() else float(xs.min()) + 1.0

    def u(v: float) -> float:
        return PAD_L + (v - x0) / (x1 - x0) * (W - PAD_L - PAD_R)

    def w(v: float) -> float:
        return H - PAD_B - (v - lo_y) / (hi_y - lo_y) * (H - PAD_T - PAD_B)

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" role="img">']
    for t in ticks(lo_y, hi_y, 5):
        svg.append(
            f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{w(t):.1f}" y2="{w(t):.1f}" stroke="#ddd"/>'
        )
        svg.append(f'<text x="{PAD_L - 6}" y="{w(t) + 4:.1f}" text-anchor="end">{t:g}</text>')
    for t in ticks(x0, x1, 6):
        svg.append(f'<text x="{u(t):.1f}" y="{H - PAD_B + 16}" text-anchor="middle">{t:g}</text>')
    svg.append(
        f'<text x="{(PAD_L + W - PAD_R) / 2}" y="{H - 8}" text-anchor="middle">{escape(x)}</text>'
    )
    legend = []
    for k, (others, pts) in enumerate(sorted(series.items(), key=lambda kv: str(kv[0]))):
        colour = COLOURS[k % len(COLOURS)]
        pts.sort()
        upper = " ".join(f"{u(a):.1f},{w(m + h):.1f}" for a, m, h in pts)
        lower = " ".join(f"{u(a):.1f},{w(m - h):.1f}" for a, m, h in reversed(pts))
        svg.append(f'<polygon points="{upper} {lower}" fill="{colour}" fill-opacity="0.15"/>')
        line = " ".join(f"{u(a):.1f},{w(m):.1f}" for a, m, _ in pts)
        svg.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for a, m, _ in pts:
            svg.append(f'<circle cx="{u(a):.1f}" cy="{w(m):.1f}" r="3" fill="{colour}"/>')
        if rest:
            label = ", ".join(f"{p} = {v}" for p, v in zip(rest, others, strict=True))
            legend.append(f'<span style="color:{colour}">■</span> {escape(label)}')
    svg.append("</svg>")
    return (
        f"<h2>{escape(title)}</h2>"
        + "".join(svg)
        + ("<p>" + " &nbsp; ".join(legend) + "</p>" if legend else "")
    )


def _damage_table(con: Any, paths: list[str]) -> str:
    """Mean damage at each defended asset at each grid point."""
    columns = [d[0] for d in con.execute("SELECT * FROM runs LIMIT 0").description]
    assets = [c for c in columns if c.startswith("damage:")]
    if not assets:
        return ""
    keys = ", ".join(f'"{p}"' for p in paths)
    means = ", ".join(f'avg("{a}")' for a in assets)
    sql = f"SELECT {keys + ', ' if keys else ''}{means} FROM runs"
    if keys:
        sql += f" GROUP BY ALL ORDER BY {keys}"
    rows = con.execute(sql).fetchall()
    head = "".join(f"<th>{escape(h)}</th>" for h in [*paths, *(a[7:] for a in assets)])
    body = "".join(
        "<tr>"
        + "".join(f"<td>{escape(str(v))}</td>" for v in r[: len(paths)])
        + "".join(f"<td>{v:,.0f}</td>" for v in r[len(paths) :])
        + "</tr>"
        for r in rows
    )
    return (
        "<h2>Damage by asset</h2><p>Mean over the seeds of the value lost at each defended "
        f"asset.</p><table><tr>{head}</tr>{body}</table>"
    )
