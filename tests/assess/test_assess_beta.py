"""The ballistic coefficient of a track from its IMM model probabilities."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from cupola.assess.beta import BANK_LOG_SIGMA, PRIOR_LOG_SIGMA, log_beta

BETAS = np.array([4000.0, 15000.0])
MODES = np.array([2, 3])  # ncv, nca, then the two ballistic models


def test_bank_weights_give_the_mean_and_spread_of_ln_beta() -> None:
    prob = np.array([[0.1, 0.1, 0.8, 0.0], [0.0, 0.2, 0.4, 0.4], [0.5, 0.5, 0.0, 0.0]])
    mean, var = log_beta(prob, MODES, BETAS, 8000.0)
    logs = np.log(BETAS)
    assert_allclose(mean[:2], [logs[0], logs.mean()])
    assert_allclose(var[0], BANK_LOG_SIGMA**2)
    assert_allclose(var[1], ((logs - logs.mean()) ** 2).mean() + BANK_LOG_SIGMA**2)
    # no weight on the ballistic models: the assumed coefficient and its prior spread
    assert_allclose([mean[2], var[2]], [np.log(8000.0), PRIOR_LOG_SIGMA**2])


def test_single_filter_tracks_get_the_prior() -> None:
    mean, var = log_beta(np.empty((3, 0)), MODES, BETAS, 8000.0)
    assert_allclose(mean, np.log(8000.0))
    assert_allclose(var, PRIOR_LOG_SIGMA**2)
