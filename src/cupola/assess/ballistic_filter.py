r"""A filter for ballistic threats that estimates their drag with their trajectory.

The battle manager keeps, beside the tracker's picture, one extended Kalman filter per track
on the state :math:`x = (\mathbf p, \mathbf v, \kappa)`, :math:`\kappa = 1/\beta`, with the
exact point-mass model the threats fly (:mod:`cupola.threats.ballistic`),

.. math::

    \dot{\mathbf p} = \mathbf v, \qquad
    \dot{\mathbf v} = \mathbf g - \kappa\, \tfrac12 \rho(z) \lVert\mathbf v\rVert \mathbf v,
    \qquad \dot\kappa = 0,

fed with the plots the tracker assigned to the track. The dynamics are linear in
:math:`\kappa` (A. Farina, B. Ristic and D. Benvenuti, "Tracking a ballistic target:
comparison of several nonlinear filters", IEEE Trans. AES 38(3), 2002, estimate the ballistic
coefficient in the state the same way). Unlike the tracker's IMM, whose models must follow
boosts, manoeuvres and a coarse bank of coefficients and so carry metres per second squared of
process noise, this filter assumes the threat flies ballistically: its process noise is a small
white acceleration :math:`q_a` (model error) and a slow random walk of :math:`\kappa`, so it
keeps nearly all the information of the plots, close to a batch least-squares fit of the
trajectory.

Prediction integrates the state and its transition matrix :math:`\Phi` together by RK4 (the
variational equation :math:`\dot\Phi = F(x)\Phi`), with the Jacobian

.. math::

    \frac{\partial \dot{\mathbf v}}{\partial z} = \frac{\kappa \rho \lVert\mathbf v\rVert}{2H}
    \mathbf v, \qquad
    \frac{\partial \dot{\mathbf v}}{\partial \mathbf v} = -\frac{\kappa\rho}{2}\Big(
    \lVert\mathbf v\rVert I + \frac{\mathbf v \mathbf v^\top}{\lVert\mathbf v\rVert}\Big),
    \qquad
    \frac{\partial \dot{\mathbf v}}{\partial \kappa} = -\tfrac12\rho\lVert\mathbf v\rVert\mathbf v

(:math:`\rho = \rho_0 e^{-z/H}`), and :math:`P \leftarrow \Phi P \Phi^\top + Q` with the
white-acceleration :math:`Q` of each axis :math:`q_a^2 \begin{pmatrix}\Delta t^3/3 &
\Delta t^2/2\\ \Delta t^2/2 & \Delta t\end{pmatrix}` and :math:`q_\kappa^2 \Delta t` on
:math:`\kappa`. Updates are the tracker's extended Kalman update on polar plots
(:func:`cupola.tracking.kalman.update`), gated: a plot outside the 99.9 % gate is not used.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.threats.atmosphere import density
from cupola.threats.ballistic import G
from cupola.tracking.association import gate_threshold
from cupola.tracking.kalman import correct, innovation, mahalanobis
from cupola.tracking.motion import drag_jacobian

FloatArray = NDArray[np.float64]

#: State size: position, velocity, kappa.
N = 7
#: Model error as white acceleration: the square root of its spectral density, m/s^(3/2).
ACCEL_NOISE = 0.05
#: Random walk of kappa, m²/kg per sqrt(s) (relative to the assumed 1/beta: see ``predict``).
KAPPA_NOISE_RELATIVE = 0.002
#: Longest RK4 step of a prediction, s.
MAX_STEP_S = 1.0
#: Gate on the normalised innovation squared (chi-square, 3 degrees of freedom, 99.9 %: 16.27).
GATE = round(gate_threshold(0.999), 2)
#: Relative standard deviation of the prior on kappa around the assumed 1/beta (also the
#: widest spread of ln beta reported).
PRIOR_RELATIVE_SIGMA = 0.6
#: Ballistic coefficients are kept within this range, kg/m².
BETA_RANGE = (300.0, 300_000.0)


def flow(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Time derivative of the state and its Jacobian (module docstring).

    Parameters
    ----------
    x : (T, 7) float64
        ``[p, v, kappa]``, ENU m, m/s, m²/kg.

    Returns
    -------
    dx : (T, 7) float64
    jac : (T, 7, 7) float64
    """
    t = x.shape[0]
    v = x[:, 3:6]
    kappa = x[:, 6]
    speed = np.sqrt(np.einsum("ij,ij->i", v, v))
    rho = density(x[:, 2])
    half_rho_speed = 0.5 * rho * speed
    drag = half_rho_speed[:, None] * v  # (T, 3): f, the drag deceleration over kappa
    dx = np.empty_like(x)
    dx[:, :3] = v
    dx[:, 3:6] = -kappa[:, None] * drag
    dx[:, 5] -= G
    dx[:, 6] = 0.0
    jac = np.zeros((t, N, N))
    jac[:, 0, 3] = jac[:, 1, 4] = jac[:, 2, 5] = 1.0
    # The (p, v) part is the tracker's ballistic model's, at beta = 1 / kappa.
    jac[:, 3:6, :6] = drag_jacobian(
        x[:, :3], v, 1.0 / np.maximum(kappa, 1e-300), rho=rho, speed=speed
    )
    jac[:, 3:6, 6] = -drag
    return dx, jac


