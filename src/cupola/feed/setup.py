"""``cupola feed``'s and ``cupola replay``'s options checked into what the service runs on,
every mistake one :class:`~cupola.errors.InputError` naming the option, before anything
listens or is written."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from cupola.errors import InputError
from cupola.feed.base import PLOT_FORMATS, Endpoint, endpoint
from cupola.feed.service import FeedOptions
from cupola.feed.transport import Tls
from cupola.scenario import load
from cupola.scenario.deployment import load_deployment
from cupola.sim.world import World, compile_world


def check_format(fmt: str) -> str:
    if fmt not in PLOT_FORMATS:
        raise InputError("--format", "", f"{fmt!r}: must be one of {', '.join(PLOT_FORMATS)}")
    return fmt


def _local(ep: Endpoint, option: str, allow_remote: bool) -> Endpoint:
    if not ep.loopback and not allow_remote:
        raise InputError(
            option,
            "",
            f"{ep}: listens beyond this machine; give --allow-remote to mean it "
            "(or a loopback address such as 127.0.0.1)",
        )
    return ep


def _file(path: Path | None, option: str) -> Path | None:
    if path is not None and not path.is_file():
        raise InputError(option, "", f"{path}: no such file")
    return path


def feed_setup(
    *,
    listen: str,
    fmt: str,
    scenario: str | None,
    sensors: Path | None,
    zones: Path | None = None,
    assets: Path | None = None,
    cot: str | None,
    cat062: str | None,
    journal: Path,
    http: str | None,
    allow_remote: bool,
    day: str | None,
    tls_cert: Path | None,
    tls_key: Path | None,
    tls_ca: Path | None,
    protobuf: bool,
    stale_s: float,
    status_every_s: float,
    simulated: bool,
    uid_prefix: str = "cupola",
    decode_workers: int = 0,
) -> tuple[World, FeedOptions]:
    """The world and options of ``cupola feed`` (module docstring)."""
    check_format(fmt)
    where = _local(endpoint(listen, "--listen", ("udp",)), "--listen", allow_remote)
    if (scenario is None) == (sensors is None):
        raise InputError(
            "--scenario",
            "",
            "give a scenario (a built-in name or a file) or --sensors SENSORS.yaml, one of them",
        )
    if sensors is None:
        for option, given in (("--zones", zones), ("--assets", assets)):
            if given is not None:
                raise InputError(option, "", "goes with --sensors (a scenario has its own)")
        assert scenario is not None
        world = compile_world(load(scenario), scenario)
    else:
        deployment = load_deployment(sensors, _file(zones, "--zones"), _file(assets, "--assets"))
        world = compile_world(deployment, str(sensors))
    cot_to = endpoint(cot, "--cot", ("udp", "tcp", "tls")) if cot is not None else None
    tls = None
    if cot_to is not None and cot_to.scheme == "tls":
        if tls_cert is None:
            raise InputError("--tls-cert", "", "tls:// needs a client certificate (PEM)")
        tls = Tls(tls_cert, _file(tls_key, "--tls-key"), _file(tls_ca, "--tls-ca"))
        _file(tls_cert, "--tls-cert")
    cat = endpoint(cat062, "--cat062", ("udp",)) if cat062 is not None else None
    status = None
    if http is not None and http != "none":
        status = _local(endpoint(f"http://{http}", "--http", ("http",)), "--http", allow_remote)
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", uid_prefix):
        raise InputError(
            "--uid-prefix", "", f"{uid_prefix!r}: 1 to 40 letters, digits, '.', '_' or '-'"
        )
    if not 0 <= decode_workers <= 8:
        raise InputError("--decode-workers", "", f"must be 0 to 8, got {decode_workers}")
    if stale_s <= 0:
        raise InputError("--stale-s", "", f"must be above 0, got {stale_s:g}")
    if status_every_s <= 0:
        raise InputError("--status-every", "", f"must be above 0, got {status_every_s:g}")
    if journal.exists() and not journal.is_file():
        raise InputError("--journal", "", f"{journal}: not a file")
    if not journal.parent.is_dir():
        raise InputError("--journal", "", f"{journal.parent}: no such folder")
    return world, FeedOptions(
        listen=where,
        format=fmt,
        journal=journal,
        day=_day(day),
        cot=cot_to,
        cat062=cat,
        http=status,
        tls=tls,
        protobuf=protobuf,
        stale_s=stale_s,
        status_every_s=status_every_s,
        simulated=simulated,
        service=uid_prefix,
        decode_workers=decode_workers,
    )


def _day(text: str | None) -> datetime | None:
    """00:00 UTC of ``text`` (YYYY-MM-DD); None without (a live feed: the UTC clock)."""
    if text is None:
        return None
    try:
        d = date.fromisoformat(text)
    except ValueError:
        raise InputError("--day", "", f"{text!r}: give a date as YYYY-MM-DD") from None
    return datetime(d.year, d.month, d.day, tzinfo=UTC)
