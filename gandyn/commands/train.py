"""Train many small GANs at once on low-dimensional data and tabulate how they end.

Every loss x updater x learning rate x gamma combination is a configuration of --seeds GANs,
trained together in one jitted program (minibatches drawn fresh every step; n_disc critic
steps per round, weight clipping after every critic step). For each configuration the table
gives the statuses (running / diverged / non-finite) and, over the seeds, the final metrics:
modes covered and high-quality fraction (ring, grid, mixture), exact W1 to the 1-D mixture,
mean distance to the segment (line). Examples:

    gandyn train --data ring --loss wgan-gp --updater alternating --seeds 256 --steps 2000
    gandyn train --loss gan nsgan lsgan hinge --seeds 64 --steps 1000 --json
    gandyn train --data mixture --loss nsgan --lr 1e-4 1e-3 --out train-out

Losses: gan nsgan lsgan wgan-clip wgan-gp sngan hinge dragan ratio-clip; updaters: default
(the loss's own optimiser: Adam, RMSProp for wgan-clip), adam, rmsprop, alternating (gradient
steps), simultaneous, extragradient, optimistic, consensus. ratio-clip (probability-ratio
clipping with re-weighted critic, Wu et al. 2020) is its own rule: updater default only.
"""

from __future__ import annotations

from gandyn import train_defaults as _defaults
from gandyn.cli import bounded_int, finite_float

#: train computes in float32: a rate or weight beyond this is no float32 number
FLOAT32_MAX = 3.4028234663852886e38

VALUE_OPTIONS = ("--lsgan-targets",)
DATA = ("ring", "grid", "mixture", "line")
LOSSES = ("gan", "nsgan", "lsgan", "wgan-clip", "wgan-gp", "sngan", "hinge", "dragan",
          "ratio-clip")
UPDATERS = ("default", "adam", "rmsprop", "alternating", "simultaneous", "extragradient",
            "optimistic", "consensus")


def add_arguments(parser) -> None:
    # literal lists (gandyn.train imports jax; --help stays instant); tests compare them. The
    # defaults are gandyn.train_defaults' (no jax), the same constants as gandyn.train.train's
    d = _defaults
    parser.add_argument("--data", default=d.DATA, choices=DATA,
                        help=f"data set (default {d.DATA})")
    parser.add_argument("--loss", nargs="+", default=[d.LOSS], choices=LOSSES,
                        help=f"one or more losses (default {d.LOSS})")
    parser.add_argument("--updater", nargs="+", default=[d.UPDATER], choices=UPDATERS,
                        help=f"one or more update rules (default {d.UPDATER}: the loss's own "
                             "optimiser, Adam, or RMSProp for wgan-clip)")
    parser.add_argument("--seeds", type=int, default=d.SEEDS,
                        help=f"GANs per configuration (default {d.SEEDS})")
    parser.add_argument("--steps", type=bounded_int(0, 10**9), default=d.STEPS,
                        help="training rounds per GAN (0: the metrics at initialisation; "
                             f"default {d.STEPS})")
    parser.add_argument("--record-every", type=int, default=None,
                        help=f"metrics every K steps (default steps/{d.RECORDS})")
    # float32 numbers (finite_float would let 1e39 through to an overflow in the cast)
    parser.add_argument("--lr", type=_f32(0, open_lo=True), nargs="+", default=None,
                        help=f"learning rates > 0 (default {d.LR:g} for every loss and rule; "
                             "the papers used 1e-4 (Adam), 5e-5 (RMSProp, wgan-clip), and plain "
                             "gradient rules (alternating, simultaneous, extragradient, "
                             "optimistic, consensus) move slowly at it: the README's "
                             "comparison gives them 0.05)")
    parser.add_argument("--lr-disc", type=_f32(0, open_lo=True), nargs="+", default=None,
                        help="critic learning rates > 0 (default: = lr)")
    parser.add_argument("--gamma", type=_f32(0), nargs="+", default=None,
                        help="clip bound / penalty weight >= 0 of wgan-clip, wgan-gp, dragan "
                             "and ratio-clip (default: the loss's: 0.01 for wgan-clip, 10 for "
                             "the others)")
    parser.add_argument("--n-disc", type=int, default=None,
                        help="critic steps per round (default: the loss's: 5 for wgan-clip, "
                             "wgan-gp and ratio-clip, 1 for the others)")
    parser.add_argument("--width", type=int, default=d.WIDTH,
                        help=f"hidden units per layer of G and D (default {d.WIDTH})")
    parser.add_argument("--depth", type=bounded_int(0, 32), default=d.DEPTH,
                        help=f"hidden layers, 0..32 (default {d.DEPTH})")
    parser.add_argument("--batch", type=int, default=d.BATCH,
                        help=f"minibatch of data and of latents per step (default {d.BATCH})")
    parser.add_argument("--eval-samples", type=int, default=d.N_EVAL,
                        help=f"generator samples per metric record (default {d.N_EVAL})")
    parser.add_argument("--lsgan-targets", default=None, metavar="A,B,C",
                        help="LSGAN targets a (fakes), b (data), c (generator); --loss lsgan "
                             "only (default -1,1,1)")
    parser.add_argument("--seed", type=bounded_int(0, 2**31 - 1), default=0,
                        help="first seed (default 0)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of the table (default: the table)")
    parser.add_argument("--out", default=None,
                        help="folder for train.json, train.md, curves.png and samples.png "
                             "(default: none, nothing written)")


