"""Continuation of equilibria and their bifurcations, for flows and for update maps.

Given a one-parameter family of games ``make_game(p) -> Game`` (any ``Game``: pointwise, Dirac,
bilinear, ``from_fields``; ``p`` is traced, so ``make_game`` must build the game from a traced
number, which every built-in factory does), ``continue_equilibrium`` follows a rest point
``z*(p)`` by *natural continuation*: on a grid ``p_0 < p_1 < ...`` the rest point at ``p_k`` is
found by Newton's method (``optimistix.Newton``) started from the one at ``p_{k-1}``, and its
spectrum is recorded. Along the branch it watches real *test functions* that vanish at a
bifurcation and changes sign through it (Kuznetsov, "Elements of Applied Bifurcation Theory",
3rd ed. 2004, §10.2), with λ the eigenvalues of the flow's Jacobian ``v'(z*)``:

  * fold (a real eigenvalue through 0):             ``ψ_fold = det v' = Π λ_i``
  * Hopf (a complex pair through the imaginary axis): ``ψ_H = Π_{i<j} (λ_i + λ_j)``
    (the determinant of the bialternate product 2 v' ⊙ I);
  * node-focus (a real pair meets and turns complex): ``ψ_NF = Π_{i<j} (λ_i - λ_j)²``
    (the discriminant of the characteristic polynomial).

For an update map ``x <- F_h(x)`` (``make_updater(p)`` gives the updater; its multipliers μ are
the eigenvalues of ``gandyn.analysis.discrete.update_jacobian`` at the augmented fixed point):

  * fold (μ through +1):                 ``Π (μ_i - 1)``
  * flip / period doubling (μ through -1): ``Π (μ_i + 1)``
  * Neimark–Sacker (a complex pair through |μ| = 1): ``Π_{i<j} (μ_i μ_j - 1)``.

The products run over the *reduced* spectrum (an eigenvalue of multiplicity m and geometric
multiplicity g entered m/g times): exact copies, as in the isotropic n-dimensional Dirac-GAN,
would otherwise make every factor appear an even number of times and the test only touch zero;
each point reports its multiplicity and what crosses (docs/change.md, §1). At a Hopf point the
first Lyapunov coefficient l₁ (``first_lyapunov``) says supercritical / subcritical /
degenerate. ``make_updater(p)`` may ignore p: the map at a fixed rate, continued in a game
parameter.

A sign change between two grid points is *located* by bisection on the test function (each
midpoint's rest point by Newton from the left end) down to ``tol`` (default 1e-12) in p.
``ψ_H`` and the Neimark–Sacker function also vanish at a *neutral saddle* (real λ_i = -λ_j,
real μ_i μ_j = 1); the located point is labelled by the pair that vanishes there.

Limits: natural continuation cannot turn around a fold of the branch (``p`` is the
continuation parameter), so a fold where the branch turns back shows as Newton failing between
two grid points (``Branch.converged`` false) rather than as a sign change of ``det v'``.
``continue_arclength`` (Keller's pseudo-arclength continuation, 1977) turns round such folds:
it follows the curve ``X(s) = (z, p)(s)`` with the unit tangent ``t`` (``[v_z v_p] t = 0``,
from a bordered system solved by ``lineax``), predicts ``X + Δs t`` and corrects with
``optimistix.Newton`` on ``v(z, p) = 0``, ``t·(X - X_k) = Δs``; test functions are bisected in
s with the same corrector, so a fold of the branch (``det v' = 0``, ``dp/ds`` changes sign) is
located like any other point. Transcritical
and pitchfork crossings, where the branch goes through, are located. For maps the rest point is
a zero of the flow (true of every first-order rule whose fixed points are the game's rest points).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import lineax as lx
import optimistix as optx
from jax.flatten_util import ravel_pytree

from gandyn.analysis.discrete import update_jacobian
from gandyn.analysis.spectrum import eigenvalues, jacobian
from gandyn.games.base import Game, as_state

__all__ = [
    "FLOW_TESTS",
    "MAP_TESTS",
    "Branch",
    "Point",
    "boundary",
    "continue_arclength",
    "continue_equilibrium",
    "distinct_eigenvalues",
    "first_lyapunov",
    "flow_tests",
    "map_tests",
    "newton_equilibrium",
    "pair_flip_test",
]

FLOW_TESTS = ("fold", "hopf", "node-focus")
MAP_TESTS = ("fold", "flip", "neimark-sacker")


# Eigenvalues closer than this (relative) are one eigenvalue of higher multiplicity. Exact
# multiplicities (an isotropic game: the same block repeated) are computed to ~eps; a defective
# double eigenvalue (a Jordan block) to ~sqrt(eps) ≈ 1.5e-8. Two eigenvalues meeting at a
# bifurcation are this close only within ~(1e-6)² of it in p, below the bisection's bracket.
CLUSTER_RTOL = 1e-6


def distinct_eigenvalues(eigs) -> tuple[np.ndarray, np.ndarray]:
    """``(values, multiplicities)``: the eigenvalues with those within ``CLUSTER_RTOL`` (relative,
    plus 1e-3 of that times ``max|λ|`` near 0) merged into one (their mean), in order."""
    e = np.asarray(eigs, complex).ravel()
    if e.size == 0:
        return e, np.zeros(0, int)
    a = np.abs(e)
    tol = CLUSTER_RTOL * (np.maximum(a[:, None], a[None, :]) + 1e-3 * a.max())
    close = np.abs(e[:, None] - e[None, :]) <= tol
    rep = ~np.any(np.tril(close, -1), axis=1)
    # the mean of a cluster: a Jordan block's eigenvalues are off by ~sqrt(eps), their mean
    # (a trace) by ~eps
    first = np.argmax(close, axis=1)          # each eigenvalue's representative
    means = np.array([e[first == k].mean() for k in np.where(rep)[0]])
    return means, close.sum(axis=1)[rep]


def _reduced(eigs, mat=None) -> np.ndarray:
    """The spectrum with each multiple eigenvalue counted once per Jordan chain: an eigenvalue
    of algebraic multiplicity m and geometric multiplicity g (``n - rank(A - λI)``, from the
    matrix ``mat``; g = m without it) enters ``round(m / g)`` times.

    Exact copies (an isotropic game repeats one block n times) are semisimple, g = m: one
    entry, so each copy-set crosses once and the test functions change sign. Two eigenvalues
    meeting at a node-focus form a Jordan block, g = 1: two entries, as in the full spectrum,
    so a grid node that lands on the meeting point does not flip the fold or Hopf function."""
    d, m = distinct_eigenvalues(eigs)
    if mat is None or np.all(m == 1):
        return d
    mat = np.asarray(mat)
    sv_tol = 1e-8 * (1.0 + np.linalg.norm(mat, 2))
    reps = []
    for lam, mult in zip(d, m):
        if mult == 1:
            reps.append(lam)
            continue
        sv = np.linalg.svd(mat - lam * np.eye(mat.shape[0]), compute_uv=False)
        g = int(np.clip(np.sum(sv <= sv_tol), 1, mult))
        reps.extend([lam] * max(1, int(round(mult / g))))
    return np.asarray(reps, complex)


def _factors(eigs, mode: str, mat=None):
    """The factors of the three test functions on the reduced spectrum, and their degree.

    On the full spectrum an eigenvalue of multiplicity m enters each product m times (pairs m²
    times), so with m even the products only touch zero where the m copies cross together (the
    isotropic n-dimensional Dirac-GAN: every event has multiplicity n); on the reduced one
    (``_reduced``) each copy-set enters once and its factor changes sign once."""
    d = _reduced(eigs, mat)
    i, j = np.triu_indices(len(d), k=1)
    if mode == "flow":
        return (d, d[i] + d[j], (d[i] - d[j]) ** 2), (1, 1, 2)
    return (d - 1, d + 1, d[i] * d[j] - 1), (1, 1, 2)


def _tests(eigs, mode: str, mat=None):
    """``(tests (3,), smallest (3,))``: the products, and each one's smallest factor relative to
    ``(1 + max|λ|)^degree`` (a test is round-off zero when one factor is, whatever n)."""
    facs, degs = _factors(eigs, mode, mat)
    scale = 1.0 + float(np.max(np.abs(eigs), initial=0.0))
    tests = np.array([np.prod(f).real for f in facs])
    small = np.array([np.min(np.abs(f)) / scale ** g if f.size else np.inf
                      for f, g in zip(facs, degs)])
    return tests, small


def flow_tests(eigs) -> np.ndarray:
    """``(ψ_fold, ψ_H, ψ_NF)`` from the eigenvalues λ of ``v'(z*)`` (real; see module doc), the
    products taken over the distinct eigenvalues (``distinct_eigenvalues``; continuation also
    passes the matrix and counts a Jordan block's eigenvalue per chain, ``_reduced``)."""
    return _tests(np.asarray(eigs), "flow")[0]


def map_tests(mults) -> np.ndarray:
    """``(fold, flip, Neimark–Sacker)`` test functions from the multipliers μ of a map, over the
    distinct multipliers."""
    return _tests(np.asarray(mults), "map")[0]


class Point(NamedTuple):
    """A located bifurcation point.

    kind: "fold", "hopf", "node-focus", "neutral saddle" (flows) or "fold", "flip",
      "neimark-sacker", "neutral saddle" (maps).
    param: the parameter value (bisection midpoint; ``bracket`` its final interval).
    state: the rest point there (flat, generator first).
    eigenvalues: of ``v'`` (flows) or the map's multipliers, at ``param``.
    multiplicity: how many eigenvalues / multipliers cross together: for a fold or flip the
      number at 0 / +1 / -1 (2 for a double multiplier passing through -1); for a pair event
      (hopf, node-focus, neimark-sacker, neutral saddle) the number of pairs (n for the
      isotropic n-dimensional Dirac-GAN).
    crossing: what crosses, in words ("multiplier -1", "multipliers e^{±iθ}, θ = 0.785", ...).
    frequency: ω of a Hopf pair ±iω, θ of a Neimark–Sacker pair e^{±iθ}; else None.
    criticality: for a Hopf point "supercritical" (l₁ < 0: a stable cycle is born),
      "subcritical" (l₁ > 0), "degenerate" (l₁ = 0 to round-off, e.g. a centre of a
      conservative field: no cycle is born) or "undetermined" (a non-smooth field, a multiple
      pair, a zero or 2iω eigenvalue besides the pair); None for other kinds.
    first_lyapunov: l₁ (``first_lyapunov``) at a Hopf point, else None.
    """

    kind: str
    param: float
    bracket: tuple
    state: np.ndarray
    eigenvalues: np.ndarray
    multiplicity: int = 1
    crossing: str = ""
    frequency: float | None = None
    criticality: str | None = None
    first_lyapunov: float | None = None

    def to_dict(self) -> dict:
        opt = lambda x: None if x is None or not math.isfinite(x) else float(x)
        return {"kind": self.kind, "param": self.param, "bracket": list(self.bracket),
                "state": [float(x) for x in self.state],
                "eigenvalues": [[float(e.real), float(e.imag)] for e in self.eigenvalues],
                "multiplicity": self.multiplicity, "crossing": self.crossing,
                "frequency": opt(self.frequency), "criticality": self.criticality,
                "first_lyapunov": opt(self.first_lyapunov)}


class Branch(NamedTuple):
    """A continued branch: ``params (m,)``, ``states (m, n)``, ``eigenvalues (m, k)`` complex,
    ``tests (m, 3)`` (``FLOW_TESTS`` or ``MAP_TESTS`` order), ``converged (m,)`` (Newton
    converged and finite), the located ``points`` and ``mode`` ("flow" or "map");
    ``method`` ("natural" or "arclength") and, for arclength, ``arclength (m,)`` (s along the
    branch) and ``tangents (m, n + 1)`` (unit ``(dz/ds, dp/ds)``)."""

    params: np.ndarray
    states: np.ndarray
    eigenvalues: np.ndarray
    tests: np.ndarray
    converged: np.ndarray
    points: tuple
    mode: str
    method: str = "natural"
    arclength: np.ndarray | None = None
    tangents: np.ndarray | None = None


def _flat_field(game: Game, like):
    _, unravel = ravel_pytree(as_state(like))

    def fn(z, args):
        del args
        v, _ = ravel_pytree(game.field(unravel(z)))
        return v

    return fn, unravel


def newton_equilibrium(game: Game, z0, *, rtol=1e-13, atol=1e-13, max_steps=50):
    """A rest point ``v(z*) = 0`` near ``z0`` by ``optimistix.Newton``.

    Returns ``(z*, ok)``: the state (same structure as ``z0``) and whether Newton converged to
    a finite point with ``‖v(z*)‖_∞ <= 1e-9``.
    """
    z0 = jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.result_type(float)), as_state(z0))
    flat0, _ = ravel_pytree(z0)
    fn, unravel = _flat_field(game, z0)
    sol = optx.root_find(fn, optx.Newton(rtol=rtol, atol=atol), flat0, max_steps=max_steps,
                         throw=False)
    z = sol.value
    res = jnp.max(jnp.abs(fn(z, None)))
    ok = (sol.result == optx.RESULTS.successful) | (res <= 1e-12)
    ok = ok & jnp.all(jnp.isfinite(z)) & (res <= 1e-9)
    return unravel(z), ok


