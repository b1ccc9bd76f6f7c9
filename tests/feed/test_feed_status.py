"""The feed's HTTP endpoint against good and hostile requests: the counters as JSON, a bare-LF
request, a 100 KB request line, a wrong method or path, a query the route refuses, and a
client that sends nothing while another is served."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from cupola.feed.status import start


def ask(raw: bytes, hold: bool = False) -> tuple[int, dict[str, Any]]:
    async def main() -> tuple[int, dict[str, Any]]:
        def since(q: dict[str, str]) -> dict[str, Any]:
            return {"since": int(q.get("since", "0"))}  # ValueError: a 400

        server = await start("127.0.0.1", 0, {"/status": lambda _: {"ok": 1}, "/frame": since})
        port = server.sockets[0].getsockname()[1]
        idle = None
        if hold:  # a client that connects and sends nothing
            idle = await asyncio.open_connection("127.0.0.1", port)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(raw)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        if idle is not None:
            idle[1].close()
        server.close()
        await server.wait_closed()
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), json.loads(body)

    return asyncio.run(main())


def test_status_answers_json() -> None:
    assert ask(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n") == (200, {"ok": 1})
    assert ask(b"GET /status HTTP/1.0\n\n") == (200, {"ok": 1})  # netcat's bare LF
    assert ask(b"GET /frame?since=12 HTTP/1.0\r\n\r\n") == (200, {"since": 12})


def test_hostile_requests_get_one_error_each() -> None:
    assert ask(b"GET /" + b"a" * 100_000 + b" HTTP/1.0\r\n\r\n")[0] == 400
    assert ask(b"POST /status HTTP/1.0\r\n\r\n")[0] == 405
    assert ask(b"GET /etc/passwd HTTP/1.0\r\n\r\n")[0] == 404
    assert ask(b"\x00\xff garbage\r\n\r\n")[0] == 400
    assert ask(b"GET /frame?since=x HTTP/1.0\r\n\r\n")[0] == 400
    assert ask(b"GET /status HTTP/1.0\r\n\r\n", hold=True) == (200, {"ok": 1})
