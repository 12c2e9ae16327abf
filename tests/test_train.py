"""Ensembles of minibatch GANs: exact checks of the losses, the 1-D demo, statuses and tables."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gandyn.games.base import State
from gandyn.games.sampled import dirac_discriminator, sampled_game
from gandyn.games.sampled_regs import WGANGP
from gandyn.train import (LOSS_RECIPES, location_scale, lsgan_triple, run_ensemble, samples,
                          summarize, train, train_iter)


def _copy_generator(theta, zs):
    """``G_θ(z) = z``: the fakes are the latent bank itself (θ a dummy scalar)."""
    return zs + 0.0 * theta


@settings(max_examples=6, deadline=None)
@given(a=st.floats(-2, 2), b=st.floats(-2, 2), c=st.floats(-2, 2),
       idx_d=st.lists(st.integers(0, 3), min_size=12, max_size=12),
       idx_g=st.lists(st.integers(0, 3), min_size=12, max_size=12))
def test_lsgan_optimal_critic_is_the_target_mix(a, b, c, idx_d, idx_g):
    """On a finite support (one-hot points, a free score per point) the critic's field vanishes
    exactly at D* = (b p_d + a p_g)/(p_d + p_g) (Mao et al. 2017), and ascends towards it."""
    eye = np.eye(4)
    data, fakes = eye[idx_d], eye[idx_g]
    pd, pg = data.mean(0), fakes.mean(0)
    seen = (pd + pg) > 0
    dstar = np.where(seen, (b * pd + a * pg) / np.where(seen, pd + pg, 1.0), 0.0)
    game = sampled_game(*lsgan_triple(a, b, c), G=(_copy_generator, jnp.zeros(())),
                        D=(dirac_discriminator, jnp.zeros(4)), data=data, latents=fakes)
    v = game.field(State(jnp.zeros(()), jnp.asarray(dstar)))
    np.testing.assert_allclose(np.asarray(v.disc), 0.0, atol=1e-12)
    # off the optimum the field points back: v_s = -(p_d + p_g)(ψ_s - D*_s)
    psi = dstar + 0.3
    v = game.field(State(jnp.zeros(()), jnp.asarray(psi)))
    np.testing.assert_allclose(np.asarray(v.disc), -(pd + pg) * 0.3, atol=1e-12)


def test_wgan_gp_penalty_is_the_gradient_norm_at_the_interpolates():
    """λ mean_k (‖∇_x D(x̂_k)‖ - 1)² with the gradient of an MLP critic taken point by point
    (jacrev of one point), against the regulariser's batched formula."""
    from gandyn.players import mlp

    d_apply, psi = mlp(jax.random.PRNGKey(1), 2, width=8, depth=2, activation="tanh",
                       parameterization="standard")
    data = jax.random.normal(jax.random.PRNGKey(2), (6, 2))
    fakes = jax.random.normal(jax.random.PRNGKey(3), (6, 2)) + 2.0
    reg = WGANGP(3.0).bind(data, fakes)
    u = np.asarray(reg.u)
    np.testing.assert_allclose(u, (np.arange(6) + 0.5) / 6)

    def D(xs):
        return d_apply(psi, xs)

    xhat = data + u[:, None] * (fakes - data)
    grads = jax.jit(jax.vmap(jax.grad(lambda x: d_apply(psi, x[None])[0])))(xhat)
    norms = np.linalg.norm(np.asarray(grads), axis=1)
    expected = 3.0 * np.mean((norms - 1.0) ** 2)
    np.testing.assert_allclose(float(reg.penalty(D, data, fakes)), expected, rtol=1e-10)


def test_location_scale_demo_converges_where_the_theory_says():
    """G(z) = μ + σz against a quadratic critic (+R1) reaches the data's (μ, σ); against a
    linear critic μ converges and σ does not move."""
    seeds = np.arange(6)
    hp = {"lr": 0.05, "gamma": 1.0}
    quad = run_ensemble(location_scale(1.0, 0.5, critic="quadratic", batch=512), seeds, hp,
                        1500, 500)
    lin = run_ensemble(location_scale(1.0, 0.5, critic="linear", batch=512), seeds, hp,
                       1500, 500)
    assert np.all(quad.status == 0) and np.all(lin.status == 0)
    np.testing.assert_allclose(quad.metrics["mu"][:, -1], 1.0, atol=0.08)
    np.testing.assert_allclose(quad.metrics["sigma"][:, -1], 0.5, atol=0.08)
    np.testing.assert_allclose(lin.metrics["mu"][:, -1], 1.0, atol=0.08)
    # σ's population field is zero: only the batch mean of z moves it (a small random walk)
    s0, s1 = lin.metrics["sigma"][:, 0], lin.metrics["sigma"][:, -1]
    np.testing.assert_allclose(s1, s0, atol=0.1)
    far = np.abs(s0 - 0.5) > 0.2
    assert far.any() and np.all(np.abs(s1[far] - 0.5) > 0.1)


# the same sizes as tests/test_cli_train.py: one compilation serves both
TINY = dict(seeds=2, steps=4, record_every=1, width=8, batch=16, n_eval=64)