def predict(
    x: FloatArray, cov: FloatArray, dt: FloatArray, kappa_scale: float
) -> tuple[FloatArray, FloatArray]:
    """Propagate each row by its own ``dt`` (module docstring).

    Parameters
    ----------
    x : (T, 7) float64
    cov : (T, 7, 7) float64
    dt : (T,) float64
        Time to propagate each row, s (0 leaves a row unchanged).
    kappa_scale : float
        Scale of kappa, m²/kg (the assumed 1/beta): its random walk is
        ``KAPPA_NOISE_RELATIVE * kappa_scale`` per sqrt(s).

    Returns
    -------
    x, cov : the propagated rows.
    """
    t = x.shape[0]
    dt = np.asarray(dt, np.float64)
    # Each row in its own number of equal RK4 steps no longer than MAX_STEP_S; a step is taken
    # by the rows that still have one (a stale row does not lengthen the others' work).
    # (A row with dt = 0 takes no step: it is unchanged.)
    n_row = np.ceil(np.abs(dt) / MAX_STEP_S - 1e-9).astype(np.int64)
    h_row = dt / np.maximum(n_row, 1)
    x = x.copy()
    phi = np.broadcast_to(np.eye(N), (t, N, N)).copy()
    for step in range(int(n_row.max(initial=0))):
        r = np.flatnonzero(n_row > step)
        x[r], phi[r] = _rk4(x[r], phi[r], h_row[r])
    q = np.zeros((t, N, N))
    a2 = ACCEL_NOISE**2
    span = np.abs(dt)
    for axis in range(3):
        q[:, axis, axis] = a2 * span**3 / 3.0
        q[:, axis, axis + 3] = q[:, axis + 3, axis] = a2 * dt * span / 2.0
        q[:, axis + 3, axis + 3] = a2 * span
    q[:, 6, 6] = (KAPPA_NOISE_RELATIVE * kappa_scale) ** 2 * span
    out = phi @ cov @ np.swapaxes(phi, 1, 2) + q
    return x, 0.5 * (out + np.swapaxes(out, 1, 2))


def _rk4(x: FloatArray, phi: FloatArray, h: FloatArray) -> tuple[FloatArray, FloatArray]:
    """One RK4 step of length ``h`` (T,) of the state and, on the same stages, of the
    variational equation :math:`\\dot\\Phi = F(x(t))\\Phi`."""
    hs = h[:, None]
    k1, f1 = flow(x)
    k2, f2 = flow(x + 0.5 * hs * k1)
    k3, f3 = flow(x + 0.5 * hs * k2)
    k4, f4 = flow(x + hs * k3)
    hh = h[:, None, None]
    p1 = f1 @ phi
    p2 = f2 @ (phi + 0.5 * hh * p1)
    p3 = f3 @ (phi + 0.5 * hh * p2)
    p4 = f4 @ (phi + hh * p3)
    return (
        x + hs / 6.0 * (k1 + 2.0 * (k2 + k3) + k4),
        phi + hh / 6.0 * (p1 + 2.0 * (p2 + p3) + p4),
    )


