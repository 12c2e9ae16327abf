"""Figures of the parametric kernel K_θ (registered in ``gandyn.figures.FIGURES``).

Records as in :mod:`gandyn.figures.record`: ``Figure(name, caption, make)`` with ``make(smoke)``
returning a matplotlib figure. Networks come from :mod:`gandyn.players`, kernels from
:mod:`gandyn.kernel`, spectra from :mod:`gandyn.analysis.kernel`, flows from
:mod:`gandyn.particles`; nothing here computes maths of its own.
"""

from __future__ import annotations


import numpy as np
from matplotlib.figure import Figure as MplFigure

from gandyn.figures.record import Figure

__all__ = ["FIGURES"]




def _ring(n):
    t = 2 * np.pi * np.arange(n) / n
    return np.stack([np.cos(t), np.sin(t)], 1)


ARCHS = (("relu, ∞", dict(arch="relu")),
         ("erf, ∞", dict(arch="erf")),
         ("tanh, width 64", dict(arch="tanh", width=64)),
         ("relu + BatchNorm, width 64", dict(arch="relu", width=64, batchnorm=True)))


def fig_kernel_matrices(smoke=False):
    from gandyn.analysis.kernel import architecture_kernel

    n = 16 if smoke else 48
    xs = _ring(n)
    fig = MplFigure(figsize=(15, 7.2), layout="constrained")
    axes = fig.subplots(2, len(ARCHS))
    for k, (label, kw) in enumerate(ARCHS):
        K = np.asarray(architecture_kernel(xs, depth=2, w_std=1.5, b_std=0.05, **kw))
        im = axes[0, k].imshow(K, cmap="viridis")
        fig.colorbar(im, ax=axes[0, k], shrink=0.8)
        axes[0, k].set_title(label, fontsize=13)
        axes[0, k].set_xlabel("j (angle 2πj/N)")
        axes[0, k].set_ylabel("i")
        ev = np.sort(np.linalg.eigvalsh(K))[::-1]
        axes[1, k].semilogy(np.arange(1, n + 1), np.maximum(ev, 1e-16), "o-", ms=4)
        axes[1, k].set_xlabel("index")
        axes[1, k].set_ylabel("eigenvalue κ of K")
        axes[1, k].grid(alpha=0.3)
    fig.suptitle(f"NTK K(x_i, x_j) of depth-2 MLPs on {n} points of the unit circle "
                 "(W_std 1.5, b_std 0.05) and its spectrum", fontsize=14)
    return fig


