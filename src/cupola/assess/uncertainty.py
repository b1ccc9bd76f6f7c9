r"""Impact prediction with uncertainty: a track's Gaussian state pushed through the ballistic
model to a Gaussian impact point and time.

Propagation
-----------
The uncertain quantities are the track's position and velocity and the log of the ballistic
coefficient, :math:`s = (p, v, \ln\beta)` (7 elements) with mean :math:`\bar s` and covariance
:math:`P` (block diagonal: the track's 6×6 covariance and :math:`\sigma_{\ln\beta}^2`). The
third-degree spherical-radial cubature rule (I. Arasaratnam and S. Haykin, "Cubature Kalman
filters", IEEE Trans. Automatic Control 54(6), 2009; the unscented transform of Julier and
Uhlmann with :math:`\alpha = 1, \beta = 0, \kappa = 0`) takes the :math:`2n` points

.. math::

    s_{\pm k} = \bar s \pm \sqrt{n}\, L e_k, \qquad L L^\top = P, \qquad k = 1..n,

with equal weights :math:`1/(2n)`, flies each to the ground with the drag-aware model
(:func:`cupola.assess.impact.fly`, in the same integration as the tracks' nominal paths), and
takes the weighted mean and covariance of the impact points :math:`(x, y)` and times. It is
exact for any model that is polynomial of degree 3 or less in :math:`s`, and costs
:math:`2n = 14` flights per track, vectorised over every track at once.

Ellipse
-------
The :math:`P_{ell}` probability ellipse of the impact point (2×2 covariance :math:`C`, its
eigenvalues :math:`\lambda_1 \ge \lambda_2`, eigenvector :math:`u_1`) has semi-axes
:math:`\sqrt{\chi^2_2(P_{ell})\,\lambda_{1,2}}`, :math:`\chi^2_2(P) = -2\ln(1 - P)`, and its major
axis points along :math:`u_1` (reported as an azimuth, clockwise from north, in
:math:`[0, \pi)`).

Hit probability
---------------
The probability that the impact falls within :math:`r` of a point :math:`a` is the Gaussian
measure of a disc, :math:`P(\lVert X - a\rVert \le r)`, :math:`X \sim \mathcal N(\mu, C)`. It is
computed with a fixed set of :data:`N_SAMPLES` standard normal points (a Sobol sequence through
the normal quantile, the same for every call, so results are deterministic), mapped by
:math:`\mu + L z`: the error is about :math:`1/N` rather than :math:`1/\sqrt N`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm, qmc

from cupola.assess.impact import fly

FloatArray = NDArray[np.float64]

#: Integration step of the impact prediction, s (:func:`cupola.assess.impact.fly`).
STEP_S = 0.5
#: Quasi-random points of the hit-probability integral.
N_SAMPLES = 1024
#: Dimension of the propagated state, :math:`(p, v, \ln\beta)`.
DIM = 7


@dataclass(frozen=True, slots=True)
class ImpactEstimate:
    """Predicted impacts of T tracks, with their uncertainty.

    Attributes
    ----------
    mean : (T, 2) float64
        Mean impact point, ENU east/north, m; NaN when some cubature point does not land
        within the horizon.
    cov : (T, 2, 2) float64
        Its covariance, m².
    time : (T,) float64
        Mean time to impact from the track's time, s; inf when no impact.
    time_var : (T,) float64
        Its variance, s².
    """

    mean: FloatArray
    cov: FloatArray
    time: FloatArray
    time_var: FloatArray


def cubature_points(mean: FloatArray, cov: FloatArray) -> FloatArray:
    """The ``2n`` cubature points of each row (module docstring).

    Parameters
    ----------
    mean : (T, n) float64
    cov : (T, n, n) float64
        Symmetric positive semi-definite.

    Returns
    -------
    (T, 2n, n) float64
        Points ``mean + sqrt(n) L e_k`` for k = 1..n, then ``mean - sqrt(n) L e_k``.
    """
    n = mean.shape[1]
    chol = cholesky(cov)
    cols = np.sqrt(n) * np.swapaxes(chol, 1, 2)  # (T, n, n): row k is sqrt(n) L e_k
    return np.concatenate([mean[:, None, :] + cols, mean[:, None, :] - cols], axis=1)


def cholesky(cov: FloatArray) -> FloatArray:
    """Lower Cholesky factors, with a tiny diagonal load for semi-definite rows."""
    scale = np.maximum(np.abs(np.diagonal(cov, axis1=1, axis2=2)).max(axis=1), 1e-300)
    jitter = 1e-12 * scale[:, None, None] * np.eye(cov.shape[1])
    return np.asarray(np.linalg.cholesky(cov + jitter), np.float64)


def predict_impact(
    state: FloatArray,
    cov: FloatArray,
    log_beta: FloatArray,
    log_beta_var: FloatArray,
    horizon_s: float,
    dt: float = STEP_S,
) -> ImpactEstimate:
    """Mean and covariance of the impact point and time of ballistic tracks (module docstring).

    Parameters
    ----------
    state : (T, 6) float64
        ``[p, v]``, ENU, m and m/s.
    cov : (T, 6, 6) float64
        Its covariance.
    log_beta, log_beta_var : (T,) float64
        Mean and variance of :math:`\\ln\\beta` (β in kg/m²).
    horizon_s : float
        Longest flight predicted, s; a track any of whose points is still flying then has no
        predicted impact.
    dt : float
        Integration step, s.

    Returns
    -------
    ImpactEstimate
    """
    pts_state, pts_beta = cloud(state, cov, log_beta, log_beta_var)
    _, impact, tof = fly(pts_state, pts_beta, dt, horizon_s, 0)
    return moments(impact, tof, len(state))


def cloud(
    state: FloatArray, cov: FloatArray, log_beta: FloatArray, log_beta_var: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The cubature points of each track, as flight rows (module docstring).

    Returns
    -------
    state : (T * 2n, 6) float64
        Points ``[p, v]``, track after track (``2n`` = 14 rows each).
    beta : (T * 2n,) float64
        Their ballistic coefficients, kg/m².
    """
    t = state.shape[0]
    mean = np.concatenate([state, np.asarray(log_beta, np.float64)[:, None]], axis=1)
    full = np.zeros((t, DIM, DIM))
    full[:, :6, :6] = cov
    full[:, 6, 6] = log_beta_var
    pts = cubature_points(mean, full).reshape(-1, DIM)
    return pts[:, :6], np.exp(pts[:, 6])


