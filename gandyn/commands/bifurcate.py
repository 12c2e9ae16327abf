r"""Locate bifurcations along one parameter: where a rest point (flow) or an update map changes.

Flow mode follows the rest point of GAME as PARAM goes from --from to --to and locates fold,
Hopf and node-focus points (to 1e-12 by bisection); a Hopf point says whether it is
supercritical, subcritical or degenerate (the first Lyapunov coefficient l1). Update-map mode
(--updater NAME) locates where the update map's multipliers leave the unit circle: fold (+1),
flip (-1), Neimark–Sacker (a complex pair e^(±iθ)), varying the rate (--param lr) or a game
parameter at a fixed rate (--param gamma --set lr=H). Every point reports what crosses and its
multiplicity (2 when two multipliers pass -1 together, n for an n-dimensional isotropic game).
--method arclength follows the branch by pseudo-arclength continuation, round folds where
the rest point turns back (--num then bounds the steps).
Games:

    dirac:LOSS[+REG...]   Dirac-GAN (parameters: c and the chosen regularisers' own: gamma, sigma, lam, g0, eta, k, ...)
    pointwise:NAME        a pointwise triple (parameter: pd)
    hopf                  the Hopf normal form (parameter: mu)
    xy                    min_x max_y x·y (update-map mode only)

Your own loss triple --f1 --f2 --f3 (expressions in x or D, as for gandyn check):

    pointwise             its pointwise game (the default with a triple; parameter: pd)
    dirac[+REG...]        its Dirac-GAN: the critic ascends f1(psi*c) + f2(psi*theta), the
                          generator f3(psi*theta) (parameters: c and the regularisers' own)

Examples:

    gandyn bifurcate --game dirac:gan+r1 --param gamma --from 0 --to 3
    gandyn bifurcate --game dirac:gan+r1 --updater simultaneous --param lr --from 0.01 --to 8 \
        --set gamma=0.6
    gandyn bifurcate --game dirac:gan+r1 --updater simultaneous --param gamma --from 0.05 \
        --to 6 --set lr=0.5
    gandyn bifurcate --game xy --updater extragradient --param lr --from 0.05 --to 2 --json
    gandyn bifurcate --game dirac:gan+r1 --updater simultaneous --param lr --from 0.5 --to 6 \
        --set gamma=1 --method arclength
    gandyn bifurcate --f1 -D --f2 D --f3 -D --game dirac+r1 --param gamma --from 0 --to 3
    gandyn bifurcate --f1 'log(x)' --f2 'log(1-x)' --f3 'log(x)' --param pd --from 0.05 --to 2
"""

from __future__ import annotations

from gandyn.cli import bounded_int
from gandyn.commands import add_triple_arguments


def add_arguments(parser) -> None:
    parser.add_argument("--game", default=None, metavar="SPEC",
                        help="dirac:LOSS[+REG...], pointwise:NAME, hopf or xy; with --f1 --f2 "
                             "--f3: pointwise (their default) or dirac[+REG...]")
    add_triple_arguments(parser, required=False)
    parser.add_argument("--param", required=True, metavar="NAME",
                        help="the parameter to vary (gamma, pd, mu, ...; with --updater also "
                             "lr, or a game parameter with --set lr=H)")
    parser.add_argument("--from", dest="p_from", type=float, required=True, metavar="A")
    parser.add_argument("--to", dest="p_to", type=float, required=True, metavar="B")
    parser.add_argument("--num", type=int, default=61, help="grid points (default 61)")
    parser.add_argument("--updater", default=None, metavar="NAME",
                        help="analyse this update rule's map (registry name) instead of the flow")
    parser.add_argument("--n-disc", type=bounded_int(1, 10**9, "critic steps per generator step"),
                        default=None, metavar="K",
                        help="critic steps per generator step of a scheduled rule (alternating, "
                             "drift_cancelled_alternating; default 1)")
    parser.add_argument("--set", dest="fixed", action="append", default=[], metavar="KEY=VALUE",
                        help="fix another game parameter (e.g. --set gamma=0.5); repeatable")
    parser.add_argument("--method", default="natural", metavar="natural|arclength",
                        help="natural continuation on a grid (default) or pseudo-arclength, "
                             "which turns round folds of the branch")
    fmt = parser.add_mutually_exclusive_group()  # one format on stdout
    fmt.add_argument("--json", action="store_true", help="print one JSON object")
    fmt.add_argument("--csv", action="store_true",
                     help="print the located bifurcations as CSV")


