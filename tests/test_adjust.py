"""Field adjustments as Game -> Game transforms; objectives of the built-in games; LA/LOLA
against independent jax.grad computations on the objectives."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn import State, jacobian
from gandyn.analysis.discrete import update_eigenvalues
from gandyn.games import pointwise
from gandyn.games.bilinear import bilinear
from gandyn.games.dirac import NK, R1, LeCam, Noise, dirac
from gandyn.games.registry import all_games
from gandyn.updaters import (
    LA,
    LOLA,
    Adjusted,
    Consensus,
    adjust,
    alternating,
    consensus,
    extragradient,
    simultaneous,
)

FEW = settings(max_examples=10, deadline=None)


def _flat(s):
    return np.concatenate([np.ravel(x) for x in jax.tree_util.tree_leaves(s)])


# -- objectives: their gradients are the fields -------------------------------------------------
def _grads(game, z):
    I, J = game.objectives
    return State(jax.grad(I, 0)(z.gen, z.disc, game.params), jax.grad(J, 1)(z.gen, z.disc,
                                                                           game.params))


@FEW
@given(st.floats(0.05, 2.0), st.floats(0.05, 0.95), st.sampled_from(["classic", "goodfellow",
                                                                      "lsgan", "quadratic"]))
def test_pointwise_objectives_are_the_fields(pg, D, name):
    game = pointwise.game(name, 0.3)
    z = State(jnp.float64(pg), jnp.float64(D))
    np.testing.assert_allclose(_flat(_grads(game, z)), _flat(game.field(z)), rtol=1e-12,
                               atol=1e-12)


_vec = st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=2)


@jax.jit
def _dirac_check(th, ps, a):
    game = dirac("gan", (R1(0.7), NK(0.4), LeCam(0.5, 2.0)), dim=2, c=jnp.array([0.3, -0.2]))
    z = State(th, (ps, a))
    return _grads(game, z), game.field(z)


@FEW
@given(_vec, _vec, _vec)
def test_dirac_objectives_are_the_fields_regularisers_included(th, ps, a):
    got, v = _dirac_check(jnp.array(th), jnp.array(ps), jnp.array(a))
    np.testing.assert_allclose(_flat(got), _flat(v), rtol=1e-11, atol=1e-11)


def test_dirac_noise_objective_matches_the_exact_field_away_from_zero():
    game = dirac("lsgan", Noise(0.6), dim=2, c=0.4)
    z = State(jnp.array([0.3, -0.8]), jnp.array([0.5, 0.9]))
    np.testing.assert_allclose(_flat(_grads(game, z)), _flat(game.field(z)), rtol=1e-11)


@pytest.mark.parametrize("A", [1.0, [[1.0, 0.5, 0.0], [0.0, -1.0, 2.0]]])
def test_bilinear_objectives_are_the_fields(A):
    game = bilinear(A, a=0.3, b=0.2)
    m, n = np.shape(A) if np.ndim(A) else ((), ())
    z = State(jnp.linspace(0.2, 0.9, np.prod(m, dtype=int)).reshape(m),
              jnp.linspace(-0.5, 0.4, np.prod(n, dtype=int)).reshape(n))
    np.testing.assert_allclose(_flat(_grads(game, z)), _flat(game.field(z)), rtol=1e-13)


# -- LA and LOLA against closed forms and jax.grad of the objectives ----------------------------
@FEW
@given(st.floats(0.05, 2.0), st.floats(0.05, 0.95), st.floats(0.01, 1.0))
def test_la_and_lola_on_the_classic_triple_closed_form(pg, D, alpha):
    """f1 = log, f2 = log(1-D), f3 = -log(1-D), D0 = 1/2: v_g = f3(D) - f3(D0), v_d =
    p_d/D - p_g/(1-D); J_gd = f3' = 1/(1-D), J_dg = f2' = -1/(1-D); ∇_D I = p_g f3'(D),
    ∇_{p_g} J = f2(D)."""
    pd = 0.3
    game = pointwise.game("classic", pd)
    z = State(jnp.float64(pg), jnp.float64(D))
    vg, vd = -np.log(1 - D) + np.log(0.5), pd / D - pg / (1 - D)
    jgd, jdg = 1 / (1 - D), -1 / (1 - D)
    la = np.array([vg + alpha * jgd * vd, vd + alpha * jdg * vg])
    lola = la + alpha * np.array([jdg * pg / (1 - D), jgd * np.log(1 - D)])
    np.testing.assert_allclose(_flat(LA(alpha).field(game, z)), la, rtol=1e-12)
    np.testing.assert_allclose(_flat(LOLA(alpha).field(game, z)), lola, rtol=1e-12)


def _anticipation(game, z, look):
    """d/dα at 0 of each player's gradient at the opponent's anticipated point: the generator
    ascends I(g, d + α v_d), the discriminator J(g + α v_g, d); ``look=False`` holds the
    opponent's step fixed (LA), ``True`` differentiates through it (LOLA)."""
    I, J = game.objectives
    p = game.params
    stop = (lambda x: x) if look else jax.lax.stop_gradient

    def gen(a):
        return jax.grad(lambda g: I(g, z.disc + a * stop(game.v_disc(g, z.disc, p)), p))(z.gen)

    def disc(a):
        return jax.grad(lambda d: J(z.gen + a * stop(game.v_gen(z.gen, d, p)), d, p))(z.disc)

    zero = jnp.float64(0.0)
    return State(jax.jacfwd(gen)(zero), jax.jacfwd(disc)(zero))