class _Derivatives:
    """Compiled ``v'``, and the 2nd and 3rd directional derivatives ``B(u, v)``, ``C(u, v, w)``
    of the flat field of ``make_game(p, q)`` at z (real vectors; jax.jvp nested)."""

    def __init__(self, make_game: Callable, like):
        _, unravel = ravel_pytree(as_state(like))
        self.make_game = make_game

        def field(p, q, z):
            return ravel_pytree(make_game(p, q).field(unravel(z)))[0]

        def d2(p, q, z, u, v):
            inner = lambda y: jax.jvp(lambda x: field(p, q, x), (y,), (u,))[1]
            return jax.jvp(inner, (z,), (v,))[1]

        def d3(p, q, z, u, v, w):
            return jax.jvp(lambda y: d2(p, q, y, u, v), (z,), (w,))[1]

        self.jac = jax.jit(jax.jacfwd(field, argnums=2))
        self.d2, self.d3 = jax.jit(d2), jax.jit(d3)

    def lyapunov(self, p, q, z):
        """``(l₁, criticality)`` at the rest point z of ``make_game(p, q)`` (see
        ``first_lyapunov``)."""
        if not self.make_game(p, q).smooth:
            return math.nan, "undetermined"
        f = lambda a: jnp.asarray(np.asarray(a, np.float64))
        p, q, z = f(p), f(q), f(z)
        A = np.asarray(self.jac(p, q, z))
        B = lambda u, v: np.asarray(self.d2(p, q, z, f(u), f(v)))
        C = lambda u, v, w: np.asarray(self.d3(p, q, z, f(u), f(v), f(w)))
        return _lyapunov(A, B, C)