class _BadInput(ValueError):
    pass


def _dirac(loss, regs, c=0.0, **values):
    """The Dirac-GAN ``loss`` (a name, or a triple ``(f1, f2, f3)``) with the named
    regularisers, their numbers from ``values`` (constructor names of the names table, e.g.
    gamma, sigma, lam, eta)."""
    from gandyn.games.dirac import dirac, dirac_triple
    from gandyn.games.dirac_names import build

    built = tuple(build(r, **values) for r in regs)
    if isinstance(loss, tuple):
        return dirac_triple(*loss, built, c=c)
    return dirac(loss, built, c=c)


def _triple_family(spec: str, fs, vary, fixed: dict, map_mode: bool):
    """The family of the loss triple ``fs``: its pointwise game along pd, or its Dirac-GAN
    (``dirac[+REG...]``) along c or a regulariser's parameter."""
    if spec == "pointwise":
        from gandyn.games import pointwise

        for k in list(fixed) + ([vary] if vary else []):
            if k != "pd":
                raise _BadInput(f"the pointwise game of a triple has one parameter, pd "
                                f"(got {k!r})")
        # D0 (the root of f1' + f2') does not depend on p_d: solved once, here
        base = pointwise.triple(*fs, pd=fixed.get("pd", 1.0))
        return (lambda p: pointwise.at_pd(base, p)) if vary else (lambda p: base)
    head, *regs = spec.split("+")
    if head != "dirac":
        what = ("a loss name: write dirac[+REG...] without it" if head.startswith("dirac:")
                else "pointwise (their default) or dirac[+REG...]")
        raise _BadInput(f"--f1 --f2 --f3 give the loss, so --game is {what}; got {spec!r}")
    return _dirac_family(spec, fs, regs, vary, fixed, map_mode)


def _dirac_family(spec, loss, regs, vary, fixed, map_mode):
    from gandyn.games.dirac_names import REGULARISERS

    for r in regs:
        if r not in REGULARISERS:
            raise _BadInput(f"unknown regulariser {r!r}; valid: {', '.join(REGULARISERS)}")
    names = ["c", *dict.fromkeys(p.name for r in regs for p in REGULARISERS[r][2])]
    for k in list(fixed) + ([vary] if vary else []):
        if k not in names:
            raise _BadInput(f"parameter {k!r} of {spec} must be one of {', '.join(names)}"
                            + ("" if map_mode else " (lr needs --updater)"))
    _dirac(loss, tuple(regs), **fixed)  # a triple's errors (not finite at D = 0) now, in full
    return lambda p: _dirac(loss, tuple(regs), **fixed, **({vary: p} if vary else {}))


def _family(spec: str, param: str, fixed: dict, map_mode: bool, fs=None):
    """``make_game(p)``: the game family along ``param`` (None: p is the rate); ``fs`` a
    loss triple (parsed expressions) or None."""
    vary = None if (map_mode and param == "lr") else param
    if fs is not None:
        return _triple_family(spec, tuple(fs), vary, fixed, map_mode)
    if spec == "pointwise" or spec.split("+")[0] == "dirac":
        raise _BadInput(f"--game {spec} is the game of a loss triple: give --f1 --f2 --f3 "
                        "(or name a loss: dirac:LOSS[+REG...], pointwise:NAME)")
    if spec.startswith("dirac:"):
        from gandyn.games.dirac_names import LOSSES

        loss, *regs = spec[len("dirac:"):].split("+")
        if loss not in LOSSES:
            raise _BadInput(f"unknown Dirac loss {loss!r}; valid: {', '.join(LOSSES)}")
        return _dirac_family(spec, loss, regs, vary, fixed, map_mode)
    if spec.startswith("pointwise:"):
        from gandyn.games import pointwise

        name = spec[len("pointwise:"):]
        try:
            pointwise.by_name(name)
        except ValueError as e:
            raise _BadInput(str(e)) from None
        for k in list(fixed) + ([vary] if vary else []):
            if k != "pd":
                raise _BadInput(f"a pointwise game has one parameter, pd (got {k!r})")
        return lambda p: pointwise.by_name(name, p if vary else fixed.get("pd", 1.0))
    if spec == "hopf":
        from gandyn.analysis.cycles import hopf_normal_form

        for k in list(fixed) + ([vary] if vary else []):
            if k not in ("mu", "omega", "l1"):
                raise _BadInput(f"the Hopf normal form's parameters are mu, omega, l1 (got {k!r})")
        return lambda p: hopf_normal_form(**fixed, **({vary: p} if vary else {}))
    if spec == "xy":
        from gandyn.games.bilinear import xy

        if vary is not None or fixed:
            raise _BadInput("xy has no parameters: use --updater NAME --param lr")
        return lambda p: xy()
    raise _BadInput(f"unknown game spec {spec!r}; use dirac:LOSS[+REG...], pointwise:NAME, "
                    "hopf or xy")


