"""A rotating radar's stream: plots each with its own time over the antenna's sweep, cut into
sectors that tile the circle (:mod:`cupola.feed.scans`), and the feed tracking on them as on a
scan at one time: ``cupola replay --sweep`` of the border town's raid into the feed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from cupola.core.table import take
from cupola.feed import cat048, cot
from cupola.feed.base import Endpoint, plot_table
from cupola.feed.replay import read_run, windows
from cupola.feed.scans import Scans
from cupola.scenario import load
from cupola.sim.world import World, compile_world

from .conftest import datagrams, paced, receiver, run_cupola, run_feed

TWO_PI = 2 * np.pi


def rotating(revolutions: int, azimuths: np.ndarray, period: float = 1.0) -> np.ndarray:
    """(time, azimuth) of a target at each azimuth, each revolution, antenna at north at 0."""
    k = np.repeat(np.arange(revolutions), len(azimuths))
    az = np.tile(azimuths, revolutions)
    t = (k + az / TWO_PI) * period
    order = np.argsort(t)
    return np.column_stack([t[order], az[order]])


def test_a_sweeping_radars_scans_are_sectors_that_tile_the_circle() -> None:
    az = np.sort(np.random.default_rng(1).uniform(0, TWO_PI, 40))
    ta = rotating(3, az)
    s = Scans(hold_s=0.5, revisit_s={0: 1.0, 1: 1.0})
    out = []
    for k, chunk in enumerate(np.array_split(ta, 60)):  # datagrams as the antenna turns
        n = len(chunk)
        p = plot_table(chunk[:, 0], np.zeros(n), np.full(n, 9000.0), chunk[:, 1], np.full(n, 0.1))
        out += s.add(p, now=0.01 * k)
        if k == 20:  # a snapshot radar beside it: one time a scan, all round
            one = plot_table(
                np.full(3, 1.5), np.ones(3), [1e3, 2e3, 3e3], np.full(3, 1.0), [0.1] * 3
            )
            out += s.add(one, now=0.01 * k)
    out += s.flush(now=10.0, everything=True)
    mine = [x for x in out if x.sensor == 0]
    assert sum(len(x.plots.time) for x in mine) == len(ta)
    assert [x.time for x in out] == sorted(x.time for x in out)
    (snap,) = [x for x in out if x.sensor == 1]
    assert (snap.time, snap.sector) == (1.5, None)
    for x in mine:
        span = x.plots.time[-1] - x.plots.time[0]
        assert span < 0.05
        assert x.time == (x.plots.time[0] + x.plots.time[-1]) / 2
    sectors = [x.sector for x in mine]
    assert all(sc is not None for sc in sectors)
    ends = [(a + w) % TWO_PI for a, w in sectors]  # type: ignore[misc]
    np.testing.assert_allclose([a for a, _ in sectors[1:]], ends[:-1])  # type: ignore[misc]
    np.testing.assert_allclose(ends, [x.plots.azimuth_rad[-1] for x in mine])
    turned = sum(w for _, w in sectors)  # type: ignore[misc]
    np.testing.assert_allclose(turned, 3 * TWO_PI - (az[0] + TWO_PI - az[-1]))


def test_after_a_quiet_revolution_a_sector_scan_covers_all_round() -> None:
    s = Scans(hold_s=0.5, revisit_s={0: 1.0})
    out = []
    for t, now in [(0.10, 0.0), (0.12, 0.01), (0.30, 0.02), (1.80, 0.03), (1.90, 0.04)]:
        out += s.add(plot_table([t], [0], [9000.0], [t * TWO_PI % TWO_PI], [0.1]), now=now)
    out += s.flush(now=5.0)
    assert [x.time for x in out] == [0.11, 0.30, 1.80, 1.90]
    assert [x.sector is None for x in out] == [False, False, True, False]


def sweep_stream(rec) -> list[list[bytes]]:  # type: ignore[no-untyped-def]
    p = rec.plots
    parts = [take(p, slice(a, b)) for a, b in zip(*windows(p), strict=True)]
    return [cat048.encode(x, rec.heights)[0] for x in parts]


def tracks_of(world: World, stream: list[list[bytes]], journal: Path) -> tuple[set[str], dict]:
    with receiver() as got:
        status, _, events = run_feed(
            world,
            journal,
            "asterix48",
            paced(stream, 0.002),
            cot=Endpoint("udp", "127.0.0.1", got.port),
        )
    uids = {e["uid"] for e in map(cot.parse, got.got) if e["uid"].startswith("cupola-track-")}
    kinds: dict[str, int] = {}
    for e in events:
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    return uids, kinds | {"rejected": status["rejected_total"]}


def test_the_feed_tracks_a_sweeping_radar_as_a_radar_of_whole_scans(
    recorded: Path, tmp_path: Path
) -> None:
    world = compile_world(load(recorded / "scenario.yaml"))
    swept = read_run(recorded, swept=True)
    whole, whole_kinds = tracks_of(
        world, datagrams(read_run(recorded), "asterix48"), tmp_path / "a"
    )
    sectors, kinds = tracks_of(world, sweep_stream(swept), tmp_path / "b")
    assert kinds["rejected"] == 0
    assert len(sectors) >= 0.9 * len(whole) > 50
    assert kinds["impact_predicted"] >= 0.9 * whole_kinds["impact_predicted"]
    assert kinds.get("alert", 0) > 0
    # Without the sectors (the radar taken to scan all round at each plot's time), every
    # track not in a plot's one-plot scan counts a miss, and none is ever confirmed.
    blind = dataclasses.replace(
        world, radars=[dataclasses.replace(r, revisit_s=1e-4) for r in world.radars]
    )
    lost, _ = tracks_of(blind, sweep_stream(swept), tmp_path / "c")
    assert len(lost) < 0.1 * len(whole)


def test_replay_sweep_sends_sectors(recorded: Path) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
        sink.bind(("127.0.0.1", 0))
        port = sink.getsockname()[1]
        got = run_cupola(
            "replay", str(recorded), "--to", f"udp://127.0.0.1:{port}", "--speed", "1000",
            "--sweep",
        )  # fmt: skip
    assert got.returncode == 0, got.stderr
    assert "sectors" in got.stdout
