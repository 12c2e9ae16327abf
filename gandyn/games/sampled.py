"""Sampled GANs: parametric players on fixed sample banks, a deterministic two-player game.

A generator ``G_θ`` and a discriminator ``D_ψ`` are given as ``(apply_fn, params)`` pairs with
``apply_fn(params, xs)`` mapping a batch to a batch (``D``: scores of shape ``(B,)`` or
``(B, 1)``; ``G``: points shaped like the data). The data points ``x_i`` (i < N) and the
latents ``z_j`` (j < M) are *fixed banks*, leaves of the game's params: the field is a
deterministic function of the state ``State(gen=θ, disc=ψ)`` (the two players' parameter
pytrees), so ``jacobian``, eigenvalues, update-map spectra, stability maps, every updater and
``simulate`` apply unchanged. The players ascend

    J(θ, ψ) = mean_i f1(D_ψ(x_i)) + mean_j f2(D_ψ(G_θ(z_j))) - Σ_r P_r(θ, ψ)   (discriminator)
    I(θ, ψ) = mean_j f3(D_ψ(G_θ(z_j)))         [- Σ_r Q_r]                 (generator)

    v_disc = ∇_ψ J,   v_gen = ∇_θ I                                        (jax.grad)

with ``P_r`` the regularisers' penalties and ``Q_r`` generator-side ones (Nagarajan–Kolter);
see ``gandyn.games.sampled_regs``. ``f1, f2, f3`` are expression strings
(``gandyn.expr.parse``, in the variable ``x`` = D's raw output), hashable callables, or come
from a named loss (``loss=``). Named losses act on D's raw output (a logit), D scoring *data*
high; the ``t`` below is that output:

=======  ======================  ======================  ======================  ==================
loss     f1(t) (data)            f2(t) (fakes, disc)     f3(t) (fakes, gen)      source
=======  ======================  ======================  ======================  ==================
gan      log σ(t)                log(1 - σ(t))           -log(1 - σ(t))          Goodfellow 2014
nsgan    log σ(t)                log(1 - σ(t))           log σ(t)                Goodfellow 2014
wgan     t                       -t                      t                       Arjovsky 2017
lsgan    -(t - 1)²/2             -(t + 1)²/2             -(t - 1)²/2             Mao 2017 (a,b,c
                                                                                 = -1, 1, 1)
hinge    min(0, t - 1)           min(0, -t - 1)          t                       Lim & Ye 2017,
                                                                                 Miyato 2018
ebgan    -t                      -max(0, 1 - t)          -t                      Zhao 2017 (D an
                                                                                 energy, low on
                                                                                 data; m = 1)
=======  ======================  ======================  ======================  ==================

(σ the logistic function, ``log σ(t) = -softplus(-t)``.) ``scores="fake"`` flips every named
loss, ``f_k(t) -> f_k(-t)``: the convention of Mescheder, Geiger & Nowozin (2018) and of
``gandyn.games.dirac``, where the discriminator scores fakes high. With it the neural
Dirac-GAN — ``D_ψ(x) = ψ·x``, ``G_θ(z) = θ``, one data point c — *is*
``gandyn.games.dirac.dirac(loss, ...)``: same field and Jacobian to round-off, for every
loss and every regulariser both modules have (``docs/sampled.md``; ``neural_dirac``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from gandyn.expr import parse
from gandyn.games.base import Game, HeldObjective, State, from_objectives
from gandyn.games.sampled_regs import REGULARISERS, Regulariser
from gandyn.util import log_sigmoid

__all__ = [
    "LOSSES",
    "ZOO",
    "SampledParams",
    "dirac_discriminator",
    "dirac_generator",
    "loss_triple",
    "neural_dirac",
    "apply_held",
    "player_hold",
    "sampled_game",
]


# -- the named losses -------------------------------------------------------------------------
_log_sigmoid = log_sigmoid


def _gan_real(t):
    return _log_sigmoid(t)


def _gan_fake(t):
    return _log_sigmoid(-t)


def _gan_gen_minimax(t):
    return -_log_sigmoid(-t)


def _identity(t):
    return t


def _negate(t):
    return -t


def _ls_real(t):
    return -0.5 * (t - 1.0) ** 2


def _ls_fake(t):
    return -0.5 * (t + 1.0) ** 2


def _hinge_real(t):
    return jnp.minimum(0.0, t - 1.0)


def _hinge_fake(t):
    return jnp.minimum(0.0, -t - 1.0)


def _ebgan_fake(t):
    return -jnp.maximum(0.0, 1.0 - t)


#: name -> (f1, f2, f3), D scoring data high (module docstring)
LOSSES = {
    "gan": (_gan_real, _gan_fake, _gan_gen_minimax),
    "nsgan": (_gan_real, _gan_fake, _gan_real),
    "wgan": (_identity, _negate, _identity),
    "lsgan": (_ls_real, _ls_fake, _ls_real),
    "hinge": (_hinge_real, _hinge_fake, _identity),
    "ebgan": (_negate, _ebgan_fake, _negate),
}


@dataclasses.dataclass(frozen=True)
class _Flip:
    """``t -> f(-t)``: a loss written for the other score convention."""

    f: Callable

    def __call__(self, t):
        return self.f(-t)


def loss_triple(name: str, scores: str = "real") -> tuple:
    """``(f1, f2, f3)`` of a named loss; ``scores="fake"`` gives Mescheder's convention."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; valid losses: {', '.join(LOSSES)}")
    if scores not in ("real", "fake"):
        raise ValueError(f"scores must be 'real' or 'fake', got {scores!r}")
    triple = LOSSES[name]
    return triple if scores == "real" else tuple(_Flip(f) for f in triple)


