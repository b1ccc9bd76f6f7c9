"""The live page attached to a running feed (``cupola serve SCENARIO --attach URL``).

:class:`FeedView` is a :class:`.base.Run` whose frames come from a ``cupola feed``'s
``GET /frame`` (:mod:`cupola.feed.status`), fetched by a thread five times a second with the
events since the previous fetch: the same picture the feed publishes as CoT, on the map. The feed
runs at the radars' pace and takes no orders (it recommends), so pause freezes the page and
every other control is refused. A feed that does not answer leaves the last picture on the
page, and ``/api/state`` says why (``feed_error``).
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx2

from cupola.live.base import FRAME_VERSION, FRAMES_PER_S, Control, ControlError, Pace
from cupola.sim.world import World

#: Longest wait for the feed's answer, s (a frame interval is 0.2 s).
TIMEOUT_S = 0.5


def empty_frame() -> dict[str, Any]:
    """A frame with nothing in it (before the feed's first picture)."""
    return {
        "type": "frame",
        "version": FRAME_VERSION,
        "time": 0.0,
        "tracks": [],
        "interceptors": [],
        "batteries": [],
        "impacts": [],
        "alerts": [],
        "mode": "operator",
        "proposals": [],
        "orders": [],
        "queue": [],
        "events": [],
    }


class FeedView(Pace):
    """Frames of a running feed (module docstring), fetched by a thread of their own at
    :data:`.base.FRAMES_PER_S`, so that a busy feed never holds up the page's server.

    Parameters
    ----------
    world : World
        The scenario the feed runs (its assets, zones and batteries are the page's layers).
    url : str
        The feed's HTTP endpoint, ``http://HOST:PORT``.
    """

    def __init__(self, world: World, url: str) -> None:
        self._world = world
        self.url = url.rstrip("/")
        self.client = httpx2.Client(timeout=TIMEOUT_S)
        self.last = empty_frame()
        self.cursor = 0
        self.session: int | None = None
        self.fresh: list[dict[str, Any]] = []
        self.error: str | None = None
        self.fetched = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="feed-view", daemon=True)
        self._thread.start()

    @property
    def done(self) -> bool:
        return False

    @property
    def world(self) -> World:
        return self._world

    def _poll(self) -> None:
        while not self._stop.wait(1.0 / FRAMES_PER_S):
            if not self.paused:
                self.fetch()

    def fetch(self) -> bool:
        """Fetch the feed's picture once; True when a frame came."""
        try:
            r = self.client.get(f"{self.url}/frame", params={"since": self.cursor})
            body = r.json()
        except (httpx2.HTTPError, json.JSONDecodeError) as exc:
            with self._lock:
                self.error = f"the feed at {self.url} does not answer: {type(exc).__name__}"
            return False
        if r.status_code != 200 or not isinstance(body, dict) or body.get("type") != "frame":
            with self._lock:
                self.error = str(body.get("error", r.status_code) if isinstance(body, dict) else "")
            return False
        with self._lock:
            self.error = None
            session = body.pop("session", None)
            if session != self.session:  # the feed restarted: its events are numbered anew
                self.session, self.cursor = session, 0
            self.cursor = int(body.pop("cursor", self.cursor))
            self.fresh += body.get("events", [])
            self.last = body
            self.fetched += 1
        return True

    def advance(self, wall_s: float) -> int:
        """The frames fetched since the previous call (none while paused)."""
        with self._lock:
            n, self.fetched = self.fetched, 0
        return 0 if self.paused else n

    def apply(self, control: Control) -> None:
        if control.action in ("pause", "play"):
            self.set_pace(control)
            return
        raise ControlError(
            f"{control.action}: the page shows a live feed, which runs at the radars' pace and "
            "takes no orders (it recommends engagements); pause and play only"
        )

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "time": self.last["time"],
                "speed": 1.0,
                "paused": self.paused,
                "done": False,
                "mode": "feed",
                "feed": self.url,
                "feed_error": self.error,
            }

    def frame(self) -> dict[str, Any]:
        """The last picture, with the events fetched since the previous frame."""
        with self._lock:
            out = {**self.last, "events": self.fresh}
            self.fresh = []
        return out

    def close(self) -> None:
        """Stop fetching."""
        self._stop.set()
        self._thread.join(2 * TIMEOUT_S + 1.0)
        self.client.close()
