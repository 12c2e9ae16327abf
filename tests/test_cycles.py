"""Periodic orbits (shooting + Floquet) and invariant quadratic forms of maps."""

import math

import jax.numpy as jnp
import numpy as np

from gandyn.analysis.cycles import (
    cycle_branch,
    fitted_exponent,
    hopf_normal_form,
    invariant_quadratic_form,
    map_invariant_form,
    periodic_orbit,
)
from gandyn.analysis.modified import iterate
from gandyn.games import pointwise
from gandyn.games.base import State
from gandyn.games.dirac import dirac
from gandyn.updaters.alternating import alternating


def test_pointwise_wgan_centre_orbits_have_unit_multipliers():
    game = pointwise.wgan(1.0)         # state (p_g, D), rest point (1, 0), λ = ± i
    orb = periodic_orbit(game, State(jnp.asarray(1.3), jnp.asarray(0.0)), 6.6)
    assert orb.converged and orb.stability == "neutral"
    assert abs(orb.period - 2 * math.pi) < 1e-9
    np.testing.assert_allclose(orb.multipliers, [1.0, 1.0], atol=1e-8)
    assert abs(orb.amplitude - 0.3) < 1e-9


def test_supercritical_hopf_cycle_amplitude_grows_like_sqrt_mu():
    mus = [0.01, 0.04, 0.16]
    orbs = cycle_branch(hopf_normal_form, mus, State(jnp.asarray(0.12), jnp.asarray(0.0)), 6.0)
    assert all(o.converged and o.stability == "stable" for o in orbs)
    assert abs(fitted_exponent(mus, [o.amplitude for o in orbs]) - 0.5) < 0.05
    for mu, o in zip(mus, orbs):
        # Floquet: the non-trivial multiplier is exp(-2 μ T), T = 2π
        nontrivial = o.multipliers[np.argmax(np.abs(o.multipliers - 1))]
        assert abs(nontrivial - math.exp(-2 * mu * 2 * math.pi)) < 1e-8
        assert abs(o.period - 2 * math.pi) < 1e-9


def test_alternating_dirac_conserves_closed_form_quadratic_form():
    hg, hd, ng, nd, f = 0.7, 0.4, 3, 2, 0.5
    upd = alternating(hg, hd, n_disc=nd, n_gen=ng)
    form = map_invariant_form(dirac("gan"), upd)
    a, b = ng * hg * f, nd * hd * f
    Q = np.array([[b, a * b / 2], [a * b / 2, a]])
    np.testing.assert_allclose(form.Q, Q / np.linalg.norm(Q), atol=1e-12)
    assert form.definite and form.dimension == 1
    # the WGAN Dirac field is linear: E is conserved exactly along the iterates
    game = dirac("wgan")
    aw, bw = ng * hg * 1.0, nd * hd * 1.0          # WGAN: f'(0) = 1
    Qw = np.array([[bw, aw * bw / 2], [aw * bw / 2, aw]])
    E = lambda z: np.array([z.gen[0], z.disc[0]]) @ Qw @ np.array([z.gen[0], z.disc[0]])
    z0 = State(jnp.array([0.8]), jnp.array([-0.3]))
    for n in (1, 7, 50):
        assert abs(E(iterate(game, upd, z0, n)) - E(z0)) < 1e-12


def test_invariant_form_none_and_indefinite():
    assert invariant_quadratic_form(np.diag([0.5, 0.9])) is None     # contraction: none
    # α = sqrt(n_g n_d) h f'(0) > 2: the conserved form exists but is indefinite (hyperbolas)
    form = map_invariant_form(dirac("gan"), alternating(4.5))
    assert form is not None and not form.definite


def test_wgan_gp_dirac_flow_has_a_stable_relay_cycle():
    # f'(0) = 1, r = 2 λ g0: in ψ > 0 a damped rotation about (c - r, 0), in ψ < 0 about
    # (c + r, 0), λ_e = -λ ± iω; half-turns of π/ω shrink by k = exp(-λπ/ω) around alternate
    # centres, so the up-crossings d from c - r obey d' = 2r(1 + k) + k² d: a cycle at
    # d* = 2r/(1 - k), period 2π/ω, multipliers 1 and k²
    from gandyn.games.dirac import WGANGP

    lam, g0 = 0.3, 1.0
    om, r = math.sqrt(1 - lam**2), 2 * lam * g0
    k = math.exp(-lam * math.pi / om)
    d = 2 * r / (1 - k)
    t = (math.pi - math.atan(om / lam)) / om          # from the up-crossing to θ = c - r
    psi_sec = d / om * math.exp(-lam * t) * math.sin(om * t)
    orb = periodic_orbit(dirac("wgan", WGANGP(lam, g0)),
                         State(jnp.array([-r]), jnp.array([1.0])), 6.0, section=0)
    assert orb.converged and orb.stability == "stable"
    assert abs(orb.period - 2 * math.pi / om) < 1e-8
    assert abs(orb.state[1] - psi_sec) < 1e-8
    np.testing.assert_allclose(np.sort(orb.multipliers.real), [k * k, 1.0], atol=1e-6)
