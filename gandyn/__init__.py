"""gandyn: a JAX laboratory for the dynamics of GAN training.

Importing gandyn switches JAX to 64-bit mode (``jax_enable_x64``): analysis (equilibria,
Jacobians, spectra) runs in float64; simulation defaults to float32 and takes a ``dtype``.

Data flows one way: games -> (analysis | updaters -> simulate) -> plot / CLI.
"""

import jax as _jax

_jax.config.update("jax_enable_x64", True)

from gandyn.games.base import Box, Game, State, from_fields, from_objectives, zero_sum  # noqa: E402
from gandyn.analysis.spectrum import (  # noqa: E402
    KINDS,
    VERDICTS,
    classify,
    eigenvalues,
    jacobian,
    kind_name,
    max_lr_simultaneous,
    spectral_radius,
    verdict,
    verdict_name,
)

__version__ = "0.1.0"

__all__ = [
    "Box", "Game", "State", "from_fields", "from_objectives", "zero_sum",
    "KINDS", "VERDICTS", "classify", "eigenvalues", "jacobian", "kind_name",
    "max_lr_simultaneous", "spectral_radius", "verdict", "verdict_name",
]
