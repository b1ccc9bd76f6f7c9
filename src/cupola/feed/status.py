"""The feed's status endpoint: ``GET /status`` answers the counters as JSON
(:meth:`.counters.Counters.as_dict`), anything else 404 or 405.

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


def handler(
    counters: Callable[[], dict[str, Any]],
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]:
    """The connection handler of ``asyncio.start_server`` serving ``counters()``."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT_S)
            status, body = _answer(head[:MAX_HEAD], counters)
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


def _answer(head: bytes, counters: Callable[[], dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    line = head.split(b"\r\n", 1)[0].decode("latin-1").split()
    if len(line) != 3 or not line[2].startswith("HTTP/"):
        return "400 Bad Request", {"error": "bad request line"}
    method, path = line[0], line[1].split("?", 1)[0]
    if path != "/status":
        return "404 Not Found", {"error": f"no such path: {path[:100]}"}
    if method != "GET":
        return "405 Method Not Allowed", {"error": "GET only"}
    return "200 OK", counters()


async def start(
    host: str, port: int, counters: Callable[[], dict[str, Any]]
) -> asyncio.AbstractServer:
    """Listen on ``host:port``."""
    return await asyncio.start_server(handler(counters), host, port, limit=MAX_HEAD)
