"""The report's HTML tables: key figures, hits per defended asset, and an events excerpt.

Every piece of text that comes from the inputs (names, keys, details) goes through
:func:`html.escape`. Figures whose key names a cost (and not a ratio) are printed as dollars.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cupola.report.base import SceneShape
from cupola.report.style import as_str

#: Summary keys shown first, in this order; any other key follows in its given order.
SUMMARY_ORDER: tuple[str, ...] = (
    "threats",
    "threatening",
    "engaged",
    "intercepted",
    "leaked",
    "hits_on_defended_assets",
    "interceptors_fired",
    "interceptor_cost",
    "threat_cost",
    "alerts_issued",
)
#: Event kinds of the events excerpt.
ENGAGEMENT_KINDS: tuple[str, ...] = (
    "engagement",
    "interceptor_launch",
    "intercept",
    "miss",
    "impact",
    "alert",
)


def _is_money(key: str) -> bool:
    k = key.lower()
    return "cost" in k and "ratio" not in k


def format_value(key: str, value: Any) -> str:
    """A summary value as escaped text (``$`` with thousands separators for costs)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and _is_money(key):
        if not math.isfinite(value):
            return escape(str(value))
        sign = "-" if value < 0 else ""
        return f"{sign}${abs(value):,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return escape(str(value))
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.4g}" if abs(value) >= 1 else f"{value:.3g}"
    if isinstance(value, dict):
        return "; ".join(f"{escape(str(k))}: {format_value(str(k), v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(format_value(key, v) for v in value)
    return escape(str(value))


_UNIT_SUFFIXES = {"_s": "s", "_m": "m", "_km": "km", "_mps": "m/s", "_pct": "%"}


def _label(key: str) -> str:
    """``mean_warning_time_s`` -> ``Mean warning time (s)``."""
    unit = ""
    for suffix, name in _UNIT_SUFFIXES.items():
        if key.endswith(suffix) and len(key) > len(suffix):
            key, unit = key[: -len(suffix)], f" ({name})"
            break
    return escape(key.replace("_", " ").strip().capitalize() + unit)


def summary_table(summary: dict[str, Any]) -> str:
    """The key figures of ``summary.json`` as a two-column table (``hits_per_asset`` left out)."""
    keys = [k for k in SUMMARY_ORDER if k in summary]
    keys += [k for k in summary if k not in SUMMARY_ORDER and k != "hits_per_asset"]
    rows = [
        f'<tr><th scope="row">{_label(k)}</th><td class="num" data-key="{escape(k)}">'
        f"{format_value(k, summary[k])}</td></tr>"
        for k in keys
    ]
    if not rows:
        rows = ['<tr><td colspan="2">No summary figures.</td></tr>']
    return '<table class="summary"><tbody>' + "".join(rows) + "</tbody></table>"


def assets_table(assets: list[SceneShape], summary: dict[str, Any]) -> str:
    """Hits per defended asset, with kind and value; most-hit first, then in scene order.

    Hit counts come from ``summary["hits_per_asset"]`` where it names the asset, otherwise
    from the asset's ``hits``. Names only in the summary are listed too.
    """
    per_asset = summary.get("hits_per_asset")
    counts: dict[str, Any] = dict(per_asset) if isinstance(per_asset, dict) else {}
    rows: list[tuple[str, str, float | None, int]] = []
    for a in assets:
        rows.append((a.name, a.kind, a.value, int(counts.get(a.name, a.hits))))
    known = {a.name for a in assets}
    rows += [(str(n), "", None, int(c)) for n, c in counts.items() if n not in known]
    rows.sort(key=lambda r: -r[3])  # stable: ties keep scene order
    body = []
    for name, kind, value, hits in rows:
        cls = ' class="hit"' if hits > 0 else ""
        val = "–" if value is None else format_value("value", float(value))
        body.append(
            f"<tr{cls}><td>{escape(name)}</td><td>{escape(kind)}</td>"
            f'<td class="num">{val}</td><td class="num">{hits:,}</td></tr>'
        )
    total_hits = sum(r[3] for r in rows)
    value_hit = sum(r[2] for r in rows if r[3] > 0 and r[2] is not None)
    if not body:
        body = ['<tr><td colspan="4">No defended assets.</td></tr>']
    return (
        '<table class="assets"><thead><tr><th>Asset</th><th>Kind</th><th>Value</th>'
        f"<th>Hits</th></tr></thead><tbody>{''.join(body)}</tbody><tfoot><tr>"
        f'<th colspan="2">Total (value of assets hit)</th>'
        f'<td class="num">{format_value("value", float(value_hit))}</td>'
        f'<td class="num">{total_hits:,}</td></tr></tfoot></table>'
    )


def _col(events: dict[str, NDArray[Any]], name: str, n: int, fill: Any) -> NDArray[Any]:
    col = events.get(name)
    return np.full(n, fill) if col is None else np.asarray(col)


def events_table(events: dict[str, NDArray[Any]], limit: int = 200) -> tuple[str, int, int]:
    """The first ``limit`` engagement-related events, in time order.

    Parameters
    ----------
    events : dict of (E,) arrays
        Columns of ``events.parquet`` (see :class:`cupola.report.base.ReportInputs`).
    limit : int
        Rows shown.

    Returns
    -------
    html : str
        The table (or a sentence when there is no such event).
    shown, omitted : int
        Rows shown and rows left out.
    """
    n = len(events.get("time", ()))
    kind = as_str(events.get("kind"), n)
    time = _col(events, "time", n, np.nan).astype(np.float64)
    sel = np.flatnonzero(np.isin(kind, ENGAGEMENT_KINDS))
    sel = sel[np.argsort(time[sel], kind="stable")]
    total = sel.size
    sel = sel[:limit]
    if total == 0:
        return '<p class="note">No engagement-related events in this run.</p>', 0, 0
    ids = {c: _col(events, c, n, -1).astype(np.int64)[sel] for c in ("threat_id", "track_id")}
    ids["unit_id"] = _col(events, "unit_id", n, -1).astype(np.int64)[sel]
    ids["zone_id"] = _col(events, "zone_id", n, -1).astype(np.int64)[sel]
    x = _col(events, "x_m", n, np.nan).astype(np.float64)[sel] / 1000.0
    y = _col(events, "y_m", n, np.nan).astype(np.float64)[sel] / 1000.0
    detail = as_str(events.get("detail"), n)[sel]
    id_cols = ("threat_id", "track_id", "unit_id", "zone_id")
    body = []
    for i in range(sel.size):
        cells = "".join(
            f'<td class="num">{v if (v := int(ids[c][i])) >= 0 else ""}</td>' for c in id_cols
        )
        pos = f"{x[i]:.2f}, {y[i]:.2f}" if np.isfinite(x[i]) and np.isfinite(y[i]) else ""
        k = str(kind[sel[i]])
        body.append(
            f'<tr class="ev-{escape(k)}"><td class="num">{time[sel[i]]:.2f}</td>'
            f"<td>{escape(k)}</td>{cells}"
            f'<td class="num">{pos}</td><td>{escape(str(detail[i]))}</td></tr>'
        )
    head = (
        "<thead><tr><th>Time (s)</th><th>Kind</th><th>Threat</th><th>Track</th><th>Unit</th>"
        "<th>Zone</th><th>E, N (km)</th><th>Detail</th></tr></thead>"
    )
    html = f'<table class="events">{head}<tbody>{"".join(body)}</tbody></table>'
    return html, int(sel.size), int(total - sel.size)
