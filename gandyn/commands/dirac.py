"""Spectrum of the Dirac-GAN at its equilibrium, for a loss and regularisers.

Prints the equilibrium, the continuous-time eigenvalues of the jacfwd Jacobian, the kind of
rest point and the verdict (Mescheder, Geiger & Nowozin 2018). Example:

    gandyn dirac --loss gan --reg r1 --gamma 2 --json     # -1 ± sqrt(3)/2: stable node

--gamma is the weight of whichever weighted regulariser is chosen (γ of R1/R2, η of
Nagarajan–Kolter, λ of WGAN-GP / DRAGAN / LeCam); --sigma the instance-noise std.
Where the Jacobian is not defined (WGAN-GP or DRAGAN with a target norm k > 0) the output says
so: kind "non-smooth", no eigenvalues, the jump of the field at ψ = 0 and the set of
(Filippov) rest points {ψ = 0, |θ - c| <= 2λk/f'(0)} that replaces the isolated equilibrium.
"""

from __future__ import annotations

# Kept here (equal to gandyn.games.dirac.LOSSES / REGULARISERS, checked by the tests) so that
# `gandyn --help` does not import jax.
LOSSES = ("gan", "nsgan", "wgan", "lsgan", "hinge")
REGS = ("r1", "r2", "noise", "wgan-gp", "clip", "nk", "dragan", "lecam")


def add_arguments(parser) -> None:
    parser.add_argument("--loss", choices=LOSSES, default="gan", help="loss (default gan)")
    parser.add_argument("--reg", choices=REGS, action="append", default=[],
                        help="regulariser; repeat to compose (e.g. --reg r1 --reg noise)")
    parser.add_argument("--gamma", type=float, default=1.0,
                        help="weight of the regulariser (γ, η or λ; default 1)")
    parser.add_argument("--sigma", type=float, default=0.5,
                        help="instance-noise std σ (default 0.5; used with --reg noise)")
    parser.add_argument("--g0", type=float, default=1.0,
                        help="target gradient norm of WGAN-GP / DRAGAN (default 1)")
    parser.add_argument("--clip", type=float, default=0.1,
                        help="clipping bound C (default 0.1; used with --reg clip)")
    parser.add_argument("--rate", type=float, default=1.0,
                        help="LeCam anchor rate ρ (default 1)")
    parser.add_argument("--c", type=float, default=0.0,
                        help="data point, every coordinate (default 0, the paper's)")
    parser.add_argument("--dim", type=int, default=1, help="dimension n (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _fmt(z):
    re, im = z
    return f"{re:+.10f} {'+' if im >= 0 else '-'} {abs(im):.10f}i"


def run(args) -> int:
    import json
    import sys

    import gandyn  # noqa: F401  (x64)
    from gandyn.games.dirac import analyse, dirac

    g = args.gamma
    try:
        game = dirac(args.loss, tuple(args.reg), dim=args.dim, c=args.c, gamma=g,
                     sigma=args.sigma, lam=g, g0=args.g0, clip=args.clip, eta=g,
                     dragan_lam=g, dragan_k=args.g0, lecam_lam=g, lecam_rate=args.rate)
    except ValueError as e:
        print(f"gandyn dirac: error: {e}", file=sys.stderr)
        return 2
    rep = analyse(game)
    regs = dict(game.info)["reg"]
    out = {
        "game": game.name,
        "loss": args.loss,
        "reg": list(regs),
        "dim": args.dim,
        "params": {"c": args.c, "gamma": g, "sigma": args.sigma, "g0": args.g0,
                   "clip": args.clip, "rate": args.rate},
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
    print(f"Dirac-GAN {game.name}  (dim {args.dim}, data point c = {args.c:g})")
    eq = out["equilibrium"]
    disc = "(psi, [alpha_R, alpha_F])" if "lecam" in regs else "psi"
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
