"""Jacobians, spectra, kinds and verdicts (continuous fields and discrete maps).

Everything here is a pure function of arrays, jit- and vmap-able; names come out through the
``KINDS`` / ``VERDICTS`` tuples so batched results stay integer arrays.

Local stability (Hartman–Grobman; Mescheder et al. 2017, "The Numerics of GANs"):
  * continuous field dz/dt = v(z): stable iff every eigenvalue of v'(z*) has Re λ < 0;
  * discrete map z <- F(z):        stable iff the spectral radius of F'(z*) is < 1.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

import numpy as np

from gandyn.games.base import Game, as_state

__all__ = [
    "DISCRETE_VERDICTS",
    "KINDS",
    "VERDICTS",
    "classify",
    "classify_matrix",
    "discrete_verdict",
    "eig_error_bounds",
    "eig_tolerance",
    "eigenvalues",
    "format_eigenvalue",
    "jacobian",
    "kind_name",
    "max_lr_simultaneous",
    "sort_eigenvalues",
    "spectral_radius",
    "spectrum_summary",
    "trace_det",
    "verdict",
    "verdict_name",
]

KINDS = (
    "stable node",
    "stable focus",
    "centre",
    "saddle",
    "unstable node",
    "unstable focus",
    "degenerate",
)
VERDICTS = ("stable", "marginal", "unstable")
DISCRETE_VERDICTS = ("converges", "marginal", "diverges")

ATOL = 1e-9
RTOL = 1e-7
#: rounding errors allowed per operation in the backward-error bounds of ``classify_matrix``
#: (a few units of the last place per entry: jacfwd's entries, then the solve itself)
ERR_ULPS = 8.0


def state_or_equilibrium(game: Game, state, purpose: str):
    """``state`` as a ``State``, or the game's equilibrium when ``state`` is None.

    Raises ``ValueError`` when neither is known, saying what the state was needed for.
    """
    if state is None:
        if game.equilibrium is None:
            raise ValueError(
                f"game {game.name!r} has no known equilibrium: pass the state at which to "
                f"{purpose}"
            )
        state = game.equilibrium
    return as_state(state)


def jacobian(game: Game, state=None) -> jax.Array:
    """``v'(z)``: the Jacobian of the joint field at ``state`` (default: the equilibrium).

    The total derivative of ``z -> game.field(z)``, the map continuous-time training follows:
    entry ``(a, b)`` is ``∂v_a/∂z_b`` with everything the field computes from the point
    (fakes, transport potentials, importance weights) moving with ``z_b``, so it equals
    central differences of ``game.field``. Quantities a method holds constant within a step
    are held only inside the players' own gradients (``gandyn.games.base.HeldObjective``),
    never in this derivative. Computed with ``jax.jacfwd`` over the flattened state
    ``(gen..., disc...)``, so rows and columns are ordered generator first. Shape ``(n, n)``
    with ``n`` the number of scalars.
    """
    state = state_or_equilibrium(game, state, "evaluate the Jacobian")
    state = jax.tree_util.tree_map(jnp.asarray, state)  # player states may be pytrees
    z, unravel = ravel_pytree(state)

    def flat(zf):
        v, _ = ravel_pytree(game.field(unravel(zf)))
        return v

    return jax.jacfwd(flat)(z)


def trace_det(jac: jax.Array):
    """Trace and determinant of a square matrix (closed form for 2x2)."""
    jac = jnp.asarray(jac)
    if jac.shape == (2, 2):
        return jac[0, 0] + jac[1, 1], jac[0, 0] * jac[1, 1] - jac[0, 1] * jac[1, 0]
    return jnp.trace(jac), jnp.linalg.det(jac)


def eigenvalues(jac: jax.Array) -> jax.Array:
    """Eigenvalues of a square matrix, complex.

    For 2x2 the closed form ``λ = τ/2 ± sqrt(τ²/4 - Δ)`` (τ trace, Δ determinant), which runs
    on every backend and is exact for real pairs; larger matrices use ``jnp.linalg.eig``.
    The 2x2 order is ``[τ/2 + s, τ/2 - s]`` with ``s`` the principal complex square root;
    for a real pair the one of smaller modulus is ``Δ / λ_big`` (Vieta), not a difference of
    two nearly equal numbers: ``-1e4`` next to ``+1e-4`` keeps all its digits.
    """
    jac = jnp.asarray(jac)
    if jac.ndim != 2 or jac.shape[0] != jac.shape[1]:
        raise ValueError(f"eigenvalues needs a square matrix, got shape {jac.shape}")
    if jac.shape == (2, 2):
        tr, det = trace_det(jac)
        ctype = jnp.result_type(jac.dtype, jnp.complex64)
        half = (tr / 2).astype(ctype)
        disc = tr * tr / 4 - det
        s = jnp.sqrt(disc.astype(ctype))
        plus, minus = half + s, half - s
        # real pair: the larger one has no cancellation (same signs), the smaller one is
        # det / larger
        big = jnp.where(jnp.real(half) >= 0, plus, minus)
        small = jnp.where(big != 0, det.astype(ctype) / jnp.where(big != 0, big, 1), 0)
        real_pair = disc >= 0
        plus = jnp.where(real_pair & (jnp.real(half) < 0), small, plus)
        minus = jnp.where(real_pair & (jnp.real(half) >= 0), small, minus)
        return jnp.stack([plus, minus])
    if jac.shape == (1, 1):
        return jac[0].astype(jnp.result_type(jac.dtype, jnp.complex64))
    return jnp.linalg.eig(jac)[0]


def eig_tolerance(eigs, atol=ATOL, rtol=RTOL):
    """Absolute tolerance used to call a real part zero when only the eigenvalues are known:
    ``atol + rtol * max|λ|``. It is blind to scale: next to ``|λ| = 1e8`` a real part of
    ``-4`` counts as zero. With the matrix at hand use ``classify_matrix`` (per-eigenvalue
    bounds, ``eig_error_bounds``)."""
    return atol + rtol * jnp.max(jnp.abs(eigs))


def eig_error_bounds(jac, eigs=None, vecs=None) -> jax.Array:
    """Per-eigenvalue bound on the rounding error of the eigenvalues of ``jac`` (real, ``(n,)``).

    A backward-stable solve returns the exact eigenvalues of ``J + E`` with
    ``‖E‖ <= δ = ERR_ULPS n eps ‖J‖_F``; to first order eigenvalue ``i`` moves by at most
    ``δ κ_i``, with ``κ_i = ‖x_i‖ ‖y_i‖ / |y_iᴴ x_i|`` its condition number (right and left
    eigenvectors; LAPACK's ``EPS·ABNRM/RCONDE``). The rows of ``X⁻¹`` are left eigenvectors
    scaled so that ``y_iᴴ x_i = 1``. A defective eigenvalue (``X`` singular, ``κ = ∞``) falls
    back to Elsner's bound ``(2‖J‖ + δ)^{1-1/n} δ^{1/n}``, which holds for every matrix; the
    smaller of the two is returned.
    """
    jac = jnp.asarray(jac)
    n = jac.shape[0]
    eps = jnp.finfo(jac.dtype).eps
    norm = jnp.linalg.norm(jac)
    delta = ERR_ULPS * n * eps * norm
    elsner = (2 * norm + delta) ** (1 - 1 / n) * delta ** (1 / n)
    if n == 1:
        return jnp.reshape(delta, (1,))
    if vecs is None:
        eigs, vecs = jnp.linalg.eig(jac)
    xn = jnp.linalg.norm(vecs, axis=0)
    yn = jnp.linalg.norm(jnp.linalg.inv(vecs), axis=1)
    first = delta * xn * yn
    return jnp.where(jnp.isfinite(first), jnp.minimum(first, elsner), elsner)


def classify(eigs, atol=ATOL, rtol=RTOL, err=None) -> jax.Array:
    """Kind of a rest point of a continuous field from its eigenvalues (integer into ``KINDS``).

    With ``tol = atol + rtol max|λ|`` (or, when given, ``err``: one absolute error bound per
    eigenvalue, e.g. ``eig_error_bounds``), a real part is zero when ``|Re λ| <= tol`` and a
    pair is oscillating when ``|Im λ| > tol``:
      * all Re < 0: stable focus if any eigenvalue oscillates, else stable node;
      * all Re > 0: unstable focus / unstable node likewise;
      * all Re = 0 and none zero (purely imaginary): centre;
      * some Re < 0 and some Re > 0, none zero: saddle;
      * anything else (a zero eigenvalue, zero real parts mixed with others): degenerate.
    """
    eigs = jnp.asarray(eigs)
    tol = eig_tolerance(eigs, atol, rtol) if err is None else jnp.asarray(err)
    re, im = jnp.real(eigs), jnp.imag(eigs)
    neg, pos, zero = re < -tol, re > tol, jnp.abs(re) <= tol
    osc = jnp.any(jnp.abs(im) > tol)
    is_zero = jnp.any(jnp.abs(eigs) <= tol)
    kind = jnp.where(
        jnp.all(neg), jnp.where(osc, 1, 0),
        jnp.where(
            jnp.all(pos), jnp.where(osc, 5, 4),
            jnp.where(
                jnp.all(zero) & ~is_zero, 2,
                jnp.where(jnp.any(neg) & jnp.any(pos) & ~jnp.any(zero), 3, 6),
            ),
        ),
    )
    return kind.astype(jnp.int32)


def kind_name(code) -> str:
    return KINDS[int(code)]


def verdict(eigs, atol=ATOL, rtol=RTOL, err=None) -> jax.Array:
    """0 stable (every Re λ < 0), 1 marginal (none > 0, some = 0 within its tolerance),
    2 unstable (some Re λ > 0 beyond its tolerance); ``err`` as in ``classify``."""
    eigs = jnp.asarray(eigs)
    tol = eig_tolerance(eigs, atol, rtol) if err is None else jnp.asarray(err)
    re = jnp.real(eigs)
    return jnp.where(jnp.any(re > tol), 2,
                     jnp.where(jnp.all(re < -tol), 0, 1)).astype(jnp.int32)


def _sign(x, err):
    """-1, 0 (zero within ``err``) or +1."""
    return jnp.where(x > err, 1, jnp.where(x < -err, -1, 0))


def classify_matrix(jac):
    """``(kind, verdict)`` codes (into ``KINDS``, ``VERDICTS``) of the rest point whose
    Jacobian is ``jac``, deciding each sign only as far as rounding allows. jit/vmap-able.

    2x2: from the signs of trace ``τ`` and determinant ``Δ`` (Routh–Hurwitz: stable iff
    ``τ < 0 < Δ``), each zero only within its own rounding bound ``ERR_ULPS eps (|a|+|d|)``,
    ``ERR_ULPS eps (|ad|+|bc|)``. Unlike a tolerance relative to ``max|λ|`` these keep a small
    eigenvalue next to a large one: ``τ = -8, Δ = 4e15`` (λ = -4 ± 6.3e7i) is a stable
    focus, ``τ = -1e4, Δ = -1`` (λ = +1e-4, -1e4) a saddle. ``Δ = 0``: a zero eigenvalue next
    to ``τ``, unstable when ``τ > 0``, else degenerate and marginal.

    n x n: eigenvalues by ``jnp.linalg.eig``, each real part zero only within its own
    ``eig_error_bounds``.
    """
    jac = jnp.asarray(jac)
    if jac.shape != (2, 2):
        e, vecs = jnp.linalg.eig(jac)
        err = eig_error_bounds(jac, e, vecs)
        return classify(e, err=err), verdict(e, err=err)
    (a, b), (c, d) = jac[0], jac[1]
    eps = jnp.finfo(jac.dtype).eps
    tr, det = trace_det(jac)
    st = _sign(tr, ERR_ULPS * eps * (jnp.abs(a) + jnp.abs(d)))
    sd = _sign(det, ERR_ULPS * eps * (jnp.abs(a * d) + jnp.abs(b * c)))
    disc = tr * tr / 4 - det
    osc = disc < -ERR_ULPS * eps * (tr * tr / 4 + jnp.abs(a * d) + jnp.abs(b * c))
    kind = jnp.where(
        sd < 0, 3,
        jnp.where(sd > 0,
                  jnp.where(st < 0, jnp.where(osc, 1, 0),
                            jnp.where(st > 0, jnp.where(osc, 5, 4), 2)),
                  6))
    verd = jnp.where((sd < 0) | (st > 0), 2, jnp.where((sd > 0) & (st < 0), 0, 1))
    bad = ~jnp.all(jnp.isfinite(jac))
    return (jnp.where(bad, 6, kind).astype(jnp.int32),
            jnp.where(bad, 1, verd).astype(jnp.int32))


def verdict_name(code) -> str:
    return VERDICTS[int(code)]


def spectral_radius(eigs) -> jax.Array:
    """``ρ = max |λ|``; a discrete map converges locally iff ``ρ < 1``."""
    return jnp.max(jnp.abs(jnp.asarray(eigs)))


def discrete_verdict(eigs, atol=ATOL, rtol=RTOL, err=None) -> jax.Array:
    """0 converges (ρ < 1), 1 marginal (ρ = 1 within tol), 2 diverges; names in
    ``DISCRETE_VERDICTS``. ``err``: per-eigenvalue rounding bounds (``eig_error_bounds`` of
    the map's Jacobian) instead of the fixed ``atol + rtol``, so that ``|μ| = 1 - 1e-9`` of a
    well-conditioned map converges."""
    eigs = jnp.asarray(eigs)
    if err is None:
        rho = spectral_radius(eigs)
        tol = atol + rtol
        return jnp.where(rho < 1 - tol, 0, jnp.where(rho <= 1 + tol, 1, 2)).astype(jnp.int32)
    mag, err = jnp.abs(eigs), jnp.asarray(err)
    return jnp.where(jnp.any(mag > 1 + err), 2,
                     jnp.where(jnp.all(mag < 1 - err), 0, 1)).astype(jnp.int32)


def max_lr_simultaneous(eigs) -> jax.Array:
    """Largest step ``h`` for which simultaneous gradient steps converge locally.

    The map ``z <- z + h v(z)`` has eigenvalues ``1 + h λ``; ``|1 + h λ| < 1`` iff
    ``h < -2 Re λ / |λ|²`` (Mescheder et al. 2017, Lemma 4). The bound is the minimum over
    eigenvalues; it is 0 when some ``Re λ >= 0`` (no step converges).
    """
    eigs = jnp.asarray(eigs)
    re = jnp.real(eigs)
    mag2 = jnp.abs(eigs) ** 2
    bound = jnp.where(mag2 > 0, -2 * re / jnp.where(mag2 > 0, mag2, 1.0), jnp.inf)
    h = jnp.min(bound)
    return jnp.where(jnp.any(re >= 0), 0.0, h)


# -- one place that sorts, summarises and formats spectra for every report and command -------
def sort_eigenvalues(eigs) -> np.ndarray:
    """Eigenvalues as a complex numpy array, largest real part first (then largest imaginary)."""
    e = np.asarray(eigs).astype(complex).ravel()
    return e[np.lexsort((-e.imag, -e.real))]


def spectrum_summary(eigs, jac=None) -> dict:
    """``{"eigenvalues": [[re, im], ...] sorted, "kind", "verdict", "max_lr"}`` (Python floats).

    With ``jac`` (the matrix the eigenvalues came from) the kind and verdict come from
    ``classify_matrix`` (rounding bounds per eigenvalue); without it from the eigenvalues
    alone (``eig_tolerance``)."""
    e = sort_eigenvalues(eigs)
    j = jnp.asarray(e)
    if jac is not None:
        kind, verd = classify_matrix(jnp.asarray(jac))
    else:
        kind, verd = classify(j), verdict(j)
    return {"eigenvalues": [[float(z.real), float(z.imag)] for z in e],
            "kind": kind_name(kind), "verdict": verdict_name(verd),
            "max_lr": float(max_lr_simultaneous(j))}


def format_eigenvalue(z, digits: int = 4, compact: bool = False) -> str:
    """``z`` (complex or ``(re, im)``) as ``+0.1234 - 0.5678i`` (``compact``: no spaces); parts
    below ``5e-13`` of the eigenvalue's scale are printed as zero, a real one without ``i``."""
    re, im = (z.real, z.imag) if isinstance(z, complex) or hasattr(z, "imag") else z
    re, im = float(re), float(im)
    scale = max(1.0, abs(re), abs(im))
    re = 0.0 if abs(re) < 5e-13 * scale else re

    def num(x, sign):  # fixed point, unless it would print a nonzero part as 0 or run long
        fixed = x == 0 or not math.isfinite(x) or 10.0 ** -digits <= abs(x) < 1e10
        return f"{x:{sign}.{digits}{'f' if fixed else 'e'}}"

    if abs(im) < 5e-13 * scale:
        return num(re, "+")
    sep = "" if compact else " "
    return f"{num(re, '+')}{sep}{'+' if im >= 0 else '-'}{sep}{num(abs(im), '')}i"
