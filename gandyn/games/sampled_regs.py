"""Regularisers of a sampled GAN (``gandyn.games.sampled``), one small pytree class each.

A regulariser acts on the game in up to three places (a class overrides what it needs):

* ``penalty(D, data, fakes)``: a scalar *subtracted* from the discriminator's objective J
  (``D`` maps a batch of points to their scores, ``data`` the data bank, ``fakes`` the bank's
  generated points G(z_j), which depend on the generator's parameters);
* ``hold(D, data, fakes)``: quantities the method holds constant within a step (importance
  weights), evaluated at the current point; the penalty then receives them as
  ``penalty(D, data, fakes, held)`` (held in the discriminator's gradient, but functions of
  the point in the field's Jacobian: ``gandyn.games.base.HeldObjective``); ``None`` (the
  default) for regularisers without any;
* ``gen_penalty(loss_grad)``: a scalar subtracted from the generator's objective I, given
  ``loss_grad = ∇_ψ J_loss`` (the discriminator's loss gradient, penalties excluded);
* ``reparam(disc_params)``: the parameters the discriminator network is applied with
  (spectral normalisation);
* ``project(disc_params)``: a projection applied by the updaters after every step (weight
  clipping), declared as the game's ``projection``.

Numbers (weights, targets, banks of interpolation coefficients or perturbations) are pytree
leaves: traced under ``jit``/``vmap``, so a sweep over γ compiles once. Formulas, conventions
and the tie with ``gandyn.games.dirac`` are in ``docs/sampled.md``. Adding a regulariser: one
class here, its test, one line in ``REGULARISERS``.

Gradients ``∇_x D`` are those of ``Σ_k D(x̂_k)`` with respect to the batch of points (the
usual implementation, e.g. ``autograd.grad(D(x).sum(), x)``): for networks that treat the
points independently they are the per-point gradients.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from gandyn.util import pytree_dataclass

__all__ = [
    "DRAGAN",
    "NK",
    "R1",
    "R2",
    "REGULARISERS",
    "WGANGP",
    "WGANLP",
    "Clip",
    "EBGANMargin",
    "Regulariser",
    "SpectralNorm",
    "grad_x",
    "midpoints",
]


_pytree = pytree_dataclass


class Regulariser:
    """Base class: every hook a no-op. ``name`` is the registry key."""

    name: ClassVar[str] = "regulariser"
    has_projection: ClassVar[bool] = False

    def penalty(self, D, data, fakes):
        return 0.0

    def hold(self, D, data, fakes):
        return None

    def gen_penalty(self, loss_grad):
        return 0.0

    def reparam(self, disc_params):
        return disc_params

    def project(self, disc_params):
        return disc_params

    def bind(self, data, latents):
        """The regulariser with its default banks filled in for these sample banks."""
        return self


# -- helpers ----------------------------------------------------------------------------------
def grad_x(D, points):
    """``∇_x D`` at each point of a batch, flattened: shape ``(K, d)``."""
    g = jax.grad(lambda x: jnp.sum(D(x)))(points)
    return g.reshape(g.shape[0], -1)


def _sq(g):
    return jnp.sum(g * g, axis=-1)


@jax.custom_jvp
def _unit(g):
    """``g_i/‖g_i‖`` per row, 0 where g_i = 0; its derivative there is NaN (it has none)."""
    q = _sq(g)[..., None]
    pos = q > 0
    return jnp.where(pos, g / jnp.sqrt(jnp.where(pos, q, 1.0)), 0.0)


@_unit.defjvp
def _unit_jvp(primals, tangents):
    (g,), (dg,) = primals, tangents
    q = _sq(g)[..., None]
    pos = q > 0
    r = jnp.sqrt(jnp.where(pos, q, 1.0))
    u = jnp.where(pos, g / r, 0.0)
    du = jnp.where(pos, (dg - u * jnp.sum(u * dg, axis=-1, keepdims=True)) / r, jnp.nan)
    return u, du


@jax.custom_jvp
def _knorm(k, g):
    """``k ‖g_i‖`` per row. Its gradient in g at g_i = 0 is the minimal subgradient 0, its
    second derivative there NaN when k ≠ 0 (none exists) and exactly 0 when k = 0, so that
    zero-centred penalties stay smooth (the same choice as ``gandyn.games.dirac``)."""
    q = _sq(g)
    pos = q > 0
    return k * jnp.where(pos, jnp.sqrt(jnp.where(pos, q, 1.0)), 0.0)


@_knorm.defjvp
def _knorm_jvp(primals, tangents):
    k, g = primals
    dk, dg = tangents
    q = _sq(g)
    pos = q > 0
    n = jnp.where(pos, jnp.sqrt(jnp.where(pos, q, 1.0)), 0.0)
    # a select, not a product with k: differentiating 0 * NaN would give NaN
    u = jnp.where(jnp.reshape(k, jnp.shape(k) + (1,)) == 0, 0.0, _unit(g))
    return k * n, dk * n + k * jnp.sum(u * dg, axis=-1)


def _centred(g, k):
    """``(‖g_i‖ - k)²`` per row, written ``‖g‖² - 2k‖g‖ + k²`` (smooth for k = 0)."""
    return _sq(g) - 2.0 * _knorm(k, g) + k * k


def _one_sided(g, k):
    """``max(0, ‖g_i‖ - k)²`` per row; ``‖g‖²`` when k = 0 (no NaN in either branch)."""
    q = _sq(g)
    active = q > k * k
    n = jnp.sqrt(jnp.where(active, q, 1.0))
    return jnp.where(k == 0, q, jnp.where(active, (n - k) ** 2, 0.0))


def midpoints(K: int):
    """The deterministic interpolation bank ``u_k = (k + 1/2)/K``, k = 0..K-1."""
    return (np.arange(K) + 0.5) / K


def _pair(a, K):
    """Rows ``a[k mod len(a)]`` for k = 0..K-1 (static shapes)."""
    return a[np.arange(K) % a.shape[0]]


def _interpolates(data, fakes, u):
    """``x̂_k = x_{k mod N} + u_k (G(z_{k mod M}) - x_{k mod N})``."""
    K = u.shape[0]
    x, f = _pair(data, K), _pair(fakes, K)
    shape = (K,) + (1,) * (data.ndim - 1)
    return x + u.reshape(shape) * (f - x)


# -- the regularisers -------------------------------------------------------------------------
@_pytree()
class R1(Regulariser):
    """Zero-centred gradient penalty on data (Mescheder, Geiger & Nowozin 2018, eq. 9):
    ``γ/2 · mean_i ‖∇_x D(x_i)‖²``."""

    gamma: Any = 1.0
    name: ClassVar[str] = "r1"

    def penalty(self, D, data, fakes):
        return 0.5 * self.gamma * jnp.mean(_sq(grad_x(D, data)))


@_pytree()
class R2(Regulariser):
    """Zero-centred gradient penalty on fakes (Mescheder et al. 2018, eq. 10):
    ``γ/2 · mean_j ‖∇_x D(G(z_j))‖²`` (the fakes move with the generator)."""

    gamma: Any = 1.0
    name: ClassVar[str] = "r2"

    def penalty(self, D, data, fakes):
        return 0.5 * self.gamma * jnp.mean(_sq(grad_x(D, fakes)))


@_pytree()
class WGANGP(Regulariser):
    """WGAN-GP (Gulrajani et al. 2017): ``λ · mean_k (‖∇_x D(x̂_k)‖ - g0)²`` with
    ``x̂_k = x_{k mod N} + u_k (G(z_{k mod M}) - x_{k mod N})`` and a *fixed* bank of
    coefficients ``u`` (default ``midpoints(max(N, M))``) in place of u ~ U[0, 1], so the
    field is deterministic. For g0 > 0 its derivative is NaN where some ∇_x D(x̂_k) = 0."""

    lam: Any = 10.0
    g0: Any = 1.0
    u: Any = None
    name: ClassVar[str] = "wgan-gp"

    def bind(self, data, latents):
        if self.u is not None:
            return self
        return dataclasses.replace(self, u=midpoints(max(data.shape[0], latents.shape[0])))

    def penalty(self, D, data, fakes):
        g = grad_x(D, _interpolates(data, fakes, jnp.asarray(self.u)))
        return self.lam * jnp.mean(_centred(g, self.g0))


@_pytree()
class WGANLP(Regulariser):
    """WGAN-LP (Petzka, Fischer & Lukovnikov 2018, "On the regularization of Wasserstein
    GANs"): the one-sided ``λ · mean_k max(0, ‖∇_x D(x̂_k)‖ - g0)²`` on the interpolates of
    ``WGANGP``. Smooth where every ‖∇_x D(x̂_k)‖ < g0."""

    lam: Any = 10.0
    g0: Any = 1.0
    u: Any = None
    name: ClassVar[str] = "wgan-lp"

    bind = WGANGP.bind

    def penalty(self, D, data, fakes):
        g = grad_x(D, _interpolates(data, fakes, jnp.asarray(self.u)))
        return self.lam * jnp.mean(_one_sided(g, self.g0))


@_pytree()
class DRAGAN(Regulariser):
    """DRAGAN (Kodali et al. 2017): ``λ · mean_l (‖∇_x D(x_{l mod N} + δ_l)‖ - k)²`` with a
    fixed perturbation bank ``delta`` of shape ``(L,) + x.shape`` (the paper draws
    δ ~ N(0, c·std(x)) afresh each step; fixing the bank keeps the field deterministic)."""

    lam: Any = 10.0
    k: Any = 1.0
    delta: Any = None
    name: ClassVar[str] = "dragan"

    def bind(self, data, latents):
        if self.delta is None:
            raise ValueError("DRAGAN needs its perturbation bank: DRAGAN(lam, k, delta) with "
                             "delta of shape (L,) + the shape of one data point")
        delta = jnp.asarray(self.delta)
        if delta.shape[1:] != data.shape[1:]:
            raise ValueError(f"DRAGAN delta must have shape (L,) + {data.shape[1:]}, got "
                             f"{delta.shape}")
        return self

    def penalty(self, D, data, fakes):
        delta = jnp.asarray(self.delta)
        g = grad_x(D, _pair(data, delta.shape[0]) + delta)
        return self.lam * jnp.mean(_centred(g, self.k))


@_pytree()
class EBGANMargin(Regulariser):
    """The EBGAN margin term (Zhao, Mathieu & LeCun 2017, eq. 1): the discriminator is an
    energy (low on data) and minimises ``D(x) + [m - D(G(z))]⁺``; here the hinge on fakes,
    ``mean_j max(0, m - D(G(z_j)))``, is subtracted from J. With the energy triple
    ``f1 = -t, f2 = 0, f3 = -t`` it is the named loss ``"ebgan"`` (m = 1)."""

    m: Any = 1.0
    name: ClassVar[str] = "ebgan-margin"

    def penalty(self, D, data, fakes):
        return jnp.mean(jnp.maximum(0.0, self.m - D(fakes)))


@_pytree()
class NK(Regulariser):
    """Gradient penalty on the generator (Nagarajan & Kolter 2017): the generator ascends
    ``I - η ‖∇_ψ J_loss‖²`` (J_loss the discriminator's loss objective, penalties excluded)."""

    eta: Any = 1.0
    name: ClassVar[str] = "nk"

    def gen_penalty(self, loss_grad):
        return self.eta * sum(jnp.sum(x * x) for x in jax.tree_util.tree_leaves(loss_grad))


@_pytree()
class Clip(Regulariser):
    """Weight clipping (Arjovsky, Chintala & Bottou 2017): after every step each leaf of the
    discriminator's parameters is clipped to ``[-c, c]`` (the game's projection)."""

    c: Any = 0.01
    name: ClassVar[str] = "clip"
    has_projection: ClassVar[bool] = True

    def project(self, disc_params):
        return jax.tree_util.tree_map(lambda w: jnp.clip(w, -self.c, self.c), disc_params)


def _sigma_max(w):
    return jnp.linalg.svd(w, compute_uv=False)[0]


@_pytree()
class SpectralNorm(Regulariser):
    """Spectral normalisation (Miyato et al. 2018) as a reparameterisation: the discriminator
    is applied with every weight matrix (leaf with ndim >= 2, reshaped to
    ``(-1, shape[-1])``) divided by its *exact* largest singular value (an SVD, not the
    paper's one step of power iteration, so the field is a function of ψ alone). Leaves
    with ndim < 2 (biases, the Dirac-GAN's vector ψ) are left alone."""

    name: ClassVar[str] = "sn"

    def reparam(self, disc_params):
        def norm(w):
            w = jnp.asarray(w)
            if w.ndim < 2:
                return w
            return w / _sigma_max(w.reshape(-1, w.shape[-1]))

        return jax.tree_util.tree_map(norm, disc_params)


#: name -> class (``sampled_game(regs=("r1", ...))`` builds the defaults)
REGULARISERS = {
    "r1": R1,
    "r2": R2,
    "wgan-gp": WGANGP,
    "wgan-lp": WGANLP,
    "dragan": DRAGAN,
    "ebgan-margin": EBGANMargin,
    "nk": NK,
    "clip": Clip,
    "sn": SpectralNorm,
}
import gandyn.games.methods_regs  # noqa: E402,F401  (registers "ct", "ls-margin", "reweight")