def _as_fn(f, label):
    if isinstance(f, str):
        return parse(f)
    if not callable(f):
        raise TypeError(f"{label} must be an expression string or a callable, got "
                        f"{type(f).__name__}")
    try:
        hash(f)
    except TypeError:
        raise TypeError(f"{label} must be hashable (a module-level function, a frozen "
                        "dataclass or an expression string)") from None
    return f


# -- the objectives ---------------------------------------------------------------------------
class SampledParams(NamedTuple):
    """The game's leaves: the data bank ``(N, ...)``, the latent bank ``(M, ...)`` and the
    regularisers (pytrees of numbers and banks)."""

    data: Any
    latents: Any
    regs: tuple = ()


@dataclasses.dataclass(frozen=True)
class Scores:
    """``xs -> D_ψ(xs)`` of shape ``(B,)`` with the regularisers' reparameterisation; ``held``
    the network's own held quantities (``player_hold``), ``None`` when it has none."""

    d_apply: Callable
    psi: Any
    held: Any = None

    def __call__(self, xs):
        out = apply_held(self.d_apply, self.psi, xs, self.held)
        return jnp.reshape(out, (xs.shape[0],))


def player_hold(apply_fn, params):
    """A player's held quantities at ``params`` (``apply_fn.hold``, e.g. the power-iteration
    vectors of ``gandyn.players.mlp(..., spectral_norm="power")``), ``None`` when it declares
    none. Evaluated outside a player's gradient and passed back as ``held=``, they are
    constant in that gradient but functions of the point in the field's Jacobian."""
    hold = getattr(apply_fn, "hold", None)
    return None if hold is None else hold(params)


def apply_held(apply_fn, params, xs, held):
    """``apply_fn(params, xs)`` with the network's held quantities (``player_hold``) when it
    has any; ``held=None`` is the plain call."""
    return apply_fn(params, xs) if held is None else apply_fn(params, xs, held=held)


def _reparam(psi, regs):
    for r in regs:
        psi = r.reparam(psi)
    return psi


def _disc(d_apply, psi, regs, held=None):
    return Scores(d_apply, _reparam(psi, regs), held)


@dataclasses.dataclass(frozen=True)
class _Objectives:
    f1: Callable
    f2: Callable
    f3: Callable
    g_apply: Callable
    d_apply: Callable

    def players_held(self, theta, psi, p):
        """``(G's, D's)`` held quantities (``player_hold``) at the point."""
        return (player_hold(self.g_apply, theta),
                player_hold(self.d_apply, _reparam(psi, p.regs)))

    def fakes(self, theta, p, hp=(None, None)):
        return apply_held(self.g_apply, theta, p.latents, hp[0])

    def disc_loss(self, theta, psi, p, hp=(None, None)):
        """The loss part of J (no penalties); ``hp`` the players' held quantities."""
        D = _disc(self.d_apply, psi, p.regs, hp[1])
        return jnp.mean(self.f1(D(p.data))) + jnp.mean(self.f2(D(self.fakes(theta, p, hp))))


def _holds(r) -> bool:
    return type(r).hold is not Regulariser.hold


