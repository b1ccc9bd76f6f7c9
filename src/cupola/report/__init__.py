"""Report stage: the run report, one self-contained HTML page with a map and a timeline.

``render(inputs)`` draws a :class:`ReportInputs` (scene geometry and the run's tables, already
in the local frame) as HTML with inline CSS and SVG, no script and no network reference.
"""

from cupola.report.base import ReportInputs, SceneShape, SceneSite
from cupola.report.html import render

__all__ = ["ReportInputs", "SceneShape", "SceneSite", "render"]
