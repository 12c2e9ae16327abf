"""Animate update rules over a game's field: a GIF (or an MP4 when ffmpeg is installed).

One column per update rule: the iterates over the field's streamlines and, for the 1-D
Dirac-GAN, the view of Mescheder et al. (2018): the data point x = c, the generator's point
x = θ and the discriminator's line D(x) = ψx. Examples:

    gandyn animate --updaters simultaneous alternating extragradient --out anim.gif
    gandyn animate --loss gan --reg r1 --gamma 0.3 --updaters simultaneous --steps 200 --out r1.gif
    gandyn animate --game classic --pd 0.5 --start 0.7 0.2 --updaters simultaneous --out c.gif
    gandyn animate --updaters simultaneous alternating --n-disc 2 --out two.gif

Alternating rules play one critic step per generator step unless --n-disc says otherwise; each
column's title states the schedule its rule plays.
"""

from __future__ import annotations

import sys

from gandyn.cli import bounded_int, finite_float

#: --start and --c: plane coordinates; the plotted window spans the start and the rest point,
#: and a wider one cannot resolve the rest point (nor, near 1e308, have a finite width)
MAX_COORD = 1e6
#: --lr: one step of size 100 already leaves the plotted window of every built-in game
MAX_LR = 100.0
#: the Dirac-GAN regularisers that use --gamma (R1/R2 weight, NK's η) and --sigma
GAMMA_REGS, SIGMA_REGS = ("r1", "r2", "nk"), ("noise",)


def add_arguments(parser) -> None:
    parser.add_argument("--game", default="dirac", metavar="NAME",
                        help="'dirac' (default) or a built-in pointwise game (e.g. classic)")
    parser.add_argument("--loss", default=None, help="Dirac-GAN loss (default gan)")
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
                        help="in-plane start: (θ, ψ) for the Dirac-GAN (default c+1, 1), "
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
    refusal = _unused(args)
    if refusal:
        return _fail(refusal)
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
            game = dirac_game(args.loss or "gan", tuple(args.reg),
                              gamma=1.0 if args.gamma is None else args.gamma,
                              sigma=0.0 if args.sigma is None else args.sigma, c=c)
            start = args.start or (c + 1.0, 1.0)
            title = f"Dirac-GAN {game.name}, lr {args.lr:g}"
        else:
            from gandyn.games import pointwise

            pd = 1.0 if args.pd is None else args.pd
            game = pointwise.by_name(args.game, pd)
            eq = game.equilibrium
            if eq is None:
                return _fail(f"game {args.game!r} has no rest point to start near; give --start")
            start = args.start or (float(eq.disc) + 0.2, float(eq.gen) + 0.2)
            title = f"{game.name}, p_d = {pd:g}, lr {args.lr:g}"
        animate(game, updaters, start, args.steps, args.out, fps=args.fps, view=args.view,
                max_frames=args.max_frames, dpi=args.dpi, title=title)
    except (ValueError, RuntimeError) as e:
        return _fail(str(e).splitlines()[0] if str(e) else type(e).__name__)
    print(args.out)
    return 0
