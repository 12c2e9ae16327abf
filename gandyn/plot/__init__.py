"""Pictures of GAN dynamics (matplotlib; every function takes an ``Axes`` and returns the
artists it drew; no pyplot global state). The data come from ``gandyn.analysis``:

* ``phase_portrait(ax, portrait)`` — ``gandyn.analysis.portrait.portrait(game, xlim, ylim)``;
* ``spectrum(ax, eigs, discrete=...)`` and ``eigenvalue_path(ax, params, eigs)``;
* ``stability_map(ax, x, y, rho)`` — spectral radius over a hyperparameter grid;
* ``convergence(ax, distances, rho=...)`` — distance to equilibrium with the predicted slope.
"""

from gandyn.plot.convergence import convergence, distances
from gandyn.plot.maps import stability_map
from gandyn.plot.portrait import equilibrium_style, phase_portrait
from gandyn.plot.spectrum import eigenvalue_path, spectrum, stability_boundary

__all__ = [
           "convergence",
           "distances",
           "eigenvalue_path",
           "equilibrium_style",
           "phase_portrait",
           "spectrum",
           "stability_boundary",
           "stability_map",
]
