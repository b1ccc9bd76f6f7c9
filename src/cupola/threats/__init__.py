"""Threats stage: truth flight of rockets, mortar rounds, ballistic missiles, drones and
cruise missiles.

Frame: local ENU meters over a flat earth, ``z`` the altitude above the ground, constant gravity
``G`` = 9.80665 m/s² downward. Ballistic rows fly a 3-DOF point mass with quadratic drag in an
exponential atmosphere (:mod:`~cupola.threats.ballistic`, :mod:`~cupola.threats.atmosphere`);
air-breathing rows fly waypoint routes at constant speed with a terminal dive
(:mod:`~cupola.threats.airbreathing`); :func:`solve_launch` aims ballistic launches at ground
targets; :func:`step` advances the whole :class:`ThreatTable` by one tick.
"""

from cupola.threats import airbreathing
from cupola.threats.atmosphere import RHO0, SCALE_HEIGHT, density
from cupola.threats.ballistic import (
    G,
    acceleration,
    fly_to_ground,
    ground_crossing,
    rk4_step,
    trajectory,
)
from cupola.threats.base import (
    AIR_BREATHING,
    BALLISTIC,
    FLYING,
    KILLED,
    LANDED,
    WAITING,
    FlightOutputs,
    ThreatTable,
)
from cupola.threats.flight import make_table, step
from cupola.threats.launch import solve_launch

__all__ = [
    "AIR_BREATHING",
    "BALLISTIC",
    "FLYING",
    "KILLED",
    "LANDED",
    "RHO0",
    "SCALE_HEIGHT",
    "WAITING",
    "FlightOutputs",
    "G",
    "ThreatTable",
    "acceleration",
    "airbreathing",
    "density",
    "fly_to_ground",
    "ground_crossing",
    "make_table",
    "rk4_step",
    "solve_launch",
    "step",
    "trajectory",
]
