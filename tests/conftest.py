"""x64 once for the whole suite (analysis is float64); headless matplotlib."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import jax

jax.config.update("jax_enable_x64", True)

from hypothesis import settings

# JAX compiles on first call: hypothesis' per-example deadline would flag compilation.
settings.register_profile("gandyn", deadline=None, max_examples=40, derandomize=True)
settings.load_profile("gandyn")
