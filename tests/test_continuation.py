"""Located bifurcations against closed forms (flows and update maps)."""

import math

import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from gandyn.analysis.continuation import (
    boundary,
    continue_arclength,
    continue_equilibrium,
    first_lyapunov,
    flow_tests,
    map_tests,
    pair_flip_test,
)
from gandyn.analysis.cycles import hopf_normal_form
from gandyn.games.base import State, from_fields
from gandyn.games.bilinear import xy
from gandyn.analysis.spectrum import jacobian
from gandyn.games.dirac import NK, R1, Noise, dirac
from gandyn.updaters.alternating import alternating
from gandyn.updaters.extragradient import extragradient
from gandyn.updaters.simultaneous import simultaneous

FPRIME = {"gan": 0.5, "wgan": 1.0}


def dirac_r1(loss, gamma):
    """The one place this test builds a Dirac-GAN with R1."""
    return dirac(loss, R1(gamma))


def _kinds(branch):
    return [(p.kind, p.param) for p in branch.points]


@pytest.mark.parametrize("loss", ["gan", "wgan"])
def test_r1_node_focus_at_twice_fprime(loss):
    br = continue_equilibrium(lambda g: dirac_r1(loss, g), 0.0, 3.0, num=16)
    nf = [p for p in br.points if p.kind == "node-focus"]
    assert len(nf) == 1
    assert abs(nf[0].param - 2 * FPRIME[loss]) < 1e-10
    # R1 turns a centre (γ = 0: a pair on the imaginary axis) into a stable focus
    assert [p.kind for p in br.points] == ["hopf", "node-focus"]
    assert br.points[0].param == 0.0
    assert np.all(br.converged)


@pytest.mark.parametrize("gamma", [0.4, 1.6])
def test_simultaneous_gd_on_r1_leaves_where_one_plus_h_lambda_is_one(gamma):
    f = FPRIME["gan"]
    lam = -gamma / 2 + np.sqrt(complex(gamma**2 / 4 - f**2)) * np.array([1, -1])
    if gamma < 2 * f:      # complex pair: |1 + hλ|² = 1  <=>  h = -2 Re λ / |λ|²
        h_star, kind = -2 * lam[0].real / abs(lam[0]) ** 2, "neimark-sacker"
    else:                  # real pair: 1 + hλ = -1 for the most negative λ
        h_star, kind = -2 / lam.real.min(), "flip"
    assert abs(abs(1 + h_star * lam).max() - 1) < 1e-12
    br = continue_equilibrium(dirac_r1("gan", gamma), 0.01, 1.5 * h_star,
                              make_updater=lambda h: simultaneous(h), num=12)
    assert _kinds(br)[0][0] == kind
    assert abs(br.points[0].param - h_star) < 1e-10


def test_extragradient_on_xy_at_eta_one():
    br = continue_equilibrium(xy(), 0.05, 1.7, make_updater=lambda h: extragradient(h), num=12)
    assert [p.kind for p in br.points] == ["neimark-sacker"]
    assert abs(br.points[0].param - 1.0) < 1e-10


@pytest.mark.parametrize("n_disc,n_gen", [(2, 1)])
def test_alternating_dirac_flip_at_alpha_two(n_disc, n_gen):
    f = FPRIME["gan"]
    h_star = 2 / (math.sqrt(n_disc * n_gen) * f)
    br = continue_equilibrium(dirac("gan"), 0.05, 1.4 * h_star, num=12,
                              make_updater=lambda h: alternating(h, n_disc=n_disc, n_gen=n_gen))
    # det = 1 along the whole branch (volume preserving): only the flip is located; μ and 1/μ
    # meet at -1 there, so -1 is a double multiplier
    assert [(p.kind, p.multiplicity) for p in br.points] == [("flip", 2)]
    assert abs(br.points[0].param - h_star) < 1e-10


def test_hopf_normal_form_located_at_zero():
    br = continue_equilibrium(hopf_normal_form, -0.5, 0.7, num=7)
    assert [p.kind for p in br.points] == ["hopf"]
    assert abs(br.points[0].param) < 1e-10
    np.testing.assert_allclose(np.abs(br.points[0].eigenvalues.imag), 1.0, atol=1e-9)


