"""The Nagarajan–Kolter field adjustment equals the Dirac-GAN's NK regulariser."""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn.games import State
from gandyn.games.dirac import NK, dirac
from gandyn.updaters import ALL_UPDATERS, adjust
from gandyn.updaters.nk import NKPenalty

_vec = st.lists(st.floats(-2, 2), min_size=2, max_size=2)


@jax.jit
def _fields(th, ps, eta):
    z = State(th, ps)
    return (adjust(dirac("lsgan", dim=2, c=0.3), NKPenalty(eta)).field(z),
            dirac("lsgan", NK(eta), dim=2, c=0.3).field(z))


@settings(max_examples=10, deadline=None)
@given(_vec, _vec, st.floats(0.0, 3.0))
def test_nk_adjustment_is_the_nk_regulariser(th, ps, eta):
    a, b = _fields(jnp.array(th), jnp.array(ps), eta)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


def test_registered():
    assert ALL_UPDATERS["nk"](0.1).name == "nk"
