r"""Interacting multiple model (IMM) filter over the models of :mod:`cupola.tracking.motion`.

Each track carries, per model :math:`j = 1..M`, a state :math:`\hat s_j` (9 elements
``[p, v, a]``), its covariance :math:`P_j` and the model probability :math:`\mu_j`. One cycle
(H. A. P. Blom and Y. Bar-Shalom, "The interacting multiple model algorithm for systems with
Markovian switching coefficients", IEEE Trans. Automatic Control 33(8), 1988; Bar-Shalom, Li
and Kirubarajan 2001, §11.6.6):

Interaction, with the Markov transition matrix :math:`\Pi_{ij} = P(\text{model } j \text{ now}
\mid \text{model } i \text{ before})`:

.. math::

    \bar c_j = \sum_i \Pi_{ij}\mu_i, \qquad \mu_{i|j} = \Pi_{ij}\mu_i / \bar c_j,

    \hat s_{0j} = \sum_i \mu_{i|j} \hat s_i, \qquad
    P_{0j} = \sum_i \mu_{i|j}\big[P_i + (\hat s_i - \hat s_{0j})(\hat s_i - \hat s_{0j})^\top\big].

Prediction: each model :math:`j` predicts :math:`(\hat s_{0j}, P_{0j})` with its own dynamics.

Update with a plot: an extended Kalman update per model (:func:`cupola.tracking.kalman.correct`)
and the model likelihood :math:`\Lambda_j = \mathcal N(\nu_j; 0, S_j)`, then

.. math::

    \mu_j = \Lambda_j \bar c_j \Big/ \sum_k \Lambda_k \bar c_k

(computed in logarithms). Without a plot, :math:`\mu_j = \bar c_j` and the predictions stand.

Combination, the estimate reported and used downstream (moment matching of the mixture):

.. math::

    \hat s = \sum_j \mu_j \hat s_j, \qquad
    P = \sum_j \mu_j \big[P_j + (\hat s_j - \hat s)(\hat s_j - \hat s)^\top\big].

Association gates on the combined *prediction* (the same combination with :math:`\bar c_j`).
Every function works on T tracks at once (all models of all tracks as one stacked batch).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from cupola.tracking import motion
from cupola.tracking.base import ImmParams
from cupola.tracking.kalman import correct, innovation, log_likelihood

FloatArray = NDArray[np.float64]


@lru_cache(maxsize=16)
def _transition(n_models: int, stay: float) -> FloatArray:
    if n_models == 1:
        return np.ones((1, 1))
    trans = np.full((n_models, n_models), (1.0 - stay) / (n_models - 1))
    np.fill_diagonal(trans, stay)
    trans.setflags(write=False)
    return trans


def transition_matrix(params: ImmParams) -> FloatArray:
    """:math:`\\Pi` (M, M): stay with ``stay_probability``, switch evenly to the others."""
    return _transition(params.n_models, params.stay_probability)


def mix(
    prob: FloatArray, state: FloatArray, cov: FloatArray, trans: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The interaction step (module docstring).

    Parameters
    ----------
    prob : (T, M) float64
        Model probabilities :math:`\\mu_i`.
    state : (T, M, n) float64
        Model states.
    cov : (T, M, n, n) float64
        Model covariances.
    trans : (M, M) float64
        Transition matrix :math:`\\Pi`.

    Returns
    -------
    prior : (T, M) float64
        Predicted model probabilities :math:`\\bar c_j`.
    state : (T, M, n) float64
        Mixed initial states :math:`\\hat s_{0j}`.
    cov : (T, M, n, n) float64
        Mixed initial covariances :math:`P_{0j}`, symmetric.
    """
    joint = prob[:, :, None] * trans[None, :, :]  # (T, i, j)
    prior = joint.sum(axis=1)
    weight = joint / np.maximum(prior, 1e-300)[:, None, :]
    x0 = np.einsum("tij,tin->tjn", weight, state)
    d = np.swapaxes(state[:, :, None, :] - x0[:, None, :, :], 1, 2)  # (T, j, i, n)
    t, m, n = state.shape
    wt = np.swapaxes(weight, 1, 2)  # (T, j, i)
    p0 = (wt @ cov.reshape(t, m, n * n)).reshape(t, m, n, n)  # sum_i w_ij P_i
    p0 += np.swapaxes(wt[:, :, :, None] * d, 2, 3) @ d  # sum_i w_ij d_ij d_ijᵀ
    return prior, x0, 0.5 * (p0 + np.swapaxes(p0, 2, 3))


