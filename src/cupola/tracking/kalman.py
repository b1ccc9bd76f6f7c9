r"""Batched extended Kalman filter: nearly constant velocity in ENU, radar polar measurements.

State and motion model
----------------------
Each row is ``x = [x, y, z, vx, vy, vz]`` (ENU, m and m/s) with covariance ``P`` (6×6). Over a
step ``Δt`` the nearly-constant-velocity model with discrete white-noise acceleration (the
acceleration is a constant draw of variance :math:`q^2` per axis during each step) gives

.. math::

    F = \begin{bmatrix} I_3 & \Delta t\, I_3 \\ 0 & I_3 \end{bmatrix}, \qquad
    Q = q^2 \begin{bmatrix} \tfrac{\Delta t^4}{4} I_3 & \tfrac{\Delta t^3}{2} I_3 \\
        \tfrac{\Delta t^3}{2} I_3 & \Delta t^2 I_3 \end{bmatrix},

    \hat x^- = F \hat x, \qquad P^- = F P F^\top + Q.

Measurement model
-----------------
With :math:`d = p - s` the position relative to the radar at ``s``,
:math:`\rho = \sqrt{d_x^2 + d_y^2}` and :math:`r = \lVert d \rVert`,

.. math::

    h(x) = \begin{bmatrix} r \\ \operatorname{atan2}(d_x, d_y) \\
        \operatorname{atan2}(d_z, \rho) \end{bmatrix}, \qquad
    H = \frac{\partial h}{\partial x} = \begin{bmatrix}
        d_x / r & d_y / r & d_z / r & 0 & 0 & 0 \\
        d_y / \rho^2 & -d_x / \rho^2 & 0 & 0 & 0 & 0 \\
        -d_x d_z / (r^2 \rho) & -d_y d_z / (r^2 \rho) & \rho / r^2 & 0 & 0 & 0
    \end{bmatrix},

with azimuth clockwise from north and :math:`R = \operatorname{diag}(\sigma_r^2, \sigma_a^2,
\sigma_e^2)`.

Update (extended Kalman filter, Joseph form)
--------------------------------------------
.. math::

    \nu = z - h(\hat x^-) \ \ (\nu_a \text{ wrapped to } [-\pi, \pi)), \quad
    S = H P^- H^\top + R, \quad K = P^- H^\top S^{-1},

    \hat x^+ = \hat x^- + K \nu, \qquad
    P^+ = (I - K H) P^- (I - K H)^\top + K R K^\top, \ \text{then } (P^+ + P^{+\top}) / 2.

The model and the Joseph form follow Y. Bar-Shalom, X. R. Li and T. Kirubarajan, *Estimation
with Applications to Tracking and Navigation* (Wiley, 2001): chapter 6 for the discrete
white-noise acceleration model, chapter 5 for the Joseph-form covariance update and chapter 10
for the extended Kalman filter.

Every function works on T rows at once (stacked matrix products, ``np.linalg.solve`` on stacked
3×3 systems) and never mutates its inputs.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.core.frames import to_polar, wrap_angle
from cupola.tracking.base import TrackTable

FloatArray = NDArray[np.float64]

#: Smallest squared horizontal distance used in the azimuth Jacobian (m²), to stay finite
#: straight above the radar.
_MIN_RHO2 = 1e-6


def predict(
    state: FloatArray, cov: FloatArray, dt: FloatArray, q: float
) -> tuple[FloatArray, FloatArray]:
    """Predict every track by its own time step (nearly constant velocity).

    Parameters
    ----------
    state : (T, 6) float64
        ``[x, y, z, vx, vy, vz]``, ENU, m and m/s.
    cov : (T, 6, 6) float64
        State covariance.
    dt : (T,) float64
        Time step of each track, s.
    q : float
        Standard deviation of the white-noise acceleration per axis, m/s².

    Returns
    -------
    state : (T, 6) float64
        :math:`F \\hat x`.
    cov : (T, 6, 6) float64
        :math:`F P F^T + Q`, symmetrised.
    """
    dt = np.asarray(dt, np.float64)
    new_state = state.copy()
    new_state[:, :3] += state[:, 3:] * dt[:, None]

    # F P Fᵀ by 3×3 blocks, P = [[A, B], [Bᵀ, C]]:
    # [[A + Δt (B + Bᵀ) + Δt² C, B + Δt C], [Bᵀ + Δt C, C]].
    a = cov[:, :3, :3]
    b = cov[:, :3, 3:]
    c = cov[:, 3:, 3:]
    t1 = dt[:, None, None]
    new_b = b + t1 * c
    new_cov = np.empty_like(cov)
    new_cov[:, :3, :3] = a + t1 * (b + np.swapaxes(b, 1, 2)) + t1 * t1 * c
    new_cov[:, :3, 3:] = new_b
    new_cov[:, 3:, :3] = np.swapaxes(new_b, 1, 2)
    new_cov[:, 3:, 3:] = c

    q2 = q * q
    qpp = q2 * dt**4 / 4.0
    qpv = q2 * dt**3 / 2.0
    qvv = q2 * dt**2
    axis = np.arange(3)
    new_cov[:, axis, axis] += qpp[:, None]
    new_cov[:, axis, axis + 3] += qpv[:, None]
    new_cov[:, axis + 3, axis] += qpv[:, None]
    new_cov[:, axis + 3, axis + 3] += qvv[:, None]
    return new_state, 0.5 * (new_cov + np.swapaxes(new_cov, 1, 2))


def measure(state: FloatArray, radar_pos: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Predicted polar measurement ``h(x)`` and its Jacobian ``H`` (module docstring).

    Parameters
    ----------
    state : (T, n) float64
        ``[x, y, z, ...]``, ENU, m: position first, any further elements after (velocity,
        acceleration).
    radar_pos : (3,) float64
        Radar position, ENU, m.

    Returns
    -------
    z_pred : (T, 3) float64
        Range (m), azimuth clockwise from north in [0, 2π) (rad), elevation (rad).
    H : (T, 3, n) float64
        Jacobian of ``h`` with respect to the state; all but the position columns are zero.
    """
    d = state[:, :3] - np.asarray(radar_pos, np.float64)
    rng, az, el = to_polar(d)
    dx, dy, dz = d[:, 0], d[:, 1], d[:, 2]
    rho2 = np.maximum(dx * dx + dy * dy, _MIN_RHO2)
    rho = np.sqrt(rho2)
    r2 = np.maximum(rng * rng, _MIN_RHO2)
    r = np.sqrt(r2)
    jac = np.zeros((state.shape[0], 3, state.shape[1]))
    jac[:, 0, 0] = dx / r
    jac[:, 0, 1] = dy / r
    jac[:, 0, 2] = dz / r
    jac[:, 1, 0] = dy / rho2
    jac[:, 1, 1] = -dx / rho2
    jac[:, 2, 0] = -dx * dz / (r2 * rho)
    jac[:, 2, 1] = -dy * dz / (r2 * rho)
    jac[:, 2, 2] = rho / r2
    return np.stack([rng, az, el], axis=-1), jac


