"""The event log: broadcasting in ``add``, validation, and the stable time order of ``table``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cupola.sim.events import KINDS, EventLog

COLUMNS = (
    "time",
    "kind",
    "threat_id",
    "track_id",
    "unit_id",
    "zone_id",
    "x_m",
    "y_m",
    "z_m",
    "detail",
)
INTS = ("threat_id", "track_id", "unit_id", "zone_id")


def test_scalar_time_with_array_ids() -> None:
    log = EventLog()
    log.add("detection", 12.5, threat_id=np.array([4, 7, 9]), unit_id=2)
    t = log.table()
    assert t["time"].tolist() == [12.5] * 3
    assert t["threat_id"].tolist() == [4, 7, 9]
    assert t["unit_id"].tolist() == [2] * 3
    assert t["track_id"].tolist() == [-1] * 3
    assert t["zone_id"].tolist() == [-1] * 3
    assert t["kind"].tolist() == ["detection"] * 3
    assert t["detail"].tolist() == [""] * 3
    assert np.isnan(t["x_m"]).all()
    assert np.isnan(t["z_m"]).all()


def test_array_time_with_scalars_positions_and_details() -> None:
    log = EventLog()
    pos = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    log.add("intercept", np.array([3.0, 4.0]), track_id=5, pos=pos, detail=["a", "b"])
    log.add("alert", [1.0, 2.0], zone_id=[8, 9], pos=[7.0, 8.0, 9.0], detail="siren")
    log.add("impact", 0.5, threat_id=3, pos=pos[:1])  # one row from a (1, 3) position
    t = log.table()
    assert t["time"].tolist() == [0.5, 1.0, 2.0, 3.0, 4.0]
    assert t["kind"].tolist() == ["impact", "alert", "alert", "intercept", "intercept"]
    assert t["x_m"].tolist() == [1.0, 7.0, 7.0, 1.0, 4.0]
    assert t["z_m"].tolist() == [3.0, 9.0, 9.0, 3.0, 6.0]
    assert t["zone_id"].tolist() == [-1, 8, 9, -1, -1]
    assert t["track_id"].tolist() == [-1, -1, -1, 5, 5]
    assert t["detail"].tolist() == ["", "siren", "siren", "a", "b"]


def test_scalar_everything_is_one_event_and_dtypes() -> None:
    log = EventLog()
    log.add("launch", 1, threat_id=np.int64(3))
    t = log.table()
    assert list(t) == list(COLUMNS)
    assert len(t["time"]) == 1
    assert t["time"].dtype == np.float64
    for k in INTS:
        assert t[k].dtype == np.int64
    for k in ("x_m", "y_m", "z_m"):
        assert t[k].dtype == np.float64
    assert t["kind"].dtype == object
    assert t["detail"].dtype == object


def test_empty_chunks_add_nothing() -> None:
    log = EventLog()
    log.add("miss", np.empty(0), threat_id=np.empty(0, np.int64), detail=[])
    log.add("track_deleted", 5.0, track_id=np.empty(0, np.int64))  # scalar time, no ids
    log.add("impact", np.empty(0), pos=np.empty((0, 3)), detail="x")
    assert len(log.table()["time"]) == 0
    assert log.count("miss") == 0


def test_inputs_are_copied() -> None:
    log = EventLog()
    ids = np.array([1, 2])
    times = np.array([1.0, 2.0])
    log.add("launch", times, threat_id=ids)
    ids[:] = 99
    times[:] = -1.0
    t = log.table()
    assert t["threat_id"].tolist() == [1, 2]
    assert t["time"].tolist() == [1.0, 2.0]


def test_unknown_kind_and_mismatched_lengths_are_rejected() -> None:
    log = EventLog()
    with pytest.raises(ValueError, match="unknown event kind 'explosion'"):
        log.add("explosion", 1.0)
    with pytest.raises(ValueError, match="different lengths"):
        log.add("launch", [1.0, 2.0, 3.0], threat_id=[1, 2])
    with pytest.raises(ValueError, match="different lengths"):
        log.add("launch", [1.0, 2.0], pos=np.zeros((3, 3)))
    assert len(log.table()["time"]) == 0


def test_empty_table_columns_and_dtypes() -> None:
    t = EventLog().table()
    assert list(t) == list(COLUMNS)
    for v in t.values():
        assert v.shape == (0,)
    assert t["time"].dtype == np.float64
    for k in INTS:
        assert t[k].dtype == np.int64
    for k in ("x_m", "y_m", "z_m"):
        assert t[k].dtype == np.float64
    assert t["kind"].dtype == object
    assert t["detail"].dtype == object


def test_count() -> None:
    log = EventLog()
    log.add("launch", [1.0, 2.0], threat_id=[0, 1])
    log.add("impact", 3.0, threat_id=0)
    log.add("launch", 4.0, threat_id=2)
    assert log.count("launch") == 3
    assert log.count("impact") == 1
    assert log.count("miss") == 0


chunk = st.tuples(
    st.sampled_from(KINDS),
    st.lists(st.integers(0, 6).map(float), min_size=0, max_size=6),  # few distinct times
)


@settings(max_examples=50, deadline=None)
@given(st.lists(chunk, min_size=0, max_size=12))
def test_table_is_stably_sorted_by_time(chunks: list[tuple[str, list[float]]]) -> None:
    log = EventLog()
    seq = 0
    expected: list[tuple[float, int, str]] = []  # (time, insertion number, kind)
    for kind, times in chunks:
        ids = np.arange(seq, seq + len(times))
        log.add(kind, np.array(times, float), threat_id=ids)
        expected += [(t, int(i), kind) for t, i in zip(times, ids, strict=True)]
        seq += len(times)
    t = log.table()
    assert (np.diff(t["time"]) >= 0).all()
    expected.sort(key=lambda e: e[0])  # Python's sort is stable: ties keep insertion order
    assert t["time"].tolist() == [e[0] for e in expected]
    assert t["threat_id"].tolist() == [e[1] for e in expected]
    assert t["kind"].tolist() == [e[2] for e in expected]
    for k in COLUMNS:
        assert len(t[k]) == seq