def moments(impact: FloatArray, tof: FloatArray, t: int) -> ImpactEstimate:
    """Mean and covariance of the flown cubature points of ``t`` tracks (:func:`cloud` order).

    Parameters
    ----------
    impact : (t * 2n, 2) float64
        Impact points, m (NaN: still flying at the horizon).
    tof : (t * 2n,) float64
        Times to impact, s (inf: none).
    t : int
        Number of tracks.
    """
    k = 2 * DIM
    xy = impact.reshape(t, k, 2)
    tt = tof.reshape(t, k)
    landed = np.asarray(np.isfinite(tt).all(axis=1), bool)
    mu = xy.mean(axis=1)
    d = xy - mu[:, None, :]
    c = np.einsum("tki,tkj->tij", d, d) / k
    tm = tt.mean(axis=1)
    with np.errstate(invalid="ignore"):  # inf - inf for rows that do not land
        tv = ((tt - tm[:, None]) ** 2).mean(axis=1)
    return ImpactEstimate(
        mean=np.where(landed[:, None], mu, np.nan),
        cov=np.where(landed[:, None, None], c, np.nan),
        time=np.where(landed, tm, np.inf),
        time_var=np.where(landed, tv, np.nan),
    )


def ellipse(
    cov: FloatArray, probability: float = 0.95
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Semi-axes and orientation of the probability ellipse of 2-D Gaussians (module docstring).

    Parameters
    ----------
    cov : (T, 2, 2) float64
        Covariances of (east, north), m².
    probability : float
        Probability inside the ellipse.

    Returns
    -------
    major, minor : (T,) float64
        Semi-axes, m.
    azimuth : (T,) float64
        Direction of the major axis, clockwise from north, rad, in [0, π).
    """
    ok = np.asarray(np.isfinite(cov).all(axis=(1, 2)), bool)
    safe = np.where(ok[:, None, None], cov, np.eye(2))
    vals, vecs = np.linalg.eigh(safe)  # ascending
    k = -2.0 * np.log1p(-probability)
    major = np.sqrt(k * np.maximum(vals[:, 1], 0.0))
    minor = np.sqrt(k * np.maximum(vals[:, 0], 0.0))
    east, north = vecs[:, 0, 1], vecs[:, 1, 1]
    azimuth = np.mod(np.arctan2(east, north), np.pi)
    nan = np.full(cov.shape[0], np.nan)
    return np.where(ok, major, nan), np.where(ok, minor, nan), np.where(ok, azimuth, nan)


@lru_cache(maxsize=8)
def standard_normal_points(n: int = N_SAMPLES) -> FloatArray:
    """``n`` fixed 2-D standard normal points (scrambled Sobol through the normal quantile),
    the same at every call (read-only, (n, 2))."""
    u = qmc.Sobol(d=2, scramble=True, seed=20261122).random(n)
    z = np.asarray(norm.ppf(u), np.float64)
    z.setflags(write=False)
    return z


def disc_probability(
    mean: FloatArray, cov: FloatArray, centers: FloatArray, radii: FloatArray
) -> FloatArray:
    """Probability that each Gaussian impact falls within each disc (module docstring).

    Parameters
    ----------
    mean : (T, 2) float64
        Impact means, m; NaN rows give 0.
    cov : (T, 2, 2) float64
        Impact covariances, m².
    centers : (A, 2) float64
        Disc centres, m.
    radii : (A,) float64
        Disc radii, m.

    Returns
    -------
    (T, A) float64
    """
    ok = np.isfinite(mean).all(axis=1) & np.isfinite(cov).all(axis=(1, 2))
    t = mean.shape[0]
    out = np.zeros((t, centers.shape[0]))
    if not ok.any() or centers.shape[0] == 0:
        return out
    chol = cholesky(cov[ok])
    z = standard_normal_points()
    pts = mean[ok][:, None, :] + np.einsum("tij,kj->tki", chol, z)  # (T', N, 2)
    d2 = ((pts[:, :, None, :] - centers[None, None, :, :]) ** 2).sum(axis=-1)  # (T', N, A)
    out[ok] = (d2 <= radii[None, None, :] ** 2).mean(axis=1)
    return out
