r"""The timeline: cumulative counts of what happened, against scenario time.

For event times :math:`t_1 \le \dots \le t_n` the cumulative count is the right-continuous step
function :math:`C(t) = \#\{i : t_i \le t\}`. It is drawn exactly as the staircase through
:math:`(t_\text{lo}, 0), (t_1, 0), (t_1, 1), (t_2, 1), \dots, (t_n, n), (t_\text{hi}, n)`, or,
when there are more than ``max_steps`` events, sampled as :math:`C` on a regular grid of
``max_steps`` times (``numpy.searchsorted`` with ``side="right"``), which is within one grid cell
of the exact curve and keeps the page small.

Series: threats launched (the threat table's ``launch_time``), intercepts, impacts on open ground,
impacts on defended assets (impacts of threats whose outcome is ``hit``), interceptors launched
and alerts (events of those kinds).
"""

from __future__ import annotations

from html import escape

import numpy as np
from numpy.typing import NDArray

from cupola.report.base import ReportInputs
from cupola.report.frame import nice_step, ticks
from cupola.report.paths import point_strings
from cupola.report.style import INTERCEPTOR_COLOUR, OUTCOME_COLOURS, ZONE_COLOUR, as_str, outcome_of

FloatArray = NDArray[np.float64]

LEFT = 64.0
TOP = 16.0
WIDTH = 860.0
HEIGHT = 300.0
LEGEND_WIDTH = 250.0


def step_points(
    times: FloatArray, t_lo: float, t_hi: float, *, max_steps: int = 2000
) -> tuple[FloatArray, FloatArray]:
    """Vertices of the cumulative-count staircase of ``times`` over ``[t_lo, t_hi]``.

    Parameters
    ----------
    times : (n,) float64
        Event times, s, any order; non-finite ones are dropped.
    t_lo, t_hi : float
        Time span drawn, s (``t_lo <= min(times)``, ``t_hi >= max(times)``).
    max_steps : int
        Above this many events the count is sampled on a grid of this many times.

    Returns
    -------
    t, count : (V,) float64
        Vertices: time, s, and cumulative count.
    """
    t = np.sort(np.asarray(times, dtype=np.float64))
    t = t[np.isfinite(t)]
    n = t.size
    if n > max_steps:
        grid = np.linspace(t_lo, t_hi, max_steps)
        return grid, np.searchsorted(t, grid, side="right").astype(np.float64)
    xs = np.concatenate(([t_lo], np.repeat(t, 2), [t_hi]))
    ys = np.repeat(np.arange(n + 1, dtype=np.float64), 2)
    return xs, ys


def _event_times(inputs: ReportInputs) -> dict[str, FloatArray]:
    ev = inputs.events
    n = len(ev.get("time", ()))
    time = np.asarray(ev.get("time", np.zeros(0)), dtype=np.float64)
    kind = as_str(ev.get("kind"), n)
    tid = np.asarray(ev.get("threat_id", np.full(n, -1)), dtype=np.int64)
    impact = kind == "impact"
    hit = impact & (outcome_of(inputs.threats, tid) == "hit")
    if "launch_time" in inputs.threats:
        launched = np.asarray(inputs.threats["launch_time"], dtype=np.float64)
    else:
        launched = time[kind == "launch"]
    return {
        "threats launched": launched,
        "intercepted": time[kind == "intercept"],
        "impacts, open ground": time[impact & ~hit],
        "impacts on defended assets": time[hit],
        "interceptors launched": time[kind == "interceptor_launch"],
        "alerts": time[kind == "alert"],
    }


_COLOURS = {
    "threats launched": "#222222",
    "intercepted": OUTCOME_COLOURS["intercepted"],
    "impacts, open ground": OUTCOME_COLOURS["open_ground"],
    "impacts on defended assets": OUTCOME_COLOURS["hit"],
    "interceptors launched": INTERCEPTOR_COLOUR,
    "alerts": ZONE_COLOUR,
}