def fig_kernel_width(smoke=False):
    import jax.numpy as jnp

    from gandyn.analysis.kernel import architecture_kernel, grid_spectrum, predicted_eigenvalues
    from gandyn.expr import parse
    from gandyn.games.grid import grid

    fs = [parse(t) for t in ("log(x)", "log(1-x)", "-log(1-x)")]
    n, pd = (8, 0.5) if smoke else (12, 0.5)
    xs = _ring(n)
    kw = dict(arch="relu", depth=2, w_std=1.5, b_std=0.05)
    eig_widths = (16, 256) if smoke else (16, 64, 256, 1024)
    widths = (16, 64, 256) if smoke else (16, 32, 64, 128, 256, 512, 1024, 2048)
    n_init = 3 if smoke else 10
    fig = MplFigure(figsize=(14.5, 6.4), layout="constrained")
    ax, ax2 = fig.subplots(1, 2)
    colors = ["tab:orange", "tab:green", "tab:red", "tab:purple"]
    kinf = np.asarray(architecture_kernel(xs, **kw))
    pred = predicted_eigenvalues(*fs, 0.5, pd, np.linalg.eigvalsh(kinf))
    ax.plot(-pred.real, pred.imag, "o", mfc="none", mec="black", ms=12, mew=1.6,
            label="pointwise pair scaled by κ (∞-width K)")
    for w, c in zip(eig_widths, colors):
        K = architecture_kernel(xs, width=w, **kw)
        ev = grid_spectrum(grid(*fs, kernel=K, pd=pd, D0=0.5, domain=(0.0, 1.0)))
        ax.plot(-ev.real, ev.imag, "x", color=c, ms=8, mew=1.8, label=f"width {w} (one init)")
    g = grid(*fs, kernel=jnp.eye(n), pd=pd, D0=0.5, domain=(0.0, 1.0))
    ev = grid_spectrum(g)
    ax.plot(-ev.real, ev.imag, "*", color="tab:blue", ms=15, label="K = I: the pointwise game")
    ax.set_xscale("log")
    ax.set_xlabel("-Re λ  (decay rate; all > 0: stable)", fontsize=12)
    ax.set_ylabel("Im λ", fontsize=12)
    ax.set_title(f"classic triple, p_d = {pd}, {n} ring points: eigenvalues of the filtered game",
                 fontsize=12)
    ax.legend(fontsize=10, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3)
    ax.grid(alpha=0.3, which="both")
    # relative Frobenius error of the empirical NTK, n_init independent initialisations a width
    err = np.array([[np.linalg.norm(np.asarray(architecture_kernel(xs, width=w, seed=s, **kw))
                                    - kinf) / np.linalg.norm(kinf) for s in range(n_init)]
                    for w in widths])
    mean, sd = err.mean(1), err.std(1, ddof=1)
    wv = np.asarray(widths, float)
    ax2.errorbar(wv, mean, yerr=sd, fmt="o-", lw=2, ms=7, capsize=5, color="tab:blue",
                 label=f"mean ± sd over {n_init} inits")
    # the 1/sqrt(width) law through the points (least squares in log space, slope fixed)
    c0 = np.exp(np.mean(np.log(mean) + 0.5 * np.log(wv)))
    ax2.loglog(wv, c0 / np.sqrt(wv), "--", color="gray", lw=1.8, label="∝ 1/sqrt(width)")
    slope = np.polyfit(np.log(wv), np.log(mean), 1)[0]
    ax2.set_xscale("log", base=2)
    ax2.set_yscale("log")
    ax2.set_xticks(wv, [str(w) for w in widths])
    ax2.minorticks_off()
    ax2.set_xlabel("width", fontsize=12)
    ax2.set_ylabel("||K_emp - Θ||_F / ||Θ||_F", fontsize=12)
    ax2.set_title(f"empirical NTK -> infinite-width NTK (fitted slope {slope:.2f}; "
                  "theory -0.5)", fontsize=12)
    ax2.legend(fontsize=11)
    ax2.grid(alpha=0.3, which="both")
    fig.suptitle("ReLU MLP, depth 2, NTK parameterisation (W_std 1.5, b_std 0.05): every κ > 0 "
                 "keeps the pointwise pair's signs, and K converges like 1/sqrt(width)",
                 fontsize=13)
    return fig


def fig_kernel_verdicts(smoke=False):
    from gandyn.analysis.kernel import architecture_kernel, check_kernel
    from gandyn.expr import parse

    triples = {"classic": (("log(x)", "log(1-x)", "-log(1-x)"), 0.5, (0.0, 1.0)),
               "quadratic": (("-x**2/2", "x", "-x"), 1.0, (-10.0, 10.0)),
               "quadratic, f3 = +D": (("-x**2/2", "x", "x"), 1.0, (-10.0, 10.0))}
    acts = ("relu", "leaky_relu", "tanh", "sigmoid", "gelu", "softplus", "erf")
    n = 12 if smoke else 24
    xs = _ring(n)
    cols = [(a, False) for a in acts] + [(a, True) for a in ("relu", "tanh")]
    widths = (4, 64)
    fig = MplFigure(figsize=(15, 6.5), layout="constrained")
    axes = fig.subplots(1, len(widths))
    code = {"stable": 0, "marginal": 1, "unstable": 2, "undetermined": 3}
    cmap = __import__("matplotlib").colors.ListedColormap(
        ["#4caf50", "#ffc107", "#e53935", "#9e9e9e"])
    for ax, w in zip(axes, widths):
        grid_v = np.zeros((len(triples), len(cols)))
        rates = np.zeros_like(grid_v)
        for j, (a, bn) in enumerate(cols):
            K = architecture_kernel(xs, arch=a, depth=1 if w == 4 else 2, width=w,
                                    w_std=1.5, b_std=0.05, batchnorm=bn)
            for i, (texts, d0, dom) in enumerate(triples.values()):
                rep = check_kernel(*[parse(t) for t in texts], kernel=K, pd=0.5, D0=d0,
                                   domain=dom)
                grid_v[i, j] = code[rep.verdict]
                rates[i, j] = rep.max_real
        ax.imshow(grid_v, cmap=cmap, vmin=-0.5, vmax=3.5, aspect="auto")
        for i in range(len(triples)):
            for j in range(len(cols)):
                ax.text(j, i, f"{rates[i, j]:+.1e}", ha="center", va="center", fontsize=8.5)
        ax.set_xticks(range(len(cols)),
                      [a + (" +BN" if bn else "") for a, bn in cols], rotation=40, ha="right",
                      fontsize=10)
        ax.set_yticks(range(len(triples)), list(triples), fontsize=11)
        depth = 1 if w == 4 else 2
        ax.set_title(f"width {w}, depth {depth}: {n} ring points, p_d = 0.5", fontsize=12)
    fig.suptitle("Verdict of the filtered game (green stable, amber marginal, red unstable; "
                 "text: max Re λ)\nA positive definite kernel cannot flip a sign; a singular "
                 "one (width 4; numerically, sigmoid and softplus) leaves the generator's error "
                 "in null(K) uncorrected", fontsize=12)
    return fig


