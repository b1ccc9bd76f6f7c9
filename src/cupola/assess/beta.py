r"""The ballistic coefficient of a track, estimated from the drag it shows.

A ballistic threat flies :math:`\dot{\mathbf v} = \mathbf g - \kappa\,\mathbf f(\mathbf p,
\mathbf v)` with :math:`\mathbf f = \tfrac12 \rho(z) \lVert\mathbf v\rVert \mathbf v` and
:math:`\kappa = 1/\beta` (:mod:`cupola.threats.ballistic`). The dynamics are linear in
:math:`\kappa`: integrated from a reference time :math:`t_0`,

.. math::

    \mathbf y \equiv \mathbf v(t) - \mathbf v(t_0) - \mathbf g\,(t - t_0) = -\kappa\,\mathbf H(t),
    \qquad \mathbf H(t) = \int_{t_0}^{t} \mathbf f\,d\tau,

so the velocity a track has lost beyond gravity, against the drag integral along its own
path, measures :math:`\kappa` (the inverse of the ballistic-coefficient estimation of
A. Farina, B. Ristic and D. Benvenuti, "Tracking a ballistic target: comparison of several
nonlinear filters", IEEE Trans. AES 38(3), 2002, where :math:`\beta` joins the filter state;
here it is read off the tracker's output, whatever the tracker). :math:`\mathbf H` is
accumulated by the trapezoidal rule over the decision cycles, and :math:`\mathbf y` is formed
from the track's velocity estimates, with covariance :math:`R = c\,(P_v(t) + P_v(t_0))`: the
two estimates taken as independent, and :math:`c` = ``COVARIANCE_INFLATION`` = 3 because a
tracker's velocity errors are not white (its model lags real drag and manoeuvres) and its
covariance is optimistic about them; with :math:`c = 1` the estimate claimed about half the
spread it showed on the built-in scenarios' rockets. With the prior
:math:`\kappa \sim \mathcal N(\kappa_p, (s\,\kappa_p)^2)`, :math:`\kappa_p = 1/\beta_p` the
doctrine's assumed coefficient, the posterior is

.. math::

    J = \frac{1}{(s\kappa_p)^2} + \mathbf H^\top R^{-1}\mathbf H, \qquad
    \hat\kappa = \frac{1}{J}\Big(\frac{\kappa_p}{(s\kappa_p)^2}
        - \mathbf H^\top R^{-1}\mathbf y\Big), \qquad \sigma_\kappa^2 = \frac1J,

reported as :math:`\ln\beta` with mean :math:`-\ln\hat\kappa` and variance
:math:`\min(\sigma_\kappa^2/\hat\kappa^2,\ s^2)` (first order, and never wider than the
prior's, which a small :math:`\hat\kappa` would otherwise blow up; :math:`\hat\kappa` kept
within ``BETA_RANGE``). High in the air the drag is small and the prior rules; as the threat comes
down into denser air :math:`\mathbf H` grows and the estimate closes in on the threat's own
coefficient.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.threats.atmosphere import density
from cupola.threats.ballistic import G

FloatArray = NDArray[np.float64]

#: Relative standard deviation of the prior on κ, :math:`s`.
PRIOR_RELATIVE_SIGMA = 0.6
#: Estimates are kept within these ballistic coefficients, kg/m².
BETA_RANGE = (300.0, 300_000.0)
#: Factor on :math:`R` (see the module docstring).
COVARIANCE_INFLATION = 3.0
_GRAVITY = np.array([0.0, 0.0, -G])


def drag_integrand(pos: FloatArray, vel: FloatArray) -> FloatArray:
    r"""(T, 3) float64: :math:`\mathbf f = \tfrac12\rho(z)\lVert\mathbf v\rVert\mathbf v`,
    kg/m·s² per (kg/m²)... i.e. the drag deceleration times :math:`\beta`, for positions
    ``pos`` (T, 3), m, and velocities ``vel`` (T, 3), m/s."""
    speed = np.sqrt(np.einsum("ij,ij->i", vel, vel))
    return np.asarray((0.5 * density(pos[:, 2]) * speed)[:, None] * vel, np.float64)


def accumulate(
    h: FloatArray, f_last: FloatArray, t_last: FloatArray, f_now: FloatArray, t_now: float
) -> FloatArray:
    r"""One trapezoid of the drag integral: :math:`\mathbf H + \tfrac12(\mathbf f_{last} +
    \mathbf f_{now})(t_{now} - t_{last})`; all (T, 3) but ``t_last`` (T,), s."""
    return np.asarray(h + 0.5 * (f_last + f_now) * (t_now - t_last)[:, None], np.float64)


def log_beta(
    vel: FloatArray,
    vel_cov: FloatArray,
    ref_vel: FloatArray,
    ref_cov: FloatArray,
    elapsed: FloatArray,
    h: FloatArray,
    assumed: float,
) -> tuple[FloatArray, FloatArray]:
    """Mean and variance of :math:`\\ln\\beta` of each track (module docstring).

    Parameters
    ----------
    vel, ref_vel : (T, 3) float64
        Velocity estimates now and at the reference time, m/s.
    vel_cov, ref_cov : (T, 3, 3) float64
        Their covariances, m²/s².
    elapsed : (T,) float64
        Time since the reference, s.
    h : (T, 3) float64
        Drag integral since the reference (:func:`accumulate`).
    assumed : float
        The doctrine's assumed ballistic coefficient, kg/m² (the prior's centre).

    Returns
    -------
    mean, var : (T,) float64
    """
    kp = 1.0 / assumed
    prior_info = 1.0 / (PRIOR_RELATIVE_SIGMA * kp) ** 2
    y = vel - ref_vel - _GRAVITY[None, :] * elapsed[:, None]
    r = COVARIANCE_INFLATION * (vel_cov + ref_cov)
    rinv_h = np.linalg.solve(r, h[:, :, None])[:, :, 0]  # R^-1 H
    info = prior_info + np.einsum("ti,ti->t", h, rinv_h)
    kappa = (prior_info * kp - np.einsum("ti,ti->t", rinv_h, y)) / info
    kappa = np.clip(kappa, 1.0 / BETA_RANGE[1], 1.0 / BETA_RANGE[0])
    var = np.minimum(1.0 / (info * kappa**2), PRIOR_RELATIVE_SIGMA**2)
    return -np.log(kappa), var
