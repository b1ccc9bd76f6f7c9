r"""The map's drawing frame: local meters to SVG pixels at one scale on both axes.

The plot area is ``width × height`` px with its top-left corner at ``(left, top)``. A point
``(x, y)`` in the local frame (m east, m north) is drawn at

.. math::

    u = \text{left} + s\,(x - x_0), \qquad v = \text{top} + s\,(y_1 - y),

with ``s`` px per meter the same on both axes (equal aspect), ``x_0`` the east coordinate of
the left edge and ``y_1`` the north coordinate of the top edge. The view is fitted to a
bounding box with a margin; if the box's aspect does not fit the allowed plot height, the short
side of the box is widened around its centre so that the aspect stays equal.

Axis ticks use the 1-2-5 rule: the step is the smallest of :math:`\{1, 2, 5\} \times 10^k`
that gives at most ``target`` intervals over the span (a variant of the "nice numbers" for
graph labels of P. Heckbert, *Graphics Gems*, 1990, rounding the step up instead of to nearest).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class MapFrame:
    """Equal-aspect transform from the local frame (m) to SVG pixels.

    Attributes
    ----------
    x0 : float
        East coordinate of the plot area's left edge, m.
    y1 : float
        North coordinate of the plot area's top edge, m.
    scale : float
        Pixels per meter, both axes.
    left, top : float
        Position of the plot area in the SVG, px.
    width, height : float
        Size of the plot area, px.
    """

    x0: float
    y1: float
    scale: float
    left: float
    top: float
    width: float
    height: float

    def to_px(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Pixel coordinates of local points.

        Parameters
        ----------
        x, y : (M,) float64
            East and north, m.

        Returns
        -------
        u, v : (M,) float64
            SVG pixel coordinates (``v`` grows downwards).
        """
        u = self.left + self.scale * (np.asarray(x, dtype=np.float64) - self.x0)
        v = self.top + self.scale * (self.y1 - np.asarray(y, dtype=np.float64))
        return u, v

    @property
    def x1(self) -> float:
        """East coordinate of the right edge, m."""
        return self.x0 + self.width / self.scale

    @property
    def y0(self) -> float:
        """North coordinate of the bottom edge, m."""
        return self.y1 - self.height / self.scale


def fit_frame(
    x: FloatArray,
    y: FloatArray,
    *,
    width: float,
    min_height: float,
    max_height: float,
    left: float,
    top: float,
    margin: float = 0.06,
    min_span_m: float = 2_000.0,
) -> MapFrame:
    """Fit an equal-aspect view around points.

    Parameters
    ----------
    x, y : (M,) float64
        East and north of everything the view must show, m; non-finite entries are ignored.
        With no finite point the view is centred on the origin.
    width : float
        Plot area width, px.
    min_height, max_height : float
        Bounds on the plot area height, px.
    left, top : float
        Position of the plot area in the SVG, px.
    margin : float
        Margin added on each side, as a fraction of the larger span.
    min_span_m : float
        Smallest span shown, m (a single point still gets a readable view).

    Returns
    -------
    MapFrame
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.any():
        xmin, xmax = float(x[ok].min()), float(x[ok].max())
        ymin, ymax = float(y[ok].min()), float(y[ok].max())
    else:
        xmin = xmax = ymin = ymax = 0.0
    pad = margin * max(xmax - xmin, ymax - ymin, min_span_m)
    cx, cy = 0.5 * (xmin + xmax), 0.5 * (ymin + ymax)
    dx = max(xmax - xmin, min_span_m) + 2.0 * pad
    dy = max(ymax - ymin, min_span_m) + 2.0 * pad
    height = min(max(width * dy / dx, min_height), max_height)
    # widen the short side so that both axes have the same scale
    scale = min(width / dx, height / dy)
    dx, dy = width / scale, height / scale
    return MapFrame(
        x0=cx - 0.5 * dx,
        y1=cy + 0.5 * dy,
        scale=scale,
        left=left,
        top=top,
        width=width,
        height=height,
    )


def nice_step(span: float, target: int) -> float:
    """Smallest 1-2-5 step giving at most ``target`` intervals over ``span`` (> 0)."""
    if not math.isfinite(span) or span <= 0.0:
        return 1.0
    raw = span / max(target, 1)
    base = 10.0 ** math.floor(math.log10(raw))
    for mult in (1.0, 2.0, 5.0, 10.0):
        if mult * base >= raw * (1.0 - 1e-9):
            return mult * base
    return 10.0 * base  # pragma: no cover - the loop always returns


def ticks(lo: float, hi: float, target: int) -> FloatArray:
    """Multiples of :func:`nice_step` inside ``[lo, hi]``.

    Returns
    -------
    (T,) float64
        Tick values in increasing order.
    """
    step = nice_step(hi - lo, target)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return np.arange(first, last + 1, dtype=np.float64) * step


class ChartAxes:
    """A chart's axes: data to SVG pixels in a ``width × height`` chart with padding for the
    tick labels, and the SVG of its grid, ticks and x label (an empty range is widened to
    one unit)."""

    def __init__(
        self,
        x0: float,
        x1: float,
        y0: float,
        y1: float,
        size: tuple[float, float] = (680.0, 300.0),
        pad: tuple[float, float, float, float] = (60.0, 20.0, 20.0, 45.0),
    ) -> None:
        self.x0, self.x1 = x0, x1 if x1 > x0 else x0 + 1.0
        self.y0, self.y1 = y0, y1 if y1 > y0 else y0 + 1.0
        self.width, self.height = size
        self.left, self.right, self.top, self.bottom = pad

    def u(self, x: float) -> float:
        """Pixel column of ``x``."""
        span = self.width - self.left - self.right
        return self.left + (x - self.x0) / (self.x1 - self.x0) * span

    def v(self, y: float) -> float:
        """Pixel row of ``y``."""
        span = self.height - self.top - self.bottom
        return self.height - self.bottom - (y - self.y0) / (self.y1 - self.y0) * span

    def frame(self, xlabel: str, xticks: FloatArray | None = None, yformat: str = "g") -> list[str]:
        """The opening ``<svg>`` tag, the y grid with its labels (``yformat``), the x tick
        labels (``xticks``, default 1-2-5 ticks) and the x label, as SVG pieces."""
        w, h = self.width, self.height
        svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:g}" height="{h:g}" role="img">']
        for t in ticks(self.y0, self.y1, 5):
            y = self.v(t)
            svg.append(
                f'<line x1="{self.left:g}" x2="{w - self.right:g}" y1="{y:.1f}" y2="{y:.1f}" '
                'stroke="#ddd"/>'
            )
            svg.append(
                f'<text x="{self.left - 6:g}" y="{y + 4:.1f}" text-anchor="end">'
                f"{t:{yformat}}</text>"
            )
        for t in ticks(self.x0, self.x1, 8) if xticks is None else xticks:
            svg.append(
                f'<text x="{self.u(t):.1f}" y="{h - self.bottom + 16:g}" '
                f'text-anchor="middle">{t:g}</text>'
            )
        svg.append(
            f'<text x="{(self.left + w - self.right) / 2:g}" y="{h - 8:g}" '
            f'text-anchor="middle">{escape(xlabel)}</text>'
        )
        return svg
