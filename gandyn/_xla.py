"""Compile-time-first jit for the analysis programs.

The analysis programs (rest points, spectra, the global test of ``gandyn check``) are small and
compiled once per triple: their compile time, not their run time, is what a user waits for.
XLA's CPU fusion emitters (the MLIR code generator, the default in jaxlib 0.10) generate fast
kernels but compile slowly: with them off, the check's local program compiled in 0.18 s
instead of 0.51 s and its global test in 0.41 s instead of 0.74 s, for the same run time
(``JAX_LOG_COMPILES=1``, jax 0.10.2, ``benchmarks/RESULTS.md``). The option exists only in
some XLA versions (jaxlib 0.11 refuses it) and only matters on the CPU, so it is probed once,
with a trivial compile, on the CPU backend; elsewhere the default options are used. The
trajectory engine (``gandyn.simulate``) keeps the defaults: there the run time dominates.
"""

from __future__ import annotations

import functools

import jax

FAST_COMPILE = {"xla_cpu_use_fusion_emitters": False}


@functools.cache
def compile_options() -> tuple:
    """``FAST_COMPILE`` as items when this backend is the CPU and its XLA accepts it, else ()."""
    if jax.default_backend() != "cpu":
        return ()
    try:
        jax.jit(lambda x: x + 1, compiler_options=FAST_COMPILE).lower(1.0).compile()
    except Exception:  # unknown option in this XLA version: keep the defaults
        return ()
    return tuple(FAST_COMPILE.items())


class fast_compile_jit:
    """``jax.jit(fn, **kw)`` with ``compile_options()``, built at first use (after the backend).

    Supports calling and ``.lower``, the two uses in this package.
    """

    def __init__(self, fn, **kw):
        self.fn, self.kw, self._jitted = fn, kw, None
        functools.update_wrapper(self, fn)

    @property
    def jitted(self):
        if self._jitted is None:
            opts = dict(compile_options())
            self._jitted = jax.jit(self.fn, **self.kw, **({"compiler_options": opts}
                                                            if opts else {}))
        return self._jitted

    def __call__(self, *args, **kwargs):
        return self.jitted(*args, **kwargs)

    def lower(self, *args, **kwargs):
        return self.jitted.lower(*args, **kwargs)
