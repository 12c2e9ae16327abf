"""Portrait data (equilibria, separatrices, flows) and every plot type drawn on Agg."""

import math

import jax.numpy as jnp
import numpy as np
import pytest
from matplotlib.figure import Figure

from gandyn import Box, from_fields
from gandyn.analysis import portrait as P
from gandyn.plot import (
    convergence,
    distances,
    eigenvalue_path,
    phase_portrait,
    spectrum,
    stability_map,
)

PD = 0.3


def _quad_v_gen_stable(g, d, p):      # f3 = -D: dp_g/dt = -(D - 1)
    return -(d - 1.0)


def _quad_v_gen_saddle(g, d, p):      # f3 = +D: dp_g/dt = D - 1
    return d - 1.0


def _quad_v_disc(g, d, p):            # f1 = -D²/2, f2 = D: dD/dt = -p_d D + p_g
    return -PD * d + g


def _quadratic(sign):
    vg = _quad_v_gen_stable if sign < 0 else _quad_v_gen_saddle
    return from_fields("quadratic", vg, _quad_v_disc, equilibrium=(PD, 1.0))


def _duffing_vg(g, d, p):   # x' = y  (x = gen, y = disc)
    return d


def _duffing_vd(g, d, p):   # y' = x - x³ - 0.3 y: saddle at 0, stable foci at ±1
    return g - g ** 3 - 0.3 * d


def _duffing():
    return from_fields("duffing", _duffing_vg, _duffing_vd)


def _figax():
    fig = Figure(figsize=(5, 4))
    return fig, fig.add_subplot()


def test_quadratic_triple_is_a_stable_focus_and_its_flip_a_saddle():
    g = _quadratic(-1)
    pl = P.plane(g, x="disc", y="gen")
    (e,) = P.find_equilibria(g, pl, (-1, 3), (-1, 2))
    np.testing.assert_allclose(e.xy, [1.0, PD], atol=1e-9)     # (D0, p_d)
    assert e.kind in ("stable focus", "stable node")
    s = _quadratic(+1)
    pl = P.plane(s, x="disc", y="gen")
    (e,) = P.find_equilibria(s, pl, (-1, 3), (-1, 2))
    assert e.kind == "saddle"
    # in-plane (D, p_g) Jacobian [[-p_d, 1], [1, 0]]: eigenvalues (-p_d ± sqrt(p_d² + 4)) / 2
    lam = np.sort(e.direction_eigs)
    np.testing.assert_allclose(lam, [(-PD - math.sqrt(PD ** 2 + 4)) / 2,
                                     (-PD + math.sqrt(PD ** 2 + 4)) / 2], rtol=1e-9)
    J = np.array([[-PD, 1.0], [1.0, 0.0]])
    for d, l in zip(e.directions, e.direction_eigs):
        np.testing.assert_allclose(J @ d, l * d, atol=1e-9)


def test_separatrices_leave_along_the_unstable_direction():
    s = _quadratic(+1)
    pl = P.plane(s, x="disc", y="gen")
    eqs = P.find_equilibria(s, pl, (-1, 3), (-1, 2))
    seps = P.separatrices(s, pl, eqs, (-1, 3), (-1, 2))
    assert sorted(o.role for o in seps) == ["stable manifold"] * 2 + ["unstable manifold"] * 2
    J = np.array([[-PD, 1.0], [1.0, 0.0]])
    for o in seps:
        pts = o.xy[np.isfinite(o.xy[:, 0])]
        assert len(pts) > 20
        # the linear system's manifolds are straight lines along the eigenvectors
        lam = max(e for e in np.linalg.eigvals(J)) if o.role.startswith("unstable") else \
            min(np.linalg.eigvals(J))
        w, V = np.linalg.eig(J)
        d = V[:, np.argmin(abs(w - lam))]
        rel = pts - np.array([1.0, PD])
        cross = rel[:, 0] * d[1] - rel[:, 1] * d[0]
        assert np.max(np.abs(cross)) < 1e-6
        # and they reach the edge of the window
        assert np.max(np.abs(rel)) > 0.9


