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
    flow_tests,
    map_tests,
    pair_flip_test,
)
from gandyn.analysis.cycles import hopf_normal_form
from gandyn.games.base import State, from_fields
from gandyn.games.bilinear import xy
from gandyn.games.dirac import R1, dirac
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