def fig_particles_ring(smoke=False):
    import jax

    from gandyn.particles import flow_infinite, ring8

    real = ring8(jax.random.PRNGKey(0), 200 if smoke else 500)
    fake = jax.random.normal(jax.random.PRNGKey(1), (200 if smoke else 500, 2))
    steps = 40 if smoke else 400
    _, hist = flow_infinite(_RingKernel(), real, fake, steps=steps, lr=0.02, record=4)
    snaps = [np.asarray(fake)] + [np.asarray(h) for h in hist]
    fig = MplFigure(figsize=(16, 4.0), layout="constrained")
    axes = fig.subplots(1, len(snaps))
    every = steps // 4
    for k, (ax, y) in enumerate(zip(axes, snaps)):
        ax.scatter(*np.asarray(real).T, s=4, color="tab:blue", alpha=0.35, label="data")
        ax.scatter(*y.T, s=5, color="tab:red", alpha=0.7, label="particles")
        ax.set_aspect("equal")
        ax.set_xlim(-8, 8)
        ax.set_ylim(-8, 8)
        ax.set_title(f"step {k * every}", fontsize=12)
    axes[0].legend(loc="lower left", fontsize=9, markerscale=3)
    fig.suptitle("Particles following ∇D_t of the infinite-width ReLU NTK discriminator "
                 "D_t(x) = t(mean K(x, data) - mean K(x, particles)), 8-Gaussian ring, "
                 "lr 0.02", fontsize=12)
    return fig


class _RingKernel:
    """The ReLU NTK of depth 2 (W_std 1.5, b_std 0.5), hashable for jit."""

    def __call__(self, x, y):
        from gandyn.kernel import relu_ntk

        return relu_ntk(x, y, depth=2, w_std=1.5, b_std=0.5)[0]

    def __hash__(self):
        return 0

    def __eq__(self, other):
        return isinstance(other, _RingKernel)


FIGURES = (
    Figure("kernel_matrices", "The NTK of depth-2 MLPs on points of the unit circle (relu and "
           "erf at infinite width, tanh and relu + BatchNorm at width 64) and its spectrum.",
           fig_kernel_matrices),
    Figure("kernel_width", "Eigenvalues of the kernel-filtered classic game as width grows "
           "against the κ-scaled pointwise prediction; the empirical NTK's relative error "
           "(mean ± sd over 10 initialisations, widths 16 to 2048) falls like 1/sqrt(width).",
           fig_kernel_width),
    Figure("kernel_verdicts", "Which activations and BatchNorm keep the classic and quadratic "
           "triples stable: every full-rank kernel does; a rank-deficient one makes them "
           "marginal.", fig_kernel_verdicts),
    Figure("particles_ring", "Particles flowing onto the 8-Gaussian ring under the "
           "infinite-width NTK discriminator.", fig_particles_ring),
)
