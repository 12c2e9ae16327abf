"""The stability atlas of every built-in game (the main job): table, atlas.md, atlas.json.

For every game of the registry (pointwise triples at p_d = 1, Dirac-GANs, bilinear games):
its equilibrium, the eigenvalues of the jacfwd Jacobian of the continuous field there, the
kind of rest point, the verdict (stable / marginal / unstable) and the largest stable learning
rate of simultaneous gradient steps. Example:

    gandyn atlas --out atlas-out          # prints the table, writes atlas-out/atlas.{md,json}
    gandyn atlas --section pointwise --json
    gandyn atlas --section pointwise --portraits   # + portraits/<section>_<game>.png
"""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("--out", default=".", metavar="DIR",
                        help="folder for atlas.md and atlas.json (default: current folder)")
    parser.add_argument("--section", action="append", default=None, metavar="NAME",
                        help="only this registry section (pointwise, dirac, bilinear); repeat")
    parser.add_argument("--portraits", action="store_true",
                        help="also draw each two-dimensional game's phase portrait into "
                             "DIR/portraits/ and link it from atlas.md (a few seconds a game)")
    fmt = parser.add_mutually_exclusive_group()  # one format on stdout
    fmt.add_argument("--json", action="store_true",
                     help="print the rows as one JSON object instead of the table")
    fmt.add_argument("--csv", action="store_true",
                     help="print the table as CSV instead (atlas.md and atlas.json are "
                          "written either way)")


def run(args) -> int:
    import json

    import gandyn  # noqa: F401  (x64)
    from gandyn import atlas

    atlas.ensure_writable_output(args.out)  # before the work: a bad --out fails at once
    if args.portraits:  # and a file named portraits, or an unwritable one, too
        import os

        atlas.ensure_writable_output(os.path.join(args.out, "portraits"))
    try:
        rows = atlas.atlas_rows(args.section)
    except ValueError as e:
        from gandyn.commands import fail

        return fail("atlas", e)
    if args.portraits:
        from gandyn.figures import portrait_hook
        from gandyn.progress import progress

        with progress(total=len(rows), desc="atlas portraits") as bar:
            def hook(row, game, out_dir):   # one step of the bar per game
                try:
                    return portrait_hook(row, game, out_dir)
                finally:
                    bar.advance()

            md, js = atlas.write_atlas(rows, args.out, hooks=[hook])
    else:
        md, js = atlas.write_atlas(rows, args.out)
    if args.json:
        with open(js, encoding="utf-8") as fh:
            print(json.dumps(json.load(fh)))
    elif args.csv:
        from gandyn.csvout import write_csv

        head, *body = atlas.csv_rows(rows)
        write_csv(head, body)
    else:
        print(atlas.to_text(rows))
        print(f"\nwrote {md} and {js}")
    return 0
