"""Check a loss triple f1/f2/f3: rest points, spectra, verdict, global evidence.

The pointwise field (docs/pointwise.md): the discriminator ascends p_d f1(D) + p_g f2(D),
the generator ascends p_g f3(D):

    dD/dt = p_d f1'(D) + p_g f2'(D),    dp_g/dt = f3(D) - f3(D0),   f1'(D0) + f2'(D0) = 0.

Expressions are functions of x (or D, the same variable) built from numbers, + - * / **, unary
minus, and
log log1p exp sqrt tanh sigmoid softplus abs minimum maximum relu; anything else is refused
(exit status 2) and never evaluated. Examples:

    gandyn check --f1 'log(x)' --f2 'log(1-x)' --f3 '-log(1-x)' --pd 0.2   # classic: stable
    gandyn check --f1 x --f2 -x --f3 x                                    # WGAN: marginal
    gandyn check --f1 '-x**2/2' --f2 x --f3 -x --json                     # quadratic triple: stable
    gandyn check --f1 'log(D)' --f2 'log(1-D)' --f3 'log(D)' --plot ns.png  # + the picture

The domain of D defaults to the largest interval of [-10, 10] where f1, f2, f3 and their first
two derivatives are finite (--domain LO HI to choose). --plot FILE also draws the report
(gandyn.plot.report): the portrait at each p_d, the eigenvalues over p_d and the global test's
outcome map, as PNG, PDF or SVG by the file's suffix.
"""

from __future__ import annotations

from gandyn.commands import add_triple_arguments

#: options whose value may start with "-" ("-log(1-x)", "-x"): the CLI passes them to argparse
#: as ``--f2=-x`` (argparse would take a separate "-x" for an unknown option)
VALUE_OPTIONS = ("--f1", "--f2", "--f3")

#: each p_d adds 10^4 trajectories to the global test (~0.2 s on a laptop core); beyond this
#: many a sweep is better split, or run with --no-global (which allows MAX_PD_LOCAL)
MAX_PD, MAX_PD_LOCAL = 64, 1000
#: --plot: the formats matplotlib writes without extra packages, chosen by the suffix
PLOT_FORMATS = (".png", ".pdf", ".svg")


def add_arguments(parser) -> None:
    add_triple_arguments(parser)
    parser.add_argument("--pd", type=float, nargs="+", default=[1.0], metavar="P",
                        help="data densities p_d > 0 to analyse (default 1)")
    parser.add_argument("--domain", type=float, nargs=2, default=None, metavar=("LO", "HI"),
                        help="open interval of D (default: inferred within [-10, 10])")
    parser.add_argument("--D0", type=float, default=None,
                        help="rest value of D to analyse first (default: every root found)")
    parser.add_argument("--no-global", action="store_true",
                        help="skip the 10^4-trajectory global test (the outcome map of --plot "
                             "still runs one, on the picture's own grid)")
    parser.add_argument("--plot", default=None, metavar="FILE",
                        help="also write the report's picture to FILE (.png, .pdf or .svg)")
    fmt = parser.add_mutually_exclusive_group()  # one format on stdout
    fmt.add_argument("--json", action="store_true", help="print one JSON object")
    fmt.add_argument("--csv", action="store_true",
                     help="print the table (one row per D0 and p_d) as CSV")


def _table(rows, head):
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


CSV_HEADER = ("D0", "pd", "trace", "det", "eigenvalues", "kind", "verdict", "max_lr")


def _lr(a) -> str:
    """The max-lr cell: 0 means that no step size makes simultaneous steps converge."""
    return "none" if a.max_lr == 0 else f"{a.max_lr:.4g}"