@dataclasses.dataclass(frozen=True)
class _DiscObjective(HeldObjective):
    """J(θ, ψ) = mean f1(D(x)) + mean f2(D(G(z))) - Σ penalties; the players' held
    quantities (``player_hold``) and a regulariser's (``Regulariser.hold``) are evaluated at
    the point outside ∇_ψ: ``h = (players', regularisers')``."""

    obj: _Objectives

    def held(self, theta, psi, p):
        hp = self.obj.players_held(theta, psi, p)
        if not any(_holds(r) for r in p.regs):
            return hp, ()
        D = _disc(self.obj.d_apply, psi, p.regs, hp[1])
        fakes = self.obj.fakes(theta, p, hp)
        return hp, tuple(r.hold(D, p.data, fakes) if _holds(r) else None for r in p.regs)

    def value(self, theta, psi, p, h):
        hp, hr = h
        J = self.obj.disc_loss(theta, psi, p, hp)
        if p.regs:
            D = _disc(self.obj.d_apply, psi, p.regs, hp[1])
            fakes = self.obj.fakes(theta, p, hp)
            for k, r in enumerate(p.regs):
                J = J - (r.penalty(D, p.data, fakes, hr[k]) if _holds(r)
                         else r.penalty(D, p.data, fakes))
        return J


@dataclasses.dataclass(frozen=True)
class _GenObjective(HeldObjective):
    """I(θ, ψ) = mean f3(D(G(z))) - Σ generator-side penalties; the players' held quantities
    are evaluated at the point outside ∇_θ (and held in the penalties' ∇_ψ J_loss)."""

    obj: _Objectives
    gen_side: bool

    def held(self, theta, psi, p):
        return self.obj.players_held(theta, psi, p)

    def value(self, theta, psi, p, hp):
        D = _disc(self.obj.d_apply, psi, p.regs, hp[1])
        I = jnp.mean(self.obj.f3(D(self.obj.fakes(theta, p, hp))))
        if self.gen_side:
            loss_grad = jax.grad(self.obj.disc_loss, argnums=1)(theta, psi, p, hp)
            for r in p.regs:
                I = I - r.gen_penalty(loss_grad)
        return I


def _project(state, p):
    g, d = state
    for r in p.regs:
        d = r.project(d)
    return State(g, d)


# -- the factory ------------------------------------------------------------------------------
def _concrete(x):
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError):
        return None  # traced: not checkable here


def _check_reg_numbers(r):
    for f in dataclasses.fields(r):
        v = getattr(r, f.name)
        if v is None or f.name in ("u", "delta"):
            continue
        c = _concrete(v)
        if c is not None and not (np.all(np.isfinite(c)) and np.all(c >= 0)):
            raise ValueError(f"{type(r).__name__}.{f.name} must be finite and >= 0, got {v!r}")


def _player(P, label):
    try:
        apply_fn, params = P
    except (TypeError, ValueError):
        raise TypeError(f"{label} must be an (apply_fn, params) pair") from None
    if not callable(apply_fn):
        raise TypeError(f"{label}'s apply_fn must be callable, got {type(apply_fn).__name__}")
    try:
        hash(apply_fn)
    except TypeError:
        raise TypeError(f"{label}'s apply_fn must be hashable (static)") from None
    return apply_fn, params