def _complex_multilinear(fn, *vecs):
    """A real multilinear ``fn`` extended complex-linearly to complex arguments."""
    out = 0j
    parts = [(v.real, 1.0) for v in vecs], [(v.imag, 1j) for v in vecs]
    for choice in np.ndindex(*(2,) * len(vecs)):
        args = [parts[c][k][0] for k, c in enumerate(choice)]
        coef = np.prod([parts[c][k][1] for k, c in enumerate(choice)])
        if any(not np.any(a) for a in args):
            continue
        out = out + coef * fn(*args)
    return np.asarray(out, complex) * np.ones(len(vecs[0]))


def _lyapunov(A, B, C, rtol: float = 1e-8):
    """First Lyapunov coefficient at a simple pair ``±iω`` of ``A`` (Kuznetsov 2004, §3.5 and
    §5.4, the n-dimensional formula, which is the centre-manifold reduction)::

        l₁ = 1/(2ω) Re[⟨p, C(q,q,q̄)⟩ - 2⟨p, B(q, A⁻¹B(q,q̄))⟩ + ⟨p, B(q̄, (2iω - A)⁻¹B(q,q))⟩]

    with ``Aq = iωq``, ``Aᵀp = -iωp``, ``⟨p, q⟩ = 1`` and ``⟨q, q⟩ = 1/2`` (so that the planar
    normal form ``ż = (μ + iω) z + c₁ z|z|²``, z = x + iy, gives ``l₁ = Re c₁ / ω``).
    Degenerate when ``|l₁|`` is below ``rtol`` times the size of the terms it sums."""
    lams, V = np.linalg.eig(A)
    upper = np.where(lams.imag > 0)[0]
    if upper.size == 0:
        return math.nan, "undetermined"
    k = upper[np.argmin(np.abs(lams[upper].real))]
    lam, omega = lams[k], float(lams[k].imag)
    scale = 1.0 + float(np.max(np.abs(lams)))
    # a second pair on the axis, or an eigenvalue at 0 or 2iω: the formula does not apply
    others = np.delete(lams, k)
    if (np.min(np.abs(others - lam), initial=np.inf) <= 1e-6 * scale
            or np.min(np.abs(lams), initial=np.inf) <= 1e-9 * scale
            or np.min(np.abs(lams - 2j * omega), initial=np.inf) <= 1e-9 * scale):
        return math.nan, "undetermined"
    q = V[:, k] / np.linalg.norm(V[:, k]) / math.sqrt(2.0)
    lt, W = np.linalg.eig(A.T)
    pv = W[:, np.argmin(np.abs(lt - np.conj(lam)))]
    pv = pv / np.conj(np.vdot(pv, q))
    Bc = lambda u, v: _complex_multilinear(B, u, v)
    Cc = lambda u, v, w: _complex_multilinear(C, u, v, w)
    eye = np.eye(A.shape[0])
    h11 = np.linalg.solve(A, Bc(q, q.conj()).real)
    h20 = np.linalg.solve(2j * omega * eye - A, Bc(q, q))
    t1, t2, t3 = Cc(q, q, q.conj()), Bc(q, h11), Bc(q.conj(), h20)
    l1 = float(np.real(np.vdot(pv, t1) - 2 * np.vdot(pv, t2) + np.vdot(pv, t3)) / (2 * omega))
    size = np.linalg.norm(pv) * (np.linalg.norm(t1) + 2 * np.linalg.norm(t2)
                                 + np.linalg.norm(t3)) / (2 * omega)
    if not math.isfinite(l1):
        return math.nan, "undetermined"
    if abs(l1) <= rtol * size:
        return l1, "degenerate"
    return l1, "supercritical" if l1 < 0 else "subcritical"


