"""Spectra of discrete update maps (jacfwd through one step) against closed forms, float64.

Game x·y (min_x max_y xy, field v = (-y, x), Jacobian A with A² = -I) unless said; step η.
Each family is compiled once (``jax.jit`` over the updater pytree: rates are traced leaves)
and hypothesis draws the rates.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn.results import RESULTS
from gandyn import eigenvalues, jacobian, max_lr_simultaneous, zero_sum
from gandyn.analysis.discrete import (
    fixed_point,
    max_stable_lr,
    stability_map,
    update_eigenvalues,
    update_jacobian,
    update_spectral_radius,
    update_verdict,
)
from gandyn.games.bilinear import bilinear, xy
from gandyn.games.dirac import dirac
from gandyn.updaters import (
    alternating,
    cgd,
    consensus,
    extragradient,
    extrapolation_from_past,
    hamiltonian,
    la,
    lola,
    lookahead,
    negative_momentum,
    optax_players,
    optimistic,
    sga,
    simultaneous,
)

XY = xy()
# the same game built from its loss (LOLA needs the objectives, not only the fields)
XY_LOSS = zero_sum("xy", lambda x, y, p: x * y, equilibrium=(0.0, 0.0))
DIRAC = dirac("gan")            # f(t) = -log(1 + e^{-t}): f'(0) = 1/2
F1 = 0.5
SGD1 = optax.sgd(1.0)           # one object: a static of the updater, so one compilation

TOL = {"rtol": 1e-12, "atol": 1e-12}      # assert_allclose
APX = {"rel": 1e-12, "abs": 1e-12}       # pytest.approx
rates = st.floats(0.01, 2.0)

_rho = jax.jit(lambda g, u: update_spectral_radius(g, u))
_eig = jax.jit(lambda g, u: update_eigenvalues(g, u))
_jac = jax.jit(lambda g, u: update_jacobian(g, u))


def _same_spectrum(got, expected, tol=1e-10):
    """Same eigenvalues with multiplicity, compared through the characteristic polynomial's
    coefficients (well conditioned even at the defective double roots some maps have, where the
    eigenvalues themselves are only sqrt(eps) accurate)."""
    got, expected = np.asarray(got, complex), np.asarray(expected, complex)
    assert got.shape == expected.shape
    np.testing.assert_allclose(np.poly(got), np.poly(expected), rtol=0, atol=tol)


@given(rates)
def test_simultaneous(eta):
    assert float(_rho(XY, simultaneous(eta))) == pytest.approx(np.sqrt(1 + eta**2), **APX)


@given(st.floats(0.01, 1.9), st.sampled_from([1, 2, 3]))
@settings(max_examples=20)
def test_alternating_det_one_trace(eta, n_d):
    J = np.asarray(_jac(XY, alternating(eta, n_disc=n_d, n_gen=1)))
    assert np.linalg.det(J) == pytest.approx(1.0, **APX)
    assert np.trace(J) == pytest.approx(2 - n_d * eta**2, **APX)


@given(rates)
def test_extragradient(eta):
    assert float(_rho(XY, extragradient(eta))) == pytest.approx(np.sqrt(1 - eta**2 + eta**4), **APX)


@given(st.floats(0.01, 1 / np.sqrt(3) - 1e-3))
@settings(max_examples=20)
def test_optimistic_converges_below_one_over_sqrt3(eta):
    assert float(_rho(XY, optimistic(eta))) < 1


@given(st.floats(1 / np.sqrt(3) + 1e-3, 3.0))
@settings(max_examples=20)
def test_optimistic_diverges_above_one_over_sqrt3(eta):
    assert float(_rho(XY, optimistic(eta))) > 1


def test_optimistic_bisection_finds_one_over_sqrt3():
    res = jax.jit(lambda lo, hi: max_stable_lr(XY, optimistic, lo, hi))(1e-3, 2.0)
    assert int(res.status) == RESULTS.bracketed
    assert float(res.lr) == pytest.approx(1 / np.sqrt(3), abs=1e-10)


@given(rates)
@settings(max_examples=20)
def test_optimistic_and_extrapolation_from_past_closed_form(eta):
    # per eigenvalue a = ±i of v': λ² - (1 + 2ηa)λ + ηa = 0, for both methods
    roots = np.concatenate([np.roots([1, -(1 + 2 * eta * a), eta * a]) for a in (1j, -1j)])
    _same_spectrum(_eig(XY, optimistic(eta)), roots)
    _same_spectrum(_eig(XY, extrapolation_from_past(eta)), roots)


@given(rates, st.floats(0.0, 3.0))
@settings(max_examples=25)
def test_consensus(eta, gamma):
    rho2 = float(_rho(XY, consensus(eta, gamma=gamma))) ** 2
    assert rho2 == pytest.approx((1 - eta * gamma) ** 2 + eta**2, **APX)


@given(rates, st.floats(0.0, 3.0))
@settings(max_examples=15)
def test_sga_equals_consensus_on_xy(eta, lam):
    # A_J = J and the alignment sign is +1 at the equilibrium: 1 - ηλ ± iη
    rho2 = float(_rho(XY, sga(eta, lam=lam))) ** 2
    assert rho2 == pytest.approx((1 - eta * lam) ** 2 + eta**2, **APX)


@pytest.mark.parametrize("solver", ["cg", "gmres", "dense"])
def test_cgd(solver):
    u = lambda eta: cgd(eta, solver=solver)
    for eta in (0.05, 0.3, 1.0, 2.5):
        assert float(_rho(XY, u(eta))) == pytest.approx(1 / np.sqrt(1 + eta**2), **APX)
        _same_spectrum(_eig(XY, u(eta)), [1 / (1 - 1j * eta), 1 / (1 + 1j * eta)])


@given(st.floats(0.01, 2.5))
def test_hamiltonian(eta):
    assert float(_rho(XY, hamiltonian(eta))) == pytest.approx(abs(1 - eta), **APX)


@given(st.floats(0.01, 1.5), st.floats(0.0, 2.0))
@settings(max_examples=15)
def test_la_and_lola(eta, alpha):
    _same_spectrum(_eig(XY_LOSS, la(eta, alpha=alpha)), [1 - eta * alpha + 1j * eta, 1 - eta * alpha - 1j * eta])
    _same_spectrum(_eig(XY_LOSS, lola(eta, alpha=alpha)),
                   [1 - 2 * eta * alpha + 1j * eta, 1 - 2 * eta * alpha - 1j * eta])


@given(st.floats(0.01, 1.5), st.floats(-0.9, 0.9))
@settings(max_examples=20)
def test_momentum_simultaneous_heavy_ball(eta, beta):
    roots = np.concatenate([np.roots([1, -(1 + beta + eta * a), beta]) for a in (1j, -1j)])
    _same_spectrum(_eig(XY, negative_momentum(eta, beta=beta, alternating=False)), roots)
    assert float(_rho(XY, negative_momentum(eta, beta=beta, alternating=False))) > 1


def test_negative_momentum_alternating_converges_on_xy():
    # Gidel et al. 2019: alternating steps circle at β = 0, converge for β < 0, diverge for β > 0
    eta = 0.5
    assert float(_rho(XY, negative_momentum(eta, beta=0.0))) == pytest.approx(1.0, abs=1e-12)
    for beta in (-0.1, -0.3, -0.5):
        assert float(_rho(XY, negative_momentum(eta, beta=beta))) < 0.99
    assert float(_rho(XY, negative_momentum(eta, beta=0.3))) > 1.01


@given(st.floats(0.01, 1.0), st.floats(0.1, 1.0), st.sampled_from([2, 5]))
@settings(max_examples=15)
def test_lookahead_cycle(eta, alpha, k):
    # one map step = one cycle of k inner simultaneous steps: slow weights see
    # (1 - α) I + α (I + ηA)^k, eigenvalues 1 - α + α (1 ± iη)^k; the fast copy adds zeros
    eigs = np.asarray(_eig(XY, lookahead(simultaneous(eta), alpha=alpha, k=k)))
    slow = [1 - alpha + alpha * (1 + 1j * eta) ** k, 1 - alpha + alpha * (1 - 1j * eta) ** k]
    _same_spectrum(eigs, slow + [0, 0], tol=1e-9)


def test_lookahead_counter_held_fixed_and_shapes():
    u = lookahead(optimistic(0.2), alpha=0.5, k=3)
    _, s = fixed_point(XY, u)
    assert int(s.count) == 0
    assert update_jacobian(XY, u).shape == (2 + 2 + 2, 2 + 2 + 2)   # z, slow, previous field


# --- Dirac-GAN -------------------------------------------------------------------------

@given(st.floats(0.01, 3.0), st.floats(0.01, 3.0))
@settings(max_examples=20)
def test_dirac_simultaneous_and_ttur(h_g, h_d):
    _same_spectrum(_eig(DIRAC, simultaneous(h_g)), [1 + 1j * h_g * F1, 1 - 1j * h_g * F1])
    # TTUR: [[1, -h_g f'], [h_d f', 1]] has trace 2 and det 1 + h_g h_d f'²
    s = np.sqrt(h_g * h_d) * F1
    _same_spectrum(_eig(DIRAC, simultaneous(h_g, h_d)), [1 + 1j * s, 1 - 1j * s])
    # optax.sgd per player has the same map
    _same_spectrum(_eig(DIRAC, optax_players(SGD1, lr=h_g, lr_disc=h_d)), [1 + 1j * s, 1 - 1j * s])


@given(st.floats(0.01, 3.0), st.sampled_from([1, 2]), st.sampled_from([1, 3]))
@settings(max_examples=20)
def test_dirac_alternating(h, n_g, n_d):
    alpha = np.sqrt(n_g * n_d) * h * F1
    c = 1 - alpha**2 / 2
    r = np.sqrt(complex(c**2 - 1))
    _same_spectrum(_eig(DIRAC, alternating(h, n_disc=n_d, n_gen=n_g)), [c + r, c - r], tol=1e-9)


def test_dirac_consensus_continuous_spectrum():
    # the adjusted field v - γJᵀv linearised: -γ f'(0)² ± i f'(0) (docs/updaters.md)
    from gandyn.games.base import State, from_fields
    gamma = 0.7
    u = consensus(1.0, gamma=gamma)
    adj = from_fields("consensus-dirac", lambda g, d, p: u.field(DIRAC, State(g, d)).gen,
                      lambda g, d, p: u.field(DIRAC, State(g, d)).disc,
                      equilibrium=DIRAC.equilibrium)
    _same_spectrum(eigenvalues(jacobian(adj)), [-gamma * F1**2 + 1j * F1, -gamma * F1**2 - 1j * F1])


# --- bisection, maps, batching ------------------------------------------------------------

def test_bisection_matches_the_closed_form_for_simultaneous():
    game = bilinear(1.0, 0.5, 0.5)                     # stable focus -0.5 ± i
    h_star = float(max_lr_simultaneous(eigenvalues(jacobian(game))))
    bisect = jax.jit(lambda g: max_stable_lr(g, simultaneous, 1e-4, 5.0))
    res = bisect(game)
    assert int(res.status) == RESULTS.bracketed and float(res.lr) == pytest.approx(h_star, abs=1e-10)
    res = bisect(XY)
    assert int(res.status) == RESULTS.unstable_at_lo and float(res.lr) == 0.0                    # never converges
    assert int(jax.jit(lambda: max_stable_lr(XY, cgd, 1e-4, 5.0))().status) == RESULTS.stable_at_hi  # always does


def test_bisection_vmaps_over_a_ttur_ratio():
    game = bilinear(1.0, 0.5, 0.5)

    def lr_for(ratio):
        return max_stable_lr(game, lambda h: simultaneous(h, ratio * h), 1e-4, 5.0).lr

    ratios = jnp.array([0.25, 1.0, 4.0])
    batched = np.asarray(jax.jit(jax.vmap(lr_for))(ratios))
    for r, got in zip(ratios, batched):
        # the found rate is on the unit circle: ρ(h*) ≈ 1 from below, ρ slightly above > 1
        assert float(update_spectral_radius(game, simultaneous(got, r * got))) < 1
        assert float(update_spectral_radius(game, simultaneous(got * (1 + 1e-7), r * got * (1 + 1e-7)))) >= 1
    assert batched[1] == pytest.approx(float(max_lr_simultaneous(eigenvalues(jacobian(game)))), abs=1e-10)


def test_stability_map_consensus_grid():
    etas = jnp.linspace(0.1, 1.5, 5)
    gammas = jnp.linspace(0.0, 2.0, 4)
    rho = np.asarray(stability_map(XY, lambda h, g: consensus(h, gamma=g), etas, gammas))
    E, G = np.meshgrid(np.asarray(etas), np.asarray(gammas), indexing="ij")
    assert rho.shape == (5, 4)
    np.testing.assert_allclose(rho, np.sqrt((1 - E * G) ** 2 + E**2), **TOL)


def test_measured_rate_matches_log_rho():
    # a simulated optimistic trajectory contracts at ρ per step
    eta, n = 0.3, 400
    u = optimistic(eta)
    rho = float(update_spectral_radius(XY, u))
    z0 = jax.tree_util.tree_map(jnp.asarray, type(XY.equilibrium)(0.3, -0.2))

    def body(c, _):
        c = u.step(XY, *c)
        return c, jnp.hypot(c[0].gen, c[0].disc)

    _, dist = jax.lax.scan(body, (z0, u.init(XY, z0)), None, length=n)
    k = np.arange(n)[100:]
    slope = np.polyfit(k, np.log(np.asarray(dist)[100:]), 1)[0]
    assert slope == pytest.approx(np.log(rho), rel=1e-3)
    assert int(update_verdict(XY, u)) == 0


def test_errors():
    from gandyn.games.base import from_fields
    g = from_fields("no-eq", lambda x, y, p: -y, lambda x, y, p: x)
    with pytest.raises(ValueError, match="equilibrium"):
        update_jacobian(g, simultaneous(0.1))
    with pytest.raises(ValueError, match="1-D"):
        stability_map(XY, lambda h, g: consensus(h, gamma=g), jnp.ones((2, 2)), jnp.ones(3))


def test_update_verdict_resolves_a_modulus_just_under_one():
    # bilinear x·y with a = b: simultaneous steps map to 1 + h(-a ± i A). |μ|² = (1 - ha)² + h²A²
    # chosen by hand to be (1 - 1e-9)²: converges (rounding bound ~1e-15). The old fixed band
    # 1e-9 + 1e-7 called it "marginal"
    from gandyn.analysis.discrete import map_verdict
    h, A, target = 0.1, 1e-3, 1.0 - 1e-9
    a = (1.0 - np.sqrt(target**2 - h**2 * A**2)) / h
    g = bilinear(A, a=a, b=a)
    assert abs(float(update_spectral_radius(g, simultaneous(h))) - target) < 1e-14
    assert int(update_verdict(g, simultaneous(h))) == 0
    # real μ = 1 - 1e-9 (A = 0) and its mirror 1 + 1e-9, straight from the map's Jacobian
    assert int(map_verdict(np.diag([1 - 1e-9, 0.5]))) == 0
    assert int(map_verdict(np.diag([1 + 1e-9, 0.5]))) == 2
    assert int(map_verdict(np.array([[1.0, 0.0], [0.0, np.nan]]))) == 1
