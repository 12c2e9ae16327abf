"""``jacobian(game, state)`` is the Jacobian of ``game.field``: central differences of the
flattened field, float64, at a generic (non-equilibrium, fixed random) state, for every game of
the registry and every sampled method (each named loss, each regulariser, WGAN-QC by sorting
and by LP, ratio clipping with and without re-weighting, the adversarial autoencoder, a
spectrally normalised critic by SVD and by power iteration, in the sampled game and in each
method game)."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from gandyn.analysis.spectrum import jacobian
from gandyn.games import State
from gandyn.games.aae import aae_game
from gandyn.games.ratio_clip import ratio_clip_game
from gandyn.games.registry import all_games
from gandyn.games.sampled import LOSSES, ZOO, sampled_game
from gandyn.games.sampled_regs import DRAGAN, REGULARISERS
from gandyn.games.wgan_qc import wgan_qc_game
from gandyn.players import mlp

H = 1e-5          # central-difference step (states are O(1)): truncation ~ H² ≈ 1e-10
RTOL = 1e-6       # of the Jacobian's norm


def central_differences(game, state, h=H):
    z, unravel = ravel_pytree(jax.tree_util.tree_map(jnp.asarray, state))
    flat = jax.jit(jax.vmap(lambda zf: ravel_pytree(game.field(unravel(zf)))[0]))
    E = h * jnp.eye(z.size, dtype=z.dtype)
    return np.asarray((flat(z + E) - flat(z - E)) / (2 * h)).T


def assert_jacobian_is_field_derivative(game, state):
    J = np.asarray(jax.jit(jacobian)(game, state))   # jit: eager dispatch is slow
    F = central_differences(game, state)
    assert np.all(np.isfinite(J)) and np.all(np.isfinite(F))
    norm = np.linalg.norm(F)
    assert norm > 0
    err = np.max(np.abs(J - F))
    assert err <= RTOL * norm, f"{game.name}: max |jacobian - central diff| = {err:.3g}, " \
                               f"|J| = {norm:.3g}"


def _perturb(state, key, scale):
    leaves, tree = jax.tree_util.tree_flatten(jax.tree_util.tree_map(jnp.asarray, state))
    keys = jax.random.split(key, len(leaves))
    return jax.tree_util.tree_unflatten(
        tree, [x + scale * jax.random.normal(k, x.shape, x.dtype) for x, k in zip(leaves, keys)])


def _registry():
    return [(f"{s}:{n}", f) for s, zoo in all_games().items() for n, f in zoo]


@pytest.mark.parametrize("label,factory", _registry(), ids=[n for n, _ in _registry()])
def test_registry_games(label, factory):
    game = factory()
    # a generic point near the equilibrium (inside every domain), not the equilibrium itself
    state = _perturb(game.equilibrium, jax.random.PRNGKey(7), 0.05)
    assert bool(game.in_domain(state))
    assert_jacobian_is_field_derivative(game, state)


# -- sampled methods ---------------------------------------------------------------------------
def _players(key, dim=2, latent=2, width=3):
    kg, kd = jax.random.split(key)
    G = mlp(kg, latent, width=width, depth=1, activation="tanh", out_dim=dim)
    D = mlp(kd, dim, width=width, depth=1, activation="tanh")
    return G, D


def _banks(key, n=5, m=4, dim=2, latent=2):
    k1, k2 = jax.random.split(key)
    return jax.random.normal(k1, (n, dim)), jax.random.normal(k2, (m, latent))


def _state(G, D):
    # away from the initialisation's symmetries: every parameter moved by a fixed random amount
    return _perturb(State(G[1], D[1]), jax.random.PRNGKey(11), 0.3)


def _sampled(loss, reg):
    G, D = _players(jax.random.PRNGKey(1))
    data, lat = _banks(jax.random.PRNGKey(2))
    if reg == "dragan":
        reg = DRAGAN(10.0, 1.0, 0.3 * jax.random.normal(jax.random.PRNGKey(3), (5, 2)))
    regs = () if reg is None else (reg,)
    return sampled_game(loss=loss, G=G, D=D, data=data, latents=lat, regs=regs), _state(G, D)


SAMPLED = ([(loss, None) for loss in LOSSES]
           + [("wgan", r) for r in REGULARISERS if r != "clip"]     # clip: a projection only
           + [("gan", "nk"), ("gan", "r1")])


@pytest.mark.parametrize("loss,reg", SAMPLED, ids=[f"{l}+{r}" for l, r in SAMPLED])
def test_sampled_losses_and_regularisers(loss, reg):
    assert_jacobian_is_field_derivative(*_sampled(loss, reg))


SN = [("power", "wgan", None), ("power", "gan", "r1"), ("power", "nsgan", "nk"),
      ("power", "wgan", "reweight"), ("exact", "hinge", None)]


@pytest.mark.parametrize("sn,loss,reg", SN, ids=[f"{s}-{l}+{r}" for s, l, r in SN])
def test_spectrally_normalised_critic(sn, loss, reg):
    # "power": the field of the weights depends on the stored power-iteration vector u and
    # on W through the step's (u, v), held in ∇_ψ only; the u coordinates' own field is 0
    kg, kd = jax.random.split(jax.random.PRNGKey(16))
    G = mlp(kg, 2, width=3, depth=1, activation="tanh", out_dim=2)
    D = mlp(kd, 2, width=4, depth=1, activation="tanh", spectral_norm=sn, b_std=0.5)
    data, lat = _banks(jax.random.PRNGKey(17), n=4, m=3)
    game = sampled_game(loss=loss, G=G, D=D, data=data, latents=lat,
                        regs=() if reg is None else (reg,))
    state = _perturb(State(G[1], D[1]), jax.random.PRNGKey(18), 0.3)
    assert_jacobian_is_field_derivative(game, state)
    if sn == "power":
        v = jax.jit(game.field)(state).disc["spectral"]
        assert all(float(jnp.max(jnp.abs(x))) == 0 for x in jax.tree_util.tree_leaves(v))


def test_sampled_zoo():
    for _, factory in ZOO:
        game = factory()
        assert_jacobian_is_field_derivative(game, _perturb(game.equilibrium,
                                                           jax.random.PRNGKey(5), 0.2))


@pytest.mark.parametrize("reweight", [True, False])
def test_ratio_clip_critic(reweight):
    G, D = _players(jax.random.PRNGKey(4))
    data, lat = _banks(jax.random.PRNGKey(6), n=4, m=4)
    game = ratio_clip_game(G, D, data, lat, lam=3.0, reweight=reweight)
    assert_jacobian_is_field_derivative(game, _state(G, D))


def quadratic_generator(theta, zs):
    """1-D G(z) = θ0 z + θ1 z² + θ2 (smooth, the sort order of the fakes generic)."""
    return theta[0] * zs + theta[1] * zs ** 2 + theta[2]


@pytest.mark.parametrize("dim,n,m,method", [(1, 5, 5, "sort"), (1, 5, 5, "lp"),
                                            (2, 5, 4, "lp")])
def test_wgan_qc(dim, n, m, method):
    key = jax.random.PRNGKey(8)
    if dim == 1:
        G = (quadratic_generator, jnp.array([1.3, 0.4, 0.2]))
        D = mlp(key, 1, width=3, depth=1, activation="tanh")
        data = jax.random.normal(jax.random.PRNGKey(9), (n, 1))
        lat = jax.random.normal(jax.random.PRNGKey(10), (m, 1))
    else:
        G, D = _players(key, dim=dim)
        data, lat = _banks(jax.random.PRNGKey(12), n=n, m=m, dim=dim)
    game = wgan_qc_game(G, D, data, lat, gamma=0.7, K=1.5, method=method)
    state = _perturb(State(G[1], D[1]), jax.random.PRNGKey(13), 0.1)
    assert_jacobian_is_field_derivative(game, state)


@pytest.mark.parametrize("lam", [0.5])
def test_aae(lam):
    k = jax.random.split(jax.random.PRNGKey(14), 5)
    enc, pe = mlp(k[0], 3, width=3, depth=1, activation="tanh", out_dim=2)
    dec, pd = mlp(k[1], 2, width=3, depth=1, activation="tanh", out_dim=3)
    disc, ps = mlp(k[2], 2, width=3, depth=1, activation="tanh")
    game = aae_game(enc, dec, disc, jax.random.normal(k[3], (5, 3)),
                    jax.random.normal(k[4], (4, 2)), loss="nsgan", lam=lam)
    state = _perturb(State({"enc": pe, "dec": pd}, ps), jax.random.PRNGKey(15), 0.2)
    assert_jacobian_is_field_derivative(game, state)


@functools.cache
def _reweight_block():
    """The critic-by-generator block of the re-weighted critic, by jacobian and by central
    differences (for the report: the block the weights' dependence on θ feeds)."""
    game, state = _sampled("wgan", "reweight")
    ng = ravel_pytree(state.gen)[0].size
    J, F = np.asarray(jax.jit(jacobian)(game, state)), central_differences(game, state)
    return J[ng:, :ng], F[ng:, :ng]


def test_reweighted_critic_block_is_not_empty():
    Jb, Fb = _reweight_block()
    assert np.linalg.norm(Fb) > 1e-3
    np.testing.assert_allclose(Jb, Fb, atol=RTOL * np.linalg.norm(Fb))


# -- power-SN players in the method games: their held (u, v) move with the point ----------------
def _sn_players(key, dim=2, latent=2, g_sn=None):
    kg, kd = jax.random.split(key)
    G = mlp(kg, latent, width=3, depth=1, activation="tanh", out_dim=dim, spectral_norm=g_sn,
            b_std=0.5)
    D = mlp(kd, dim, width=4, depth=1, activation="tanh", spectral_norm="power", b_std=0.5)
    return G, D


@pytest.mark.parametrize("reweight,g_sn", [(True, None), (False, None), (True, "power")])
def test_ratio_clip_power_sn(reweight, g_sn):
    G, D = _sn_players(jax.random.PRNGKey(19), g_sn=g_sn)
    data, lat = _banks(jax.random.PRNGKey(20), n=4, m=3)
    game = ratio_clip_game(G, D, data, lat, lam=2.0, reweight=reweight)
    assert_jacobian_is_field_derivative(game, _state(G, D))


@pytest.mark.parametrize("dim,method", [(1, "sort"), (2, "lp")])
def test_wgan_qc_power_sn(dim, method):
    G, D = _sn_players(jax.random.PRNGKey(21), dim=dim, latent=dim)
    if dim == 1:   # an MLP with one output returns (B,), not points (B, 1)
        G = (quadratic_generator, jnp.array([0.9, -0.3, 0.1]))
    data, lat = _banks(jax.random.PRNGKey(22), n=4, m=4 if dim == 1 else 3, dim=dim,
                       latent=dim)
    game = wgan_qc_game(G, D, data, lat, gamma=0.4, K=1.2, method=method)
    state = _perturb(State(G[1], D[1]), jax.random.PRNGKey(23), 0.1)
    assert_jacobian_is_field_derivative(game, state)


def test_aae_power_sn():
    # every network power-SN: the encoder's and decoder's (u, v) as well as the critic's
    k = jax.random.split(jax.random.PRNGKey(24), 5)
    kw = dict(width=3, depth=1, activation="tanh", spectral_norm="power", b_std=0.5)
    enc, pe = mlp(k[0], 3, out_dim=2, **kw)
    dec, pd = mlp(k[1], 2, out_dim=3, **kw)
    disc, ps = mlp(k[2], 2, **kw)
    game = aae_game(enc, dec, disc, jax.random.normal(k[3], (4, 3)),
                    jax.random.normal(k[4], (5, 2)), loss="gan", lam=0.7)
    state = _perturb(State({"enc": pe, "dec": pd}, ps), jax.random.PRNGKey(25), 0.2)
    assert_jacobian_is_field_derivative(game, state)
