"""Pointwise triples: every built-in game against its closed-form D0, trace, det and
eigenvalues; jacfwd against central differences and the trace/det formula on random smooth
triples (hypothesis); vmap over p_d and D0; no recompilation for equal triples."""

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn import State, classify, eigenvalues, jacobian, kind_name, verdict, verdict_name
from gandyn.analysis.spectrum import trace_det
from gandyn.games import pointwise as P

# name -> p_d -> (D0, trace, det): derived by hand (see each docstring), independent of the code
SQRT = math.sqrt
CLOSED = {
    "classic": lambda pd: (0.5, -8 * pd, 4.0),
    "goodfellow": lambda pd: (0.5, -8 * pd, 4.0),
    "wgan": lambda pd: (0.0, 0.0, 1.0),
    "lsgan": lambda pd: (0.5, -2 * pd, 0.25),
    "hinge": lambda pd: (0.0, 0.0, 1.0),
    # f-GAN: trace = -p_d g'(v0)^2 / f''(1), det = g'(v0)^2 (Nowozin et al. 2016 tables)
    "fgan-kl": lambda pd: (1.0, -pd / 1.0, 1.0),
    "fgan-reverse_kl": lambda pd: (0.0, -pd / 1.0, 1.0),
    "fgan-pearson": lambda pd: (0.0, -pd / 2.0, 1.0),
    "fgan-hellinger": lambda pd: (0.0, -pd / 0.5, 1.0),
    "fgan-js": lambda pd: (0.0, -pd * 0.25 / 0.5, 0.25),
    "ebgan(m=1)": lambda pd: (0.5, 0.0, 1.0),
    "quadratic": lambda pd: (1.0, -pd, 1.0),
    "quadratic_saddle": lambda pd: (1.0, -pd, -1.0),
}
KIND = {"classic": "stable", "goodfellow": "stable", "wgan": "centre", "lsgan": "stable",
        "hinge": "centre", "ebgan(m=1)": "centre", "quadratic": "stable",
        "quadratic_saddle": "saddle"}


def test_zoo_is_covered():
    assert set(P.names()) == set(CLOSED)


@pytest.mark.parametrize("name", sorted(CLOSED))
@pytest.mark.parametrize("pd", [0.2, 1.0, 3.0])
def test_closed_forms(name, pd):
    g = P.game(name, pd)
    D0, tr, det = CLOSED[name](pd)
    assert float(g.equilibrium.disc) == pytest.approx(D0, abs=1e-15)
    assert float(g.equilibrium.gen) == pd
    # the field vanishes at the rest point
    v = g.field(g.equilibrium)
    assert abs(float(v.gen)) < 1e-14 and abs(float(v.disc)) < 1e-13
    J = np.asarray(jacobian(g))
    # gen first: [[0, f3'], [f2', p_d (f1''+f2'')]]
    assert J[0, 0] == 0.0
    assert J[1, 1] == pytest.approx(tr, abs=1e-12)
    assert -J[0, 1] * J[1, 0] == pytest.approx(det, abs=1e-12)
    t, d = (float(x) for x in trace_det(J))
    assert t == pytest.approx(tr, abs=1e-12) and d == pytest.approx(det, abs=1e-12)
    lam = np.asarray(eigenvalues(J))
    s = np.sqrt(complex(tr * tr / 4 - det))
    expect = np.array([tr / 2 + s, tr / 2 - s])
    np.testing.assert_allclose(np.sort_complex(lam), np.sort_complex(expect), atol=1e-12)
    kind = kind_name(classify(lam))
    if name.startswith("fgan"):
        assert kind.startswith("stable")
    elif KIND[name] == "stable":
        assert kind in ("stable node", "stable focus")
    else:
        assert kind == KIND[name]


def test_seed_numbers_classic_at_pd_02():
    # closed form: classic at p_d = 0.2 has λ = -4 p_d ± 2 sqrt(4 p_d² - 1) = -0.8 ± 1.8330i
    lam = np.asarray(eigenvalues(jacobian(P.game("classic", 0.2))))
    np.testing.assert_allclose(sorted(lam.imag), [-2 * SQRT(1 - 0.16), 2 * SQRT(1 - 0.16)],
                               atol=1e-12)
    np.testing.assert_allclose(lam.real, [-0.8, -0.8], atol=1e-12)
    assert round(float(lam.imag.max()), 4) == 1.8330


