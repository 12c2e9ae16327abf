"""Pictures of GAN dynamics (matplotlib; every function takes an ``Axes`` and returns the
artists it drew; no pyplot global state). The data come from ``gandyn.analysis``:

* ``phase_portrait(ax, portrait)`` — ``gandyn.analysis.portrait.portrait(game, xlim, ylim)``;
* ``spectrum(ax, eigs, discrete=...)`` and ``eigenvalue_path(ax, params, eigs)``;
* ``stability_map(ax, x, y, rho)`` — spectral radius over a hyperparameter grid;
* ``convergence(ax, distances, rho=...)`` — distance to equilibrium with the predicted slope.
"""

from gandyn.plot.convergence import convergence, distances  # noqa: F401
from gandyn.plot.maps import stability_map  # noqa: F401
from gandyn.plot.portrait import equilibrium_style, phase_portrait  # noqa: F401
from gandyn.plot.spectrum import eigenvalue_path, spectrum, stability_boundary  # noqa: F401

__all__ = ["phase_portrait", "equilibrium_style", "spectrum", "eigenvalue_path",
           "stability_boundary", "stability_map", "convergence", "distances"]
