r"""Generalised optimal sub-pattern assignment (GOSPA) distance between two sets of points.

For true positions :math:`X = \{x_i\}` and estimates :math:`Y = \{y_j\}`, cut-off :math:`c`,
order :math:`p` and :math:`\alpha = 2` (A. S. Rahmathullah, Á. F. García-Fernández and
L. Svensson, "Generalized optimal sub-pattern assignment metric", FUSION 2017):

.. math::

    d_p^{(c,2)}(X, Y) = \Big( \min_{\gamma} \sum_{(i,j)\in\gamma} d(x_i, y_j)^p
        + \frac{c^p}{2}\,(|X| - |\gamma|) + \frac{c^p}{2}\,(|Y| - |\gamma|) \Big)^{1/p},

over partial assignments :math:`\gamma` whose pairs are closer than :math:`c`. The three sums
are the localisation error, the missed targets and the false tracks; they are returned
separately (each as its contribution to :math:`d^p`), with the counts. The optimal
assignment is a linear sum assignment (:func:`scipy.optimize.linear_sum_assignment`) on the
costs :math:`\min(d, c)^p`: a pair at :math:`c` or farther costs as much as leaving both
unassigned, so it is dropped, and the problem splits into independent clusters of close
pairs (:func:`assign`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree


@dataclass(frozen=True)
class Gospa:
    """GOSPA of one pair of sets.

    Attributes
    ----------
    distance : float
        :math:`d_p^{(c,2)}`, m.
    localisation, missed, false : float
        The three parts of :math:`d^p` (so ``distance**p`` is their sum), m^p.
    n_assigned, n_missed, n_false : int
        Assigned pairs, unassigned truths, unassigned estimates.
    """

    distance: float
    localisation: float
    missed: float
    false: float
    n_assigned: int
    n_missed: int
    n_false: int


def gospa(truth: ArrayLike, estimates: ArrayLike, c: float = 100.0, p: float = 2.0) -> Gospa:
    """GOSPA distance (``alpha = 2``) between true positions and estimates.

    Parameters
    ----------
    truth : (N, D) float
        True positions, m.
    estimates : (K, D) float
        Estimated positions, m.
    c : float
        Cut-off distance, m.
    p : float
        Order, >= 1.

    Examples
    --------
    >>> g = gospa([[0.0, 0.0], [500.0, 0.0]], [[3.0, 4.0]], c=100.0)
    >>> round(g.distance, 6), g.n_missed, g.n_false
    (70.887234, 1, 0)
    """
    x, y = np.asarray(truth, float), np.asarray(estimates, float)
    dim = x.shape[-1] if x.ndim == 2 else (y.shape[-1] if y.ndim == 2 else 1)
    x, y = x.reshape(-1, dim), y.reshape(-1, dim)  # an empty list is an empty set
    half = c**p / 2.0
    if len(x) == 0 or len(y) == 0:
        missed, false = half * len(x), half * len(y)
        return Gospa((missed + false) ** (1 / p), 0.0, missed, false, 0, len(x), len(y))
    rows, _, cost = assign(x, y, c, p)
    n = len(rows)
    loc = float(cost.sum())
    missed, false = half * (len(x) - n), half * (len(y) - n)
    return Gospa((loc + missed + false) ** (1 / p), loc, missed, false, n, len(x) - n, len(y) - n)


def assign(
    x: NDArray[np.float64], y: NDArray[np.float64], c: float, p: float
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Optimal pairs closer than ``c`` and their costs :math:`d^p` (the GOSPA assignment).

    Returns
    -------
    rows, cols : (K,) intp
        Index into ``x`` and into ``y`` of each assigned pair.
    cost : (K,) float64
        :math:`d^p` of each pair.

    Only pairs closer than ``c`` can be assigned, so the problem splits into the connected
    components of the graph of such pairs (found with a k-d tree); a component of one truth
    and one estimate is its own answer, larger ones are solved by linear sum assignment. The
    cost stays near-linear in the number of points when they are spread out.
    """
    close = cKDTree(x).sparse_distance_matrix(cKDTree(y), c, output_type="coo_matrix")
    keep = close.data < c
    i, j, d = close.row[keep], close.col[keep], close.data[keep]
    if len(i) == 0:
        empty = np.empty(0, np.intp)
        return empty, empty, np.empty(0)
    nx = len(x)
    graph = coo_matrix((np.ones(len(i)), (i, nx + j)), shape=(nx + len(y), nx + len(y)))
    _, label = connected_components(graph, directed=False)
    comp = label[i]
    size = np.bincount(comp, minlength=label.max() + 1)
    single = size[comp] == 1  # one close pair alone in its component: assign it
    rows, cols, costs = [i[single]], [j[single]], [d[single] ** p]
    for k in np.unique(comp[~single]):  # the contested clusters, each solved exactly
        sel = comp == k
        ui, ii = np.unique(i[sel], return_inverse=True)
        uj, jj = np.unique(j[sel], return_inverse=True)
        dense = np.full((len(ui), len(uj)), c**p)
        dense[ii, jj] = d[sel] ** p
        r, q = linear_sum_assignment(dense)
        real = dense[r, q] < c**p
        rows.append(ui[r[real]])
        cols.append(uj[q[real]])
        costs.append(dense[r[real], q[real]])
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(costs)