def innovation(
    state: FloatArray, cov: FloatArray, z: FloatArray, radar_pos: FloatArray, noise: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Innovation, its covariance and the Jacobian of each row.

    Parameters
    ----------
    state : (T, n) float64
        Predicted state, position first, ENU, m.
    cov : (T, n, n) float64
        Predicted covariance.
    z : (T, 3) float64
        Measured range (m), azimuth (rad, clockwise from north), elevation (rad).
    radar_pos : (3,) float64
        Radar position, ENU, m.
    noise : (3, 3) float64
        Measurement noise covariance ``R`` (m², rad²).

    Returns
    -------
    nu : (T, 3) float64
        ``z - h(x)`` with the azimuth component wrapped to [-π, π).
    S : (T, 3, 3) float64
        :math:`H P H^T + R`, symmetrised.
    H : (T, 3, n) float64
        Measurement Jacobian.
    """
    z_pred, jac = measure(state, radar_pos)
    nu = np.asarray(z, np.float64) - z_pred
    nu[:, 1] = wrap_angle(nu[:, 1])
    s = jac @ cov @ np.swapaxes(jac, 1, 2) + noise
    return nu, 0.5 * (s + np.swapaxes(s, 1, 2)), jac


def update(
    state: FloatArray, cov: FloatArray, z: FloatArray, radar_pos: FloatArray, noise: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Extended Kalman update of every row with its measurement (Joseph form).

    Parameters
    ----------
    state : (T, n) float64
        Predicted state, position first (``n`` is 6 for ``[p, v]``, 9 for ``[p, v, a]``).
    cov : (T, n, n) float64
        Predicted covariance.
    z : (T, 3) float64
        Measured range (m), azimuth (rad, clockwise from north), elevation (rad), one per row.
    radar_pos : (3,) float64
        Radar position, ENU, m.
    noise : (3, 3) float64
        Measurement noise covariance ``R`` (m², rad²).

    Returns
    -------
    state : (T, n) float64
        Updated state.
    cov : (T, n, n) float64
        Updated covariance, symmetric.
    """
    nu, s, jac = innovation(state, cov, z, radar_pos, noise)
    return correct(state, cov, nu, s, jac, noise)


def correct(
    state: FloatArray,
    cov: FloatArray,
    nu: FloatArray,
    s: FloatArray,
    jac: FloatArray,
    noise: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """The Kalman correction given the innovation ``nu``, its covariance ``S`` and ``H``.

    Parameters
    ----------
    state : (T, n) float64
        Predicted state.
    cov : (T, n, n) float64
        Predicted covariance.
    nu : (T, 3) float64
        Innovation (see :func:`innovation`).
    s : (T, 3, 3) float64
        Innovation covariance.
    jac : (T, 3, n) float64
        Measurement Jacobian.
    noise : (3, 3) float64
        Measurement noise covariance ``R``.

    Returns
    -------
    state : (T, n) float64
        :math:`\\hat x + K \nu`.
    cov : (T, n, n) float64
        Joseph form :math:`(I - KH) P (I - KH)^T + K R K^T`, symmetrised.
    """
    hp = jac @ cov  # (T, 3, n) = H P
    # K = P Hᵀ S⁻¹ = (S⁻¹ H P)ᵀ since P and S are symmetric.
    gain = np.swapaxes(np.linalg.solve(s, hp), 1, 2)  # (T, n, 3)
    new_state = state + (gain @ nu[:, :, None])[:, :, 0]
    return new_state, joseph(cov, gain, hp, jac, noise)


def joseph(
    cov: FloatArray, gain: FloatArray, hp: FloatArray, jac: FloatArray, noise: FloatArray
) -> FloatArray:
    """Joseph-form covariance :math:`(I - KH) P (I - KH)^T + K R K^T`, symmetrised.

    Evaluated as :math:`A = P - K (HP)`, then :math:`A - (A H^T) K^T + K R K^T`: the same
    matrix, with products of n×3 and 3×n blocks instead of n×n ones.

    Parameters
    ----------
    cov : (T, n, n) float64
        Predicted covariance ``P``.
    gain : (T, n, 3) float64
        Gain ``K``.
    hp : (T, 3, n) float64
        ``H P``.
    jac : (T, 3, n) float64
        ``H``.
    noise : (3, 3) float64
        ``R``.
    """
    gain_t = np.swapaxes(gain, 1, 2)
    a = cov - gain @ hp
    out = a - (a @ np.swapaxes(jac, 1, 2)) @ gain_t + gain @ noise @ gain_t
    return 0.5 * (out + np.swapaxes(out, 1, 2))


def mahalanobis(nu: FloatArray, s: FloatArray) -> FloatArray:
    """(T,) float64: the normalised innovation squared :math:`\\nu^\\top S^{-1} \\nu` of
    each row of ``nu`` (T, 3) with covariance ``s`` (T, 3, 3)."""
    return np.asarray(
        np.einsum("ki,ki->k", nu, np.linalg.solve(s, nu[:, :, None])[:, :, 0]), np.float64
    )


def log_likelihood(nu: FloatArray, s: FloatArray) -> FloatArray:
    """Gaussian log-likelihood :math:`\\ln \\mathcal N(\nu; 0, S)` of each row (T,).

    :math:`-\tfrac12 (\nu^T S^{-1} \nu + \\ln\\det S + 3 \\ln 2\\pi)`.
    """
    d2 = mahalanobis(nu, s)
    _, logdet = np.linalg.slogdet(s)
    return np.asarray(-0.5 * (d2 + logdet + 3.0 * np.log(2.0 * np.pi)), np.float64)


def noise_covariance(
    sigma_range_m: float, sigma_azimuth_rad: float, sigma_elevation_rad: float
) -> FloatArray:
    """``R = diag(σr², σa², σe²)`` (3, 3), m² and rad²."""
    return np.diag([sigma_range_m**2, sigma_azimuth_rad**2, sigma_elevation_rad**2])


def extrapolate(tracks: TrackTable, t: float) -> tuple[FloatArray, FloatArray]:
    """Constant-velocity extrapolation of every track to time ``t``.

    ``p(t) = p + v (t - t_track)``, ``v(t) = v``.

    Parameters
    ----------
    tracks : TrackTable
        T tracks.
    t : float
        Time, s.

    Returns
    -------
    pos : (T, 3) float64
        Position at ``t``, ENU, m.
    vel : (T, 3) float64
        Velocity, ENU, m/s (a copy).
    """
    dt = t - tracks.time
    vel = tracks.state[:, 3:].copy()
    return tracks.state[:, :3] + vel * dt[:, None], vel