def first_lyapunov(game: Game, state=None) -> tuple[float, str]:
    """``(l₁, criticality)`` of a Hopf point: the rest point ``state`` (default: the game's
    equilibrium) of ``game`` whose Jacobian has a simple pair ``±iω``.

    l₁ < 0: supercritical (a stable cycle of radius ~sqrt(-Re λ'·Δp / l₁) is born where the rest
    point loses stability); l₁ > 0: subcritical (an unstable cycle shrinks onto it);
    "degenerate": l₁ vanishes to round-off (a linear centre, or a conservative field such as the
    unregularised GAN Dirac-GAN, whose orbits are circles: no cycle is born at first order);
    "undetermined" (l₁ NaN): no simple pair, another eigenvalue at 0 or 2iω, or a non-smooth
    field. Derivatives by ``jax.jvp``; the formula and normalisation are ``_lyapunov``'s.
    """
    z0 = as_state(state if state is not None else game.equilibrium)
    z0 = jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.result_type(float)), z0)
    d = _Derivatives(lambda p, q: game, z0)
    return d.lyapunov(0.0, 0.0, ravel_pytree(z0)[0])


class _Evaluator:
    """One compiled program ``(p, q, z_guess) -> (z, ok, spectrum)`` for a family; the test
    functions are computed from the spectrum (numpy: distinct eigenvalues need a tolerance)."""

    def __init__(self, make_game: Callable, make_updater: Callable | None, like):
        self.mode = "flow" if make_updater is None else "map"
        self.like = as_state(like)
        self.derivs = _Derivatives(make_game, like) if make_updater is None else None

        def evaluate(p, q, zflat):
            game = make_game(p, q)
            _, unravel = ravel_pytree(self.like)
            z, ok = newton_equilibrium(game, unravel(zflat))
            if make_updater is None:
                mat = jacobian(game, z)
            else:
                mat = update_jacobian(game, make_updater(p, q), z)
            eigs = eigenvalues(mat)
            ok = ok & jnp.all(jnp.isfinite(eigs)) & jnp.all(jnp.isfinite(mat))
            return ravel_pytree(z)[0], ok, eigs, mat

        self._f = jax.jit(evaluate)

    def __call__(self, p, q, zflat):
        """``(z, ok, eigs, tests, smallest)`` (``_tests``)."""
        z, ok, eigs, mat = self._f(p, q, zflat)
        eigs = np.asarray(eigs)
        tests, small = _tests(eigs, self.mode, np.asarray(mat)) if ok else (
            np.full(3, np.nan), np.full(3, np.nan))
        return np.asarray(z), bool(ok) and bool(np.all(np.isfinite(tests))), eigs, tests, small


def _label(mode: str, which: int, eigs: np.ndarray) -> str:
    if which == 0:
        return "fold"
    if mode == "flow" and which == 2:
        return "node-focus"
    if mode == "map" and which == 1:
        return "flip"
    # Hopf / Neimark-Sacker function: is the vanishing pair complex or a real neutral saddle?
    # A real pair at 0 (flows), +1 or -1 (maps) passing together (a Jordan block, whose
    # fold / flip functions only touch zero) also zeroes it: that is the fold / flip itself
    pair = _critical_pair(mode, eigs)
    if pair is None:
        return "neutral saddle"
    lam = np.asarray(eigs)[pair[0]]
    scale = 1e-6 * max(1.0, float(np.max(np.abs(eigs))))
    if abs(lam.imag) > scale:
        return "hopf" if mode == "flow" else "neimark-sacker"
    if mode == "flow" and abs(lam) <= scale:
        return "fold"
    if mode == "map" and abs(lam - 1) <= scale:
        return "fold"
    if mode == "map" and abs(lam + 1) <= scale:
        return "flip"
    return "neutral saddle"


