"""Where the picture goes: CoT to a TAK client or server through pytak (UDP, TCP, TLS), and
CAT062 over UDP.

CoT leaves from a sender task of its own, fed through a bounded queue, so that the network
never holds up tracking: a destination that cannot be reached, or that stops reading, costs
the events queued for it (counted as failed, the oldest first when the queue is full), never
the service. A connection is opened with a timeout, again after a failure no more often than
every :data:`RETRY_S`, and a send that does not complete within :data:`SEND_TIMEOUT_S` drops
the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import warnings
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cupola.feed.base import Endpoint
from cupola.feed.cot import to_protobuf

with warnings.catch_warnings():  # pytak warns at import about optional extras Cupola does not use
    warnings.simplefilter("ignore", UserWarning)
    import pytak

#: Least wait between two attempts to (re)connect, s; longest wait for a connection and for a
#: send, s; most events waiting to be sent.
RETRY_S = 2.0
CONNECT_TIMEOUT_S = 3.0
SEND_TIMEOUT_S = 2.0
QUEUE_EVENTS = 20_000


@dataclass(frozen=True)
class Tls:
    """Client certificate, key and certificate authority for ``tls://`` (PEM files)."""

    cert: Path
    key: Path | None = None
    ca: Path | None = None


class CotOut:
    """CoT events to one destination through pytak's transports (module docstring).

    Parameters
    ----------
    where : Endpoint
        ``udp://``, ``tcp://`` or ``tls://`` HOST:PORT.
    tls : Tls or None
        For ``tls://``.
    protobuf : bool
        TAK protocol version 1 (protobuf through takproto, :func:`.cot.to_protobuf`: mesh
        framing over UDP, stream framing over TCP and TLS) instead of XML.
    """

    def __init__(self, where: Endpoint, tls: Tls | None = None, protobuf: bool = False) -> None:
        self.where = where
        self.protobuf = protobuf
        scheme = "udp+wo" if where.scheme == "udp" else where.scheme
        # Cupola frames protobuf itself: pytak would pick stream framing for unicast UDP.
        self.config: dict[str, Any] = {"COT_URL": f"{scheme}://{where.host}:{where.port}"}
        self.config["TAK_PROTO"] = "0"
        if tls is not None:
            self.config["PYTAK_TLS_CLIENT_CERT"] = str(tls.cert)
            if tls.key is not None:
                self.config["PYTAK_TLS_CLIENT_KEY"] = str(tls.key)
            if tls.ca is not None:
                self.config["PYTAK_TLS_CLIENT_CAFILE"] = str(tls.ca)
        self.queue: deque[bytes] = deque()
        self.ready = asyncio.Event()
        self.worker: Any = None
        self.writer: Any = None
        self.next_try = 0.0
        self.error: str | None = None
        self.sent = 0
        self.failed = 0
        self.task: asyncio.Task[None] | None = None

    def offer(self, events: list[bytes]) -> None:
        """Queue events to send; when the queue is full, the oldest are dropped (failed)."""
        if self.protobuf:
            stream = self.where.scheme != "udp"
            events = [to_protobuf(e, stream) for e in events]
        self.queue.extend(events)
        over = len(self.queue) - QUEUE_EVENTS
        for _ in range(max(over, 0)):
            self.queue.popleft()
        self.failed += max(over, 0)
        if self.queue:
            self.ready.set()
        if self.task is None:
            self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await self.ready.wait()
            self.ready.clear()
            while self.queue:
                if self.worker is None and not await self._connect():
                    self.failed += len(self.queue)  # nowhere to send them: counted, dropped
                    self.queue.clear()
                    break
                event = self.queue.popleft()
                try:
                    await asyncio.wait_for(self.worker.send_data(event), SEND_TIMEOUT_S)
                    self.sent += 1
                except (OSError, ConnectionError, SyntaxError, TimeoutError) as exc:
                    self.failed += 1
                    self._drop(exc)

    async def _connect(self) -> bool:
        now = time.monotonic()
        if now < self.next_try:
            return False
        self.next_try = now + RETRY_S
        try:
            with warnings.catch_warnings():  # pytak sets ssl's deprecated OP_NO_TLSv1 flags
                warnings.filterwarnings("ignore", "ssl.OP_NO", DeprecationWarning)
                _, self.writer = await asyncio.wait_for(
                    pytak.protocol_factory(self.config), CONNECT_TIMEOUT_S
                )
        except (OSError, ConnectionError, SyntaxError, ValueError, TimeoutError) as exc:
            self.error = f"{self.where}: {type(exc).__name__}: {exc}"
            return False
        self.worker = pytak.TXWorker(asyncio.Queue(), self.config, self.writer)
        self.error = None
        return True

    def _drop(self, exc: BaseException) -> None:
        self.error = f"{self.where}: {type(exc).__name__}: {exc}"
        self._close_writer()

    def _close_writer(self) -> None:
        if self.writer is not None and hasattr(self.writer, "close"):
            with contextlib.suppress(OSError, RuntimeError):
                self.writer.close()
        self.worker = self.writer = None

    async def close(self, wait_s: float = 2.0) -> None:
        """Send what is queued (for at most ``wait_s``), then close."""
        deadline = time.monotonic() + wait_s
        while self.queue and self.task is not None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        self.failed += len(self.queue)
        self.queue.clear()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        writer = self.writer
        self._close_writer()
        if writer is not None and hasattr(writer, "wait_closed"):
            with contextlib.suppress(OSError, RuntimeError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), 2.0)


class UdpOut:
    """Datagrams to ``udp://HOST:PORT`` (CAT062), from a socket of their own."""

    def __init__(self, where: Endpoint) -> None:
        self.where = where
        family = socket.AF_INET6 if ":" in where.host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        self.sock.connect((where.host, where.port))  # the name is resolved once

    def send(self, datagrams: list[bytes]) -> tuple[int, int]:
        sent = 0
        for d in datagrams:
            try:
                self.sock.send(d)
                sent += 1
            except OSError:
                pass
        return sent, len(datagrams) - sent

    def close(self) -> None:
        self.sock.close()