def test_two_parameter_boundary_lr_gamma():
    # simultaneous GD on Dirac-GAN + R1: critical rate γ/f'² below γ = 2f' (Neimark-Sacker)
    gammas = np.array([0.3, 0.6])
    out = boundary(lambda h, g: dirac_r1("gan", g), "neimark-sacker", 0.05, 4.0, gammas,
                   make_updater=lambda h, g: simultaneous(h), num=10)
    np.testing.assert_allclose(out["neimark-sacker"], gammas / FPRIME["gan"] ** 2, atol=1e-10)


def test_test_functions_closed_forms():
    eigs = jnp.array([-1 + 2j, -1 - 2j])
    fold, hopf, nf = np.asarray(flow_tests(eigs))
    assert fold == pytest.approx(5.0) and hopf == pytest.approx(-2.0) and nf == pytest.approx(-16.0)
    mults = jnp.array([0.5, -2.0])
    fl, flip, ns = np.asarray(map_tests(mults))
    assert fl == pytest.approx(1.5) and flip == pytest.approx(-1.5) and ns == pytest.approx(-2.0)


@pytest.mark.parametrize("loss", ["wgan"])
def test_double_multiplier_through_minus_one_is_a_flip_of_multiplicity_two(loss):
    # γ = 2 f'(0): λ = -f'(0) double (a Jordan block), μ = 1 - h f'(0) double, -1 at h = 2/f'(0);
    # Π (μ_i + 1) = (2 - h f')² only touches zero there
    f = FPRIME[loss]
    br = continue_equilibrium(dirac_r1(loss, 2 * f), 0.1, 3 / f, num=13,
                              make_updater=lambda h: simultaneous(h))
    assert np.all(br.tests[:, 1] >= 0)
    assert [(p.kind, p.multiplicity) for p in br.points] == [("flip", 2)]
    assert abs(br.points[0].param - 2 / f) < 1e-10
    np.testing.assert_allclose(br.points[0].eigenvalues, [-1, -1], atol=1e-6)


def test_pair_flip_test_closed_form():
    assert pair_flip_test(np.array([-0.5, -2.0, 0.1])) == pytest.approx(-0.5 * 1.6 * 0.1)


def saddle_node(mu):
    """v = (μ - x², -y): rest points x = ±sqrt(μ), a fold of the branch at (μ, x) = (0, 0)."""
    return from_fields("saddle-node", lambda x, y, p: p - x * x, lambda x, y, p: -y, mu)


def test_arclength_turns_round_the_fold_where_natural_continuation_fails():
    start = State(jnp.asarray(1.0), jnp.asarray(0.0))
    # natural continuation stops converging past μ = 0 (no rest point for μ < 0)
    br = continue_arclength(saddle_node, 1.0, -1.0, state=start, ds=0.2)
    assert br.method == "arclength" and np.all(br.converged)
    # it comes back along the other half x = -sqrt(μ) and leaves the range at μ > 1
    assert br.states[-1, 0] < -1.0 and br.params[-1] > 1.0
    np.testing.assert_allclose(br.states[:, 0] ** 2, br.params, atol=1e-10)
    assert np.all(np.diff(br.arclength) > 0)
    folds = [p for p in br.points if p.kind == "fold"]
    assert len(folds) == 1
    assert abs(folds[0].param) < 1e-10 and abs(folds[0].state[0]) < 1e-10
    k = np.argmin(br.params)
    assert np.sign(br.tangents[k - 1, -1]) != np.sign(br.tangents[k + 1, -1])


@pytest.mark.parametrize("family,lo,hi,start", [
    (lambda g: dirac_r1("gan", g), 0.3, 3.0, None),
], ids=["dirac_r1_gamma"])
def test_arclength_agrees_with_natural_continuation(family, lo, hi, start):
    nat = continue_equilibrium(family, lo, hi, num=8)
    arc = continue_arclength(family, lo, hi, ds=0.3)
    assert [p.kind for p in arc.points] == [p.kind for p in nat.points]
    for a, b in zip(arc.points, nat.points):
        assert abs(a.param - b.param) < 1e-10
    # the arclength branch is the natural one: the closed-form rest point at each p
    for p, z in zip(arc.params, arc.states):
        np.testing.assert_allclose(z, ravel_pytree(family(p).equilibrium)[0], atol=1e-9)