def _critical_pair(mode, eigs):
    """The pair ``(i, j)`` closest to ``λ_i + λ_j = 0`` (``μ_i μ_j = 1``). Two copies of one
    eigenvalue are a pair too: 2λ = 0 only at λ = 0, μ² = 1 only at ±1 (a fold or flip)."""
    eigs = np.asarray(eigs)
    i, j = np.triu_indices(len(eigs), k=1)
    if not i.size:
        return None
    val = np.abs(eigs[i] + eigs[j]) if mode == "flow" else np.abs(eigs[i] * eigs[j] - 1)
    k = int(np.argmin(val))
    return int(i[k]), int(j[k])


def _count_near(eigs, target, rtol=1e-6) -> int:
    eigs = np.asarray(eigs)
    return int(np.sum(np.abs(eigs - target) <= rtol * (1 + np.max(np.abs(eigs)))))


def _g(x) -> str:
    return f"{x:.6g}"


def _describe(mode: str, kind: str, eigs) -> tuple[int, str, float | None]:
    """``(multiplicity, crossing, frequency)`` of a located point from its spectrum."""
    eigs = np.asarray(eigs)
    if kind == "fold":
        target = 0.0 if mode == "flow" else 1.0
        what = "eigenvalue 0" if mode == "flow" else "multiplier +1"
        return max(1, _count_near(eigs, target)), what, None
    if kind == "flip":
        return _at_minus_one(eigs), "multiplier -1", None
    if kind == "node-focus":
        # the pair meets at λ0; n copies of it (an isotropic game) meet there together. Near
        # the meeting point the two are ~sqrt(|p - p*|) apart: a looser radius counts them
        gaps = np.where(np.eye(len(eigs), dtype=bool), np.inf,
                        np.abs(eigs[:, None] - eigs[None, :]))
        k = np.argmin(gaps)
        i, j = divmod(int(k), len(eigs))
        lam0 = 0.5 * (eigs[i] + eigs[j]).real
        mult = max(1, _count_near(eigs, lam0, rtol=1e-4) // 2)
        return mult, f"real pair meets at {_g(lam0)} (node <-> focus)", None
    pair = _critical_pair(mode, eigs)
    lam = eigs[pair[0]] if pair is not None else complex(np.nan)
    mult = max(1, _count_near(eigs, lam))
    if kind == "hopf":
        w = abs(float(lam.imag))
        return mult, f"eigenvalues ±iω, ω = {_g(w)}", w
    if kind == "neimark-sacker":
        theta = abs(float(np.angle(lam)))
        return mult, f"multipliers e^(±iθ), θ = {_g(theta)}", theta
    if mode == "flow":
        return mult, f"eigenvalues ±{_g(abs(lam.real))}", None
    return mult, f"multipliers {_g(lam.real)} and 1/{_g(lam.real)}", None


def _finish(pt: Point, mode: str, derivs: _Derivatives | None, q) -> Point:
    """Fill in multiplicity, what crosses and, at a Hopf point, l₁ and the criticality."""
    mult, crossing, freq = _describe(mode, pt.kind, pt.eigenvalues)
    pt = pt._replace(multiplicity=max(mult, pt.multiplicity) if pt.kind == "flip" else mult,
                     crossing=crossing, frequency=freq)
    if pt.kind == "hopf" and derivs is not None:
        if mult > 1:       # a multiple pair: l₁ of one simple pair does not decide it
            return pt._replace(criticality="undetermined", first_lyapunov=math.nan)
        l1, crit = derivs.lyapunov(pt.param, q, pt.state)
        pt = pt._replace(criticality=crit, first_lyapunov=l1)
    return pt


def _one_per_event(points) -> list:
    """One point per event: at a fold or flip a pair at +1 (-1) also has ``μ_i μ_j = 1`` (flows:
    a double 0 has ``λ_i + λ_j = 0``), so a neutral saddle there is the same event; two points of
    one kind at one parameter are one."""
    close = lambda a, b: abs(a.param - b.param) <= 1e-9 * max(1.0, abs(b.param))
    keep = []
    for pt in sorted(points, key=lambda pt: (pt.kind == "neutral saddle", -pt.multiplicity)):
        if any(close(pt, k) and (k.kind == pt.kind or (pt.kind == "neutral saddle"
                                                        and k.kind in ("fold", "flip")))
               for k in keep):
            continue
        keep.append(pt)
    keep.sort(key=lambda pt: pt.param)
    return keep


def _locate(ev: _Evaluator, q, which, a, b, fa, za, tol, max_iter=200):
    """Bisection on test ``which`` between ``a`` (value ``fa``, rest point ``za``) and b."""
    for _ in range(max_iter):
        if abs(b - a) <= tol * max(1.0, abs(a)):
            break
        m = 0.5 * (a + b)
        zm, ok, _, tm, _ = ev(m, q, za)
        if not ok:
            break
        if np.sign(tm[which]) == np.sign(fa):
            a, fa, za = m, tm[which], zm
        else:
            b = m
    p = 0.5 * (a + b)
    z, _, eigs, _, _ = ev(p, q, za)
    return Point(_label(ev.mode, which, eigs), float(p), (float(min(a, b)), float(max(a, b))),
                 z, eigs)


def pair_flip_test(mults) -> float:
    """``Π_{i<j} (μ_i + μ_j + 2)``: changes sign where a real *pair* of multipliers passes
    through -1 together (a double multiplier, e.g. a Jordan block), where ``Π (μ_i + 1)`` only
    touches 0. It also vanishes where a complex pair has ``Re μ = -1`` (not a bifurcation):
    a located zero counts only when two multipliers sit at -1 there."""
    mults = np.asarray(mults)
    i, j = np.triu_indices(len(mults), k=1)
    return float(np.prod(mults[i] + mults[j] + 2).real)


def _at_minus_one(eigs) -> int:
    """How many multipliers sit at -1 (a defective double one is computed to ~sqrt(eps))."""
    eigs = np.asarray(eigs)
    return max(1, int(np.sum(np.abs(eigs + 1) <= 1e-6 * (1 + np.max(np.abs(eigs))))))


def _double_flips(ev, q, ps, zs, eigs_all, oks, tol):
    """Flips of multiplicity 2: sign changes of ``pair_flip_test`` bisected to ``tol``."""
    vals = np.array([pair_flip_test(e) for e in eigs_all])
    out = []
    for k in range(len(ps) - 1):
        if not (oks[k] and oks[k + 1]) or not vals[k] * vals[k + 1] < 0:
            continue
        a, b, fa, za = ps[k], ps[k + 1], vals[k], zs[k]
        for _ in range(200):
            if abs(b - a) <= tol * max(1.0, abs(a)):
                break
            m = 0.5 * (a + b)
            zm, ok, em, _, _ = ev(m, q, za)
            if not ok:
                break
            fm = pair_flip_test(em)
            if np.sign(fm) == np.sign(fa):
                a, fa, za = m, fm, zm
            else:
                b = m
        p = 0.5 * (a + b)
        z, _, eigs, _, _ = ev(p, q, za)
        near = _at_minus_one(eigs)
        if near >= 2:
            out.append(Point("flip", float(p), (float(min(a, b)), float(max(a, b))), z, eigs,
                             near))
    return out


def _run(ev: _Evaluator, q, p_from, p_to, num, z0, tol):
    ps = np.linspace(float(p_from), float(p_to), int(num))
    zs, eigs_all, tests_all, oks, smalls = [], [], [], [], []
    z = np.asarray(ravel_pytree(ev.like if z0 is None else as_state(z0))[0], np.float64)
    for p in ps:
        zn, ok, eigs, tests, small = ev(p, q, z)
        if ok:
            z = zn
        zs.append(zn)
        eigs_all.append(eigs)
        tests_all.append(tests)
        oks.append(ok)
        smalls.append(small)
    zs, eigs_all, tests_all = np.array(zs), np.array(eigs_all), np.array(tests_all)
    oks = np.array(oks)
    zero = np.array(smalls) <= 1e-12
    points = []
    for which in range(3):
        for k in range(len(ps)):
            if not oks[k]:
                continue
            if zero[k, which]:
                # a zero at a grid node counts when its neighbours are not zero (a test that
                # vanishes identically, e.g. det = 1 of a volume-preserving map, locates nothing)
                nbrs = [zero[i, which] for i in (k - 1, k + 1) if 0 <= i < len(ps) and oks[i]]
                if nbrs and not any(nbrs):
                    points.append(Point(_label(ev.mode, which, eigs_all[k]), float(ps[k]),
                                        (float(ps[k]), float(ps[k])), zs[k], eigs_all[k]))
                continue
            if k + 1 < len(ps) and oks[k + 1] and not zero[k + 1, which]:
                fa, fb = tests_all[k, which], tests_all[k + 1, which]
                if fa * fb < 0:
                    points.append(_locate(ev, q, which, ps[k], ps[k + 1], fa, zs[k], tol))
    if ev.mode == "map":
        doubles = _double_flips(ev, q, ps, zs, eigs_all, oks, tol)
        # at μ_1 = μ_2 = -1 the Neimark-Sacker function (μ_1 μ_2 = 1) vanishes too: one point
        near = lambda pt: any(abs(pt.param - d.param) <= 1e-9 * max(1.0, abs(d.param))
                              for d in doubles)
        points = [pt for pt in points
                  if not (pt.kind in ("neutral saddle", "flip") and near(pt))] + doubles
    points = [_finish(pt, ev.mode, ev.derivs, q) for pt in points]
    return Branch(ps, zs, eigs_all, tests_all, oks, tuple(_one_per_event(points)), ev.mode)


def _starting_state(make_game, p, state):
    if state is not None:
        return as_state(state)
    game = make_game(p)
    if game.equilibrium is None:
        raise ValueError(f"game {game.name!r} has no known equilibrium: pass state= to start "
                         "the continuation")
    return game.equilibrium


def _as_family(make_game) -> Callable:
    if isinstance(make_game, Game):
        game = make_game
        return lambda p: game
    return make_game


def continue_equilibrium(make_game: Callable[[Any], Game] | Game, p_from, p_to, *,
                         num: int = 61, state=None,
                         make_updater: Callable[[Any], Any] | None = None,
                         tol: float = 1e-12) -> Branch:
    """Follow a rest point from ``p_from`` to ``p_to`` and locate the bifurcations on the way.

    Args:
      make_game: ``p -> Game`` (p traced), or a fixed ``Game`` when only the updater varies.
      p_from, p_to: the parameter range (either order); ``num`` grid points.
      state: the rest point at ``p_from`` to start from (default: the game's equilibrium).
      make_updater: ``p -> Updater`` for the update map's bifurcations (e.g.
        ``lambda h: simultaneous(h)`` with the learning rate as the parameter, or
        ``lambda g: simultaneous(0.5)`` with a game parameter g varying at a fixed rate);
        ``None`` analyses the flow.
      tol: relative width of the final bisection bracket.

    Returns:
      A ``Branch`` with the located ``points`` in increasing ``param`` order.
    """
    family = _as_family(make_game)
    z0 = _starting_state(family, p_from, state)
    z0 = jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.result_type(float)), z0)
    upd = None if make_updater is None else (lambda p, q: make_updater(p))
    ev = _Evaluator(lambda p, q: family(p), upd, z0)
    return _run(ev, 0.0, p_from, p_to, num, None, tol)


