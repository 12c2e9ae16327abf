"""The filtered game's analysis and `gandyn kernel`: the spectrum is the pointwise pair scaled
by each kernel eigenvalue; null(K) makes a stable triple marginal; strict JSON; exit 2."""

import json

import jax.numpy as jnp
import numpy as np
import pytest

from gandyn.analysis.kernel import check_kernel, predicted_eigenvalues
from gandyn.cli import main
from gandyn.expr import parse

QUAD = [parse(t) for t in ("-x**2/2", "x", "-x")]
SADDLE = [parse(t) for t in ("-x**2/2", "x", "x")]


def _psd(n, rank, seed=0):
    a = np.random.default_rng(seed).standard_normal((n, rank))
    return a @ a.T


def _match(a, b, tol):
    a, b = list(np.asarray(a)), list(np.asarray(b))
    for z in a:
        k = int(np.argmin([abs(z - w) for w in b]))
        assert abs(z - b.pop(k)) < tol


def test_spectrum_is_the_kappa_scaled_pointwise_pair():
    K = _psd(6, 6)
    rep = check_kernel(*QUAD, kernel=K, pd=0.7, D0=1.0, domain=(-10, 10))
    pred = predicted_eigenvalues(*QUAD, 1.0, 0.7, np.linalg.eigvalsh(K))
    _match(rep.eigenvalues, pred, 1e-8)
    assert rep.verdict == rep.pointwise_verdict == "stable" and rep.null_dim == 0
    assert check_kernel(*SADDLE, kernel=K, pd=0.7, D0=1.0, domain=(-10, 10)).verdict == \
        "unstable"


def test_any_pd_kernel_and_density_keep_the_pointwise_verdict():
    # λ² m - c d λ - a b k = 0 with m = w*K⁻¹w, d = w*P w > 0: the pointwise signs decide
    K = _psd(5, 5, seed=3)
    pd = jnp.array([0.1, 0.5, 1.0, 2.0, 4.0])
    rep = check_kernel(*QUAD, kernel=K, pd=pd, D0=1.0, domain=(-10, 10))
    assert rep.verdict == "stable" and rep.max_real < 0


def test_null_space_makes_it_marginal():
    rep = check_kernel(*QUAD, kernel=_psd(6, 4), pd=1.0, D0=1.0, domain=(-10, 10))
    assert rep.null_dim == 2 and rep.verdict == "marginal" and "null space" in rep.message
    d = rep.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["verdict"] == "marginal" and d["pointwise_verdict"] == "stable"


def test_cli_kernel_json_and_bad_input(capsys):
    assert main(["kernel", "--f1", "-x**2/2", "--f2", "x", "--f3", "-x", "--points", "6",
                 "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["verdict"] == "stable" and len(d["eigenvalues"]) == 12
    assert main(["kernel", "--f1", "-x**2/2", "--f2", "x", "--f3", "x", "--points", "4",
                 "--width", "8", "--depth", "1", "--arch", "tanh"]) == 0
    assert "verdict: unstable" in capsys.readouterr().out
    for bad in (["--f1", "nope(x)", "--f2", "x", "--f3", "x"],
                ["--f1", "x", "--f2", "-x", "--f3", "x", "--arch", "swish"],
                ["--f1", "x", "--f2", "-x", "--f3", "x", "--arch", "tanh"],
                ["--f1", "x", "--f2", "-x", "--f3", "x", "--width", "wide"]):
        assert main(["kernel", *bad]) == 2
        err = capsys.readouterr().err
        assert err.startswith("gandyn kernel: error:") and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["--width", "0"], ["--pd", "-1"]])
def test_cli_kernel_refuses_bad_numbers(args, capsys):
    assert main(["kernel", "--f1", "x", "--f2", "-x", "--f3", "x", *args]) == 2
