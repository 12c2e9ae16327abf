"""Bilinear games against their closed-form spectra."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn.analysis import classify, eigenvalues, jacobian, kind_name, verdict, verdict_name
from gandyn.games import State
from gandyn.games import bilinear as B


def _sorted(e):
    e = np.asarray(e, dtype=complex)
    return e[np.lexsort((np.round(e.imag, 6), np.round(e.real, 6)))]


def test_xy_fields_signs_and_centre():
    game = B.xy()
    v = game.field(State(2.0, 3.0))
    assert float(v.gen) == -3.0 and float(v.disc) == 2.0  # x descends xy, y ascends it
    np.testing.assert_allclose(jacobian(game), [[0, -1], [1, 0]])
    e = eigenvalues(jacobian(game))
    assert kind_name(classify(e)) == "centre"
    assert game.equilibrium.gen.shape == () and float(game.equilibrium.gen) == 0.0


@jax.jit
def _scalar_eigs(a, b):
    return eigenvalues(jacobian(B.bilinear(1.0, a, b)))


@settings(max_examples=30)
@given(st.floats(-3, 3), st.floats(-3, 3))
def test_scalar_quadratic_closed_form(a, b):
    """λ = -(a+b)/2 ± sqrt((a-b)²/4 - 1)."""
    s = np.sqrt(complex((a - b) ** 2 / 4 - 1))
    ref = _sorted([-(a + b) / 2 + s, -(a + b) / 2 - s])
    np.testing.assert_allclose(_sorted(_scalar_eigs(a, b)), ref, atol=1e-10)


@jax.jit
def _matrix_eigs(A, a):
    return eigenvalues(jacobian(B.bilinear(A, a, a)))


@settings(max_examples=30)
@given(st.lists(st.floats(-2, 2), min_size=6, max_size=6), st.floats(0, 2))
def test_equal_curvature_spectrum_is_minus_a_plus_i_singular_values(entries, a):
    """a = b: J = -aI + skew, eigenvalues -a ± i s_k (and -a for the extra y dimension)."""
    A = np.array(entries).reshape(2, 3)
    s = np.linalg.svd(A, compute_uv=False)
    ref = _sorted(np.concatenate([-a + 1j * s, -a - 1j * s, [-a]]))
    np.testing.assert_allclose(_sorted(_matrix_eigs(jnp.asarray(A), a)), ref, atol=1e-8)


def test_strongly_monotone_is_stable_and_gradient_flow_converges():
    game = B.bilinear([[1.0, 0.5], [0.0, 2.0]], a=0.3, b=0.2)
    assert verdict_name(verdict(eigenvalues(jacobian(game)))) == "stable"
    z = State(jnp.ones(2), -jnp.ones(2))

    def step(i, z):
        v = game.field(z)
        return State(z.gen + 0.01 * v.gen, z.disc + 0.01 * v.disc)

    z = jax.lax.fori_loop(0, 5000, step, z)
    assert float(jnp.max(jnp.abs(jnp.concatenate([z.gen, z.disc])))) < 1e-3


def test_errors():
    with pytest.raises(ValueError, match="2-D matrix"):
        B.bilinear(np.ones(3))
    with pytest.raises(ValueError, match="finite"):
        B.bilinear([[1.0, np.nan]])


@pytest.mark.parametrize("name, factory", B.ZOO, ids=[n for n, _ in B.ZOO])
def test_zoo_games_work_with_the_analysis(name, factory):
    game = factory()
    assert game.name == name
    v = game.field(game.equilibrium)
    assert float(jnp.max(jnp.abs(jnp.concatenate([jnp.ravel(v.gen), jnp.ravel(v.disc)])))) == 0
    J = np.asarray(jacobian(game))
    assert np.isfinite(J).all()
    np.testing.assert_allclose(J, np.asarray(jacobian(game, State(game.equilibrium.gen + 1,
                                                                  game.equilibrium.disc - 2))))


@jax.jit
def _field_and_jac(A, a, b, x, y):
    game = B.bilinear(A, a, b)
    return game.field(State(x, y)), jacobian(game)


@settings(max_examples=30)
@given(st.lists(st.floats(-2, 2), min_size=6, max_size=6), st.floats(-2, 2), st.floats(-2, 2),
       st.lists(st.floats(-3, 3), min_size=5, max_size=5))
def test_signs_generator_descends_discriminator_ascends(entries, a, b, xy_):
    """v = (-∇_x L, ∇_y L) for L = xᵀAy + a/2‖x‖² - b/2‖y‖², any a, b (also a ≠ b, negative),
    and the Jacobian is the block matrix [[-aI, -A], [Aᵀ, -bI]]."""
    A = jnp.asarray(np.array(entries).reshape(2, 3))
    x, y = jnp.asarray(xy_[:2]), jnp.asarray(xy_[2:])
    L = lambda x, y: x @ A @ y + a / 2 * x @ x - b / 2 * y @ y
    v, J = _field_and_jac(A, a, b, x, y)
    np.testing.assert_allclose(v.gen, -jax.grad(L, 0)(x, y), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(v.disc, jax.grad(L, 1)(x, y), rtol=1e-12, atol=1e-12)
    ref = np.block([[-a * np.eye(2), -np.asarray(A)], [np.asarray(A).T, -b * np.eye(3)]])
    np.testing.assert_allclose(J, ref, atol=1e-14)