def boundary(make_game: Callable[[Any, Any], Game], kinds, p_from, p_to, qs, *,
             num: int = 61, state=None,
             make_updater: Callable[[Any, Any], Any] | None = None,
             tol: float = 1e-12) -> dict:
    """Two-parameter map of bifurcation boundaries: for each ``q`` in ``qs`` continue in p.

    ``make_game(p, q)`` (and ``make_updater(p, q)`` for maps) build the system; ``kinds`` is a
    kind name or a tuple of them (e.g. ``("flip", "neimark-sacker")``). Returns a dict
    ``kind -> np.ndarray (len(qs),)`` of the *first* located ``p`` of that kind for each q
    (NaN where none lies in ``[p_from, p_to]``). One compiled program serves every q.
    """
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    z0 = _starting_state(lambda p: make_game(p, qs[0]), p_from, state)
    z0 = jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.result_type(float)), z0)
    ev = _Evaluator(make_game, make_updater, z0)
    out = {k: np.full(len(qs), np.nan) for k in kinds}
    for i, q in enumerate(qs):
        br = _run(ev, float(q), p_from, p_to, num, None, tol)
        for k in kinds:
            hits = [pt.param for pt in br.points if pt.kind == k]
            if hits:
                out[k][i] = hits[0]
    return out


