"""gandyn: a JAX laboratory for the dynamics of GAN training.

Importing gandyn switches JAX to 64-bit mode (``jax_enable_x64``): analysis (equilibria,
Jacobians, spectra) runs in float64; simulation defaults to float32 and takes a ``dtype``.

Data flows one way: games -> (analysis | updaters) -> simulate -> plot / CLI (README, Design).
"""

import os as _os
import sys as _sys

# 64-bit mode without importing jax here (the command line installs its signal handling before
# any heavy import, and `--help` needs no jax): jax reads JAX_ENABLE_X64 when it is imported;
# one already imported is switched directly.
if "jax" in _sys.modules:
    _sys.modules["jax"].config.update("jax_enable_x64", True)
else:
    _os.environ["JAX_ENABLE_X64"] = "1"

__version__ = "0.1.0"

# The public API is imported on first use, so that `import gandyn` (and the cold start of
# `gandyn check`) does not pay for jax, diffrax, optax and matplotlib before it needs them.
# The engine is not among them: `gandyn.simulate` is its module
# (use `from gandyn.simulate import simulate`).
_LAZY = {
    **dict.fromkeys(("KINDS", "VERDICTS", "classify", "eigenvalues", "jacobian", "kind_name",
                     "max_lr_simultaneous", "spectral_radius", "verdict", "verdict_name"),
                    "gandyn.analysis.spectrum"),
    **dict.fromkeys(("Box", "Game", "State", "as_state", "from_fields", "from_objectives",
                     "zero_sum"), "gandyn.games.base"),
    "triple": "gandyn.games.pointwise",
    "dirac": "gandyn.games.dirac",
    "xy": "gandyn.games.bilinear",
    "bilinear": "gandyn.games.bilinear",
    "all_games": "gandyn.games.registry",
    "check_triple": "gandyn.analysis.report",
    "equilibria": "gandyn.games.roots",
    "RESULTS": "gandyn.results",
    "update_jacobian": "gandyn.analysis.discrete",
    "update_eigenvalues": "gandyn.analysis.discrete",
    "update_spectral_radius": "gandyn.analysis.discrete",
    "max_stable_lr": "gandyn.analysis.discrete",
    "stability_map": "gandyn.analysis.discrete",
    "ALL_UPDATERS": "gandyn.updaters",
    "integrate": "gandyn.ode",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gandyn' has no attribute {name!r}")

__all__ = [*_LAZY]
