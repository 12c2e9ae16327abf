"""Spectrum of the Dirac-GAN at its equilibrium, for a loss and regularisers.

Prints the equilibrium, the continuous-time eigenvalues of the jacfwd Jacobian, the kind of
rest point, the verdict (Mescheder, Geiger & Nowozin 2018) and, as `gandyn check` does, the
largest stable learning rate of simultaneous gradient steps ("none": no step size converges;
0 in --json and --csv). Example:

    gandyn dirac --loss gan --reg r1 --gamma 2 --json     # -1 ± sqrt(3)/2: stable node

Each regulariser takes its own options (listed below; R1 and R2 share --gamma, WGAN-GP's
weight is --lam); an option of a regulariser that was not chosen is an error.
Where the Jacobian is not defined (WGAN-GP or DRAGAN with a target norm k > 0) the output says
so: kind "non-smooth", no eigenvalues, the jump of the field at ψ = 0 and the set of
(Filippov) rest points {ψ = 0, |θ - c| <= 2λk/f'(0)} that replaces the isolated equilibrium.
"""

from __future__ import annotations

from gandyn.cli import bounded_int
from gandyn.games.dirac_names import LOSSES, REGULARISERS

#: the dense (2n+...)² Jacobian costs O(n²) memory and O(n³) time: n = 500 takes ~11 CPU-s,
#: n = 3000 took ~2 min and 2.5 GB, n = 10000 ran out of memory; every coordinate is an
#: identical copy of the 1-D game
MAX_DIM = 200
DIM_WHY = ("the dense Jacobian grows as n^2 in memory and n^3 in time, and every coordinate "
           "is a copy of the 1-D game: --dim 1 already gives its whole spectrum")


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
    parser.add_argument("--dim", type=bounded_int(1, MAX_DIM, DIM_WHY), default=1,
                        help=f"dimension n, 1..{MAX_DIM} (default 1)")
    fmt = parser.add_mutually_exclusive_group()  # one format on stdout
    fmt.add_argument("--json", action="store_true", help="print one JSON object")
    fmt.add_argument("--csv", action="store_true",
                     help="print the eigenvalues as CSV (re, im, kind, verdict, max_lr; one "
                          "row with empty re, im when there is no eigenvalue)")


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


def _max_lr(rep):
    """The max-lr of ``gandyn check`` (``max_lr_simultaneous``): 0 when no step size converges
    (an eigenvalue with Re λ >= 0, or a non-smooth rest point whose set of rest points is not
    attracting); ``None`` when the spectrum could not be computed (verdict undetermined)."""
    from gandyn.analysis.spectrum import max_lr_simultaneous

    if rep["eigenvalues"]:
        return float(max_lr_simultaneous([complex(re, im) for re, im in rep["eigenvalues"]]))
    return 0.0 if rep["kind"] == "non-smooth" else None


def _lr_text(v) -> str:
    return "-" if v is None else ("none" if v == 0 else f"{v:.4g}")


def run(args) -> int:
    import json

    import gandyn  # noqa: F401  (x64)
    from gandyn.analysis.dirac import analyse
    from gandyn.analysis.spectrum import format_eigenvalue
    from gandyn.games.dirac import dirac
    from gandyn.games.dirac_names import build

    try:
        values = _regulariser_values(args)
        game = dirac(args.loss, tuple(build(r, **v) for r, v in values.items()), dim=args.dim,
                     c=args.c)
    except ValueError as e:
        from gandyn.commands import fail

        return fail("dirac", e)
    from gandyn.progress import progress

    with progress(total=None, desc=f"dirac: {args.dim}-dimensional spectrum"):
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
        "max_lr": _max_lr(rep),
        "note": rep["note"],
        "warnings": list(rep["warnings"]),
    }
    for key in ("jump", "rest_set"):
        if key in rep:
            out[key] = rep[key]
    if args.json:
        from gandyn.io import finite_json

        out, replaced = finite_json(out)
        if replaced:
            out["warnings"].append(f"{replaced} non-finite number(s) written as null")
        print(json.dumps(out, allow_nan=False))
        return 0
    if args.csv:
        from gandyn.csvout import write_csv

        # a rest point without eigenvalues (non-smooth) still gets its kind, verdict, max lr
        pairs = rep["eigenvalues"] or [(float("nan"), float("nan"))]
        write_csv(("re", "im", "kind", "verdict", "max_lr"),
                  ((re, im, rep["kind"], rep["verdict"], out["max_lr"]) for re, im in pairs))
        return 0
    print(f"Dirac-GAN {game.name}  (dim {args.dim}, data point c = {args.c:g})")
    eq = out["equilibrium"]
    disc = "(psi, [alpha_R, alpha_F])" if stateful else "psi"
    print(f"equilibrium: theta = {eq['gen']}, {disc} = {eq['disc']}")
    if rep["eigenvalues"]:
        print("eigenvalues of the Jacobian (continuous time):")
        for z in rep["eigenvalues"]:
            print("  " + format_eigenvalue(z, digits=10))
    else:
        print("eigenvalues: Jacobian not defined at the equilibrium")
    if "rest_set" in rep:
        rs = rep["rest_set"]
        print(f"rest points (Filippov): psi = 0, |theta - {rs['theta_centre']}| <= "
              f"{rs['theta_radius']:.10g}")
    print(f"kind: {rep['kind']}")
    print(f"verdict: {rep['verdict']}")
    print(f"max lr of simultaneous steps: {_lr_text(out['max_lr'])}"
          + (" (no step size makes them converge)" if out["max_lr"] == 0 else ""))
    if rep["note"]:
        print(f"note: {rep['note']}")
    return 0
