"""The feed on a bad stream: garbage, truncated records, duplicates, out-of-order plots, NaN,
a burst at ten times the rate and a stall. Each bad record is rejected and counted under its
reason; the service keeps tracking, as on the clean stream."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cupola.core.table import take
from cupola.feed import plots_jsonl
from cupola.feed.replay import Recording, read_run
from cupola.scenario import load
from cupola.sensors.base import PlotTable
from cupola.sim.world import World, compile_world

from .conftest import CUPOLA, ENV, Send, datagrams, paced, run_feed, scans_of


def confirmed(events: list[dict[str, Any]]) -> int:
    return sum(e["kind"] == "track_confirmed" for e in events)


@pytest.fixture(scope="module")
def stream(recorded: Path) -> tuple[World, Recording]:
    rec = read_run(recorded)
    return compile_world(load(recorded / "scenario.yaml")), rec


@pytest.fixture(scope="module")
def clean(stream: tuple[World, Recording], tmp_path_factory: pytest.TempPathFactory) -> int:
    """Tracks confirmed on the clean CAT048 stream."""
    world, rec = stream
    path = tmp_path_factory.mktemp("clean") / "j.sqlite"
    status, _, events = run_feed(world, path, "asterix48", paced(datagrams(rec, "asterix48")))
    assert status["plots_accepted"] == len(rec.plots.time)
    assert status["rejected_total"] == 0
    n = confirmed(events)
    assert n >= 20
    return n


def test_garbage_and_truncated_records_are_counted_and_tracking_goes_on(
    stream: tuple[World, Recording], clean: int, tmp_path: Path
) -> None:
    world, rec = stream
    scans = datagrams(rec, "asterix48")
    rng = np.random.default_rng(0)
    bad: list[list[bytes]] = []
    cut = 0
    for k, data in enumerate(scans):
        if k % 10 == 3:  # a scan cut short: its datagram's length says more than there is
            bad.append([data[0][: len(data[0]) // 2]])
            cut += 1
            continue
        bad.append(data)
        if k % 5 == 0:
            bad.append([rng.bytes(int(rng.integers(1, 300)))])
    status, _, events = run_feed(world, tmp_path / "j.sqlite", "asterix48", paced(bad))
    junk = len(scans) // 5 + (1 if len(scans) % 5 else 0)
    reasons = status["rejected"]
    assert reasons.get("truncated", 0) + reasons.get("garbage", 0) == junk + cut
    assert reasons.get("truncated", 0) >= cut
    lost = sum(len(s.time) for k, s in enumerate(scans_of(rec.plots)) if k % 10 == 3)
    assert status["plots_accepted"] == len(rec.plots.time) - lost
    assert confirmed(events) >= 0.8 * clean


def test_duplicates_are_rejected_and_change_nothing(
    stream: tuple[World, Recording], clean: int, tmp_path: Path
) -> None:
    world, rec = stream
    twice = [[d, d] for data in datagrams(rec, "asterix48") for d in data]
    status, _, events = run_feed(world, tmp_path / "j.sqlite", "asterix48", paced(twice))
    assert status["rejected"] == {"duplicate": len(rec.plots.time)}
    assert status["plots_accepted"] == len(rec.plots.time)
    assert confirmed(events) == clean


def test_out_of_order_plots_are_put_back_in_order_or_counted_late(
    stream: tuple[World, Recording], clean: int, tmp_path: Path
) -> None:
    world, rec = stream
    scans = datagrams(rec, "asterix48")
    # Every pair of scans sent the wrong way round, back to back (within the hold).
    swapped = [scans[k + 1] + scans[k] for k in range(0, len(scans) - 1, 2)]
    swapped += scans[len(scans) - len(scans) % 2 :]
    stale = scans[len(scans) // 3]
    swapped.insert(len(swapped) // 2, stale)  # a scan from long ago, again
    stale_plots = len(scans_of(rec.plots)[len(scans) // 3].time)
    status, _, events = run_feed(world, tmp_path / "j.sqlite", "asterix48", paced(swapped))
    assert status["rejected"] == {"late": stale_plots}
    assert status["plots_accepted"] == len(rec.plots.time)
    assert confirmed(events) == clean


def test_nan_values_are_rejected_and_counted(
    stream: tuple[World, Recording], clean: int, tmp_path: Path
) -> None:
    world, rec = stream
    p = rec.plots
    spoilt = PlotTable(
        p.time.copy(), p.sensor_id, p.range_m.copy(), p.azimuth_rad, p.elevation_rad, p.truth_id
    )
    spoilt.range_m[::50] = np.nan
    spoilt.time[7::97] = np.nan
    nan = np.isnan(spoilt.range_m) | np.isnan(spoilt.time)
    scans = [plots_jsonl.encode(s) for s in scans_of(take(spoilt, ~np.isnan(spoilt.time)))]
    scans.append(plots_jsonl.encode(take(spoilt, np.isnan(spoilt.time))))
    status, _, events = run_feed(world, tmp_path / "j.sqlite", "plots-jsonl", paced(scans))
    assert status["rejected"] == {"not finite": int(nan.sum())}
    assert status["plots_accepted"] == len(p.time) - int(nan.sum())
    assert confirmed(events) >= 0.8 * clean


def test_a_burst_at_ten_times_the_rate_loses_nothing(
    stream: tuple[World, Recording], clean: int, tmp_path: Path
) -> None:
    world, rec = stream
    scans = datagrams(rec, "asterix48")
    third = len(scans) // 3

    async def script(send: Send) -> None:
        for k, data in enumerate(scans):
            for d in data:
                send(d)
            await asyncio.sleep(0.002 if third <= k < 2 * third else 0.02)

    status, _, events = run_feed(world, tmp_path / "j.sqlite", "asterix48", script)
    assert status["rejected_total"] == 0
    assert status["plots_accepted"] == len(rec.plots.time)
    assert confirmed(events) == clean


def test_a_stall_is_reported_and_tracking_resumes(
    stream: tuple[World, Recording], clean: int, tmp_path: Path
) -> None:
    world, rec = stream
    scans = datagrams(rec, "asterix48")
    half = len(scans) // 2
    resumed = float(scans_of(rec.plots)[half].time[0])

    async def script(send: Send) -> None:
        await paced(scans[:half])(send)
        await asyncio.sleep(1.2)  # the radar goes quiet
        await paced(scans[half:])(send)

    status, lines, events = run_feed(
        world, tmp_path / "j.sqlite", "asterix48", script, status_every_s=0.5
    )
    assert any("no data for" in line for line in lines)
    assert status["plots_accepted"] == len(rec.plots.time)
    after = [e for e in events if e["kind"] == "track_confirmed" and e["time"] >= resumed]
    assert after
    assert confirmed(events) == clean


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def test_hostile_values_are_rejected_and_a_jump_in_time_restarts_the_picture(
    stream: tuple[World, Recording], clean: int, tmp_path: Path
) -> None:
    """A plot from far in the future, a radar the feed does not have, an integer of 400
    digits, a range of 1e300, a datagram of 64 KiB of noise: each rejected under its reason.
    Then the radar goes quiet for a second and comes back 150 s later in its own time (a gap
    the tracker cannot predict across, but the wall clock makes plausible): the picture starts
    again and tracking goes on."""
    world, rec = stream
    scans = [plots_jsonl.encode(s) for s in scans_of(rec.plots)]
    half = len(scans) // 2
    good = {"sensor_id": 0, "range_m": 9000.0, "azimuth_rad": 1.0, "elevation_rad": 0.1}
    nxt = float(scans_of(rec.plots)[half // 2].time[0])  # the scan sent next
    hostile = [
        _jsonl([{**good, "time": 1e12}]),
        _jsonl([{**good, "time": nxt, "sensor_id": 999}]),
        b'{"time": 1' + b"0" * 400 + b', "sensor_id": 0, "range_m": 1, "azimuth_rad": 0, '
        b'"elevation_rad": 0}\n',
        _jsonl([{**good, "time": nxt, "range_m": 1e300}]),
        np.random.default_rng(1).bytes(65_000),
    ]
    later = scans_of(rec.plots)[half:]
    shifted = [
        plots_jsonl.encode(
            PlotTable(s.time + 150.0, s.sensor_id, s.range_m, s.azimuth_rad, s.elevation_rad,
                      s.truth_id)
        )
        for s in later
    ]  # fmt: skip

    async def script(send: Send) -> None:
        await paced(scans[: half // 2])(send)
        for d in hostile:
            send(d)
        await paced(scans[half // 2 : half])(send)
        await asyncio.sleep(1.2)
        await paced(shifted)(send)

    status, _, events = run_feed(world, tmp_path / "j.sqlite", "plots-jsonl", script)
    r = status["rejected"]
    assert r["implausible time"] == 1
    assert r["unknown sensor"] == 1
    assert r["not finite"] == 1
    assert r["garbage"] >= 1
    assert r["out of range"] >= 1
    assert "tracker error" not in r
    assert status["plots_accepted"] == len(rec.plots.time)
    back = float(later[0].time[0]) + 150.0
    jumped = [e for e in events if e["kind"] == "track_confirmed" and e["time"] >= back]
    assert len(jumped) >= 0.3 * clean


def test_a_burst_from_another_process_at_200_times_the_pace_loses_nothing(
    stream: tuple[World, Recording], recorded: Path, clean: int, tmp_path: Path
) -> None:
    """`cupola replay --speed 200` (a separate process, as a radar is): every plot accepted,
    the kernel dropped no datagram, the same tracks as the clean stream."""
    world, rec = stream

    async def script(send: Send) -> None:
        proc = await asyncio.create_subprocess_exec(
            *CUPOLA, "replay", str(recorded), "--to", f"udp://127.0.0.1:{send.port}",
            "--speed", "200", "--keep-time",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env=ENV,
        )  # fmt: skip
        assert await proc.wait() == 0

    status, _, events = run_feed(world, tmp_path / "j.sqlite", "asterix48", script)
    assert status["kernel_drops"] in (0, None)
    assert status["rejected_total"] == 0
    assert status["plots_accepted"] == len(rec.plots.time)
    assert confirmed(events) == clean


def test_decoding_in_a_worker_process_tracks_as_decoding_in_the_loop(
    stream: tuple[World, Recording], clean: int, tmp_path: Path
) -> None:
    """CAT048 decoded by a worker process (``--decode-workers 1``), garbage among it: the
    same plots taken and the same tracks as the clean stream decoded in the loop."""
    world, rec = stream
    scans = datagrams(rec, "asterix48")
    mixed = [data + ([b"\x30\x00\x09junk"] if k % 7 == 0 else []) for k, data in enumerate(scans)]
    status, _, events = run_feed(
        world, tmp_path / "j.sqlite", "asterix48", paced(mixed), decode_workers=1
    )
    assert status["plots_accepted"] == len(rec.plots.time)
    assert status["rejected"] == {"truncated": len(scans[::7])}
    assert confirmed(events) == clean
