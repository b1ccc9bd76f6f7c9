r"""Motion models of the interacting multiple model filter, on one common 9-element state.

Every model works on ``s = [p, v, a]`` (ENU position m, velocity m/s, acceleration m/s², in
that order, 9 elements), so the IMM can mix them without padding (Y. Bar-Shalom, X. R. Li and
T. Kirubarajan, *Estimation with Applications to Tracking and Navigation*, Wiley 2001, §11.6:
models of different order share the largest state). With :math:`\otimes` the Kronecker
product (every model acts on the three axes alike, :math:`F = F_1 \otimes I_3`), each model
predicts :math:`\hat s^- = f(\hat s)` and :math:`P^- = F P F^\top + Q` over a step
:math:`\Delta t`:

Nearly constant velocity (``ncv``)
    The acceleration is white with standard deviation :math:`q` per axis, held over the step
    (discrete white-noise acceleration, §6.3.2), so the acceleration state is reset:

    .. math::

        F_1 = \begin{bmatrix} 1 & \Delta t & 0 \\ 0 & 1 & 0 \\ 0 & 0 & 0 \end{bmatrix},\quad
        Q_1 = q^2 \begin{bmatrix} \Delta t^4/4 & \Delta t^3/2 & 0 \\
            \Delta t^3/2 & \Delta t^2 & 0 \\ 0 & 0 & 1 \end{bmatrix}.

Nearly constant acceleration (``nca``), for boost phases and manoeuvres
    The acceleration is a Wiener process: white jerk of spectral density :math:`j^2`
    (continuous Wiener-process acceleration, §6.2.3),

    .. math::

        F_1 = \begin{bmatrix} 1 & \Delta t & \Delta t^2/2 \\ 0 & 1 & \Delta t \\ 0 & 0 & 1
        \end{bmatrix},\quad
        Q_1 = j^2 \begin{bmatrix} \Delta t^5/20 & \Delta t^4/8 & \Delta t^3/6 \\
            \Delta t^4/8 & \Delta t^3/3 & \Delta t^2/2 \\
            \Delta t^3/6 & \Delta t^2/2 & \Delta t \end{bmatrix}.

Ballistic (``ballistic``), gravity and drag at a fixed ballistic coefficient :math:`\beta`
    Position and velocity follow the point-mass equations of :mod:`cupola.threats.ballistic`,
    :math:`\dot p = v`, :math:`\dot v = \alpha(p, v) = g - \rho(z) \lVert v \rVert v / (2\beta)`,
    integrated by RK4 in steps of at most :data:`MAX_RK4_STEP_S` and half the drag time
    :math:`2\beta / (\rho \lVert v \rVert)`. The state transition matrix
    :math:`\Phi = \partial (p, v)(t + \Delta t) / \partial (p, v)(t)` is integrated along
    with them, by the same RK4 stages, from the variational equation

    .. math::

        \dot\Phi = A\,\Phi,\quad \Phi(0) = I,\qquad
        A = \begin{bmatrix} 0 & I_3 \\ \partial\alpha/\partial p & \partial\alpha/\partial v
        \end{bmatrix},

        \frac{\partial\alpha}{\partial v} = -\frac{\rho}{2\beta}\Big(\lVert v\rVert I_3
            + \frac{v v^\top}{\lVert v\rVert}\Big),\quad
        \frac{\partial\alpha}{\partial z} = \frac{\rho \lVert v\rVert}{2\beta H}\, v
        \ \ (z > 0, \text{ scale height } H),

    with discrete white-noise acceleration :math:`q_b` on :math:`(p, v)` for the model's
    errors. The acceleration state is the model's own, :math:`a^- = \alpha(p^-, v^-)`, so its
    covariance is that of a linear function :math:`G = \partial\alpha/\partial(p, v)` at the
    predicted point, plus :math:`q_b^2 I_3`:

    .. math::

        P^- = \begin{bmatrix} P_{pv} & P_{pv} G^\top \\ G P_{pv} & G P_{pv} G^\top + q_b^2 I_3
        \end{bmatrix}, \qquad P_{pv} = \Phi P_{pv,0} \Phi^\top + Q_{pv}.

A bank of ballistic models at several :math:`\beta` stands in for the unknown coefficient:
the IMM's model probabilities weigh them.

Every function works on N rows at once and never mutates its inputs.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from cupola.threats.atmosphere import SCALE_HEIGHT, density
from cupola.threats.ballistic import acceleration

FloatArray = NDArray[np.float64]

#: Length of the common state ``[p, v, a]``.
N_STATE = 9
#: Longest RK4 step of the ballistic model, s.
MAX_RK4_STEP_S = 1.0
#: Most RK4 steps of one ballistic prediction.
MAX_RK4_STEPS = 64

_I3 = np.eye(3)


def kron3(blocks: FloatArray) -> FloatArray:
    """``F_1 ⊗ I_3`` for each row: (N, k, k) per-axis blocks to (N, 3k, 3k)."""
    n, k, _ = blocks.shape
    out = blocks[:, :, None, :, None] * _I3[None, None, :, None, :]
    return out.reshape(n, 3 * k, 3 * k)


def _linear(
    state: FloatArray, cov: FloatArray, f1: FloatArray, q1: FloatArray
) -> tuple[FloatArray, FloatArray]:
    f = kron3(f1)
    new_state = (f @ state[:, :, None])[:, :, 0]
    new_cov = f @ cov @ np.swapaxes(f, 1, 2) + kron3(q1)
    return new_state, 0.5 * (new_cov + np.swapaxes(new_cov, 1, 2))


def ncv(
    state: FloatArray, cov: FloatArray, dt: FloatArray, q: float
) -> tuple[FloatArray, FloatArray]:
    """Nearly-constant-velocity prediction (module docstring).

    Parameters
    ----------
    state : (N, 9) float64
        ``[p, v, a]``, ENU, m, m/s, m/s².
    cov : (N, 9, 9) float64
        Covariance.
    dt : (N,) float64
        Step, s.
    q : float
        White-noise acceleration, m/s² per axis.

    Returns
    -------
    state, cov : (N, 9), (N, 9, 9) float64
        Predicted state (acceleration 0) and covariance.
    """
    n = dt.shape[0]
    f1 = np.zeros((n, 3, 3))
    f1[:, 0, 0] = f1[:, 1, 1] = 1.0
    f1[:, 0, 1] = dt
    q1 = np.zeros((n, 3, 3))
    q1[:, 0, 0] = dt**4 / 4.0
    q1[:, 0, 1] = q1[:, 1, 0] = dt**3 / 2.0
    q1[:, 1, 1] = dt**2
    q1[:, 2, 2] = 1.0
    return _linear(state, cov, f1, q * q * q1)


def nca(
    state: FloatArray, cov: FloatArray, dt: FloatArray, jerk: float
) -> tuple[FloatArray, FloatArray]:
    """Nearly-constant-acceleration prediction (module docstring).

    Parameters
    ----------
    state : (N, 9) float64
        ``[p, v, a]``.
    cov : (N, 9, 9) float64
        Covariance.
    dt : (N,) float64
        Step, s.
    jerk : float
        Square root of the white-jerk spectral density, m/s³ per √s (per axis).

    Returns
    -------
    state, cov : (N, 9), (N, 9, 9) float64
        Predicted state and covariance.
    """
    n = dt.shape[0]
    f1 = np.zeros((n, 3, 3))
    f1[:, 0, 0] = f1[:, 1, 1] = f1[:, 2, 2] = 1.0
    f1[:, 0, 1] = f1[:, 1, 2] = dt
    f1[:, 0, 2] = dt**2 / 2.0
    q1 = np.empty((n, 3, 3))
    q1[:, 0, 0] = dt**5 / 20.0
    q1[:, 0, 1] = q1[:, 1, 0] = dt**4 / 8.0
    q1[:, 0, 2] = q1[:, 2, 0] = dt**3 / 6.0
    q1[:, 1, 1] = dt**3 / 3.0
    q1[:, 1, 2] = q1[:, 2, 1] = dt**2 / 2.0
    q1[:, 2, 2] = dt
    return _linear(state, cov, f1, jerk * jerk * q1)


def drag_jacobian(
    pos: FloatArray,
    vel: FloatArray,
    beta: float | FloatArray,
    rho: FloatArray | None = None,
    speed: FloatArray | None = None,
) -> FloatArray:
    r"""Jacobian :math:`G = \partial\alpha / \partial (p, v)` (N, 3, 6) of the acceleration,
    for one ballistic coefficient ``beta`` (kg/m²) or one per row (N,); the air density ``rho``
    at ``pos`` and the ``speed`` of ``vel`` (N,) may be given when the caller has them."""
    if speed is None:
        speed = np.sqrt(np.einsum("ij,ij->i", vel, vel))
    if rho is None:
        rho = density(pos[:, 2])
    c = rho / (2.0 * np.asarray(beta, np.float64))  # 1/m
    jac = np.zeros((pos.shape[0], 3, 6))
    safe = np.maximum(speed, 1e-9)
    jac[:, :, 3:] = -c[:, None, None] * (
        speed[:, None, None] * _I3 + vel[:, :, None] * vel[:, None, :] / safe[:, None, None]
    )
    above = pos[:, 2] > 0.0
    jac[:, :, 2] = np.where(above, c * speed / SCALE_HEIGHT, 0.0)[:, None] * vel
    return jac


def _flow(y: FloatArray, phi: FloatArray, beta: float) -> tuple[FloatArray, FloatArray]:
    """Derivatives of ``(p, v)`` and of the transition matrix: ``(v, α)`` and ``A Φ``."""
    pos, vel = y[:, :3], y[:, 3:]
    acc = acceleration(pos, vel, np.full(y.shape[0], beta))
    jac = drag_jacobian(pos, vel, beta)  # (N, 3, 6): the lower half of A
    dphi = np.concatenate([phi[:, 3:, :], jac @ phi], axis=1)
    return np.concatenate([vel, acc], axis=1), dphi


def ballistic(
    state: FloatArray, cov: FloatArray, dt: FloatArray, beta: float, q: float
) -> tuple[FloatArray, FloatArray]:
    """Ballistic prediction with gravity and drag at ``beta`` (module docstring).

    Parameters
    ----------
    state : (N, 9) float64
        ``[p, v, a]``; the incoming acceleration is not used.
    cov : (N, 9, 9) float64
        Covariance.
    dt : (N,) float64
        Step, s.
    beta : float
        Ballistic coefficient, kg/m² (``inf``: no drag).
    q : float
        White-noise acceleration for the model's errors, m/s² per axis.

    Returns
    -------
    state, cov : (N, 9), (N, 9, 9) float64
        Predicted state, with the model's acceleration, and covariance.
    """
    n = state.shape[0]
    # Steps of at most MAX_RK4_STEP_S and half the shortest drag time 2β/(ρ|v|) (RK4 loses
    # accuracy, then stability, beyond it), at most MAX_RK4_STEPS of them.
    speed = np.sqrt(np.einsum("ij,ij->i", state[:, 3:6], state[:, 3:6]))
    rate = float(np.max(density(state[:, 2]) * speed, initial=0.0)) / (2.0 * beta)
    longest = min(MAX_RK4_STEP_S, 0.5 / rate) if rate > 0.0 else MAX_RK4_STEP_S
    steps = min(MAX_RK4_STEPS, max(1, math.ceil(float(dt.max(initial=0.0)) / longest)))
    h = (dt / steps)[:, None]
    y = state[:, :6]
    phi = np.broadcast_to(np.eye(6), (n, 6, 6))
    for _ in range(steps):  # RK4 sub-steps of the flow and its derivative, vectorised on rows
        k1, m1 = _flow(y, phi, beta)
        k2, m2 = _flow(y + 0.5 * h * k1, phi + 0.5 * h[:, :, None] * m1, beta)
        k3, m3 = _flow(y + 0.5 * h * k2, phi + 0.5 * h[:, :, None] * m2, beta)
        k4, m4 = _flow(y + h * k3, phi + h[:, :, None] * m3, beta)
        y = y + h / 6.0 * (k1 + 2.0 * (k2 + k3) + k4)
        phi = phi + h[:, :, None] / 6.0 * (m1 + 2.0 * (m2 + m3) + m4)
    p1, v1 = y[:, :3], y[:, 3:]
    b = np.full(n, beta)
    q1 = np.zeros((n, 2, 2))
    q1[:, 0, 0] = dt**4 / 4.0
    q1[:, 0, 1] = q1[:, 1, 0] = dt**3 / 2.0
    q1[:, 1, 1] = dt**2
    p_pv = phi @ cov[:, :6, :6] @ np.swapaxes(phi, 1, 2) + kron3(q * q * q1)
    p_pv = 0.5 * (p_pv + np.swapaxes(p_pv, 1, 2))

    g = drag_jacobian(p1, v1, beta)
    pg = p_pv @ np.swapaxes(g, 1, 2)  # (N, 6, 3)
    new_cov = np.empty((n, N_STATE, N_STATE))
    new_cov[:, :6, :6] = p_pv
    new_cov[:, :6, 6:] = pg
    new_cov[:, 6:, :6] = np.swapaxes(pg, 1, 2)
    new_cov[:, 6:, 6:] = g @ pg + q * q * _I3
    new_state = np.concatenate([p1, v1, acceleration(p1, v1, b)], axis=1)
    return new_state, 0.5 * (new_cov + np.swapaxes(new_cov, 1, 2))
