r"""Which known ballistic type a track is: identification against a threat library.

A battle manager knows the adversary's rocket and mortar types (a threat library: here the
scenario's and the catalog's ballistic types, each with its launch speed :math:`s_k` and
ballistic coefficient :math:`\beta_k`). Ten seconds into a track its drag is still poorly
observed, and an unknown :math:`\beta` is what limits the impact prediction of long-range
rockets; knowing the type gives :math:`\beta` at once.

Evidence
--------
Two independent pieces of evidence weigh each type :math:`k` for a track with ballistic-filter
state :math:`\mathbf x = (\mathbf p, \mathbf v)`, covariance :math:`P` and
:math:`\ln\beta \sim \mathcal N(m, v)` (:mod:`cupola.assess.ballistic_filter`):

* *Launch speed.* Flown back to the ground under :math:`\beta_k`
  (:func:`cupola.threats.ballistic.fly_back_to_ground`), the track left it at speed
  :math:`\hat s_k(\mathbf x)`, with spread
  :math:`\sigma_{\hat s,k}^2 = \mathbf J_k P \mathbf J_k^\top` for the gradient
  :math:`\mathbf J_k = \partial\hat s_k/\partial\mathbf x` by forward differences (six more
  flights back; energy alone misses that the drag given back grows with the speed). The
  type's own launch speeds spread by ``LAUNCH_SPEED_RELATIVE_SIGMA`` (round to round, and
  the model's flat ground and instant boost).
* *Drag.* The filter's :math:`\ln\beta` against :math:`\ln\beta_k`, whose round-to-round
  spread is ``LOG_BETA_SIGMA``.

With equal prior weights,

.. math::

    w_k \propto \mathcal N\!\left(\hat s_k - s_k;\ 0,\ \sigma_{\hat s,k}^2
        + (c_s s_k)^2\right)\,
    \mathcal N\!\left(\ln\beta_k - m;\ 0,\ v + \sigma_{\ln\beta}^2\right),

normalised over the types. A type whose flight back never reaches the ground, or whose two
normalised residuals (the arguments of the two densities), squared and summed, pass the
99 % point of :math:`\chi^2_2` (``GATE``), gets 0: a track no type fits is left unidentified
rather than given to the nearest type. A track is identified as the type of largest weight
once that weight reaches ``IDENTIFY_PROBABILITY``. The gradient is taken only for the (track,
type) pairs that a loose first test on the launch speed keeps (``PRE_GATE``).

Use
---
An identified type enters the prediction as a pseudo-measurement
:math:`\ln\beta = \ln\beta_k` with variance :math:`\sigma_{\ln\beta}^2` on the joint Gaussian
of :math:`(\mathbf x, \ln\beta)` (:func:`condition`): the Kalman update

.. math::

    S = v + \sigma_{\ln\beta}^2,\quad
    \mathbf x' = \mathbf x + \mathbf c\,\frac{\ln\beta_k - m}{S},\quad
    P' = P - \frac{\mathbf c\mathbf c^\top}{S},\quad
    m' = m + v\,\frac{\ln\beta_k - m}{S},\quad
    v' = \frac{v\,\sigma_{\ln\beta}^2}{S},\quad
    \mathbf c' = \mathbf c\,\frac{\sigma_{\ln\beta}^2}{S},

with :math:`\mathbf c` the cross-covariance of :math:`\mathbf x` and :math:`\ln\beta`,
applied afresh to each prediction (never accumulated in a filter). The battle manager uses it
for tracks identified late; a track identified when its filter starts has its filter run again
from its first plot with the type's :math:`\beta` as prior instead (:mod:`cupola.sim.bmc`).

This is the type classification of weapon-locating radars (which also back-extrapolate to the
launch point), reduced to the two kinematic features a short track carries; the spreads are
modelling assumptions (A), not published figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cupola.threats.ballistic import G, fly_back_to_ground

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Relative spread of a type's launch speed (A).
LAUNCH_SPEED_RELATIVE_SIGMA = 0.03
#: Spread of ln beta within a type (A): about 3 % in beta, the round-to-round spread of mass and
#: drag coefficient assumed for unguided rockets.
LOG_BETA_SIGMA = 0.03
#: A type is ruled out for a track whose two normalised residuals, squared and summed, pass
#: this (chi-square, 2 degrees of freedom, 99 %): a rocket of no known type is not forced into
#: the nearest one.
GATE = 9.21
#: Weight of the leading type that identifies a track.
IDENTIFY_PROBABILITY = 0.9
#: Largest step of the flight back, s, and how far back it may go.
BACK_STEP_S = 1.0
BACK_MAX_TIME_S = 400.0
#: Loose first test on the launch speed (squared residual over a generous variance).
PRE_GATE = 25.0
#: Forward-difference steps of the launch speed's gradient: 1 m, 0.1 m/s.
DIFF_STEP = np.array([1.0, 1.0, 1.0, 0.1, 0.1, 0.1])


@dataclass(frozen=True)
class ThreatLibrary:
    """The ballistic types the battle manager knows, K of them.

    Attributes
    ----------
    names : list of str
        Type names (catalog or scenario names).
    launch_speed_mps : (K,) float64
        Speed at launch (the model's burnout speed), m/s.
    log_beta : (K,) float64
        :math:`\\ln\\beta`, :math:`\\beta` in kg/m².
    """

    names: list[str]
    launch_speed_mps: FloatArray
    log_beta: FloatArray

    @classmethod
    def build(
        cls, names: Sequence[str], launch_speed_mps: Sequence[float], beta: Sequence[float]
    ) -> ThreatLibrary:
        """A library from names, launch speeds (m/s) and ballistic coefficients (kg/m²)."""
        speed = np.asarray(launch_speed_mps, np.float64)
        b = np.asarray(beta, np.float64)
        if not (len(names) == speed.shape[0] == b.shape[0]):
            raise ValueError("a threat library needs one speed and one beta per name")
        if np.any(~(speed > 0)) or np.any(~(b > 0)):
            raise ValueError("launch speeds and ballistic coefficients must be positive")
        return cls(list(names), speed, np.log(b))

    def __len__(self) -> int:
        return len(self.names)


def launch_speeds(library: ThreatLibrary, state: FloatArray) -> FloatArray:
    """Speed at launch of each track under each type's ballistic coefficient.

    Parameters
    ----------
    library : ThreatLibrary
        K types.
    state : (T, 6) float64
        ``[p, v]`` now, ENU m and m/s.

    Returns
    -------
    (T, K) float64
        :math:`\\hat s_k`, m/s; NaN where the flight back does not reach the ground within
        ``BACK_MAX_TIME_S``.
    """
    t, k = state.shape[0], len(library)
    rows = np.repeat(state, k, axis=0)
    beta = np.tile(np.exp(library.log_beta), t)
    return _speeds(rows, beta).reshape(t, k)


def speed_gradient(state: FloatArray, beta: FloatArray) -> FloatArray:
    """(N, 6) float64: :math:`\\partial\\hat s/\\partial\\mathbf x` of the launch speed of
    states ``state`` (N, 6) flown back under ``beta`` (N,), by forward differences of
    ``DIFF_STEP``; (m/s) per m and per m/s."""
    n = state.shape[0]
    probes = np.repeat(state[:, None, :], 7, axis=1)  # (N, 7, 6): the state and 6 steps
    probes[:, 1:, :] += np.diag(DIFF_STEP)
    speed = _speeds(probes.reshape(-1, 6), np.repeat(beta, 7)).reshape(n, 7)
    return np.asarray((speed[:, 1:] - speed[:, :1]) / DIFF_STEP)


def _speeds(rows: FloatArray, beta: FloatArray) -> FloatArray:
    _, vel, _ = fly_back_to_ground(rows[:, :3], rows[:, 3:], beta, BACK_STEP_S, BACK_MAX_TIME_S)
    return np.asarray(np.sqrt(np.einsum("ij,ij->i", vel, vel)))


def posterior(
    library: ThreatLibrary,
    state: FloatArray,
    cov: FloatArray,
    log_beta_mean: FloatArray,
    log_beta_var: FloatArray,
) -> FloatArray:
    """Weight of each type for each track (module docstring).

    The gradient (six more flights back) is taken only for the (track, type) pairs that a
    loose first test keeps: the launch-speed residual within ``PRE_GATE`` of a generous
    spread (the type's own, plus three times the speed's spread from the energy alone).

    Parameters
    ----------
    library : ThreatLibrary
        K types.
    state : (T, 6) float64
        ``[p, v]``, ENU m and m/s.
    cov : (T, 6, 6) float64
        Its covariance.
    log_beta_mean, log_beta_var : (T,) float64
        The track's :math:`\\ln\\beta` estimate.

    Returns
    -------
    (T, K) float64
        Weights summing to 1 over the types; all 0 for a track no type fits.
    """
    t, k = state.shape[0], len(library)
    s_hat = launch_speeds(library, state)
    own = (LAUNCH_SPEED_RELATIVE_SIGMA * library.launch_speed_mps) ** 2  # (K,)
    v = state[:, 3:]
    var_e = (
        np.einsum("ti,tij,tj->t", v, cov[:, 3:, 3:], v)
        + 2.0 * G * np.einsum("ti,ti->t", v, cov[:, 3:, 2])
        + G**2 * cov[:, 2, 2]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        loose = own + 9.0 * np.maximum(var_e, 0.0)[:, None] / s_hat**2
        near = (s_hat - library.launch_speed_mps) ** 2 <= PRE_GATE * loose
    var_s = np.full((t, k), np.inf)
    ti, ki = np.nonzero(near)
    if len(ti):
        grad = speed_gradient(state[ti], np.exp(library.log_beta[ki]))
        var_s[ti, ki] = np.einsum("ni,nij,nj->n", grad, cov[ti], grad) + own[ki]
    var_b = log_beta_var[:, None] + LOG_BETA_SIGMA**2
    with np.errstate(invalid="ignore"):
        d2 = (s_hat - library.launch_speed_mps) ** 2 / var_s + (
            library.log_beta - log_beta_mean[:, None]
        ) ** 2 / var_b
        log_w = -0.5 * (d2 + np.log(var_s) + np.log(var_b))
    log_w = np.where(near & np.isfinite(log_w) & (d2 <= GATE), log_w, -np.inf)
    top = np.max(log_w, axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        w = np.exp(log_w - np.where(np.isfinite(top), top, 0.0))
    total = w.sum(axis=1, keepdims=True)
    return np.asarray(np.where(total > 0, w / np.where(total > 0, total, 1.0), 0.0))


def identify(
    library: ThreatLibrary,
    state: FloatArray,
    cov: FloatArray,
    log_beta_mean: FloatArray,
    log_beta_var: FloatArray,
) -> IntArray:
    """(T,) int64: the type each track is identified as, -1 where no type has
    ``IDENTIFY_PROBABILITY`` of the weight (arguments as :func:`posterior`)."""
    w = posterior(library, state, cov, log_beta_mean, log_beta_var)
    best = np.argmax(w, axis=1)
    sure = w[np.arange(len(best)), best] >= IDENTIFY_PROBABILITY
    return np.where(sure, best, -1).astype(np.int64)


def condition(
    state: FloatArray,
    cov: FloatArray,
    log_beta: tuple[FloatArray, FloatArray, FloatArray],
    target: FloatArray,
    sigma: float = LOG_BETA_SIGMA,
) -> tuple[FloatArray, FloatArray, tuple[FloatArray, FloatArray, FloatArray]]:
    """Condition ``(state, ln beta)`` on the pseudo-measurement ``ln beta = target``.

    Parameters
    ----------
    state : (T, 6) float64
        ``[p, v]``.
    cov : (T, 6, 6) float64
        Its covariance.
    log_beta : tuple of (T,), (T,), (T, 6) float64
        :math:`\\ln\\beta` mean, variance and cross-covariance with ``state``.
    target : (T,) float64
        The identified types' :math:`\\ln\\beta_k`.
    sigma : float
        Spread of :math:`\\ln\\beta` within a type.

    Returns
    -------
    state, cov, (mean, var, cross)
        The conditioned Gaussian (module docstring); new arrays.
    """
    mean, var, cross = log_beta
    s = var + sigma**2
    gain = (target - mean) / s
    state = state + cross * gain[:, None]
    cov = cov - cross[:, :, None] * cross[:, None, :] / s[:, None, None]
    shrink = sigma**2 / s
    return state, cov, (mean + var * gain, var * shrink, cross * shrink[:, None])
