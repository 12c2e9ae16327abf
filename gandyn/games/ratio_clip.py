"""Probability-ratio clipping and sample re-weighting (Wu, Hu, Zhang & Ding 2020, NeurIPS,
"Improving GAN Training with Probability Ratio Clipping and Sample Reweighting"): the game
part (the critic's re-weighted objective and the density ratio); the generator's clipped
surrogate steps are the update rule ``gandyn.updaters.ratio_clip``.

Critic (eqs. 7–8, a WGAN critic kept Lipschitz by the gradient penalty of Gulrajani et al.
2017, ``gandyn.games.sampled_regs.WGANGP``): the fakes of a batch are importance-weighted by
the critic's own scores, weights held constant within the critic's gradient (they are
functions of the current point, so the field's Jacobian sees them move: ``HeldObjective``),

    w_j = n · softmax_j(stopgrad D(G(z_j))),   Σ_j w_j = n
    J(θ, ψ) = mean_i D(x_i) - mean_j w_j D(G(z_j)) - λ GP(ψ)
    I(θ, ψ) = mean_j D(G(z_j))                        (the plain WGAN generator objective)

Density ratio (eq. 6) from an auxiliary real/fake classifier with logit ``ℓ`` (high on
data): at its optimum ``ℓ(x) = log p_d(x)/p_g(x)``, so at the same latent z_j

    r_j(θ) = p_θ(G_θ(z_j)) / p_θold(G_θold(z_j)) ≈ exp(ℓ(G_θold(z_j)) - ℓ(G_θ(z_j)))

(simplification: ``p_d`` is taken equal at the two points, the generator step being small).
``Reweight`` is the same critic weighting as a regulariser of ``gandyn.games.sampled``
(registered as ``"reweight"``). Formulas and the list of simplifications: ``docs/methods.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax
import jax.numpy as jnp

from gandyn.games.base import Game, HeldObjective, from_objectives
from gandyn.games.sampled import Scores, apply_held, player_hold
from gandyn.games.methods_regs import Reweight, sample_weights, weights_at
from gandyn.games.sampled_regs import WGANGP

__all__ = ["Reweight", "density_ratio", "ratio_clip_game", "sample_weights"]


def density_ratio(c_apply, clf, fakes_old, fakes_new):
    """``r_j = exp(ℓ(x_old_j) - ℓ(x_new_j))``, ℓ the classifier's logit (module docstring)."""
    l_old = jax.lax.stop_gradient(jnp.reshape(c_apply(clf, fakes_old), (-1,)))
    return jnp.exp(l_old - jnp.reshape(c_apply(clf, fakes_new), (-1,)))



def _players_held(g_apply, d_apply, theta, psi):
    """``(G's, D's)`` held quantities at the point (``gandyn.games.sampled.player_hold``:
    e.g. a power-SN critic's power-iteration vectors), ``None`` for a player without."""
    return player_hold(g_apply, theta), player_hold(d_apply, psi)


@dataclasses.dataclass(frozen=True)
class _Gen(HeldObjective):
    """I with the players' held quantities evaluated at the point, outside ∇_θ I."""

    g_apply: Callable
    d_apply: Callable

    def held(self, theta, psi, p):
        return _players_held(self.g_apply, self.d_apply, theta, psi)

    def value(self, theta, psi, p, hp):
        fakes = apply_held(self.g_apply, theta, p["latents"], hp[0])
        return jnp.mean(Scores(self.d_apply, psi, hp[1])(fakes))


@dataclasses.dataclass(frozen=True)
class _Critic(HeldObjective):
    """J with the weights (and the players' held quantities) held within ∇_ψ J, evaluated at
    the point (``HeldObjective``): ``h = (players', weights)``."""

    g_apply: Callable
    d_apply: Callable
    reweight: bool

    def held(self, theta, psi, p):
        hp = _players_held(self.g_apply, self.d_apply, theta, psi)
        fakes = apply_held(self.g_apply, theta, p["latents"], hp[0])
        s = Scores(self.d_apply, psi, hp[1])(fakes)
        return hp, (weights_at(s) if self.reweight else jnp.ones_like(s))

    def value(self, theta, psi, p, h):
        hp, w = h
        D = Scores(self.d_apply, psi, hp[1])
        fakes = apply_held(self.g_apply, theta, p["latents"], hp[0])
        gp = WGANGP(p["lam"], 1.0, p["u"]).penalty(D, p["data"], fakes)
        return jnp.mean(D(p["data"])) - jnp.mean(w * D(fakes)) - gp


def ratio_clip_game(G, D, data, latents, *, lam=10.0, reweight: bool = True,
                    name: str | None = None) -> Game:
    """The critic side of Wu et al.'s method on fixed banks: J re-weighted (``reweight=True``)
    or plain WGAN-GP (``False``: the baseline), I the WGAN generator objective.

    ``G``, ``D``: ``(apply_fn, params)`` pairs; ``params`` is ``{"data", "latents", "lam",
    "u"}`` (a mapping: ``gandyn.updaters.minibatch`` redraws the banks; ``u`` the WGAN-GP
    interpolation bank, sized for these banks). The generator's clipped surrogate steps:
    ``gandyn.updaters.ratio_clip``.
    """
    data, latents = jnp.asarray(data), jnp.asarray(latents)
    u = WGANGP(lam).bind(data, latents).u
    params = {"data": data, "latents": latents, "lam": jnp.asarray(lam, float),
              "u": jnp.asarray(u)}
    label = name or ("ratio-clip" if reweight else "wgan-gp")
    return from_objectives(label, _Gen(G[0], D[0]), _Critic(G[0], D[0], bool(reweight)),
                           params, info=(("section", "sampled"), ("loss", label)))
