r"""Impact prediction with uncertainty: a track's Gaussian state pushed through the ballistic
model to a Gaussian impact point and time.

Propagation
-----------
The uncertain quantities are the track's position and velocity and the log of the ballistic
coefficient, jointly Gaussian (the track's 6×6 covariance, :math:`\sigma_{\ln\beta}^2` and, from
a filter that estimates both, their covariance). Over a flat earth with an atmosphere that
varies with altitude only, a flight's horizontal position :math:`h = (x, y)` only translates it:
a threat from :math:`(h, w)`, :math:`w = (z, v_x, v_y, v_z, \ln\beta)`, lands at :math:`h +
D(w)` after :math:`T(w)`. Only :math:`w` (:math:`m` = 5 elements, mean :math:`\bar w`,
covariance :math:`P_w`) needs flying. The third-degree spherical-radial cubature rule (I.
Arasaratnam and S. Haykin, "Cubature Kalman filters", IEEE Trans. Automatic Control 54(6), 2009;
the unscented transform of Julier and Uhlmann with :math:`\alpha = 1, \beta = 0, \kappa = 0`)
takes the :math:`2m` points

.. math::

    w_{\pm k} = \bar w \pm \sqrt{m}\, L e_k, \qquad L L^\top = P_w, \qquad k = 1..m,

with equal weights :math:`1/(2m)`, flies each to the ground with the drag-aware model
(:func:`cupola.assess.impact.fly`, in the same integration as the tracks' nominal paths) and
takes the weighted moments :math:`\bar D`, :math:`C_{DD}`, :math:`C_{wD}` and those of
:math:`T`. As :math:`h` given :math:`w` is Gaussian with mean linear in :math:`w`,
:math:`E[h \mid w] = \bar h + A (w - \bar w)`, :math:`A = P_{hw} P_w^{-1}`, and a residual
independent of :math:`w`, the impact point :math:`h + D(w)` has

.. math::

    \mu = \bar h + \bar D, \qquad
    C = P_{hh} + C_{DD} + A C_{wD} + (A C_{wD})^\top

exactly, given the moments of :math:`D`. The rule gives the mean exactly for any :math:`D`
polynomial of degree 3 or less in :math:`w` and the covariance for :math:`D` linear (to second
order otherwise), and costs :math:`2m = 10` flights per track (against 14 for the
full state), vectorised over every track at once.

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
:math:`\mu + L z`: deterministic, and more even than random draws (the error of a
quasi-Monte Carlo estimate of a smooth integrand falls nearly as :math:`1/N`; for the
indicator of an area it is nearer :math:`N^{-3/4}`, still below :math:`1/\sqrt N`).
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
#: Dimension of the propagated part of the state, :math:`w = (z, v, \ln\beta)`.
DIM = 5


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
    cross: FloatArray | None = None,
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
    cross : (T, 6) float64, optional
        Covariance of :math:`\\ln\\beta` with ``[p, v]`` (default: none).

    Returns
    -------
    ImpactEstimate
    """
    c = cloud(state, cov, log_beta, log_beta_var, cross)
    _, impact, tof = fly(c.state, c.beta, dt, horizon_s, 0)
    return moments(c, impact, tof)


@dataclass(frozen=True, slots=True)
class Cloud:
    """The cubature points of T tracks as flight rows, and what :func:`moments` needs of them.

    Attributes
    ----------
    state : (T * 2m, 6) float64
        Points ``[p, v]``, track after track (``2m`` = 10 rows each), at the mean horizontal
        position.
    beta : (T * 2m,) float64
        Their ballistic coefficients, kg/m².
    ground : (T, 2) float64
        Mean horizontal position of each track, m.
    dev : (T, 2m, m) float64
        Each point's :math:`w_k - \\bar w`.
    gain : (T, 2, m) float64
        :math:`A = P_{hw} P_w^{-1}`.
    p_hh : (T, 2, 2) float64
        Covariance of the horizontal position, m².
    """

    state: FloatArray
    beta: FloatArray
    ground: FloatArray
    dev: FloatArray
    gain: FloatArray
    p_hh: FloatArray


def cloud(
    state: FloatArray,
    cov: FloatArray,
    log_beta: FloatArray,
    log_beta_var: FloatArray,
    cross: FloatArray | None = None,
) -> Cloud:
    """The cubature points of each track over :math:`w = (z, v, \\ln\\beta)` (module
    docstring); the arguments are those of :func:`predict_impact`."""
    t = state.shape[0]
    w = np.concatenate([state[:, 2:], np.asarray(log_beta, np.float64)[:, None]], axis=1)
    p_w = np.zeros((t, DIM, DIM))
    p_w[:, :4, :4] = cov[:, 2:, 2:]
    p_w[:, 4, 4] = log_beta_var
    p_hw = np.zeros((t, 2, DIM))
    p_hw[:, :, :4] = cov[:, :2, 2:]
    if cross is not None:
        p_w[:, :4, 4] = p_w[:, 4, :4] = cross[:, 2:]
        p_hw[:, :, 4] = cross[:, :2]
    pts = cubature_points(w, p_w)  # (T, 2m, m)
    rows = np.empty((t, 2 * DIM, 6))
    rows[:, :, :2] = state[:, None, :2]
    rows[:, :, 2:] = pts[:, :, :4]
    return Cloud(
        state=rows.reshape(-1, 6),
        beta=np.exp(pts[:, :, 4]).ravel(),
        ground=np.asarray(state[:, :2], np.float64),
        dev=pts - w[:, None, :],
        gain=p_hw @ np.linalg.pinv(p_w, hermitian=True),
        p_hh=np.asarray(cov[:, :2, :2], np.float64),
    )


def moments(c: Cloud, impact: FloatArray, tof: FloatArray) -> ImpactEstimate:
    """Mean and covariance of the impact point and time from the flown points (module
    docstring).

    Parameters
    ----------
    c : Cloud
        The points, T tracks.
    impact : (T * 2m, 2) float64
        Their impact points, m (NaN: still flying at the horizon).
    tof : (T * 2m,) float64
        Their times to impact, s (inf: none).
    """
    t, k = c.dev.shape[:2]
    d = impact.reshape(t, k, 2) - c.ground[:, None, :]  # D(w_k)
    tt = tof.reshape(t, k)
    landed = np.asarray(np.isfinite(tt).all(axis=1), bool)
    d_mean = d.mean(axis=1)
    dd = d - d_mean[:, None, :]
    c_dd = np.einsum("tki,tkj->tij", dd, dd) / k
    c_wd = np.einsum("tki,tkj->tij", c.dev, dd) / k  # (T, m, 2)
    cross = c.gain @ c_wd  # Cov(h, D), (T, 2, 2)
    cov = c.p_hh + c_dd + cross + np.swapaxes(cross, 1, 2)
    tm = tt.mean(axis=1)
    with np.errstate(invalid="ignore"):  # inf - inf for rows that do not land
        tv = ((tt - tm[:, None]) ** 2).mean(axis=1)
    return ImpactEstimate(
        mean=np.where(landed[:, None], c.ground + d_mean, np.nan),
        cov=np.where(landed[:, None, None], cov, np.nan),
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
