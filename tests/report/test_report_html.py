"""The whole report page: structure, content, escaping, determinism, empty and large inputs."""

from __future__ import annotations

import copy
import re
import time
from html.parser import HTMLParser
from typing import Any

import numpy as np
import pytest

from cupola import report
from cupola.report import ReportInputs, SceneShape, SceneSite, render

VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source"}
HOSTILE = "<script>alert(1)</script>"
COLOURS = {  # the documented outcome colours
    "intercepted": "#2e9e44",
    "hit": "#d62828",
    "open_ground": "#8a8a8a",
    "in_flight": "#1f6fd1",
}


class StrictParser(HTMLParser):
    """Records elements and checks that every non-void element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.open_svg = 0
        self.svg_count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "svg":
            self.svg_count += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>, open: {self.stack[-3:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> StrictParser:
    p = StrictParser()
    p.feed(page)
    p.close()
    assert p.errors == []
    assert p.stack == []
    return p


def square(cx: float, cy: float, half: float) -> np.ndarray:
    return np.array(
        [
            [cx - half, cy - half],
            [cx + half, cy - half],
            [cx + half, cy + half],
            [cx - half, cy + half],
        ]
    )


def make_inputs(
    *, name: str = "Test raid", n_events_extra: int = 0, hostile: bool = False
) -> ReportInputs:
    """Four threats (intercepted, hit, open ground, in flight), one interceptor."""
    asset_name = HOSTILE if hostile else "Hospital"
    assets = [
        SceneShape(asset_name, "area", square(0.0, 0.0, 500.0), 5.0e6, 1, False),
        SceneShape("Power plant", "point", square(3000.0, 1000.0, 150.0), 2.0e7, 0, False),
        SceneShape(
            "Highway 1",
            "route",
            np.array([[-4e3, -2e3], [4e3, -2e3], [4e3, -1.9e3]]),
            1e6,
            0,
            False,
        ),
    ]
    zones = [
        SceneShape("Zone North", "zone", square(0.0, 2000.0, 3000.0), 0.0, 0, True),
        SceneShape("Zone South", "zone", square(0.0, -6000.0, 3000.0), 0.0, 0, False),
    ]
    sites = [
        SceneSite("Radar R1", "radar", -1000.0, -1000.0, 400_000.0),
        SceneSite("Battery B1", "battery", 1000.0, -1500.0, 4_000.0),
        SceneSite("L1", "launcher", 1200.0, -1500.0, 0.0),
    ]
    ids = np.array([0, 1, 2, 3], dtype=np.int64)
    threats = {
        "threat_id": ids,
        "type": np.array(["rocket", "rocket", "mortar", "drone"]),
        "launch_time": np.array([0.0, 2.0, 4.0, 6.0]),
        "outcome": np.array(["intercepted", "hit", "open_ground", "in_flight"]),
        "engaged": np.array([True, False, False, False]),
    }
    starts = np.array([[20e3, 15e3], [18e3, 16e3], [15e3, 12e3], [-10e3, 12e3]])
    ends = np.array([[1e3, 1e3], [0.0, 0.0], [6e3, 3e3], [-3e3, 4e3]])
    k = 20
    s = np.linspace(0.0, 1.0, k)
    rows_t, rows_id, rows_x, rows_y, rows_obj = [], [], [], [], []
    for i in range(4):
        rows_t.append(threats["launch_time"][i] + 40.0 * s)
        rows_id.append(np.full(k, ids[i]))
        rows_x.append(starts[i, 0] + s * (ends[i, 0] - starts[i, 0]))
        rows_y.append(starts[i, 1] + s * (ends[i, 1] - starts[i, 1]))
        rows_obj.append(np.full(k, "threat"))
    # one interceptor, battery to intercept point; rows given in reverse time order
    rows_t.append(np.linspace(38.0, 30.0, 5))
    rows_id.append(np.full(5, 100))
    rows_x.append(np.linspace(1.5e3, 1000.0, 5))
    rows_y.append(np.linspace(1.5e3, -1500.0, 5))
    rows_obj.append(np.full(5, "interceptor"))
    n = sum(len(t) for t in rows_t)
    truth = {
        "time": np.concatenate(rows_t),
        "object": np.concatenate(rows_obj),
        "id": np.concatenate(rows_id).astype(np.int64),
        "x_m": np.concatenate(rows_x),
        "y_m": np.concatenate(rows_y),
        "z_m": np.zeros(n),
        "lat": np.zeros(n),
        "lon": np.zeros(n),
        "alt_m": np.zeros(n),
    }
    ev: list[tuple[float, str, int, int, int, int, float, float, str]] = [
        (0.0, "launch", 0, -1, -1, -1, 20e3, 15e3, ""),
        (5.0, "detection", 0, 7, 0, -1, np.nan, np.nan, ""),
        (12.0, "alert", 1, 8, -1, 0, np.nan, np.nan, HOSTILE if hostile else "siren"),
        (20.0, "engagement", 0, 7, 1, -1, np.nan, np.nan, "pk=0.9"),
        (30.0, "interceptor_launch", 0, 7, 2, -1, 1000.0, -1500.0, ""),
        (38.0, "intercept", 0, 7, 100, -1, 1.5e3, 1.5e3, "kill"),
        (42.0, "impact", 1, 8, -1, -1, 0.0, 0.0, "asset Hospital"),
        (44.0, "impact", 2, -1, -1, -1, 6e3, 3e3, "open ground"),
    ]
    ev += [
        (50.0 + i, "alert", 3, 9, -1, 1, np.nan, np.nan, f"extra {i}")
        for i in range(n_events_extra)
    ]
    cols = list(zip(*ev, strict=True))
    events = {
        "time": np.array(cols[0], dtype=np.float64),
        "kind": np.array(cols[1]),
        "threat_id": np.array(cols[2], dtype=np.int64),
        "track_id": np.array(cols[3], dtype=np.int64),
        "unit_id": np.array(cols[4], dtype=np.int64),
        "zone_id": np.array(cols[5], dtype=np.int64),
        "x_m": np.array(cols[6], dtype=np.float64),
        "y_m": np.array(cols[7], dtype=np.float64),
        "z_m": np.zeros(len(ev)),
        "lat": np.zeros(len(ev)),
        "lon": np.zeros(len(ev)),
        "alt_m": np.zeros(len(ev)),
        "detail": np.array(cols[8], dtype=object),
    }
    summary: dict[str, Any] = {
        "threats": 4,
        "threatening": 2,
        "engaged": 1,
        "intercepted": 1,
        "leaked": 1,
        "hits_on_defended_assets": 1,
        "interceptors_fired": 3,
        "interceptor_cost": 150000.0,
        "threat_cost": 1234.5,
        "alerts_issued": 1 + n_events_extra,
        "alert_precision": 0.5,
        "hits_per_asset": {asset_name: 1, "Power plant": 0, "Highway 1": 0},
    }
    return ReportInputs(
        name, "Line one\nLine two", 42, assets, zones, sites, threats, truth, events, summary
    )


def elements(page: str, tag: str, cls: str | None = None) -> list[dict[str, str | None]]:
    return [
        a
        for t, a in parse(page).elements
        if t == tag and (cls is None or cls in (a.get("class") or "").split())
    ]


def test_exports() -> None:
    assert sorted(report.__all__) == ["ReportInputs", "SceneShape", "SceneSite", "render"]
    assert report.render is render


def test_page_parses_and_svgs_balanced() -> None:
    page = render(make_inputs())
    p = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert p.svg_count == 2
    assert page.count("<svg") == page.count("</svg>") == 2
    assert "<script" not in page


def test_header_summary_and_assets() -> None:
    page = render(make_inputs())
    assert "<h1>Test raid</h1>" in page
    assert "seed 42" in page
    assert "Line one\nLine two" in page
    cells = {}
    for m in re.finditer(r'<td class="num" data-key="([^"]+)">([^<]*)</td>', page):
        cells[m.group(1)] = m.group(2)
    assert cells["threats"] == "4"
    assert cells["intercepted"] == "1"
    assert cells["interceptors_fired"] == "3"
    assert cells["interceptor_cost"] == "$150,000"
    assert cells["threat_cost"] == "$1,234"  # rounded to whole dollars, half to even
    assert cells["alert_precision"] == "0.5"
    assert "hits_per_asset" not in cells
    # the documented order: threats before intercepted before costs
    keys = list(cells)
    assert keys.index("threats") < keys.index("intercepted") < keys.index("interceptor_cost")
    for name in ("Hospital", "Power plant", "Highway 1", "Radar R1", "Battery B1", "L1"):
        assert name in page
    # assets table: hit asset first, with its value
    rows = re.findall(
        r'<tr( class="hit")?><td>([^<]*)</td><td>(\w*)</td>'
        r'<td class="num">([^<]*)</td><td class="num">(\d+)</td>',
        page,
    )
    assert [r[1] for r in rows] == ["Hospital", "Power plant", "Highway 1"]
    assert rows[0] == (' class="hit"', "Hospital", "area", "5,000,000", "1")
    total = re.search(r"Total \(value of assets hit\)</th><td class=\"num\">([^<]*)</td>", page)
    assert total is not None
    assert total.group(1) == "5,000,000"


def test_one_polyline_per_threat_coloured_by_outcome() -> None:
    inputs = make_inputs()
    page = render(inputs)
    lines = elements(page, "polyline", "threat")
    assert len(lines) == 4
    by_id = {int(str(a["data-id"])): a for a in lines}
    for tid, outcome in zip(inputs.threats["threat_id"], inputs.threats["outcome"], strict=True):
        assert by_id[int(tid)]["stroke"] == COLOURS[str(outcome)]
        assert by_id[int(tid)]["data-outcome"] == str(outcome)
        pts = str(by_id[int(tid)]["points"]).split()
        assert len(pts) == 20
    # hits drawn last (on top)
    assert lines[-1]["data-outcome"] == "hit"
    interceptors = elements(page, "polyline", "interceptor")
    assert len(interceptors) == 1
    # interceptor rows were given in reverse time order: the line starts at the battery
    first = str(interceptors[0]["points"]).split()[0]
    sites = elements(page, "rect", "battery")
    bx = float(str(sites[0]["x"])) + 5
    by = float(str(sites[0]["y"])) + 5
    ux, uy = map(float, first.split(","))
    assert ux == pytest.approx(bx, abs=0.11)
    assert uy == pytest.approx(by, abs=0.11)


def test_markers_and_coverage() -> None:
    page = render(make_inputs())
    impacts = elements(page, "path", "impact")
    assert len(impacts) == 2 + 2  # two on the map, two in the legend
    map_impacts = [a for a in impacts if a.get("data-id") is not None]
    assert {str(a["class"]) for a in map_impacts} == {"impact hit", "impact"}
    assert len([a for a in elements(page, "circle", "intercept") if a.get("data-id")]) == 1
    # the radar's 400 km circle holds the whole view: not drawn, said in the legend
    cov = elements(page, "circle", "cov")
    assert [a["data-name"] for a in cov] == ["Battery B1"]
    assert "coverage of Radar R1 (400 km)</text>" in page
    assert "holds the whole map" in page
    assert len(elements(page, "polygon", "alerted")) == 1
    assert len(elements(page, "polygon", "hit")) == 1


def test_battery_circle_radius_matches_map_scale() -> None:
    page = render(make_inputs())
    # the scale bar's two halves span a round length; its label gives the meters
    dark = elements(page, "rect", "sb-dark")[0]
    label = re.search(r'class="sb-lbl"[^>]*>([\d.]+) (k?m)</text>', page)
    assert label is not None
    metres = float(label.group(1)) * (1000.0 if label.group(2) == "km" else 1.0)
    px_per_m = 2 * float(str(dark["width"])) / metres
    circle = elements(page, "circle", "battery")[0]
    assert float(str(circle["r"])) == pytest.approx(4000.0 * px_per_m, rel=2e-3)


def test_hostile_text_is_escaped() -> None:
    page = render(make_inputs(name=HOSTILE, hostile=True))
    parse(page)
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("&lt;script&gt;") >= 4  # title, h1, asset label/table, event detail


def test_deterministic() -> None:
    inputs = make_inputs(n_events_extra=10)
    assert render(inputs) == render(inputs) == render(copy.deepcopy(inputs))


def test_does_not_mutate_inputs() -> None:
    inputs = make_inputs()
    before = copy.deepcopy(inputs)
    render(inputs)
    for table in ("threats", "truth", "events"):
        a, b = getattr(inputs, table), getattr(before, table)
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])


def test_no_external_references() -> None:
    page = render(make_inputs())
    urls = re.findall(r"https?://[^\s\"'<>]*", page)
    assert urls
    assert set(urls) == {"http://www.w3.org/2000/svg"}
    assert "src=" not in page
    assert "<link" not in page


def test_events_excerpt() -> None:
    page = render(make_inputs(n_events_extra=300))
    rows = re.findall(r'<tr class="ev-([a-z_]+)"><td class="num">([\d.]+)</td>', page)
    assert len(rows) == 200
    assert "detection" not in {r[0] for r in rows}
    assert "launch" not in {r[0] for r in rows}
    times = [float(r[1]) for r in rows]
    assert times == sorted(times)
    # 6 engagement-related base events + 300 alerts, 200 shown
    assert "106 more omitted" in page
    page = render(make_inputs())
    assert "All 6 engagement-related events" in page


def test_timeline_final_counts() -> None:
    page = render(make_inputs())
    for text in (
        "threats launched (4)",
        "intercepted (1)",
        "impacts, open ground (1)",
        "impacts on defended assets (1)",
        "interceptors launched (1)",
        "alerts (1)",
    ):
        assert text in page
    assert len(elements(page, "polyline", "series")) == 6


@pytest.mark.parametrize("missing_columns", [False, True])
def test_zero_threats_and_events(missing_columns: bool) -> None:
    def empty(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {} if missing_columns else {k: v[:0] for k, v in cols.items()}

    base = make_inputs()
    inputs = ReportInputs(
        "Empty",
        "",
        0,
        base.assets,
        base.zones,
        base.sites,
        empty(base.threats),
        empty(base.truth),
        empty(base.events),
        {},
    )
    page = render(inputs)
    parse(page)
    assert elements(page, "polyline", "threat") == []
    assert "No engagement-related events" in page
    assert "No summary figures" in page
    bare = ReportInputs("Bare", "", 0, [], [], [], {}, {}, {}, {})
    parse(render(bare))


def large_inputs(n_threats: int = 1000, rows: int = 200) -> ReportInputs:
    rng = np.random.default_rng(7)
    base = make_inputs()
    ids = np.arange(n_threats, dtype=np.int64)
    outcomes = np.array(["intercepted", "hit", "open_ground", "in_flight"])[ids % 4]
    start = rng.uniform(-40e3, 40e3, (n_threats, 2)) + np.array([0.0, 30e3])
    end = rng.uniform(-5e3, 5e3, (n_threats, 2))
    s = np.linspace(0.0, 1.0, rows)
    x = start[:, :1] + s * (end[:, :1] - start[:, :1])
    y = start[:, 1:] + s * (end[:, 1:] - start[:, 1:])
    launch = rng.uniform(0.0, 600.0, n_threats)
    t = launch[:, None] + np.arange(rows, dtype=np.float64)
    n = n_threats * rows
    truth = {
        "time": t.ravel(),
        "object": np.full(n, "threat"),
        "id": np.repeat(ids, rows),
        "x_m": x.ravel(),
        "y_m": y.ravel(),
        "z_m": np.zeros(n),
    }
    kinds = np.array(["alert", "engagement", "interceptor_launch", "intercept", "impact"])
    ne = 5 * n_threats
    events = {
        "time": np.sort(rng.uniform(0.0, 800.0, ne)),
        "kind": kinds[np.arange(ne) % 5],
        "threat_id": np.arange(ne, dtype=np.int64) % n_threats,
        "track_id": np.arange(ne, dtype=np.int64),
        "unit_id": np.zeros(ne, dtype=np.int64),
        "zone_id": np.full(ne, -1, dtype=np.int64),
        "x_m": rng.uniform(-5e3, 5e3, ne),
        "y_m": rng.uniform(-5e3, 5e3, ne),
        "detail": np.full(ne, "detail"),
    }
    threats = {
        "threat_id": ids,
        "type": np.full(n_threats, "rocket"),
        "launch_time": launch,
        "outcome": outcomes,
        "engaged": np.ones(n_threats, dtype=bool),
    }
    return ReportInputs(
        "Large",
        "1000 threats",
        1,
        base.assets,
        base.zones,
        base.sites,
        threats,
        truth,
        events,
        base.summary,
    )


def test_large_input_size_bound() -> None:
    inputs = large_inputs()
    t0 = time.perf_counter()
    page = render(inputs)
    elapsed = time.perf_counter() - t0
    size = len(page.encode())
    print(f"large report: {size / 1e6:.2f} MB in {elapsed:.2f} s")
    assert size < 3_000_000
    lines = elements(page, "polyline", "threat")
    assert len(lines) == 1000
    n_points = sum(len(str(a["points"]).split()) for a in lines)
    assert n_points <= 61_000  # the point budget (60 per line here) plus each last point
    assert elapsed < 10.0
