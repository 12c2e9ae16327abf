"""XLA compiler options for the analysis programs.

The analysis programs (rest points, spectra, the global test of ``gandyn check``) are small and
compiled once per triple: their compile time, not their run time, is what a user waits for.
XLA's CPU fusion emitters (the MLIR code generator, on by default in jaxlib 0.10) generate
fast kernels but compile slowly: with them off, the check's local program compiles in 0.18 s
instead of 0.51 s and its global test in 0.41 s instead of 0.74 s, for the same run time
(measured with ``JAX_LOG_COMPILES=1``; ``benchmarks/RESULTS.md``). The option is a field of
XLA's debug options, ignored by the GPU and TPU compilers. The trajectory engine
(``gandyn.simulate``) keeps the default emitters: there the run time dominates.
"""

FAST_COMPILE = {"xla_cpu_use_fusion_emitters": False}
