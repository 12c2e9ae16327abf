"""Atlas rows, phase portraits and the zoo figure decide kinds from the Jacobian itself
(signs within rounding), like `gandyn check`: stiff games are not called marginal."""

import numpy as np
import pytest

import gandyn  # noqa: F401  (x64)
from gandyn.atlas import analyse_game
from gandyn.games.bilinear import bilinear
from gandyn.games.dirac import R1, dirac

# bilinear game: J = [[-a, -A], [A, -b]], trace -(a + b), det ab + A² (by hand)
STIFF = [
    # λ = +2 ± 6.3e7 i (trace 4 > 0): old "centre, marginal" (|Re| < 1e-7 · 6.3e7)
    (bilinear(6.3e7, a=-2.0, b=-2.0), "unstable focus", "unstable"),
    # det = -2e-4·1e4 + 1e-4 < 0: a saddle, λ ≈ +2e-4 and -1e4; old "degenerate, marginal"
    (bilinear(1e-2, a=-2e-4, b=1e4), "saddle", "unstable"),
    # 4x4: the same focus per coordinate (per-eigenvalue rounding bounds)
    (bilinear(6.3e7 * np.eye(2), a=-2.0, b=-2.0), "unstable focus", "unstable"),
]


@pytest.mark.parametrize("game, kind, verdict", STIFF)
def test_atlas_row_of_a_stiff_bilinear_game(game, kind, verdict):
    row = analyse_game("bilinear", "stiff", game)
    assert (row["kind"], row["verdict"]) == (kind, verdict)


def test_atlas_row_of_a_stiff_dirac_game():
    # gan + R1(γ = 1e8): trace -1e8 < 0 < det 1/4, λ = -1e8 and -2.5e-9: a stable node
    row = analyse_game("dirac", "gan+r1(gamma=1e8)", dirac("gan", R1(1e8)))
    assert (row["kind"], row["verdict"]) == ("stable node", "stable")
    small = min(abs(re) for re, _ in row["eigenvalues"])
    assert abs(small / 2.5e-9 - 1) < 1e-12


def test_portrait_equilibrium_kind_of_a_stiff_saddle():
    from gandyn.analysis.portrait import find_equilibria, plane

    g = bilinear(1e-2, a=-2e-4, b=1e4)
    eqs = find_equilibria(g, plane(g), (-1, 1), (-1, 1), n_seeds=2)
    assert eqs and all(e.kind == "saddle" for e in eqs)


def test_pointwise_rows_say_their_p_d():
    # the atlas's pointwise rows are at p_d = 1; next to `gandyn check --pd 0.2` (another
    # spectrum) they read as a contradiction unless the table says where they are taken
    from gandyn import atlas
    from gandyn.games import pointwise

    rows = [analyse_game("pointwise", "classic", pointwise.classic(pd=1.0)),
            analyse_game("bilinear", "xy", bilinear(1.0))]
    assert rows[0]["equilibrium"]["text"] == "D0 = 0.5, p_g = p_d = 1"
    text = atlas.to_text(rows)
    assert text.splitlines()[0].startswith("pointwise rows are at p_d = 1")
    md = atlas.to_markdown(rows)
    assert "## pointwise (at p_d = 1)" in md and "## bilinear\n" in md
    assert "p_d = 1" not in atlas.to_text(rows[1:])   # no pointwise row: no such line
    other = analyse_game("pointwise", "classic", pointwise.classic(pd=0.2))
    assert "## pointwise (at p_d = 0.2)" in atlas.to_markdown([other])
