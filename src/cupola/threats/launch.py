r"""Launch elevation that puts a drag-affected ballistic trajectory on a ground target.

Problem
-------
Given the launch point :math:`\mathbf p_0` (:math:`z_0 \ge 0`), the target :math:`\mathbf q`
on the ground, the launch speed :math:`v` and the ballistic coefficient :math:`\beta`, find the
elevation :math:`\theta` of the launch velocity

.. math::

    \mathbf v_0 = v\,(\cos\theta\,\hat u_E,\ \cos\theta\,\hat u_N,\ \sin\theta),
    \qquad \hat{\mathbf u} = \frac{(\mathbf q - \mathbf p_0)_{EN}}
    {\lVert(\mathbf q - \mathbf p_0)_{EN}\rVert},

such that the range :math:`R(\theta)`, the horizontal distance along :math:`\hat{\mathbf u}`
from the launch point to the landing point of :func:`cupola.threats.ballistic.fly_to_ground`,
equals the target distance :math:`D`. The flight stays in the vertical plane of
:math:`\hat{\mathbf u}` (no wind), so this one equation is the whole problem.

:math:`R` rises from 0 (straight down, :math:`\theta = -90°`) to the maximum range
:math:`R_{max}` at :math:`\theta^*` and falls back to 0 at :math:`\theta = 90°`. Below
:math:`R_{max}` there are two solutions: the low one (``lofted=False``, rockets, the flat fire
of artillery) on :math:`[-90°, \theta^*]` and the high one (``lofted=True``, mortars, indirect
fire) on :math:`[\theta^*, 90°]`. Elevations below 0° only matter from a raised launch point,
for a target nearer than the horizontal shot.

Method
------
All rows are solved together; each stage is one batched integration.

1. *Grid.* :math:`R` is computed for every row on a fixed grid of elevations (every 4° from 0°
   to 88°, plus −90°, −45° and 90°).
2. *Bracket.* On the chosen branch of the grid (up to or from the grid maximum), the first
   (low branch) or last (high branch) grid elevation whose range reaches :math:`D` and its
   neighbour bracket the solution.
3. *Summit.* Rows whose target lies beyond every grid range get the vertex of the parabola
   through the three grid points around the grid maximum as :math:`\theta^*` (one
   integration). If :math:`R(\theta^*) \ge D`, :math:`\theta^*` and its grid neighbour bracket
   the solution, otherwise the row is unreachable: it gets :math:`\theta^*` (its maximum range)
   and ``reachable = False``.
4. *Refine.* The Illinois variant of regula falsi (Dowell & Jarratt, "A modified regula falsi
   method for computing the root of an equation", *BIT* 11, 1971) shrinks every bracket, one
   batched integration per iteration over the rows not yet converged, until
   :math:`|R(\theta) - D| \le \max(0.25\ \mathrm m,\ 10^{-5} D)`. The secant point of the
   bracket is taken each time, and the function value kept at an end that stays twice in a row
   is halved, which keeps the convergence superlinear where plain regula falsi would stall.

The integrations use RK4 with steps of at most 1/60 of the drag-free time of flight and at most
0.1 of the drag and density time scales (``drag_fraction`` of
:func:`~cupola.threats.ballistic.fly_to_ground`); they land within about :math:`0.3\,
\max(1\ \mathrm m,\ 10^{-4} R)` of a 0.01 s integration for speeds up to 1 500 m/s and
:math:`\beta` from 300 to 30 000 kg/m².
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cupola.threats.ballistic import G, fly_to_ground

FloatArray = NDArray[np.float64]

#: Elevation grid of stage 1, rad.
GRID = np.radians(np.concatenate([[-90.0, -45.0], np.arange(0.0, 89.0, 4.0), [90.0]]))
#: Integration: drag-free time of flight / steps, and the drag time-scale fraction.
_STEPS_PER_FLIGHT = 60.0
_DRAG_FRACTION = 0.1
_MAX_ITERATIONS = 40


def _ranges(
    launch: FloatArray,
    u: FloatArray,
    speed: FloatArray,
    beta: FloatArray,
    theta: FloatArray,
) -> FloatArray:
    """Range (m) along ``u`` of the launch at elevation ``theta``; all arrays row-aligned."""
    vh = speed * np.cos(theta)
    vz = speed * np.sin(theta)
    vel = np.stack([vh * u[:, 0], vh * u[:, 1], vz], axis=1)
    tof_free = (vz + np.sqrt(vz * vz + 2.0 * G * np.maximum(launch[:, 2], 0.0))) / G
    dt = np.maximum(tof_free / _STEPS_PER_FLIGHT, 1e-3)
    impact, _, _ = fly_to_ground(
        launch, vel, beta, dt=dt, max_time=4.0 * tof_free + 600.0, drag_fraction=_DRAG_FRACTION
    )
    rng = np.einsum("ij,ij->i", impact[:, :2] - launch[:, :2], u)
    return np.asarray(np.nan_to_num(rng, nan=0.0), dtype=np.float64)


def _parabola_vertex(
    x0: FloatArray, x1: FloatArray, x2: FloatArray, y0: FloatArray, y1: FloatArray, y2: FloatArray
) -> FloatArray:
    """Abscissa of the vertex of the parabola through three points, clipped to ``[x0, x2]``."""
    num = (x1 - x0) ** 2 * (y1 - y2) - (x1 - x2) ** 2 * (y1 - y0)
    den = (x1 - x0) * (y1 - y2) - (x1 - x2) * (y1 - y0)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = x1 - 0.5 * num / den
    return np.asarray(np.clip(np.where(np.isfinite(x), x, x1), x0, x2), dtype=np.float64)


def solve_launch(
    launch_pos: FloatArray,
    target_pos: FloatArray,
    speed: FloatArray,
    beta: FloatArray,
    lofted: NDArray[np.bool_],
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Launch velocities of given speed that land drag-affected trajectories on targets.

    See the module docstring for the equations and the method.

    Parameters
    ----------
    launch_pos : (N, 3) float64
        Launch point, ENU, m, ``z >= 0``.
    target_pos : (N, 3) float64
        Target, ENU, m; only its east and north coordinates are used (a ground point).
    speed : (N,) float64
        Launch speed, m/s.
    beta : (N,) float64
        Ballistic coefficient, kg/m²; ``inf`` means no drag.
    lofted : (N,) bool
        True for the high-elevation solution (mortars), False for the low one (rockets).

    Returns
    -------
    vel0 : (N, 3) float64
        Launch velocity, ENU, m/s, of magnitude ``speed``, toward the target (due east for a
        target right at the launch point).
    reachable : (N,) bool
        False where the target lies beyond the maximum range; such rows get the elevation of
        the maximum range and fall short.
    """
    launch = np.asarray(launch_pos, dtype=np.float64)
    target = np.asarray(target_pos, dtype=np.float64)
    v = np.asarray(speed, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64)
    high = np.asarray(lofted, dtype=bool)
    n = launch.shape[0]

    d_xy = target[:, :2] - launch[:, :2]
    dist = np.hypot(d_xy[:, 0], d_xy[:, 1])
    safe = np.where(dist > 0.0, dist, 1.0)
    u = np.where((dist > 0.0)[:, None], d_xy / safe[:, None], np.array([1.0, 0.0]))
    tol = np.maximum(0.25, 1e-5 * dist)

    # 1. Grid of elevations, one batched integration for all rows.
    m = GRID.size
    rep = np.repeat(np.arange(n), m)
    r_grid = _ranges(launch[rep], u[rep], v[rep], b[rep], np.tile(GRID, n)).reshape(n, m)
    j_top = np.argmax(r_grid, axis=1)
    cols = np.arange(m)

    # 2. Bracket on the chosen branch of the grid: first (low) / last (high) reaching column.
    reach = r_grid >= dist[:, None]
    low_hit = reach & (cols <= j_top[:, None])
    high_hit = reach & (cols >= j_top[:, None])
    k_low = np.argmax(low_hit, axis=1)
    k_high = m - 1 - np.argmax(high_hit[:, ::-1], axis=1)
    ia = np.where(high, k_high, np.maximum(k_low - 1, 0))
    ib = np.where(high, np.minimum(k_high + 1, m - 1), k_low)
    rows = np.arange(n)
    th_a, th_b = GRID[ia], GRID[ib]
    f_a = r_grid[rows, ia] - dist
    f_b = r_grid[rows, ib] - dist
    bracketed: NDArray[np.bool_] = np.any(reach, axis=1)
    reachable = bracketed.copy()
    theta = np.where(np.abs(f_a) <= np.abs(f_b), th_a, th_b)

    # 3. Summit of rows beyond the grid ranges: parabolic vertex around the grid maximum.
    far = np.flatnonzero(~bracketed)
    if far.size:
        j = np.clip(j_top[far], 1, m - 2)
        r3 = r_grid[far[:, None], j[:, None] + np.array([-1, 0, 1])]
        th_top = _parabola_vertex(GRID[j - 1], GRID[j], GRID[j + 1], r3[:, 0], r3[:, 1], r3[:, 2])
        r_top = _ranges(launch[far], u[far], v[far], b[far], th_top)
        best = r_top >= r3[:, 1]
        theta[far] = np.where(best, th_top, GRID[j])
        ok = r_top >= dist[far]
        ok_rows = far[ok]
        # Neighbour on the branch side: the grid elevation just below/above the summit.
        below = np.searchsorted(GRID, th_top[ok], side="left") - 1
        above = np.searchsorted(GRID, th_top[ok], side="right")
        below, above = np.clip(below, 0, m - 1), np.clip(above, 0, m - 1)
        k_side = np.where(high[ok_rows], above, below)
        th_a[ok_rows] = th_top[ok]
        f_a[ok_rows] = r_top[ok] - dist[ok_rows]
        th_b[ok_rows] = GRID[k_side]
        f_b[ok_rows] = r_grid[ok_rows, k_side] - dist[ok_rows]
        reachable[ok_rows] = True
        closer_a = np.abs(f_a[ok_rows]) <= np.abs(f_b[ok_rows])
        theta[ok_rows] = np.where(closer_a, th_a[ok_rows], th_b[ok_rows])

    # 4. Illinois iterations on the rows whose bracket ends are not yet close enough.
    done = np.minimum(np.abs(f_a), np.abs(f_b)) <= tol
    act = np.flatnonzero(reachable & ~done)
    a, fa, bb, fb = th_a[act], f_a[act], th_b[act], f_b[act]
    for _ in range(_MAX_ITERATIONS):
        if not act.size:
            break
        c = bb - fb * (bb - a) / (fb - fa)
        c = np.where(np.isfinite(c), c, 0.5 * (a + bb))
        fc = _ranges(launch[act], u[act], v[act], b[act], c) - dist[act]
        swap = fc * fb < 0.0
        a = np.where(swap, bb, a)
        fa = np.where(swap, fb, 0.5 * fa)
        bb, fb = c, fc
        conv = np.abs(fc) <= tol[act]
        theta[act] = c
        keep = ~conv
        act, a, fa, bb, fb = act[keep], a[keep], fa[keep], bb[keep], fb[keep]

    vh = v * np.cos(theta)
    vel0 = np.stack([vh * u[:, 0], vh * u[:, 1], v * np.sin(theta)], axis=1)
    return vel0, reachable
