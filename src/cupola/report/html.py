"""The run report: one self-contained HTML page (inline CSS and SVG, no script, no network).

Sections: header (title, description, seed), key figures and hits per defended asset, the map
(:mod:`cupola.report.svg_map`), the timeline (:mod:`cupola.report.timeline`) and an excerpt of the
engagement-related events (:mod:`cupola.report.tables`). The page is a pure function of its
inputs: the same inputs give the identical string.
"""

from __future__ import annotations

from html import escape

from cupola.report.base import ReportInputs
from cupola.report.style import (
    BATTERY_COLOUR,
    HIT_COLOUR,
    OUTCOME_COLOURS,
    RADAR_COLOUR,
    ZONE_COLOUR,
)
from cupola.report.svg_map import render_map
from cupola.report.tables import assets_table, events_table, summary_table
from cupola.report.timeline import render_timeline

EVENT_LIMIT = 200

_CSS = f"""
body {{ font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1d2329; background: #f4f5f7; margin: 0; }}
main, header {{ max-width: 1200px; margin: 0 auto; padding: 0 16px; }}
header {{ padding-top: 18px; }}
h1 {{ font-size: 24px; margin: 0 0 4px; }}
h2 {{ font-size: 18px; margin: 26px 0 8px; border-bottom: 1px solid #d5d9de;
  padding-bottom: 4px; }}
.meta {{ color: #5a6570; margin: 0; }}
.desc {{ white-space: pre-line; margin: 6px 0 0; max-width: 900px; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }}
.card {{ background: #fff; border: 1px solid #d5d9de; border-radius: 6px; padding: 10px 14px; }}
.card h3 {{ font-size: 15px; margin: 0 0 6px; }}
table {{ border-collapse: collapse; }}
th, td {{ padding: 3px 10px; text-align: left; vertical-align: top; }}
tbody tr:nth-child(even) {{ background: #f6f7f9; }}
thead th, tfoot th, tfoot td {{ border-bottom: 1px solid #c9ced4; font-weight: 600; }}
tfoot th, tfoot td {{ border-top: 1px solid #c9ced4; border-bottom: none; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
table.summary th {{ font-weight: 500; color: #3a444e; }}
tr.hit td {{ color: {HIT_COLOUR}; font-weight: 600; }}
table.events {{ font-size: 12.5px; background: #fff; border: 1px solid #d5d9de; }}
tr.ev-intercept td:nth-child(2) {{ color: {OUTCOME_COLOURS["intercepted"]}; }}
tr.ev-impact td:nth-child(2), tr.ev-miss td:nth-child(2) {{ color: {HIT_COLOUR}; }}
tr.ev-alert td:nth-child(2) {{ color: {ZONE_COLOUR}; }}
.note {{ color: #5a6570; }}
.figure {{ background: #fff; border: 1px solid #d5d9de; border-radius: 6px; padding: 6px;
  overflow-x: auto; }}
svg {{ display: block; font-size: 11px; max-width: 100%; height: auto; }}
svg text {{ fill: #1d2329; text-anchor: middle; }}
svg text.start {{ text-anchor: start; }}
svg text.end {{ text-anchor: end; }}
svg text.small {{ font-size: 10px; }}
svg .map-bg {{ fill: #fbfbf8; }}
svg .map-frame {{ fill: none; stroke: #6b747d; }}
svg .grid {{ stroke: #e3e6e9; stroke-width: 1; }}
svg .tick {{ fill: #5a6570; }}
svg .axis-title {{ fill: #3a444e; font-size: 12px; }}
svg .zone {{ fill: none; stroke: {ZONE_COLOUR}; stroke-width: 0.8; }}
svg .zone.alerted {{ fill: {ZONE_COLOUR}; fill-opacity: 0.16; }}
svg .asset {{ fill-opacity: 0.45; stroke: #2b3640; stroke-width: 1; }}
svg .asset.hit {{ stroke: {HIT_COLOUR}; stroke-width: 2.5; fill-opacity: 0.6; }}
svg .cov {{ fill: none; stroke-width: 1.2; }}
svg .cov.radar {{ stroke: {RADAR_COLOUR}; stroke-dasharray: 7 5; }}
svg .cov.battery {{ stroke: {BATTERY_COLOUR}; stroke-dasharray: 2 4; stroke-opacity: 0.7; }}
svg .interceptor {{ fill: none; stroke-width: 0.8; stroke-opacity: 0.75; }}
svg .threat {{ fill: none; stroke-width: 1.3; stroke-opacity: 0.7;
  stroke-linejoin: round; stroke-linecap: round; }}
svg .series {{ fill: none; stroke-width: 2; stroke-linejoin: round; }}
svg .impact {{ fill: none; stroke: #4d4d4d; stroke-width: 1.6; }}
svg .impact.hit {{ stroke: {HIT_COLOUR}; stroke-width: 2.2; }}
svg .intercept {{ fill: {OUTCOME_COLOURS["intercepted"]}; stroke: #fff; stroke-width: 1; }}
svg .site.radar {{ fill: {RADAR_COLOUR}; stroke: #fff; stroke-width: 1; }}
svg .site.battery {{ fill: {BATTERY_COLOUR}; stroke: #fff; stroke-width: 1; }}
svg .site.launcher {{ fill: #fff; stroke: {BATTERY_COLOUR}; stroke-width: 1.5; }}
svg .site.other {{ fill: #777; }}
svg .lbl {{ paint-order: stroke; stroke: #fbfbf8; stroke-width: 3px; stroke-linejoin: round; }}
svg .asset-lbl {{ font-weight: 600; }}
svg .asset-lbl.hit {{ fill: {HIT_COLOUR}; }}
svg .zone-lbl {{ fill: #a56400; font-size: 10px; }}
svg .site-lbl {{ fill: #2b3640; }}
svg .sb-bg {{ fill: #fff; fill-opacity: 0.85; }}
svg .sb-dark {{ fill: #2b3640; }}
svg .sb-light {{ fill: #fff; stroke: #2b3640; }}
svg .north path {{ fill: #2b3640; }}
svg .north text {{ font-weight: 700; font-size: 13px; }}
footer {{ max-width: 1200px; margin: 24px auto; padding: 0 16px; color: #7a848e;
  font-size: 12px; }}
"""


