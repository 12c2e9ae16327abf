"""The README's code runs: every ```python block (each in a fresh namespace) and every
``gandyn ...`` line of the ```bash blocks (in-process through ``gandyn.cli.main``, in a temporary
folder so that ``--out`` goes there).

Handled explicitly: ``pip install`` and ``python3 -m pytest`` (this suite itself) are not run;
``gandyn check`` runs with ``--no-global`` (the global test's 10^4 trajectories are covered by
tests/test_cli.py); ``gandyn serve`` is not run (it serves until stopped: the page is driven
by tests/test_serve_browser.py); any other command in a bash block fails the test, so a new kind of command in
the README gets a decision here. A block known to fail is listed in ``XFAIL`` by its first line
(strict: once the README is fixed the entry must go).
"""

import contextlib
import io
import pathlib
import re
import shlex

import pytest

README = pathlib.Path(__file__).parent.parent / "README.md"

XFAIL = {}  # first line -> (reason, exception the block raises today)
_DONE = set()  # a command repeated in several blocks (the atlas) runs once
SKIP_COMMANDS = (("python3", "-m", "pip"), ("pip",), ("python3", "-m", "pytest"),
                 ("python3", "-m", "venv"), (".",), ("gandyn", "serve"))


def blocks():
    text = README.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"^```(python|bash)\n(.*?)^```", text, re.S | re.M):
        line = text[: m.start()].count("\n") + 1
        out.append((m.group(1), line, m.group(2)))
    return out


def _params():
    ps = []
    for lang, line, src in blocks():
        first = src.strip().splitlines()[0].strip()
        marks = ([pytest.mark.xfail(strict=True, reason=XFAIL[first][0], raises=XFAIL[first][1])]
                 if first in XFAIL else [])
        ps.append(pytest.param(lang, src, id=f"{lang}-L{line}", marks=marks))
    return ps


def _commands(src):
    """The commands of a bash block: ``&&`` chains split, comments dropped."""
    for raw in src.splitlines():
        words = shlex.split(raw, comments=True)
        cmd = []
        for w in words + ["&&"]:
            if w == "&&":
                if cmd:
                    yield cmd
                cmd = []
            else:
                cmd.append(w)


def test_readme_has_code():
    kinds = [lang for lang, _, _ in blocks()]
    assert "python" in kinds and "bash" in kinds


def test_xfail_keys_are_first_lines_of_blocks():
    firsts = {src.strip().splitlines()[0].strip() for _, _, src in blocks()}
    assert set(XFAIL) <= firsts, "an XFAIL entry no longer matches a README block: remove it"


@pytest.mark.parametrize("lang, src", _params())
def test_readme_block_runs(lang, src, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if lang == "python":
        exec(compile(src, str(README), "exec"), {"__name__": "__readme__"})
        return
    from gandyn.cli import main

    ran = skipped = 0
    for cmd in _commands(src):
        if any(tuple(cmd[: len(s)]) == s for s in SKIP_COMMANDS):
            skipped += 1
            continue
        assert cmd[0] == "gandyn", f"README bash command not handled by this test: {cmd}"
        argv = cmd[1:]
        if tuple(argv) in _DONE:
            continue
        _DONE.add(tuple(argv))
        if argv[0] == "check" and "--no-global" not in argv:
            argv.append("--no-global")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = main(argv)
        assert rc == 0, f"{' '.join(cmd)} exited {rc}"
        assert out.getvalue().strip(), f"{' '.join(cmd)} printed nothing"
        ran += 1
    assert ran or skipped or _DONE


def test_readme_images_exist():
    """Every picture the README shows is committed under the repository."""
    text = README.read_text(encoding="utf-8")
    paths = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text)
    assert paths, "the README shows no pictures"
    missing = [p for p in paths if not (README.parent / p).is_file()]
    assert not missing, f"README pictures missing: {missing}"