def _num(x):
    import math

    x = float(x)
    return x if math.isfinite(x) else None


def _c(z):
    if abs(z.imag) < 5e-13 * max(1.0, abs(z.real)):
        return f"{z.real:+.6g}"
    return f"{z.real:+.6g} {'+' if z.imag >= 0 else '-'} {abs(z.imag):.6g}i"


def run(args) -> int:
    import json
    import math

    from gandyn.commands import fail as _fail

    def fail(msg):
        return _fail("bifurcate", msg)

    given = [k for k in ("f1", "f2", "f3") if getattr(args, k) is not None]
    fs = None
    if given:
        if len(given) < 3:
            return fail("a loss triple needs all of --f1 --f2 --f3 (got "
                        + " ".join("--" + k for k in given) + ")")
        from gandyn.commands import parse_triple
        from gandyn.expr import ExprError

        try:
            fs = parse_triple(args)
        except ExprError as e:
            return fail(e)
    if args.game is None:
        if not given:
            return fail("--game SPEC is required (dirac:LOSS[+REG...], pointwise:NAME, hopf, "
                        "xy), or a loss triple --f1 --f2 --f3")
        args.game = "pointwise"
    if not (math.isfinite(args.p_from) and math.isfinite(args.p_to)) or args.p_from == args.p_to:
        return fail("--from and --to must be two different finite numbers")
    if args.method not in ("natural", "arclength"):
        return fail(f"--method must be natural or arclength, got {args.method!r}")
    if not 2 <= args.num <= 10_000:
        return fail("--num must be between 2 and 10000")
    fixed = {}
    for item in args.fixed:
        key, eq, val = item.partition("=")
        try:
            fixed[key.strip()] = float(val)
        except ValueError:
            eq = ""
        if not eq or not math.isfinite(fixed.get(key.strip(), math.nan)):
            return fail(f"--set expects KEY=NUMBER, got {item!r}")
        if sum(k.partition("=")[0].strip() == key.strip() for k in args.fixed) > 1:
            return fail(f"--set {key.strip()}= is given more than once")
    if args.param in fixed and not (args.updater is not None and args.param == "lr"):
        return fail(f"--param {args.param} varies {args.param}, --set {args.param}= fixes it: "
                    "choose one")
    map_mode = args.updater is not None
    # the map's rate is fixed with --set lr=H when a game parameter varies
    lr = fixed.pop("lr", None) if map_mode else None
    if map_mode and args.param == "lr" and lr is not None:
        return fail("--param lr and --set lr= together: vary the rate or fix it")
    if map_mode and args.param != "lr" and lr is None:
        return fail(f"with --updater and --param {args.param}, fix the rate with --set lr=H")
    if lr is not None and not lr > 0:
        return fail("--set lr must be > 0 (every map has multiplier 1 at lr = 0)")
    if map_mode and args.param == "lr" and min(args.p_from, args.p_to) <= 0:
        return fail("learning rates must be > 0 (every map has multiplier 1 at lr = 0)")

    import gandyn  # noqa: F401  (x64)
    from gandyn.analysis.continuation import continue_arclength, continue_equilibrium

    make_updater, schedule, n_disc = None, None, None
    if map_mode:
        from gandyn.updaters import ALL_UPDATERS

        if args.updater not in ALL_UPDATERS:
            valid = ", ".join(sorted(ALL_UPDATERS))
            return fail(f"unknown updater {args.updater!r}; valid: {valid}")
        from gandyn.updaters.registry import build_updater, schedule_of, schedule_text

        try:
            u0 = build_updater(args.updater, 1.0, n_disc=args.n_disc)
        except ValueError as e:
            return fail(f"--n-disc: {e}")
        schedule, n_disc = schedule_text(u0), (schedule_of(u0) or (None,))[0]

        def make_updater(p):  # p is the lr, unless the lr is fixed (--set lr=H)
            return build_updater(args.updater, p if lr is None else lr, n_disc=args.n_disc)
    elif args.n_disc is not None:
        return fail("--n-disc needs --updater NAME (a rule with a critic schedule)")
    try:
        family = _family(args.game, args.param, fixed, map_mode, fs)
        # the continuation builds the games inside jit, where their checks cannot run: build
        # both ends here (each parameter's valid set is an interval), so that gamma < 0 or
        # p_d <= 0 at --to is refused as it is at --from
        family(args.p_from), family(args.p_to)
        if args.method == "natural":
            branch = continue_equilibrium(family, args.p_from, args.p_to, num=args.num,
                                          make_updater=make_updater)
        else:
            # the first step one grid spacing; at most 4 num steps
            ds = abs(args.p_to - args.p_from) / max(1, args.num - 1)
            branch = continue_arclength(family, args.p_from, args.p_to, ds=ds,
                                        max_steps=4 * args.num, make_updater=make_updater)
    except (ValueError, TypeError) as e:
        return fail(str(e).splitlines()[0] if str(e) else type(e).__name__)
    notes = []
    lost = int((~branch.converged).sum())
    if lost:
        notes.append(f"Newton did not converge at {lost} of {len(branch.params)} grid points "
                     "(a fold of the branch, or the rest point left the domain)"
                     + ("; try --method arclength" if args.method == "natural" else ""))
    if args.json:
        out = {"game": args.game,
               "triple": None if fs is None else [f.source for f in fs],
               "param": args.param, "mode": branch.mode,
               "method": args.method,
               "updater": args.updater, "n_disc": n_disc, "schedule": schedule,
               "range": [args.p_from, args.p_to], "num": args.num,
               "fixed": {**fixed, **({} if lr is None else {"lr": lr})}, "points": [],
               "notes": notes}
        for p in branch.points:
            d = p.to_dict()
            bad = False
            for key in ("param",):
                d[key] = _num(d[key])
                bad |= d[key] is None
            d["bracket"] = [_num(x) for x in d["bracket"]]
            d["state"] = [_num(x) for x in d["state"]]
            d["eigenvalues"] = [[_num(a), _num(b)] for a, b in d["eigenvalues"]]
            # (first_lyapunov and frequency: to_dict already writes a non-finite one as null)
            if bad or None in d["state"]:
                notes.append("non-finite values written as null")
            out["points"].append(d)
        print(json.dumps(out, allow_nan=False))
        return 0
    if args.csv:
        from gandyn.csvout import number_list, write_csv

        write_csv(("kind", args.param, "eigenvalues"),
                  ((p.kind, p.param, number_list(complex(z) for z in p.eigenvalues))
                   for p in branch.points))
        return 0
    what = (f"update map of {schedule or args.updater}"
            + ("" if lr is None else f" at lr = {lr:g}") if map_mode else "flow")
    how = (f"{args.num} points" if args.method == "natural"
           else f"pseudo-arclength, {len(branch.params)} steps")
    game = args.game if fs is None else (
        f"{args.game} of f1 = {fs[0]}, f2 = {fs[1]}, f3 = {fs[2]}")
    print(f"{game}: {what}, {args.param} from {args.p_from:g} to {args.p_to:g} ({how})")
    if not branch.points:
        print("no bifurcation located in the range")
    label = "multipliers" if map_mode else "eigenvalues"
    for p in branch.points:
        kind = p.kind if p.multiplicity == 1 else f"{p.kind} (x{p.multiplicity})"
        print(f"  {kind:<15} {args.param} = {p.param:.12g}   {label}: "
              + ", ".join(_c(z) for z in p.eigenvalues))
        crit = ("" if p.criticality is None else f"; {p.criticality}" + (
            f", l1 = {p.first_lyapunov:.6g}" if math.isfinite(p.first_lyapunov) else ""))
        print(f"  {'':<15} {p.crossing}{crit}")
    for n in notes:
        print(f"note: {n}")
    return 0
