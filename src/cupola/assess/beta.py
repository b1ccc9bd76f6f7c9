r"""The ballistic coefficient of a track, as a distribution of :math:`\ln\beta`.

An IMM tracker (:mod:`cupola.tracking.imm`) carries one ballistic model per coefficient
:math:`\beta_k` of its bank, with model probabilities :math:`\mu_k`. Renormalised over the
ballistic models, :math:`w_k = \mu_k / \sum_{k'} \mu_{k'}`, they give

.. math::

    m = \sum_k w_k \ln\beta_k, \qquad
    \sigma^2 = \sum_k w_k (\ln\beta_k - m)^2 + \sigma_0^2,

with the floor :math:`\sigma_0` (the bank is coarse: a threat between two coefficients, or
outside them, is not represented exactly). A track without ballistic models (a single-filter
tracker), or whose ballistic models have all but vanished, gets the doctrine's assumed
coefficient with the prior spread :math:`\sigma_p` instead.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Floor on the standard deviation of ln β from the bank, :math:`\sigma_0`.
BANK_LOG_SIGMA = 0.25
#: Standard deviation of ln β around the assumed coefficient, :math:`\sigma_p`.
PRIOR_LOG_SIGMA = 0.5
#: Below this total probability of the ballistic models, the prior is used.
MIN_BALLISTIC_PROBABILITY = 1e-6


def log_beta(
    mode_prob: FloatArray, ballistic_modes: NDArray[np.int64], betas: FloatArray, assumed: float
) -> tuple[FloatArray, FloatArray]:
    """Mean and variance of :math:`\\ln\\beta` of each track (module docstring).

    Parameters
    ----------
    mode_prob : (T, M) float64
        Model probabilities (``M = 0`` for a single-filter tracker).
    ballistic_modes : (K,) int64
        Columns of ``mode_prob`` that are ballistic models.
    betas : (K,) float64
        Their coefficients, kg/m².
    assumed : float
        The doctrine's assumed coefficient, kg/m².

    Returns
    -------
    mean, var : (T,) float64
    """
    t = mode_prob.shape[0]
    prior_mean = np.full(t, np.log(assumed))
    prior_var = np.full(t, PRIOR_LOG_SIGMA**2)
    if mode_prob.shape[1] == 0 or ballistic_modes.size == 0:
        return prior_mean, prior_var
    w = mode_prob[:, ballistic_modes]
    total = w.sum(axis=1)
    ok = total > MIN_BALLISTIC_PROBABILITY
    w = w / np.where(ok, total, 1.0)[:, None]
    logs = np.log(np.asarray(betas, np.float64))
    mean = w @ logs
    var = (w * (logs[None, :] - mean[:, None]) ** 2).sum(axis=1) + BANK_LOG_SIGMA**2
    return np.where(ok, mean, prior_mean), np.where(ok, var, prior_var)
