"""The stability atlas: every game of the registry at its equilibrium, one row each.

For each ``(name, factory)`` of ``gandyn.games.registry.all_games()`` (sections pointwise, dirac,
bilinear, and whatever registers later) the factory is called with no argument (pointwise games
default to ``p_d = 1``) and the row holds

* the equilibrium (``D0`` and ``p_g = p_d`` for pointwise games, with the continuum of rest
  values when there is one; the flattened state otherwise),
* the eigenvalues of the ``jax.jacfwd`` Jacobian of the continuous field there (any n×n),
* the kind and verdict (``gandyn.analysis.spectrum``: stable iff every Re λ < 0; marginal when
  the largest real part is zero within ``1e-9 + 1e-7 max|λ|``),
* the largest stable learning rate of simultaneous steps, ``min_λ -2 Re λ / |λ|²`` (0 when some
  Re λ >= 0; Mescheder et al. 2017, Lemma 4).

A game declared non-smooth (``Game.smooth`` False), or whose Jacobian is not finite at its
equilibrium, gets the Dirac-GAN's one-sided analysis when it belongs to the ``dirac`` section
(``analyse``: the jump of the field and its set of rest points), else kind ``non-smooth`` and
verdict ``undefined``.

Extra columns (phase portraits, ...) plug in through ``hooks``: callables
``hook(row, game, out_dir) -> dict | None`` run by ``write_atlas`` for every row; the returned
items land in ``row["extras"]`` and become extra Markdown columns (a value ending in ``.png``
is rendered as an image link).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable

import jax
import numpy as np

from gandyn.io import atomic_write_many, ensure_writable_output, finite_json

__all__ = ["analyse_game", "atlas_rows", "to_markdown", "to_text", "write_atlas"]

def _equilibrium(section, game) -> dict:
    eq = game.equilibrium
    if section == "pointwise":
        pd, D0 = float(np.asarray(eq.gen)), float(np.asarray(eq.disc))
        cont = game.continua
        # p_d written out: these rows are at the registry's p_d = 1, and a reader comparing
        # them with `gandyn check --pd 0.2` must see why the spectra differ
        text = f"D0 = {D0:.6g}, p_g = p_d = {pd:g}"
        if cont:
            text += " (continuum " + ", ".join(f"({a:g}, {b:g})" for a, b in cont) + ")"
        return {"D0": D0, "pd": pd, "continua": [list(c) for c in cont], "text": text}
    leaves = [np.asarray(x, dtype=float).ravel() for x in jax.tree_util.tree_leaves(eq)]
    flat = np.concatenate(leaves) if leaves else np.zeros(0)
    text = "(" + ", ".join(f"{v:.4g}" for v in flat) + ")"
    return {"state": flat.tolist(), "text": text}


def analyse_game(section: str, name: str, game) -> dict:
    """One atlas row (JSON-ready dict) for ``game`` at its equilibrium."""
    from gandyn.analysis.spectrum import jacobian, spectrum_summary

    if game.equilibrium is None:
        raise ValueError(f"atlas: game {section}/{name} has no equilibrium; registry factories "
                         "must return a game with one")
    row = {"section": section, "game": name, "equilibrium": _equilibrium(section, game),
           "eigenvalues": [], "kind": None, "verdict": None, "max_lr": None, "note": "",
           "extras": {}}
    J = np.asarray(jax.jit(jacobian)(game))
    if game.smooth and np.all(np.isfinite(J)):
        from gandyn.analysis.spectrum import eigenvalues

        # kind and verdict from J (signs within rounding, docs/verdicts.md), not from a
        # tolerance relative to max|λ| that hides a slow mode next to a fast one
        row.update(spectrum_summary(eigenvalues(J), jac=J))
        return row
    if section == "dirac":
        from gandyn.analysis.dirac import analyse

        rep = analyse(game)
        row["eigenvalues"] = rep.get("eigenvalues") or []
        row["kind"], row["verdict"] = rep.get("kind"), rep.get("verdict")
        row["note"] = rep.get("note", "")
    else:
        row["kind"], row["verdict"] = "non-smooth", "undefined"
        row["note"] = "the Jacobian is not finite at the equilibrium"
    row["max_lr"] = 0.0
    return row


def atlas_rows(sections: Iterable[str] | None = None) -> list:
    """Rows for every registered game (``sections`` restricts to some of them).

    Raises:
      ValueError: an unknown section name.
    """
    from gandyn.games.registry import all_games

    games = all_games()
    if sections is not None:
        sections = list(sections)
        bad = [s for s in sections if s not in games]
        if bad:
            raise ValueError(f"unknown atlas section(s) {bad}; available: {', '.join(games)}")
        games = {s: games[s] for s in sections}
    rows = []
    for section, zoo in games.items():
        for name, factory in zoo:
            rows.append(analyse_game(section, name, factory()))
    return rows


def _cells(row) -> list:
    from gandyn.analysis.spectrum import format_eigenvalue

    eig = ", ".join(format_eigenvalue(z, compact=True) for z in row["eigenvalues"]) or "—"
    mlr = row["max_lr"]
    mlr = "—" if mlr is None else ("none" if mlr == 0 else f"{mlr:.4g}")
    return [row["game"], row["equilibrium"]["text"], eig, str(row["kind"]), str(row["verdict"]),
            mlr]


HEAD = ["game", "equilibrium", "eigenvalues", "kind", "verdict", "max lr"]

#: the one sentence that says where the pointwise rows are taken (table, atlas.md)
PD_NOTE = ("pointwise rows are at p_d = 1 (the registry's default); their eigenvalues change "
           "with p_d: `gandyn check --pd P` gives any other")


def _section_title(section: str, rows) -> str:
    if section == "pointwise":
        pds = sorted({r["equilibrium"]["pd"] for r in rows if r["section"] == section})
        return f"{section} (at p_d = {', '.join(f'{p:g}' for p in pds)})"
    return section


def csv_rows(rows):
    """The atlas as CSV rows (header first): numbers as numbers, eigenvalues one field
    (``csvout.number_list``), a non-finite one written the documented way (docs/contract.md)."""
    from gandyn.csvout import number_list

    yield ["section"] + HEAD
    for r in rows:
        yield [r["section"], r["game"], r["equilibrium"]["text"],
               number_list(complex(*z) if isinstance(z, (list, tuple)) else complex(z)
                           for z in r["eigenvalues"]),
               str(r["kind"]), str(r["verdict"]), r["max_lr"]]


def to_markdown(rows) -> str:
    """Markdown: one table per section (plus the hooks' extra columns)."""
    out = ["# gandyn stability atlas", "",
           ("Continuous-time field at each game's equilibrium; " + PD_NOTE + ". "
            "max lr: largest stable step of simultaneous gradient steps; none: no step size "
            "makes them converge there."), ""]
    sections = []
    for r in rows:
        if r["section"] not in sections:
            sections.append(r["section"])
    for s in sections:
        rs = [r for r in rows if r["section"] == s]
        extra = []
        for r in rs:
            extra += [k for k in r["extras"] if k not in extra]
        out += [f"## {_section_title(s, rs)}", "", "| " + " | ".join(HEAD + extra) + " |",
                "|" + "---|" * (len(HEAD) + len(extra))]
        for r in rs:
            cells = _cells(r)
            for k in extra:
                v = r["extras"].get(k, "")
                cells.append(f"![{r['game']}]({v})" if str(v).endswith(".png") else str(v))
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        notes = [r for r in rs if r["note"]]
        if notes:
            out.append("")
            out += [f"- **{r['game']}**: {r['note']}" for r in notes]
        out.append("")
    return "\n".join(out)


def to_text(rows) -> str:
    """A plain aligned table for the terminal."""
    body = [[r["section"]] + _cells(r) for r in rows]
    head = ["section"] + HEAD
    w = [max(len(x[i]) for x in body + [head]) for i in range(len(head))]
    lines = ["  ".join(h.ljust(k) for h, k in zip(head, w)), "  ".join("-" * k for k in w)]
    lines += ["  ".join(c.ljust(k) for c, k in zip(x, w)) for x in body]
    if any(r["section"] == "pointwise" for r in rows):
        lines.insert(0, PD_NOTE)
    return "\n".join(lines)


def write_atlas(rows, out_dir: str = ".", hooks: Iterable[Callable] | None = None,
                games: dict | None = None) -> tuple:
    """Run the hooks, then write ``atlas.md`` and ``atlas.json`` into ``out_dir``.

    ``games`` maps ``(section, name)`` to the Game (needed only by hooks; rebuilt from the
    registry when omitted). Returns ``(md_path, json_path)``.
    """
    ensure_writable_output(out_dir)
    hooks = list(hooks or ())
    if hooks:
        if games is None:
            from gandyn.games.registry import all_games

            games = {(s, n): f for s, zoo in all_games().items() for n, f in zoo}
        for r in rows:
            g = games[(r["section"], r["game"])]
            g = g() if callable(g) and not hasattr(g, "v_gen") else g
            for hook in hooks:
                extra = hook(r, g, out_dir)
                if extra:
                    r["extras"].update(extra)
    md = os.path.join(out_dir, "atlas.md")
    js = os.path.join(out_dir, "atlas.json")
    # strict JSON like every --json: a non-finite number (overflow) is null, and said so
    clean, replaced = finite_json(rows)
    doc = {"pd_pointwise": 1.0, "rows": clean}
    if replaced:
        doc["warnings"] = [f"{replaced} non-finite number(s) written as null"]
    # one unit: a failure leaves the previous atlas.md and atlas.json, both
    atomic_write_many({md: to_markdown(rows),
                       js: json.dumps(doc, indent=1, allow_nan=False)})
    return md, js

