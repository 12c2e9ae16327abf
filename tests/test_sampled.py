"""Sampled GANs on fixed banks, and the tie with the Dirac-GAN.

The tie: a neural Dirac-GAN (D(x) = ψ·x, G(z) = θ, one data point c, ``scores="fake"``) has
exactly the field and Jacobian of ``gandyn.games.dirac.dirac`` for every loss and every
regulariser both modules have (one table, ``TABLE``). Other tests compare with formulas
written out here (independent per-sample gradients, hand-written objectives, closed-form
eigenvalues of Mescheder et al. 2018). Every comparison jits one function of traced numbers.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn.analysis import eigenvalues, jacobian
from gandyn.analysis.discrete import stability_map, update_eigenvalues
from gandyn.games import State
from gandyn.games.sampled import (
    LOSSES,
    loss_triple,
    neural_dirac,
    sampled_game,
)
from gandyn.games.sampled_regs import (
    DRAGAN,
    NK,
    R1,
    R2,
    REGULARISERS,
    WGANGP,
    WGANLP,
    Clip,
    EBGANMargin,
    SpectralNorm,
)
from gandyn.simulate import CONVERGED, simulate
from gandyn.updaters import negative_momentum, optax_players, simultaneous

TOL = 1e-12
FAST = {"compiler_options": {"xla_cpu_use_fusion_emitters": False}}  # compile time first


def _jit(f, **kw):
    try:
        return jax.jit(f, **kw, **FAST)
    except TypeError:  # a jax without compiler_options
        return jax.jit(f, **kw)


# -- the Dirac reference: the ONE function that knows gandyn.games.dirac's API ----------------
def dirac_reference(loss, spec, c):
    """``dirac(loss, regs=...)`` for a neutral spec ``((name, kwargs), ...)``."""
    from gandyn.games import dirac as dm

    dim = c.shape[0]
    make = {"r1": lambda gamma: dm.R1(gamma), "r2": lambda gamma: dm.R2(gamma),
            "wgan-gp": lambda lam, g0: dm.WGANGP(lam, g0),
            "wgan-lp": lambda lam, g0: dm.WGANLP(lam, g0),
            "dragan": lambda lam, k: dm.DRAGAN(lam, k), "nk": lambda eta: dm.NK(eta),
            "clip": lambda c: dm.Clip(c)}
    return dm.dirac(loss, regs=tuple(make[n](**kw) for n, kw in spec), dim=dim, c=c)


DELTA = np.array([[0.3, -0.1], [-0.2, 0.25], [0.05, 0.4]])  # DRAGAN's perturbation bank


def sampled_reference(loss, spec, c):
    make = {"r1": R1, "r2": R2, "wgan-gp": WGANGP, "wgan-lp": WGANLP, "nk": NK, "clip": Clip,
            "dragan": lambda lam, k: DRAGAN(lam, k, delta=DELTA[:, : c.shape[0]])}
    return neural_dirac(loss, tuple(make[n](**kw) for n, kw in spec), c=c, dim=c.shape[0])


DIRAC_LOSSES = ("gan", "nsgan", "wgan", "lsgan", "hinge")
TABLE = {
    "none": (),
    "r1": (("r1", {"gamma": 0.7}),),
    "r2": (("r2", {"gamma": 1.3}),),
    "wgan-gp(g0=0)": (("wgan-gp", {"lam": 0.4, "g0": 0.0}),),
    "wgan-gp(g0=1)": (("wgan-gp", {"lam": 0.4, "g0": 1.0}),),
    "wgan-lp(g0=1)": (("wgan-lp", {"lam": 0.4, "g0": 1.0}),),
    "dragan(k=0)": (("dragan", {"lam": 0.6, "k": 0.0}),),
    "dragan(k=1)": (("dragan", {"lam": 0.6, "k": 1.0}),),
    "nk": (("nk", {"eta": 0.8}),),
    "clip": (("clip", {"c": 0.25}),),
    "r1+r2+nk": (("r1", {"gamma": 0.5}), ("r2", {"gamma": 0.5}), ("nk", {"eta": 0.3})),
}
C = np.array([0.4, -0.3])
POINTS = State(np.array([[0.4, -0.3], [0.9, -1.2], [-0.5, 0.2]]),   # (c, 0) and two others
               np.array([[0.0, 0.0], [0.35, 0.8], [-1.1, 0.6]]))


@functools.cache
def _tie_results(loss):
    """Every supported row of ``TABLE`` for one loss, in ONE program (one compilation)."""
    c = jnp.asarray(C)
    keys = tuple(k for k in TABLE if dirac_reference(loss, TABLE[k], c) is not None)

    def rows(c, zs):
        out = {}
        for key in keys:
            a, b = dirac_reference(loss, TABLE[key], c), sampled_reference(loss, TABLE[key], c)

            def at(z, a=a, b=b):
                return (a.field(z), b.field(z), jacobian(a, z), jacobian(b, z),
                        a.project(z), b.project(z))

            out[key] = jax.vmap(at)(zs)
        return out

    return jax.device_get(_jit(rows)(c, POINTS))


def _flat(s):
    return np.concatenate([np.asarray(s.gen), np.asarray(s.disc)], axis=-1)


@pytest.mark.parametrize("key", list(TABLE))
@pytest.mark.parametrize("loss", DIRAC_LOSSES)
def test_neural_dirac_is_dirac(loss, key):
    """Field, Jacobian, its eigenvalues and the projection, at (c, 0) and two other states."""
    if dirac_reference(loss, TABLE[key], jnp.asarray(C)) is None:
        pytest.skip(f"this gandyn.games.dirac has no {key}")
    fa, fb, Ja, Jb, pa, pb = _tie_results(loss)[key]
    np.testing.assert_allclose(_flat(fb), _flat(fa), rtol=0, atol=TOL)
    np.testing.assert_allclose(_flat(pb), _flat(pa), rtol=0, atol=TOL)
    Ja, Jb = np.asarray(Ja), np.asarray(Jb)
    # non-differentiable points (a (|∇D| - k)² penalty, k > 0, at ψ = 0) are NaN in both
    np.testing.assert_array_equal(np.isnan(Jb), np.isnan(Ja))
    np.testing.assert_allclose(Jb, Ja, rtol=0, atol=TOL, equal_nan=True)
    for ja, jb in zip(Ja, Jb):
        if np.all(np.isfinite(ja)):
            ea, eb = (np.sort_complex(np.linalg.eigvals(j)) for j in (ja, jb))
            np.testing.assert_allclose(eb, ea, rtol=0, atol=1e-10)
    if key.endswith("(g0=1)") or key.endswith("(k=1)"):
        if key.startswith("wgan-lp"):  # one-sided: inactive near ψ = 0, smooth there
            assert np.all(np.isfinite(Jb[0]))
        else:
            assert np.any(np.isnan(Jb[0]))


def test_tie_vmapped_over_traced_gamma():
    """One program over a vector of γ: both games built from the traced γ; with c = 0 the
    eigenvalues are -γ/2 ± sqrt(γ²/4 - f'(0)²) (Mescheder et al. 2018, Thm 4.1), f'(0) = 1/2."""
    gammas = jnp.array([0.1, 0.5, 0.9, 1.5, 3.0])

    def one(g):
        spec = (("r1", {"gamma": g}),)
        c = jnp.zeros(1)
        return jacobian(dirac_reference("gan", spec, c)), jacobian(sampled_reference("gan", spec,
                                                                                     c))

    Ja, Jb = _jit(jax.vmap(one))(gammas)
    np.testing.assert_allclose(Jb, Ja, rtol=0, atol=TOL)
    for g, j in zip(np.asarray(gammas), np.asarray(Jb)):
        s = np.sqrt(complex(g * g / 4 - 0.25))
        np.testing.assert_allclose(np.sort_complex(np.asarray(eigenvalues(j))),
                                   np.sort_complex(np.array([-g / 2 - s, -g / 2 + s])),
                                   atol=1e-12)


@functools.cache
def _random_tie(loss):
    def both(th, ps, c, g):
        spec = (("r1", {"gamma": g}), ("r2", {"gamma": g}))
        a, b = dirac_reference(loss, spec, c), sampled_reference(loss, spec, c)
        z = State(th, ps)
        return a.field(z), b.field(z), jacobian(a, z), jacobian(b, z)

    return _jit(both)


_num = st.floats(-2.0, 2.0, allow_nan=False)


@settings(max_examples=25)
@given(st.sampled_from(("gan", "lsgan")), st.lists(_num, min_size=6, max_size=6),
       st.floats(0.0, 5.0))
def test_tie_at_random_states(loss, xs, g):
    th, ps, c = (jnp.asarray(xs[i:i + 2]) for i in (0, 2, 4))
    fa, fb, Ja, Jb = _random_tie(loss)(th, ps, c, jnp.asarray(g))
    np.testing.assert_allclose(_flat(fb), _flat(fa), rtol=0, atol=TOL)
    np.testing.assert_allclose(Jb, Ja, rtol=0, atol=TOL)


# -- named losses, expressions, callables -----------------------------------------------------
def test_named_losses_are_their_formulas():
    t = np.linspace(-3.0, 3.0, 13)
    sig = 1.0 / (1.0 + np.exp(-t))
    want = {
        "gan": (np.log(sig), np.log(1 - sig), -np.log(1 - sig)),
        "nsgan": (np.log(sig), np.log(1 - sig), np.log(sig)),
        "wgan": (t, -t, t),
        "lsgan": (-(t - 1) ** 2 / 2, -(t + 1) ** 2 / 2, -(t - 1) ** 2 / 2),
        "hinge": (np.minimum(0, t - 1), np.minimum(0, -t - 1), t),
        "ebgan": (-t, -np.maximum(0, 1 - t), -t),
    }
    assert set(want) == set(LOSSES)
    for name, fs in want.items():
        for f, w, f_fake in zip(loss_triple(name), fs, loss_triple(name, "fake")):
            np.testing.assert_allclose(f(jnp.asarray(t)), w, atol=1e-13)
            np.testing.assert_allclose(f_fake(jnp.asarray(-t)), w, atol=1e-13)
    with pytest.raises(ValueError, match="unknown loss"):
        loss_triple("nope")


# a tiny MLP discriminator and an affine generator (2-D data, 1-D latents)
def mlp_d(p, xs):
    return jnp.tanh(xs @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]


def affine_g(p, zs):
    return zs @ p["a"] + p["b"]


def _players(seed=0, hidden=3):
    r = np.random.default_rng(seed)
    d = {"w1": r.normal(size=(2, hidden)), "b1": r.normal(size=hidden) * 0.1,
         "w2": r.normal(size=(hidden, 1)), "b2": np.zeros(1)}
    g = {"a": r.normal(size=(1, 2)), "b": r.normal(size=2)}
    return (jax.tree_util.tree_map(jnp.asarray, g), jax.tree_util.tree_map(jnp.asarray, d))


R = np.random.default_rng(7)
DATA = jnp.asarray(R.normal(size=(5, 2)))
LAT = jnp.asarray(R.normal(size=(4, 1)))


def mlp_game(regs=(), loss="gan", **kw):
    g, d = _players()
    if loss is not None:
        kw["loss"] = loss
    return sampled_game(G=(affine_g, g), D=(mlp_d, d), data=DATA, latents=LAT, regs=regs, **kw)


def _state(seed=1):
    return State(*_players(seed))


def _tree_close(a, b, atol=TOL):
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=0, atol=atol)


def test_field_is_the_gradient_of_the_written_out_objectives():
    """GAN on an MLP: v_D = ∇_ψ [mean log σ(D(x)) + mean log(1 - σ(D(G(z))))],
    v_G = ∇_θ mean -log(1 - σ(D(G(z)))), written with jnp here."""
    def J(th, ps):
        s_r, s_f = mlp_d(ps, DATA)[:, 0], mlp_d(ps, affine_g(th, LAT))[:, 0]
        return jnp.mean(jnp.log(jax.nn.sigmoid(s_r))) + jnp.mean(jnp.log(1 - jax.nn.sigmoid(s_f)))

    def I(th, ps):
        return jnp.mean(-jnp.log(1 - jax.nn.sigmoid(mlp_d(ps, affine_g(th, LAT))[:, 0])))

    z = _state()
    v, vd, vg = _jit(lambda z: (mlp_game().field(z), jax.grad(J, argnums=1)(*z),
                                jax.grad(I)(*z)))(z)
    _tree_close(v.disc, vd)
    _tree_close(v.gen, vg)


def test_expressions_and_callables_give_the_named_loss():
    z = _state()
    want, a, b = _jit(lambda z: (
        mlp_game(loss="wgan").field(z), mlp_game(loss=None, f1="x", f2="-x", f3="x").field(z),
        mlp_game(loss=None, f1=LOSSES["wgan"][0], f2="-x", f3=LOSSES["wgan"][2]).field(z)))(z)
    _tree_close(a, want)
    _tree_close(b, want)
    with pytest.raises(ValueError, match="not both"):
        mlp_game(loss="gan", f1="x")
    with pytest.raises(ValueError):
        mlp_game(loss=None, f1="x", f2="import os", f3="x")
    with pytest.raises(ValueError, match="unknown regulariser"):
        mlp_game(regs=("nope",))
    with pytest.raises(ValueError, match=">= 0"):
        mlp_game(regs=(R1(-1.0),))


# -- each regulariser against a per-sample computation written here ---------------------------
def _per_point_grads(ps, pts):
    return jax.vmap(jax.grad(lambda x: mlp_d(ps, x[None])[0, 0]))(pts)


def _independent_penalty(reg, th, ps):
    fakes = affine_g(th, LAT)
    if isinstance(reg, R1):
        return reg.gamma / 2 * jnp.mean(jnp.sum(_per_point_grads(ps, DATA) ** 2, -1))
    if isinstance(reg, R2):
        return reg.gamma / 2 * jnp.mean(jnp.sum(_per_point_grads(ps, fakes) ** 2, -1))
    if isinstance(reg, (WGANGP, WGANLP)):
        K = len(reg.u)
        xh = jnp.stack([DATA[k % 5] + reg.u[k] * (fakes[k % 4] - DATA[k % 5]) for k in range(K)])
        n = jnp.linalg.norm(_per_point_grads(ps, xh), axis=-1)
        gap = n - reg.g0 if isinstance(reg, WGANGP) else jnp.maximum(0.0, n - reg.g0)
        return reg.lam * jnp.mean(gap ** 2)
    if isinstance(reg, DRAGAN):
        pts = jnp.stack([DATA[k % 5] + reg.delta[k] for k in range(len(reg.delta))])
        n = jnp.linalg.norm(_per_point_grads(ps, pts), axis=-1)
        return reg.lam * jnp.mean((n - reg.k) ** 2)
    if isinstance(reg, EBGANMargin):
        return jnp.mean(jnp.maximum(0.0, reg.m - mlp_d(ps, fakes)[:, 0]))
    raise AssertionError(reg)


PENALTIES = [R1(0.7), R2(1.3), WGANGP(2.0, 1.0, u=np.array([0.1, 0.5, 0.8, 0.3, 0.95, 0.6])),
             WGANLP(2.0, 0.5, u=np.array([0.2, 0.7])), DRAGAN(1.5, 1.0, delta=DELTA[:, :2]),
             EBGANMargin(1.2)]


@pytest.mark.parametrize("reg", PENALTIES, ids=lambda r: r.name)
def test_penalty_gradient_matches_per_point_formula(reg):
    """v_D(with reg) - v_D(without) = -∇_ψ penalty (per-point gradients by vmap here), and
    the generator's field is unchanged."""
    z = _state()

    @_jit
    def run(z):
        v0, v1 = mlp_game().field(z), mlp_game((reg,)).field(z)
        want = jax.grad(lambda ps: -_independent_penalty(reg, z.gen, ps))(z.disc)
        return v0, v1, want

    v0, v1, want = run(z)
    _tree_close(jax.tree_util.tree_map(jnp.subtract, v1.disc, v0.disc), want)
    _tree_close(v1.gen, v0.gen)


def test_default_interpolation_bank_is_midpoints():
    game = mlp_game((WGANGP(1.0, 1.0),))
    np.testing.assert_allclose(game.params.regs[0].u, (np.arange(5) + 0.5) / 5)
    with pytest.raises(ValueError, match="perturbation bank"):
        mlp_game((DRAGAN(1.0, 1.0),))


def test_wgan_lp_closed_form_on_the_linear_discriminator():
    """D = ψ·x: ∇D = ψ at every interpolate, so the penalty is λ max(0, ‖ψ‖ - g0)²."""
    game = neural_dirac("wgan", (WGANLP(0.5, 1.0),), c=jnp.array([0.2, 0.1]), dim=2)
    base = neural_dirac("wgan", (), c=jnp.array([0.2, 0.1]), dim=2)
    th = jnp.array([0.3, -0.4])
    diff = _jit(lambda z: game.field(z).disc - base.field(z).disc)
    for ps in (jnp.array([0.3, 0.4]), jnp.array([1.2, -1.6])):
        d = diff(State(th, ps))
        n = float(jnp.linalg.norm(ps))
        np.testing.assert_allclose(d, -2 * 0.5 * max(0.0, n - 1.0) * np.asarray(ps) / n,
                                   atol=TOL)


def test_ebgan_margin_is_the_named_ebgan_loss():
    """Energy triple (-t, 0, -t) plus the margin m = 1 on fakes == loss "ebgan"."""
    z = _state()
    want, got = _jit(lambda z: (
        mlp_game(loss="ebgan").field(z),
        mlp_game((EBGANMargin(1.0),), loss=None, f1="-x", f2="0*x", f3="-x").field(z)))(z)
    _tree_close(got, want)


def _disc_objective(game):
    """J(gen, disc, params): the ``objectives`` pair where ``Game`` has it."""
    objectives = getattr(game, "objectives", None)
    return objectives[1] if objectives is not None else game.v_disc.objective


def test_spectral_norm_reparameterisation():
    """Weights divided by their exact largest singular value (numpy SVD here); the field is
    the gradient of that objective (central differences) and its Jacobian is finite."""
    z = _state()
    game = mlp_game((SpectralNorm(),), loss="wgan")
    obj = _disc_objective(game)
    q = {k: (v / np.linalg.svd(np.asarray(v), compute_uv=False)[0] if v.ndim == 2 else v)
         for k, v in z.disc.items()}
    want = jnp.mean(mlp_d(q, DATA)) - jnp.mean(mlp_d(q, affine_g(z.gen, LAT)))
    keys = sorted(z.disc)
    eps = 1e-6

    @_jit
    def run(z):
        def nudge(k, h):
            return {**z.disc, k: z.disc[k].ravel().at[0].add(h).reshape(z.disc[k].shape)}

        fd = [(obj(z.gen, nudge(k, eps), game.params) - obj(z.gen, nudge(k, -eps), game.params))
              / (2 * eps) for k in keys]
        return obj(z.gen, z.disc, game.params), game.field(z).disc, fd, jacobian(game, z)

    val, v, fd, J = run(z)
    np.testing.assert_allclose(val, want, atol=TOL)
    for k, d in zip(keys, fd):
        np.testing.assert_allclose(np.asarray(v[k]).ravel()[0], d, rtol=1e-6, atol=1e-8)
    assert np.all(np.isfinite(np.asarray(J)))


def test_clip_is_the_projection_of_every_disc_leaf():
    game = mlp_game((Clip(0.05),))
    z = _state()
    step = simultaneous(0.1)
    z1, v = _jit(lambda z: (step.step(game, z, ())[0], game.field(z)))(z)
    for w in jax.tree_util.tree_leaves(z1.disc):
        assert float(jnp.max(jnp.abs(w))) <= 0.05
    assert any(float(jnp.max(jnp.abs(w))) == pytest.approx(0.05)
               for w in jax.tree_util.tree_leaves(z1.disc))
    _tree_close(z1.gen, jax.tree_util.tree_map(lambda a, b: a + 0.1 * b, z.gen, v.gen))


def test_registry_names_build():
    g = mlp_game(regs=tuple(n for n in REGULARISERS if n != "dragan"))
    assert dict(g.info)["reg"] == tuple(n for n in REGULARISERS if n != "dragan")


# -- the analysis layer, updaters and simulate, unchanged -------------------------------------
def test_update_map_spectrum_and_stability_map_equal_dirac():
    """Simultaneous steps z + h v: eigenvalues 1 + hλ (λ of the Jacobian), same for both games;
    a stability map over (h, momentum) is the same array for both."""
    spec = (("r1", {"gamma": 0.7}),)
    c = jnp.asarray(C)
    a, b = dirac_reference("gan", spec, c), sampled_reference("gan", spec, c)

    @_jit
    def run():
        ea = update_eigenvalues(a, simultaneous(0.3))
        eb = update_eigenvalues(b, simultaneous(0.3))
        lam = eigenvalues(jacobian(b))
        make = lambda h, beta: negative_momentum(h, beta=beta)
        hs, bs = jnp.array([0.1, 0.5, 1.5]), jnp.array([-0.3, 0.0])
        return ea, eb, lam, stability_map(a, make, hs, bs), stability_map(b, make, hs, bs)

    ea, eb, lam, ra, rb = run()
    srt = np.sort_complex
    np.testing.assert_allclose(srt(np.asarray(eb)), srt(np.asarray(ea)), atol=1e-12)
    np.testing.assert_allclose(srt(np.asarray(eb)), srt(1 + 0.3 * np.asarray(lam)), atol=1e-12)
    np.testing.assert_allclose(rb, ra, atol=1e-12)
    assert ra.shape == (3, 2) and np.all(np.isfinite(ra))


def test_optax_per_player_on_an_mlp_game():
    """sgd for G and adam for D: one step equals the update written out with optax here."""
    game = mlp_game((R1(0.5),))
    z = _state()
    up = optax_players(optax.sgd(0.1), optax.adam(0.01))

    @_jit
    def run(z):
        z1, _ = up.step(game, z, up.init(game, z))
        v = game.field(z)
        sd = optax.adam(0.01).init(z.disc)
        ud, _ = optax.adam(0.01).update(jax.tree_util.tree_map(jnp.negative, v.disc), sd,
                                        z.disc)
        return z1, v, ud

    z1, v, ud = run(z)
    _tree_close(z1.gen, jax.tree_util.tree_map(lambda a, b: a + 0.1 * b, z.gen, v.gen))
    _tree_close(z1.disc, optax.apply_updates(z.disc, ud))


def test_simulate_neural_dirac_matches_dirac():
    """A batch of trajectories (float64, simultaneous steps) of gan+R1: the same final states
    as the Dirac module's game, all converged to (c, 0)."""
    spec = (("r1", {"gamma": 1.0}),)
    c = jnp.asarray(C)
    a, b = dirac_reference("gan", spec, c), sampled_reference("gan", spec, c)
    r = np.random.default_rng(3)
    z0 = State(jnp.asarray(C + 0.3 * r.normal(size=(6, 2))),
               jnp.asarray(0.3 * r.normal(size=(6, 2))))
    kw = dict(steps=3000, dtype=jnp.float64, tol=1e-6, check_every=1)
    ra, rb = simulate(a, simultaneous(0.2), z0, **kw), simulate(b, simultaneous(0.2), z0, **kw)
    np.testing.assert_array_equal(np.asarray(rb.status), np.asarray(ra.status))
    assert np.all(np.asarray(rb.status) == CONVERGED)
    np.testing.assert_allclose(_flat(rb.final), _flat(ra.final), atol=1e-10)


def test_simulate_mlp_game_batch_of_pytree_states():
    """The engine runs on nested parameter pytrees (a batch of MLP players)."""
    game = mlp_game()
    zs = [_state(s) for s in range(3)]
    batch = jax.tree_util.tree_map(lambda *x: jnp.stack(x), *zs)
    res = simulate(game, simultaneous(0.05), batch, steps=5, dtype=jnp.float64, check_every=1)
    step = simultaneous(0.05)
    want = _jit(lambda z: jax.lax.fori_loop(0, 5, lambda i, z: step.step(game, z, ())[0], z))(
        zs[1])
    _tree_close(jax.tree_util.tree_map(lambda x: x[1], res.final), want, atol=1e-12)


def test_zoo_entries_rest_at_their_equilibrium():
    from gandyn.games.sampled import ZOO

    for _, factory in ZOO:
        g = factory()
        v = _jit(g.field)(g.equilibrium)
        np.testing.assert_allclose(_flat(v), 0.0, atol=TOL)
