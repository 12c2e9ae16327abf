"""Spectrum of the Dirac-GAN at its equilibrium, for a loss and regularisers.

Prints the equilibrium, the continuous-time eigenvalues of the jacfwd Jacobian, the kind of
rest point and the verdict (Mescheder, Geiger & Nowozin 2018). Example:

    gandyn dirac --loss gan --reg r1 --gamma 2 --json     # -1 ± sqrt(3)/2: stable node

Each regulariser takes its own options (listed below; R1 and R2 share --gamma, WGAN-GP's
weight is --lam); an option of a regulariser that was not chosen is an error.
Where the Jacobian is not defined (WGAN-GP or DRAGAN with a target norm k > 0) the output says
so: kind "non-smooth", no eigenvalues, the jump of the field at ψ = 0 and the set of
(Filippov) rest points {ψ = 0, |θ - c| <= 2λk/f'(0)} that replaces the isolated equilibrium.
"""

from __future__ import annotations

from gandyn.games.dirac_names import LOSSES, REGULARISERS


def _flags():
    """``{flag: (default, help, [(reg, param), ...])}`` over the whole table."""
    out: dict = {}
    for reg, (_, _, params) in REGULARISERS.items():
        for p in params:
            default, helps, users = out.setdefault(p.flag, (p.default, p.help, []))
            users.append((reg, p.name))
    return out


def add_arguments(parser) -> None:
    parser.add_argument("--loss", choices=LOSSES, default="gan", help="loss (default gan)")
    parser.add_argument("--reg", choices=tuple(REGULARISERS), action="append", default=[],
                        help="regulariser; repeat to compose (e.g. --reg r1 --reg noise)")
    for flag, (default, help_, users) in _flags().items():
        regs = "/".join(dict.fromkeys(r for r, _ in users))
        parser.add_argument(flag, type=float, default=None, metavar="X",
                            help=f"{help_} (--reg {regs}; default {default:g})")
    parser.add_argument("--c", type=float, default=0.0,
                        help="data point, every coordinate (default 0, the paper's)")
    parser.add_argument("--dim", type=int, default=1, help="dimension n (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--csv", action="store_true",
                        help="print the eigenvalues as CSV (re, im, kind, verdict)")


def _attr(flag):
    return flag.lstrip("-").replace("-", "_")


def _regulariser_values(args):
    """``{reg: {param: value}}`` for the chosen regularisers; ValueError for a flag given to
    none of them."""
    chosen = list(dict.fromkeys(args.reg))
    values = {r: {} for r in chosen}
    used = set()
    for r in chosen:
        for p in REGULARISERS[r][2]:
            given = getattr(args, _attr(p.flag))
            values[r][p.name] = p.default if given is None else given
            used.add(p.flag)
    for flag, (_, _, users) in _flags().items():
        if flag not in used and getattr(args, _attr(flag)) is not None:
            regs = ", ".join(dict.fromkeys(r for r, _ in users))
            raise ValueError(f"{flag} is a parameter of {regs}, which was not chosen "
                             f"(--reg {' '.join(chosen) or '(none)'})")
    return values


def _fmt(z):
    re, im = z
    return f"{re:+.10f} {'+' if im >= 0 else '-'} {abs(im):.10f}i"


def run(args) -> int:
    import json
    import sys

    import gandyn  # noqa: F401  (x64)
    from gandyn.analysis.dirac import analyse
    from gandyn.games.dirac import dirac
    from gandyn.games.dirac_names import build

    try:
        values = _regulariser_values(args)
        game = dirac(args.loss, tuple(build(r, **v) for r, v in values.items()), dim=args.dim,
                     c=args.c)
    except ValueError as e:
        print(f"gandyn dirac: error: {e}", file=sys.stderr)
        return 2
    rep = analyse(game)
    stateful = isinstance(game.equilibrium.disc, tuple)
    out = {
        "game": game.name,
        "loss": args.loss,
        "reg": list(values),
        "dim": args.dim,
        "params": {"c": args.c, **values},
        "equilibrium": {"gen": rep["equilibrium"][0], "disc": rep["equilibrium"][1]},
        "eigenvalues": rep["eigenvalues"],
        "kind": rep["kind"],
        "verdict": rep["verdict"],
        "note": rep["note"],
    }
    for key in ("jump", "rest_set"):
        if key in rep:
            out[key] = rep[key]
    if args.json:
        print(json.dumps(out))
        return 0
    if args.csv:
        from gandyn.csvout import write_csv

        write_csv(("re", "im", "kind", "verdict"),
                  ((re, im, rep["kind"], rep["verdict"]) for re, im in rep["eigenvalues"]))
        return 0
    print(f"Dirac-GAN {game.name}  (dim {args.dim}, data point c = {args.c:g})")
    eq = out["equilibrium"]
    disc = "(psi, [alpha_R, alpha_F])" if stateful else "psi"
    print(f"equilibrium: theta = {eq['gen']}, {disc} = {eq['disc']}")
    if rep["eigenvalues"]:
        print("eigenvalues of the Jacobian (continuous time):")
        for z in rep["eigenvalues"]:
            print("  " + _fmt(z))
    else:
        print("eigenvalues: Jacobian not defined at the equilibrium")
    if "rest_set" in rep:
        rs = rep["rest_set"]
        print(f"rest points (Filippov): psi = 0, |theta - {rs['theta_centre']}| <= "
              f"{rs['theta_radius']:.10g}")
    print(f"kind: {rep['kind']}")
    print(f"verdict: {rep['verdict']}")
    if rep["note"]:
        print(f"note: {rep['note']}")
    return 0
