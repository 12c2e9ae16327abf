"""Regenerate the committed figures (figures/*.png) with a progress bar (gandyn.progress).

    gandyn figures                    # every figure into figures/
    gandyn figures --only dirac_grid  # one figure
    gandyn figures --smoke --out /tmp/f   # small grids and few steps (minutes for all)
    gandyn figures --list             # names and captions
"""

from __future__ import annotations

import sys
import time

from gandyn.cli import bounded_int


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="figures", help="output directory (default: figures/)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="make only this figure (repeatable); see --list")
    parser.add_argument("--smoke", action="store_true",
                        help="small grids and few steps: checks every recipe (a few minutes for all of "
                             "them on a 2-core CPU; --only NAME for one)")
    parser.add_argument("--dpi", type=bounded_int(20, 1200, "a slide needs ~100; 1200 is print "
                                                  "quality, beyond that only memory grows"),
                        default=110, help="resolution, 20..1200 (default 110)")
    parser.add_argument("--list", action="store_true", help="list the figures and exit")


def run(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from gandyn import figures

    if args.list:
        for f in figures.FIGURES:
            print(f"{f.name:26s} {f.caption}")
        return 0
    chosen = args.only or list(figures.names())
    unknown = [n for n in chosen if n not in figures.names()]
    if unknown:
        print(f"gandyn figures: unknown figure(s) {', '.join(unknown)}; valid: "
              f"{', '.join(figures.names())}", file=sys.stderr)
        return 2
    figures.ensure_writable_output(args.out)  # before the work: a bad --out fails at once
    from gandyn.progress import progress

    t_all = time.perf_counter()
    # the bar (stderr, a terminal only) moves per figure; one plain line per figure on stdout
    with progress(total=len(chosen), desc="figures") as bar:
        for name in chosen:
            t0 = time.perf_counter()
            path = figures.make(name, args.out, smoke=args.smoke, dpi=args.dpi)
            print(f"{path} ({time.perf_counter() - t0:.1f} s)", flush=True)
            bar.advance()
    print(f"{len(chosen)} figure(s) in {time.perf_counter() - t_all:.1f} s -> {args.out}/")
    return 0
