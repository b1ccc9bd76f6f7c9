"""The live page in a real browser (Playwright with Debian's chromium, which the Makefile
installs): it loads, tracks appear on the map, a control from the page pauses the run, an
operator approves an engagement from the page, screenshots are saved, and no request leaves
the local server."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")


def _browser(p):  # type: ignore[no-untyped-def]
    assert CHROMIUM.is_file(), "Debian's chromium is missing: `make install` installs it"
    return p.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
    )


@contextlib.contextmanager
def _page(base: str) -> Iterator[tuple[Any, list[str], list[str]]]:
    """A page of ``base`` in Debian's chromium, with the requests it makes and its script
    errors, recorded."""
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/")
            yield page, requests, errors
        finally:
            browser.close()


def _only_local(requests: list[str], base: str) -> None:
    ws = base.replace("http://", "ws://")
    outside = [u for u in requests if not (u.startswith((base + "/", ws + "/")))]
    assert outside == []


def test_the_page_shows_the_raid_and_takes_control(served, tmp_path: Path) -> None:
    base, token = served.base, served.token
    with _page(base) as (page, requests, errors):
        page.wait_for_function("window.cupola && window.cupola.tracks > 0", timeout=60_000)
        # The tracks are on the map, not just in the panel (the map tiles its sources in a
        # worker: wait for it).
        page.wait_for_function(
            "window.cupolaMap.querySourceFeatures('tracks').length > 0", timeout=30_000
        )
        page.wait_for_function(
            "window.cupolaMap.querySourceFeatures('ellipses').length > 0", timeout=30_000
        )
        page.fill("#token", token)
        page.click("button[data-action=pause]")
        for _ in range(100):
            if httpx2.get(f"{base}/api/state").json()["paused"]:
                break
            time.sleep(0.1)
        reply = page.text_content("#reply")
        assert httpx2.get(f"{base}/api/state").json()["paused"] is True, reply
        shot = tmp_path / "live.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
    assert errors == []
    _only_local(requests, base)
    assert any(u.endswith("/static/vendor/maplibre-gl/maplibre-gl.mjs") for u in requests)


def test_an_operator_approves_an_engagement_from_the_page(served_operator, tmp_path: Path) -> None:
    """Operator mode: the battle manager's proposal shows in the engagement queue; the
    trainee pauses to think, approves it, plays on, and the engagement goes out."""
    base, token = served_operator.base, served_operator.token
    with _page(base) as (page, requests, errors):
        page.fill("#token", token)
        page.wait_for_function("window.cupola.mode === 'operator'", timeout=60_000)
        for _ in range(10):  # a proposal's window may close before the pause lands
            page.wait_for_function("window.cupola.proposals > 0", timeout=60_000)
            page.click("button[data-action=pause]")
            page.wait_for_function("window.cupola.paused", timeout=10_000)
            if page.evaluate("window.cupola.proposals") > 0:
                break
            page.click("button[data-action=play]")
        shot = tmp_path / "proposal.png"
        page.screenshot(path=str(shot))
        page.click("#queue button[data-op=approve]")
        # Approved as proposed it goes out at once; a launch less than the reaction time
        # away waits for the next decision cycle: play on.
        page.click("button[data-action=play]")
        page.wait_for_function("window.cupola.approved > 0", timeout=20_000)
        assert page.text_content("#reply") == ""
        events = page.text_content("#events")
        assert "approved by the operator" in events
        assert shot.stat().st_size > 10_000
    assert errors == []
    _only_local(requests, base)
    state = httpx2.get(f"{base}/api/state").json()
    assert state["mode"] == "operator"
