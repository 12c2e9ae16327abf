"""The Dirac-GAN of Mescheder, Geiger & Nowozin (2018) with its losses and regulariser zoo.

Reference: L. Mescheder, A. Geiger, S. Nowozin, "Which Training Methods for GANs do actually
Converge?", ICML 2018 (arXiv:1801.04406), Sections 2-3 and Appendix.

The game
--------
Data ``δ_c``, generator ``δ_θ``, linear discriminator ``D_ψ(x) = ψ·x`` with ``θ, ψ, c ∈ R^n``
(``n = 1, c = 0`` is the paper's). With ``t_f = ψ·θ`` (score of the fake sample) and
``t_r = ψ·c`` (score of the data point) the paper's loss (its eq. 1, sign convention: the
discriminator *ascends* L and scores fakes high) reads

    L(θ, ψ) = f(ψ·θ) + f(-ψ·c)          (= f(ψθ) + f(0) for c = 0)

and the equilibrium is ``θ = c, ψ = 0``. Each loss is given by three scalar functions
``J = d_fake(t_f) + d_real(t_r)`` (discriminator ascends J) and ``I = g_fake(t_f)``
(generator ascends I):

=========  =====================================  ================  ==========================
loss       d_fake(t), d_real(t)                   g_fake(t)         f'(0), f''(0)
=========  =====================================  ================  ==========================
gan        f(t), f(-t);  f(t) = -log(1 + e^-t)    -f(t)  (I = -L)   1/2, -1/4  (Goodfellow 2014)
nsgan      f(t), f(-t)   (same f)                 f(-t)             1/2, -1/4  (non-saturating)
wgan       t, -t         (f(t) = t)               -t     (I = -L)   1, 0       (Arjovsky 2017)
lsgan      -(t-1)²/2, -(t+1)²/2                   -(t+1)²/2         1, -1      (Mao 2017)
hinge      min(0, t-1), min(0, -t-1)              -t                1, 0       (Lim & Ye 2017)
=========  =====================================  ================  ==========================

LSGAN uses targets +1 for fakes and -1 for data (the paper's sign convention; Mao et al.'s
"b = c" coding: the generator aims the fake score at the data target), i.e. the disc objective is
the paper's L with f(t) = -(t-1)²/2. Hinge is the spectral-norm GAN loss (Miyato 2018) with the
score sign flipped likewise. The non-saturating generator ascends ``E[f(-D(G(z)))]``, i.e.
``log D_std(G(z))`` in the usual convention; at ψ = 0 its field has the same Jacobian as the
saturating one.

Unregularised at (c, 0) with c = 0 the Jacobian is ``[[0, -f'(0)], [f'(0), 0]]`` per
coordinate: eigenvalues ``± f'(0) i`` for all five losses (a centre). For c ≠ 0 the bias-free
linear discriminator is not translation-equivariant: the ψψ block is ``2 f''(0) c cᵀ``, so the
direction of c gets ``f''(0)|c|² ± sqrt(f''(0)²|c|⁴ - f'(0)²)`` (the instance-noise formula with
σ² = |c|²) and the n-1 orthogonal directions stay at ``± f'(0) i``.

The Dirac-GAN of a loss triple
------------------------------
Any loss written as a triple ``(f1, f2, f3)`` of scalar functions of the critic's score
``D = ψ·x`` (``dirac_triple``): the critic ascends ``J = f1(ψ·c) + f2(ψ·θ)``, the generator
ascends ``I = f3(ψ·θ)``, so ``(d_real, d_fake, g_fake) = (f1, f2, f3)`` above; e.g.
``LOSS_TRIPLES["gan"] = ("-softplus(D)", "-softplus(-D)", "softplus(-D)")`` (f1 = log σ(-D)),
and each named loss's triple gives the same field to rounding. This is the pointwise game's
triple (``gandyn.games.pointwise``: the critic ascends p_d f1(D) + p_g f2(D)) with data and
generator each a single point, but here D is a score on the whole real line (a logit), not a
probability: a triple must be finite, with its first two derivatives, at D = 0, where ψ = 0
puts every score (GAN's ``log D`` becomes ``log σ(D) = -softplus(-D)``). Near ψ = 0

    v_θ = f3'(ψ·θ) ψ,   v_ψ = f1'(ψ·c) c + f2'(ψ·θ) θ,

so the rest point is ``ψ = 0, θ* = -f1'(0)/f2'(0) c`` (``θ* = c`` iff f1'(0) = -f2'(0): the
critic cannot tell the data from a fake on it; for c = 0 also the paper's (0, 0)). There, in
one dimension, ``J = [[0, f3'(0)], [f2'(0), f1''(0) c² + f2''(0) θ*²]]``: the pointwise
game's ``[[0, f3'], [f2', p_d (f1'' + f2'')]]`` at D0 = 0 with p_d -> c² when θ* = c (at
c = 0 a centre when ``f2'(0) f3'(0) < 0``, a saddle when > 0). The named losses are written
the paper's way round (the critic scores fakes high). Written the usual way (data high: GAN's
f1 = log σ(D)), i.e. ``f_i(-D)``, a triple gives the mirror image ψ → -ψ of the same game: the
same θ-dynamics and eigenvalues (tested), regularisers included (each is even in ψ; LeCam's
anchors flip with it). docs/dirac.md has the derivation.

Regularisers (objects from ``gandyn.games.dirac_regs``; any set composes with any loss)
------------------------------------------------------------------------------------------
Noise    instance noise (Sønderby et al. 2016): data and fakes convolved with
         N(0, σ² I). The *expected* field is exact: by Stein's lemma
         ``E[h'(t + ψ·ε) ε] = σ² ψ E[h''(t + ψ·ε)]`` and ``ψ·ε ~ N(0, σ²|ψ|²)``, so
             v_θ = E[g'(t_f + τz)] ψ,
             v_ψ = E[d_f'(t_f + τz)] θ + E[d_r'(t_r + τz)] c
                   + σ² ψ (E[d_f''(t_f + τz)] + E[d_r''(t_r + τz)]),   τ = σ|ψ|,
         with the one-dimensional expectations by 40-node Gauss–Hermite quadrature (exact for
         the polynomial losses and at ψ = 0; for the hinge the kink at |t| = 1 is resolved
         only to quadrature accuracy, irrelevant near the equilibrium). Jacobian at (0, 0):
         ``f''(0)σ² ± sqrt(f''(0)²σ⁴ - f'(0)²)`` (paper, Sec. 3, "instance noise").
R1, R2   zero-centred gradient penalties (paper, Sec. 3 and Sec. 4): the disc ascends
         ``J - γ/2 ‖∇_x D_ψ(x)‖²`` at x = c (R1, data) or x = θ (R2, fakes). For linear D the
         penalty is γ/2 ‖ψ‖²: eigenvalues ``-γ/2 ± sqrt(γ²/4 - f'(0)²)`` (the paper's convergence theorems for R1 and R2).
WGANGP   Gulrajani et al. 2017: ``-λ E_u[(‖∇_x D(x̂_u)‖ - g0)²]``, x̂_u = c + u(θ - c). For
         linear D the gradient is ψ at every interpolate, so the penalty is λ(‖ψ‖ - g0)²
         exactly. For g0 > 0 the field contains ``2λ g0 ψ/‖ψ‖``, discontinuous at ψ = 0, the
         only place where v_θ = g'(ψ·θ)ψ can vanish (losses with g' ≠ 0 near 0): no rest point
         where the field is differentiable. Its Jacobian there is NaN *by construction* (a
         custom JVP), never a silently wrong finite number. What the analysis finds instead
         (``gandyn.analysis.dirac.analyse``): in the set-valued (Filippov) sense the penalty's gradient at ψ = 0 is the
         ball 2λ g0 B, and v_ψ(θ, 0) = f'(0)(θ - c) + 2λ g0 B contains 0 iff
         ``‖θ - c‖ <= r = 2λ g0 / f'(0)``: a whole *set* of rest points {ψ = 0, ‖θ - c‖ <= r},
         so (c, 0) is not isolated. Inside the set the discriminator field points away from
         ψ = 0 on both sides (the penalty pushes ‖ψ‖ towards g0), so these rest points repel:
         in one dimension a trajectory started 1e-3 from (c, 0) is thrown onto |ψ| ≈ g0 while θ
         drifts. With a strong enough penalty (WGAN, g0 = 1: λ >= f'(0) = 1) it comes to rest at
         the far end θ = c ∓ r of the set; with a weaker one it keeps circling (WGAN λ = 0.37:
         |ψ| still ≈ 1.3 at t = 400) (both tested). DRAGAN with k > 0 adds 2λ_d k to 2λ g0; the
         Nagarajan–Kolter term -2ηf'(0)²(θ - c) in v_θ shrinks the set to (c, 0) alone.
Clip     weight clipping ψ ← clip(ψ, -C, C) (Arjovsky et al. 2017), declared as the game's
         ``projection`` so updaters apply it after each step. It is inactive in a
         neighbourhood of (c, 0), so the local spectrum is the loss's own (WGAN: a centre).
NK       Nagarajan & Kolter 2017: the generator ascends ``I - η‖∇_ψ J‖²`` (J the discriminator's
         loss objective, noise included, regularisers not). Eigenvalues
         ``-η f'(0)² ± sqrt(η² f'(0)⁴ - f'(0)²)``.
DRAGAN   Kodali et al. 2017: ``-λ_d E_{x~p_D, δ}[(‖∇_x D(x + δ)‖ - k)²]``. For linear D the
         gradient does not depend on the point, so the perturbation scale drops out and the
         penalty is λ_d(‖ψ‖ - k)² exactly: k = 0 gives ``-λ_d ± sqrt(λ_d² - f'(0)²)``; k > 0
         (the original k = 1) is non-smooth at ψ = 0 like WGAN-GP.
LeCam    Tseng et al. 2021 (CVPR), "Regularizing GANs under limited data": the disc ascends
         ``J - λ_lc[(D(x) - α_F)² + (D(G(z)) - α_R)²]`` with α_R, α_F moving averages of
         D(real), D(fake). The anchors are part of the discriminator's state,
         ``disc = (ψ, α)`` with ``α = [α_R, α_F]``, and their dynamics are part of the field:
         ``dα_R/dt = ρ(t_r - α_R)``, ``dα_F/dt = ρ(t_f - α_F)`` — the continuous-time limit of
         the EMA ``α ← β α + (1 - β) D``; a step of size h on the discriminator's state is that
         EMA with β = 1 - hρ. So ``jacobian`` sees the anchors (2n + 2 coordinates). With
         c = 0 the regulariser's curvature vanishes at the equilibrium: spectrum
         ``{± f'(0) i} ∪ {-ρ, -ρ}`` (no help; a marginal centre).

API: ``dirac(loss, regs, *, dim, c)`` returns a ``Game``, e.g. ``dirac("gan", (Noise(0.5),
R1(0.3)))``; ``dirac_triple(f1, f2, f3, regs, *, dim, c)`` the game of a loss triple, e.g.
``dirac_triple("-D", "D", "-D", R1(1.0))`` (WGAN + R1). The loss name (or triple) and the
regularisers' classes are static; every number (c and the regularisers' fields) is a leaf of
``params``, so changing it does not recompile a jitted function of the game, and a game can be
built inside ``jit``/``vmap`` from traced numbers. The game carries its objectives ``(I, J)``
(regularisers included), so opponent shaping works on it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from gandyn.expr import Expr, parse
from gandyn.games.base import Game, State, from_fields
from gandyn.games.dirac_names import LOSS_TRIPLES, LOSSES, REGULARISERS
from gandyn.games import dirac_regs
from gandyn.games.dirac_regs import *  # noqa: F403  (the regularisers are this module's API too)
from gandyn.games.dirac_regs import Point, Regulariser, safe_norm
from gandyn.util import log_sigmoid

__all__ = [
    "LOSSES",
    "LOSS_TRIPLES",
    "REGULARISERS",
    "ZOO",
    "DiracParams",
    "Triple",
    "dirac",
    "dirac_triple",
    "loss_constants",
    "split_disc",
    *dirac_regs.__all__,
]


# -- the scalar pieces of each loss ------------------------------------------------------------
_f_gan = log_sigmoid  # f(t) = log σ(t), f'(t) = σ(-t) by a custom JVP


def _ls_fake(t):
    return -0.5 * (t - 1.0) ** 2


def _ls_real(t):
    return -0.5 * (t + 1.0) ** 2


# loss -> (d_fake, d_real, g_fake), all ascended.
_PIECES = {
    "gan": (_f_gan, lambda t: _f_gan(-t), lambda t: -_f_gan(t)),
    "nsgan": (_f_gan, lambda t: _f_gan(-t), lambda t: _f_gan(-t)),
    "wgan": (lambda t: t, lambda t: -t, lambda t: -t),
    "lsgan": (_ls_fake, _ls_real, _ls_real),
    "hinge": (lambda t: jnp.minimum(0.0, t - 1.0), lambda t: jnp.minimum(0.0, -t - 1.0),
              lambda t: -t),
}


@dataclasses.dataclass(frozen=True)
class Triple:
    """A loss given as three scalar functions of the critic's score ``D = ψ·x`` (module
    docstring, "The Dirac-GAN of a loss triple"): the critic ascends ``f1(ψ·c) + f2(ψ·θ)``,
    the generator ascends ``f3(ψ·θ)``. Hashable (``gandyn.expr`` parses, module-level
    functions), so it is a static part of the game and a jitted function of the game compiles
    once per triple."""

    f1: Callable
    f2: Callable
    f3: Callable

    def __str__(self):
        return "(" + ", ".join(_fname(f) for f in (self.f1, self.f2, self.f3)) + ")"


def _fname(f) -> str:
    return str(f) if isinstance(f, Expr) else getattr(f, "__name__", repr(f))


def _check_loss(loss):
    if isinstance(loss, Triple):
        return
    if loss not in LOSSES:
        raise ValueError(f"unknown Dirac-GAN loss {loss!r}; valid losses: {', '.join(LOSSES)} "
                         "(or a loss triple: dirac_triple(f1, f2, f3))")


def _pieces(loss):
    """``(d_fake, d_real, g_fake)`` of a loss name or a ``Triple`` (``(f2, f1, f3)``)."""
    if isinstance(loss, Triple):
        return loss.f2, loss.f1, loss.f3
    return _PIECES[loss]


@functools.lru_cache(maxsize=256)
def _at_zero(loss):
    """``((h(0), h'(0), h''(0)) for h in (d_fake, d_real, g_fake))`` as Python floats, computed
    eagerly even when called while a jitted function traces (the game's rest point and
    checks depend on them, not on traced numbers)."""
    with jax.ensure_compile_time_eval():
        zero = jnp.zeros((), jnp.float64)
        return tuple(tuple(float(g(zero)) for g in (h, jax.grad(h), jax.grad(jax.grad(h))))
                     for h in _pieces(loss))


def loss_constants(loss):
    """``(f'(0), f''(0))`` of the paper's ``f`` for ``loss``, by autodiff of ``d_fake`` at 0
    (for a ``Triple``: of its ``f2``, the critic's reward on fakes)."""
    _check_loss(loss)
    return _at_zero(loss)[0][1:]


def _d1(h):
    return jnp.vectorize(jax.grad(h))


def _d2(h):
    return jnp.vectorize(jax.grad(jax.grad(h)))


# Gauss–Hermite: E[h(t + τ z)], z ~ N(0, 1)  =  Σ_i w_i h(t + √2 τ x_i) / √π.
_GH_X, _GH_W = np.polynomial.hermite.hermgauss(40)


def _gauss(h, t, tau):
    x = jnp.asarray(_GH_X, dtype=jnp.result_type(t, jnp.float32))
    w = jnp.asarray(_GH_W / math.sqrt(math.pi), dtype=x.dtype)
    return jnp.sum(w * h(t + math.sqrt(2.0) * tau * x))


def _score(psi, x):
    return jnp.dot(psi, x)


# -- parameters and state layout -----------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class DiracParams:
    """``c`` the data point (n,) and ``regs`` the regularisers (leaves); ``loss`` static: a name
    of ``LOSSES`` or a ``Triple``."""

    c: Any
    regs: tuple
    loss: Any = "gan"


jax.tree_util.register_dataclass(DiracParams, data_fields=["c", "regs"], meta_fields=["loss"])


def _stateful(regs):
    return tuple(i for i, r in enumerate(regs) if r.init_state(1) is not None)


def split_disc(disc, regs):
    """``(ψ, {index of a regulariser: its state})``: the discriminator's state is ψ alone, or
    ``(ψ, s_1, s_2, ...)`` with one entry per regulariser that keeps a state, in ``regs`` order."""
    idx = _stateful(regs)
    if not idx:
        return disc, {}
    return disc[0], dict(zip(idx, disc[1:]))


def _noise_var(regs):
    return sum((r.noise_var() for r in regs), 0.0)


def _noisy(regs):
    return any(type(r).noise_var is not Regulariser.noise_var for r in regs)


def _loss_disc_field(loss, noisy, theta, psi, c, var):
    """Ascent direction of the loss part of J w.r.t. ψ, instance noise included (Stein)."""
    d_fake, d_real, _ = _pieces(loss)
    t_f, t_r = _score(psi, theta), _score(psi, c)
    if not noisy:
        return _d1(d_fake)(t_f) * theta + _d1(d_real)(t_r) * c
    tau = jnp.sqrt(var) * safe_norm(psi)
    return (_gauss(_d1(d_fake), t_f, tau) * theta + _gauss(_d1(d_real), t_r, tau) * c
            + var * psi * (_gauss(_d2(d_fake), t_f, tau) + _gauss(_d2(d_real), t_r, tau)))


def _points(theta, d, p):
    """ψ, the noise variance and one ``Point`` per regulariser."""
    psi, states = split_disc(d, p.regs)
    noisy, var = _noisy(p.regs), _noise_var(p.regs)

    def loss_field(th, ps):
        return _loss_disc_field(p.loss, noisy, th, ps, p.c, var)

    return psi, noisy, var, [Point(theta, psi, p.c, states.get(i), loss_field)
                             for i in range(len(p.regs))]


def _add(v, extras):
    for e in extras:
        if e is not None:
            v = v + e
    return v


def _gen_field(theta, d, p):
    psi, noisy, var, xs = _points(theta, d, p)
    g_fake = _pieces(p.loss)[2]
    t_f = _score(psi, theta)
    if noisy:
        v = _gauss(_d1(g_fake), t_f, jnp.sqrt(var) * safe_norm(psi)) * psi
    else:
        v = _d1(g_fake)(t_f) * psi
    return _add(v, (r.v_gen(x) for r, x in zip(p.regs, xs)))


def _disc_field(theta, d, p):
    psi, noisy, var, xs = _points(theta, d, p)
    v = _add(xs[0].loss_field(theta, psi) if xs else _loss_disc_field(p.loss, noisy, theta, psi,
                                                                       p.c, var),
             (r.v_disc(x) for r, x in zip(p.regs, xs)))
    idx = _stateful(p.regs)
    if not idx:
        return v
    return (v, *(p.regs[i].v_state(xs[i]) for i in idx))


# -- objectives (for opponent shaping; their gradients are the fields above) ---------------------
def _expect(h, t, psi, var, noisy):
    return _gauss(h, t, jnp.sqrt(var) * safe_norm(psi)) if noisy else h(t)


def _gen_objective(theta, d, p):
    """I = E[g_fake(ψ·θ)] - Σ gen penalties."""
    psi, noisy, var, xs = _points(theta, d, p)
    i = _expect(_pieces(p.loss)[2], _score(psi, theta), psi, var, noisy)
    return i - _add(0.0, (r.gen_penalty(x) for r, x in zip(p.regs, xs)))


def _disc_objective(theta, d, p):
    """J = E[d_fake(ψ·θ)] + E[d_real(ψ·c)] - Σ disc penalties + Σ state objectives."""
    psi, noisy, var, xs = _points(theta, d, p)
    d_fake, d_real, _ = _pieces(p.loss)
    j = (_expect(d_fake, _score(psi, theta), psi, var, noisy)
         + _expect(d_real, _score(psi, p.c), psi, var, noisy))
    # a regulariser's state (LeCam's anchors) moves by its own field, not by the penalties
    held = [x._replace(state=jax.lax.stop_gradient(x.state)) for x in xs]
    j = j - _add(0.0, (r.disc_penalty(x) for r, x in zip(p.regs, held)))
    return j + _add(0.0, (r.state_objective(x) for r, x in zip(p.regs, xs)))


def _project(state, p):
    """Each regulariser's projection of ψ (weight clipping), in order."""
    g, d = state
    psi, states = split_disc(d, p.regs)
    for r in p.regs:
        psi = r.project(psi)
    if not states:
        return State(g, psi)
    return State(g, (psi, *states.values()))


# -- construction --------------------------------------------------------------------------------
def _normalise_regs(regs) -> tuple:
    if regs is None:
        return ()
    regs = (regs,) if isinstance(regs, (Regulariser, str)) else tuple(regs)
    for r in regs:
        if isinstance(r, str):
            raise ValueError(
                f"regularisers are objects, not names: got {r!r} (e.g. dirac('gan', (R1(1.0),)));"
                f" valid: {', '.join(REGULARISERS)} (classes in gandyn.games.dirac_regs)")
        if not isinstance(r, Regulariser):
            raise TypeError(f"not a Dirac-GAN regulariser: {r!r}")
        r.check()
    names = [type(r).name for r in regs]
    if len(set(names)) != len(names):
        raise ValueError(f"regulariser listed twice in {tuple(names)!r}")
    # canonical order: equal sets build equal games (same name, same compiled program)
    f64 = lambda x: jnp.asarray(x, dtype=jnp.float64)
    return tuple(jax.tree_util.tree_map(f64, r) for r in sorted(regs, key=lambda r: type(r).name))


def _known_zero(x) -> bool:
    try:
        return bool(np.all(np.asarray(x, dtype=np.float64) == 0.0))
    except (TypeError, jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError):
        return False  # traced: not known to be smooth


def _rest_theta(loss, c):
    """θ of the rest point on ψ = 0: where the critic's field ``f2'(0) θ + f1'(0) c`` vanishes,
    ``θ* = -f1'(0)/f2'(0) c`` (= c for every named loss, whose f1'(0) = -f2'(0))."""
    (_, f2p, _), (_, f1p, _), _ = _at_zero(loss)
    if f2p != 0.0:
        return (-f1p / f2p) * c
    if f1p == 0.0 or _known_zero(c):
        return c  # the critic's field is 0 at every θ on ψ = 0: c represents them
    raise ValueError(f"loss triple {loss}: f2'(0) = 0 and f1'(0) = {f1p:.6g} != 0, so the "
                     "critic's field f1'(0) c + f2'(0) theta at psi = 0 never vanishes for "
                     "c != 0: no rest point on psi = 0 (use c = 0, or a triple with f2'(0) != 0)")


def dirac(loss="gan", regs=(), *, dim: int = 1, c=0.0, name: str | None = None) -> Game:
    """The n-dimensional Dirac-GAN with loss ``loss`` and regularisers ``regs``.

    Args:
      loss: one of ``LOSSES`` (see the module docstring for each objective), or a ``Triple``
        (``dirac_triple`` builds one from three functions or expressions).
      regs: a ``Regulariser`` or a sequence of them (``R1(gamma)``, ``Noise(sigma)``, ...),
        at most one of each class, in any order.
      dim: n, the dimension of θ, ψ and c.
      c: the data point (scalar broadcast or shape (n,)); default 0 (the paper's).
      name: label (default ``loss+reg+...``).

    Returns:
      A ``Game`` with ``equilibrium = State(c, 0)`` (``State(c, (0, [0, 0]))`` with LeCam's
      anchors; a triple's ``θ*`` in place of c, see ``dirac_triple``), the regularisers'
      projection when one projects, ``smooth=False`` when a penalty has a kink at ψ = 0 (or
      its size is traced), and ``objectives = (I, J)``.

    Example:
      >>> from gandyn.analysis import jacobian, eigenvalues
      >>> eigenvalues(jacobian(dirac("gan", R1(2.0))))  # -1 ± sqrt(3)/2
    """
    _check_loss(loss)
    regs = _normalise_regs(regs)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool) or dim < 1:
        raise ValueError(f"dim must be a positive integer, got {dim!r}")
    dim = int(dim)
    c = jnp.asarray(0.0 if c is None else c, dtype=jnp.float64)
    if c.ndim == 0:
        c = jnp.full((dim,), c)
    if c.shape != (dim,):
        raise ValueError(f"c must be a scalar or have shape ({dim},), got shape {c.shape}")
    theta0 = _rest_theta(loss, c) if isinstance(loss, Triple) else c
    psi0 = jnp.zeros((dim,), jnp.float64)
    states = tuple(r.init_state(dim) for r in regs if r.init_state(dim) is not None)
    disc0 = (psi0, *states) if states else psi0
    return from_fields(
        name or "+".join((str(loss),) + tuple(type(r).name for r in regs)),
        _gen_field, _disc_field, DiracParams(c, regs, loss),
        equilibrium=State(theta0, disc0),
        projection=_project if any(r.projects for r in regs) else None,
        smooth=all(_known_zero(r.kink()) for r in regs),
        objectives=(_gen_objective, _disc_objective),
    )


def _as_function(f, which):
    if isinstance(f, str):
        return parse(f)  # ExprError (a ValueError) names the piece
    if not callable(f):
        raise TypeError(f"{which} must be a function of D or an expression string, got {f!r}")
    return f


def dirac_triple(f1, f2, f3, regs=(), *, dim: int = 1, c=0.0, name: str | None = None) -> Game:
    """The Dirac-GAN of a loss triple: the critic ascends ``f1(ψ·c) + f2(ψ·θ)``, the generator
    ascends ``f3(ψ·θ)`` (module docstring, "The Dirac-GAN of a loss triple").

    Args:
      f1, f2, f3: scalar functions of the score ``D = ψ·x`` (a logit on the whole real line,
        not a probability), elementwise on arrays (instance noise evaluates them at quadrature
        nodes) and hashable: expression strings in ``x`` or ``D`` (``"-softplus(-D)"``,
        parsed by ``gandyn.expr.parse``), parsed ``Expr``, module-level functions.
      regs, dim, c, name: as for ``dirac``; every regulariser composes with a triple.

    Returns:
      The ``Game``; ``dirac_triple(*LOSS_TRIPLES[name])`` is ``dirac(name)`` to rounding.
      Its rest point is ``θ* = -f1'(0)/f2'(0) c, ψ = 0`` (c when ``f1'(0) = -f2'(0)``, as
      for every named loss).

    Raises:
      ValueError: an expression that does not parse, a function or one of its first two
        derivatives not finite at D = 0 (where ψ = 0 puts every score), or no rest point on
        ψ = 0 (``f2'(0) = 0 != f1'(0)`` with c != 0).
    """
    tr = Triple(*(_as_function(f, k) for f, k in zip((f1, f2, f3), ("f1", "f2", "f3"))))
    try:
        values = _at_zero(tr)
    except TypeError as e:  # not a scalar function of one number
        raise ValueError(f"loss triple {tr}: {e}") from None
    for k, f, vals in (("f1", tr.f1, values[1]), ("f2", tr.f2, values[0]),
                       ("f3", tr.f3, values[2])):
        bad = [w for w, v in zip((k, k + "'", k + "''"), vals) if not math.isfinite(v)]
        if bad:
            raise ValueError(
                f"{k} = {_fname(f)}: {', '.join(bad)} not finite at D = 0; the "
                "Dirac-GAN's critic value is the score D = psi.x (0 at psi = 0), a logit on the "
                "whole real line, not a probability: e.g. GAN's log D becomes log sigmoid(D) "
                "= -softplus(-D)")
    return dirac(tr, regs, dim=dim, c=c, name=name)


# -- the registry ---------------------------------------------------------------------------
def _entry(name, loss, *regs, **kw):
    def factory():
        return dirac(loss, regs, name=name, **kw)

    factory.__name__ = f"dirac_{name.replace('+', '_').replace('-', '_')}"
    factory.__doc__ = f"Dirac-GAN {name}: dirac({loss!r}, {regs!r}, **{kw!r})"
    return name, factory


ZOO = (
    _entry("gan", "gan"),
    _entry("nsgan", "nsgan"),
    _entry("wgan", "wgan"),
    _entry("lsgan", "lsgan"),
    _entry("hinge", "hinge"),
    _entry("gan(c=1)", "gan", c=1.0),
    _entry("gan+noise(sigma=0.7)", "gan", Noise(0.7)),
    _entry("gan+r1(gamma=1)", "gan", R1(1.0)),
    _entry("gan+r1(gamma=2)", "gan", R1(2.0)),
    _entry("gan+r2(gamma=0.5)", "gan", R2(0.5)),
    _entry("nsgan+r1(gamma=1)", "nsgan", R1(1.0)),
    _entry("gan+nk(eta=1)", "gan", NK(1.0)),
    _entry("gan+dragan(k=0)", "gan", DRAGAN(1.0, 0.0)),
    _entry("gan+lecam", "gan", LeCam(1.0, 1.0)),
    _entry("wgan-gp", "wgan", WGANGP(1.0, 1.0)),
    _entry("wgan+clip(0.1)", "wgan", Clip(0.1)),
)
