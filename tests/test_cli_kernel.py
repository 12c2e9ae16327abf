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


UNSTABLE_FOCUS = [parse(t) for t in ("x**2/2", "x", "-x")]   # c = +1, -ab = +1: Re λ = κ/2


def _spectral(kappas, seed=1):
    """K = Q diag(κ) Qᵀ, Q orthogonal: a kernel with a spectrum chosen by hand."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((len(kappas),) * 2))
    return q @ np.diag(kappas) @ q.T


def test_ill_conditioned_kernel_is_stable_and_slow_not_marginal():
    # κ_min/κ_max = 4e-9 > null_tol: the slow spiral λ ≈ -κ/2 ± i sqrt(κ) decays at -4e-9,
    # under the old zero tolerance (1e-7 max|λ|): it was called "marginal", empty note. Its
    # own rounding bound (eig_error_bounds, ~5e-10) resolves the sign: the spectrum alone says
    # stable, so the theorem is not needed (not `slow`)
    K = _spectral(np.geomspace(2.0, 8e-9, 7))
    kap = np.linalg.eigvalsh(K)                      # numpy, independently of check_kernel
    rep = check_kernel(*QUAD, kernel=K, pd=1.0, D0=1.0, domain=(-10, 10))
    assert rep.verdict == "stable" and not rep.slow and rep.null_dim == 0
    assert abs(rep.conditioning / (kap[0] / kap[-1]) - 1) < 1e-6
    assert -1e-7 < rep.max_real < 0
    d = rep.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["slow"] is False and d["verdict"] == "stable"


def test_small_kernel_on_the_unstable_side_is_unstable_and_slow():
    # an unstable focus filtered by a tiny, ill-conditioned K: max Re λ = +κ_max/2 = +5e-10,
    # under the absolute zero tolerance 1e-9; it was "marginal" with nothing flagged
    K = _spectral(np.geomspace(1e-9, 4e-18, 6), seed=2)
    kap = np.linalg.eigvalsh(K)
    rep = check_kernel(*UNSTABLE_FOCUS, kernel=K, pd=1.0, D0=-1.0, domain=(-10, 10))
    assert rep.pointwise_verdict == "unstable"
    assert rep.verdict == "unstable" and rep.slow and rep.null_dim == 0
    assert 0 < rep.max_real < 1e-9 and "slower than" in rep.message
    assert f"{kap[0] / kap[-1]:.3g}" in rep.message
    # the stable triple under the same kernel: stable and slow, the same honest way
    rep = check_kernel(*QUAD, kernel=K, pd=1.0, D0=1.0, domain=(-10, 10))
    assert rep.verdict == "stable" and rep.slow


@pytest.mark.parametrize("triple, d0, verdict", [(QUAD, 1.0, "marginal"),
                                                 (UNSTABLE_FOCUS, -1.0, "unstable")])
def test_rank_deficient_kernel_reports_its_null_dimension(triple, d0, verdict):
    K = _spectral([3.0, 1.0, 0.5, 0.2, 0.0, 0.0, 0.0], seed=4)    # rank 4 of 7
    rep = check_kernel(*triple, kernel=K, pd=1.0, D0=d0, domain=(-10, 10))
    assert rep.null_dim == 3 and rep.verdict == verdict
    assert "3-dimensional null space" in rep.message and not rep.slow
    assert abs(rep.conditioning - 0.2 / 3.0) < 1e-12


@pytest.mark.parametrize("extra", [[], ["--width", "64"], ["--width", "16"]])
def test_cli_default_grid_does_not_make_plain_relu_marginal(extra, capsys):
    # the old default grid (16 points of [-1, 1]) gave a width-64 ReLU kernel a 4-dimensional
    # numerical null space: every triple was "marginal" by construction
    assert main(["kernel", "--f1", "log(x)", "--f2", "log(1-x)", "--f3", "-log(1-x)",
                 "--json", *extra]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["verdict"] == "stable" and d["null_dim"] == 0 and not d["slow"]


@pytest.mark.parametrize("f3, first, last", [("-x", "slowest decay", "fastest decay"),
                                             ("x", "fastest growth", "fastest decay")])
def test_text_names_the_leading_modes_by_their_sign(f3, first, last, capsys):
    # an unstable triple's leading modes grow: calling them "slowest" read as stable
    assert main(["kernel", "--f1", "-x**2/2", "--f2", "x", "--f3", f3, "--points", "4"]) == 0
    (line,) = [s for s in capsys.readouterr().out.splitlines() if s.startswith("filtered")]
    assert line.startswith(f"filtered   {first} ") and f"; {last} " in line
    assert "slowest" not in line or first == "slowest decay"


def test_text_of_a_centre_names_no_sign(capsys):
    assert main(["kernel", "--f1", "x", "--f2", "-x", "--f3", "x", "--points", "4"]) == 0
    (line,) = [s for s in capsys.readouterr().out.splitlines() if s.startswith("filtered")]
    assert line.startswith("filtered   largest Re λ ") and "; smallest Re λ " in line


def test_help_states_every_default():
    from gandyn.cli import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices["kernel"]
    for action in sub._actions:
        if action.dest == "help":
            continue
        text = action.help or ""
        assert "default" in text or "required" in text, (action.option_strings, text)
