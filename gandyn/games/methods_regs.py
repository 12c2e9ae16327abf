"""More regularisers and a discriminator of the sampled GANs (``gandyn.games.sampled``):
the consistency term of CT-GAN, the loss-sensitive GAN's margin, EBGAN's auto-encoder energy.

Each regulariser is one class (hooks as in ``gandyn.games.sampled_regs``), registered in
``REGULARISERS`` there. Formulas and simplifications in ``docs/methods.md``.

* ``ConsistencyTerm`` (CT-GAN: Wei, Gong, Liu, Lu & Wang 2018, "Improving the improved
  training of Wasserstein GANs", eq. 4): ``λ · mean_l max(0, |D(x'_l) - D(x''_l)| /
  ‖x'_l - x''_l‖ - M')`` on two perturbed copies ``x' = x + δ', x'' = x + δ''`` of the data.
  Simplification: the paper perturbs the *discriminator* by dropout and adds a term on the
  second-to-last layer; here the perturbations are two fixed input banks (deterministic
  field), and only the output term is kept.
* ``LossSensitive`` (Qi 2017, "Loss-sensitive GAN on Lipschitz densities", eq. 6): with D
  the *loss* L_θ (low on data, the energy convention of EBGAN), the critic minimises
  ``mean L(x) + λ mean_k max(0, Δ(x_k, G(z_k)) + L(x_k) - L(G(z_k)))``, ``Δ = ‖x - G(z)‖_p``;
  with ``f1 = -t, f2 = 0, f3 = -t`` the hinge is this penalty (pairs ``k mod N, k mod M``).
* ``AutoencoderEnergy`` (EBGAN: Zhao, Mathieu & LeCun 2017, eq. 1 and §2.3): the
  discriminator ``D(x) = ‖Dec(Enc(x)) - x‖² / d``, an auto-encoder's reconstruction energy;
  with the energy triple and ``EBGANMargin(m)`` the critic minimises ``D(x) + [m - D(G(z))]⁺``
  and the generator minimises ``D(G(z))``. The pull-away term is not included.
* ``Reweight`` (Wu, Hu, Zhang & Ding 2020, eq. 8): the critic weights its fakes by
  ``w = n · softmax(stopgrad D(G(z)))``; the rest of that method is
  ``gandyn.games.ratio_clip`` and ``gandyn.updaters.ratio_clip``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np


from gandyn.games.sampled_regs import REGULARISERS, Regulariser, _pair, _pytree

__all__ = ["AutoencoderEnergy", "ConsistencyTerm", "LossSensitive", "Reweight",
           "autoencoder_energy", "ebgan_triple", "sample_weights", "weights_at"]


@_pytree()
class ConsistencyTerm(Regulariser):
    """CT-GAN's consistency term (module docstring):
    ``λ · mean_l max(0, |D(x_l + δ'_l) - D(x_l + δ''_l)| / ‖δ'_l - δ''_l‖ - M')`` with
    ``delta = (δ', δ'')`` of shape ``(2, L) + x.shape`` (x the ``l mod N``-th data point).
    Default: ``δ' = 0, δ'' = h e_(l mod d)``, one pair per data point."""

    lam: Any = 2.0
    m: Any = 0.0
    delta: Any = None
    h: Any = 0.05
    name: ClassVar[str] = "ct"

    def bind(self, data, latents):
        if self.delta is None:
            n, d = data.shape[0], int(np.prod(data.shape[1:]))
            e = np.eye(d)[np.arange(n) % d].reshape(data.shape)
            return dataclasses.replace(self, delta=np.stack([np.zeros(data.shape),
                                                             float(self.h) * e]))
        delta = jnp.asarray(self.delta)
        if delta.ndim < 2 or delta.shape[0] != 2 or delta.shape[2:] != data.shape[1:]:
            raise ValueError(f"ConsistencyTerm delta must have shape (2, L) + {data.shape[1:]}, "
                             f"got {delta.shape}")
        return self

    def penalty(self, D, data, fakes):
        delta = jnp.asarray(self.delta)
        d1, d2 = delta[0], delta[1]
        x = _pair(data, d1.shape[0])
        dist = jnp.sqrt(jnp.sum((d1 - d2).reshape(d1.shape[0], -1) ** 2, -1))
        ratio = jnp.abs(D(x + d1) - D(x + d2)) / dist
        return self.lam * jnp.mean(jnp.maximum(0.0, ratio - self.m))


@_pytree(meta=("p",))
class LossSensitive(Regulariser):
    """LS-GAN's margin hinge (Qi 2017):
    ``λ · mean_k max(0, ‖x_k - G(z_k)‖_p + D(x_k) - D(G(z_k)))``, D the loss (low on data)."""

    lam: Any = 1.0
    p: int = 1
    name: ClassVar[str] = "ls-margin"

    def penalty(self, D, data, fakes):
        K = max(data.shape[0], fakes.shape[0])
        x, f = _pair(data, K), _pair(fakes, K)
        diff = (x - f).reshape(K, -1)
        delta = jnp.sum(jnp.abs(diff) ** self.p, -1) ** (1.0 / self.p)
        return self.lam * jnp.mean(jnp.maximum(0.0, delta + D(x) - D(f)))


def _energy_f1(t):
    return -t


def _zero(t):
    return jnp.zeros_like(t)


def ebgan_triple():
    """``(f1, f2, f3) = (-t, 0, -t)``: D an energy, the margin term a regulariser
    (``EBGANMargin(m)`` for EBGAN, ``LossSensitive`` for LS-GAN)."""
    return (_energy_f1, _zero, _energy_f1)


@dataclasses.dataclass(frozen=True)
class AutoencoderEnergy:
    """``D(params, xs) = ‖dec(enc(xs)) - xs‖² / d`` per point (EBGAN's auto-encoder
    discriminator); ``params = {"enc": ..., "dec": ...}``."""

    enc: Callable
    dec: Callable

    def __call__(self, params, xs):
        code = self.enc(params["enc"], xs)
        rec = self.dec(params["dec"], code).reshape(xs.shape)
        r = (rec - xs).reshape(xs.shape[0], -1)
        return jnp.mean(r * r, axis=-1)


def autoencoder_energy(key, in_dim: int, code_dim: int = 2, *, width: int = 32, depth: int = 1,
                       **mlp_kw):
    """An auto-encoder energy discriminator from two ``gandyn.players.mlp`` networks:
    ``(AutoencoderEnergy, {"enc", "dec"})``."""
    from gandyn.players import mlp

    if code_dim == 1 or in_dim == 1:
        raise ValueError("autoencoder_energy needs in_dim >= 2 and code_dim >= 2 (the MLP "
                         "players squeeze a single output)")
    k1, k2 = jax.random.split(key)
    enc, pe = mlp(k1, in_dim, width=width, depth=depth, out_dim=code_dim, **mlp_kw)
    dec, pd = mlp(k2, code_dim, width=width, depth=depth, out_dim=in_dim, **mlp_kw)
    return AutoencoderEnergy(enc, dec), {"enc": pe, "dec": pd}


def weights_at(scores):
    """``w = n · softmax(scores)`` as a function of the scores (differentiable): the weights
    at the current point, for a caller that holds them itself (``HeldObjective``)."""
    s = jnp.reshape(scores, (-1,))
    return s.shape[0] * jax.nn.softmax(s)


def sample_weights(scores):
    """``w = n · softmax(stopgrad(scores))`` (Wu et al. 2020, eq. 8): Σ w = n, no gradient."""
    return weights_at(jax.lax.stop_gradient(scores))


@_pytree()
class Reweight(Regulariser):
    """Sample re-weighting as a penalty of ``gandyn.games.sampled``: subtracting
    ``mean_j (w_j - 1) D(G(z_j))`` turns the WGAN critic's ``- mean_j D(G(z_j))`` into
    ``- mean_j w_j D(G(z_j))`` (use with ``loss="wgan"``). The weights are held within the
    critic's gradient (``hold``) but are functions of (θ, ψ) in the field's Jacobian."""

    name: ClassVar[str] = "reweight"

    def hold(self, D, data, fakes):
        return weights_at(D(fakes))

    def penalty(self, D, data, fakes, w=None):
        s = D(fakes)
        w = sample_weights(s) if w is None else w
        return jnp.mean((w - 1.0) * s)


REGULARISERS.update({c.name: c for c in (ConsistencyTerm, LossSensitive, Reweight)})
