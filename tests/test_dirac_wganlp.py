"""WGAN-LP (Petzka et al. 2018): λ max(0, ‖ψ‖ - g0)² for the linear discriminator."""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn.analysis import eigenvalues, jacobian
from gandyn.games import State
from gandyn.games.dirac import WGANLP, dirac


@jax.jit
def _eigs(lam, g0):
    return eigenvalues(jacobian(dirac("gan", WGANLP(lam, g0), dim=2, c=0.0)))


@settings(max_examples=10, deadline=None)
@given(st.floats(0.01, 3.0), st.floats(0.05, 2.0))
def test_zero_near_the_equilibrium_so_the_spectrum_is_the_losss_own(lam, g0):
    # GAN: f'(0) = 1/2, a centre ±i/2 twice (the penalty's curvature is 0 for ‖ψ‖ < g0)
    e = np.sort_complex(np.asarray(_eigs(lam, g0)))
    np.testing.assert_allclose(e, np.sort_complex([-0.5j, -0.5j, 0.5j, 0.5j]), atol=1e-12)
    assert dirac("gan", WGANLP(lam, g0)).smooth


def test_zero_target_is_a_full_quadratic_penalty():
    # λ‖ψ‖²: ψψ entry -2λ, so -λ ± sqrt(λ² - f'(0)²) (WGAN: f'(0) = 1)
    e = np.sort_complex(np.asarray(eigenvalues(jacobian(dirac("wgan", WGANLP(0.5, 0.0))))))
    np.testing.assert_allclose(e, np.sort_complex([-0.5 + 0.75**0.5 * 1j, -0.5 - 0.75**0.5 * 1j]),
                               atol=1e-12)


@jax.jit
def _fields(theta, psi, lam, g0):
    reg = dirac("wgan", WGANLP(lam, g0), dim=2).field(State(theta, psi)).disc
    return reg, dirac("wgan", dim=2).field(State(theta, psi)).disc


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-2, 2), min_size=2, max_size=2),
       st.lists(st.floats(-3, 3), min_size=2, max_size=2).filter(
           lambda v: np.hypot(*v) > 1e-3), st.floats(0.1, 2.0), st.floats(0.1, 2.0))
def test_field_is_the_one_sided_gradient(theta, psi, lam, g0):
    """v_ψ = loss field - 2λ max(0, ‖ψ‖ - g0) ψ/‖ψ‖, and = -∇ of the penalty by jax.grad."""
    th, ps = jnp.asarray(theta), jnp.asarray(psi)
    got, loss = (np.asarray(x) for x in _fields(th, ps, lam, g0))
    n = np.linalg.norm(psi)
    closed = -2 * lam * max(0.0, n - g0) * np.asarray(psi) / n
    np.testing.assert_allclose(got - loss, closed, rtol=1e-12, atol=1e-12)
    pen = lambda p: lam * jnp.maximum(0.0, jnp.linalg.norm(p) - g0) ** 2
    np.testing.assert_allclose(got - loss, -np.asarray(jax.grad(pen)(ps)), rtol=1e-12, atol=1e-12)