def test_equilibria_of_a_multistable_field():
    g = _duffing()
    pl = P.plane(g)
    eqs = P.find_equilibria(g, pl, (-2, 2), (-2, 2))
    assert [round(float(e.xy[0]), 6) for e in eqs] == [-1.0, 0.0, 1.0]
    assert [e.kind for e in eqs] == ["stable focus", "saddle", "stable focus"]


def test_trajectory_forward_and_backward_and_domain_exit():
    g = _quadratic(-1)
    pl = P.plane(g, x="disc", y="gen")
    fwd = P.trajectory(g, pl, (2.0, 1.5), 60.0, 3000)
    np.testing.assert_allclose(fwd.xy[-1], [1.0, PD], atol=1e-3)   # globally stable
    # V = (D-1)² + (p_g - p_d)² is non-increasing along the flow (the article's Lyapunov function)
    V = (fwd.xy[:, 0] - 1) ** 2 + (fwd.xy[:, 1] - PD) ** 2
    assert np.all(np.diff(V) <= 1e-12)
    back = P.trajectory(g, pl, (1.5, 0.5), -20.0, 2000, xlim=(-1, 3), ylim=(-1, 2))
    assert back.role == "backward" and np.isnan(back.xy[-1, 0])     # left the window
    cl = from_fields("box", _quad_v_gen_stable, _quad_v_disc, equilibrium=(PD, 1.0),
                     domain=Box(gen_low=0.0))
    out = P.trajectory(cl, P.plane(cl, x="disc", y="gen"), (2.0, 0.01), 5.0, 500)  # dp_g/dt=-1
    assert np.isnan(out.xy[-1, 0])                                   # p_g < 0 is off-domain


def test_iterates_of_simultaneous_steps_spiral_out_on_xy():
    from gandyn.updaters import simultaneous

    g = from_fields("xy", lambda x, y, p: -y, lambda x, y, p: x, equilibrium=(0.0, 0.0))
    xy = P.iterates(g, simultaneous(0.1), (1.0, 0.0), 50, P.plane(g))
    r = np.hypot(xy[:, 0], xy[:, 1])
    np.testing.assert_allclose(r, np.sqrt(1.01) ** np.arange(51), rtol=1e-12)   # |1 + 0.1 i|^k


def test_phase_portrait_artists():
    from gandyn.updaters import simultaneous

    data = P.portrait(_duffing(), (-2, 2), (-2, 2), starts=[(0.2, 1.5)], backward=True, t1=10,
                      updaters={"simultaneous h=0.1": simultaneous(0.1)}, n_iterates=40)
    fig, ax = _figax()
    art = phase_portrait(ax, data)
    assert len(art["equilibria"]) == 3
    kinds = [e.kind for e in data.equilibria]
    for m, k in zip(art["equilibria"], kinds):
        assert m.get_fillstyle() == ("left" if k == "saddle" else "full")
    assert len(art["separatrices"]) == 4                  # both branches of both manifolds
    assert len(art["eigen_directions"]) == 2              # only the saddle's are real
    assert len(art["nullclines"]) == 2
    assert art["streamlines"] is not None and art["colorbar"] is not None
    assert len(art["trajectories"]) == 2
    assert list(art["iterates"]) == ["simultaneous h=0.1"]
    labels = [t.get_text() for t in art["legend"].get_texts()]
    assert "saddle" in labels and "stable focus" in labels and "unstable manifold" in labels
    assert ax.get_xlabel() == "gen" and ax.get_ylabel() == "disc"


def test_portrait_of_the_dirac_gan_plane():
    from gandyn.games.dirac import R1, dirac

    g = dirac("gan", R1(0.3))
    data = P.portrait(g, (-2, 2), (-2, 2), n_grid=21, with_separatrices=False)
    (e,) = data.equilibria
    assert e.kind == "stable focus" and np.allclose(e.xy, 0, atol=1e-9)
    # -γ/2 ± i sqrt(f'(0)² - γ²/4), f'(0) = 1/2
    np.testing.assert_allclose(sorted(e.eigenvalues.imag), [-math.sqrt(0.25 - 0.0225),
                                                            math.sqrt(0.25 - 0.0225)], atol=1e-9)


