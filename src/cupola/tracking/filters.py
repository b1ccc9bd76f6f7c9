"""The state filters a tracker can run: a single extended Kalman filter, or an IMM.

A filter tells the scan step (:mod:`cupola.tracking.scan`) how to

* ``predict(params, tracks, time)``: move every track to the scan time, returning the
  :class:`Prediction` the association gates on (``[p, v]`` and its covariance);
* ``correct(params, pred, rows, z, radar_pos, noise)``: update rows ``rows`` of the prediction
  with one plot each, returning the new estimate of every track;
* ``start(params, state, cov)``: give new tracks their filter state.

:data:`EKF` is the nearly-constant-velocity extended Kalman filter of
:mod:`cupola.tracking.kalman`; :data:`IMM` mixes the models of :mod:`cupola.tracking.motion`
(:mod:`cupola.tracking.imm`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from cupola.core.frames import wrap_angle
from cupola.tracking import imm, kalman
from cupola.tracking.base import TrackerParams, TrackTable
from cupola.tracking.jpda import pda_correct
from cupola.tracking.motion import N_STATE

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Prediction:
    """Tracks predicted to a scan time.

    Attributes
    ----------
    state : (T, 6) float64
        Predicted ``[p, v]`` (for an IMM, the combination weighted by the predicted model
        probabilities), ENU, m and m/s.
    cov : (T, 6, 6) float64
        Its covariance.
    mode_prob : (T, M) float64
        Predicted model probabilities (``M = 0`` for a single model).
    mode_state : (T, M, 9) float64
        Predicted model states.
    mode_cov : (T, M, 9, 9) float64
        Predicted model covariances.
    """

    state: FloatArray
    cov: FloatArray
    mode_prob: FloatArray
    mode_state: FloatArray
    mode_cov: FloatArray


@dataclass(frozen=True, slots=True)
class Estimate:
    """Filter state of every track after a scan (fields as in :class:`TrackTable`)."""

    state: FloatArray
    cov: FloatArray
    mode_prob: FloatArray
    mode_state: FloatArray
    mode_cov: FloatArray

    def apply(self, tracks: TrackTable, **changes: Any) -> TrackTable:
        """``tracks`` with these five arrays in place of its own (and ``changes``)."""
        return dataclasses.replace(
            tracks,
            state=self.state,
            cov=self.cov,
            mode_prob=self.mode_prob,
            mode_state=self.mode_state,
            mode_cov=self.mode_cov,
            **changes,
        )


@dataclass(frozen=True, slots=True)
class SoftAssociation:
    r"""Weighted plots of R tracks (JPDA; :mod:`cupola.tracking.jpda`).

    Attributes
    ----------
    rows : (R,) int64
        Track rows updated.
    edge_row : (K,) int64
        Index into ``rows`` of each pair.
    plot : (K,) int64
        Plot of each pair.
    beta : (K,) float64
        Association probability of each pair.
    beta0 : (R,) float64
        Probability that the track got none of the plots.
    miss_weight : (R,) float64
        :math:`w_0 = 1 - P_D P_G` of each row.
    scale : float
        :math:`P_D / \lambda`, turning a Gaussian likelihood into a likelihood ratio.
    """

    rows: IntArray
    edge_row: IntArray
    plot: IntArray
    beta: FloatArray
    beta0: FloatArray
    miss_weight: FloatArray
    scale: float


class Filter(Protocol):
    """What a tracker needs of its filter (module docstring)."""

    def predict(self, params: TrackerParams, tracks: TrackTable, time: float) -> Prediction:
        """Every track at ``time``."""
        ...

    def correct(
        self,
        params: TrackerParams,
        pred: Prediction,
        rows: IntArray,
        z: FloatArray,
        radar_pos: FloatArray,
        noise: FloatArray,
    ) -> Estimate:
        """Rows ``rows`` updated with plots ``z`` (one each); the other rows as predicted."""
        ...

    def correct_soft(
        self,
        params: TrackerParams,
        pred: Prediction,
        assoc: SoftAssociation,
        z: FloatArray,
        radar_pos: FloatArray,
        noise: FloatArray,
    ) -> Estimate:
        """Rows ``assoc.rows`` updated with their weighted plots (PDA); the others as predicted."""
        ...

    def start(self, params: TrackerParams, state: FloatArray, cov: FloatArray) -> Estimate:
        """Filter state of new tracks from their ``[p, v]`` (N, 6) and covariance."""
        ...


def _soft_rows(
    state: FloatArray,
    cov: FloatArray,
    assoc: SoftAssociation,
    z: FloatArray,
    radar_pos: FloatArray,
    noise: FloatArray,
    n_models: int = 1,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""PDA update of flattened rows (R·M of them, models innermost) and the log of the
    likelihood ratio :math:`w_0 + \sum_j w_j` of each (for the IMM's model probabilities)."""
    m = n_models
    edge = (assoc.edge_row[:, None] * m + np.arange(m)).ravel()  # pair of each row's models
    plot = np.repeat(assoc.plot, m)
    z_pred, jac = kalman.measure(state, radar_pos)
    s = jac @ cov @ np.swapaxes(jac, 1, 2) + noise
    s = 0.5 * (s + np.swapaxes(s, 1, 2))
    nu = z[plot] - z_pred[edge]
    nu[:, 1] = wrap_angle(nu[:, 1])
    beta0 = np.repeat(assoc.beta0, m)
    x, p = pda_correct(state, cov, nu, edge, np.repeat(assoc.beta, m), beta0, s, jac, noise)
    # ln(w0 + Σ scale·N) per row, by log-sum-exp over the row's terms (no underflow to 0/0).
    log_ratio = kalman.log_likelihood(nu, s[edge]) + np.log(assoc.scale)
    rows = state.shape[0]
    with np.errstate(divide="ignore"):
        log_w0 = np.log(np.repeat(assoc.miss_weight, m))
    top = np.full(rows, -np.inf)
    np.maximum.at(top, edge, log_ratio)
    top = np.maximum(top, log_w0)
    total = np.exp(log_w0 - top) + np.bincount(edge, np.exp(log_ratio - top[edge]), minlength=rows)
    return x, p, top + np.log(total)


