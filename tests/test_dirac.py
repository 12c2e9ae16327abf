"""Dirac-GAN spectra against the closed forms of Mescheder, Geiger & Nowozin (2018).

Closed forms use the paper's constants written out here (GAN: f'(0) = 1/2, f''(0) = -1/4;
WGAN: f'(0) = 1, f''(0) = 0; LSGAN with f(t) = -(t-1)²/2: f'(0) = 1, f''(0) = -1; hinge:
f'(0) = 1, f''(0) = 0), not read back from the module. Every hypothesis test jits one function
of traced numbers so the examples share one compilation.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn.analysis import KINDS, classify, eigenvalues, jacobian, kind_name, verdict, verdict_name
from gandyn.analysis.dirac import analyse
from gandyn.games import State
from gandyn.games import dirac as D
from gandyn.games.dirac import DRAGAN, NK, R1, R2, WGANGP, Clip, LeCam, Noise
from gandyn.updaters.base import Updater

F1 = {"gan": 0.5, "nsgan": 0.5, "wgan": 1.0, "lsgan": 1.0, "hinge": 1.0}
F2 = {"gan": -0.25, "nsgan": -0.25, "wgan": 0.0, "lsgan": -1.0, "hinge": 0.0}
TOL = 1e-10
FEW = settings(max_examples=25)


def pair(tr_half, disc):
    """``tr_half ± sqrt(disc)`` (complex) sorted."""
    s = np.sqrt(complex(disc))
    return _sorted(np.array([tr_half + s, tr_half - s]))


def _sorted(e):
    e = np.asarray(e, dtype=complex)
    return e[np.lexsort((np.round(e.imag, 6), np.round(e.real, 6)))]


@functools.partial(jax.jit, static_argnames=("loss", "dim"))
def _eigs(loss, regs, dim, c):
    game = D.dirac(loss, regs, dim=dim, c=c)
    return eigenvalues(jacobian(game))


def eigs(loss, regs=(), dim=1, c=0.0):
    regs = (regs,) if isinstance(regs, D.Regulariser) else tuple(regs)
    regs = jax.tree_util.tree_map(lambda v: jnp.asarray(v, jnp.float64), regs)
    return _sorted(_eigs(loss, regs, dim, jnp.asarray(c, jnp.float64)))


# -- definitions ----------------------------------------------------------------------------
def test_field_is_the_papers_gradient_field():
    """v = (-∇_θ L, ∇_ψ L) with L = f(ψθ) + f(-ψc), f(t) = -log(1 + e^{-t})."""
    f = lambda t: -jnp.log1p(jnp.exp(-t))
    c = 0.3
    L = lambda th, ps: f(ps * th) + f(-ps * c)
    game = D.dirac("gan", c=c)
    th, ps = 0.7, -1.3
    v = game.field(State(jnp.array([th]), jnp.array([ps])))
    np.testing.assert_allclose(v.gen, [-jax.grad(L, 0)(th, ps)], rtol=1e-14)
    np.testing.assert_allclose(v.disc, [jax.grad(L, 1)(th, ps)], rtol=1e-14)


@pytest.mark.parametrize("loss", D.LOSSES)
def test_equilibrium_is_a_rest_point_and_constants(loss):
    game = D.dirac(loss, dim=3, c=[0.2, -0.1, 0.4])
    v = game.field(game.equilibrium)
    np.testing.assert_allclose(np.concatenate([v.gen, v.disc]), 0.0, atol=1e-15)
    assert D.loss_constants(loss) == pytest.approx((F1[loss], F2[loss]), abs=1e-15)


def test_nsgan_generator_ascends_its_own_objective():
    """Non-saturating: the generator ascends f(-ψθ), not -L (fields differ away from ψ = 0)."""
    f = lambda t: -jnp.log1p(jnp.exp(-t))
    th, ps = 0.4, 2.0
    v_ns = D.dirac("nsgan").field(State(jnp.array([th]), jnp.array([ps]))).gen
    v_gan = D.dirac("gan").field(State(jnp.array([th]), jnp.array([ps]))).gen
    np.testing.assert_allclose(v_ns, [jax.grad(lambda t: f(-ps * t))(th)], rtol=1e-14)
    assert abs(float(v_ns[0] - v_gan[0])) > 0.1


# -- unregularised ----------------------------------------------------------------------------
@pytest.mark.parametrize("loss", D.LOSSES)
def test_unregularised_is_a_centre(loss):
    e = eigs(loss)
    np.testing.assert_allclose(e, pair(0.0, -F1[loss] ** 2), atol=TOL)
    assert kind_name(classify(e)) == "centre"
    assert verdict_name(verdict(e)) == "marginal"


@FEW
@given(st.floats(0.05, 3.0))
def test_nonzero_data_point_damps_like_noise(c):
    """c ≠ 0 (not in the paper): ψψ block 2 f''(0) c², so f''c² ± sqrt(f''²c⁴ - f'²)."""
    f1, f2 = F1["gan"], F2["gan"]
    np.testing.assert_allclose(eigs("gan", c=c), pair(f2 * c**2, f2**2 * c**4 - f1**2),
                               atol=TOL * 10)


# -- regularisers, over random parameters -------------------------------------------------------
@FEW
@given(st.sampled_from(["gan", "nsgan", "lsgan"]), st.floats(0.01, 3.0))
def test_instance_noise(loss, sigma):
    f1, f2 = F1[loss], F2[loss]
    np.testing.assert_allclose(eigs(loss, Noise(sigma)),
                               pair(f2 * sigma**2, f2**2 * sigma**4 - f1**2), atol=1e-9)


@FEW
@given(st.sampled_from([R1, R2]), st.sampled_from(D.LOSSES), st.floats(0.01, 5.0))
def test_zero_centred_penalties(reg, loss, gamma):
    f1 = F1[loss]
    np.testing.assert_allclose(eigs(loss, reg(gamma)),
                               pair(-gamma / 2, gamma**2 / 4 - f1**2), atol=1e-9)


@FEW
@given(st.sampled_from(["gan", "nsgan", "wgan"]), st.floats(0.01, 5.0))
def test_nagarajan_kolter(loss, eta):
    f1 = F1[loss]
    np.testing.assert_allclose(eigs(loss, NK(eta)),
                               pair(-eta * f1**2, eta**2 * f1**4 - f1**2), atol=1e-9)


@FEW
@given(st.floats(0.01, 5.0))
def test_zero_centred_dragan_is_an_r_penalty_of_weight_2lambda(lam):
    f1 = F1["gan"]
    np.testing.assert_allclose(eigs("gan", DRAGAN(lam, 0.0)),
                               pair(-lam, lam**2 - f1**2), atol=1e-9)


@pytest.mark.parametrize("reg", [R1, Noise, NK])
@settings(max_examples=10)
@given(x=st.floats(0.05, 2.0))
def test_n_dimensional_spectrum_is_the_1d_one_repeated(reg, x):
    one = eigs("gan", reg(x))
    many = eigs("gan", reg(x), dim=3)
    np.testing.assert_allclose(many, _sorted(np.repeat(one, 3)), atol=1e-8)


def test_regularisers_compose_additively():
    """R1 + noise: trace adds (-γ + 2f''σ²), determinant stays f'(0)²."""
    gamma, sigma = 0.8, 0.6
    f1, f2 = 0.5, -0.25
    tr_half = (-gamma + 2 * f2 * sigma**2) / 2
    np.testing.assert_allclose(eigs("gan", (R1(gamma), Noise(sigma))),
                               pair(tr_half, tr_half**2 - f1**2), atol=1e-10)


def test_noise_field_is_the_exact_expectation_away_from_equilibrium():
    """Gauss–Hermite expected field vs a brute 2-D quadrature of the noisy gradient (n = 1)."""
    sigma, th, ps, c = 0.5, 0.8, -0.6, 0.2
    f = lambda t: -jnp.log1p(jnp.exp(-t))
    L = lambda t, p, e1, e2: f(p * (t + e1)) + f(-p * (c + e2))
    z = np.linspace(-8, 8, 401)
    w = np.exp(-z**2 / 2) / np.sqrt(2 * np.pi) * (z[1] - z[0])
    E1, E2 = np.meshgrid(sigma * z, sigma * z, indexing="ij")
    W = np.outer(w, w)
    gth = jax.vmap(jax.vmap(jax.grad(L, 0), (None, None, 0, 0)), (None, None, 0, 0))
    gps = jax.vmap(jax.vmap(jax.grad(L, 1), (None, None, 0, 0)), (None, None, 0, 0))
    ref_gen = -np.sum(W * gth(th, ps, E1, E2))
    ref_disc = np.sum(W * gps(th, ps, E1, E2))
    v = D.dirac("gan", Noise(sigma), c=c).field(State(jnp.array([th]), jnp.array([ps])))
    np.testing.assert_allclose([v.gen[0], v.disc[0]], [ref_gen, ref_disc], rtol=1e-8)


# -- no locally attracting equilibrium: WGAN, WGAN-GP, clipping -------------------------------
def test_wgan_is_a_global_centre():
    """Linear field: the Jacobian is the same everywhere and |z - z*|² is conserved."""
    game = D.dirac("wgan", c=0.3)
    rep = analyse(game)
    assert rep["kind"] == "centre" and rep["verdict"] == "marginal"
    J0 = np.asarray(jacobian(game))
    J1 = np.asarray(jacobian(game, State(jnp.array([2.0]), jnp.array([-1.0]))))
    np.testing.assert_allclose(J0, J1, atol=1e-15)
    np.testing.assert_allclose(J0 + J0.T, 0.0, atol=1e-15)  # skew: rotation


@pytest.mark.parametrize("reg, kw", [(WGANGP, {"lam": 0.7, "g0": 1.0}),
                                     (DRAGAN, {"lam": 0.7, "k": 1.0})])
def test_norm_penalties_with_nonzero_target_have_no_smooth_rest_point(reg, kw):
    game = D.dirac("wgan", reg(**kw))
    J = np.asarray(jacobian(game))
    assert np.isnan(J).any()  # by construction, not a finite wrong number
    rep = analyse(game)
    assert rep["kind"] == "non-smooth" and rep["verdict"] == "unstable"
    lam, k = list(kw.values())
    assert rep["jump"] == pytest.approx(2 * lam * k, rel=1e-6)
    # the discriminator is pushed off psi = 0 onto |psi| = k - |theta - c|/(2 lam) ...
    v = game.field(State(jnp.array([0.0]), jnp.array([1e-6])))
    assert float(v.disc[0]) > 0
    # ... and where the discriminator rests the generator does not (v_gen = -psi != 0)
    psi_star = k
    v = game.field(State(jnp.array([0.0]), jnp.array([psi_star])))
    assert abs(float(v.disc[0])) < 1e-12 and abs(float(v.gen[0])) == pytest.approx(psi_star)


def test_wgan_gp_with_zero_target_is_smooth_and_stable():
    e = eigs("wgan", WGANGP(0.5, g0=0.0))
    np.testing.assert_allclose(e, pair(-0.5, 0.25 - 1.0), atol=1e-12)


class _Euler(Updater):
    def __init__(self, h):
        self.h = h

    def _step(self, game, state, ustate):
        v = game.field(state)
        return State(state.gen + self.h * v.gen, state.disc + self.h * v.disc), ustate


def test_clipping_is_a_projection_that_leaves_the_local_centre():
    game = D.dirac("wgan", Clip(0.1))
    assert game.projection is not None
    rep = analyse(game)
    assert rep["kind"] == "centre" and rep["verdict"] == "marginal"
    assert "projection" in rep["note"]
    p = game.project(State(jnp.array([3.0]), jnp.array([-5.0])))
    np.testing.assert_allclose([p.gen[0], p.disc[0]], [3.0, -0.1])
    # Euler steps with the projection: the orbit does not shrink to (0, 0).
    upd, z = _Euler(0.05), State(jnp.array([0.05]), jnp.array([0.0]))
    r0 = float(jnp.hypot(z.gen[0], z.disc[0]))
    z = jax.jit(lambda z: jax.lax.fori_loop(0, 2000, lambda i, z: upd.step(game, z, ())[0], z))(z)
    assert float(jnp.max(jnp.abs(z.disc))) <= 0.1 + 1e-15
    assert float(jnp.hypot(z.gen[0], z.disc[0])) > r0


# -- LeCam: anchors in the state ----------------------------------------------------------------
@FEW
@given(st.floats(-2.0, 2.0), st.floats(0.0, 3.0), st.floats(0.1, 3.0))
def test_lecam_jacobian_matches_hand_derivation(c, lam, rho):
    """State (θ, ψ, α_R, α_F); at (c, 0, 0, 0) with f'(0)=1/2, f''(0)=-1/4 (n = 1)."""
    J = np.asarray(_lecam_jac(jnp.float64(c), jnp.float64(lam), jnp.float64(rho)))
    f1, f2 = 0.5, -0.25
    ref = np.array([
        [0.0, -f1, 0.0, 0.0],
        [f1, 2 * c**2 * (f2 - 2 * lam), 2 * lam * c, 2 * lam * c],
        [0.0, rho * c, -rho, 0.0],
        [0.0, rho * c, 0.0, -rho],
    ])
    np.testing.assert_allclose(J, ref, atol=1e-12)


@jax.jit
def _lecam_jac(c, lam, rho):
    return jacobian(D.dirac("gan", LeCam(lam, rho), c=c))


def test_lecam_at_c0_keeps_the_centre_and_damps_the_anchors():
    e = eigs("gan", LeCam(2.0, 0.7))
    np.testing.assert_allclose(e, _sorted([-0.7, -0.7, 0.5j, -0.5j]), atol=1e-10)
    assert verdict_name(verdict(e)) == "marginal"


def test_lecam_anchors_follow_the_moving_average():
    game = D.dirac("gan", LeCam(1.0, 2.0), c=0.5)
    th, ps, a = jnp.array([1.0]), jnp.array([0.8]), jnp.array([0.1, -0.3])
    v_alpha = game.field(State(th, (ps, a))).disc[1]
    np.testing.assert_allclose(v_alpha, 2.0 * (np.array([0.8 * 0.5, 0.8 * 1.0]) - a))


# -- API, errors, registry, compilation ---------------------------------------------------------
def test_errors_name_what_is_valid():
    with pytest.raises(ValueError, match="valid losses: gan, nsgan"):
        D.dirac("vanilla")
    with pytest.raises(ValueError, match="valid: noise, r1"):
        D.dirac("gan", ("r3",))
    with pytest.raises(ValueError, match="gamma must be"):
        D.dirac("gan", R1(-1.0))
    with pytest.raises(ValueError, match="dim must be a positive integer"):
        D.dirac("gan", dim=0)
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        D.dirac("gan", dim=2, c=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="twice"):
        D.dirac("gan", (R1(1.0), R1(2.0)))


def test_changing_numbers_does_not_recompile():
    traces = []

    @jax.jit
    def f(game):
        traces.append(1)
        return eigenvalues(jacobian(game))

    f(D.dirac("gan", (R1(1.0), Noise(0.1))))
    f(D.dirac("gan", (Noise(0.3), R1(2.0))))
    assert len(traces) == 1


@pytest.mark.parametrize("name, factory", D.ZOO, ids=[n for n, _ in D.ZOO])
def test_zoo_games_work_with_the_analysis(name, factory):
    game = factory()
    assert game.name == name and game.equilibrium is not None
    v = game.field(game.equilibrium)
    assert all(float(jnp.max(jnp.abs(x))) < 1e-14 for x in jax.tree_util.tree_leaves(v))
    rep = analyse(game)  # jacobian(game) at the equilibrium, jitted
    smooth = game.smooth
    assert (rep["jacobian"] is not None) == smooth
    assert rep["kind"] in ("non-smooth",) + KINDS
    assert len(rep["eigenvalues"]) == (2 * game.equilibrium.gen.size + 2 * ("lecam" in name)
                                       if smooth else 0)


# -- more closed forms: n-dimensional data point, exact noise field, compositions, vmap ----------
@jax.jit
def _gan_eigs_c(c):
    return eigenvalues(jacobian(D.dirac("gan", dim=3, c=c)))


@FEW
@given(st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3).filter(
    lambda v: sum(x * x for x in v) > 1e-2))