def _f32(lo, *, open_lo=False):
    """argparse ``type``: ``finite_float(lo, ...)`` that is also a float32 number."""
    base = finite_float(lo, open_lo=open_lo)

    def parse(text):
        import argparse

        x = base(text)
        if abs(x) > FLOAT32_MAX:
            raise argparse.ArgumentTypeError(
                f"{text!r} is finite but not a float32 number (train computes in float32, "
                f"largest {FLOAT32_MAX:.3g})")
        return x

    parse.__name__ = "finite_float"
    return parse


#: seconds between progress lines when stderr is not a terminal
PROGRESS_EVERY = 3.0
#: generator samples per seed drawn for samples.png, and the seeds shown per configuration
SAMPLES, SHOWN = 512, 4

#: losses that use --gamma (the clip bound or the penalty weight)
GAMMA_LOSSES = ("wgan-clip", "wgan-gp", "dragan", "ratio-clip")


def _memory(args) -> str | None:
    """The refusal when the largest array cannot fit: every GAN's parameters (generator and
    critic, the (depth-1) width x width layers dominate) times the seeds of a configuration,
    in float32, or the activations of a batch through every layer."""
    from gandyn.commands import memory_refusal

    w, depth, seeds = args.width, args.depth, args.seeds
    per_net = max(depth - 1, 0) * (w * w + w) + 16 * (w + 1)
    params = 2 * per_net * seeds * 4
    acts = seeds * max(args.batch, args.eval_samples) * w * max(depth, 1) * 4
    big = max(params, acts)
    what = ("the parameters of the GANs" if params >= acts else "the activations of a batch")
    return memory_refusal(what, big, f"--width {w} --depth {depth} --seeds {seeds}")


def _fmt(s, digits=3):
    if s["mean"] is None:
        return "-"
    return f"{s['mean']:.{digits}g} ± {s['sd']:.2g} [{s['q10']:.3g}, {s['median']:.3g}, " \
           f"{s['q90']:.3g}]"


def render(rows) -> str:
    head = ["loss", "updater", "n_disc", "lr", "gamma", "seeds", "run/div/nan"]
    metrics = list(rows[0]["final"]) if rows else []
    head += [f"{m}: mean ± sd [q10, median, q90]" for m in metrics]
    body = []
    for r in rows:
        st = r["status"]
        body.append([r["loss"], r["updater"], str(r["n_disc"]), f"{r['lr']:.3g}",
                     f"{r['gamma']:.3g}", str(r["seeds"]),
                     f"{st['running']}/{st['diverged']}/{st['non_finite']}"]
                    + [_fmt(r["final"][m]) for m in metrics])
    widths = [max(len(x[i]) for x in body + [head]) for i in range(len(head))]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths)),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(x, widths)) for x in body]
    return "\n".join(out + [""] + legend(rows[0]["data"] if rows else None, metrics))


#: modes of each data set with modes (the denominator of "modes")
N_MODES = {"ring": 8, "grid": 25, "mixture": 3}


def legend(data, metrics) -> list:
    """The lines under the table that define its abbreviations."""
    lines = ["run/div/nan: seeds running / diverged (|parameter| > 1e6) / non-finite at the end;"
             " n_disc: critic steps per round; gamma: clip bound or penalty weight",
             "metrics at the last step over the seeds still running: mean ± sd "
             "[q10 = 10 % quantile, median, q90 = 90 % quantile]"]
    what = {"modes": f"modes: modes covered (of {N_MODES.get(data, '?')}): a mode is covered "
                     "when >= 1 % of the samples lie within 3 sigma of it",
            "hq": "hq: high-quality fraction, the share of samples within 3 sigma of some mode",
            "w1": "w1: exact Wasserstein-1 distance to the data's mixture (smaller is better)",
            "distance": "distance: mean distance of the samples to the data's segment "
                        "(smaller is better)"}
    return lines + [what[m] for m in metrics if m in what]


