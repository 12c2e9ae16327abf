"""Stability of a loss triple under an architecture: the spectrum of the kernel-filtered game.

The grid game (:func:`gandyn.games.grid.grid`) linearised at its rest point ``(p_d, D0)`` has
the Jacobian (generator first; ``a = f3'(D0)``, ``b = f2'(D0)``, ``c = (f1''+f2'')(D0)``)

    [[0,    a I      ],
     [b K,  c K P_d  ]],           P_d = diag(p_d(x_i)).

For a uniform density ``p_d`` and an eigenpair ``K w = κ w`` (``K`` symmetric PSD), ``(u, w)``
with ``λ u = a w`` is an eigenvector iff

    λ² - c p_d κ λ - a b κ = 0,    λ = (c p_d κ ± sqrt(c² p_d² κ² + 4 a b κ)) / 2,

the pointwise pair with trace and determinant scaled by ``κ``
(:func:`predicted_eigenvalues`). So every ``κ > 0`` keeps the pointwise verdict and only the
rates change; ``κ = 0`` (a null direction of ``K``: more points than the network can tell
apart) gives ``λ = 0`` twice: the generator's error along that direction is invisible to the
discriminator, and ``p_g = p_d + u``, ``u ∈ null(K)``, is a continuum of rest points (marginal).
With a non-uniform ``p_d`` there is no such splitting and the spectrum is computed
(``jax.jacfwd`` and ``eig``); still, for any symmetric PSD K and positive densities, every
eigenvalue outside null(K) has the sign of the pointwise pair. Verdicts: ``stable`` (every
Re λ < 0), ``marginal`` (zero real parts, all of them explained by centres or by null(K)),
``unstable`` (some Re λ > 0), ``undetermined`` (non-finite spectrum, a zero eigenvalue not
coming from null(K), or a spectrum contradicting the sign theorem). An ill-conditioned K
gives modes slower than their rounding bounds: they are not marginal; the verdict is
the theorem's, ``slow`` is set and the note gives K's conditioning.
"""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np

from gandyn.games.roots import check_rest_value, derivative, infer_domain
from gandyn.analysis.spectrum import (
    KINDS,
    VERDICTS,
    classify_matrix,
    eig_error_bounds,
    eigenvalues,
    jacobian,
)

__all__ = [
    "KERNEL_VERDICTS",
    "KernelReport",
    "architecture_kernel",
    "check_kernel",
    "grid_spectrum",
    "predicted_eigenvalues",
]

KERNEL_VERDICTS = ("stable", "marginal", "unstable", "undetermined")


def predicted_eigenvalues(f1, f2, f3, D0, pd, kappas) -> np.ndarray:
    """The pointwise pair with trace and det scaled by each kernel eigenvalue ``κ``
    (uniform ``p_d``; module docstring). Returns complex ``(2 len(kappas),)``."""
    a = float(derivative(f3)(jnp.asarray(D0, float)))
    b = float(derivative(f2)(jnp.asarray(D0, float)))
    c = float(derivative(f1, 2)(jnp.asarray(D0, float)) + derivative(f2, 2)(jnp.asarray(D0,
                                                                                       float)))
    k = np.asarray(kappas, float)
    tr, det = c * pd * k, -a * b * k
    s = np.sqrt((tr * tr / 4 - det).astype(complex))
    return np.concatenate([tr / 2 + s, tr / 2 - s])


def grid_spectrum(game) -> np.ndarray:
    """Eigenvalues of the grid game's Jacobian at its rest point (complex NumPy array)."""
    return _eigs_at_rest(game)[0]


def _eigs_at_rest(game):
    """``(eigenvalues, rounding bounds)`` of the grid game's Jacobian at its rest point, in the
    same order (``eig_error_bounds``: each real part is zero only within its own bound)."""
    e, err = _eigs_and_bounds(game)
    return np.asarray(e), np.asarray(err)


@jax.jit
def _eigs_and_bounds(game):
    J = jacobian(game)
    ok = jnp.all(jnp.isfinite(J))
    safe = jnp.where(ok, J, 0.0)  # LAPACK is not asked to factor NaN
    e, vecs = jnp.linalg.eig(safe)
    return jnp.where(ok, e, jnp.nan), eig_error_bounds(safe, e, vecs)


