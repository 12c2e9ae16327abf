"""Check a loss triple under a network discriminator: the spectrum of the kernel-filtered game.

A discriminator D_θ trained by gradient flow moves its values by the kernel-filtered field
dD(x_i)/dt = Σ_j K(x_i, x_j) [p_d f1'(D_j) + p_g(x_j) f2'(D_j)], K the network's NTK; the
generator moves as in the pointwise game (dp_g/dt = f3(D) - f3(D0)). This command builds K for
an MLP on a grid of points, linearises that game at its rest point and compares its eigenvalues
with the pointwise prediction (each kernel eigenvalue κ scales trace and det by κ).

    gandyn kernel --f1 'log(x)' --f2 'log(1-x)' --f3 '-log(1-x)' --arch relu --depth 2
    gandyn kernel --f1 '-x**2/2' --f2 x --f3 -x --arch tanh --width 64 --batchnorm --json
    gandyn kernel --f1 '-x**2/2' --f2 x --f3 -x --width 4 --depth 1 --points 32   # null(K)

--width inf (the default) is the infinite-width NTK (relu and erf only); an integer width is
the empirical NTK of that MLP at initialisation. Points: --points N on the unit circle (--dim 2,
the default) or evenly spaced on [-1, 1] (--dim 1). The circle is the default because a 1-D
grid manufactures null directions of a ReLU kernel: with a small bias every unit's kink sits
near 0, the network is almost affine on each half-line, and at width 64 K has rank 12 on 16
points (marginal by construction, not by the loss triple).
"""

from __future__ import annotations

from gandyn.cli import bounded_int, finite_float
from gandyn.commands import add_triple_arguments, fail, parse_triple

VALUE_OPTIONS = ("--f1", "--f2", "--f3")  # values may start with "-" (cli.attach_values)
MAX_STD = 10.0  # --w-std, --b-std: standard deviations of the initial weights and biases
ARCHS = ("relu", "leaky_relu", "tanh", "sigmoid", "gelu", "softplus", "erf")


def add_arguments(parser) -> None:
    # every option's help states its default (or that it has none): a newcomer reads the
    # defaults here, not in the code
    add_triple_arguments(parser)
    parser.add_argument("--arch", default="relu",
                        help=f"activation: {', '.join(ARCHS)} (default relu)")
    parser.add_argument("--depth", type=bounded_int(0, 32), default=2,
                        help="hidden layers, 0..32 (default 2)")
    parser.add_argument("--width", default="inf",
                        help="hidden width: a positive integer (the empirical NTK at "
                             "initialisation) or 'inf' (the infinite-width NTK, relu and erf "
                             "only; default inf)")
    parser.add_argument("--param", default="ntk", choices=("ntk", "standard"),
                        help="parameterisation (default ntk)")
    # a scale: the kernel grows as w_std^(2 depth), so 10^64 at most in float64 (depth 32)
    parser.add_argument("--w-std", type=finite_float(0, MAX_STD, open_lo=True), default=1.5,
                        help=f"weight scale in (0, {MAX_STD:g}] (default 1.5)")
    parser.add_argument("--b-std", type=finite_float(0, MAX_STD), default=0.05,
                        help=f"bias scale in [0, {MAX_STD:g}] (default 0.05)")
    parser.add_argument("--batchnorm", action="store_true",
                        help="train-mode BatchNorm after each hidden layer (default off)")
    parser.add_argument("--spectral-norm", choices=("exact", "power"), default=None,
                        help="spectral normalisation of the weights, by the exact largest "
                             "singular value or one power iteration (default none)")
    parser.add_argument("--points", type=bounded_int(1, 400, "the dense 2N x 2N eigenproblem"),
                        default=16, help="grid points N, 1..400 (default 16)")
    parser.add_argument("--dim", type=int, default=2, choices=(1, 2),
                        help="2: the unit circle (default); 1: [-1, 1]")
    parser.add_argument("--pd", type=float, default=1.0,
                        help="data density p_d > 0 at every point (default 1)")
    parser.add_argument("--D0", type=float, default=None,
                        help="rest value of D (default: the first root of f1' + f2' in the "
                             "domain, else the midpoint of a continuum of roots)")
    parser.add_argument("--domain", type=float, nargs=2, default=None, metavar=("LO", "HI"),
                        help="open interval of D (default: the longest interval of [-10, 10] "
                             "where the f's and their first two derivatives are finite)")
    parser.add_argument("--seed", type=bounded_int(0, 2**32 - 1), default=0,
                        help="initialisation seed of a finite-width network (default 0)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of the text (default text)")


def _fail(msg) -> int:
    return fail("kernel", msg)


def _c(z):
    if abs(z.imag) < 5e-13 * max(1.0, abs(z.real)):
        return f"{z.real:+.4g}"
    return f"{z.real:+.4g} {'+' if z.imag >= 0 else '-'} {abs(z.imag):.4g}i"


