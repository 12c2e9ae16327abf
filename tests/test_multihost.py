"""Multi-host: two real processes joined by ``jax.distributed`` over loopback (CPU, one device
each) run one ``simulate`` over the global device list and agree bitwise with one process."""

import os
import socket
import subprocess
import sys
import textwrap

import numpy as np

_WORKER = textwrap.dedent("""
    import sys
    import numpy as np
    import jax

    port, pid, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    if pid >= 0:
        # CPU cross-process collectives (used by process_allgather below) go through gloo
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(coordinator_address=f"127.0.0.1:{port}", num_processes=2,
                                   process_id=pid, initialization_timeout=60,
                                   shutdown_timeout_seconds=10)
        assert jax.process_count() == 2 and len(jax.devices()) == 2, jax.devices()
    import gandyn
    from gandyn import State
    from gandyn.games.dirac import R1, dirac
    from gandyn.simulate import simulate
    from gandyn.updaters import ALL_UPDATERS
    from jax.experimental import multihost_utils

    rng = np.random.default_rng(0)   # the same initial batch in every process
    # Adam on the Dirac-GAN with R1: updater state in the carry, jax.grad of a game parameter
    # inside the sharded body; 51 lanes: padding across the two processes
    runs = [(dirac("gan", R1(1.0)), ALL_UPDATERS["optax"](0.05),
             State(rng.uniform(-1, 1, (51, 1)), rng.uniform(-1, 1, (51, 1))))]
    leaves = []
    for game, upd, z0 in runs:
        r = simulate(game, upd, z0, 60, record_every=20)
        for x in jax.tree_util.tree_leaves(r):
            if isinstance(x, jax.Array) and not x.is_fully_addressable:
                x = multihost_utils.process_allgather(x, tiled=True)
            leaves.append(np.asarray(x))
    if pid <= 0:
        np.savez(out, *leaves)
    print("DONE", pid, flush=True)
""")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_all(cmds, env, timeout):
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for c in cmds]
    outs = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=timeout)
            outs.append((p.returncode, out, err))
    finally:
        for p in procs:  # a hung or failed peer never outlives the test
            if p.poll() is None:
                p.kill()
                p.communicate()
    return outs


def test_finding8_two_processes_over_loopback_agree_bitwise_with_one(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONPATH=root)
    env.pop("XLA_FLAGS", None)  # one CPU device per process
    port = _free_port()
    two, one = tmp_path / "two.npz", tmp_path / "one.npz"
    outs = _run_all([[sys.executable, "-c", _WORKER, str(port), str(i), str(two)]
                     for i in (0, 1)] + [[sys.executable, "-c", _WORKER, "0", "-1", str(one)]],
                    env, timeout=120)
    for code, out, err in outs:
        assert code == 0 and "DONE" in out, err[-3000:]
    a, b = np.load(two), np.load(one)
    assert len(a.files) == len(b.files) > 5
    for k in a.files:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
