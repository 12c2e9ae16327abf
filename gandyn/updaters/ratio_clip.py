"""The generator phase of probability-ratio clipping (Wu, Hu, Zhang & Ding 2020, NeurIPS,
Algorithm 1), as an update rule around the game ``gandyn.games.ratio_clip.ratio_clip_game``.

One step (one round of Algorithm 1, on the game's current banks):

  1. ``n_disc`` critic steps  ψ <- ψ + h_d ∇_ψ J  (J re-weighted, with gradient penalty);
  2. one step of the auxiliary classifier (logit ℓ, held in the updater state):
     c <- c + h_c ∇_c [mean_i log σ(ℓ(x_i)) + mean_j log(1 - σ(ℓ(G_θ(z_j))))];
  3. ``n_gen`` ascent steps on the clipped surrogate (eq. 5) on the *same* latents,
     θ_old fixed, ``r_j(θ) = exp(ℓ(G_θold(z_j)) - ℓ(G_θ(z_j)))``:
        S(θ) = mean_j min(r_j(θ) A_j(θ), clip(r_j(θ), 1-ε, 1+ε) A_j(θ)),
        A_j(θ) = D(G_θ(z_j)) - mean_k D(G_θold(z_k))   (centred: invariant to D + const);
  4. a backtracking line search on the generator's displacement θ - θ_old (halved up to
     ``halvings`` times, else no move) so that every r_j lies in [1-ε, 1+ε] exactly.

Simplifications (stated in ``docs/methods.md``): one bank per round (wrap in
``gandyn.updaters.minibatch`` for a fresh bank per round, not per critic step); the
advantage A_j is the critic score itself, differentiable in θ, centred on its mean at θ_old
(so a constant added to the critic, e.g. its output bias drifting under float32 Adam, does
not move the generator); step 4 is ours: the paper's
clipped surrogate only removes the incentive to leave the range, the line search (as in
TRPO) makes the range a guarantee for the step. Steps are plain gradient steps, or, with
``tx`` (a rate-free optax transformation such as ``optax.scale_by_adam(0.5, 0.999)``, as the
paper trains with Adam), ``x <- x + h · tx(∇)`` with one optimiser state per network (the
generator's state advances over the surrogate steps even when the line search shortens them).

Not in ``ALL_UPDATERS``: its factory needs the networks and the classifier's parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from gandyn.games.base import State
from gandyn.games.ratio_clip import density_ratio
from gandyn.updaters.base import Updater, updater

__all__ = ["RatioClip", "RatioClipState", "ratio_clip"]


class RatioClipState(NamedTuple):
    clf: Any              # the auxiliary classifier's parameters
    ratio_min: Any        # min / max of r_j after the last generator phase
    ratio_max: Any
    scale: Any            # the accepted fraction of the surrogate displacement
    opt: Any = None       # (critic's, classifier's, generator's) optax states, or None


def _log_sigmoid(t):
    return -jnp.logaddexp(0.0, -t)


def _tree_axpy(a, x, y):
    # in y's dtype: float32 networks stay float32 under traced float64 rates
    return jax.tree_util.tree_map(lambda u, v: v + (a * u).astype(v.dtype), x, y)


@updater(meta=("g_apply", "d_apply", "c_apply", "n_disc", "n_gen", "halvings", "tx"))
class RatioClip(Updater):
    lr_gen: Any
    lr_disc: Any
    lr_clf: Any
    eps: Any
    clf0: Any
    g_apply: Callable = None
    d_apply: Callable = None
    c_apply: Callable = None
    n_disc: int = 5
    n_gen: int = 5
    halvings: int = 10
    tx: Any = None
    name = "ratio-clip"

    def init(self, game, state):
        one = jnp.ones((), jnp.result_type(float))
        opt = None if self.tx is None else (self.tx.init(state.disc), self.tx.init(self.clf0),
                                            self.tx.init(state.gen))
        return RatioClipState(self.clf0, one, one, one, opt)

    def _ascend(self, h, grad, x, opt):
        """One ascent step along ``grad`` (through ``tx`` when given)."""
        if self.tx is None:
            return _tree_axpy(h, grad, x), opt
        u, opt = self.tx.update(grad, opt, x)
        return _tree_axpy(h, u, x), opt

    def _ratios(self, clf, theta_old, theta, z):
        return density_ratio(self.c_apply, clf, self.g_apply(theta_old, z),
                             self.g_apply(theta, z))

    def _step(self, game, state, ustate):
        p = game.params
        g, d = state
        o_d, o_c, o_g = (None, None, None) if ustate.opt is None else ustate.opt

        def critic(_, c):
            return self._ascend(self.lr_disc, game.v_disc(g, c[0], p), *c)

        d, o_d = jax.lax.fori_loop(0, self.n_disc, critic, (d, o_d))

        data, z = p["data"], p["latents"]
        fakes = jax.lax.stop_gradient(self.g_apply(g, z))

        def clf_obj(c):
            lr_ = jnp.reshape(self.c_apply(c, data), (-1,))
            lf = jnp.reshape(self.c_apply(c, fakes), (-1,))
            return jnp.mean(_log_sigmoid(lr_)) + jnp.mean(_log_sigmoid(-lf))

        clf, o_c = self._ascend(self.lr_clf, jax.grad(clf_obj)(ustate.clf), ustate.clf, o_c)

        # the advantage is centred on the critic's mean score at θ_old (a constant in θ): the
        # critic's output bias has gradient 0 only in exact arithmetic, and Adam turns its
        # float32 round-off into steps of ~lr; an uncentred A would hand that drift to the
        # generator through r_j · A_j (docs/methods.md)
        base = jnp.mean(self.d_apply(d, fakes))

        def surrogate(theta):
            r = self._ratios(clf, g, theta, z)
            A = jnp.reshape(self.d_apply(d, self.g_apply(theta, z)), (-1,)) - base
            return jnp.mean(jnp.minimum(r * A, jnp.clip(r, 1 - self.eps, 1 + self.eps) * A))

        def gen(_, c):
            return self._ascend(self.lr_gen, jax.grad(surrogate)(c[0]), *c)

        theta, o_g = jax.lax.fori_loop(0, self.n_gen, gen, (g, o_g))
        delta = jax.tree_util.tree_map(jnp.subtract, theta, g)
        scales = jnp.concatenate([0.5 ** jnp.arange(self.halvings + 1.0), jnp.zeros(1)])

        def moved(s):
            # scale 0 is exactly no move (so always accepted), even where the surrogate steps
            # overflowed and delta is non-finite: 0 x inf would be NaN
            return jax.tree_util.tree_map(
                lambda u, v: jnp.where(s > 0, v + (s * u).astype(v.dtype), v), delta, g)

        def inside(s):
            r = self._ratios(clf, g, moved(s), z)
            return jnp.all((r >= 1 - self.eps) & (r <= 1 + self.eps))

        ok = jax.lax.map(inside, scales)
        s = scales[jnp.argmax(ok)]                 # the largest accepted scale (0 always is)
        theta = moved(s)
        r = self._ratios(clf, g, theta, z)
        opt = None if ustate.opt is None else (o_d, o_c, o_g)
        dt = ustate.scale.dtype
        return State(theta, d), RatioClipState(clf, jnp.min(r).astype(dt), jnp.max(r).astype(dt),
                                               s.astype(dt), opt)


def ratio_clip(lr, lr_disc=None, *, G, D, C, eps=0.2, lr_clf=None, n_disc: int = 5,
               n_gen: int = 5, halvings: int = 10, tx=None) -> RatioClip:
    """The ratio-clipping rule (module docstring).

    Args:
      lr, lr_disc, lr_clf: rates of the generator, the critic (default ``lr``) and the
        classifier (default ``lr_disc``).
      G, D: the game's apply functions (``apply_fn(params, xs)``, hashable).
      C: ``(c_apply, clf_params)``: the auxiliary classifier, logit high on data.
      eps: the clipping range ε.  n_disc, n_gen: critic and surrogate steps per round.
      tx: a rate-free optax transformation for every step (default: plain gradient steps).
    """
    lr_disc = lr if lr_disc is None else lr_disc
    lr_clf = lr_disc if lr_clf is None else lr_clf
    c_apply, clf0 = C
    return RatioClip(lr, lr_disc, lr_clf, eps, clf0, G, D, c_apply, int(n_disc), int(n_gen),
                     int(halvings), tx)