def _no_modes(n: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    return np.empty((n, 0)), np.empty((n, 0, N_STATE)), np.empty((n, 0, N_STATE, N_STATE))


class _Ekf:
    """Single nearly-constant-velocity extended Kalman filter (:mod:`cupola.tracking.kalman`)."""

    def predict(self, params: TrackerParams, tracks: TrackTable, time: float) -> Prediction:
        x, p = kalman.predict(
            tracks.state, tracks.cov, time - tracks.time, params.process_noise_mps2
        )
        return Prediction(x, p, *_no_modes(x.shape[0]))

    def correct(
        self,
        params: TrackerParams,
        pred: Prediction,
        rows: IntArray,
        z: FloatArray,
        radar_pos: FloatArray,
        noise: FloatArray,
    ) -> Estimate:
        x, p = pred.state.copy(), pred.cov.copy()
        if rows.size:
            x[rows], p[rows] = kalman.update(x[rows], p[rows], z, radar_pos, noise)
        return Estimate(x, p, pred.mode_prob, pred.mode_state, pred.mode_cov)

    def correct_soft(
        self,
        params: TrackerParams,
        pred: Prediction,
        assoc: SoftAssociation,
        z: FloatArray,
        radar_pos: FloatArray,
        noise: FloatArray,
    ) -> Estimate:
        x, p = pred.state.copy(), pred.cov.copy()
        rows = assoc.rows
        if rows.size:
            x[rows], p[rows], _ = _soft_rows(x[rows], p[rows], assoc, z, radar_pos, noise)
        return Estimate(x, p, pred.mode_prob, pred.mode_state, pred.mode_cov)

    def start(self, params: TrackerParams, state: FloatArray, cov: FloatArray) -> Estimate:
        return Estimate(state, cov, *_no_modes(state.shape[0]))


class _Imm:
    """Interacting multiple models (:mod:`cupola.tracking.imm`)."""

    def predict(self, params: TrackerParams, tracks: TrackTable, time: float) -> Prediction:
        trans = imm.transition_matrix(params.imm)
        if tracks.mode_prob.shape[1] != params.imm.n_models:
            # Tracks from another filter (or an empty table): models start from [p, v].
            tracks = self.start(params, tracks.state, tracks.cov).apply(tracks)
        # A second radar at the same instant: no model switch, no motion.
        prior = tracks.mode_prob.copy()
        x0, p0 = tracks.mode_state.copy(), tracks.mode_cov.copy()
        move = np.flatnonzero(tracks.time != time)
        if move.size:
            prior[move], x0[move], p0[move] = imm.mix(
                tracks.mode_prob[move], tracks.mode_state[move], tracks.mode_cov[move], trans
            )
        xm, pm = imm.predict_models(params.imm, x0, p0, time - tracks.time)
        x, p = imm.combine(prior, xm[:, :, :6], pm[:, :, :6, :6])
        return Prediction(x, p, prior, xm, pm)

    def correct(
        self,
        params: TrackerParams,
        pred: Prediction,
        rows: IntArray,
        z: FloatArray,
        radar_pos: FloatArray,
        noise: FloatArray,
    ) -> Estimate:
        prob = pred.mode_prob.copy()
        xm, pm = pred.mode_state.copy(), pred.mode_cov.copy()
        if rows.size:
            prob[rows], xm[rows], pm[rows] = imm.update_models(
                prob[rows], xm[rows], pm[rows], z, radar_pos, noise
            )
        x, p = imm.combine(prob, xm[:, :, :6], pm[:, :, :6, :6])
        return Estimate(x, p, prob, xm, pm)

    def correct_soft(
        self,
        params: TrackerParams,
        pred: Prediction,
        assoc: SoftAssociation,
        z: FloatArray,
        radar_pos: FloatArray,
        noise: FloatArray,
    ) -> Estimate:
        prob = pred.mode_prob.copy()
        xm, pm = pred.mode_state.copy(), pred.mode_cov.copy()
        rows = assoc.rows
        if rows.size:
            r, m = rows.size, prob.shape[1]
            x, p, lik = _soft_rows(
                xm[rows].reshape(r * m, N_STATE),
                pm[rows].reshape(r * m, N_STATE, N_STATE),
                assoc,
                z,
                radar_pos,
                noise,
                m,
            )
            xm[rows] = x.reshape(r, m, N_STATE)
            pm[rows] = p.reshape(r, m, N_STATE, N_STATE)
            log_post = lik.reshape(r, m) + np.log(np.maximum(prob[rows], 1e-300))
            post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
            prob[rows] = post / post.sum(axis=1, keepdims=True)
        x6, p6 = imm.combine(prob, xm[:, :, :6], pm[:, :, :6, :6])
        return Estimate(x6, p6, prob, xm, pm)

    def start(self, params: TrackerParams, state: FloatArray, cov: FloatArray) -> Estimate:
        n, m = state.shape[0], params.imm.n_models
        s9 = np.zeros((n, N_STATE))
        s9[:, :6] = state
        p9 = np.zeros((n, N_STATE, N_STATE))
        p9[:, :6, :6] = cov
        axis = np.arange(6, 9)
        p9[:, axis, axis] = params.imm.init_acceleration_sigma_mps2**2
        return Estimate(
            state,
            cov,
            np.full((n, m), 1.0 / m),
            np.repeat(s9[:, None], m, axis=1),
            np.repeat(p9[:, None], m, axis=1),
        )


#: The single nearly-constant-velocity extended Kalman filter.
EKF: Filter = _Ekf()
#: The interacting multiple model filter.
IMM: Filter = _Imm()
