"""The grid game: K = I reproduces the pointwise field exactly; a kernel filters only D."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gandyn.analysis.spectrum import eigenvalues, jacobian
from gandyn.expr import parse
from gandyn.games.base import State
from gandyn.games.grid import grid
from gandyn.games.pointwise import at_pd as pointwise_at
from gandyn.games.pointwise import triple

# (f1, f2, f3, D0, domain, box of test states)
TRIPLES = [
    ("log(x)", "log(1-x)", "-log(1-x)", 0.5, (0.0, 1.0), (0.05, 0.95)),
    ("log(x)", "log(1-x)", "log(x)", 0.5, (0.0, 1.0), (0.05, 0.95)),
    ("-x**2/2", "x", "x", 1.0, (-10, 10), (-2.0, 3.0)),
    ("-(x-1)**2/2", "-x**2/2", "-(x-1)**2/2", 0.5, (-10, 10), (-2.0, 3.0)),
]


@pytest.mark.parametrize("f1,f2,f3,D0,domain,box", TRIPLES)
def test_identity_kernel_is_the_pointwise_field(f1, f2, f3, D0, domain, box):
    fs = [parse(t) for t in (f1, f2, f3)]
    pds = jnp.array([0.2, 0.5, 1.0, 3.0, 0.07])
    g = grid(*fs, kernel=jnp.eye(5), pd=pds, D0=D0, domain=domain)
    rng = np.random.default_rng(0)
    d = jnp.asarray(rng.uniform(*box, (7, 5)))
    pg = jnp.asarray(rng.uniform(0.0, 2.0, (7, 5)))
    v = jax.vmap(g.field)(State(pg, d))
    ref = triple(*fs, pd=1.0, D0=D0, domain=domain)
    w = jax.vmap(jax.vmap(lambda p, a, b: pointwise_at(ref, p).field(State(a, b))),
                 in_axes=(None, 0, 0))(pds, pg, d)
    for a, b in ((v.gen, w.gen), (v.disc, w.disc)):
        assert np.all(np.abs(np.asarray(a - b)) <= 1e-12 * np.maximum(1, np.abs(b)))


def test_identity_kernel_spectrum_is_the_union_of_pointwise_spectra():
    fs = [parse(t) for t in ("-x**2/2", "x", "-x")]
    pds = jnp.array([0.2, 1.0, 3.0])
    g = grid(*fs, kernel=None, pd=pds, D0=1.0, domain=(-10, 10))
    ev = np.sort_complex(np.asarray(eigenvalues(jacobian(g))))
    # pointwise: λ = -p_d/2 ± sqrt(p_d²/4 - 1) (the quadratic triple's closed form)
    ref = np.concatenate([[-p / 2 + np.sqrt(complex(p * p / 4 - 1)),
                           -p / 2 - np.sqrt(complex(p * p / 4 - 1))] for p in pds])
    np.testing.assert_allclose(ev, np.sort_complex(ref), atol=1e-9)


def test_kernel_none_and_matvec_agree_with_matrix():
    fs = [parse(t) for t in ("-x**2/2", "x", "-x")]
    K = jnp.array([[2.0, 0.5, 0.1], [0.5, 1.0, 0.3], [0.1, 0.3, 1.5]])
    z = State(jnp.array([0.1, 0.7, 1.3]), jnp.array([0.2, -0.4, 1.1]))
    a = grid(*fs, kernel=K, pd=0.4, D0=1.0, domain=(-10, 10)).field(z)
    b = grid(*fs, kernel=_Matvec(K), pd=jnp.full(3, 0.4), D0=1.0, domain=(-10, 10)).field(z)
    c = grid(*fs, pd=0.4, n=3, D0=1.0, domain=(-10, 10)).field(z)
    u = 0.4 * -z.disc + z.gen * 1.0          # p_d f1'(D) + p_g f2'(D)
    np.testing.assert_allclose(a.disc, K @ u, rtol=1e-14)
    np.testing.assert_allclose(b.disc, a.disc, rtol=1e-14)
    np.testing.assert_allclose(c.disc, u, rtol=1e-14)
    np.testing.assert_allclose(a.gen, -z.disc + 1.0, rtol=1e-14)


class _Matvec:
    def __init__(self, K):
        self.K = K

    def __call__(self, v):
        return self.K @ v


def test_bad_shapes_are_refused():
    fs = [parse(t) for t in ("-x**2/2", "x", "-x")]
    kw = {"D0": 1.0, "domain": (-10, 10)}
    with pytest.raises(ValueError):
        grid(*fs, kernel=jnp.ones((2, 3)), **kw)
    with pytest.raises(ValueError):
        grid(*fs, kernel=jnp.eye(3), pd=jnp.ones(2), **kw)
    with pytest.raises(ValueError):
        grid(*fs, kernel=jnp.eye(2), pd=jnp.array([1.0, 0.0]), **kw)


def test_kernel_is_a_traced_leaf():
    fs = [parse(t) for t in ("-x**2/2", "x", "-x")]
    g = grid(*fs, kernel=jnp.eye(2), pd=0.5, D0=1.0, domain=(-10, 10))
    ks = jnp.stack([jnp.eye(2), 2 * jnp.eye(2)])
    tr = jax.vmap(lambda K: jnp.trace(jacobian(g.replace(params={**g.params, "K": K}))))(ks)
    np.testing.assert_allclose(tr, [-1.0, -2.0], atol=1e-12)   # trace = p_d (f1''+f2'') tr(K)
