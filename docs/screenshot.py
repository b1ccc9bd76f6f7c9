"""Make ``docs/live.png``, the README's picture of the live page, in operator mode.

Run from the repository root: ``.venv/bin/python docs/screenshot.py``. It starts
``cupola serve city-mixed-raid --operator --seed 1`` on a free port, plays the raid at 5x in
Debian's chromium, approves the battle manager's proposals as they come until t = 40 s,
pauses with proposals open and saves the page.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
from playwright.sync_api import sync_playwright

OUT = Path(__file__).parent / "live.png"


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-c", "from cupola.cli import main; main()"]
    args = ["serve", "city-mixed-raid", "--operator", "--seed", "1", "--port", str(port)]
    proc = subprocess.Popen([*cmd, *args], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        token = [proc.stdout.readline(), proc.stdout.readline()][1].split()[-1]
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx2.get(f"{base}/api/state", timeout=1.0)
                break
            except httpx2.TransportError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 860})
            page.goto(f"{base}/")
            page.fill("#token", token)
            page.wait_for_function("window.cupola.mode === 'operator'")
            page.click("button[data-speed='5']")
            while httpx2.get(f"{base}/api/state").json()["time"] < 40.0:
                page.evaluate("document.querySelector('#queue button[data-op=approve]')?.click()")
                time.sleep(0.2)
            page.wait_for_function("window.cupola.proposals > 0")
            page.click("button[data-action=pause]")
            page.wait_for_function("window.cupola.paused")
            time.sleep(1.0)  # the map's worker tiles the last frame
            page.screenshot(path=str(OUT))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
