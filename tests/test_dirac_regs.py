"""The regulariser protocol: order does not matter, numbers are traced leaves, a user-defined
regulariser composes without touching the library."""

import dataclasses
import itertools
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn.analysis import eigenvalues, jacobian
from gandyn.games import State
from gandyn.games.dirac import (
    NK,
    R1,
    R2,
    WGANLP,
    LeCam,
    Noise,
    Regulariser,
    dirac,
)
from gandyn.games.dirac_regs import regulariser

REGS = (Noise(0.4), R1(0.7), R2(0.2), NK(0.3), LeCam(0.5, 2.0), WGANLP(0.6, 0.5))


@jax.jit
def _field(game, th, ps, a):
    return game.field(State(th, (ps, a)))


@settings(max_examples=6, deadline=None)
@given(st.permutations(range(len(REGS))), st.integers(3, len(REGS)))
def test_composition_order_does_not_matter(perm, k):
    """Any order builds the same game (same name, same compiled field, same numbers)."""
    chosen = [REGS[i] for i in perm[:k]] + [REGS[4]] * (4 not in perm[:k])
    z = (jnp.array([0.3, -0.7]), jnp.array([0.5, 0.8]), jnp.array([0.1, -0.2]))
    ref = _field(dirac("lsgan", tuple(reversed(chosen)), dim=2, c=0.3), *z)
    for order in itertools.islice(itertools.permutations(chosen), 3):
        game = dirac("lsgan", tuple(order), dim=2, c=0.3)
        assert game.name == dirac("lsgan", tuple(reversed(order))).name
        got = _field(game, *z)
        for x, y in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(ref)):
            np.testing.assert_array_equal(x, y)


def test_vmap_over_numbers_equals_a_loop():
    lams, rhos = jnp.linspace(0.1, 2.0, 5), jnp.linspace(0.5, 3.0, 5)
    f = jax.jit(lambda lam, rho: eigenvalues(jacobian(dirac("gan", (LeCam(lam, rho), R1(lam)),
                                                           c=0.4))))
    batched = np.asarray(jax.vmap(f)(lams, rhos))
    for i in range(5):
        np.testing.assert_allclose(np.sort_complex(batched[i]),
                                   np.sort_complex(np.asarray(f(lams[i], rhos[i]))), atol=1e-12)


@regulariser
class _Tikhonov(Regulariser):
    """A user's own penalty on the generator, I -= μ/2 ‖θ - c‖²: no library edit needed."""

    mu: Any
    name: ClassVar[str] = "tikhonov"

    def gen_penalty(self, x):
        return 0.5 * self.mu * jnp.sum((x.theta - x.c) ** 2)


def test_a_user_defined_regulariser_composes():
    # WGAN + μ/2‖θ‖²: Jacobian [[-μ, -1], [1, 0]], eigenvalues -μ/2 ± sqrt(μ²/4 - 1)
    e = np.sort_complex(np.asarray(eigenvalues(jax.jit(jacobian)(dirac("wgan", _Tikhonov(0.6))))))
    ref = np.sort_complex([-0.3 + np.sqrt(0.91) * 1j, -0.3 - np.sqrt(0.91) * 1j])
    np.testing.assert_allclose(e, ref, atol=1e-12)
    assert dataclasses.is_dataclass(_Tikhonov) and dirac("wgan", _Tikhonov(1.0)).objectives


def test_strings_are_refused_with_the_classes_named():
    with pytest.raises(ValueError, match="objects, not names"):
        dirac("gan", "r1")
    with pytest.raises(TypeError, match="not a Dirac-GAN regulariser"):
        dirac("gan", (1.0,))
