"""Animate update rules over a game's field: a GIF (or an MP4 when ffmpeg is installed).

One column per update rule: the iterates over the field's streamlines and, for the 1-D
Dirac-GAN, the view of Mescheder et al. (2018): the data point x = c, the generator's point
x = θ and the discriminator's line D(x) = ψx. Examples:

    gandyn animate --updaters simultaneous alternating extragradient --out anim.gif
    gandyn animate --loss gan --reg r1 --gamma 0.3 --updaters simultaneous --steps 200 --out r1.gif
    gandyn animate --game classic --pd 0.5 --start 0.7 0.2 --updaters simultaneous --out c.gif
    gandyn animate --updaters simultaneous alternating --n-disc 2 --out two.gif
    gandyn animate --f1 '-D**2/2' --f2 D --f3 -D --pd 0.5 --out mine.gif
    gandyn animate --f1 -D --f2 D --f3 -D --game dirac --reg r1 --out mine_dirac.gif

A loss triple --f1 --f2 --f3 (expressions in x or D, as for gandyn check) is animated as its
pointwise game (the critic ascends p_d f1(D) + p_g f2(D), the generator p_g f3(D)), or with
--game dirac as its Dirac-GAN (the critic ascends f1(psi*c) + f2(psi*theta), the generator
f3(psi*theta); D = psi*x is a score on the whole real line), regularisers as for --loss.

Alternating rules play one critic step per generator step unless --n-disc says otherwise; each
column's title states the schedule its rule plays.
"""

from __future__ import annotations

import sys

from gandyn.cli import bounded_int, finite_float
from gandyn.commands import add_triple_arguments

#: --start and --c: plane coordinates; the plotted window spans the start and the rest point,
#: and a wider one cannot resolve the rest point (nor, near 1e308, have a finite width)
MAX_COORD = 1e6
#: --lr: one step of size 100 already leaves the plotted window of every built-in game
MAX_LR = 100.0
#: the Dirac-GAN regularisers that use --gamma (R1/R2 weight, NK's η) and --sigma
GAMMA_REGS, SIGMA_REGS = ("r1", "r2", "nk"), ("noise",)


def add_arguments(parser) -> None:
    parser.add_argument("--game", default=None, metavar="NAME",
                        help="'dirac' (default), a built-in pointwise game (e.g. classic), or "
                             "with --f1 --f2 --f3 'pointwise' (their default) or 'dirac'")
    parser.add_argument("--loss", default=None, help="Dirac-GAN loss (default gan)")
    add_triple_arguments(parser, required=False)
    parser.add_argument("--reg", nargs="*", default=[], metavar="R",
                        help="Dirac-GAN regularisers (e.g. r1 noise)")
    parser.add_argument("--gamma", type=finite_float(0), default=None,
                        help="R1/R2 weight γ, NK's η >= 0 (--reg r1/r2/nk; default 1)")
    parser.add_argument("--sigma", type=finite_float(0), default=None,
                        help="instance-noise σ >= 0 (--reg noise; default 0)")
    parser.add_argument("--c", type=finite_float(-MAX_COORD, MAX_COORD), default=None,
                        help="Dirac-GAN data point (default 0)")
    parser.add_argument("--pd", type=finite_float(0, open_lo=True), default=None,
                        help="p_d > 0 of a pointwise game (default 1)")
    parser.add_argument("--updaters", nargs="+", default=["simultaneous", "alternating"],
                        metavar="RULE", help="update rules, one column each")
    parser.add_argument("--lr", type=finite_float(0, MAX_LR, open_lo=True), default=0.1,
                        help=f"learning rate in (0, {MAX_LR:g}] (default 0.1)")
    parser.add_argument("--n-disc", type=bounded_int(1, 10**9, "critic steps per generator step"),
                        default=None, metavar="K",
                        help="critic steps per generator step of the scheduled rules among "
                             "--updaters (alternating, drift_cancelled_alternating; default 1)")
    parser.add_argument("--steps", type=bounded_int(1, 100_000, "one frame per iterate"), default=200, help="iterates (default 200)")
    parser.add_argument("--start", type=finite_float(-MAX_COORD, MAX_COORD), nargs=2, default=None, metavar=("X", "Y"),
                        help="in-plane start: (θ, ψ) for the Dirac-GAN (default: rest point + 1), "
                             "(D, p_g) for pointwise games (default: rest point + 0.2)")
    parser.add_argument("--view", default="auto", choices=("auto", "plane", "data", "both"),
                        help="plane, data (1-D Dirac-GAN), both (default auto)")
    parser.add_argument("--fps", type=bounded_int(1, 120), default=20, help="frames per second (default 20)")
    parser.add_argument("--max-frames", type=bounded_int(1, 2000, "GIF size"), default=200,
                        help="subsample to at most this many frames (default 200)")
    parser.add_argument("--dpi", type=bounded_int(10, 600), default=80, help="resolution (default 80)")
    parser.add_argument("--out", default="anim.gif", help="output .gif or .mp4 (default anim.gif)")