def test_n_dimensional_data_point_damps_only_its_own_direction(c):
    """ψψ block 2 f''(0) c cᵀ: along c the pair f''|c|² ± sqrt(f''²|c|⁴ - f'²), the two
    orthogonal directions stay at ± f'(0) i."""
    f1, f2 = F1["gan"], F2["gan"]
    c2 = float(np.dot(c, c))
    ref = _sorted(np.concatenate([pair(f2 * c2, f2**2 * c2**2 - f1**2), [0.5j, -0.5j] * 2]))
    np.testing.assert_allclose(_sorted(_gan_eigs_c(jnp.asarray(c))), ref, atol=1e-9)


@jax.jit
def _lsgan_noise_field(theta, psi, c, sigma):
    return D.dirac("lsgan", Noise(sigma), dim=2, c=c).field(State(theta, psi))


_vec2 = st.lists(st.floats(-2.0, 2.0), min_size=2, max_size=2)


@FEW
@given(_vec2, _vec2, _vec2, st.floats(0.0, 2.0))
def test_lsgan_noise_field_matches_the_exact_expectation_everywhere(theta, psi, c, sigma):
    """Polynomial loss: E over ε ~ N(0, σ²I) in closed form, at any (θ, ψ), not just at rest.

    J = E[-(ψ·(θ+ε₁) - 1)²/2] + E[-(ψ·(c+ε₂) + 1)²/2]  =>  ∇_ψ J = -(ψ·θ - 1)θ - (ψ·c + 1)c - 2σ²ψ;
    I = E[-(ψ·(θ+ε₁) + 1)²/2]                          =>  ∇_θ I = -(ψ·θ + 1)ψ.
    """
    th, ps, cc = (np.asarray(v) for v in (theta, psi, c))
    v = _lsgan_noise_field(jnp.asarray(th), jnp.asarray(ps), jnp.asarray(cc), sigma)
    tf, tr = ps @ th, ps @ cc
    np.testing.assert_allclose(v.gen, -(tf + 1) * ps, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(v.disc, -(tf - 1) * th - (tr + 1) * cc - 2 * sigma**2 * ps,
                               rtol=1e-11, atol=1e-11)


@jax.jit
def _nk_noise_jac(eta, sigma):
    return jacobian(D.dirac("gan", (Noise(sigma), NK(eta))))


@FEW
@given(st.floats(0.0, 3.0), st.floats(0.0, 2.0))
def test_nagarajan_kolter_with_noise_has_the_cross_term(eta, sigma):
    """NK penalises ‖∇_ψ J‖² of the *noisy* J: ∇_ψ J ≈ f'θ + 2σ²f''ψ, so the generator row
    becomes (-2ηf'², -f'(1 + 4ησ²f'')) while the discriminator row stays (f', 2σ²f'')."""
    f1, f2 = F1["gan"], F2["gan"]
    ref = np.array([[-2 * eta * f1**2, -f1 * (1 + 4 * eta * sigma**2 * f2)],
                    [f1, 2 * sigma**2 * f2]])
    np.testing.assert_allclose(_nk_noise_jac(eta, sigma), ref, atol=1e-10)


def test_r1_and_r2_add_up():
    """For a linear D both penalties are γ/2‖ψ‖²: together the ψψ entry is -2γ."""
    np.testing.assert_allclose(eigs("wgan", (R1(0.4), R2(0.4))),
                               pair(-0.4, 0.16 - 1.0), atol=1e-12)


def test_vmap_over_the_penalty_weight():
    gammas = jnp.linspace(0.1, 4.0, 9)
    e = jax.vmap(lambda g: eigenvalues(jacobian(D.dirac("gan", R1(g)))))(gammas)
    for g, row in zip(np.asarray(gammas), np.asarray(e)):
        np.testing.assert_allclose(_sorted(row), pair(-g / 2, g**2 / 4 - 0.25), atol=1e-12)


def test_wgan_gp_gradient_flow_does_not_settle_at_the_equilibrium():
    """Heun steps of dz/dt = v(z) from 1e-3 off (0, 0): ψ is thrown onto |ψ| ~ g0 while θ
    drifts, and the orbit comes to rest at the far end θ = c - 2λg0/f'(0) = -2 of the rest set,
    2000 times farther from the equilibrium than it started."""
    game = D.dirac("wgan", WGANGP(1.0, 1.0))
    rep = analyse(game)
    assert rep["rest_set"] == {"psi": 0.0, "theta_centre": [0.0], "theta_radius": 2.0}
    h = 1e-2

    def heun(i, z):
        v = game.field(z)
        w = game.field(State(z.gen + h * v.gen, z.disc + h * v.disc))
        return State(z.gen + h / 2 * (v.gen + w.gen), z.disc + h / 2 * (v.disc + w.disc))

    run = jax.jit(lambda z: jax.lax.fori_loop(0, 2500, heun, z))
    z = run(State(jnp.array([1e-3]), jnp.array([0.0])))
    assert float(z.gen[0]) == pytest.approx(-2.0, abs=1e-6)
    assert abs(float(z.disc[0])) < 1e-6


@jax.jit
def _gp_field(theta, psi, c, lam, g0):
    return D.dirac("gan", WGANGP(lam, g0), c=c).field(State(theta, psi))


@FEW
@given(st.floats(-1.0, 1.0), st.floats(0.1, 2.0), st.floats(0.1, 2.0), st.floats(-1.9, 1.9))
def test_wgan_gp_rest_set_is_where_the_field_flips_across_psi_zero(c, lam, g0, u):
    """On ψ = 0 the generator rests (v_θ = -f'(0)ψ = 0). For |θ - c| < r = 2λg0/f'(0) the
    discriminator field points *away* from ψ = 0 on both sides, so 0 lies in the convex hull of
    the two limits (Filippov rest points, repelling in ψ); for |θ - c| > r both limits have the
    sign of θ - c and orbits cross ψ = 0 (no rest point)."""
    r = 2 * lam * g0 / F1["gan"]
    theta = jnp.array([c + u * r])  # |u| < 1 inside the set, |u| > 1 outside
    eps = 1e-9
    up = float(_gp_field(theta, jnp.array([eps]), c, lam, g0).disc[0])
    down = float(_gp_field(theta, jnp.array([-eps]), c, lam, g0).disc[0])
    assert float(_gp_field(theta, jnp.array([0.0]), c, lam, g0).gen[0]) == 0.0
    if abs(abs(u) - 1.0) > 1e-6:
        assert (down < 0 < up) == (abs(u) < 1.0)
        if abs(u) > 1.0:
            assert np.sign(up) == np.sign(down) == np.sign(u)
    # the one-sided limits are f'(0)(θ - c) ± 2λg0 (the jump 4λg0 across ψ = 0)
    np.testing.assert_allclose([up, down], [F1["gan"] * u * r + 2 * lam * g0,
                                            F1["gan"] * u * r - 2 * lam * g0], atol=1e-7)


def test_analyse_reports_the_wgan_gp_rest_set():
    rep = analyse(D.dirac("gan", WGANGP(0.7, 1.5), c=0.3))
    assert rep["rest_set"]["theta_centre"] == [0.3]
    assert rep["rest_set"]["theta_radius"] == pytest.approx(2 * 0.7 * 1.5 / F1["gan"], rel=1e-14)
    assert "not isolated" in rep["note"]


def test_nagarajan_kolter_shrinks_the_wgan_gp_rest_set_to_the_equilibrium():
    rep = analyse(D.dirac("wgan", (WGANGP(0.5, 1.0), NK(1.0), DRAGAN(0.5, 1.0))))
    assert rep["kind"] == "non-smooth" and rep["rest_set"]["theta_radius"] == 0.0
    rep = analyse(D.dirac("wgan", (WGANGP(0.5, 1.0), DRAGAN(0.25, 2.0))))
    assert rep["rest_set"]["theta_radius"] == pytest.approx(2 * (0.5 + 0.5))


@pytest.mark.parametrize("loss, fp, gamma, dim, kind", [
    # J = [[0, -f'(0)], [f'(0), -γ]] per coordinate (v_θ = -f'(ψθ)ψ, v_ψ = f'(ψθ)θ - γψ):
    # trace -γ < 0 < det f'(0)²: stable whatever the scale (Routh–Hurwitz)
    ("gan", 0.5, 3e8, 1, "stable node"),     # λ = -3e8 and -f'²/γ = -8.3e-10
    ("wgan", 1.0, 2e-9, 1, "stable focus"),  # λ = -1e-9 ± 1i
    ("wgan", 1.0, 2e-9, 3, "stable focus"),  # the same, 6x6 (per-eigenvalue rounding bounds)
])
def test_stiff_r1_is_stable_not_marginal(loss, fp, gamma, dim, kind):
    # the old tolerance 1e-9 + 1e-7 max|λ| took the small real part for zero: "marginal"
    rep = analyse(D.dirac(loss, (R1(gamma),), dim=dim))
    J = np.asarray(rep["jacobian"])[:2, :2] if dim == 1 else None
    if dim == 1:
        np.testing.assert_array_equal(J, [[0.0, -fp], [fp, -gamma]])
    assert rep["kind"] == kind and rep["verdict"] == "stable"
    assert "marginal" not in rep["note"]