# -- pseudo-arclength continuation (Keller 1977) ------------------------------------------------
class _ArcEvaluator:
    """Compiled ``tangent(X, t_prev)`` and ``correct(X_k, t_k, ds)`` for ``X = (z, p)``."""

    def __init__(self, make_game: Callable, make_updater: Callable | None, like):
        self.mode = "flow" if make_updater is None else "map"
        self.like = as_state(like)
        self.derivs = (_Derivatives(lambda p, q: make_game(p), like) if make_updater is None
                       else None)
        _, unravel = ravel_pytree(self.like)

        def G(X):
            z, p = X[:-1], X[-1]
            v, _ = ravel_pytree(make_game(p).field(unravel(z)))
            return v

        def tangent(X, t_prev):
            # bordered system [[v_z v_p]; t_prevᵀ] τ = (0, 1): τ ⟂ the branch's normal space
            A = jnp.concatenate([jax.jacfwd(G)(X), t_prev[None, :]], axis=0)
            rhs = jnp.zeros_like(X).at[-1].set(1.0)
            tau = lx.linear_solve(lx.MatrixLinearOperator(A), rhs, lx.LU(), throw=False).value
            return tau / jnp.linalg.norm(tau)

        def spectrum(X):
            z, p = X[:-1], X[-1]
            game = make_game(p)
            if make_updater is None:
                mat = jacobian(game, unravel(z))
            else:
                mat = update_jacobian(game, make_updater(p), unravel(z))
            return eigenvalues(mat), mat

        def correct(Xk, tk, ds):
            def fn(X, args):
                return jnp.concatenate([G(X), jnp.atleast_1d(tk @ (X - Xk) - ds)])

            sol = optx.root_find(fn, optx.Newton(rtol=1e-13, atol=1e-13), Xk + ds * tk,
                                 max_steps=30, throw=False)
            X = sol.value
            res = jnp.max(jnp.abs(fn(X, None)))
            ok = ((sol.result == optx.RESULTS.successful) | (res <= 1e-12)) & (res <= 1e-9)
            # the corrector must stay near the predicted point (no jump to another branch)
            far = jnp.linalg.norm(X - Xk - ds * tk) > 0.5 * jnp.abs(ds) + 1e-12
            ok = ok & jnp.all(jnp.isfinite(X)) & ~far
            eigs, mat = spectrum(X)
            t = tangent(X, tk)
            return X, t, ok & jnp.all(jnp.isfinite(eigs)) & jnp.all(jnp.isfinite(mat)), eigs, mat

        self.tangent = jax.jit(tangent)
        self._spectrum = jax.jit(spectrum)
        self._correct = jax.jit(correct)

    def spectrum(self, X):
        """``(eigs, tests, smallest)`` at X."""
        eigs, mat = (np.asarray(a) for a in self._spectrum(X))
        return (eigs, *_tests(eigs, self.mode, mat))

    def correct(self, Xk, tk, ds):
        """``(X, t, ok, eigs, tests)``; ``self.small`` keeps the last ``smallest`` factors."""
        f = lambda a: jnp.asarray(np.asarray(a, np.float64))    # one signature: one trace
        X, t, ok, eigs, mat = self._correct(f(Xk), f(tk), f(ds))
        eigs = np.asarray(eigs)
        tests, self.small = _tests(eigs, self.mode, np.asarray(mat)) if ok else (
            np.full(3, np.nan), np.full(3, np.nan))
        return (np.asarray(X), np.asarray(t), bool(ok) and bool(np.all(np.isfinite(tests))),
                eigs, tests)


def _arc_locate(ev, which, fn, Xk, tk, a, b, fa, tol, max_iter=200):
    """Bisection in the arclength σ ∈ (a, b) from ``X_k`` on ``fn(eigs, tests)``."""
    for _ in range(max_iter):
        if abs(b - a) <= tol:
            break
        m = 0.5 * (a + b)
        _, _, ok, em, tm = ev.correct(Xk, tk, m)
        if not ok:
            break
        fm = fn(em, tm)
        if np.sign(fm) == np.sign(fa):
            a, fa = m, fm
        else:
            b = m
    X, _, _, eigs, _ = ev.correct(Xk, tk, 0.5 * (a + b))
    pa, _, _, _, _ = ev.correct(Xk, tk, a)
    pb, _, _, _, _ = ev.correct(Xk, tk, b)
    return X, eigs, (float(min(pa[-1], pb[-1])), float(max(pa[-1], pb[-1])))


