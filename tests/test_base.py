"""The game abstraction and the spectrum core against closed forms."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gandyn import (
    KINDS,
    Box,
    State,
    classify,
    eigenvalues,
    from_fields,
    jacobian,
    kind_name,
    max_lr_simultaneous,
    verdict,
    verdict_name,
    zero_sum,
)
from gandyn.analysis.spectrum import discrete_verdict, spectral_radius

floats = st.floats(-5, 5, allow_nan=False)


def _bilinear():
    # min_x max_y x*y: generator ascends -xy, discriminator ascends xy.
    return zero_sum("xy", lambda g, d, p: g * d, equilibrium=(0.0, 0.0))


def test_zero_sum_gradients_and_centre():
    game = _bilinear()
    v = game.field(State(2.0, 3.0))
    assert float(v.gen) == -3.0 and float(v.disc) == 2.0
    J = jacobian(game)
    np.testing.assert_allclose(J, [[0, -1], [1, 0]])
    e = eigenvalues(J)
    np.testing.assert_allclose(sorted(np.imag(e)), [-1, 1], atol=1e-15)
    assert kind_name(classify(e)) == "centre"
    assert verdict_name(verdict(e)) == "marginal"


@given(st.lists(floats, min_size=4, max_size=4))
def test_closed_form_2x2_matches_eig(entries):
    J = jnp.array(entries, dtype=jnp.float64).reshape(2, 2)
    closed = np.sort_complex(np.asarray(eigenvalues(J)))
    ref = np.sort_complex(np.linalg.eigvals(np.asarray(J)))
    np.testing.assert_allclose(closed, ref, atol=1e-7 * (1 + np.abs(ref).max()))


@pytest.mark.parametrize(
    "eigs, kind",
    [
        ([-1.0, -2.0], "stable node"),
        ([-1 + 1j, -1 - 1j], "stable focus"),
        ([1j, -1j], "centre"),
        ([-1.0, 2.0], "saddle"),
        ([1.0, 2.0], "unstable node"),
        ([1 + 1j, 1 - 1j], "unstable focus"),
        ([0.0, -1.0], "degenerate"),
    ],
)
def test_classify_every_kind(eigs, kind):
    assert KINDS[int(classify(jnp.array(eigs, dtype=jnp.complex128)))] == kind


def test_classify_is_vmappable():
    eigs = jnp.array([[-1.0, -2.0], [1j, -1j], [-1, 2]], dtype=jnp.complex128)
    assert [KINDS[k] for k in jax.vmap(classify)(eigs)] == ["stable node", "centre", "saddle"]


def test_max_lr_simultaneous_is_the_unit_circle_boundary():
    lam = jnp.array([-0.8 + 1.833j, -0.8 - 1.833j])
    h = float(max_lr_simultaneous(lam))
    assert h == pytest.approx(2 * 0.8 / abs(lam[0]) ** 2)
    assert float(spectral_radius(1 + h * lam)) == pytest.approx(1.0)
    assert float(max_lr_simultaneous(jnp.array([1j, -1j]))) == 0.0


def test_discrete_verdict():
    assert int(discrete_verdict(jnp.array([0.5, 0.2]))) == 0
    assert int(discrete_verdict(jnp.array([1j, -1j]))) == 1
    assert int(discrete_verdict(jnp.array([1.1, 0.2]))) == 2


def test_box_domain():
    box = Box(gen_low=0.0, disc_low=0.0, disc_high=1.0, disc_closed=False)
    assert bool(box.contains(State(0.0, 0.5)))
    assert not bool(box.contains(State(0.5, 1.0)))
    assert not bool(box.contains(State(-0.1, 0.5)))
    assert "disc in (0, 1)" in box.describe()


def test_game_is_a_pytree_and_jits_without_recompiling():
    game = from_fields("wgan", _wgan_gen, _wgan_disc, {"pd": 1.0}, equilibrium=(1.0, 0.0))
    f = jax.jit(lambda g: eigenvalues(jacobian(g)))
    f(game)
    n = f._cache_size()
    f(game.replace(params={"pd": 0.5}, equilibrium=State(0.5, 0.0)))
    assert f._cache_size() == n


def _wgan_gen(g, d, p):
    return d


def _wgan_disc(g, d, p):
    return p["pd"] - g


def test_jacobian_needs_a_state_when_no_equilibrium():
    game = from_fields("x", _wgan_gen, _wgan_disc, {"pd": 1.0})
    with pytest.raises(ValueError, match="no known equilibrium"):
        jacobian(game)


def test_public_api_resolves():
    import gandyn

    missing = [n for n in gandyn.__all__ if not hasattr(gandyn, n)]
    assert missing == []


def test_update_jacobian_needs_a_state_when_no_equilibrium():
    from gandyn.analysis.discrete import update_jacobian
    from gandyn.updaters import simultaneous

    game = from_fields("x", _wgan_gen, _wgan_disc, {"pd": 1.0})
    with pytest.raises(ValueError, match="linearise the update map"):
        update_jacobian(game, simultaneous(0.1))


def test_as_state_and_typed_facts():
    from gandyn.games.base import as_state

    assert as_state((1.0, 2.0)) == State(1.0, 2.0)
    s = State(1.0, 2.0)
    assert as_state(s) is s
    game = from_fields("g", lambda g, d, p: -d, lambda g, d, p: g, equilibrium=(0.0, 0.0))
    assert game.smooth is True and game.continua == () and game.objectives is None
    zs = zero_sum("xy", _xy_loss, equilibrium=(0.0, 0.0))
    assert zs.objectives is not None and zs.objectives[1] is _xy_loss
    # static facts are metadata: a jitted function of the game sees them as Python values
    assert jax.jit(lambda g: jnp.asarray(g.smooth))(zs.replace(smooth=False)) == False  # noqa: E712
    with pytest.raises(ValueError, match="pair"):
        from_fields("g", lambda g, d, p: -d, lambda g, d, p: g, objectives=(_xy_loss,))


def _xy_loss(g, d, p):
    return g * d