def _pointwise_verdict(J) -> str:
    """Verdict of a 2x2 pointwise Jacobian, as ``gandyn check`` decides it without the global
    test (``classify_matrix``: signs of trace and det within rounding): a centre is marginal, a
    zero eigenvalue undetermined."""
    if not np.all(np.isfinite(np.asarray(J))):
        return "undetermined"
    kind, verd = (int(x) for x in classify_matrix(jnp.asarray(J)))
    if VERDICTS[verd] == "marginal" and KINDS[kind] != "centre":
        return "undetermined"
    return VERDICTS[verd]


def architecture_kernel(xs, *, arch: str = "relu", depth: int = 2, width=None,
                        parameterization: str = "ntk", w_std: float = 1.0, b_std: float = 0.0,
                        batchnorm: bool = False, spectral_norm: str | None = None,
                        seed: int = 0, n_init: int = 1):
    """``K(x_i, x_j)`` of an MLP discriminator on the points ``xs`` (N, d).

    ``width=None`` (or ``math.inf``): the infinite-width NTK (closed forms for relu and erf,
    :func:`gandyn.kernel.infinite_ntk`); an integer: the empirical NTK of
    :func:`gandyn.players.mlp` at initialisation (averaged over ``n_init`` seeds).
    """
    from gandyn.kernel import empirical_ntk, infinite_ntk

    xs = jnp.asarray(xs, float)
    if width is None or (isinstance(width, float) and math.isinf(width)):
        if batchnorm or spectral_norm:
            raise ValueError("infinite width has closed forms only without BatchNorm and "
                             "spectral norm: give a finite width")
        if parameterization != "ntk":
            raise ValueError("the infinite-width kernel is that of the NTK parameterisation")
        return infinite_ntk(xs, depth=depth, w_std=w_std, b_std=b_std, activation=arch)[0]
    from gandyn.players import mlp

    ks = []
    for s in range(int(n_init)):
        f, p = mlp(jax.random.PRNGKey(seed + s), xs.shape[1], width=int(width), depth=depth,
                   activation=arch, parameterization=parameterization, w_std=w_std,
                   b_std=b_std, batchnorm=batchnorm, spectral_norm=spectral_norm)
        ks.append(empirical_ntk(f, p, xs, per_example=f.per_example))
    return sum(ks) / len(ks)


def _c(z):
    z = complex(z)
    return [z.real, z.imag] if math.isfinite(z.real) and math.isfinite(z.imag) else None


@dataclasses.dataclass(frozen=True)
class KernelReport:
    """What ``check_kernel`` found; ``to_dict()`` is strict JSON (non-finite -> null)."""

    f1: str
    f2: str
    f3: str
    n_points: int
    D0: float
    pd: tuple
    kernel_eigenvalues: tuple       # κ, ascending
    null_dim: int                   # number of κ <= tol
    eigenvalues: tuple              # of the grid game, complex
    pointwise_eigenvalues: tuple    # the 2x2 pointwise pair at each distinct p_d
    max_real: float
    pointwise_max_real: float
    verdict: str
    pointwise_verdict: str
    message: str
    arch: str = ""
    conditioning: float = float("nan")  # smallest non-null κ / largest κ
    slow: bool = False                  # verdict from the sign theorem: modes under the zero test

    def to_dict(self) -> dict:
        def num(v):
            return float(v) if math.isfinite(v) else None

        return {"f1": self.f1, "f2": self.f2, "f3": self.f3, "arch": self.arch,
                "n_points": self.n_points, "D0": num(self.D0), "pd": [num(p) for p in self.pd],
                "kernel_eigenvalues": [num(k) for k in self.kernel_eigenvalues],
                "null_dim": self.null_dim,
                "eigenvalues": [_c(z) for z in self.eigenvalues],
                "pointwise_eigenvalues": [_c(z) for z in self.pointwise_eigenvalues],
                "max_real": num(self.max_real), "pointwise_max_real": num(self.pointwise_max_real),
                "conditioning": num(self.conditioning), "slow": self.slow,
                "verdict": self.verdict, "pointwise_verdict": self.pointwise_verdict,
                "note": self.message}


