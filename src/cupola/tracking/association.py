r"""Chi-square gating and global nearest neighbour (GNN) association of plots to tracks.

Gate
----
A plot ``z`` is a candidate for track ``i`` (predicted measurement :math:`\hat z_i`,
innovation covariance :math:`S_i`) when its normalised innovation squared is inside the gate,

.. math::

    d_{ij}^2 = \nu_{ij}^\top S_i^{-1} \nu_{ij} \le \gamma, \qquad
    \nu_{ij} = z_j - \hat z_i \ (\text{azimuth wrapped to } [-\pi, \pi)), \qquad
    \gamma = F^{-1}_{\chi^2_3}(P_G),

so the true plot falls inside with probability :math:`P_G` (``gate_probability``).

Assignment
----------
Each gated pair costs :math:`c_{ij} = d_{ij}^2 + \ln\det S_i`, which is, up to a constant,
:math:`-2 \ln` of the Gaussian likelihood of the plot. GNN picks the one-to-one assignment
of plots to tracks that has the **most gated pairs, and among those the least total cost**;
pairs outside the gate are never assigned. This is the global nearest neighbour of S. Blackman
and R. Popoli, *Design and Analysis of Modern Tracking Systems* (Artech House, 1999), chapter 6,
solved with ``scipy.optimize.linear_sum_assignment`` (a shortest augmenting path algorithm,
D. F. Crouse, "On implementing 2D rectangular assignment algorithms", IEEE Trans. AES, 2016).

Candidate pairs without the dense T×P matrix
--------------------------------------------
A gated plot satisfies :math:`|\nu_k| \le w_k = \sqrt{\gamma S_{kk}}` for each component
(the bounding box of the gate ellipsoid). Its ENU position is then within

.. math::

    \lVert p_j - \hat p_i \rVert \le w_r + \hat r_i\,(\min(w_a, \pi) + \min(w_e, \pi))

of the predicted position (the range moves it by at most :math:`w_r`; the direction turns by
at most :math:`|\Delta e| + \cos e\,|\Delta a|` radians, which moves it by at most
:math:`\hat r_i` times that). A k-d tree of plot positions is queried with this radius per
track, and the exact :math:`d^2` is computed only on the pairs it returns. Pairs that are the
only candidate of both their track and their plot are assigned directly; the assignment
problem is solved on the sub-matrix of the remaining rows and columns. Because the objective
(cardinality, then cost) adds up over connected components, this gives the same answer as
the dense problem.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from itertools import chain

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from scipy.stats import chi2

from cupola.core.frames import from_polar, wrap_angle

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@lru_cache(maxsize=32)
def gate_threshold(probability: float) -> float:
    """Chi-square gate :math:`\\gamma = F^{-1}_{\\chi^2_3}(P_G)` on :math:`d^2` (3 dof)."""
    return float(chi2.ppf(probability, 3))


def candidate_pairs(
    z_pred: FloatArray,
    s_diag: FloatArray,
    z: FloatArray,
    gate: float,
    max_distance: FloatArray | None = None,
) -> tuple[IntArray, IntArray]:
    """Track/plot pairs that may be inside the gate (a superset of the gated pairs).

    Parameters
    ----------
    z_pred : (T, 3) float64
        Predicted range (m), azimuth (rad), elevation (rad) of each track.
    s_diag : (T, 3) float64
        Diagonal of each innovation covariance (m², rad², rad²).
    z : (P, 3) float64
        Measured range, azimuth, elevation of each plot.
    gate : float
        Gate threshold γ on d².
    max_distance : (T,) float64, optional
        A plot farther than this from a track's predicted position (m) is never its
        candidate (a kinematic limit on top of the gate).

    Returns
    -------
    track, plot : (K,) int64
        Candidate pairs sorted by track then plot.
    """
    n_tracks, n_plots = z_pred.shape[0], z.shape[0]
    if n_tracks == 0 or n_plots == 0:
        empty = np.empty(0, np.int64)
        return empty, empty.copy()
    half = np.sqrt(gate * s_diag)
    radius = half[:, 0] + z_pred[:, 0] * (
        np.minimum(half[:, 1], np.pi) + np.minimum(half[:, 2], np.pi)
    )
    # Slack for rounding in the conversions.
    radius = radius * (1.0 + 1e-9) + 1e-6
    if max_distance is not None:
        radius = np.minimum(radius, max_distance)
    tree = cKDTree(from_polar(z[:, 0], z[:, 1], z[:, 2]))
    hits = tree.query_ball_point(from_polar(z_pred[:, 0], z_pred[:, 1], z_pred[:, 2]), radius)
    # Flatten the per-track lists in C (map / chain), without a Python-level loop body.
    counts = np.fromiter(map(len, hits), np.int64, n_tracks)
    track = np.repeat(np.arange(n_tracks, dtype=np.int64), counts)
    plot = np.fromiter(chain.from_iterable(hits), np.int64, int(counts.sum()))
    order = np.lexsort((plot, track))
    return track[order], plot[order]


def gated_costs(
    z_pred: FloatArray,
    innov_cov: FloatArray,
    z: FloatArray,
    track: IntArray,
    plot: IntArray,
) -> tuple[FloatArray, FloatArray]:
    """Normalised innovation squared and GNN cost of the given pairs.

    Parameters
    ----------
    z_pred : (T, 3) float64
        Predicted measurements.
    innov_cov : (T, 3, 3) float64
        Innovation covariances ``S`` (m², rad²).
    z : (P, 3) float64
        Plot measurements.
    track, plot : (K,) int64
        Pairs.

    Returns
    -------
    d2 : (K,) float64
        :math:`\\nu^T S^{-1} \\nu`.
    cost : (K,) float64
        :math:`d^2 + \\ln\\det S`.
    """
    nu = z[plot] - z_pred[track]
    nu[:, 1] = wrap_angle(nu[:, 1])
    # S⁻¹ and ln det S once per track that has a pair, not once per pair.
    used, inverse = np.unique(track, return_inverse=True)
    s_inv = np.linalg.inv(innov_cov[used])
    _, logdet = np.linalg.slogdet(innov_cov[used])
    d2 = np.einsum("ki,kij,kj->k", nu, s_inv[inverse], nu)
    return d2, d2 + logdet[inverse]


def assign_pairs(
    track: IntArray, plot: IntArray, cost: FloatArray, n_tracks: int, n_plots: int
) -> IntArray:
    """Most pairs, then least total cost, one-to-one, over the given feasible pairs.

    Parameters
    ----------
    track, plot : (K,) int64
        Feasible pairs, each at most once.
    cost : (K,) float64
        Cost of each pair.
    n_tracks, n_plots : int
        Numbers of tracks and plots.

    Returns
    -------
    (n_plots,) int64
        Track of each plot, -1 when unassigned.
    """
    plot_to_track = np.full(n_plots, -1, np.int64)
    if track.size == 0:
        return plot_to_track
    deg_t = np.bincount(track, minlength=n_tracks)
    deg_p = np.bincount(plot, minlength=n_plots)
    lone = (deg_t[track] == 1) & (deg_p[plot] == 1)
    plot_to_track[plot[lone]] = track[lone]

    rest = ~lone
    if not rest.any():
        return plot_to_track
    rt, rp, rc = track[rest], plot[rest], cost[rest]
    # Contested pairs split into independent clusters (connected components of the graph of
    # feasible pairs); each is solved on its own small dense matrix, so a dense raid never
    # costs a tracks x plots matrix.
    graph = coo_matrix(
        (np.ones(rt.size), (rt, n_tracks + rp)), shape=(n_tracks + n_plots, n_tracks + n_plots)
    )
    _, label = connected_components(graph, directed=False)
    comp = label[rt]
    order = np.argsort(comp, kind="stable")
    rt, rp, rc, comp = rt[order], rp[order], rc[order], comp[order]
    bounds = np.flatnonzero(np.r_[True, comp[1:] != comp[:-1], True])
    for a, b in itertools.pairwise(bounds):  # one contested cluster at a time
        t_idx, p_idx = _solve_cluster(rt[a:b], rp[a:b], rc[a:b])
        plot_to_track[p_idx] = t_idx
    return plot_to_track


def _solve_cluster(rt: IntArray, rp: IntArray, rc: FloatArray) -> tuple[IntArray, IntArray]:
    """Most pairs, then least cost, within one cluster of feasible pairs (dense solve)."""
    rows, ri = np.unique(rt, return_inverse=True)
    cols, ci = np.unique(rp, return_inverse=True)
    # Shift costs to [0, span] and price infeasible cells above any number of feasible ones,
    # so the solver first maximises the number of feasible pairs, then minimises their cost.
    shifted = rc - rc.min()
    big = (float(shifted.max()) + 1.0) * (min(rows.size, cols.size) + 1)
    matrix = np.full((rows.size, cols.size), big)
    matrix[ri, ci] = shifted
    feasible = np.zeros((rows.size, cols.size), bool)
    feasible[ri, ci] = True
    r, c = linear_sum_assignment(matrix)
    keep = feasible[r, c]
    return rows[r[keep]], cols[c[keep]]


def gnn_associate(
    z_pred: FloatArray,
    innov_cov: FloatArray,
    z: FloatArray,
    gate: float,
    max_distance: FloatArray | None = None,
) -> IntArray:
    """Global nearest neighbour association of one scan's plots to the tracks.

    Parameters
    ----------
    z_pred : (T, 3) float64
        Predicted range (m), azimuth clockwise from north (rad), elevation (rad) of each track,
        relative to the radar of the scan.
    innov_cov : (T, 3, 3) float64
        Innovation covariance ``S = H P Hᵀ + R`` of each track (m², rad²).
    z : (P, 3) float64
        Measured range, azimuth, elevation of each plot.
    gate : float
        Threshold γ on d² (see :func:`gate_threshold`).
    max_distance : (T,) float64, optional
        Largest distance from a track's predicted position to its plot, m.

    Returns
    -------
    (P,) int64
        Row of the track each plot is assigned to, -1 for unassigned plots. Every assigned pair
        is inside the gate and no track gets two plots.
    """
    s_diag = np.diagonal(innov_cov, axis1=1, axis2=2)
    track, plot = candidate_pairs(z_pred, s_diag, z, gate, max_distance)
    d2, cost = gated_costs(z_pred, innov_cov, z, track, plot)
    inside = d2 <= gate
    return assign_pairs(track[inside], plot[inside], cost[inside], z_pred.shape[0], z.shape[0])