def render(inputs: ReportInputs) -> str:
    """The run report as one self-contained HTML page.

    Parameters
    ----------
    inputs : ReportInputs
        Scene geometry and the run's tables, in the local frame (m).

    Returns
    -------
    str
        A complete HTML5 document: inline CSS and SVG, no script and no external reference
        (the only URL in it is the SVG namespace). Deterministic: the same inputs give the
        identical string.
    """
    title = escape(inputs.title)
    events_html, shown, omitted = events_table(inputs.events, EVENT_LIMIT)
    if omitted:
        events_note = (
            f"The first {shown:,} engagement-related events (engagement, interceptor launch, "
            f"intercept, miss, impact, alert); {omitted:,} more omitted."
        )
    else:
        events_note = f"All {shown:,} engagement-related events of the run."
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Cupola run report: {title}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{title}</h1>",
        f'<p class="meta">Cupola run report · seed {int(inputs.seed)}</p>',
        f'<p class="desc">{escape(inputs.description)}</p>',
        "</header>",
        "<main>",
        '<section id="summary"><h2>Summary</h2><div class="cards">',
        f'<div class="card"><h3>Key figures</h3>{summary_table(inputs.summary)}</div>',
        '<div class="card"><h3>Hits per defended asset</h3>'
        f"{assets_table(inputs.assets, inputs.summary)}</div>",
        "</div></section>",
        '<section id="map"><h2>Map</h2>',
        '<p class="note">Ground tracks in the local frame (km east and north of the scenario '
        "origin); threats coloured by outcome.</p>",
        f'<div class="figure">{render_map(inputs)}</div></section>',
        '<section id="timeline"><h2>Timeline</h2>',
        f'<div class="figure">{render_timeline(inputs)}</div></section>',
        '<section id="events"><h2>Events</h2>',
        f'<p class="note">{events_note}</p>',
        events_html,
        "</section>",
        "</main>",
        "<footer>Simulation with public, generic parameters. Generated by Cupola.</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"