def sampled_game(f1=None, f2=None, f3=None, G=None, D=None, data=None, latents=None,
                 regs=(), *, loss: str | None = None, scores: str = "real",
                 equilibrium=None, name: str | None = None) -> Game:
    """A GAN of two parametric players on fixed banks of data points and latents.

    Args:
      f1, f2, f3: the loss triple on D's raw output (module docstring): expression strings,
        hashable callables, or ``None`` with ``loss`` set.
      G, D: ``(apply_fn, params)`` pairs; ``apply_fn(params, xs)`` maps a batch to a batch and
        must be hashable (static); ``params`` fix the state's structure (a starting point).
      data: the data bank, shape ``(N, ...)``.  latents: the latent bank, shape ``(M, ...)``.
      regs: regulariser instances or names (``gandyn.games.sampled_regs.REGULARISERS``).
      loss: a name of ``LOSSES`` instead of f1, f2, f3.  scores: ``"real"`` (D scores data high,
        the usual) or ``"fake"`` (Mescheder et al. 2018, ``gandyn.games.dirac``) for ``loss``.
      equilibrium: a known rest point ``State(gen, disc)`` or ``None``.
      name: label (default from the loss and regularisers).

    Returns:
      A ``Game`` built by ``from_objectives`` from I and J; ``params = SampledParams(data,
      latents, regs)``; the regularisers' projection (clipping) when one declares it.

    Example:
      >>> game = sampled_game(loss="gan", G=(g_apply, th0), D=(d_apply, ps0), data=xs,
      ...                     latents=zs, regs=(R1(1.0),))
      >>> eigenvalues(jacobian(game, State(th, ps)))
    """
    if loss is not None:
        if any(f is not None for f in (f1, f2, f3)):
            raise ValueError("give either loss= or f1, f2, f3, not both")
        f1, f2, f3 = loss_triple(loss, scores)
    elif any(f is None for f in (f1, f2, f3)):
        raise ValueError("give f1, f2, f3 (expressions or callables) or loss=")
    f1, f2, f3 = (_as_fn(f, n) for f, n in ((f1, "f1"), (f2, "f2"), (f3, "f3")))
    g_apply, g_params = _player(G, "G")
    d_apply, d_params = _player(D, "D")
    if data is None or latents is None:
        raise ValueError("give the sample banks data= and latents=")
    data, latents = jnp.asarray(data), jnp.asarray(latents)
    if data.ndim < 1 or data.shape[0] < 1 or latents.ndim < 1 or latents.shape[0] < 1:
        raise ValueError(f"data and latents must be non-empty banks (N, ...), got shapes "
                         f"{data.shape} and {latents.shape}")
    if isinstance(regs, (str, Regulariser)):
        regs = (regs,)
    built = []
    for r in regs:
        if isinstance(r, str):
            if r not in REGULARISERS:
                raise ValueError(f"unknown regulariser {r!r}; valid: {', '.join(REGULARISERS)}")
            r = REGULARISERS[r]()
        if not isinstance(r, Regulariser):
            raise TypeError(f"regs must be Regulariser instances or names, got {r!r}")
        _check_reg_numbers(r)
        built.append(r.bind(data, latents))
    regs = tuple(built)
    # shapes checked once, abstractly (works on traced banks too)
    fk = jax.eval_shape(g_apply, g_params, latents)
    if tuple(fk.shape) != (latents.shape[0],) + tuple(data.shape[1:]):
        raise ValueError(f"G(params, latents) has shape {tuple(fk.shape)}; expected "
                         f"{(latents.shape[0],) + tuple(data.shape[1:])} (M points like the data)")
    sc = jax.eval_shape(d_apply, d_params, data)
    if int(np.prod(sc.shape)) != data.shape[0]:
        raise ValueError(f"D(params, data) has shape {tuple(sc.shape)}; expected one score per "
                         f"point ({data.shape[0]},)")
    obj = _Objectives(f1, f2, f3, g_apply, d_apply)
    gen_side = any(type(r).gen_penalty is not Regulariser.gen_penalty for r in regs)
    proj = any(r.has_projection for r in regs)
    label = name or "+".join([loss or "custom"] + [r.name for r in regs])
    info = (("section", "sampled"), ("loss", loss), ("scores", scores),
            ("reg", tuple(r.name for r in regs)), ("n_data", int(data.shape[0])),
            ("n_latents", int(latents.shape[0])))
    return from_objectives(
        label, _GenObjective(obj, gen_side), _DiscObjective(obj),
        SampledParams(data, latents, regs),
        equilibrium=equilibrium, projection=_project if proj else None, info=info)


# -- the neural Dirac-GAN: the tie with gandyn.games.dirac ----------------------------------
def dirac_discriminator(psi, xs):
    """``D_ψ(x) = ψ·x`` (linear, no bias) on a batch ``(B, n)``."""
    return xs @ psi


def dirac_generator(theta, zs):
    """``G_θ(z) = θ`` for every latent: a batch ``(M, n)`` of copies of θ."""
    return jnp.broadcast_to(theta, (zs.shape[0],) + jnp.shape(theta))


def neural_dirac(loss: str = "gan", regs=(), *, c=0.0, dim: int = 1, scores: str = "fake",
                 name: str | None = None) -> Game:
    """The Dirac-GAN as a sampled game: ``D_ψ(x) = ψ·x``, ``G_θ(z) = θ``, data bank ``{c}``,
    one latent; with ``scores="fake"`` it equals ``gandyn.games.dirac.dirac(loss, ...)``,
    equilibrium ``(c, 0)``."""
    c = jnp.asarray(c, dtype=jnp.result_type(float))
    c = jnp.broadcast_to(c, (dim,)) if c.ndim == 0 else c
    zero = jnp.zeros_like(c)
    return sampled_game(G=(dirac_generator, zero), D=(dirac_discriminator, zero),
                        data=c[None, :], latents=jnp.zeros((1, 1), c.dtype), regs=regs,
                        loss=loss, scores=scores, equilibrium=State(c, zero), name=name)


def _zoo_r1():
    from gandyn.games.sampled_regs import R1

    return neural_dirac("gan", (R1(1.0),), c=jnp.array([1.0, -0.5]), dim=2,
                        name="neural dirac gan+r1 (2-D, c=(1,-0.5))")


ZOO = (("neural dirac gan+r1", _zoo_r1),)
