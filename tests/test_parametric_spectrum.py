"""Spectra of parametric games: Arnoldi through jvp against the dense Jacobian; consensus moves
the cloud left by exactly γ‖v'‖_F²/n in the mean at a stationary point."""

import jax
import jax.numpy as jnp
import numpy as np

from gandyn.analysis.parametric_spectrum import (
    arnoldi_eigenvalues,
    cloud_summary,
    dense_eigenvalues,
    eigenvalue_cloud,
)
from gandyn.analysis.spectrum import jacobian
from gandyn.games import State
from gandyn.games.sampled import neural_dirac, sampled_game
from gandyn.players import mlp
from gandyn.updaters.consensus import Consensus


def _small_gan():
    k = jax.random.split(jax.random.PRNGKey(0), 4)
    g, th = mlp(k[0], 1, width=3, depth=1, out_dim=1, activation="tanh")
    d, ps = mlp(k[1], 1, width=4, depth=1, activation="tanh")
    data = jax.random.normal(k[2], (16, 1)) + 1.0
    z = jax.random.normal(k[3], (16, 1))

    def gen(p, zs):
        return g(p, zs)[:, None]

    return sampled_game(loss="nsgan", G=(gen, th), D=(d, ps), data=data, latents=z), State(th, ps)


def _match(a, b, tol):
    """Every value of a has a partner in b (greedy, conjugate-pair safe)."""
    b = list(b)
    for x in a:
        i = int(np.argmin([abs(x - y) for y in b]))
        assert abs(x - b[i]) < tol * max(1.0, abs(x)), (x, b[i])
        b.pop(i)


def test_arnoldi_top_k_equal_dense():
    game, z = _small_gan()
    dense = np.asarray(dense_eigenvalues(game, z))
    n = dense.size
    assert n > 20
    top = dense[np.argsort(-np.abs(dense))][:4]
    ritz = arnoldi_eigenvalues(game, z, k=4, m=n)
    _match(ritz, dense, 1e-7)
    np.testing.assert_allclose(np.abs(ritz), np.abs(top), rtol=1e-7)
    cloud = eigenvalue_cloud(game, jax.tree_util.tree_map(lambda a: jnp.stack([a, a]), z))
    np.testing.assert_allclose(np.sort_complex(np.asarray(cloud[1])), np.sort_complex(dense),
                               atol=1e-10)
    assert cloud_summary(dense)["n"] == n


def test_consensus_moves_the_mean_real_part_by_the_frobenius_norm():
    game = neural_dirac("gan", c=jnp.array([1.0, -0.5]), dim=2)
    z = game.equilibrium                             # v = 0 there
    gamma = 0.7
    J = np.asarray(jacobian(game, z))
    Jc = np.asarray(jacobian(Consensus(gamma)(game), z))
    np.testing.assert_allclose(Jc, J - gamma * J.T @ J, atol=1e-12)
    e, ec = cloud_summary(np.linalg.eigvals(J)), cloud_summary(np.linalg.eigvals(Jc))
    np.testing.assert_allclose(ec["mean_real"] - e["mean_real"],
                               -gamma * np.sum(J * J) / J.shape[0], atol=1e-12)
    assert ec["max_real"] < e["max_real"] - 1e-3