def render_timeline(inputs: ReportInputs) -> str:
    """The cumulative-count timeline of a run as an inline ``<svg>`` element.

    Parameters
    ----------
    inputs : ReportInputs
        The run's threat table, events and truth (for the end time).

    Returns
    -------
    str
        ``<svg>…</svg>``, deterministic for given inputs.
    """
    series = _event_times(inputs)
    finite = [t[np.isfinite(t)] for t in series.values()]
    truth_t = np.asarray(inputs.truth.get("time", np.zeros(0)), dtype=np.float64)
    all_t = np.concatenate([*finite, truth_t[np.isfinite(truth_t)], [0.0]])
    t_lo, t_hi = min(0.0, float(all_t.min())), float(all_t.max())
    if t_hi <= t_lo:
        t_hi = t_lo + 1.0
    n_max = max(1, *(t.size for t in finite))
    y_hi = float(np.ceil(n_max / nice_step(n_max, 5)) * nice_step(n_max, 5))

    def ux(t: FloatArray) -> FloatArray:
        return LEFT + WIDTH * (t - t_lo) / (t_hi - t_lo)

    def vy(c: FloatArray) -> FloatArray:
        return TOP + HEIGHT * (1.0 - c / y_hi)

    bottom, right = TOP + HEIGHT, LEFT + WIDTH
    total_w, total_h = LEFT + WIDTH + LEGEND_WIDTH, TOP + HEIGHT + 44
    out = [
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total_w:.0f} '
        f'{total_h:.0f}" width="{total_w:.0f}" height="{total_h:.0f}" role="img" '
        'aria-label="Cumulative counts over time">',
        f'<rect class="map-bg" x="{LEFT}" y="{TOP}" width="{WIDTH}" height="{HEIGHT}"/>',
    ]
    for t in ticks(t_lo, t_hi, 10).tolist():
        u = float(ux(np.array([t]))[0])
        out.append(f'<line class="grid" x1="{u:.1f}" y1="{TOP}" x2="{u:.1f}" y2="{bottom}"/>')
        out.append(f'<text class="tick" x="{u:.1f}" y="{bottom + 15:.1f}">{t:g}</text>')
    for c in ticks(0.0, y_hi, 5).tolist():
        v = float(vy(np.array([c]))[0])
        out.append(f'<line class="grid" x1="{LEFT}" y1="{v:.1f}" x2="{right}" y2="{v:.1f}"/>')
        out.append(f'<text class="tick end" x="{LEFT - 5}" y="{v + 4:.1f}">{c:g}</text>')
    out.append(
        f'<text class="axis-title" x="{LEFT + WIDTH / 2:.1f}" y="{bottom + 34:.1f}">'
        "time since scenario start (s)</text>"
    )
    out.append(
        f'<text class="axis-title" transform="translate({LEFT - 44} {TOP + HEIGHT / 2:.1f}) '
        'rotate(-90)">cumulative count</text>'
    )
    legend = [f'<g class="legend" transform="translate({right + 20:.1f} {TOP + 12:.1f})">']
    for i, (name, times) in enumerate(series.items()):
        xs, ys = step_points(times, t_lo, t_hi)
        colour = _COLOURS[name]
        out.append(
            f'<polyline class="series" data-name="{escape(name)}" stroke="{colour}" '
            f'points="{" ".join(point_strings(ux(xs), vy(ys)))}"/>'
        )
        count = int(np.count_nonzero(np.isfinite(times)))
        legend.append(
            f'<g transform="translate(0 {i * 20})"><line x1="0" y1="0" x2="22" y2="0" '
            f'stroke="{colour}" stroke-width="2.5"/><text class="start" x="30" y="4">'
            f"{escape(name)} ({count})</text></g>"
        )
    out.append(f'<rect class="map-frame" x="{LEFT}" y="{TOP}" width="{WIDTH}" height="{HEIGHT}"/>')
    out += [*legend, "</g>", "</svg>"]
    return "\n".join(out)


__all__ = ["render_timeline", "step_points"]