def _spectrum_verdict(eigs, err, null_dim, null_tol):
    """The verdict read off the computed spectrum alone: a real part is zero only within its
    own rounding bound ``err`` (``eig_error_bounds``, docs/verdicts.md). Used for the filtered
    game where the sign theorem does not apply (K not positive semi-definite, or a pointwise
    pair that is itself marginal)."""
    if not (np.all(np.isfinite(eigs)) and np.all(np.isfinite(err))):
        return "undetermined", "the spectrum is not finite"
    re = eigs.real
    if np.any(re > err):
        return "unstable", ""
    if np.all(re < -err):
        return "stable", ""
    # a defective zero of null(K) comes out as ~sqrt(eps) max|λ|: count those as zeros too
    n_zero = int(np.sum(np.abs(eigs) <= np.maximum(err, 1e-7 * float(np.max(np.abs(eigs))))))
    if n_zero > 2 * null_dim:
        return "undetermined", ("a zero eigenvalue that null(K) does not explain: the "
                                "linearisation cannot decide")
    if null_dim:
        return "marginal", "marginal: " + _null_note(null_dim, null_tol)
    return "marginal", "real parts zero within tolerance: centres, no null direction of K"


def _null_note(null_dim, null_tol):
    return (f"K has a {null_dim}-dimensional null space (κ <= {null_tol:g} κ_max): the "
            "generator's error along it is invisible to the discriminator (a continuum of "
            "rest points)")


def _kernel_verdict(eigs, err, kap, null_dim, null_tol, pverdict, theorem):
    """Verdict, note, conditioning and slowness of the filtered game.

    For a symmetric positive semi-definite K and positive densities every eigenvalue outside
    null(K) has the sign of the pointwise pair (``λ² w*K⁺w - c λ w*P_d w - a b |w|² = 0``,
    ``docs/kernels.md``), however small its κ: an ill-conditioned K makes those modes slow,
    not marginal. A slow mode's real part can lie within its rounding bound ``err``
    (``eig_error_bounds``: the eigenvalues of an ill-conditioned K are ill-conditioned too);
    then the verdict is the theorem's, said as "slower than" that bound, with K's conditioning (smallest non-null κ over the largest). A null
    direction of K (``κ <= null_tol κ_max``) is the one thing that makes a decisive pointwise
    pair marginal. Returns ``(verdict, note, conditioning, slow)``.
    """
    live_k = kap[kap > null_tol * max(float(np.max(np.abs(kap))), 1e-300)]
    cond = float(live_k.min() / live_k.max()) if live_k.size else 0.0
    if not np.all(np.isfinite(eigs)):
        return "undetermined", "the spectrum is not finite", cond, False
    n = kap.size
    if not theorem or pverdict not in ("stable", "unstable") or null_dim >= n:
        v, note = _spectrum_verdict(eigs, err, null_dim, null_tol)
        return v, note, cond, False
    # the 2·null_dim eigenvalues nearest 0 belong to null(K) (a defective double zero each)
    keep = np.argsort(np.abs(eigs))[2 * null_dim:]
    live, lerr = eigs[keep], err[keep]
    i = int(np.argmax(live.real))
    top, tol = float(live.real[i]), float(lerr[i])
    if pverdict == "stable":
        wrong, slow = bool(np.any(live.real > lerr)), bool(np.any(live.real >= -lerr))
        if slow:  # name the mode that is within its bound
            j = int(np.argmax(live.real + lerr))
            top, tol = float(live.real[j]), float(lerr[j])
    else:
        wrong, slow = top < -tol, top <= tol
    if wrong:
        return ("undetermined", f"the computed spectrum (max Re λ = {top:+.3g} outside null(K)) "
                f"contradicts the pointwise sign ({pverdict}) that a positive semi-definite K "
                "must keep: numerical trouble", cond, False)
    verdict = "marginal" if null_dim and pverdict == "stable" else pverdict
    notes = [f"{verdict}: {_null_note(null_dim, null_tol)}; the other modes are {pverdict}"] \
        if null_dim else []
    if slow:
        # worded by the sign: a stable mode decays, an unstable one grows
        rate, verb = (("slowest decay", "decays") if pverdict == "stable"
                      else ("fastest growth", "grows"))
        notes.append(f"{'the modes outside null(K) are ' if null_dim else ''}{pverdict}, but "
                     f"the leading mode {verb} slower than its rounding bound {tol:.2g}: the "
                     f"{rate} rate outside null(K) is max Re λ = {top:+.3g}, because K is small "
                     f"or ill-conditioned (κ_max = {float(live_k.max()):.3g}, κ_min/κ_max = "
                     f"{cond:.3g}); positive definite there, so every mode keeps the pointwise "
                     "sign")
    return verdict, "; ".join(notes), cond, slow


