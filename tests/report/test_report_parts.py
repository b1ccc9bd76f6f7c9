"""Pieces of the report checked against plain reference code: frame, polylines, staircase."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.report.frame import fit_frame, nice_step, ticks
from cupola.report.paths import group_lines
from cupola.report.style import outcome_of
from cupola.report.tables import format_value, summary_table
from cupola.report.timeline import step_points

coords = st.floats(-5e5, 5e5, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(coords, coords), min_size=1, max_size=30))
def test_fit_frame_contains_points_with_equal_aspect(pts: list[tuple[float, float]]) -> None:
    x = np.array([p[0] for p in pts])
    y = np.array([p[1] for p in pts])
    f = fit_frame(x, y, width=800.0, min_height=300.0, max_height=900.0, left=10.0, top=20.0)
    assert 300.0 - 1e-9 <= f.height <= 900.0 + 1e-9
    u, v = f.to_px(x, y)
    assert np.all(u >= f.left - 1e-6)
    assert np.all(u <= f.left + f.width + 1e-6)
    assert np.all(v >= f.top - 1e-6)
    assert np.all(v <= f.top + f.height + 1e-6)
    # equal aspect: a 1 m step east and a 1 m step north have the same length in px
    u2, v2 = f.to_px(x + 1.0, y + 1.0)
    np.testing.assert_allclose(u2 - u, f.scale, rtol=1e-6)
    np.testing.assert_allclose(v - v2, f.scale, rtol=1e-6)
    # the view spans the full plot area
    assert (f.x1 - f.x0) * f.scale == pytest.approx(f.width)
    assert (f.y1 - f.y0) * f.scale == pytest.approx(f.height)


def test_fit_frame_known_case() -> None:
    # a 10 km square box: margin 6 % of 10 km each side, square view of 11.2 km over 560 px
    x = np.array([0.0, 10e3])
    y = np.array([0.0, 10e3])
    f = fit_frame(x, y, width=560.0, min_height=100.0, max_height=1000.0, left=0.0, top=0.0)
    assert f.height == pytest.approx(560.0)
    assert f.scale == pytest.approx(560.0 / 11_200.0)
    assert f.x0 == pytest.approx(-600.0)
    assert f.y1 == pytest.approx(10_600.0)
    u, v = f.to_px(np.array([0.0]), np.array([0.0]))
    assert u[0] == pytest.approx(30.0)
    assert v[0] == pytest.approx(530.0)


def test_fit_frame_no_points_centres_origin() -> None:
    f = fit_frame(
        np.zeros(0), np.zeros(0), width=400.0, min_height=400.0, max_height=400.0, left=0, top=0
    )
    assert (f.x0 + f.x1) / 2 == pytest.approx(0.0)
    assert (f.y0 + f.y1) / 2 == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("span", "target", "step"),
    [(10.0, 5, 2.0), (100.0, 10, 10.0), (7.0, 10, 1.0), (0.3, 3, 0.1), (2400.0, 5, 500.0)],
)
def test_nice_step(span: float, target: int, step: float) -> None:
    assert nice_step(span, target) == pytest.approx(step)


def test_ticks() -> None:
    np.testing.assert_allclose(ticks(-3.2, 7.9, 5), [0.0, 5.0])
    np.testing.assert_allclose(ticks(-3.2, 7.9, 6), [-2.0, 0.0, 2.0, 4.0, 6.0])


def reference_lines(
    ids: np.ndarray, t: np.ndarray, x: np.ndarray, y: np.ndarray
) -> dict[int, list[tuple[float, float, float]]]:
    out: dict[int, list[tuple[float, float, float]]] = {}
    for i in range(len(ids)):
        out.setdefault(int(ids[i]), []).append((float(t[i]), float(x[i]), float(y[i])))
    return {k: sorted(v) for k, v in sorted(out.items())}


rows = st.lists(
    st.tuples(st.integers(0, 6), st.floats(0, 100, allow_nan=False), coords, coords),
    max_size=60,
    unique_by=lambda r: (r[0], r[1]),
)


@settings(max_examples=50, deadline=None)
@given(rows, st.integers(1, 40), st.integers(1, 5))
def test_group_lines_against_loop(
    data: list[tuple[int, float, float, float]], budget: int, min_per_line: int
) -> None:
    ids = np.array([r[0] for r in data], dtype=np.int64)
    t = np.array([r[1] for r in data])
    x = np.array([r[2] for r in data])
    y = np.array([r[3] for r in data])
    got = group_lines(ids, t, x, y, budget=budget, min_per_line=min_per_line)
    ref = reference_lines(ids, t, x, y)
    assert got.ids.tolist() == list(ref)
    per_line = max(min_per_line, budget // max(len(ref), 1))
    for lid, start, count in zip(got.ids, got.starts, got.counts, strict=True):
        pts = list(zip(got.x[start : start + count], got.y[start : start + count], strict=True))
        full = [(p[1], p[2]) for p in ref[int(lid)]]
        # a time-ordered subsequence holding the first and last point, every k-th point
        k = math.ceil(len(full) / per_line)
        expected = [full[i] for i in range(len(full)) if i % k == 0 or i == len(full) - 1]
        assert pts == expected
        assert count <= per_line + 1
    # no thinning when the budget is large
    full = group_lines(ids, t, x, y, budget=10_000)
    assert full.x.size == len(data)


def test_group_lines_drops_non_finite() -> None:
    g = group_lines(
        np.array([1, 1, 1]),
        np.array([0.0, 1.0, 2.0]),
        np.array([0.0, np.nan, 2.0]),
        np.array([0.0, 1.0, 2.0]),
        budget=100,
    )
    assert g.x.tolist() == [0.0, 2.0]
    assert g.counts.tolist() == [2]


def count_at(times: list[float], t: float) -> int:
    return sum(1 for s in times if s <= t)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False), max_size=40), st.integers(2, 50))
def test_step_points_is_cumulative_count(times: list[float], max_steps: int) -> None:
    xs, ys = step_points(np.array(times), 0.0, 100.0, max_steps=max_steps)
    assert np.all(np.diff(xs) >= 0)
    assert np.all(np.diff(ys) >= 0)
    assert ys[0] == count_at(times, 0.0) or len(times) <= max_steps
    assert ys[-1] == len(times)
    if len(times) > max_steps:
        for a, b in zip(xs, ys, strict=True):
            assert b == count_at(times, a)
    else:
        # on every horizontal run of the staircase, the count is the count just after its start
        for i in range(len(xs) - 1):
            mid = (xs[i] + xs[i + 1]) / 2
            # (a run between two adjacent floats has no time strictly inside it)
            if ys[i] == ys[i + 1] and xs[i] < mid < xs[i + 1]:
                assert ys[i] == count_at(times, mid)


def test_outcome_of() -> None:
    threats = {
        "threat_id": np.array([5, 2, 9]),
        "outcome": np.array(["hit", "intercepted", "open_ground"]),
    }
    got = outcome_of(threats, np.array([2, 9, 5, 7, 2], dtype=np.int64))
    assert got.tolist() == ["intercepted", "open_ground", "hit", "", "intercepted"]
    assert outcome_of({}, np.array([1], dtype=np.int64)).tolist() == [""]


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("interceptor_cost", 1_500_000, "$1,500,000"),
        ("threat_cost", np.float64(999.6), "$1,000"),
        ("cost_exchange_ratio", 2.5, "2.5"),
        ("threats", np.int64(1234), "1,234"),
        ("leak_rate", 0.125, "0.125"),
        ("mean_time", 12345.678, "12,346"),
        ("mean_time", 12.5, "12.5"),
        ("ok", True, "yes"),
        ("nothing", None, "–"),
        ("name", "<b>", "&lt;b&gt;"),
        ("by_type", {"rocket": 3, "<x>": 1}, "rocket: 3; &lt;x&gt;: 1"),
    ],
)
def test_format_value(key: str, value: object, text: str) -> None:
    assert format_value(key, value) == text


@pytest.mark.parametrize(
    ("key", "label"),
    [("mean_warning_time_s", "Mean warning time (s)"), ("leaked", "Leaked"), ("_s", "S")],
)
def test_summary_labels(key: str, label: str) -> None:
    html = summary_table({key: 1})
    assert f'<th scope="row">{label}</th>' in html
