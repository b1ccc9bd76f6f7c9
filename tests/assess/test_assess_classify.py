"""``classify``: level, slow, low tracks are air-breathing; climbing, fast or high ones not.

Written against the averaged-feature interface (``features`` columns ``abs_vz, v_xy, speed,
z, sigma_vz, a_z``); the cases keep clear of the rule's exact coefficients.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from cupola.assess import AIR_BREATHING, BALLISTIC
from cupola.assess.classify import FEATURES, classify, features

G = 9.80665


def feat(
    vx: float, vy: float, vz: float, z: float, sigma_vz: float = 0.0, a_z: float = 0.0
) -> list[float]:
    """Feature row of a track flying steadily with this velocity (m/s) at altitude z (m)."""
    vxy = float(np.hypot(vx, vy))
    return [abs(vz), vxy, float(np.hypot(vxy, vz)), z, sigma_vz, a_z]


def test_feature_columns() -> None:
    state = np.array([[1.0, 2.0, 300.0, 30.0, 40.0, -12.0], [0.0, 0.0, 5.0, 0.0, 0.0, 3.0]])
    cov = np.zeros((2, 6, 6))
    cov[:, 5, 5] = [4.0, 9.0]
    got = features(state, cov, np.array([-10.0, 3.0]), 0.5)
    assert FEATURES == ("abs_vz", "v_xy", "speed", "z", "sigma_vz", "a_z")
    want = [[12.0, 50.0, np.hypot(50.0, 12.0), 300.0, 2.0, -4.0], [3.0, 0.0, 3.0, 5.0, 3.0, 0.0]]
    np.testing.assert_allclose(got, want, rtol=1e-15)


def test_hand_made_cases() -> None:
    rows = [
        (feat(50.0, 10.0, 1.0, 100.0), AIR_BREATHING),  # Shahed-class drone
        (feat(0.0, 240.0, -5.0, 50.0), AIR_BREATHING),  # cruise missile
        (feat(200.0, 0.0, 300.0, 2000.0, a_z=-G), BALLISTIC),  # rocket climbing
        (feat(150.0, 0.0, -250.0, 3000.0, a_z=-G), BALLISTIC),  # rocket diving
        (feat(30.0, 0.0, 150.0, 1000.0), BALLISTIC),  # climbing steeply, even without a_z
        (feat(600.0, 0.0, 0.0, 3000.0), BALLISTIC),  # level but too fast
        (feat(100.0, 0.0, 0.0, 6000.0), BALLISTIC),  # level and slow, but too high
        (feat(80.0, 0.0, 0.0, 2500.0, a_z=-G), BALLISTIC),  # a mortar round at its apogee
    ]
    got = classify(np.array([r[0] for r in rows]))
    assert got.dtype == np.int8
    assert got.tolist() == [int(r[1]) for r in rows]


def test_sigma_vz_widens_the_level_test() -> None:
    """vz = 40 m/s at v_xy = 50 m/s is a climb for a precise track, noise for a poor one."""
    precise = feat(50.0, 0.0, 40.0, 500.0, sigma_vz=0.0)
    noisy = feat(50.0, 0.0, 40.0, 500.0, sigma_vz=60.0)
    assert classify(np.array([precise, noisy])).tolist() == [BALLISTIC, AIR_BREATHING]


def test_empty() -> None:
    assert classify(np.empty((0, 6))).shape == (0,)


row = st.tuples(
    st.floats(-400.0, 400.0),
    st.floats(-400.0, 400.0),
    st.floats(-400.0, 400.0),
    st.floats(-100.0, 8000.0),
    st.floats(0.0, 40.0),
    st.floats(-15.0, 15.0),
)


@settings(max_examples=50, deadline=None)
@given(st.lists(row, min_size=1, max_size=20), st.floats(0.0, 50.0))
def test_monotone_invariants(
    rows: list[tuple[float, float, float, float, float, float]], extra: float
) -> None:
    f: NDArray[np.float64] = np.array([feat(*r) for r in rows])
    got = classify(f)
    air = got == AIR_BREATHING
    # Whatever the coefficients: air-breathing needs slow, low and not steeper than level.
    assert (f[air, 2] < 350.0).all()
    assert (f[air, 3] < 4000.0).all()
    # More vertical-velocity noise never turns an air-breathing verdict ballistic ...
    wider = f.copy()
    wider[:, 4] += extra
    assert (classify(wider)[air] == AIR_BREATHING).all()
    # ... and a faster or higher track never turns a ballistic verdict air-breathing.
    for col, add in ((2, 400.0), (3, 5000.0)):
        pushed = f.copy()
        pushed[:, col] += add
        assert (classify(pushed) == BALLISTIC).all()


def test_threat_kind_rules() -> None:
    from cupola.assess.classify import KIND_NAMES, threat_kind

    cls = np.array([BALLISTIC] * 4 + [AIR_BREATHING] * 2, np.int8)
    max_z = np.array([3000.0, 6000.0, 30000.0, 90000.0, 500.0, 300.0])
    max_speed = np.array([400.0, 340.0, 1100.0, 2000.0, 50.0, 240.0])
    mean_vxy = np.array([300.0, 120.0, 700.0, 1500.0, 50.0, 240.0])
    got = [KIND_NAMES[k] for k in threat_kind(cls, max_z, max_speed, mean_vxy, max_speed)]
    assert got == [
        "rocket",  # 10 s of loft
        "mortar round",  # 50 s of loft, slow
        "rocket",  # lofted but far too fast for a mortar round
        "ballistic missile",
        "drone",
        "cruise missile",
    ]