def _fail(msg) -> int:
    from gandyn.commands import fail

    return fail("animate", msg)


def _resolve_game(args) -> str | None:
    """Set ``args.game`` (its default depends on whether a triple is given) and
    ``args.triple``; the refusal of a triple that is incomplete or combined with what it
    replaces, else None."""
    given = [k for k in ("f1", "f2", "f3") if getattr(args, k) is not None]
    args.triple = bool(given)
    if given and len(given) < 3:
        return ("a loss triple needs all of --f1 --f2 --f3 (got "
                + " ".join("--" + k for k in given) + ")")
    if args.game is None:
        args.game = "pointwise" if given else "dirac"
    if given:
        if args.game not in ("pointwise", "dirac"):
            return (f"--f1 --f2 --f3 are the loss of the game: use --game pointwise (their "
                    f"default) or --game dirac, not --game {args.game}")
        if args.loss is not None:
            return "--loss and --f1 --f2 --f3 both give the loss: choose one"
    elif args.game == "pointwise":
        return ("--game pointwise needs a loss triple --f1 --f2 --f3 (or name a built-in "
                "pointwise game, e.g. --game classic)")
    return None


def _unused(args) -> str | None:
    """The refusal of an option that the chosen game does not use (as ``gandyn dirac``)."""
    if args.game == "dirac":
        if args.pd is not None:
            return "--pd is the data density of a pointwise game, not of the Dirac-GAN"
        for flag, value, users in (("--gamma", args.gamma, GAMMA_REGS),
                                   ("--sigma", args.sigma, SIGMA_REGS)):
            if value is not None and not set(args.reg) & set(users):
                return (f"{flag} is a parameter of {', '.join(users)}, which was not chosen "
                        f"(--reg {' '.join(args.reg) or '(none)'})")
        return None
    for flag, value in (("--loss", args.loss), ("--reg", args.reg), ("--gamma", args.gamma),
                        ("--sigma", args.sigma), ("--c", args.c)):
        if value not in (None, []):
            return f"{flag} applies to the Dirac-GAN only, not to --game {args.game}"
    return None