def continue_arclength(make_game: Callable[[Any], Game] | Game, p_from, p_to, *,
                       ds: float = 0.05, ds_min: float = 1e-6, ds_max: float | None = None,
                       max_steps: int = 400, state=None,
                       make_updater: Callable[[Any], Any] | None = None,
                       tol: float = 1e-12, p_bounds: tuple | None = None) -> Branch:
    """Follow a rest point by pseudo-arclength continuation, round folds of the branch.

    Keller's method (Keller 1977; Kuznetsov 2004, §10.2.1; Seydel 2010, §4.4): the branch is
    the curve ``X(s) = (z(s), p(s))`` with ``v(z, p) = 0``; each step predicts ``X_k + Δs t_k``
    along the unit tangent ``t_k`` (``[v_z v_p] t = 0``, orientation kept by ``t_{k-1}·t_k > 0``)
    and corrects on the hyperplane ``t_k·(X - X_k) = Δs``; Δs halves when the corrector fails
    and grows back (×1.5, up to ``ds_max``) after a success.

    Args:
      make_game, state, make_updater, tol: as ``continue_equilibrium`` (``tol`` is the final
        bracket in arclength s).
      p_from: the start; the first step heads towards ``p_to``.
      ds: the first (and largest by default) arclength step; ``ds_min`` gives up below it.
      max_steps: at most this many accepted steps.
      p_bounds: stop when p leaves ``[lo, hi]`` (default ``[min, max](p_from, p_to)``): a branch
        that turns round at a fold comes back and ends when it leaves the range again.

    Returns:
      A ``Branch`` with ``method = "arclength"``, ``arclength`` and ``tangents``; ``params`` is
      not monotone past a fold. Points as ``continue_equilibrium``; a fold of the branch
      (limit point: ``dp/ds`` changes sign with ``det v'``) is a ``"fold"`` point.
    """
    family = _as_family(make_game)
    z0 = _starting_state(family, p_from, state)
    z0 = jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.result_type(float)), z0)
    upd = None if make_updater is None else make_updater
    ev = _ArcEvaluator(family, upd, z0)
    lo, hi = p_bounds if p_bounds is not None else sorted((float(p_from), float(p_to)))
    ds_max = float(ds) if ds_max is None else float(ds_max)
    direction = 1.0 if p_to >= p_from else -1.0

    # the first point by Newton at fixed p (natural step), then the tangent towards p_to
    X = np.concatenate([np.asarray(ravel_pytree(z0)[0], float), [float(p_from)]])
    t0 = np.zeros_like(X)
    t0[-1] = direction
    X, _, ok0, _, _ = ev.correct(X, t0, 0.0)             # Newton at fixed p = p_from
    t = np.asarray(ev.tangent(jnp.asarray(X), jnp.asarray(t0)))
    if t[-1] * direction < 0:
        t = -t
    eigs, tests, small = ev.spectrum(jnp.asarray(X))
    Xs, ts, es, tss, oks, ss = [X], [t], [eigs], [tests], [bool(ok0)], [0.0]
    smalls = [small]
    h, s = float(ds), 0.0
    for _ in range(int(max_steps)):
        Xn, tn, ok, en, tsn = ev.correct(X, t, h)
        if not ok:
            h *= 0.5
            if h < ds_min:
                break
            continue
        if tn @ t < 0:
            tn = -tn
        s += h
        Xs.append(Xn), ts.append(tn), es.append(en), tss.append(tsn), oks.append(True)
        smalls.append(ev.small)
        ss.append(s)
        X, t = Xn, tn
        h = min(ds_max, 1.5 * h)
        if not lo <= X[-1] <= hi:
            break
    Xs, ts = np.array(Xs), np.array(ts)
    es, tss, oks, ss = np.array(es), np.array(tss), np.array(oks), np.array(ss)
    zero = np.array(smalls) <= 1e-12
    points = []
    # a zero at a step's end point whose neighbours are not zero (as in natural continuation)
    for k in range(len(Xs)):
        for w in range(3):
            nbrs = [zero[i, w] for i in (k - 1, k + 1) if 0 <= i < len(Xs)]
            if zero[k, w] and nbrs and not any(nbrs):
                points.append(Point(_label(ev.mode, w, es[k]), float(Xs[k, -1]),
                                    (float(Xs[k, -1]), float(Xs[k, -1])), Xs[k, :-1], es[k]))
    for k in range(len(Xs) - 1):
        Xk, tk, step = Xs[k], ts[k], ss[k + 1] - ss[k]
        cands = [(w, lambda e, tt, w=w: tt[w], tss[k, w], tss[k + 1, w]) for w in range(3)
                 if not (zero[k, w] or zero[k + 1, w])]
        if ev.mode == "map":
            cands.append((-1, lambda e, tt: pair_flip_test(e), pair_flip_test(es[k]),
                          pair_flip_test(es[k + 1])))
        for which, fn, fa, fb in cands:
            if not fa * fb < 0:
                continue
            Xp, eigs, br = _arc_locate(ev, which, fn, Xk, tk, 0.0, step, fa, tol)
            if which == -1:
                mult = _at_minus_one(eigs)
                if mult < 2:
                    continue
                points.append(Point("flip", float(Xp[-1]), br, Xp[:-1], eigs, mult))
                continue
            kind = _label(ev.mode, which, eigs)
            mult = _at_minus_one(eigs) if kind == "flip" else 1
            points.append(Point(kind, float(Xp[-1]), br, Xp[:-1], eigs, mult))
    # one point where a double multiplier at -1 also zeroes the flip / Neimark-Sacker tests
    points = [_finish(pt, ev.mode, ev.derivs, 0.0) for pt in points]
    keep = _one_per_event(points)
    return Branch(Xs[:, -1], Xs[:, :-1], es, tss, oks, tuple(keep), ev.mode, "arclength", ss, ts)
