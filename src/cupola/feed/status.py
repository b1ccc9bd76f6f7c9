"""The feed's HTTP endpoint: ``GET /status`` answers the counters as JSON
(:meth:`.counters.Counters.as_dict`); ``GET /frame?since=N`` the picture as a live frame
(:mod:`cupola.live.frames`) with the events logged after event ``N`` (what ``cupola serve
--attach`` shows); anything else 404 or 405.

A plain HTTP/1.0 responder on asyncio, not an application server: one short request a
connection, read with a size limit and a timeout, at most :data:`MAX_CONNECTIONS` at once, so
that a client that sends nothing, too much or garbage costs it nothing but that connection.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

#: Longest request head read, bytes; longest wait for it, s.
MAX_HEAD = 8192
TIMEOUT_S = 5.0
#: Connections served at once.
MAX_CONNECTIONS = 64


#: A route: the query string's parameters to the JSON answer (``ValueError``: 400).
Route = Callable[[dict[str, str]], dict[str, Any]]


def handler(
    routes: dict[str, Route],
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]:
    """The connection handler of ``asyncio.start_server`` serving ``routes`` by path, at most
    :data:`MAX_CONNECTIONS` at once (more are closed at once)."""
    open_now = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_now
        if open_now >= MAX_CONNECTIONS:
            writer.close()
            return
        open_now += 1
        try:
            await _serve(reader, writer, routes)
        finally:
            open_now -= 1

    return serve


async def _serve(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, routes: dict[str, Route]
) -> None:
    try:
        try:
            line = await asyncio.wait_for(_request_line(reader), TIMEOUT_S)
            status, body = _answer(line, routes)
        except (TimeoutError, asyncio.IncompleteReadError, ValueError):
            status, body = "400 Bad Request", {"error": "bad request"}
        data = json.dumps(body).encode()
        writer.write(
            f"HTTP/1.0 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
            + data
        )
        await writer.drain()
    except ConnectionError:
        pass
    finally:  # also when the server stops with the request under way
        writer.close()


async def _request_line(reader: asyncio.StreamReader) -> bytes:
    """The request line, once the head has ended (an empty line, CRLF or a bare LF as
    netcat sends); at most :data:`MAX_HEAD` bytes in all (``ValueError`` beyond)."""
    first = b""
    size = 0
    while True:
        line = await reader.readline()  # ValueError past the stream's limit
        if not line:
            raise asyncio.IncompleteReadError(b"", None)
        size += len(line)
        if size > MAX_HEAD:
            raise ValueError("request head too long")
        if line in (b"\r\n", b"\n"):
            return first
        first = first or line


def _answer(head: bytes, routes: dict[str, Route]) -> tuple[str, dict[str, Any]]:
    line = head.decode("latin-1").split()
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
