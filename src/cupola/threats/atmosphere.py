r"""Air density of an isothermal exponential atmosphere.

.. math::

    \rho(h) = \rho_0 \, e^{-\max(h, 0) / H},
    \qquad \rho_0 = 1.225\ \mathrm{kg/m^3},\quad H = 8\,500\ \mathrm{m}.

:math:`\rho_0` is the sea-level density of the International Standard Atmosphere and
:math:`H` a scale height. The model is below the standard atmosphere by 1 % at 500 m, 3 % at
1.5 km, 5 % at 3 km and 8-9 % from 5 to 10 km, the altitudes where rockets, mortar rounds and
short-range ballistic missiles spend the part of their flight where drag matters (the catalog's
drag coefficients are tuned against published ranges with this model). Altitudes below the
ground are clamped to 0 (the density never exceeds :math:`\rho_0`), so an integrator that steps
a little below ground stays well-behaved.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Sea-level air density, kg/m³.
RHO0 = 1.225
#: Density scale height, m.
SCALE_HEIGHT = 8_500.0


def density(alt_m: ArrayLike) -> NDArray[np.float64]:
    """Air density at altitude ``alt_m``.

    Parameters
    ----------
    alt_m : (...) float
        Altitude above ground, m; negative values are treated as 0.

    Returns
    -------
    (...) float64
        Air density, kg/m³, same shape as ``alt_m``.
    """
    h = np.maximum(np.asarray(alt_m, dtype=np.float64), 0.0)
    return np.asarray(RHO0 * np.exp(h * (-1.0 / SCALE_HEIGHT)), dtype=np.float64)