def test_wgan_is_a_centre_for_every_pd_and_quadratic_lyapunov():
    for pd in (0.1, 1.0, 7.0):
        lam = np.asarray(eigenvalues(jacobian(P.game("wgan", pd))))
        np.testing.assert_allclose(np.sort(lam.imag), [-1, 1], atol=1e-14)
        assert verdict_name(verdict(lam)) == "marginal"
    # quadratic: dV/dt = -2 p_d (D-1)^2 exactly, for V = (D-1)^2 + (p_g - p_d)^2
    g = P.game("quadratic", 0.3)
    rng = np.random.default_rng(0)
    for D, pg in rng.uniform(-3, 3, size=(50, 2)):
        v = g.field(State(jnp.float64(pg), jnp.float64(D)))
        dV = 2 * (D - 1) * float(v.disc) + 2 * (pg - 0.3) * float(v.gen)
        assert dV == pytest.approx(-2 * 0.3 * (D - 1) ** 2, abs=1e-12)


def test_fgan_rest_point_is_g_inverse_of_fprime1():
    # g_f(v0) = f'(1): KL f'(1) = 1, reverse KL -1, the others 0
    fprime1 = {"kl": 1.0, "reverse_kl": -1.0, "pearson": 0.0, "hellinger": 0.0, "js": 0.0}
    for div, fp in fprime1.items():
        g = P.fgan(div)
        f1 = g.v_disc.f1  # = g_f
        assert float(f1(g.equilibrium.disc)) == pytest.approx(fp, abs=1e-14)


def test_vmap_over_pd_and_D0_without_recompiling():
    pds = jnp.linspace(0.1, 2.0, 7)

    @jax.jit
    def spec(pd):
        return eigenvalues(jacobian(P.classic(pd)))

    lam = np.asarray(jax.vmap(spec)(pds))
    for p, row in zip(np.asarray(pds), lam):
        s = np.sqrt(complex(16 * p * p - 4))
        np.testing.assert_allclose(np.sort_complex(row),
                                   np.sort_complex([-4 * p + s, -4 * p - s]), atol=1e-12)
    # hinge: any D0 of the continuum (-1, 1) is a centre
    h = P.hinge()

    def kind_at(D0):
        p = dict(h.params, D0=D0)
        g = h.replace(params=p, equilibrium=State(p["pd"], D0))
        return classify(eigenvalues(jacobian(g)))

    kinds = np.asarray(jax.jit(jax.vmap(kind_at))(jnp.linspace(-0.9, 0.9, 9)))
    assert set(kinds.tolist()) == {2}  # centre
    # classify vmapped over p_d
    ks = jax.vmap(lambda p: classify(eigenvalues(jacobian(P.quadratic(p)))))(pds)
    assert set(np.asarray(ks).tolist()) <= {0, 1}
    # equal triples share the compiled code: second game, other pd -> same cache entry
    f = jax.jit(lambda g: jacobian(g))
    f(P.classic(0.3))
    n = f._cache_size()
    f(P.classic(0.7))
    assert f._cache_size() == n


def test_bad_inputs():
    with pytest.raises(ValueError, match="pd"):
        P.classic(0.0)
    with pytest.raises(ValueError, match="unknown pointwise game"):
        P.game("nope")
    with pytest.raises(ValueError, match="margin"):
        P.ebgan(m=-1.0)
    with pytest.raises(ValueError, match="no root in"):
        P.triple(_lin, _lin, _lin, 1.0, domain=(0.0, 1.0))


def _lin(d):
    return d


# -- random smooth triples (hypothesis) ---------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Poly:
    """a x + b x² + c x³ + e exp(s x) with the coefficients as a static tuple."""

    co: tuple

    def __call__(self, x):
        a, b, c, e, s = self.co
        return a * x + b * x ** 2 + c * x ** 3 + e * jnp.exp(s * x)


@dataclasses.dataclass(frozen=True)
class _Traced:
    """Same family with traced coefficients read from the game's params (one compile)."""

    which: int

    def __call__(self, x, co):
        a, b, c, e, s = (co[self.which, i] for i in range(5))
        return a * x + b * x ** 2 + c * x ** 3 + e * jnp.exp(s * x)


def _field(co, pd, D0, z):
    """v(z) for z = (p_g, D) with f_i given by coefficient rows (traced)."""
    f1, f2, f3 = (lambda x, i=i: _Traced(i)(x, co) for i in range(3))
    g, d = z[0], z[1]
    vg = f3(d) - f3(D0)
    vd = pd * jax.grad(f1)(d) + g * jax.grad(f2)(d)
    return jnp.stack([vg, vd])


@jax.jit
def _jac_vs_fd(co, pd, D0, pg, D):
    """jacfwd Jacobian of the triple game (built by P.triple on traced coefficients) at a
    point, its central-difference estimate, and the formula at the rest point."""
    f1, f2, f3 = (lambda x, i=i: _Traced(i)(x, co) for i in range(3))
    game = P.triple(f1, f2, f3, pd, D0, (-10.0, 10.0))
    z = jnp.stack([pg, D])
    J = jacobian(game, State(pg, D))
    h = 1e-5
    cols = [(_field(co, pd, D0, z + h * e) - _field(co, pd, D0, z - h * e)) / (2 * h)
            for e in jnp.eye(2)]
    Jfd = jnp.stack(cols, axis=1)
    Jeq = jacobian(game)
    d2 = jax.grad(jax.grad(f1))(D0) + jax.grad(jax.grad(f2))(D0)
    tr = pd * d2
    det = -jax.grad(f2)(D0) * jax.grad(f3)(D0)
    return J, Jfd, Jeq, tr, det


