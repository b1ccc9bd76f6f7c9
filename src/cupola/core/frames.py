r"""Local East-North-Up frame around the scenario origin, and radar polar coordinates.

Cupola flies every object in a local frame in meters: ``x`` east, ``y`` north, ``z`` up,
with the origin at the scenario's (lat, lon) and ``z = 0`` on the ground. The horizontal
axes are an azimuthal equidistant projection on the WGS84 ellipsoid centred on the origin
(PROJ ``aeqd``), so distances and bearings from the origin are exact geodesics; the scale
error elsewhere grows as :math:`c^2/6` with :math:`c = d / R_E` and stays below 0.01 % within
150 km. Altitude above the ground is ``z`` itself. This is the flat-earth frame in which
threat and interceptor flight are integrated; radar line of sight adds earth curvature
separately (:func:`cupola.sensors.radar.line_of_sight`).

Polar coordinates of a point seen from a sensor at ``p``, with :math:`d = x - p`:

.. math::

    r = \lVert d \rVert, \quad
    a = \operatorname{atan2}(d_x, d_y) \in [0, 2\pi) \ \text{(clockwise from north)}, \quad
    e = \operatorname{atan2}(d_z, \sqrt{d_x^2 + d_y^2}).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer

FloatArray = NDArray[np.float64]

TWO_PI = 2.0 * np.pi


@dataclass(frozen=True)
class LocalFrame:
    """Conversion between WGS84 geodetic coordinates and the local frame.

    Parameters
    ----------
    lat0, lon0 : float
        Origin, degrees.

    Examples
    --------
    >>> frame = LocalFrame(31.5, 34.5)
    >>> x, y = frame.to_local(34.5, 31.6)
    >>> round(float(x), 6), round(float(y))
    (0.0, 11088)
    """

    lat0: float
    lon0: float
    _fwd: Transformer = field(init=False, repr=False, compare=False)
    _inv: Transformer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        proj = f"+proj=aeqd +lat_0={self.lat0!r} +lon_0={self.lon0!r} +ellps=WGS84 +units=m"
        object.__setattr__(self, "_fwd", Transformer.from_crs("EPSG:4326", proj, always_xy=True))
        object.__setattr__(self, "_inv", Transformer.from_crs(proj, "EPSG:4326", always_xy=True))

    def to_local(self, lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Longitude, latitude (degrees) to east, north (m)."""
        x, y = self._fwd.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, float), np.asarray(y, float)

    def to_geodetic(self, x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """East, north (m) to longitude, latitude (degrees)."""
        lon, lat = self._inv.transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon, float), np.asarray(lat, float)


def _mod_two_pi(a: FloatArray) -> FloatArray:
    """``a`` mod 2π in [0, 2π): ``np.mod`` of a tiny negative angle rounds up to 2π itself."""
    r: FloatArray = np.mod(a, TWO_PI)
    return r - TWO_PI * (r >= TWO_PI)


def to_polar(rel: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Range, azimuth and elevation of relative positions.

    Parameters
    ----------
    rel : (..., 3) array
        Target minus sensor position, ENU, m.

    Returns
    -------
    range_m, azimuth_rad, elevation_rad : (...) arrays
        Azimuth clockwise from north in [0, 2π); elevation above the local horizontal.
    """
    horiz = np.hypot(rel[..., 0], rel[..., 1])
    rng = np.hypot(horiz, rel[..., 2])
    az = _mod_two_pi(np.arctan2(rel[..., 0], rel[..., 1]))
    el = np.arctan2(rel[..., 2], horiz)
    return rng, az, el


def from_polar(range_m: ArrayLike, azimuth_rad: ArrayLike, elevation_rad: ArrayLike) -> FloatArray:
    """Relative ENU position (..., 3) in m from range, azimuth (clockwise from north), elevation."""
    r = np.asarray(range_m, float)
    a = np.asarray(azimuth_rad, float)
    e = np.asarray(elevation_rad, float)
    ce = np.cos(e)
    return np.stack([r * ce * np.sin(a), r * ce * np.cos(a), r * np.sin(e)], axis=-1)


def wrap_angle(a: ArrayLike) -> FloatArray:
    """Wrap angles to [-π, π)."""
    return _mod_two_pi(np.asarray(a, float) + np.pi) - np.pi
