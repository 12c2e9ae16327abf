"""CT-GAN's consistency term, LS-GAN's margin, EBGAN's auto-encoder energy: hand computations."""

import jax
import jax.numpy as jnp
import numpy as np

from gandyn.games import State
from gandyn.games.methods_regs import (
    AutoencoderEnergy,
    ConsistencyTerm,
    LossSensitive,
    autoencoder_energy,
    ebgan_triple,
)
from gandyn.games.sampled import sampled_game
from gandyn.games.sampled_regs import REGULARISERS, EBGANMargin

X = np.array([[0.0, 1.0], [2.0, -1.0], [1.0, 1.0]])
F = np.array([[1.0, 1.0], [-1.0, 0.5]])
W = np.array([0.5, -2.0])


def linear(w, xs):
    return xs @ w


def gen_shift(theta, zs):
    return zs + theta


def test_registered():
    assert REGULARISERS["ct"] is ConsistencyTerm and REGULARISERS["ls-margin"] is LossSensitive


def test_consistency_term_by_hand():
    d1 = np.array([[0.1, 0.0], [0.0, 0.0], [0.0, 0.3]])
    d2 = np.array([[0.0, 0.2], [0.5, 0.0], [0.0, 0.0]])
    reg = ConsistencyTerm(lam=2.0, m=0.5, delta=np.stack([d1, d2])).bind(X, F)
    D = lambda xs: linear(W, xs)  # noqa: E731
    # |w·(d1 - d2)| / ‖d1 - d2‖ per pair: |0.05+0.4|/√0.05, |−0.25|/0.5, |−0.6|/0.3
    r = [0.45 / np.sqrt(0.05), 0.25 / 0.5, 0.6 / 0.3]
    want = 2.0 * np.mean([max(0.0, v - 0.5) for v in r])
    np.testing.assert_allclose(float(reg.penalty(D, jnp.asarray(X), jnp.asarray(F))), want,
                               rtol=1e-12)
    # default bank: finite differences along the axes, |w_k| for a linear D
    reg0 = ConsistencyTerm(lam=1.0, m=0.0).bind(X, F)
    np.testing.assert_allclose(float(reg0.penalty(D, jnp.asarray(X), jnp.asarray(F))),
                               np.mean([0.5, 2.0, 0.5]), rtol=1e-12)


def test_loss_sensitive_margin_by_hand_and_in_the_game():
    reg = LossSensitive(lam=3.0, p=1)
    D = lambda xs: linear(W, xs)  # noqa: E731
    pairs = [(X[0], F[0]), (X[1], F[1]), (X[2], F[0])]        # k mod N, k mod M, K = 3
    want = 3.0 * np.mean([max(0.0, np.abs(x - f).sum() + W @ x - W @ f) for x, f in pairs])
    np.testing.assert_allclose(float(reg.penalty(D, jnp.asarray(X), jnp.asarray(F))), want,
                               rtol=1e-12)
    # the LS-GAN game: J = -mean L(x) - penalty; its ψ-gradient by hand
    game = sampled_game(*ebgan_triple(), G=(gen_shift, jnp.zeros(2)), D=(linear, jnp.asarray(W)),
                        data=X, latents=F, regs=(reg,))
    v = game.field(State(jnp.zeros(2), jnp.asarray(W)))
    g = -X.mean(0)
    for x, f in pairs:
        if np.abs(x - f).sum() + W @ x - W @ f > 0:
            g = g - 3.0 * (x - f) / 3
    np.testing.assert_allclose(v.disc, g, rtol=1e-12)
    np.testing.assert_allclose(v.gen, -W, rtol=1e-12)       # the generator descends mean L(G(z))


def test_ebgan_autoencoder_energy_and_margin():
    def enc(p, xs):
        return xs @ p

    def dec(p, cs):
        return cs @ p

    A = jnp.array([[1.0, 0.5], [0.0, 2.0]])
    B = jnp.array([[0.5, 0.0], [0.1, 1.0]])
    E = AutoencoderEnergy(enc, dec)
    e = E({"enc": A, "dec": B}, jnp.asarray(X))
    want = [np.mean((x @ np.asarray(A) @ np.asarray(B) - x) ** 2) for x in X]
    np.testing.assert_allclose(e, want, rtol=1e-12)
    # EBGAN: the critic minimises D(x) + [m - D(G(z))]⁺ (J is its negative)
    game = sampled_game(*ebgan_triple(), G=(gen_shift, jnp.zeros(2)),
                        D=(E, {"enc": A, "dec": B}), data=X, latents=F, regs=(EBGANMargin(2.0),))
    J = game.objectives[1](jnp.zeros(2), {"enc": A, "dec": B}, game.params)
    ef = [np.mean((f @ np.asarray(A) @ np.asarray(B) - f) ** 2) for f in F]
    np.testing.assert_allclose(float(J), -(np.mean(want) + np.mean([max(0, 2 - v) for v in ef])),
                               rtol=1e-12)
    E2, p2 = autoencoder_energy(jax.random.PRNGKey(0), 2, 2, width=8)
    assert E2(p2, jnp.asarray(X)).shape == (3,)