def test_ensemble_statuses_and_table():
    """Two learning rates × two seeds in one program: a huge rate fails (diverged or
    non-finite, frozen, NaN metrics afterwards), the small one runs; one row per rate."""
    tr = train("nsgan", "ring", lr=[1e-3, 1e9], **TINY)
    r = tr.result
    assert r.status.shape == (4,) and r.metrics["modes"].shape == (4, 5)
    np.testing.assert_array_equal(r.steps, [0, 1, 2, 3, 4])
    small = r.hp["lr"] < 1
    assert np.all(r.status[small] == 0) and np.all(r.stop_step[small] == -1)
    assert np.all(np.isin(r.status[~small], (2, 4))) and np.all(r.stop_step[~small] > 0)
    assert np.all(np.isfinite(r.metrics["hq"][small]))
    assert np.all(np.isnan(r.metrics["hq"][~small][:, -1]))
    rows = tr.table()
    assert len(rows) == 2 and [row["seeds"] for row in rows] == [2, 2]
    big = [row for row in rows if row["lr"] > 1][0]
    assert big["status"]["running"] == 0 and big["final"]["modes"]["n"] == 0
    ok = [row for row in rows if row["lr"] < 1][0]
    assert ok["status"]["running"] == 2 and 0 <= ok["final"]["modes"]["mean"] <= 8


def test_records_are_checks_and_curves_are_per_configuration():
    """Adam's first step moves every parameter with a gradient by lr·g/|g| (bias-corrected
    moments): at lr 1e9 that is past the bound 1e6, so those lanes fail AT STEP 1. The records
    at steps 1-3 come before the first check_every (10) check: they must score those lanes
    dead (no metric, not alive), not as generators covering 0 modes; and the 1e-3 lanes' curve
    must be the one they give with no failing neighbour."""
    tr = train("nsgan", "ring", lr=[1e-3, 1e9], **TINY)
    r = tr.result
    big = r.hp["lr"] > 1
    assert np.all(r.stop_step[big] == 1) and np.all(r.status[big] != 0)
    assert r.record_status.shape == (4, 5)
    assert np.all(r.record_status[:, 0] == 0) and np.all(r.record_status[~big] == 0)
    assert np.all(r.record_status[big][:, 1:] == r.status[big][:, None])
    assert np.all(np.isnan(r.metrics["modes"][big][:, 1:]))
    ok, bad = tr.curves_by_config()
    assert (ok["lr"], bad["lr"]) == (pytest.approx(1e-3), pytest.approx(1e9))
    assert bad["live"] == [2, 0, 0, 0, 0] and ok["live"] == [2, 2, 2, 2, 2]
    assert np.isfinite(bad["mean"]["modes"][0]) and np.all(np.isnan(bad["mean"]["modes"][1:]))
    for m, v in r.metrics.items():
        np.testing.assert_allclose(ok["mean"][m], np.mean(v[~big], axis=0), rtol=1e-12)
    # the same seeds at 1e-3 beside lanes that do not fail (same program): bit for bit
    ref = train("nsgan", "ring", lr=[1e-3, 1e-3], **TINY)
    for m, v in r.metrics.items():
        np.testing.assert_array_equal(v[~big], ref.result.metrics[m][:2])
    (only,) = ref.curves_by_config()
    assert only["live"] == [4] * 5
    np.testing.assert_array_equal(only["mean"]["hq"], ok["mean"]["hq"])


def _same(a, b):
    """Two ``EnsembleResult``s bit for bit (statuses, records, metrics, final parameters)."""
    for name in ("status", "stop_step", "steps", "record_status", "seed"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.metrics.keys() == b.metrics.keys()
    for m in a.metrics:
        np.testing.assert_array_equal(a.metrics[m], b.metrics[m])
    for x, y in zip(jax.tree_util.tree_leaves(a.final), jax.tree_util.tree_leaves(b.final),
                    strict=True):
        np.testing.assert_array_equal(x, y)


def test_blocks_give_the_one_program_result_bit_for_bit():
    """One block of all the steps is the single scan over every step; blocks of 1 (the
    default at 4 steps) and a ragged 3 + 1 (the last block's extra step skipped) take the same
    steps, checks (the 1e9 lanes fail at step 1) and records, to the last bit."""
    whole = train("nsgan", "ring", lr=[1e-3, 1e9], keep_final=True, block=4, **TINY).result
    assert np.any(whole.status != 0) and np.all(np.isin(whole.stop_step, (-1, 1)))
    seen = []
    for b in (None, 3):
        r = train("nsgan", "ring", lr=[1e-3, 1e9], keep_final=True, block=b,
                  progress=lambda step, steps: seen.append((step, steps)), **TINY).result
        _same(whole, r)
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4), (3, 4), (4, 4)]


