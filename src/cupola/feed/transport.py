"""Where the picture goes: CoT to a TAK client or server through pytak (UDP, TCP, TLS), and
CAT062 over UDP.

A destination that cannot be reached (a TAK server down, a TCP connection reset) costs the
events sent to it, counted as failed, never the service: the connection is opened again at
the next send, no more often than every :data:`RETRY_S`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cupola.feed.base import Endpoint

with warnings.catch_warnings():  # pytak warns at import about optional extras Cupola does not use
    warnings.simplefilter("ignore", UserWarning)
    import pytak

#: Least wait between two attempts to (re)connect, s.
RETRY_S = 2.0


@dataclass(frozen=True)
class Tls:
    """Client certificate, key and certificate authority for ``tls://`` (PEM files)."""

    cert: Path
    key: Path | None = None
    ca: Path | None = None


class CotOut:
    """CoT events to one destination through pytak's transports.

    Parameters
    ----------
    where : Endpoint
        ``udp://``, ``tcp://`` or ``tls://`` HOST:PORT.
    tls : Tls or None
        For ``tls://``.
    protobuf : bool
        TAK protocol version 1 (protobuf through takproto) instead of XML.
    """

    def __init__(self, where: Endpoint, tls: Tls | None = None, protobuf: bool = False) -> None:
        self.where = where
        scheme = "udp+wo" if where.scheme == "udp" else where.scheme
        self.config: dict[str, Any] = {
            "COT_URL": f"{scheme}://{where.host}:{where.port}",
            "TAK_PROTO": "1" if protobuf else "0",
        }
        if tls is not None:
            self.config["PYTAK_TLS_CLIENT_CERT"] = str(tls.cert)
            if tls.key is not None:
                self.config["PYTAK_TLS_CLIENT_KEY"] = str(tls.key)
            if tls.ca is not None:
                self.config["PYTAK_TLS_CLIENT_CAFILE"] = str(tls.ca)
        self.worker: Any = None
        self.writer: Any = None
        self.next_try = 0.0
        self.error: str | None = None

    async def send(self, events: list[bytes]) -> tuple[int, int]:
        """Send events; returns how many were sent and how many failed."""
        if not events:
            return 0, 0
        if self.worker is None and not await self._connect():
            return 0, len(events)
        sent = 0
        try:
            for e in events:
                await self.worker.send_data(e)
                sent += 1
        except (OSError, ConnectionError, SyntaxError) as exc:
            self._drop(exc)
        return sent, len(events) - sent

    async def _connect(self) -> bool:
        now = time.monotonic()
        if now < self.next_try:
            return False
        self.next_try = now + RETRY_S
        try:
            with warnings.catch_warnings():  # pytak sets ssl's deprecated OP_NO_TLSv1 flags
                warnings.filterwarnings("ignore", "ssl.OP_NO", DeprecationWarning)
                _, self.writer = await pytak.protocol_factory(self.config)
        except (OSError, ConnectionError, SyntaxError, ValueError) as exc:
            self.error = f"{self.where}: {exc}"
            return False
        self.worker = pytak.TXWorker(asyncio.Queue(), self.config, self.writer)
        self.error = None
        return True

    def _drop(self, exc: BaseException) -> None:
        self.error = f"{self.where}: {exc}"
        self.close()

    def close(self) -> None:
        if self.writer is not None and hasattr(self.writer, "close"):
            with contextlib.suppress(OSError, RuntimeError):
                self.writer.close()
        self.worker = self.writer = None


class UdpOut:
    """Datagrams to ``udp://HOST:PORT`` (CAT062), from a socket of their own."""

    def __init__(self, where: Endpoint) -> None:
        self.where = where
        family = socket.AF_INET6 if ":" in where.host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.setblocking(False)

    def send(self, datagrams: list[bytes]) -> tuple[int, int]:
        sent = 0
        for d in datagrams:
            try:
                self.sock.sendto(d, (self.where.host, self.where.port))
                sent += 1
            except OSError:
                pass
        return sent, len(datagrams) - sent

    def close(self) -> None:
        self.sock.close()