def combine(prob: FloatArray, state: FloatArray, cov: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Moment-matched estimate of the mixture (module docstring).

    Parameters
    ----------
    prob : (T, M) float64
        Model weights (sum to one per row).
    state : (T, M, n) float64
        Model states.
    cov : (T, M, n, n) float64
        Model covariances.

    Returns
    -------
    state : (T, n) float64
        :math:`\\sum_j \\mu_j \\hat s_j`.
    cov : (T, n, n) float64
        The mixture's covariance, symmetric.
    """
    x = np.einsum("tj,tjn->tn", prob, state)
    d = state - x[:, None, :]
    t, m, n = state.shape
    p = (prob[:, None, :] @ cov.reshape(t, m, n * n)).reshape(t, n, n)
    p += np.swapaxes(prob[:, :, None] * d, 1, 2) @ d
    return x, 0.5 * (p + np.swapaxes(p, 1, 2))


def predict_models(
    params: ImmParams, state: FloatArray, cov: FloatArray, dt: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Predict each model's mixed state by its own dynamics.

    Parameters
    ----------
    params : ImmParams
        The model set.
    state : (T, M, 9) float64
        Mixed initial states.
    cov : (T, M, 9, 9) float64
        Mixed initial covariances.
    dt : (T,) float64
        Step of each track, s.

    Returns
    -------
    state, cov : (T, M, 9), (T, M, 9, 9) float64
        Predicted states and covariances, models in the order of :attr:`ImmParams.models`.
    """
    out_x = state.copy()
    out_p = cov.copy()
    moving = np.flatnonzero(dt > 0.0)  # a second radar at the same instant: nothing to do
    if moving.size < dt.size:
        if moving.size:
            x, p = predict_models(params, state[moving], cov[moving], dt[moving])
            out_x[moving], out_p[moving] = x, p
        return out_x, out_p
    for j, (kind, value) in enumerate(params.models):  # a handful of models, each vectorised
        if kind == "ncv":
            x, p = motion.ncv(state[:, j], cov[:, j], dt, value)
        elif kind == "nca":
            x, p = motion.nca(state[:, j], cov[:, j], dt, value)
        else:
            x, p = motion.ballistic(state[:, j], cov[:, j], dt, value, params.ballistic_noise_mps2)
        out_x[:, j], out_p[:, j] = x, p
    return out_x, out_p


def update_models(
    prior: FloatArray,
    state: FloatArray,
    cov: FloatArray,
    z: FloatArray,
    radar_pos: FloatArray,
    noise: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Update every model of R tracks with one plot each, and their probabilities.

    Parameters
    ----------
    prior : (R, M) float64
        Predicted model probabilities :math:`\\bar c_j`.
    state : (R, M, n) float64
        Predicted model states.
    cov : (R, M, n, n) float64
        Predicted model covariances.
    z : (R, 3) float64
        The plot of each track: range (m), azimuth (rad), elevation (rad).
    radar_pos : (3,) float64
        Radar position, ENU, m.
    noise : (3, 3) float64
        Measurement noise covariance ``R``.

    Returns
    -------
    prob : (R, M) float64
        Posterior model probabilities.
    state, cov : (R, M, n), (R, M, n, n) float64
        Updated model states and covariances.
    """
    r, m, n = state.shape
    flat_x = state.reshape(r * m, n)
    flat_p = cov.reshape(r * m, n, n)
    zz = np.repeat(z, m, axis=0)
    nu, s, jac = innovation(flat_x, flat_p, zz, radar_pos, noise)
    x, p = correct(flat_x, flat_p, nu, s, jac, noise)
    log_post = log_likelihood(nu, s).reshape(r, m) + np.log(np.maximum(prior, 1e-300))
    log_post -= log_post.max(axis=1, keepdims=True)
    post = np.exp(log_post)
    post /= post.sum(axis=1, keepdims=True)
    return post, x.reshape(r, m, n), p.reshape(r, m, n, n)