coef = st.floats(-1.5, 1.5)


@settings(max_examples=25)
@given(st.lists(coef, min_size=15, max_size=15), st.floats(0.05, 3.0),
       st.floats(-1.0, 1.0), st.floats(0.0, 2.0), st.floats(-1.0, 1.0))
def test_jacfwd_matches_finite_differences_and_formula(co, pd, D0, pg, D):
    co = np.asarray(co).reshape(3, 5)
    co[:, 4] = np.clip(co[:, 4], -1, 1)
    # guarantee a root of f1' + f2' at D0: shift f1's linear coefficient
    h = lambda x: sum(_Poly(tuple(co[i]))(x) for i in (0, 1))
    co[0, 0] -= float(jax.grad(h)(D0))
    J, Jfd, Jeq, tr, det = (np.asarray(x) for x in _jac_vs_fd(jnp.asarray(co), pd, D0, pg, D))
    scale = 1.0 + np.max(np.abs(J))
    np.testing.assert_allclose(J, Jfd, atol=1e-6 * scale)
    assert Jeq[0, 0] == 0.0
    assert Jeq[0, 0] + Jeq[1, 1] == pytest.approx(float(tr), abs=1e-10 * scale)
    assert Jeq[0, 0] * Jeq[1, 1] - Jeq[0, 1] * Jeq[1, 0] == pytest.approx(float(det),
                                                                          abs=1e-10 * scale)
    # the rest point really is one: v(p_d, D0) = 0
    g = P.triple(_Poly(tuple(co[0])), _Poly(tuple(co[1])), _Poly(tuple(co[2])), pd, D0,
                 (-10.0, 10.0))
    v = g.field(g.equilibrium)
    assert abs(float(v.gen)) < 1e-12 and abs(float(v.disc)) < 1e-9 * scale


# -- signs decided within rounding, not within a tolerance relative to max|λ| ------------------
def _classic_scaled(c, pd):
    """f1 = log D, f2 = log(1-D), f3 = -c log(1-D) at D0 = 1/2, by hand: f2' = -1/(1-D) = -2,
    f3' = c/(1-D) = 2c, f1''+f2'' = -1/D² - 1/(1-D)² = -8, so J = [[0, 2c], [-2, -8 p_d]],
    trace -8 p_d, det 4c, λ = -4 p_d ± i sqrt(4c - 16 p_d²)."""
    return P.triple("log(x)", "log(1-x)", f"-{c!r}*log(1-x)", pd, 0.5, (0.0, 1.0))


def test_stiff_focus_is_a_stable_focus():
    from gandyn.analysis.spectrum import classify_matrix

    c, pd = 1e15, 0.7
    J = np.asarray(jacobian(_classic_scaled(c, pd)))
    np.testing.assert_allclose(J, [[0.0, 2 * c], [-2.0, -8 * pd]], rtol=1e-14)
    lam = np.asarray(eigenvalues(J))
    np.testing.assert_allclose(lam.real, [-4 * pd, -4 * pd], rtol=1e-14)
    np.testing.assert_allclose(sorted(lam.imag), [-SQRT(4 * c - 16 * pd * pd),
                                                  SQRT(4 * c - 16 * pd * pd)], rtol=1e-14)
    kind, verd = classify_matrix(J)
    # the eigenvalue-only tolerance 1e-7 max|λ| = 6.3 swallows Re λ = -2.8: "centre"
    assert (kind_name(kind), verdict_name(verd)) == ("stable focus", "stable")


def test_stiff_saddle_keeps_its_small_eigenvalue():
    from gandyn.analysis.spectrum import classify_matrix

    # f1 = -k (D-1/2)²/2 + D, f2 = f3 = -D: D0 = 1/2, J = [[0, -1], [-1, -k p_d]] by hand,
    # trace -k p_d, det -1 < 0: a saddle, λ = (-k p_d ± sqrt(k² p_d² + 4))/2 and the positive
    # one without cancellation 2/(k p_d + sqrt(k² p_d² + 4))
    k, pd = 3e4, 0.5
    g = P.triple(f"-{k!r}*(x-0.5)**2/2 + x", "-x", "-x", pd, 0.5, (-10.0, 10.0))
    J = np.asarray(jacobian(g))
    np.testing.assert_allclose(J, [[0.0, -1.0], [-1.0, -k * pd]], rtol=1e-14)
    kp = k * pd
    small, big = 2 / (kp + SQRT(kp * kp + 4)), -(kp + SQRT(kp * kp + 4)) / 2
    lam = sorted(np.asarray(eigenvalues(J)).real)
    assert lam[1] == pytest.approx(small, rel=1e-14)  # the difference formula: rel 1e-9
    assert lam[0] == pytest.approx(big, rel=1e-14)
    kind, verd = classify_matrix(J)
    assert (kind_name(kind), verdict_name(verd)) == ("saddle", "unstable")


