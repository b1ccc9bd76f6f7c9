"""The live picture's server: FastAPI over HTTP and a WebSocket (``cupola serve``).

- ``GET /api/state``: time, speed, paused, done.
- ``POST /api/control``: a control message (:mod:`.base`) with ``Authorization: Bearer
  <token>``; 401 without the token, 422 with one line naming the field for a bad message.
- ``WS /ws``: the server pushes a frame (:mod:`.frames`) :data:`.base.FRAMES_PER_S` times a
  second to every client. A client may send JSON texts: first ``{"token": "..."}``, then
  control messages. Each gets a reply (``{"type": "ok", "state": ...}`` or ``{"type":
  "error", "message": ...}``); a malformed message (not JSON, nested too deep, longer than
  :data:`MAX_MESSAGE`), a wrong token or control before the token gets an error reply and
  never closes the socket or stops the server. If the run itself fails, every client gets an
  error message and the frames stop.
- ``GET /``: the page (``static/index.html``): a MapLibre GL map on a Natural Earth land
  layer with the scenario's layers (``GET /api/scenario``, :mod:`.layers`), the tracks with a
  velocity leader, interceptors, bursts and impacts, zones lit while alerted; a side panel
  with the clock, controls, counts, batteries, tracks and events. ``/static`` serves it and
  the vendored MapLibre GL JS; nothing is fetched from elsewhere.

One background task paces the run (:class:`.base.Run`: a live run or a replay) and fans its
frames out; a client too slow for them loses the oldest, never the newest.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError

from cupola.live.base import FRAMES_PER_S, Control, ControlError, Run, Token
from cupola.live.layers import layers

#: The page, its script and the vendored MapLibre GL JS and Natural Earth land.
STATIC = Path(__file__).parent / "static"
#: Frames (and replies) waiting for one client at most.
QUEUE = 8
#: Longest client message read, characters (a control message is a few dozen).
MAX_MESSAGE = 4096

log = logging.getLogger(__name__)


def create_app(run: Run, token: str, fps: float = FRAMES_PER_S) -> FastAPI:
    """The app serving ``run``; ``token`` unlocks control (module docstring)."""
    clients: set[asyncio.Queue[dict[str, Any]]] = set()

    async def pace() -> None:
        loop = asyncio.get_running_loop()
        last = due = loop.time()
        while True:
            # A fixed rate: the work of a frame comes out of its interval, not on top of it
            # (a frame that overruns starts the next one at once, without a backlog).
            due = max(due + 1.0 / fps, loop.time())
            await asyncio.sleep(due - loop.time())
            now = loop.time()
            try:
                run.advance(now - last)
                out = run.frame()
            except Exception as exc:  # the run broke: say so to every client, stop pacing
                log.exception("the live run stopped")
                for q in list(clients):
                    _offer(q, _error(f"the run stopped: {type(exc).__name__}: {exc}"))
                return
            last = now
            for q in list(clients):
                _offer(q, out)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(pace())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(title="Cupola live", lifespan=lifespan, docs_url=None, redoc_url=None)

    scenario = layers(run.world)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/")
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/api/scenario")
    async def fixed_layers() -> dict[str, Any]:
        return scenario

    @app.get("/api/state")
    async def state() -> dict[str, Any]:
        return run.state()

    @app.post("/api/control")
    async def control(request: Request) -> JSONResponse:
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not _same(value.strip(), token):
            return JSONResponse({"error": "control needs 'Authorization: Bearer <token>'"}, 401)
        try:
            message = Control.model_validate_json(await request.body())
        except ValidationError as exc:
            return JSONResponse({"error": _one_line(exc)}, 422)
        try:
            run.apply(message)
        except ControlError as exc:
            return JSONResponse({"error": str(exc)}, 409)
        return JSONResponse({"state": run.state()})

    @app.websocket("/ws")
    async def stream(ws: WebSocket) -> None:
        await ws.accept()
        q: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE)
        clients.add(q)

        async def send() -> None:
            while True:
                await ws.send_json(await q.get())

        sender = asyncio.create_task(send())
        authorised = False
        try:
            while True:
                msg = await ws.receive()
                if msg["type"] == "websocket.disconnect":
                    break
                reply, authorised = _handle(msg.get("text"), authorised, token, run)
                _offer(q, reply)
        finally:
            clients.discard(q)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender

    return app


def _handle(
    text: str | None, authorised: bool, token: str, run: Run
) -> tuple[dict[str, Any], bool]:
    """The reply to one client message and whether the client may control the run."""
    if text is None:
        return _error("send JSON text, not binary"), authorised
    if len(text) > MAX_MESSAGE:
        return _error(f"message longer than {MAX_MESSAGE} characters"), authorised
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return _error(f"not JSON: {exc}"[:300]), authorised
    if isinstance(data, dict) and "token" in data:
        try:
            given = Token.model_validate(data).token
        except ValidationError as exc:
            return _error(_one_line(exc)), authorised
        if not _same(given, token):
            return _error("wrong token"), authorised
        return {"type": "ok", "state": run.state()}, True
    if not authorised:
        return _error('control needs the token first: send {"token": "..."}'), False
    try:
        control = Control.model_validate(data)
    except ValidationError as exc:
        return _error(_one_line(exc)), True
    try:
        run.apply(control)
    except ControlError as exc:
        return _error(str(exc)), True
    return {"type": "ok", "state": run.state()}, True


def _same(given: str, token: str) -> bool:
    """Constant-time comparison of a given token with the run's (any text, ASCII or not)."""
    return secrets.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def _offer(q: asyncio.Queue[dict[str, Any]], item: dict[str, Any]) -> None:
    """Queue ``item``, dropping the oldest waiting one when the queue is full."""
    if q.full():
        with contextlib.suppress(asyncio.QueueEmpty):
            q.get_nowait()
    q.put_nowait(item)


def _error(message: str) -> dict[str, Any]:
    return {"type": "error", "message": message}


def _one_line(exc: ValidationError) -> str:
    """The first validation error: where and why."""
    e = exc.errors()[0]
    where = ".".join(str(p) for p in e["loc"]) or "message"
    why = str(e["msg"]).removeprefix("Value error, ")
    return f"{where}: {why}"[:300]