def render(rep) -> str:
    """The human-readable report of a ``TripleReport``."""
    from gandyn.analysis.spectrum import format_eigenvalue

    d = rep.to_dict()
    lines = [f"triple  f1 = {d['f1']},  f2 = {d['f2']},  f3 = {d['f3']}",
             f"domain  D in ({d['domain'][0]:g}, {d['domain'][1]:g}),  p_g >= 0"]
    if rep.equilibria is None:
        lines += [f"verdict: {rep.verdict}", rep.message]
        return "\n".join(lines)
    eq = rep.equilibria
    roots = ", ".join(f"{r:.10g}" for r in eq.roots) or "none isolated"
    lines.append(f"roots of f1'+f2': {roots}")
    for a, b in eq.continua:
        lines.append(f"continuum of roots on ({a:g}, {b:g}) (midpoint analysed)")
    rows = []
    for row in rep.analyses:
        for a in row:
            ev = a.eigenvalues
            smooth = a.kind != "non-smooth"  # a jump of f1'+f2': no Jacobian to print
            rows.append((f"{a.D0:.6g}", f"{a.pd:g}", f"{a.trace:+.4g}" if smooth else "-",
                         f"{a.det:+.4g}" if smooth else "-",
                         ", ".join(format_eigenvalue(z) for z in ev) if smooth
                         else "none (no Jacobian)", a.kind, a.verdict,
                         _lr(a) if smooth else "-"))
    lines += ["", _table(rows, ("D0", "p_d", "trace", "det", "eigenvalues", "kind", "verdict",
                                "max lr"))]
    if any(a.max_lr == 0 and a.kind != "non-smooth" for row in rep.analyses for a in row):
        lines.append("max lr none: no step size makes simultaneous steps converge there "
                     "(an eigenvalue has Re λ >= 0)")
    c = rep.conditions()
    if c["stable_for_all_pd"] is not None:
        lines += ["", (f"conditions at D0 = {rep.D0s[0]:.6g}: trace < 0 "
                   f"{all(c['trace_negative'])}, det > 0 {all(c['det_positive'])}; "
                   f"(f1''+f2'')(D0) = {c['curvature_f1pp_plus_f2pp']:+.6g} -> stable for "
                   f"every p_d > 0: {c['stable_for_all_pd']}")]
    if rep.global_:
        lines.append("")
    for g in rep.global_:
        fr = dict(g.fractions)
        (dlo, dhi), (plo, phi) = g.box
        lines.append(
            f"global (p_d = {g.pd:g}): {g.n} starts on D in [{dlo:.3g}, {dhi:.3g}], "
            f"p_g in ({plo:g}, {phi:.3g}], horizon {g.horizon:.3g}: converged "
            f"{fr['converged']:.2%}, left domain {fr['left_domain']:.2%}, diverged "
            f"{fr['diverged']:.2%}, non-finite {fr['non_finite']:.2%}, still moving "
            f"{fr['running']:.2%} (p_g < 0 on the way: {g.pg_negative_fraction:.2%})")
        # what the Lyapunov sign test covered: the start grid (not the trajectories), less
        # the points where dV/dt was not finite
        checked = g.n - g.lyapunov_nonfinite_points
        where = (f"at {checked} of the {g.n} start-grid points" if g.lyapunov_nonfinite_points
                 else f"at all {g.n} start-grid points")
        if g.lyapunov_distance_decreases:
            lines.append(f"  dV/dt <= 0 for V = (D-D0)² + (p_g-p_d)² {where} (a sign test of "
                         "the field on that box, not of the trajectories)")
        else:
            D, pg = g.lyapunov_worst
            lines.append(f"  V = (D-D0)² + (p_g-p_d)² increases somewhere ({where} tested): "
                         f"worst dV/dt = {g.lyapunov_max_dVdt:+.4g} at D = {D:.4g}, "
                         f"p_g = {pg:.4g}")
    lines += ["", f"verdict: {rep.verdict}"]
    lines += [f"warning: {w}" for w in rep.warnings]
    if rep.message:
        lines.append(f"note: {rep.message}")
    return "\n".join(lines)


def run(args) -> int:
    import json

    from gandyn.commands import fail, parse_triple
    from gandyn.expr import ExprError

    try:
        fs = parse_triple(args)
    except ExprError as e:
        return fail("check", e)

    limit = MAX_PD_LOCAL if args.no_global else MAX_PD
    if len(args.pd) > limit:
        why = ("each adds 10^4 trajectories to the global test (~0.2 s each); split the sweep "
               "or add --no-global" if not args.no_global else "split the sweep")
        return fail("check", f"at most {limit} values of --pd, got {len(args.pd)} ({why})")
    if any(p <= 0 for p in args.pd):
        return fail("check", f"--pd values must be > 0, got {args.pd}")
    if args.plot is not None:
        refusal = _plot_refusal(args.plot)
        if refusal:
            return fail("check", refusal)

    import gandyn  # noqa: F401  (x64)
    from gandyn.analysis.report import check_triple
    from gandyn.progress import progress

    try:
        with progress(total=None, desc=f"check: {len(args.pd)} p_d"):
            rep = check_triple(*fs, pd=tuple(args.pd), D0=args.D0, domain=args.domain,
                               with_global=not args.no_global)
    except ValueError as e:
        return fail("check", e)
    if args.json:
        print(json.dumps(rep.to_json_dict(), allow_nan=False))
    elif args.csv:
        from gandyn.csvout import number_list, write_csv

        write_csv(CSV_HEADER, ((a.D0, a.pd, a.trace, a.det, number_list(a.eigenvalues),
                                a.kind, a.verdict, a.max_lr)
                               for row in rep.analyses for a in row))
    else:
        print(render(rep))
    if args.plot is not None:
        return _write_plot(rep, args.plot)
    return 0


def _plot_refusal(path: str) -> str | None:
    """Why ``--plot path`` cannot be written, checked before the analysis (None: it can)."""
    import os

    from gandyn.io import ensure_writable_output

    suffix = os.path.splitext(path)[1].lower()
    if suffix not in PLOT_FORMATS:
        return (f"--plot {path!r}: the file must end in {', '.join(PLOT_FORMATS)} (the format "
                "follows the suffix)")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"--plot {path!r}: folder {folder!r} does not exist"
    # a folder named like the file, a read-only folder, a full disk: OutputError, one line
    ensure_writable_output(path, folder=False)
    return None


def _write_plot(rep, path: str) -> int:
    """The picture of ``rep`` written atomically to ``path`` (after the report is printed: a
    report without a rest point has nothing to draw, which is an error of --plot only)."""
    import math
    import warnings

    from gandyn.commands import fail
    from gandyn.io import atomic_write
    from gandyn.progress import progress

    try:
        with progress(total=None, desc=f"check: --plot {path}"):
            # the outcome map on the global test's own grid: its program is compiled already
            n_side = math.isqrt(rep.global_[0].n) if rep.global_ else 40
            with warnings.catch_warnings():
                # streamplot colours an arrow at a zero-speed (masked) point: a cosmetic
                # matplotlib warning, not news for the user of the command line
                warnings.filterwarnings("ignore", ".*converting a masked element to nan")
                fig = rep.plot(n_side=n_side)
            atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110))
    except ValueError as e:  # OutputError included
        return fail("check", f"--plot: {e}")
    return 0