def test_zero_determinant_is_degenerate_and_decided_by_the_trace():
    from gandyn.analysis.spectrum import classify_matrix

    # det = 0 exactly: eigenvalues 0 and trace
    for tr, expect in ((-8.0, "marginal"), (3.0, "unstable")):
        kind, verd = classify_matrix(np.array([[0.0, 0.0], [-2.0, tr]]))
        assert (kind_name(kind), verdict_name(verd)) == ("degenerate", expect)


def _block(*blocks):
    n = sum(b.shape[0] for b in blocks)
    out, i = np.zeros((n, n)), 0
    for b in blocks:
        out[i:i + b.shape[0], i:i + b.shape[0]] = b
        i += b.shape[0]
    return out


def _rot(re, im):
    return np.array([[re, im], [-im, re]])  # eigenvalues re ± i im


@pytest.mark.parametrize("blocks, kind, verd", [
    # -1e-6 next to ±1e6 i: the tolerance 1e-7 max|λ| = 0.1 made every real part zero
    (( np.array([[-1e-6]]), _rot(-1e-6, 1e6)), "stable focus", "stable"),
    ((np.array([[2e-6]]), _rot(-3e-6, 1e6)), "saddle", "unstable"),
    ((np.array([[-1e-6]]), _rot(0.0, 1e6)), "degenerate", "marginal"),
    ((np.array([[-1e-6]]), _rot(-5e-7, 2e6), np.array([[-3.0]])), "stable focus", "stable"),
])
def test_nxn_classified_within_per_eigenvalue_bounds(blocks, kind, verd):
    from gandyn.analysis.spectrum import classify_matrix, eig_error_bounds

    J = _block(*blocks)
    # an orthogonal change of basis keeps the eigenvalues and their condition numbers (1)
    Q, _ = np.linalg.qr(np.random.default_rng(7).standard_normal(J.shape))
    A = Q @ J @ Q.T
    k, v = classify_matrix(A)
    assert (kind_name(k), verdict_name(v)) == (kind, verd)
    # normal matrix: every bound is ~ eps ‖A‖ (tiny next to 1e-6), never the 1e-7 max|λ| = 0.1
    assert np.all(np.asarray(eig_error_bounds(A)) < 5e-8)


def test_eig_error_bounds_cover_the_actual_error_of_a_non_normal_matrix():
    from gandyn.analysis.spectrum import classify_matrix, eig_error_bounds

    # S diag(-1e-6, ±1e6 i) S⁻¹ with cond(S) ~ 1e9: eigenvalues known, eig's errors large
    rng = np.random.default_rng(3)
    U, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    V, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    S = U @ np.diag([1.0, 1e-4, 1e-9]) @ V
    A = S @ _block(np.array([[-1e-6]]), _rot(-1e-6, 1e6)) @ np.linalg.inv(S)
    e = np.asarray(jnp.linalg.eig(A)[0])
    true = np.array([-1e-6, -1e-6 + 1e6j, -1e-6 - 1e6j])
    err = np.asarray(eig_error_bounds(A, *jnp.linalg.eig(A)))
    for z, b in zip(e, err):
        assert np.min(np.abs(true - z)) <= b
    # precision runs out for the real parts: none of them is called negative
    assert verdict_name(classify_matrix(A)[1]) == "marginal"


def test_discrete_verdict_with_per_eigenvalue_bounds():
    from gandyn.analysis.spectrum import DISCRETE_VERDICTS, discrete_verdict, eig_error_bounds

    # a rotation scaled by 1 - 1e-9: |μ| = 1 - 1e-9 exactly, κ = 1; the fixed 1e-7 says marginal
    r = 1 - 1e-9
    F = r * np.array([[np.cos(0.3), -np.sin(0.3)], [np.sin(0.3), np.cos(0.3)]])
    e, v = jnp.linalg.eig(F)
    assert DISCRETE_VERDICTS[int(discrete_verdict(e))] == "marginal"
    assert DISCRETE_VERDICTS[int(discrete_verdict(e, err=eig_error_bounds(F, e, v)))] == "converges"
    F2 = F / r * (1 + 1e-9)
    e2, v2 = jnp.linalg.eig(F2)
    assert DISCRETE_VERDICTS[int(discrete_verdict(e2, err=eig_error_bounds(F2, e2, v2)))] == "diverges"