def _name(f) -> str:
    return getattr(f, "source", None) or getattr(f, "__name__", None) or repr(f)


def check_kernel(f1, f2, f3, *, kernel, pd=1.0, D0=None, domain=None, arch: str = "",
                 null_tol: float = 1e-9) -> KernelReport:
    """The verdict of a triple when the discriminator is filtered by ``kernel`` (module doc).

    Args:
      f1, f2, f3: as for ``gandyn check`` (``gandyn.expr.parse`` results or hashable callables).
      kernel: the ``(N, N)`` matrix ``K(x_i, x_j)`` (:func:`architecture_kernel`).
      pd: scalar or ``(N,)`` data density at the points.
      D0, domain: as for :func:`gandyn.games.pointwise.triple`.
      null_tol: κ <= null_tol · max κ counts as a null direction of K (marginal); any larger
        κ is a positive direction, however slow (``_kernel_verdict``).
    """
    from gandyn.games.grid import grid
    from gandyn.games.pointwise import at_pd, triple

    K = jnp.asarray(kernel, float)
    if D0 is not None:  # the test of `gandyn check`: a D0 outside the domain or no rest point
        domain = infer_domain(f1, f2, f3) if domain is None else domain
        D0 = check_rest_value(f1, f2, D0, domain, allow_jumps=False)
    game = grid(f1, f2, f3, kernel=K, pd=pd, D0=D0, domain=domain)
    d0 = float(game.params["D0"])
    pds = np.asarray(game.params["pd"])
    Kn = np.asarray(K)
    kap = np.linalg.eigvalsh(0.5 * (Kn + Kn.T))
    scale = max(float(np.max(np.abs(kap))), 1e-300)
    null_dim = int(np.sum(kap <= null_tol * scale))
    eigs, err = _eigs_at_rest(game)
    ref = triple(f1, f2, f3, pd=1.0, D0=d0, domain=game.domain)
    pw, pverdicts = [], []
    for p in np.unique(pds):
        Jp = jacobian(at_pd(ref, float(p)))
        pw.extend(np.asarray(eigenvalues(Jp)).tolist())
        pverdicts.append(_pointwise_verdict(Jp))
    pw = np.asarray(pw, complex)
    # the worst over the distinct p_d, each decided as `gandyn check` does
    pverdict = next(v for v in ("unstable", "undetermined", "marginal", "stable")
                    if v in pverdicts)
    psd = not np.any(kap < -null_tol * scale)
    symmetric = float(np.max(np.abs(Kn - Kn.T))) <= 1e-12 * scale
    theorem = psd and symmetric and bool(np.all(pds > 0))
    verdict, note, cond, slow = _kernel_verdict(eigs, err, kap, null_dim, null_tol, pverdict,
                                                theorem)
    if not psd:
        note = (note + "; " if note else "") + "K is not positive semi-definite"
    elif not symmetric:
        note = (note + "; " if note else "") + "K is not symmetric"
    return KernelReport(
        _name(f1), _name(f2), _name(f3), int(K.shape[0]), d0, tuple(float(p) for p in pds),
        tuple(float(k) for k in kap),
        null_dim, tuple(complex(z) for z in eigs), tuple(complex(z) for z in pw),
        float(np.max(eigs.real)), float(np.max(pw.real)), verdict, pverdict, note, arch,
        cond, slow)
