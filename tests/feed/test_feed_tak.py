"""CoT to a TAK server's inputs: a plain TCP stream, mutual TLS with client certificates, TAK
protobuf over UDP, and a server that is down (events counted as failed, the feed goes on)."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cupola.feed import cot
from cupola.feed.base import Endpoint
from cupola.feed.replay import Recording, read_run
from cupola.feed.transport import Tls
from cupola.scenario import load
from cupola.sim.world import World, compile_world

from .conftest import datagrams, free_port, paced, receiver, run_feed


@pytest.fixture(scope="module")
def stream(recorded: Path) -> tuple[World, Recording]:
    return compile_world(load(recorded / "scenario.yaml")), read_run(recorded)


class Server:
    """A TCP (or TLS) server on loopback that takes one connection and keeps what it reads."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(30)
        self.port = int(self.sock.getsockname()[1])
        self.tls = tls
        self.data = b""
        self.peer: dict | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        conn, _ = self.sock.accept()
        if self.tls is not None:
            conn = self.tls.wrap_socket(conn, server_side=True)
            self.peer = conn.getpeercert()
        with conn:
            while chunk := conn.recv(65536):
                self.data += chunk

    def events(self) -> list[dict]:
        self.thread.join(30)
        self.sock.close()
        parts = [p for p in self.data.split(b"</event>") if p.strip()]
        return [cot.parse(p + b"</event>") for p in parts]


def test_cot_over_tcp_as_a_tak_server_takes_it(
    stream: tuple[World, Recording], tmp_path: Path
) -> None:
    world, rec = stream
    server = Server()
    where = Endpoint("tcp", "127.0.0.1", server.port)
    status, _, _ = run_feed(
        world, tmp_path / "j.sqlite", "asterix48", paced(datagrams(rec, "asterix48")), cot=where
    )
    events = server.events()
    assert status["cot_failed"] == 0
    assert len(events) == status["cot_sent"] > 300
    assert any(e["uid"].startswith("cupola-track-") for e in events)


def _cert(
    name: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey | None, ca: bool = False,
) -> x509.Certificate:  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        b = b.add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
    return b.sign(issuer_key or key, hashes.SHA256())


def _pem(path: Path, cert: x509.Certificate | None = None, key=None) -> Path:
    if cert is not None:
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    else:
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return path


def test_cot_over_mutual_tls_with_a_client_certificate(
    stream: tuple[World, Recording], tmp_path: Path
) -> None:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("Test CA", ca_key, None, None, ca=True)
    server_key, client_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    server_cert = _cert("localhost", server_key, ca, ca_key)
    client_cert = _cert("cupola", client_key, ca, ca_key)
    ca_pem = _pem(tmp_path / "ca.pem", ca)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(
        _pem(tmp_path / "server.pem", server_cert), _pem(tmp_path / "server.key", key=server_key)
    )
    ctx.load_verify_locations(ca_pem)
    ctx.verify_mode = ssl.CERT_REQUIRED
    server = Server(ctx)
    world, rec = stream
    tls = Tls(
        _pem(tmp_path / "client.pem", client_cert),
        _pem(tmp_path / "client.key", key=client_key),
        ca_pem,
    )
    status, _, _ = run_feed(
        world,
        tmp_path / "j.sqlite",
        "asterix48",
        paced(datagrams(rec, "asterix48")),
        cot=Endpoint("tls", "127.0.0.1", server.port),
        tls=tls,
    )
    events = server.events()
    assert server.peer is not None
    assert dict(x[0] for x in server.peer["subject"])["commonName"] == "cupola"
    assert len(events) == status["cot_sent"] > 300


def test_cot_as_tak_protobuf_over_udp(stream: tuple[World, Recording], tmp_path: Path) -> None:
    import takproto

    world, rec = stream
    with receiver() as got:
        status, _, _ = run_feed(
            world,
            tmp_path / "j.sqlite",
            "asterix48",
            paced(datagrams(rec, "asterix48")),
            cot=Endpoint("udp", "127.0.0.1", got.port),
            protobuf=True,
        )
    assert len(got.got) == status["cot_sent"] > 300
    assert all(d[:3] == b"\xbf\x01\xbf" for d in got.got)  # mesh framing over UDP
    uids = {takproto.parse_proto(bytearray(d)).cotEvent.uid for d in got.got}
    assert any(u.startswith("cupola-track-") for u in uids)


def test_a_tak_server_that_is_down_costs_events_not_the_feed(
    stream: tuple[World, Recording], tmp_path: Path
) -> None:
    world, rec = stream
    status, _, events = run_feed(
        world,
        tmp_path / "j.sqlite",
        "asterix48",
        paced(datagrams(rec, "asterix48")),
        cot=Endpoint("tcp", "127.0.0.1", free_port(socket.SOCK_STREAM)),
    )
    assert status["cot_sent"] == 0
    assert status["cot_failed"] > 300
    assert "127.0.0.1" in status["cot_error"]
    assert status["plots_accepted"] == len(rec.plots.time)
    assert sum(e["kind"] == "track_confirmed" for e in events) > 20
