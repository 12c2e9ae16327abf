"""What we learn about a game: Jacobians, spectra, kinds, verdicts (and, from the issues
that build on it, equilibria, reports and scans)."""

from gandyn.analysis.spectrum import (  # noqa: F401
    DISCRETE_VERDICTS,
    KINDS,
    VERDICTS,
    classify,
    discrete_verdict,
    eig_tolerance,
    eigenvalues,
    jacobian,
    kind_name,
    max_lr_simultaneous,
    spectral_radius,
    trace_det,
    verdict,
    verdict_name,
)
