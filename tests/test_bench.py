"""Smoke test of the benchmark harness at tiny sizes (speed itself lives in benchmarks/)."""

import numpy as np

import gandyn  # noqa: F401
from gandyn.commands.bench import harness

bench = harness()


def test_baselines_agree_with_engine_on_a_tiny_workload():
    lines = []
    for name in ("classic", "dirac"):
        out = bench.bench_workload(name, [64], 20, np.float32, {"chunk": 32}, lines.append)
        row = out["rows"][0]
        # numpy and the engine integrate the same map in float32
        assert row["max_abs_diff_vs_numpy"] < 1e-5
        assert row["engine_traj_steps_per_s"] > 0 and out["seed_loop"]["traj_steps_per_s"] > 0
        assert row["statuses"]["running"] == 64
    assert len(lines) == 4


def test_seed_loop_matches_numpy_loop():
    d, pg = bench.seed_loop_classic(0.6, 0.3, 50)
    dn, pgn = bench.numpy_classic(np.array([0.6]), np.array([0.3]), 50)
    np.testing.assert_allclose([d, pg], [dn[0], pgn[0]], rtol=1e-12)


def test_memory_analysis_is_independent_of_steps():
    # 1280 and 12800 steps: whole blocks of check_every (64) updates, same program shape
    res = bench.bench_memory(10_000, 12_800, np.float32, lambda s: None)
    a, b = res["by_steps"]["1280"], res["by_steps"]["12800"]
    assert a["total_mib"] == b["total_mib"]
    # a ragged step count adds one remainder block (its buffers differ with the remainder's
    # length and the unrolling): at most a few copies of the state, not O(steps)
    res = bench.bench_memory(10_000, 1000, np.float32, lambda s: None)
    a, b = res["by_steps"]["100"], res["by_steps"]["1000"]
    state_mib = 10_000 * 2 * 4 / 2**20
    assert abs(a["total_mib"] - b["total_mib"]) <= 4 * state_mib
