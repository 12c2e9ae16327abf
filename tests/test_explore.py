"""The explore callbacks, without a browser: numbers are traced (no recompilation), the data
match closed forms, bad settings are refused."""

import numpy as np
import pytest

from gandyn import explore as E


def _cache_size(**kw):
    s = E.settings(**kw)
    game = E.make_game(s["loss"], s["reg"], pd=s["pd"], gamma=s["gamma"], sigma=s["sigma"])
    n_disc = int(s["n_disc"]) if s["rule"] == "alternating" else 1
    key = (s["loss"], s["reg"], s["rule"], n_disc, E._axes_names(game))
    return E._program(key, int(s["steps"]))._cache_size()


def test_slider_moves_do_not_recompile_and_match_closed_forms():
    fig = E.figure(dpi=40)
    base = dict(loss="dirac:gan", reg="r1", rule="simultaneous", steps=20)
    for gamma, lr in ((0.3, 0.1), (1.5, 0.05), (2.0, 0.2)):
        d = E.compute(gamma=gamma, lr=lr, **base)
        # R1 on the gan Dirac-GAN: λ² + γλ + f'(0)² = 0 (Mescheder et al. 2018), f'(0) = 1/2
        lam = np.sort_complex(np.roots([1.0, gamma, 0.25]).astype(complex))
        assert np.allclose(np.sort_complex(d.eig_flow), lam, atol=1e-10)
        # simultaneous steps: the map's eigenvalues are 1 + h λ
        assert np.allclose(np.sort_complex(d.eig_map), np.sort_complex(1 + lr * lam), atol=1e-10)
        assert d.path.shape == (21, 2) and np.all(np.isfinite(d.path))
        E.draw(fig, d)
    assert _cache_size(**base) == 1  # three settings, one compilation


def test_pointwise_game_and_alternating_rule():
    d = E.compute(loss="pointwise:classic", pd=0.5, rule="alternating", n_disc=2, lr=0.2,
                  steps=10)
    assert np.allclose(d.equilibrium, [0.5, 0.5])  # (D0, p_d) with D on the x axis
    assert d.xlabel.startswith("D") and d.ylabel.startswith("p_g")
    assert d.U.shape == (E.N_GRID, E.N_GRID)
    png = E.to_png(E.draw(E.figure(dpi=40), d))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("kw, msg", [
    (dict(loss="nope"), "loss must be"),
    (dict(reg="wgan-gp"), "regulariser must be"),
    (dict(loss="pointwise:classic", reg="r1"), "Dirac-GAN only"),
    (dict(rule="sgd"), "update rule"),
    (dict(speed=3), "unknown setting"),
])
def test_bad_settings_are_refused(kw, msg):
    with pytest.raises(ValueError, match=msg):
        E.compute(**kw)


def test_widget_builds_and_redraws_on_a_slider_move():
    pytest.importorskip("ipywidgets")
    box = E.widget(loss="dirac:gan", reg="r1", steps=20)  # the program compiled above
    image = box.children[-1]
    first = image.value
    assert first[:4] == b"\x89PNG"
    sliders = {c.description: c for row in box.children[0].children for c in row.children}
    sliders["learning rate"].value = 0.05
    assert image.value != first


def test_map_verdict_resolves_a_modulus_just_under_one():
    # R1 on the gan Dirac-GAN, simultaneous steps: |μ|² = |1 + hλ|² = 1 - hγ + h² f'(0)² with
    # f'(0) = 1/2 (λ² + γλ + 1/4 = 0). γ chosen by hand so that |μ| = 1 - 5e-10: converges.
    # The old fixed band ρ >= 1 - 1e-9 called it "marginal"
    lr, target = 1e-3, 1.0 - 5e-10
    gamma = (1.0 - target**2 + lr**2 * 0.25) / lr
    d = E.compute(loss="dirac:gan", reg="r1", gamma=gamma, lr=lr, steps=5)
    rho = float(np.max(np.abs(d.eig_map)))
    assert abs(rho - target) < 1e-13
    assert d.map_verdict == "converges"
    fig = E.draw(E.figure(dpi=40), d)
    assert "(converges)" in fig.axes[2].get_title()