def test_train_iter_yields_each_block_and_its_samples():
    """``train_iter``: one item per block with the records so far and the parameters at that
    step; the last is ``train``'s result; ``samples`` moves with the parameters."""
    kw = dict(TINY, lr=[1e-3, 1e9])
    items = list(train_iter("nsgan", "ring", block=3, **kw))
    assert [(p.step, p.steps) for p in items] == [(3, 4), (4, 4)]
    first = items[0].result.result
    np.testing.assert_array_equal(first.steps, [0, 1, 2, 3])
    assert first.metrics["modes"].shape == (4, 4) and first.record_status.shape == (4, 4)
    _same(items[-1].result.result,
          train("nsgan", "ring", keep_final=True, block=3, **kw).result)
    x3, x4 = samples(items[0].result, 100), samples(items[1].result, 100)
    assert x3.shape == x4.shape == (4, 100, 2) and x3.dtype == np.float32
    ok = items[1].result.result.status == 0
    assert np.all(np.isfinite(x4[ok])) and not np.array_equal(x3[ok], x4[ok])
    # the same latents in every lane and call: a seed's samples are reproducible
    np.testing.assert_array_equal(samples(items[1].result, 100), x4)
    assert not np.array_equal(samples(items[1].result, 100, seed=1), x4)
    with pytest.raises(ValueError, match="keep_final"):
        samples(train("nsgan", "ring", block=3, **kw))
    # 0 steps: one item, the state at initialisation
    (only,) = train_iter("nsgan", "ring", seeds=2, steps=0, width=8, batch=16, n_eval=64)
    assert (only.step, only.steps) == (0, 0) and samples(only.result, 5).shape == (2, 5, 2)


def test_one_set_of_defaults():
    """``train``, ``Config`` and ``gandyn train`` read the same constants: lr 1e-3, batch 128."""
    import argparse
    import inspect

    from gandyn import train_defaults as D
    from gandyn.commands import train as cmd
    from gandyn.train import Config, _prepare

    assert (D.LR, D.BATCH) == (1e-3, 128) and Config().batch == D.BATCH
    sig = inspect.signature(train).parameters
    assert sig["seeds"].default == D.SEEDS and sig["steps"].default == D.STEPS
    _, _, hp, _ = _prepare("wgan-clip", "ring", "default", 1, None, None, None, None, 0, {})
    assert hp["lr"].tolist() == [D.LR] == hp["lr_disc"].tolist()    # no per-loss rate
    p = argparse.ArgumentParser()
    cmd.add_arguments(p)
    args = p.parse_args([])
    assert (args.batch, args.seeds, args.steps, args.width, args.depth) == (
        D.BATCH, D.SEEDS, D.STEPS, D.WIDTH, D.DEPTH)
    assert args.lr is None and args.eval_samples == D.N_EVAL


def test_summarize_statistics():
    from gandyn.train import EnsembleResult

    res = EnsembleResult(np.zeros(4, int), -np.ones(4, int), np.array([0, 1]),
                         {"w1": np.array([[9, 1.0], [9, 2.0], [9, 3.0], [9, np.nan]])},
                         {"lr": np.array([0.1, 0.1, 0.1, 0.2])}, np.arange(4))
    rows = summarize(res)
    assert [r["lr"] for r in rows] == pytest.approx([0.1, 0.2])
    s = rows[0]["final"]["w1"]
    assert s["n"] == 3 and s["mean"] == pytest.approx(2.0) and s["sd"] == pytest.approx(1.0)
    assert s["median"] == pytest.approx(2.0) and rows[1]["final"]["w1"]["n"] == 0


def test_recipes_and_bad_input():
    assert set(LOSS_RECIPES) == {"gan", "nsgan", "lsgan", "wgan-clip", "wgan-gp", "sngan",
                                 "hinge", "dragan", "ratio-clip"}
    with pytest.raises(ValueError, match="its own update rule"):
        train("ratio-clip", updater="adam")
    assert LOSS_RECIPES["wgan-clip"].n_disc == 5 and LOSS_RECIPES["wgan-clip"].reg == "clip"
    with pytest.raises(ValueError, match="unknown loss"):
        train("nope")
    with pytest.raises(ValueError, match="n_disc must be 1"):
        train("wgan-gp", updater="extragradient")
    with pytest.raises(ValueError, match="seeds"):
        train("gan", seeds=0)
    with pytest.raises(ValueError, match="lr"):
        train("gan", lr=[float("nan")])


@pytest.mark.parametrize("loss", sorted(LOSS_RECIPES))
def test_every_loss_trains(loss):
    """Every registered loss runs in the ensemble: lanes running, parameters moved, finite
    metrics (2 GANs, 3 rounds, tiny networks)."""
    tr = train(loss, "ring", seeds=2, steps=3, record_every=3, width=4, depth=1, batch=8,
               n_eval=32, lr=1e-2, keep_final=True)
    r = tr.result
    assert np.all(r.status == 0) and np.all(np.isfinite(r.metrics["hq"]))
    for lane, seed in enumerate(r.seed):      # lane i's networks come from key(seed)'s first split
        (_, g0), _ = tr.config.players(jax.random.split(jax.random.PRNGKey(int(seed)), 3)[0])
        moved = [float(np.max(np.abs(a[lane] - b))) for a, b in
                 zip(jax.tree_util.tree_leaves(r.final.gen), jax.tree_util.tree_leaves(g0))]
        assert 0 < max(moved) < 1
