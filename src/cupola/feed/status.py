"""The feed's HTTP endpoint: ``GET /status`` answers the counters as JSON
(:meth:`.counters.Counters.as_dict`); ``GET /frame?since=N`` the picture as a live frame
(:mod:`cupola.live.frames`) with the events logged after event ``N`` (what ``cupola serve
--attach`` shows); anything else 404 or 405.

A plain HTTP/1.0 responder on asyncio, not an application server: one short request a
connection, read with a size limit and a timeout, so that a client that sends nothing, too
much or garbage costs it nothing but that connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

#: Longest request head read, bytes; longest wait for it, s.
MAX_HEAD = 8192
TIMEOUT_S = 5.0


#: A route: the query string's parameters to the JSON answer (``ValueError``: 400).
Route = Callable[[dict[str, str]], dict[str, Any]]


def handler(
    routes: dict[str, Route],
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]:
    """The connection handler of ``asyncio.start_server`` serving ``routes`` by path."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT_S)
            status, body = _answer(head[:MAX_HEAD], routes)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            status, body = "400 Bad Request", {"error": "bad request"}
        except ConnectionError:
            writer.close()
            return
        data = json.dumps(body).encode()
        writer.write(
            f"HTTP/1.0 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
            + data
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    return serve


def _answer(head: bytes, routes: dict[str, Route]) -> tuple[str, dict[str, Any]]:
    line = head.split(b"\r\n", 1)[0].decode("latin-1").split()
    if len(line) != 3 or not line[2].startswith("HTTP/"):
        return "400 Bad Request", {"error": "bad request line"}
    method, target = line[0], line[1]
    path, _, query = target.partition("?")
    route = routes.get(path)
    if route is None:
        return "404 Not Found", {"error": f"no such path: {path[:100]}"}
    if method != "GET":
        return "405 Method Not Allowed", {"error": "GET only"}
    params = dict(p.partition("=")[::2] for p in query.split("&") if p)
    try:
        return "200 OK", route(params)
    except ValueError as exc:
        return "400 Bad Request", {"error": str(exc)[:200]}


async def start(host: str, port: int, routes: dict[str, Route]) -> asyncio.AbstractServer:
    """Listen on ``host:port``."""
    return await asyncio.start_server(handler(routes), host, port, limit=MAX_HEAD)
