r"""A rotating surveillance radar: detection probability, line of sight and one scan.

Detection (radar equation, Swerling I target)
----------------------------------------------
The signal-to-noise ratio of a target of radar cross-section :math:`\sigma` at slant range
:math:`R` follows the radar equation scaled from a reference point,

.. math::

    \mathrm{SNR}(R, \sigma) = \mathrm{SNR}_\mathrm{ref}\,
        \frac{\sigma}{\sigma_\mathrm{ref}} \left(\frac{R_\mathrm{ref}}{R}\right)^4 .

With a square-law detector and a single look, noise alone gives an exponentially distributed
power, so a threshold :math:`T` gives :math:`P_{fa} = e^{-T/N}`. A Swerling I target (Rayleigh
amplitude, constant during the look) makes signal-plus-noise power exponential too, with mean
:math:`N(1 + \mathrm{SNR})`, hence

.. math::

    P_d = e^{-T / (N (1 + \mathrm{SNR}))} = P_{fa}^{1/(1 + \mathrm{SNR})} .

This is the single-sample Swerling 1 expression given in M. I. Skolnik, *Introduction to Radar
Systems* (3rd ed., 2001), chapter 2 on fluctuating targets, and in M. A. Richards,
*Fundamentals of Radar Signal Processing* (2005), chapter 6 on detection fundamentals.
Requiring :math:`P_d(R_\mathrm{ref}, \sigma_\mathrm{ref}) = P_{d,\mathrm{ref}}` fixes the
reference SNR in closed form,

.. math::

    \mathrm{SNR}_\mathrm{ref} = \frac{\ln P_{fa}}{\ln P_{d,\mathrm{ref}}} - 1 .

Line of sight (4/3 earth)
-------------------------
The simulation frame is flat: ``z`` is altitude above the ground and flight is integrated
without earth curvature (see :mod:`cupola.core.frames`). For *visibility only*, the radar
applies the standard-atmosphere effective earth of radius :math:`k R_E` (:math:`k = 4/3`,
:math:`R_E = 6\,371` km), which bends the ray and lowers the target below the radar's horizontal
plane by :math:`d^2 / (2 k R_E)` at horizontal distance :math:`d`:

.. math::

    h_\mathrm{eff} = \Delta z - \frac{d^2}{2 k R_E}, \qquad
    e_\mathrm{eff} = \operatorname{atan2}(h_\mathrm{eff}, d),

and the target is visible when :math:`R \le R_\mathrm{max}` and
:math:`e_\mathrm{eff} \ge e_\mathrm{min}`. The measured elevation stays the flat-frame one.

Measurement
-----------
Each detected target gives range, azimuth (clockwise from north) and elevation of the flat
frame, each plus independent zero-mean Gaussian noise of the radar's standard deviation.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.core.frames import TWO_PI, to_polar
from cupola.sensors.base import PlotTable, RadarParams

FloatArray = NDArray[np.float64]

#: Effective earth radius factor of the standard atmosphere.
K_EFFECTIVE = 4.0 / 3.0
#: Mean earth radius, m.
EARTH_RADIUS_M = 6_371_000.0
#: Clutter plots start at this fraction of the instrumented range.
CLUTTER_MIN_RANGE_FRACTION = 0.05


def reference_snr(radar: RadarParams) -> float:
    r"""Reference SNR (linear) so that :math:`P_d(R_\mathrm{ref}, \sigma_\mathrm{ref})` is met.

    :math:`\mathrm{SNR}_\mathrm{ref} = \ln P_{fa} / \ln P_{d,\mathrm{ref}} - 1`
    (requires :math:`0 < P_{fa} < P_{d,\mathrm{ref}} < 1`).
    """
    return float(np.log(radar.false_alarm_probability) / np.log(radar.reference_pd) - 1.0)


def detection_probability(
    radar: RadarParams, range_m: FloatArray, rcs_m2: FloatArray
) -> FloatArray:
    r"""Single-look detection probability of Swerling I targets.

    :math:`P_d = P_{fa}^{1/(1+\mathrm{SNR})}` with
    :math:`\mathrm{SNR} = \mathrm{SNR}_\mathrm{ref} (\sigma/\sigma_\mathrm{ref})
    (R_\mathrm{ref}/R)^4` (module docstring). Evaluated as
    :math:`P_d = \exp(\ln P_{fa} \cdot x / (x + s))` with :math:`x = (R/R_\mathrm{ref})^4`,
    :math:`s = \mathrm{SNR}_\mathrm{ref}\,\sigma/\sigma_\mathrm{ref}`, which is finite at
    ``R = 0`` (:math:`P_d = 1`) and at ``σ = 0`` (:math:`P_d = P_{fa}`).

    Parameters
    ----------
    radar : RadarParams
        The radar.
    range_m : (N,) float64
        Slant range, m, ≥ 0.
    rcs_m2 : (N,) float64
        Radar cross-section, m², ≥ 0.

    Returns
    -------
    (N,) float64
        Detection probability in [P_fa, 1].
    """
    x = (np.asarray(range_m, np.float64) / radar.reference_range_m) ** 4
    s = reference_snr(radar) * (np.asarray(rcs_m2, np.float64) / radar.reference_rcs_m2)
    denom = x + s
    # 1 / (1 + SNR) = x / (x + s); the 0/0 case (R = 0 and σ = 0) is taken as detected.
    inv = np.divide(x, denom, out=np.zeros_like(denom), where=denom > 0.0)
    return np.asarray(np.exp(np.log(radar.false_alarm_probability) * inv), np.float64)


def line_of_sight(radar: RadarParams, pos: FloatArray) -> NDArray[np.bool_]:
    r"""Whether each position is within range and above the 4/3-earth horizon (and, for a
    scan of one sector, inside it).

    The frame is flat (``z`` = altitude); earth curvature enters here only, through
    :math:`h_\mathrm{eff} = \Delta z - d^2/(2 k R_E)` with :math:`k = 4/3`,
    :math:`R_E = 6\,371` km and :math:`d` the horizontal distance. Visible when
    :math:`R \le R_\mathrm{max}` and :math:`\operatorname{atan2}(h_\mathrm{eff}, d) \ge
    e_\mathrm{min}`. For a radar on the ground with :math:`e_\mathrm{min} = 0` a target at
    altitude :math:`h` is visible up to :math:`d = \sqrt{2 k R_E h}`. With
    ``radar.sector_rad`` = :math:`(a_0, w)`, also :math:`0 < (a - a_0) \bmod 2\pi \le w`
    for the target's azimuth :math:`a` (clockwise from north): sectors that follow one
    another, each starting where the last ended, cover every azimuth once.

    Parameters
    ----------
    radar : RadarParams
        The radar.
    pos : (N, 3) float64
        Target positions, ENU, m.

    Returns
    -------
    (N,) bool
        True where the target is visible.
    """
    rel = np.asarray(pos, np.float64).reshape(-1, 3) - radar.position
    horiz = np.hypot(rel[:, 0], rel[:, 1])
    slant = np.hypot(horiz, rel[:, 2])
    h_eff = rel[:, 2] - horiz**2 / (2.0 * K_EFFECTIVE * EARTH_RADIUS_M)
    el_eff = np.arctan2(h_eff, horiz)
    seen = (slant <= radar.max_range_m) & (el_eff >= radar.min_elevation_rad)
    if radar.sector_rad is not None:
        start, width = radar.sector_rad
        off = np.mod(np.arctan2(rel[:, 0], rel[:, 1]) - start, TWO_PI)
        seen &= (off > 0.0) & (off <= width)
    return np.asarray(seen)


def _wrap_azimuth(az: FloatArray) -> FloatArray:
    """Azimuth to [0, 2π); ``np.mod`` can round tiny negatives up to exactly 2π."""
    w = np.mod(az, TWO_PI)
    return np.where(w >= TWO_PI, 0.0, w)


def observe(
    radar: RadarParams,
    pos: FloatArray,
    rcs: FloatArray,
    ids: NDArray[np.int64],
    time: float,
    rng: np.random.Generator,
) -> PlotTable:
    """One scan of the radar: target plots and clutter plots, sorted by azimuth.

    Targets in :func:`line_of_sight` are detected independently with
    :func:`detection_probability` (a Bernoulli draw each) and measured as

    ``r + n_r``, ``(a + n_a) mod 2π``, ``e + n_e`` with ``n_* ~ N(0, σ_*²)`` independent,

    where ``(r, a, e)`` are the flat-frame polar coordinates of the target relative to the
    antenna (:func:`cupola.core.frames.to_polar`); the noisy range is clipped at 0. Clutter adds
    ``K ~ Poisson(false_plots_per_scan)`` plots with range uniform in
    ``[0.05 R_max, R_max]``, azimuth uniform in ``[0, 2π)``, elevation uniform in
    ``[min_elevation_rad, clutter_max_elevation_rad]`` and ``truth_id = -1``. Rows are sorted
    by azimuth (stable), as a rotating antenna reports them, which also mixes clutter in.

    Random numbers are drawn in a fixed order: N detection uniforms, an (N, 3) block of
    standard normals (drawn for every target, detected or not, so a target's noise does not
    depend on the others), the clutter count, then a (K, 3) block of clutter uniforms. The same
    generator state and inputs therefore give the same plots.

    Parameters
    ----------
    radar : RadarParams
        The radar.
    pos : (N, 3) float64
        Target positions, ENU, m.
    rcs : (N,) float64
        Radar cross-sections, m².
    ids : (N,) int64
        Target ids, written as ``truth_id``.
    time : float
        Scan time, s.
    rng : numpy.random.Generator
        Source of all randomness.

    Returns
    -------
    PlotTable
        P rows (detections plus clutter), ``sensor_id = radar.radar_id`` and ``time`` on all.
    """
    pos = np.asarray(pos, np.float64).reshape(-1, 3)
    n = pos.shape[0]
    rng_m, az, el = to_polar(pos - radar.position)

    # Fixed draw order: detection uniforms, noise normals, clutter count, clutter uniforms.
    u_detect = rng.random(n)
    noise = rng.standard_normal((n, 3))
    n_clutter = int(rng.poisson(radar.false_plots_per_scan))
    u_clutter = rng.random((n_clutter, 3))

    pd = detection_probability(radar, rng_m, np.asarray(rcs, np.float64))
    hit = line_of_sight(radar, pos) & (u_detect < pd)

    sigma = np.array([radar.sigma_range_m, radar.sigma_azimuth_rad, radar.sigma_elevation_rad])
    meas = np.stack([rng_m, az, el], axis=-1)[hit] + noise[hit] * sigma

    r_lo = CLUTTER_MIN_RANGE_FRACTION * radar.max_range_m
    e_lo = radar.min_elevation_rad
    lo = np.array([r_lo, 0.0, e_lo])
    span = np.array([radar.max_range_m - r_lo, TWO_PI, radar.clutter_max_elevation_rad - e_lo])
    clutter = lo + u_clutter * span

    all_meas = np.concatenate([meas, clutter])
    truth = np.concatenate(
        [np.asarray(ids, np.int64).reshape(-1)[hit], np.full(n_clutter, -1, np.int64)]
    )
    azimuth = _wrap_azimuth(all_meas[:, 1])
    order = np.argsort(azimuth, kind="stable")
    p = order.shape[0]
    return PlotTable(
        time=np.full(p, time, np.float64),
        sensor_id=np.full(p, radar.radar_id, np.int64),
        range_m=np.maximum(all_meas[order, 0], 0.0),
        azimuth_rad=azimuth[order],
        elevation_rad=all_meas[order, 2],
        truth_id=truth[order],
    )