# -- multiplicities: the isotropic n-dimensional Dirac-GAN ---------------------------------------
@pytest.mark.parametrize("dim", [2, 3])
def test_isotropic_noise_r1_node_focus_reports_multiplicity_dim(dim):
    # LSGAN (f'(0) = 1, f''(0) = -1) with instance noise σ and R1 γ: each coordinate has
    # v' = [[0, -f'], [f', 2 f'' σ² - γ]], so the discriminant (2f''σ² - γ)² - 4f'² vanishes at
    # γ = 2 f' + 2 f'' σ² (= 1.28 at σ = 0.6); the spectrum is that pair repeated dim times
    sigma, f1, f2 = 0.6, 1.0, -1.0
    g_star = 2 * f1 + 2 * f2 * sigma**2
    family = lambda g: dirac("lsgan", (Noise(sigma), R1(g)), dim=dim)
    J = np.asarray(jacobian(family(0.3)))
    block = np.array([[0, -f1], [f1, 2 * f2 * sigma**2 - 0.3]])
    np.testing.assert_allclose(J, np.kron(block, np.eye(dim)), atol=1e-12)
    br = continue_equilibrium(family, 0.4, 2.4, num=6)
    assert [(p.kind, p.multiplicity) for p in br.points] == [("node-focus", dim)]
    assert abs(br.points[0].param - g_star) < 1e-10


@pytest.mark.parametrize("dim", [2, 3])
def test_isotropic_nk_node_focus_and_unregularised_hopf(dim):
    # Nagarajan-Kolter η on the NS-GAN (f'(0) = 1/2): -η f'² ± sqrt(η² f'⁴ - f'²), node-focus at
    # η = 1/f'(0) = 2; at η = 0 a centre: dim pairs ±i f'(0) on the axis together
    br = continue_equilibrium(lambda e: dirac("nsgan", NK(e), dim=dim), 0.0, 3.0, num=13)
    assert [(p.kind, p.multiplicity) for p in br.points] == [("hopf", dim), ("node-focus", dim)]
    assert br.points[0].param == 0.0 and abs(br.points[1].param - 2.0) < 1e-10
    # one simple pair's l₁ does not decide a multiple pair
    assert br.points[0].criticality == "undetermined"


# -- Hopf criticality: the first Lyapunov coefficient --------------------------------------------
def _planar(name, fx, fy, S=np.eye(2)):
    """The game of ẋ = S F(S⁻¹x), F = (fx, fy)(y1, y2, params=(μ, ...))."""
    S = jnp.asarray(S)
    Si = jnp.linalg.inv(S)

    def field(x, y, p):
        u = Si @ jnp.stack([x, y])
        return S @ jnp.stack([fx(u[0], u[1], p), fy(u[0], u[1], p)])

    return lambda mu, *rest: from_fields(
        name, lambda x, y, p: field(x, y, p)[0], lambda x, y, p: field(x, y, p)[1],
        (mu, *rest), equilibrium=State(jnp.asarray(0.0), jnp.asarray(0.0)))


@pytest.mark.parametrize("a,crit", [(0.7, "subcritical"), (-0.45, "supercritical")])
def test_hopf_normal_form_first_lyapunov(a, crit):
    # ż = (μ + iω) z + a z|z|², z = x + iy: l₁ = a / ω (the normalisation ⟨q, q⟩ = 1/2)
    omega = 1.3
    br = continue_equilibrium(lambda mu: hopf_normal_form(mu, omega, a), -0.4, 0.5, num=8)
    [pt] = br.points
    assert pt.kind == "hopf" and pt.criticality == crit and pt.multiplicity == 1
    assert abs(pt.first_lyapunov - a / omega) < 1e-9
    assert abs(pt.frequency - omega) < 1e-9


@pytest.mark.parametrize("a", [0.6, -0.35])
def test_hopf_in_a_skewed_basis(a):
    # x = S y with y on the normal form: q_x = S q_y, so with ‖q_x‖² = 1/2 the coefficient is
    # l₁ = (a/ω)(1/2)/‖S q_y‖² = 2a / (ω ‖S‖_F²) (‖S q_y‖² = ‖S‖_F²/4 for q_y = (1, -i)/2)
    omega, S = 0.8, np.array([[1.5, 0.4], [-0.3, 0.8]])
    fx = lambda u, v, p: p[0] * u - p[1] * v + p[2] * u * (u * u + v * v)
    fy = lambda u, v, p: p[1] * u + p[0] * v + p[2] * v * (u * u + v * v)
    family = _planar("skewed-hopf", fx, fy, S)
    br = continue_equilibrium(lambda mu: family(mu, omega, a), -0.3, 0.45, num=7)
    [pt] = br.points
    assert pt.kind == "hopf"
    assert pt.criticality == ("subcritical" if a > 0 else "supercritical")
    np.testing.assert_allclose(pt.first_lyapunov, 2 * a / (omega * np.sum(S**2)), rtol=1e-9)