def run(args) -> int:
    import os

    if args.steps < 1 or args.fps < 1 or args.max_frames < 1 or args.dpi < 10:
        return _fail("--steps, --fps and --max-frames must be >= 1 and --dpi >= 10")
    if not args.out.lower().endswith((".gif", ".mp4")):
        return _fail(f"--out must end in .gif or .mp4, got {args.out!r}")
    folder = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(folder):
        return _fail(f"folder {folder!r} does not exist")
    refusal = _resolve_game(args) or _unused(args)
    if refusal:
        return _fail(refusal)
    fs = None
    if args.triple:
        from gandyn.commands import parse_triple
        from gandyn.expr import ExprError

        try:
            fs = parse_triple(args)
        except ExprError as e:
            return _fail(e)
    from gandyn.io import ensure_writable_output

    # before the work: a folder named like the file, a read-only folder, a full disk
    ensure_writable_output(args.out, folder=False)

    import jax

    jax.config.update("jax_enable_x64", True)
    from gandyn.animate import animate, dirac_game, resolve_updaters

    try:
        updaters = resolve_updaters(args.updaters, args.lr, args.n_disc)
        if args.game == "dirac":
            c = 0.0 if args.c is None else args.c
            game = dirac_game(fs or args.loss or "gan", tuple(args.reg),
                              gamma=1.0 if args.gamma is None else args.gamma,
                              sigma=0.0 if args.sigma is None else args.sigma, c=c)
            # the rest point's θ: c for a named loss, -f1'(0)/f2'(0) c for a triple
            theta = float(game.equilibrium.gen[0])
            start = args.start or (theta + 1.0, 1.0)
            if fs:
                regs = "".join(f" + {r}" for r in args.reg)
                title = _triple_title(fs, f"Dirac-GAN{regs}, c = {c:g}, lr {args.lr:g}",
                                      len(updaters))
            else:
                title = f"Dirac-GAN {game.name}, lr {args.lr:g}"
        else:
            from gandyn.games import pointwise

            pd = 1.0 if args.pd is None else args.pd
            if fs:
                game = _pointwise_triple(fs, pd)
            else:
                game = pointwise.by_name(args.game, pd)
            eq = game.equilibrium
            if eq is None:
                return _fail(f"game {args.game!r} has no rest point to start near; give --start")
            start = args.start or (float(eq.disc) + 0.2, float(eq.gen) + 0.2)
            refusal = _outside(game, start)
            if refusal:
                return _fail(refusal)
            title = (_triple_title(fs, f"p_d = {pd:g}, lr {args.lr:g}", len(updaters))
                     if fs else f"{game.name}, p_d = {pd:g}, lr {args.lr:g}")
        animate(game, updaters, start, args.steps, args.out, fps=args.fps, view=args.view,
                max_frames=args.max_frames, dpi=args.dpi, title=title)
    except (ValueError, RuntimeError) as e:
        return _fail(str(e).splitlines()[0] if str(e) else type(e).__name__)
    print(args.out)
    return 0


def _outside(game, start):
    """Why the pointwise start ``(D, p_g)`` lies outside the game's domain, or None: the
    losses are undefined there (log(1-D) at D > 1) or p_g is no density, so its path would
    be drawn through a field the game does not have."""
    from gandyn.games.base import State

    D, pg = start
    if bool(game.in_domain(State(pg, D))):
        return None
    box = game.domain
    o, c = ("[", "]") if box.disc_closed else ("(", ")")
    return (f"--start ({D:g}, {pg:g}) is outside the game's domain: D in "
            f"{o}{box.disc_low:g}, {box.disc_high:g}{c}, p_g >= {box.gen_low:g}")


def _pointwise_triple(fs, pd):
    """The pointwise game of the triple at its first rest point; ValueError without one."""
    from gandyn.games import pointwise
    from gandyn.games.roots import equilibria, infer_domain

    lo, hi = infer_domain(*fs)
    eq = equilibria(fs[0], fs[1], (lo, hi))
    if not eq.points:
        raise ValueError(f"the triple has no rest point: f1'+f2' has no root for D in "
                         f"({lo:g}, {hi:g}), so there is nothing to animate around")
    return pointwise.triple(*fs, pd=pd, D0=eq.representative, domain=(lo, hi),
                            continua=eq.continua)


def _triple_title(fs, header: str, columns: int) -> str:
    """``f1 = .., f2 = .., f3 = ..`` and then ``header`` (``a, b, c``; the frame counter
    follows it) on as few lines as the figure's width holds, never cutting an expression."""
    width = int(11 * (3.6 * columns + 0.4))  # characters of the 12-point title per figure

    def wrap(pieces, room):
        lines = [pieces[0]]
        for p in pieces[1:]:
            if len(lines[-1]) + 2 + len(p) > room:
                lines[-1] += ","
                lines.append(p)
            else:
                lines[-1] += ", " + p
        return lines

    return "\n".join(wrap([f"f{k} = {f}" for k, f in enumerate(fs, 1)], width)
                     + wrap(header.split(", "), width - 14))  # "   step 200/200"