def _lead_words(rep) -> tuple:
    """Names of the first and last modes (sorted by Re λ, largest first) by their sign: a
    stable game's leading mode decays slowest, an unstable one's grows fastest."""
    ev = sorted(rep.eigenvalues, key=lambda z: -z.real)
    first = {"stable": "slowest decay", "unstable": "fastest growth"}.get(
        rep.verdict, "largest Re λ")
    # a real part within rounding of zero (a centre) has no sign to name
    zero = 1e-9 + 1e-7 * max(abs(z) for z in ev)
    last = ("fastest decay" if ev[-1].real < -zero else
            "slowest growth" if ev[-1].real > zero else "smallest Re λ")
    return first, last


def render(rep) -> str:
    ev = sorted(rep.eigenvalues, key=lambda z: -z.real)
    kap = rep.kernel_eigenvalues
    first, last = _lead_words(rep)
    lines = [f"triple  f1 = {rep.f1},  f2 = {rep.f2},  f3 = {rep.f3}   (D0 = {rep.D0:.6g})",
             f"kernel  {rep.arch}: N = {rep.n_points}, κ in [{kap[0]:.4g}, {kap[-1]:.4g}], "
             f"null dim {rep.null_dim}, conditioning {rep.conditioning:.3g}",
             f"pointwise  eigenvalues {', '.join(_c(z) for z in rep.pointwise_eigenvalues)}: "
             f"{rep.pointwise_verdict}",
             f"filtered   {first} {', '.join(_c(z) for z in ev[:4])}"
             f"{' ...' if len(ev) > 4 else ''}; {last} {_c(ev[-1])}",
             f"verdict: {rep.verdict}{' (slow)' if rep.slow else ''} "
             f"(max Re λ = {rep.max_real:+.4g}; pointwise "
             f"{rep.pointwise_max_real:+.4g})"]
    if rep.message:
        lines.append(f"note: {rep.message}")
    return "\n".join(lines)


def run(args) -> int:
    import json
    import math

    from gandyn.expr import ExprError

    try:
        fs = parse_triple(args)
    except ExprError as e:
        return _fail(e)
    if args.arch not in ARCHS:
        return _fail(f"unknown --arch {args.arch!r}; valid: {', '.join(ARCHS)}")
    try:
        width = math.inf if str(args.width).lower() in ("inf", "infinite") else int(args.width)
    except ValueError:
        return _fail(f"--width must be a positive integer or 'inf', got {args.width!r}")
    if width < 1 or args.depth < 0 or args.points < 1 or not args.pd > 0:
        return _fail("need --width >= 1, --depth >= 0, --points >= 1 and --pd > 0")
    if math.isinf(width) and args.arch not in ("relu", "erf"):
        return _fail(f"the infinite-width kernel has a closed form for relu and erf only; give "
                     f"a finite --width for {args.arch}")
    if args.points > 400:
        return _fail("--points above 400: the dense eigenproblem (2N x 2N) gets slow")
    if not math.isinf(width):
        from gandyn.commands import memory_refusal

        # the empirical NTK: the MLP's parameters, and (gandyn.kernel.empirical_ntk) the
        # Jacobian of the N outputs, or 64 parameter-sized products when that exceeds 2 GiB
        n_par = max(args.depth - 1, 0) * (width * width + width) + (args.dim + 3) * width + 1
        rows = min(args.points * (2 if args.batchnorm else 1), 64)
        refusal = memory_refusal(f"the empirical NTK ({n_par:.3g} parameters x {rows} rows)",
                                 8.0 * n_par * (rows + 1),
                                 f"--width {width} --depth {args.depth}")
        if refusal:
            return _fail(refusal)

    import numpy as np

    import gandyn  # noqa: F401  (x64)
    from gandyn.analysis.kernel import architecture_kernel, check_kernel

    n = args.points
    if args.dim == 1:
        xs = np.linspace(-1.0, 1.0, n)[:, None]
    else:
        t = 2 * np.pi * np.arange(n) / n
        xs = np.stack([np.cos(t), np.sin(t)], 1)
    desc = (f"{args.arch} MLP, depth {args.depth}, width {args.width}, {args.param} param "
            f"(w {args.w_std:g}, b {args.b_std:g})" + (", BatchNorm" if args.batchnorm else "")
            + (f", spectral norm ({args.spectral_norm})" if args.spectral_norm else ""))
    try:
        K = architecture_kernel(xs, arch=args.arch, depth=args.depth,
                                width=None if math.isinf(width) else width,
                                parameterization=args.param, w_std=args.w_std,
                                b_std=args.b_std, batchnorm=args.batchnorm,
                                spectral_norm=args.spectral_norm, seed=args.seed)
        rep = check_kernel(*fs, kernel=K, pd=args.pd, D0=args.D0, domain=args.domain,
                           arch=desc)
    except ValueError as e:
        return _fail(e)
    if args.json:
        from gandyn.io import finite_json

        d, replaced = finite_json(rep.to_dict())
        if replaced:
            d.setdefault("notes", []).append(f"{replaced} non-finite number(s) written as null")
        print(json.dumps(d, allow_nan=False))
    else:
        print(render(rep))
    return 0
