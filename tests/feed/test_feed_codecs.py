"""The feed's codecs: CAT048 and CAT062 round trips through libasterix within half an LSB,
plots JSON lines, CoT events with what TAK clients need parsed back (and as TAK protobuf),
and what each decoder does with bytes that are not what they should be."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.core.table import concat
from cupola.feed import cat048, cat062, cot, plots_jsonl
from cupola.feed.asterix import FT_M, NM_M
from cupola.feed.base import DayClock, plot_table
from cupola.feed.core import Picture
from cupola.scenario import load
from cupola.sim.world import World, compile_world

HEIGHTS = {0: 10.0, 7: 250.0}

plot_rows = st.lists(
    st.tuples(
        st.floats(40_000.0, 80_000.0),  # within half a day: no midnight in between
        st.sampled_from([0, 7]),
        st.floats(200.0, 200_000.0),
        st.floats(0.0, 2 * math.pi - 1e-6),
        st.floats(-0.05, 1.2),
    ),
    min_size=1,
    max_size=80,
)


@settings(max_examples=40, deadline=None)
@given(rows=plot_rows)
def test_cat048_round_trip_is_within_half_an_lsb(rows: list[tuple[float, ...]]) -> None:
    """Every plot encoded decodes with libasterix to its time (1/128 s), range (1/256 NM),
    azimuth (360/2^16 °) and a height within 12.5 ft, so an elevation within that over the
    range."""
    t, s, r, a, e = (np.array(c) for c in zip(*rows, strict=True))
    z = np.array([HEIGHTS[int(k)] for k in s])
    fits = np.abs(z + r * np.sin(e)) < cat048.MAX_HEIGHT_M  # a 3D radar's height: ±62 km
    data, bad = cat048.encode(plot_table(t, s, r, a, e), HEIGHTS)
    assert bad == int((~fits).sum())
    if not fits.any():
        return
    t, s, r, a, e, z = (c[fits] for c in (t, s, r, a, e, z))
    assert all(len(d) <= 1400 for d in data)
    got = [cat048.Decoder(HEIGHTS)(d) for d in data]
    assert all(not g.rejected for g in got)
    p = concat(*(g.plots for g in got))
    assert np.array_equal(p.sensor_id, s)
    assert np.abs(p.time - t).max() <= 0.5 / 128 + 1e-9
    assert np.abs(p.range_m - r).max() <= 0.5 / 256 * NM_M + 1e-6
    turn = np.abs(np.angle(np.exp(1j * (p.azimuth_rad - a))))
    assert turn.max() <= math.radians(0.5 * 360 / 2**16) + 1e-9
    height = z + r * np.sin(e)
    assert np.abs(z + p.range_m * np.sin(p.elevation_rad) - height).max() <= 12.5 * FT_M + 0.02


def test_cat048_is_read_by_libasterix_as_a_target_report() -> None:
    """Item by item, as any CAT048 reader sees it."""
    import asterix.generated as gen
    from asterix.base import Bits, RawDatablock

    plots = plot_table([3600.25], [7], [12_345.0], [math.radians(45.0)], [0.1])
    (data,), _ = cat048.encode(plots, HEIGHTS, sac=25, simulated=True)
    (block,) = RawDatablock.parse(Bits.from_bytes(data))
    assert block.get_category() == 48
    (rec,) = gen.Cat_048_1_32.cv_uap.parse(block.get_raw_records())
    i010 = rec.get_item("010").variation
    assert (i010.get_item("SAC").as_uint(), i010.get_item("SIC").as_uint()) == (25, 7)
    assert rec.get_item("140").variation.content.as_quantity() == 3600.25
    pos = rec.get_item("040").variation
    assert pos.get_item("RHO").variation.content.as_quantity() == pytest.approx(
        12_345.0 / NM_M, abs=1 / 512
    )
    assert pos.get_item("THETA").variation.content.as_quantity() == pytest.approx(45.0, abs=0.003)
    assert rec.get_item("020").variation.get_item("SIM").as_uint() == 1
    h = rec.get_item("110").variation.get_item("3DH").variation.content.as_quantity()
    assert h * FT_M == pytest.approx(250.0 + 12_345.0 * math.sin(0.1), abs=12.5 * FT_M)


def test_cat048_leaves_out_what_it_cannot_carry() -> None:
    plots = plot_table(
        [1.0, 1.0, 1.0], [0, 0, 3], [600_000.0, 1000.0, 1000.0], [0.0] * 3, [0.1] * 3
    )
    data, bad = cat048.encode(plots, HEIGHTS)  # beyond 256 NM; a sensor without a height
    assert bad == 2
    assert len(cat048.Decoder(HEIGHTS)(data[0]).plots.time) == 1


def test_cat048_decoder_counts_what_it_cannot_use() -> None:
    plots = plot_table([10.0] * 3, [0, 0, 0], [5000.0, 6000.0, 7000.0], [0.1, 0.2, 0.3], [0.1] * 3)
    (data,), _ = cat048.encode(plots, HEIGHTS)
    decode = cat048.Decoder(HEIGHTS)
    assert decode(b"").rejected == {}
    assert decode(b"\x30\x00").rejected == {"truncated": 1}
    assert sum(decode(b"not asterix at all").rejected.values()) == 1
    cut = decode(data[:-4])  # the datablock's length says more than there is
    assert len(cut.plots.time) == 0
    assert sum(cut.rejected.values()) == 1
    tail = decode(data + b"\x30\x00\x09\xff\xff\xff\xff\xff\xff")  # a good block, then a bad
    assert len(tail.plots.time) == 3
    assert sum(tail.rejected.values()) == 1
    other = cat062.encode(
        cat062.Tracks(
            np.array([1.0]),
            np.array([1]),
            np.array([31.0]),
            np.array([34.0]),
            np.zeros((1, 3)),
            np.zeros((1, 3)),
        )
    )[0][0]
    assert decode(other).rejected == {"other category": 1}
    unknown = cat048.Decoder({0: 10.0})(
        cat048.encode(plot_table([1.0], [7], [900.0], [0.0], [0.0]), HEIGHTS)[0][0]
    )
    assert unknown.rejected == {"unknown sensor": 1}


def test_day_clock_goes_past_midnight() -> None:
    clock = DayClock()
    got = clock(np.array([86399.0, 86399.5, 0.25, 86399.9, 1.0]))
    assert got.tolist() == [86399.0, 86399.5, 86400.25, 86399.9, 86401.0]


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 40),
    x=st.floats(-200_000, 200_000),
    vz=st.floats(-1000, 1000),
    alt=st.floats(-300, 20_000),
)
def test_cat062_round_trip_is_within_half_an_lsb(n: int, x: float, vz: float, alt: float) -> None:
    rng = np.random.default_rng(n)
    pos = np.column_stack(
        [x + rng.uniform(-1e3, 1e3, n), rng.uniform(-1e5, 1e5, n), np.full(n, alt)]
    )
    vel = np.column_stack([rng.uniform(-900, 900, (n, 2)), np.full(n, vz)])
    tr = cat062.Tracks(
        rng.uniform(0, 86399, n),
        rng.integers(0, 200_000, n),
        rng.uniform(-60, 60, n),
        rng.uniform(-179, 179, n),
        pos,
        vel,
    )
    data, bad = cat062.encode(tr, sac=3, sic=4, simulated=True)
    assert bad == 0
    got = [r for d in data for r in cat062.decode(d)[0]]
    assert len(got) == n
    for k, r in enumerate(got):
        assert r["track_number"] == tr.track_id[k] % 65536
        assert abs(r["time"] - tr.time[k]) <= 0.5 / 128 + 1e-9
        assert abs(r["lat"] - tr.lat[k]) <= 0.5 * 180 / 2**25 + 1e-12
        assert abs(r["lon"] - tr.lon[k]) <= 0.5 * 180 / 2**25 + 1e-12
        assert abs(r["x"] - pos[k, 0]) <= 0.25 + 1e-9
        assert abs(r["vx"] - vel[k, 0]) <= 0.125 + 1e-9
        assert abs(r["alt_m"] - alt) <= 3.125 * FT_M + 1e-6
        assert abs(r["vz"] - vz) <= 3.125 * FT_M / 60 + 1e-6
        assert r["sim"] == 1


def test_plots_jsonl_round_trip_and_bad_lines() -> None:
    plots = plot_table(
        np.arange(50.0), np.zeros(50), np.full(50, 1234.5), np.full(50, 0.5), np.full(50, 0.1)
    )
    data = plots_jsonl.encode(plots)
    assert len(data) > 1
    assert all(len(d) <= 1400 for d in data)
    back = [plots_jsonl.decode(d) for d in data]
    assert sum(len(b.plots.time) for b in back) == 50
    assert np.array_equal(np.concatenate([b.plots.time for b in back]), plots.time)
    bad = plots_jsonl.decode(
        b'{"time": 1, "sensor_id": 0, "range_m": 1, "azimuth_rad": 0, "elevation_rad": NaN}\n'
        b'{"time": 1, "sensor_id": 0, "range_m": 1, "azimuth_rad": 0}\n'
        b'{"time": 1, "sensor_id": 0, "range_m": 1, "azimuth_rad": 0, "elevation_rad": 0, "x": 1}\n'
        b'{"time": "1", "sensor_id": 0, "range_m": 1, "azimuth_rad": 0, "elevation_rad": 0}\n'
        b'{"time": 1, "sensor_id": -1, "range_m": 1, "azimuth_rad": 0, "elevation_rad": 0}\n'
        b"[1, 2]\n{{{\n"
        b'{"time": 2, "sensor_id": 0, "range_m": 1, "azimuth_rad": 0, "elevation_rad": 0}\n'
    )
    assert len(bad.plots.time) == 1
    assert dict(bad.rejected) == {
        "not finite": 1,
        "missing field": 1,
        "unknown field": 1,
        "not a number": 1,
        "bad sensor id": 1,
        "garbage": 2,
    }
    assert plots_jsonl.decode(b"\xff\xfe").rejected == {"garbage": 1}


def _picture() -> tuple[Picture, World]:
    world = compile_world(load("border-town"))
    pic = Picture(
        time=100.0,
        track_id=np.array([5, 9]),
        track_time=np.array([99.5, 100.0]),
        pos=np.array([[1000.0, -4000.0, 2500.0], [0.0, 0.0, 800.0]]),
        vel=np.array([[0.0, 300.0, -50.0], [-100.0, 0.0, 0.0]]),
        cov=np.stack([np.diag([100.0, 100.0, 400.0]), np.diag([25.0, 25.0, 25.0])]),
        kind=np.array([0, -1]),
        asset=np.array([0, -1]),
        impact_track=np.array([5]),
        impact_xy=np.array([[1200.0, 500.0]]),
        impact_time=np.array([130.0]),
        impact_axes=np.array([[150.0, 60.0, 0.3]]),
        alerted=np.asarray(world.zones.ids[:1], np.int64),
        proposal_track=np.array([5]),
        proposal_battery=np.array([0]),
    )
    return pic, world


def test_cot_events_carry_what_tak_clients_need_and_parse_back() -> None:
    pic, world = _picture()
    opts = cot.CotOptions(datetime(2026, 11, 23, tzinfo=UTC), stale_s=10.0)
    events = cot.track_events(pic, world, opts)
    first, second = (cot.parse(e) for e in events)
    assert first["uid"] == "cupola-track-5"
    assert first["type"] == "a-h-A-W-M-S-S"
    assert second["type"] == cot.UNKNOWN_TYPE
    assert first["version"] == "2.0"
    assert first["how"] == "m-f"
    assert first["time"] == first["start"] == "2026-11-23T00:01:39.500Z"
    assert first["stale"] == "2026-11-23T00:01:49.500Z"
    lon, lat = world.frame.to_geodetic(1000.0, -4000.0)
    pt = first["point"]
    assert pt["lat"] == pytest.approx(float(lat), abs=1e-7)
    assert pt["lon"] == pytest.approx(float(lon), abs=1e-7)
    assert (pt["hae"], pt["ce"], pt["le"]) == (2500.0, 10.0, 20.0)
    detail = first["detail"]
    assert detail.find("contact").attrib["callsign"] == "T5"
    track = detail.find("track").attrib
    assert (float(track["course"]), float(track["speed"])) == (0.0, 300.0)
    remarks = detail.find("remarks").text
    assert "rocket" in remarks
    assert "Town" in remarks
    assert "Battery North" in remarks
    (impact,) = (cot.parse(e) for e in cot.impact_events(pic, world, opts))
    assert impact["type"] == "u-d-c-c"
    assert impact["uid"] == "cupola-impact-5"
    assert float(impact["detail"].find("shape/ellipse").attrib["minor"]) == 150.0
    zones = [cot.parse(e) for e in cot.zone_events(world, opts, pic.alerted, 100.0)]
    links = zones[0]["detail"].findall("link")
    assert zones[0]["type"] == "u-d-f"
    assert len(links) >= 4
    assert links[0].attrib["point"] == links[-1].attrib["point"]  # closed
    lifted = cot.parse(cot.zone_events(world, opts, pic.alerted, 100.0, lifted=True)[0])
    assert lifted["stale"] == lifted["time"]
    batteries = cot.battery_events(world, opts, world.units.ready, np.zeros(1, bool), 100.0)
    assert cot.parse(batteries[0])["type"] == "a-f-G-U-C-D"


def test_cot_as_tak_protobuf_round_trips() -> None:
    import takproto

    pic, world = _picture()
    xml = cot.track_events(pic, world, cot.CotOptions(datetime(2026, 11, 23, tzinfo=UTC)))[0]
    for stream in (False, True):
        msg = takproto.parse_proto(bytearray(cot.to_protobuf(xml, stream)))
        ev = msg.cotEvent
        want = cot.parse(xml)
        assert (ev.uid, ev.type) == (want["uid"], want["type"])
        assert ev.lat == pytest.approx(want["point"]["lat"], abs=1e-9)
        assert ev.hae == want["point"]["hae"]


@pytest.mark.parametrize(
    "data",
    [
        b"<?xml version='1.0'?><!DOCTYPE e [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;'>]>"
        b"<event>&b;</event>",
        b"<event uid='x'/>",
        b"<nonsense/>",
        b"\x00\x01 not xml",
        b"<event uid='x' type='a' time='t' start='t' stale='t'><point lat='x'/></event>",
    ],
)
def test_cot_parser_refuses_what_is_not_a_safe_event(data: bytes) -> None:
    with pytest.raises(ValueError, match="not a CoT event"):
        cot.parse(data)


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(-89.0, 89.0),
    lon=st.floats(-179.0, 179.0),
    hae=st.floats(-400.0, 30_000.0),
    ce=st.floats(0.0, 9999999.0),
    text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40),
)
def test_the_track_template_writes_what_pytak_writes(
    lat: float, lon: float, hae: float, ce: float, text: str
) -> None:
    """The template against pytak's ElementTree event (``cot._event``), parsed: the same
    attributes, point (to the 7 decimals written) and detail, whatever the text."""
    opts = cot.CotOptions(datetime(2026, 11, 23, tzinfo=UTC), stale_s=7.5)
    t = 3725.25
    fast = cot.parse(
        cot.track_event(
            uid="cupola-track-1",
            cot_type="a-h-A-W-M-S-S",
            how="m-f",
            times=(cot.stamp(opts, t), cot.stamp(opts, t + 7.5)),
            point=(lat, lon, hae, ce, 3.0),
            course=12.34,
            speed=300.0,
            remarks=text,
            callsign=f"T1 {text}",
        )
    )
    detail = [cot._el("track", course="12.3", speed="300.0"), cot._remarks(text)]
    slow = cot.parse(
        cot._event(
            opts,
            "cupola-track-1",
            "a-h-A-W-M-S-S",
            t,
            (lat, lon, round(hae, 1), round(ce, 1), 3.0),
            detail,
            f"T1 {text}",
        )
    )
    for key in ("version", "uid", "type", "how", "time", "start", "stale"):
        assert fast[key] == slow[key]
    for key in ("lat", "lon"):
        assert fast["point"][key] == pytest.approx(slow["point"][key], abs=1.5e-7)
    for key in ("hae", "ce", "le"):
        assert fast["point"][key] == pytest.approx(slow["point"][key], abs=0.051)
    assert [(c.tag, c.attrib, c.text or "") for c in fast["detail"]] == [
        (c.tag, c.attrib, c.text or "") for c in slow["detail"]
    ]