def test_spectrum_continuous_and_discrete():
    fig, ax = _figax()
    art = spectrum(ax, {"a": np.array([-1 + 2j, -1 - 2j]), "b": np.array([0.5])})
    assert "imaginary_axis" in art and "unit_circle" not in art
    assert len(art["points"]) == 2 and art["points"][0].get_offsets().shape == (2, 2)
    fig, ax = _figax()
    art = spectrum(ax, np.array([1 + 0.1j, 1 - 0.1j]), discrete=True)
    assert art["unit_circle"].get_radius() == 1.0 and "imaginary_axis" not in art
    lo, hi = ax.get_xlim()
    assert lo <= -1 and hi >= 1


def test_eigenvalue_path_marks_the_critical_penalty():
    gam = np.linspace(0, 2, 41)
    s = np.sqrt((gam ** 2 / 4 - 0.25).astype(complex))
    eigs = np.stack([-gam / 2 + s, -gam / 2 - s], 1)
    fig, ax = _figax()
    art = eigenvalue_path(ax, gam, eigs, critical=1.0)
    assert len(art["paths"]) == 2 and len(art["critical"]) == 1
    np.testing.assert_allclose(art["critical"][0].get_offsets(), [[-0.5, 0], [-0.5, 0]],
                               atol=1e-12)


def test_stability_map_has_the_unit_contour():
    h = np.linspace(0.01, 1, 30)
    gam = np.linspace(0, 2, 20)
    H, G = np.meshgrid(h, gam, indexing="ij")     # the one grid convention: rho[i, j] at (h[i], g[j])
    rho = np.sqrt((1 - H * G) ** 2 + H ** 2)      # consensus on xy: |1 - hγ ± i h|
    fig, ax = _figax()
    art = stability_map(ax, h, gam, rho)
    assert art["contour"] is not None and len(art["contour"].allsegs[0]) >= 1
    seg = art["contour"].allsegs[0][0]
    hh, gg = seg[:, 0], seg[:, 1]
    np.testing.assert_allclose(np.sqrt((1 - hh * gg) ** 2 + hh ** 2), 1.0, atol=0.05)
    fig, ax = _figax()
    assert stability_map(ax, h, gam, np.full_like(rho, 2.0))["contour"] is None
    with pytest.raises(ValueError, match="shape"):
        stability_map(ax, h, gam, rho.T)


def test_convergence_with_predicted_slope():
    k = np.arange(100)
    d = 2.0 * 0.9 ** k
    fig, ax = _figax()
    art = convergence(ax, {"run": d}, rho={"run": 0.9})
    np.testing.assert_allclose(art["predicted"]["run"].get_ydata(), d)
    assert ax.get_yscale() == "log"
    np.testing.assert_allclose(distances(np.array([[3.0, 4.0]]), [0, 0]), [5.0])


