r"""The coverage model: which candidate sites can intercept which sampled trajectories.

Site :math:`s` (a battery's launchers, taken at the site) covers trajectory :math:`j` when
an interceptor launched no earlier than the trajectory's earliest engagement :math:`t_e`
meets one of its path points :math:`(t_k, p_k)` before impact — the fire-control envelope
of :mod:`cupola.fire.envelope`, with the launch time at :math:`t_e`:

.. math::

    t_e + T_f(\lVert p_k - x_s \rVert) \le t_k < t_{impact}, \quad
    r_{min} \le \lVert p_k - x_s \rVert \le r_{max}, \quad
    \max(h_{min}, 0) \le z_k \le h_{ceiling},

with :math:`T_f` the interceptor's flight time to a distance
(:func:`cupola.engage.profile.time_to_distance`) and :math:`h_{min}` the doctrine's lowest
intercept altitude. After a miss the battle manager engages again: the next launch is no
earlier than the intercept plus ``reengage_s`` (:func:`.timeline.reengage_s`), and the next
intercept the earliest point that launch can meet (:func:`.timeline.sequence`). The number of such
engagements before impact, :math:`m_{sj}` (0 to :data:`MAX_ENGAGEMENTS`), is what a site gives
a trajectory: a site that meets a threat early, with time for a second and a third try, is
worth more than one that just reaches it. Each engagement destroys the threat with probability
:math:`p_j = 1 - (1 - P_{k,j})^{n}`, :math:`P_{k,j}` the interceptor's single-shot kill
probability against its type and :math:`n` the doctrine's ``shots_per_engagement``.
Saturation (more threats at once than the launchers can meet) is not in this model; the
Monte Carlo check with the full simulation is.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.engage.base import InterceptorTypes
from cupola.siting.sample import ThreatSample
from cupola.siting.timeline import MAX_ENGAGEMENTS, Deadlines, deadlines, sequence

#: Sites evaluated at once (bounds memory: sites x threats x path points).
SITE_CHUNK = 8


def coverage(
    itypes: InterceptorTypes,
    itype: int,
    sites: NDArray[np.float64],
    sample: ThreatSample,
    min_altitude_m: float,
    reengage_s: float,
    grid: tuple[float, float],
    max_engagements: int = MAX_ENGAGEMENTS,
) -> NDArray[np.uint8]:
    """(S, N) how many engagements each site has at each sampled trajectory (module
    docstring); 0 where it cannot intercept it.

    Parameters
    ----------
    itypes : InterceptorTypes
    itype : int
        The batteries' interceptor type.
    sites : (S, 3) float64
        Site positions, ENU, m.
    sample : ThreatSample
    min_altitude_m : float
        Lowest intercept altitude, m.
    reengage_s : float
        From an intercept to the next launch at the same threat, s.
    grid : (float, float)
        The battle manager's reaction time and path step (:func:`.timeline.decision_grid`).
    max_engagements : int
        Engagements counted at most.
    """
    out = np.zeros((len(sites), len(sample.path)), np.uint8)
    for a in range(0, len(sites), SITE_CHUNK):
        dl = deadlines(itypes, itype, sites[a : a + SITE_CHUNK], sample, min_altitude_m)
        rows = np.arange(len(dl))[:, None]
        _, engaged, _, _ = sequence(Deadlines(dl), rows, sample, reengage_s, grid, max_engagements)
        out[a : a + SITE_CHUNK] = engaged.sum(axis=2)
    return out


def kill_probability(
    itypes: InterceptorTypes, itype: int, type_idx: NDArray[np.int64], shots: int
) -> NDArray[np.float64]:
    """(N,) probability that one engagement of ``shots`` rounds destroys each threat."""
    assert itypes.sskp_threat is not None  # a compiled world's types always carry it
    sskp = itypes.sskp_threat[itype, type_idx]
    return np.asarray(1.0 - (1.0 - sskp) ** shots, np.float64)
