"""Layers look down only: every import (module-level or inside a function) of every module of
``gandyn/`` goes to its own layer or to one below, in the order

    base (results, _xla, expr) < games < analysis (with ode) | updaters < simulate
        < front (plot, figures, atlas, commands, cli, serve)

``analysis`` and ``updaters`` share a rank but do not import each other (an analysis of an
update rule takes the updater as an object). The same order is in README.md's Design section.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "gandyn"

# (layer, rank, module prefixes)
LAYERS = (
    ("base", 0, ("gandyn.results", "gandyn._xla", "gandyn.expr", "gandyn.io", "gandyn.progress",
              "gandyn.util")),
    # building blocks that know no game: networks, kernels, data sets and their metrics
    ("models", 0, ("gandyn.players", "gandyn.kernel", "gandyn.data", "gandyn.metrics",
                   "gandyn.divergences")),
    ("games", 1, ("gandyn.games",)),
    ("analysis", 2, ("gandyn.analysis", "gandyn.ode", "gandyn.particles")),
    ("updaters", 2, ("gandyn.updaters",)),
    ("facade", 2, ("gandyn",)),  # ``import gandyn``: the package imports games and analysis
    ("simulate", 3, ("gandyn.simulate", "gandyn.train")),
    ("front", 4, ("gandyn.plot", "gandyn.figures", "gandyn.atlas", "gandyn.commands",
                  "gandyn.cli", "gandyn.__main__", "gandyn.animate",
                  "gandyn.explore", "gandyn.serve")),
)

# (importer, imported): allowed for now, with the reason
KNOWN = {
    ("gandyn.analysis.report", "gandyn.plot.report"):
        "a report draws itself, as DataFrame.plot does",
}


def layer(module: str):
    best = None
    for name, rank, prefixes in LAYERS:
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and (best is None or len(p) > best[2]):
                best = (name, rank, len(p))
    return best[:2] if best else None


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: pathlib.Path):
    """Every gandyn module ``path`` imports (``from gandyn import x`` resolves to ``gandyn.x``
    when that is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = []
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                as_path = ROOT.parent / sub.replace(".", "/")
                is_module = as_path.with_suffix(".py").exists() or as_path.is_dir()
                names.append(sub if is_module else node.module)
        else:
            continue
        for n in names:
            if n == "gandyn" or n.startswith("gandyn."):
                yield node.lineno, n


MODULES = sorted(p for p in ROOT.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_imports_look_down(path):
    me = module_name(path)
    if me == "gandyn":  # the facade re-exports from below by definition
        return
    mine = layer(me)
    assert mine is not None, f"{me} belongs to no layer: add it to LAYERS"
    bad = set()
    for line, target in imports(path):
        theirs = layer(target)
        assert theirs is not None, f"{me}:{line} imports {target}, which belongs to no layer"
        same = theirs[0] == mine[0]
        if same or theirs[1] < mine[1]:
            continue
        if any(me.startswith(a) and target.startswith(b) for a, b in KNOWN):
            continue
        bad.add(f"{me}:{line} ({mine[0]}) imports {target} ({theirs[0]})")
    assert not bad, "imports that do not look down:\n" + "\n".join(sorted(bad))


def test_walker_sees_function_local_imports(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from gandyn.simulate import simulate\n")
    assert [t for _, t in imports(src)] == ["gandyn.simulate"]
    assert layer("gandyn.games.pointwise") == ("games", 1)
    assert layer("gandyn.analysis.report")[1] > layer("gandyn.games.roots")[1]