def test_figures_command_lists_and_makes_one_figure(tmp_path, capsys):
    from gandyn.cli import main
    from gandyn.figures import names

    assert main(["figures", "--list"]) == 0
    listing = capsys.readouterr().out
    assert all(n in listing for n in names())
    assert main(["figures", "--smoke", "--only", "stability_map", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "stability_map.png").stat().st_size > 10_000
    assert main(["figures", "--only", "nope", "--out", str(tmp_path)]) == 2


def test_atlas_portrait_hook_draws_two_dimensional_games_only(tmp_path):
    from gandyn.figures import portrait_hook
    from gandyn.games.bilinear import bilinear, xy

    games = {("bilinear", "xy"): xy(), ("bilinear", "big"): bilinear(jnp.eye(2))}
    rows = [{"section": "bilinear", "game": "xy", "extras": {}},
            {"section": "bilinear", "game": "big", "extras": {}}]
    for r, g in zip(rows, games.values()):
        extra = portrait_hook(r, g, str(tmp_path))
        if extra:
            r["extras"].update(extra)
    assert rows[0]["extras"] == {"portrait": "portraits/bilinear_xy.png"}
    assert (tmp_path / "portraits" / "bilinear_xy.png").stat().st_size > 1000
    assert rows[1]["extras"] == {}  # a 4-scalar state gets no portrait


def test_report_plot_outcome_map_is_the_reports_global_test():
    from gandyn.analysis.report import check_triple
    from gandyn.expr import parse
    from gandyn.plot.report import _outcomes
    from gandyn.results import RESULTS

    rep = check_triple("-x**2/2", "x", "-x", pd=(0.2,), n_side=12)
    fs = tuple(parse(f) for f in rep.functions)
    status, neg, (a, b), _ = _outcomes(fs, rep, 12)
    ev = rep.global_[0]
    assert (a, b) == ev.box[0]
    assert np.mean(status == RESULTS.converged) == ev.converged_fraction
    assert np.mean(neg) == ev.pg_negative_fraction > 0.5     # the quadratic triple's caveat
    fig = rep.plot(n_side=12, n_grid=11, n_sweep=10)
    assert len(fig.axes) == 3                                  # one portrait, sweep, outcome map


@pytest.mark.parametrize("pd", [(0.2,), (0.2, 1.0)])
def test_report_plot_texts_do_not_overlap(pd):
    # the README draws one p_d (quadratic.png) and two (NS-GAN): the panel titles of the
    # second row used to run into each other and the outcome legend into nothing
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from gandyn.analysis.report import check_triple

    rep = check_triple("-x**2/2", "x", "-x", pd=pd, n_side=6, with_global=False)
    fig = rep.plot(n_side=6, n_grid=9, n_sweep=6)
    r = FigureCanvasAgg(fig).get_renderer()
    fig.draw(r)
    boxes = [a.title.get_window_extent(r) for a in fig.axes]
    boxes += [t.get_window_extent(r) for t in fig.findobj(lambda o: o is getattr(
        o.figure, "_suptitle", None))]
    for i, b in enumerate(boxes):
        for c in boxes[i + 1:]:
            assert not b.overlaps(c), (b, c)
    W, H = fig.bbox.width, fig.bbox.height
    for a in fig.axes:   # every legend inside the canvas
        leg = a.get_legend()
        if leg is not None:
            e = leg.get_window_extent(r)
            assert e.x0 >= 0 and e.y0 >= 0 and e.x1 <= W and e.y1 <= H


def test_zoo_spectra_draws_a_line_for_every_registered_game(monkeypatch):
    # the old small multiples dropped the WGAN-GP Dirac-GAN silently (no finite Jacobian);
    # every game of the registry now has a labelled line, that one with its reason
    from gandyn.figures import idealised
    from gandyn.games import registry

    real = registry.all_games()
    trimmed = {s: list(zoo[:2]) + [z for z in zoo if z[0] == "wgan-gp"]
               for s, zoo in real.items()}
    monkeypatch.setattr(registry, "all_games", lambda: trimmed)
    fig = idealised.fig_zoo_spectra()
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    for zoo in trimmed.values():
        for name, _ in zoo:
            assert name in labels
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any(t.startswith("no Jacobian at the rest point (non-smooth)") for t in texts)
    assert fig.axes[0].get_xlabel().startswith("Re λ")


def test_consensus_cloud_is_drawn_on_linear_axes():
    # symlog axes squeezed the rotations (the figure's point) into a few pixels; both clouds
    # now share one linear window, and each panel writes the numbers to compare
    from gandyn.figures.methods import fig_consensus_cloud

    fig = fig_consensus_cloud(smoke=True)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert ax.get_xscale() == ax.get_yscale() == "linear"
        assert any("max |Im λ|" in t.get_text() for t in ax.texts)
    assert fig.axes[0].get_xlim() == fig.axes[1].get_xlim()