@pytest.mark.parametrize("game", [
    dirac("gan", (R1(0.7), NK(0.4)), dim=2, c=[0.3, -0.2]),
    dirac("lsgan", dim=1, c=0.5),
    pointwise.game("goodfellow", 0.4),
], ids=["dirac-r1-nk", "dirac-lsgan", "goodfellow"])
def test_la_and_lola_are_the_first_order_anticipation(game):
    like = game.equilibrium
    z = jax.tree_util.tree_map(lambda x: x + 0.3 + 0.1 * jnp.arange(jnp.size(x)).reshape(
        jnp.shape(x)), like)
    got = _both(game, z)
    for (adj, ref), name in zip(got, ("LA", "LOLA")):
        np.testing.assert_allclose(_flat(adj), _flat(ref), rtol=1e-10, atol=1e-12, err_msg=name)


@jax.jit
def _both(game, z):
    v = game.field(z)
    diff = lambda w: jax.tree_util.tree_map(jnp.subtract, w, v)   # linear in α: α = 1
    return ((diff(LA(1.0).field(game, z)), _anticipation(game, z, False)),
            (diff(LOLA(1.0).field(game, z)), _anticipation(game, z, True)))


_ALL = [(f"{s}/{n}", f) for s, zoo in all_games().items() for n, f in zoo]


@pytest.mark.parametrize("factory", [f for _, f in _ALL], ids=[i for i, _ in _ALL])
def test_lola_update_map_is_finite_on_every_game_with_objectives(factory):
    game = factory()
    if not game.smooth:   # no Jacobian at the equilibrium, by construction (WGAN-GP's kink)
        assert game.objectives is not None
        return
    e = np.asarray(_lola_eigs(game, 0.05))
    assert e.size and np.all(np.isfinite(e))


@jax.jit
def _lola_eigs(game, h):
    return update_eigenvalues(game, Adjusted(LOLA(h), simultaneous(h)))


# -- the transform and any step rule --------------------------------------------------------------
def test_adjusted_game_has_the_adjusted_field_and_spectrum():
    game = dirac("gan", R1(0.3), c=0.5)
    g2 = adjust(game, Consensus(0.8))
    J = np.asarray(jacobian(game))
    np.testing.assert_allclose(np.asarray(jacobian(g2)), J - 0.8 * J.T @ J, atol=1e-12)
    assert g2.equilibrium is game.equilibrium and g2.name == "consensus(gan+r1)"


@pytest.mark.parametrize("inner", [alternating(0.2, n_disc=2), extragradient(0.2)],
                         ids=["alternating", "extragradient"])
def test_any_step_rule_runs_on_an_adjusted_game(inner):
    game = dirac("wgan", c=0.2)
    adj = Consensus(0.5)
    z = State(jnp.array([1.0]), jnp.array([0.5]))
    a, _ = Adjusted(adj, inner).step(game, z, ())
    b, _ = inner.step(adjust(game, adj), z, ())
    np.testing.assert_array_equal(_flat(a), _flat(b))
    # by hand for extragradient / alternating on w = v - γ Jᵀv
    w = lambda s: adj.field(game, s)
    if isinstance(inner, type(extragradient(0.2))):
        half = State(z.gen + 0.2 * w(z).gen, z.disc + 0.2 * w(z).disc)
        ref = State(z.gen + 0.2 * w(half).gen, z.disc + 0.2 * w(half).disc)
    else:
        s = z
        for _ in range(2):
            s = State(s.gen, s.disc + 0.2 * w(s).disc)
        ref = State(s.gen + 0.2 * w(s).gen, s.disc)
    np.testing.assert_allclose(_flat(a), _flat(ref), rtol=1e-14)
    assert float(np.linalg.norm(_flat(a) - [0.2, 0.0])) < float(np.linalg.norm([0.8, 0.5]))


def test_consensus_factory_is_the_transform_plus_a_simultaneous_step():
    game, z = dirac("gan", c=0.3), State(jnp.array([0.4]), jnp.array([-0.6]))
    a, _ = consensus(0.1, 0.2, gamma=0.7).step(game, z, ())
    w = Consensus(0.7).field(game, z)
    np.testing.assert_allclose(_flat(a), _flat(State(z.gen + 0.1 * w.gen, z.disc + 0.2 * w.disc)),
                               rtol=1e-15)