def _curve_label(c, curves) -> str:
    """``loss/updater lr=..`` plus the critic's rate and γ where the curves differ in them."""
    text = f"{c['loss']}/{c['updater']} lr={c['lr']:.2g}"
    if any(d["lr_disc"] != d["lr"] for d in curves):
        text += f" lr_disc={c['lr_disc']:.2g}"
    if len({d["gamma"] for d in curves}) > 1:
        text += f" γ={c['gamma']:.2g}"
    return text


def _curves_writer(curves):
    """``write(path)`` of the curves figure (for ``atomic_write_many``): one line per
    configuration, the mean over its live seeds (a gap where none is live)."""
    from matplotlib.figure import Figure

    metric = list(curves[0]["mean"])[-1 if "w1" in curves[0]["mean"] else 0]
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.subplots()
    for c in curves:
        ax.plot(c["steps"], c["mean"][metric], lw=2, label=_curve_label(c, curves))
    ax.set_xlabel("step", fontsize=12)
    ax.set_ylabel(f"{metric} (mean over live seeds)", fontsize=12)
    ax.legend(fontsize=9)
    return lambda tmp: fig.savefig(tmp, dpi=110)


def _panels(tr, rows, x) -> list:
    """One panel per configuration (the rows of ``tr.table()``): the samples ``x`` of its
    first ``SHOWN`` seeds, their seeds and their final value of the first metric."""
    import numpy as np

    res = tr.result
    metric = "modes" if "modes" in res.metrics else list(res.metrics)[0]
    out = []
    for row in rows:
        sel = np.all([res.hp[n] == np.float32(row[n]) for n in res.hp], axis=0)
        idx = np.flatnonzero(sel)[:SHOWN]
        out.append({"label": _curve_label(row, rows), "x": x[idx], "seeds": res.seed[idx],
                    "metric": metric, "final": res.metrics[metric][idx, -1]})
    return out