def test_planar_quadratic_terms_against_guckenheimer_holmes():
    # ẋ = -ωy + f, ẏ = ωx + g with quadratic and cubic f, g: Guckenheimer & Holmes (1983),
    # (3.4.11): 16 a = f_xxx + f_xyy + g_xxy + g_yyy
    #                  + [f_xy (f_xx + f_yy) - g_xy (g_xx + g_yy) - f_xx g_xx + f_yy g_yy] / ω,
    # and l₁ = a / ω
    w, (a1, a2, a3), (b1, b2), (c1, c2, c3), (d1, d2) = (
        0.9, (0.5, -1.2, 0.7), (0.2, -0.4), (-0.8, 0.3, 1.1), (0.6, -0.25))
    fx = lambda x, y, p: p[0] * x - w * y + a1 * x * x + a2 * x * y + a3 * y * y \
        + b1 * x**3 + b2 * x * y * y
    fy = lambda x, y, p: w * x + p[0] * y + c1 * x * x + c2 * x * y + c3 * y * y \
        + d1 * x * x * y + d2 * y**3
    f_xx, f_xy, f_yy, f_xxx, f_xyy = 2 * a1, a2, 2 * a3, 6 * b1, 2 * b2
    g_xx, g_xy, g_yy, g_xxy, g_yyy = 2 * c1, c2, 2 * c3, 2 * d1, 6 * d2
    a_gh = (f_xxx + f_xyy + g_xxy + g_yyy) / 16 + (
        f_xy * (f_xx + f_yy) - g_xy * (g_xx + g_yy) - f_xx * g_xx + f_yy * g_yy) / (16 * w)
    game = _planar("quadratic-hopf", fx, fy)(0.0)
    l1, crit = first_lyapunov(game)
    assert abs(l1 - a_gh / w) < 1e-10
    assert crit == ("subcritical" if a_gh > 0 else "supercritical")


def test_centre_manifold_reverses_the_planar_truncation():
    # ẋ = μx - ωy + a x r² + c x z, ẏ = ωx + μy + a y r² + c y z, ż = -k z + b r²: the centre
    # manifold is z = (b/k) r² + O(r³) (r² is invariant under the rotation), so on it the cubic
    # coefficient is a + c b / k: l₁ = (a + cb/k)/ω > 0 although a < 0
    w, a, c, b, k = 1.1, -0.5, 1.1, 0.8, 0.7

    def make(mu):
        def v_gen(g, d, p):
            x, y = g
            r2 = x * x + y * y
            return jnp.stack([p * x - w * y + a * x * r2 + c * x * d,
                              w * x + p * y + a * y * r2 + c * y * d])

        return from_fields("hopf-3d", v_gen, lambda g, d, p: -k * d + b * (g @ g), mu,
                           equilibrium=State(jnp.zeros(2), jnp.asarray(0.0)))

    br = continue_equilibrium(make, -0.2, 0.3, num=6)
    [pt] = br.points
    assert pt.kind == "hopf" and pt.criticality == "subcritical"
    assert abs(pt.first_lyapunov - (a + c * b / k) / w) < 1e-9


@pytest.mark.parametrize("loss,l1,crit", [
    ("gan", 0.0, "degenerate"),        # θ² + ψ² conserved: a nonlinear centre
    ("wgan", 0.0, "degenerate"),       # a linear field: a linear centre
    ("nsgan", -1 / 8, "supercritical"),
    ("lsgan", -1 / 4, "supercritical"),
])
def test_unregularised_dirac_gan_at_gamma_zero(loss, l1, crit):
    # At γ = 0, θ̇ = g'(ψθ) ψ, ψ̇ = d_f'(ψθ) θ with f'(t) = f'(0) + f''(0) t + ...: the cubic
    # terms give 16 a = f_xyy + g_xxy (no quadratic terms). GAN: θ̇ = -f'(ψθ)ψ, ψ̇ = f'(ψθ)θ,
    # d(θ² + ψ²)/dt = 0: l₁ = 0, no cycle is born. NS-GAN: θ̇ = -ψ/2 - θψ²/4, ψ̇ = θ/2 - θ²ψ/4:
    # a = -1/16, ω = 1/2, l₁ = -1/8. LSGAN: θ̇ = -ψ - θψ², ψ̇ = θ - θ²ψ: a = -1/4, ω = 1
    br = continue_equilibrium(lambda g: dirac(loss, R1(g)), 0.0, 0.5, num=6)
    pt = br.points[0]
    assert pt.kind == "hopf" and pt.param == 0.0 and pt.criticality == crit
    assert abs(pt.first_lyapunov - l1) < 1e-10


