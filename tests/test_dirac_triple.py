"""The Dirac-GAN of a loss triple (``gandyn.games.dirac.dirac_triple``): every named loss written
as its triple (expressions, or Python functions) is the same game as ``dirac(name)`` (field,
Jacobian and eigenvalues at random points, float64, 1e-12), regularisers included; the triple
written the usual way round (the critic scores data high) is its mirror image ψ -> -ψ.

The triples here are written out from the paper's definitions (Mescheder et al. 2018: the critic
ascends f(ψθ) + f(-ψc) with f(t) = log σ(t); LSGAN with targets -1 for data, +1 for fakes), not
read back from ``LOSS_TRIPLES``, which is compared with them.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gandyn.analysis import eigenvalues, jacobian
from gandyn.analysis.dirac import analyse
from gandyn.expr import ExprError
from gandyn.games import dirac as D
from gandyn.games.dirac import (DRAGAN, NK, R1, R2, WGANGP, WGANLP, Clip, LeCam, Noise,
                                dirac, dirac_triple)

# (f1, f2, f3) of each named loss: the critic ascends f1(ψ·c) + f2(ψ·θ), the generator f3(ψ·θ)
EXPRESSIONS = {
    "gan": ("-softplus(D)", "-softplus(-D)", "softplus(-D)"),      # log σ(-t), log σ(t), -log σ(t)
    "nsgan": ("-softplus(x)", "-softplus(-x)", "-softplus(x)"),    # generator: log σ(-t)
    "wgan": ("-D", "D", "-D"),
    "lsgan": ("-(D+1)**2/2", "-(D-1)**2/2", "-(D+1)**2/2"),        # targets: data -1, fakes +1
    "hinge": ("minimum(0, -D-1)", "minimum(0, D-1)", "-D"),
}


def _log_sigmoid(t):
    return jax.nn.log_sigmoid(t)


def _gan_f1(t):
    return _log_sigmoid(-t)


def _gan_f3(t):
    return -_log_sigmoid(t)


def _ls_real(t):
    return -0.5 * (t + 1.0) ** 2


def _ls_fake(t):
    return -0.5 * (t - 1.0) ** 2


def _neg(t):
    return -t


def _ident(t):
    return t


def _hinge_real(t):
    return jnp.minimum(0.0, -t - 1.0)


def _hinge_fake(t):
    return jnp.minimum(0.0, t - 1.0)


FUNCTIONS = {
    "gan": (_gan_f1, _log_sigmoid, _gan_f3),
    "nsgan": (_gan_f1, _log_sigmoid, _gan_f1),
    "wgan": (_neg, _ident, _neg),
    "lsgan": (_ls_real, _ls_fake, _ls_real),
    "hinge": (_hinge_real, _hinge_fake, _neg),
}

# every smooth regulariser at once (they compose; each one's part of the field differs, so
# an error in one would not cancel out), and none
ALL_SMOOTH = (Noise(0.4), R1(0.3), R2(0.6), NK(0.5), DRAGAN(0.9, 0.0), LeCam(0.5, 1.5),
              Clip(5.0), WGANLP(0.4, 0.0))
REG_SETS = {"none": (), "all": ALL_SMOOTH}
CASES = [(loss, regs) for loss in D.LOSSES for regs in REG_SETS]


def _random_states(game, rng, n=6):
    """``n`` random points near the rest point (|t| < ~2, away from the hinge's kinks)."""
    flat = lambda s: jax.flatten_util.ravel_pytree(s)
    z0, unravel = flat(game.equilibrium)
    return [unravel(z0 + rng.normal(scale=0.7, size=z0.shape)) for _ in range(n)]


def _flat(tree):
    return np.asarray(jax.flatten_util.ravel_pytree(tree)[0])


@jax.jit
def _field_and_jacobian(game, state):
    return game.field(state), jacobian(game, state)


@jax.jit
def _objectives(game, state):
    return tuple(f(*state, game.params) for f in game.objectives)


def _compare(a, b, states, sign=None, atol=1e-12):
    """Fields, Jacobians and eigenvalues of games a and b at ``states``; with ``sign`` (±1 per
    coordinate) b is a's image under z -> sign * z."""
    for s in states:
        sb = s if sign is None else jax.flatten_util.ravel_pytree(s)[1](_flat(s) * sign)
        va, ja = _field_and_jacobian(a, s)
        vb, jb = _field_and_jacobian(b, sb)
        va, vb, ja, jb = _flat(va), _flat(vb), np.asarray(ja), np.asarray(jb)
        if sign is not None:  # v_b(S z) = S v_a(z), J_b(S z) = S J_a(z) S
            vb, jb = vb * sign, jb * np.outer(sign, sign)
        scale = max(1.0, np.max(np.abs(ja)))
        np.testing.assert_allclose(vb, va, rtol=0, atol=atol * max(1.0, np.max(np.abs(va))))
        np.testing.assert_allclose(jb, ja, rtol=0, atol=atol * scale)
        ea, eb = np.sort_complex(np.linalg.eigvals(ja)), np.sort_complex(np.linalg.eigvals(jb))
        np.testing.assert_allclose(eb, ea, rtol=0, atol=1e-10 * scale)


def test_loss_triples_table_matches_the_definitions():
    from gandyn.expr import parse

    for name, fs in EXPRESSIONS.items():
        assert tuple(map(parse, D.LOSS_TRIPLES[name])) == tuple(map(parse, fs)), name
    assert set(D.LOSS_TRIPLES) == set(D.LOSSES)


@pytest.mark.parametrize("loss, regs", CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_named_loss_equals_its_triple(loss, regs):
    rng = np.random.default_rng(sum(map(ord, loss + regs)))
    dim, c = (2, [0.3, -0.5]) if regs == "all" else (1, 0.4)
    named = dirac(loss, REG_SETS[regs], dim=dim, c=c)
    states = _random_states(named, rng)
    # Python functions take the same path as parsed expressions: once, unregularised, suffices
    for fs in (EXPRESSIONS[loss],) + ((FUNCTIONS[loss],) if regs == "none" else ()):
        tr = dirac_triple(*fs, REG_SETS[regs], dim=dim, c=c)
        np.testing.assert_array_equal(_flat(tr.equilibrium), _flat(named.equilibrium))
        assert tr.smooth == named.smooth and (tr.projection is None) == (named.projection is None)
        _compare(named, tr, states + [named.equilibrium])
        # the objectives too (opponent shaping differentiates them)
        for s in states[:3]:
            for a, b in zip(_objectives(named, s), _objectives(tr, s)):
                assert float(b) == pytest.approx(float(a), rel=0, abs=1e-12 * max(1, abs(a)))


@pytest.mark.parametrize("loss, regs", [("gan", "all"), ("lsgan", "none"), ("hinge", "none")])
def test_triple_the_usual_way_round_is_the_mirror_image(loss, regs):
    """f_i(-D) (the critic scores data high, GAN's f1 = log σ(D)): ψ -> -ψ (anchors too)."""
    mirrored = tuple(e.replace("D", "(-D)").replace("x", "(-x)") for e in EXPRESSIONS[loss])
    named = dirac(loss, REG_SETS[regs], c=0.4)
    mirror = dirac_triple(*mirrored, REG_SETS[regs], c=0.4)
    n_gen = _flat(named.equilibrium.gen).size
    sign = np.r_[np.ones(n_gen), -np.ones(_flat(named.equilibrium).size - n_gen)]
    rng = np.random.default_rng(7)
    _compare(named, mirror, _random_states(named, rng, 4) + [named.equilibrium], sign=sign)


def test_usual_gan_triple_spelled_out():
    """GAN as usually written: f1 = log σ(D), f2 = log(1 - σ(D)), f3 = -log(1 - σ(D))."""
    usual = dirac_triple("log(sigmoid(D))", "log(1 - sigmoid(D))", "-log(1 - sigmoid(D))", c=0.3)
    named = dirac("gan", c=0.3)
    e_u, e_n = (np.sort_complex(np.asarray(eigenvalues(_field_and_jacobian(g, g.equilibrium)[1])))
                for g in (usual, named))
    np.testing.assert_allclose(e_u, e_n, atol=1e-12)


def test_a_new_triple_closed_form_at_c0():
    """At c = 0 the Jacobian is [[0, f3'(0)], [f2'(0), 0]]: the article's quadratic triple
    (-D²/2, D, -D) is a centre ±i; with f3 = +D a saddle ±1."""
    j = np.asarray(jacobian(dirac_triple("-x**2/2", "x", "-x")))
    np.testing.assert_allclose(j, [[0, -1], [1, 0]], atol=1e-15)
    j = np.asarray(jacobian(dirac_triple("-x**2/2", "x", "x")))
    np.testing.assert_allclose(j, [[0, 1], [1, 0]], atol=1e-15)


@pytest.mark.parametrize("fs, c, theta", [
    (("-2*D", "D", "-D"), 0.5, 1.0),            # θ* = -f1'(0)/f2'(0) c = 2c
    (("-x**2/2", "x", "-x"), 0.7, 0.0),         # f1'(0) = 0: θ* = 0 whatever c
    (("-D", "D + D**3", "-D"), [0.2, -0.4], [0.2, -0.4]),
])
def test_rest_point_of_a_triple(fs, c, theta):
    dim = np.size(c)
    game = dirac_triple(*fs, R1(0.5), c=c, dim=dim)
    np.testing.assert_allclose(game.equilibrium.gen, np.broadcast_to(theta, (dim,)), atol=1e-15)
    np.testing.assert_allclose(_flat(game.field(game.equilibrium)), 0.0, atol=1e-15)


def test_built_inside_jit_from_a_traced_data_point():
    fs = EXPRESSIONS["gan"]
    eager = np.asarray(jacobian(dirac_triple(*fs, R1(0.5), c=0.8)))
    traced = jax.jit(lambda c: jacobian(dirac_triple(*fs, R1(0.5), c=c)))(0.8)
    np.testing.assert_allclose(np.asarray(traced), eager, atol=1e-15)


def test_wgan_gp_rest_set_of_a_mirrored_triple():
    """Non-smooth penalty: the Filippov rest set is centred at θ* with radius 2λg0/|f2'(0)|,
    the named WGAN's for its mirror image."""
    a = analyse(dirac("wgan", WGANGP(1.0, 1.0), c=0.5))
    b = analyse(dirac_triple("D", "-D", "D", WGANGP(1.0, 1.0), c=0.5))
    assert a["rest_set"] == b["rest_set"] == {"psi": 0.0, "theta_centre": [0.5],
                                              "theta_radius": 2.0}
    assert b["verdict"] == "unstable"


def test_bad_triples_are_refused_with_one_line():
    with pytest.raises(ExprError, match="name 'y'"):
        dirac_triple("y", "x", "-x")
    with pytest.raises(ValueError, match=r"f1 = log\(x\): f1, f1', f1'' not finite at D = 0.*"
                                         r"logit") as e:
        dirac_triple("log(x)", "log(1-x)", "-log(1-x)")
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match=r"f3'' not finite"):
        dirac_triple("-x", "x", "-abs(x)**1.5")
    with pytest.raises(ValueError, match="no rest point on psi = 0"):
        dirac_triple("x", "x**2/2", "-x", c=1.0)
    dirac_triple("x", "x**2/2", "-x", c=0.0)  # c = 0: the rest point (0, 0)
    with pytest.raises(TypeError, match="f2 must be a function"):
        dirac_triple("x", 3.0, "-x")
    with pytest.raises(ValueError, match="unknown Dirac-GAN loss"):
        dirac("softplus(x)")


def test_jacobian_closed_form_mirrors_the_pointwise_game():
    """1-D at the rest point (θ*, 0): J = [[0, f3'(0)], [f2'(0), f1''(0)c² + f2''(0)θ*²]], the
    pointwise game's [[0, f3'], [f2', p_d (f1''+f2'')]] at D0 = 0 with p_d -> c² (θ* = c)."""
    c = 0.5
    game = dirac_triple("-2*D - D**2/2", "D - D**2", "-3*D", c=c)  # θ* = -(-2)/1 c = 2c
    theta = 2 * c
    np.testing.assert_allclose(game.equilibrium.gen, [theta], atol=1e-15)
    np.testing.assert_allclose(np.asarray(jacobian(game)),
                               [[0, -3], [1, -1 * c**2 - 2 * theta**2]], atol=1e-14)