def update(
    x: FloatArray, cov: FloatArray, z: FloatArray, radar_pos: FloatArray, noise: FloatArray
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Gated extended Kalman update of each row with its plot (module docstring).

    Parameters
    ----------
    x : (T, 7) float64
        Predicted states (to the plots' time).
    cov : (T, 7, 7) float64
    z : (T, 3) float64
        Range (m), azimuth (rad, clockwise from north), elevation (rad).
    radar_pos : (3,) float64
    noise : (3, 3) float64
        ``R``.

    Returns
    -------
    x, cov : updated rows (rows outside the gate unchanged); ``kappa`` kept within the
        ``BETA_RANGE`` coefficients.
    used : (T,) bool
        The plot was inside the gate.
    """
    nu, s, jac = innovation(x, cov, z, radar_pos, noise)
    return gated_correct(x, cov, nu, s, jac, noise, mahalanobis(nu, s))


def gated_correct(
    x: FloatArray,
    cov: FloatArray,
    nu: FloatArray,
    s: FloatArray,
    jac: FloatArray,
    noise: FloatArray,
    d2: FloatArray,
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """:func:`update` from the innovations ``nu`` (T, 3), their covariances ``s`` (T, 3, 3),
    the measurement Jacobians ``jac`` (T, 3, 7) of :func:`cupola.tracking.kalman.innovation`
    and the normalised innovations squared ``d2`` (T,), when the caller has them already."""
    used = np.asarray(d2 <= GATE, np.bool_)
    if not used.any():
        return x, cov, used
    x = x.copy()
    cov = cov.copy()
    x[used], cov[used] = correct(x[used], cov[used], nu[used], s[used], jac[used], noise)
    x[:, 6] = np.clip(x[:, 6], 1.0 / BETA_RANGE[1], 1.0 / BETA_RANGE[0])  # never anti-drag
    return x, cov, used


def start(
    state: FloatArray, cov: FloatArray, kappa: float | FloatArray, kappa_sigma: float | FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Filters started from tracks: their ``[p, v]`` (T, 6) and covariance (T, 6, 6), and the
    prior ``kappa`` with standard deviation ``kappa_sigma`` (m²/kg; one for all, or (T,))."""
    t = state.shape[0]
    x = np.empty((t, N))
    x[:, :6] = state
    x[:, 6] = kappa
    p = np.zeros((t, N, N))
    p[:, :6, :6] = cov
    p[:, 6, 6] = kappa_sigma**2
    return x, p


def log_beta(x: FloatArray, cov: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:math:`\\ln\\beta` of filters from their ``kappa``, to first order.

    Parameters
    ----------
    x : (T, 7) float64
    cov : (T, 7, 7) float64

    Returns
    -------
    mean : (T,) float64
        :math:`-\\ln\\kappa` (``kappa`` kept within ``BETA_RANGE``).
    var : (T,) float64
        :math:`\\sigma_\\kappa^2 / \\kappa^2`, at most the prior's :math:`s^2`.
    cross : (T, 6) float64
        Its covariance with ``[p, v]``, :math:`-P_{\\kappa x} / \\kappa`, scaled down with the
        variance when that is capped (the correlations kept).
    """
    kappa = np.clip(x[:, 6], 1.0 / BETA_RANGE[1], 1.0 / BETA_RANGE[0])
    raw = cov[:, 6, 6] / kappa**2
    var = np.minimum(raw, PRIOR_RELATIVE_SIGMA**2)
    shrink = np.sqrt(var / np.maximum(raw, 1e-300))
    cross = -cov[:, 6, :6] / kappa[:, None] * shrink[:, None]
    return -np.log(kappa), var, cross
