"""The adversarial autoencoder (Makhzani, Shlens, Jaitly, Goodfellow & Frey 2016, ICLR
workshop, "Adversarial Autoencoders", §2) as a two-player game.

The "generator" is the auto-encoder, ``gen = {"enc": φ, "dec": ϑ}``; the discriminator ``D_ψ``
lives on the latent space (2-D by default) and tells samples ``z_k`` of a chosen prior
``p(z)`` (the "data" of this GAN) from codes ``q(x_i) = enc_φ(x_i)`` (the aggregated
posterior ``q(z) = ∫ q(z|x) p_d(x) dx``, here with a deterministic encoder). With a loss
triple ``(f1, f2, f3)`` of ``gandyn.games.sampled.LOSSES`` (D scoring prior samples high):

    J(gen, ψ) = mean_k f1(D(z_k)) + mean_i f2(D(enc(x_i)))                       (latent D)
    I(gen, ψ) = -mean_i ‖x_i - dec(enc(x_i))‖² + λ mean_i f3(D(enc(x_i)))          (auto-encoder)

both players ascending (the paper alternates a reconstruction phase and a regularisation
phase; a single joint objective with weight λ is the usual simultaneous form). At the
optimum of the regularisation phase the aggregated posterior equals the prior.

Linear-Gaussian case (tested): data ``x ~ N(0, Σ)`` in R², prior ``N(0, I)``, encoder
``enc(x) = x A``, decoder ``dec(z) = z B``, a quadratic discriminator ``D(z) = ½ zᵀ M z +
b`` (it contains the log density ratio of two centred Gaussians, so it is exact here). With
the GAN loss, ``∂J/∂M = ¼ (I - Aᵀ Σ A)`` at ``M = 0, b = 0``: the field vanishes at
``A = Σ^{-1/2}`` (any rotation ``Σ^{-1/2} R``), ``B = A^{-1}``, ``M = 0``, ``b = 0``: the
aggregated posterior ``N(0, Aᵀ Σ A)`` is the prior. See ``docs/methods.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax.numpy as jnp

from gandyn.games.base import Game, HeldObjective, from_objectives
from gandyn.games.sampled import Scores, apply_held, loss_triple, player_hold

__all__ = ["aae_game", "reconstruction_error"]


def reconstruction_error(enc, dec, gen, xs, held=(None, None)):
    """``mean_i ‖x_i - dec(enc(x_i))‖²``; ``held`` the encoder's and decoder's held quantities
    (``gandyn.games.sampled.player_hold``), ``None`` for a network without."""
    rec = apply_held(dec, gen["dec"], apply_held(enc, gen["enc"], xs, held[0]), held[1])
    r = (rec.reshape(xs.shape) - xs).reshape(xs.shape[0], -1)
    return jnp.mean(jnp.sum(r * r, axis=-1))


@dataclasses.dataclass(frozen=True)
class _AAE:
    enc: Callable
    dec: Callable
    disc: Callable
    f1: Callable
    f2: Callable
    f3: Callable

    def players_held(self, g, psi):
        """``(encoder's, decoder's, discriminator's)`` held quantities at the point
        (``player_hold``: e.g. power-SN vectors), ``None`` for a network without."""
        return (player_hold(self.enc, g["enc"]), player_hold(self.dec, g["dec"]),
                player_hold(self.disc, psi))

    def gen(self, g, psi, p, h):
        codes = apply_held(self.enc, g["enc"], p["data"], h[0])
        adv = jnp.mean(self.f3(Scores(self.disc, psi, h[2])(codes)))
        return -reconstruction_error(self.enc, self.dec, g, p["data"], h[:2]) + p["lam"] * adv

    def disc_obj(self, g, psi, p, h):
        D = Scores(self.disc, psi, h[2])
        codes = apply_held(self.enc, g["enc"], p["data"], h[0])
        return jnp.mean(self.f1(D(p["prior"]))) + jnp.mean(self.f2(D(codes)))


@dataclasses.dataclass(frozen=True)
class _Part(HeldObjective):
    """One player's objective with the networks' held quantities evaluated at the point,
    outside that player's gradient (``gandyn.games.base.HeldObjective``)."""

    aae: _AAE
    which: str

    def held(self, g, d, p):
        return self.aae.players_held(g, d)

    def value(self, g, d, p, h):
        return getattr(self.aae, self.which)(g, d, p, h)


def aae_game(enc: Callable, dec: Callable, disc: Callable, data, prior, *, loss: str = "gan",
             lam=1.0, name: str = "aae") -> Game:
    """The adversarial-autoencoder game (module docstring).

    Args:
      enc, dec, disc: hashable ``apply_fn(params, xs)`` (``gandyn.players.mlp``'s first
        output, ``out_dim`` = latent size for ``enc``, data size for ``dec``).
      data: bank ``(N, d)`` of data points; prior: bank ``(K, latent)`` of prior samples
        (``gandyn.updaters.minibatch`` redraws ``"data"`` and ``"prior"``).
      loss: a name of ``gandyn.games.sampled.LOSSES``; lam: weight λ of the adversarial term.

    The state is ``State(gen={"enc": φ, "dec": ϑ}, disc=ψ)``; ``params`` is
    ``{"data", "prior", "lam"}``.
    """
    f1, f2, f3 = loss_triple(loss)
    aae = _AAE(enc, dec, disc, f1, f2, f3)
    params = {"data": jnp.asarray(data), "prior": jnp.asarray(prior),
              "lam": jnp.asarray(lam, float)}
    return from_objectives(name, _Part(aae, "gen"), _Part(aae, "disc_obj"), params,
                           info=(("section", "sampled"), ("loss", loss), ("model", "aae")))