# -- maps: which multipliers cross, one point per event ------------------------------------------
def test_extragradient_xy_neimark_sacker_angle():
    # μ = 1 - η² ± iη: at η = 1, μ = ±i, θ = π/2
    br = continue_equilibrium(xy(), 0.05, 1.7, make_updater=lambda h: extragradient(h), num=12)
    [pt] = br.points
    assert pt.kind == "neimark-sacker" and abs(pt.frequency - math.pi / 2) < 1e-9
    assert pt.crossing.startswith("multipliers e^(±iθ)")


@pytest.mark.parametrize("f1,loss", [(1.0, "lsgan"), (0.5, "nsgan")])
def test_extragradient_double_multiplier_at_plus_one_is_one_fold(f1, loss):
    # R1 at γ = 2 f'(0): λ = -f'(0) double (a Jordan block); extragradient μ = 1 + hλ + h²λ²
    # is a double +1 at h = 1/f'(0): Π (μ_i - 1) only touches 0, μ_1 μ_2 - 1 changes sign.
    # One event: a fold of multiplicity 2 (not a "neutral saddle")
    br = continue_equilibrium(dirac(loss, R1(2 * f1)), 0.1, 1.5 / f1, num=13,
                              make_updater=lambda h: extragradient(h))
    assert [(p.kind, p.multiplicity, p.crossing) for p in br.points] == [
        ("fold", 2, "multiplier +1")]
    assert abs(br.points[0].param - 1 / f1) < 1e-10


# -- maps: vary a game parameter at a fixed rate -------------------------------------------------
@pytest.mark.parametrize("dim", [1, 2])
def test_simultaneous_map_in_gamma_at_fixed_lr(dim):
    # simultaneous GD, μ = 1 + hλ, λ = -γ/2 ± sqrt(γ²/4 - f'²): complex pair |μ|² = 1 - hγ + h²f'²
    # is 1 at γ = h f'² (Neimark-Sacker); real pair 1 + hλ_min = -1 at γ = 2/h + h f'²/2 (flip)
    h, f1 = 0.6, 1.0
    ns, flip = h * f1**2, 2 / h + h * f1**2 / 2

    def radius(g):
        J = np.array([[0, -f1], [f1, -g]])
        return np.abs(np.linalg.eigvals(np.eye(2) + h * J)).max()

    for g in (ns, flip):                    # the closed forms against numpy's eigenvalues
        assert radius(g - 1e-6) > 1 > radius(g + 1e-6) or radius(g - 1e-6) < 1 < radius(g + 1e-6)
    br = continue_equilibrium(lambda g: dirac("lsgan", R1(g), dim=dim), 0.05, 4.0, num=12,
                              make_updater=lambda g: simultaneous(h))
    assert [(p.kind, p.multiplicity) for p in br.points] == [("neimark-sacker", dim),
                                                             ("flip", dim)]
    assert abs(br.points[0].param - ns) < 1e-10 and abs(br.points[1].param - flip) < 1e-10
    theta = abs(np.angle(1 + h * (-ns / 2 + 1j * np.sqrt(f1**2 - ns**2 / 4))))
    assert abs(br.points[0].frequency - theta) < 1e-9


def test_arclength_hopf_on_a_step_end_point():
    # steps of 0.2 from μ = -0.4 land exactly on μ = 0, where the Hopf function is 0: located
    # there (not skipped as it was), with l₁ = a/ω
    br = continue_arclength(lambda m: hopf_normal_form(m, 1.3, 0.7), -0.4, 0.5, ds=0.2)
    [pt] = br.points
    assert pt.kind == "hopf" and pt.param == 0.0 and pt.criticality == "subcritical"
    assert abs(pt.first_lyapunov - 0.7 / 1.3) < 1e-10
