"""The adversarial autoencoder's linear-Gaussian stationary point (closed form, solved exactly):
the aggregated posterior equals the prior exactly where the field vanishes."""

import jax
import jax.numpy as jnp
import numpy as np

from gandyn.games import State
from gandyn.games.aae import aae_game, reconstruction_error

SIGMA = np.array([[2.0, 0.6], [0.6, 0.5]])


def _sqrtm(S, power):
    w, V = np.linalg.eigh(S)
    return (V * w ** power) @ V.T


def _exact_bank(key, n, cov):
    """n points whose empirical mean is 0 and empirical covariance (1/n) is exactly cov."""
    x = np.asarray(jax.random.normal(key, (n, 2)))
    x = x - x.mean(0)
    x = x @ _sqrtm(x.T @ x / n, -0.5)
    return x @ _sqrtm(cov, 0.5)


def linear(w, xs):
    return xs @ w


def quadratic(psi, zs):
    return 0.5 * jnp.einsum("ni,ij,nj->n", zs, psi["M"], zs) + psi["b"]


def _game():
    data = _exact_bank(jax.random.PRNGKey(0), 64, SIGMA)
    prior = _exact_bank(jax.random.PRNGKey(1), 48, np.eye(2))
    return aae_game(linear, linear, quadratic, data, prior, loss="gan", lam=0.7), data


def test_field_vanishes_where_the_aggregated_posterior_is_the_prior():
    game, data = _game()
    theta = np.deg2rad(30.0)
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    A = _sqrtm(SIGMA, -0.5) @ R                              # Aᵀ Σ A = I
    gen = {"enc": jnp.asarray(A), "dec": jnp.asarray(np.linalg.inv(A))}
    disc = {"M": jnp.zeros((2, 2)), "b": jnp.asarray(0.0)}
    codes = data @ A
    np.testing.assert_allclose(codes.T @ codes / len(codes), np.eye(2), atol=1e-12)
    assert float(reconstruction_error(linear, linear, gen, jnp.asarray(data))) < 1e-20
    v = game.field(State(gen, disc))
    for leaf in jax.tree_util.tree_leaves(v):
        np.testing.assert_allclose(leaf, 0.0, atol=1e-12)


def test_discriminator_field_is_the_covariance_mismatch():
    """At M = 0, b = 0: ∂J/∂M = ¼ (I - Aᵀ Σ̂ A), ∂J/∂b = 0 (hand computation)."""
    game, data = _game()
    A = 1.3 * _sqrtm(SIGMA, -0.5)
    gen = {"enc": jnp.asarray(A), "dec": jnp.asarray(np.linalg.inv(A))}
    v = game.field(State(gen, {"M": jnp.zeros((2, 2)), "b": jnp.asarray(0.0)}))
    np.testing.assert_allclose(v.disc["M"], 0.25 * (np.eye(2) - A.T @ SIGMA @ A), atol=1e-12)
    np.testing.assert_allclose(v.disc["b"], 0.0, atol=1e-12)
    assert float(jnp.max(jnp.abs(v.disc["M"]))) > 0.1