def _samples_figure(panels, data):
    """The figure of samples.png: one panel per configuration, a few seeds' samples (one
    colour each) over the data (grey) and its modes."""
    import jax
    import numpy as np
    from matplotlib.figure import Figure

    from gandyn.train import DATASETS

    spec = DATASETS[data]
    ref = np.asarray(spec["sample"](jax.random.PRNGKey(0), 2000))
    n = len(panels)
    ncols = min(4, n)
    nrows = -(-n // ncols)
    fig = Figure(figsize=(3.6 * ncols, 3.5 * nrows + 0.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    colors = ("tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown")
    lim = 1.5 * float(np.max(np.abs(ref)))
    for ax, p in zip(axes, panels):
        if ref.shape[1] == 1:
            bins = np.linspace(-lim, lim, 61)
            ax.hist(ref[:, 0], bins, density=True, color="0.8", label="data")
            for j, x in enumerate(p["x"]):
                ax.hist(np.clip(x[:, 0], -lim, lim), bins, density=True, histtype="step",
                        lw=1.6, color=colors[j % len(colors)], label=f"seed {p['seeds'][j]}")
            ax.set_yticks([])
        else:
            ax.scatter(ref[:, 0], ref[:, 1], s=3, c="0.75", label="data")
            for j, x in enumerate(p["x"]):
                ax.scatter(x[:, 0], x[:, 1], s=3, alpha=0.5, c=colors[j % len(colors)],
                           label=f"seed {p['seeds'][j]}")
            if "modes" in spec:
                m = np.asarray(spec["modes"])
                ax.scatter(m[:, 0], m[:, 1], s=40, marker="+", c="k", lw=1, label="modes")
            ax.set_ylim(-lim, lim)
            ax.set_aspect("equal")
        ax.set_xlim(-lim, lim)
        ax.tick_params(labelsize=8)
        vals = " ".join("-" if not np.isfinite(v) else f"{v:.3g}" for v in p["final"])
        ax.set_title(f"{p['label']}\n{p['metric']} per seed ('-': failed): {vals}", fontsize=9)
    handles, names = axes[0].get_legend_handles_labels()
    # one row of ~6 entries is wider than a single 3.6-inch panel: about 3 per panel width
    fig.legend(handles, names, loc="outside lower center", ncol=min(len(names), 3 * ncols),
               fontsize=9, markerscale=3)
    fig.suptitle(f"{data}: final samples of the first {SHOWN} seeds\nof each configuration "
                 f"(one colour per seed)", fontsize=11)
    return fig


def _samples_writer(panels, data):
    """``write(path)`` of samples.png (``_samples_figure``)."""
    fig = _samples_figure(panels, data)
    return lambda tmp: fig.savefig(tmp, dpi=110)


def run(args) -> int:
    import json

    from gandyn.commands import fail as _fail

    def fail(msg):
        return _fail("train", msg)

    text = "-1,1,1" if args.lsgan_targets is None else args.lsgan_targets
    try:
        targets = tuple(float(v) for v in text.split(","))
        assert len(targets) == 3
    except (ValueError, AssertionError):
        return fail(f"--lsgan-targets takes three numbers A,B,C, got {text!r}")
    if args.lsgan_targets is not None and "lsgan" not in args.loss:
        return fail(f"--lsgan-targets applies to --loss lsgan, which was not chosen "
                    f"(--loss {' '.join(args.loss)})")
    if args.gamma is not None and not set(args.loss) & set(GAMMA_LOSSES):
        return fail(f"--gamma is the clip bound / penalty weight of {', '.join(GAMMA_LOSSES)}, "
                    f"none of which was chosen (--loss {' '.join(args.loss)})")
    import math

    if not all(math.isfinite(t) and abs(t) <= FLOAT32_MAX for t in targets):
        return fail(f"--lsgan-targets must be three finite float32 numbers, got {text!r}")
    for name in ("seeds", "steps", "width", "batch", "eval_samples"):
        v = getattr(args, name)
        if v < (0 if name == "steps" else 1):
            return fail(f"--{name.replace('_', '-')} must be positive, got {v}")
    if args.depth < 0 or (args.n_disc is not None and args.n_disc < 1):
        return fail("need --depth >= 0 and --n-disc >= 1")
    refusal = _memory(args)
    if refusal:
        return fail(refusal)
    rec = args.record_every or max(1, args.steps // 10)
    if rec < 1:
        return fail(f"--record-every must be positive, got {rec}")
    for name in ("lr", "lr_disc", "gamma"):
        v = getattr(args, name)
        if v is not None and any(not (x >= 0 and x < float("inf")) for x in v):
            return fail(f"--{name.replace('_', '-')} values must be finite and >= 0")
    import gandyn  # noqa: F401  (x64)
    from gandyn.progress import progress
    from gandyn.train import Config, samples, train

    jobs = [(loss, upd) for loss in args.loss for upd in args.updater]
    for loss, upd in jobs:
        try:
            Config(loss=loss, data=args.data, updater=upd, n_disc=args.n_disc).validate()
        except ValueError as e:
            return fail(str(e))
    out = None
    if args.out:  # after every refusal: a refused run leaves no empty folder behind
        from gandyn.io import ensure_writable_output

        out = ensure_writable_output(args.out)
    curves, rows, panels = [], [], []
    try:
        for i, (loss, upd) in enumerate(jobs):
            # a bar on a terminal; redirected, a plain line every few seconds (with an ETA)
            desc = "step" if len(jobs) == 1 else f"{loss}/{upd} ({i + 1}/{len(jobs)}) step"
            with progress(total=args.steps, desc=desc, off_tty="lines",
                          every=PROGRESS_EVERY) as bar:
                tr = train(loss, args.data, updater=upd, seeds=args.seeds, steps=args.steps,
                           record_every=min(rec, args.steps) if args.steps else None,
                           lr=args.lr, lr_disc=args.lr_disc, gamma=args.gamma,
                           n_disc=args.n_disc, seed0=args.seed, width=args.width,
                           depth=args.depth, batch=args.batch, n_eval=args.eval_samples,
                           lsgan_targets=targets, keep_final=out is not None,
                           progress=lambda step, steps: bar.update(step))
            curves.extend(tr.curves_by_config())
            rows.extend(tr.table())
            if out is not None:
                panels.extend(_panels(tr, tr.table(), samples(tr, SAMPLES)))
    except ValueError as e:
        return fail(str(e))
    doc = {"command": "train", "data": args.data, "steps": args.steps, "seeds": args.seeds,
           "width": args.width, "depth": args.depth, "batch": args.batch,
           "note": "final metrics over the seeds still running; curves: one per row, the "
                   "mean over the seeds live at each step and how many; null: no such value",
           "rows": rows,
           "curves": curves}
    from gandyn.io import finite_json

    doc, _ = finite_json(doc)   # the nulls are the "no such value" of the note
    files = {}
    if out:
        import os

        names = ("train.json", "train.md", "curves.png", "samples.png")
        files = dict.fromkeys(os.path.join(out, n) for n in names)
        doc["files"] = list(files)
    text = json.dumps(doc, allow_nan=False)
    if out:
        from gandyn.io import atomic_write_many

        paths = list(files)
        atomic_write_many(dict(zip(paths, (text + "\n", render(rows) + "\n",
                                           _curves_writer(curves),
                                           _samples_writer(panels, args.data)))))
    print(text if args.json else render(rows))
    if files and not args.json:
        print(f"\nwrote {', '.join(files)}")
    return 0
