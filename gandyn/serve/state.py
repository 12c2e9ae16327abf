"""The page's settings and the query string that shares them (pure: no Bokeh, no jax).

``from_query(args)`` reads a query (``{"gamma": ["0.5"]}`` as a server hands it, or a string
such as ``"gamma=0.5&rule=extragradient"``) into ``(settings, errors)``: every value that is
missing or refused keeps its default and adds one line to ``errors``, so a shared link with a
typo still opens. ``to_query(settings)`` writes the settings that differ from the defaults;
``from_query(to_query(s)) == (s, [])`` for every valid ``s``.
"""

from __future__ import annotations

import math
import urllib.parse

#: what the explore lab accepts (copied so that this module imports no jax; tests/test_serve.py
#: checks they equal ``gandyn.explore``'s)
DIRAC_REGS = ("none", "r1", "r2", "noise", "nk")
RULES = ("simultaneous", "alternating", "extragradient", "optimistic", "consensus",
         "negative_momentum")

#: slider ranges: (low, high, step); a value outside is refused
RANGES = {
    "pd": (0.05, 3.0, 0.05),
    "gamma": (0.0, 3.0, 0.05),
    "sigma": (0.0, 2.0, 0.05),
    "lr": (0.005, 1.0, 0.005),
    "n_disc": (1, 10, 1),
    "steps": (10, 2000, 10),
}
#: the longest expression a link may carry (the parser's own cap is larger)
MAX_EXPR = 200
#: |x0|, |y0| of a start: far enough for any window, small enough to stay finite
MAX_START = 1e6

DEFAULTS = dict(loss="dirac:gan", reg="none", f1="log(x)", f2="log(1-x)", f3="-log(1-x)",
                pd=1.0, gamma=0.3, sigma=0.5, lr=0.1, n_disc=1, rule="simultaneous",
                steps=150, x0=None, y0=None)
ORDER = tuple(DEFAULTS)


def games() -> tuple:
    """Every game choice (``gandyn.explore.lab_games``)."""
    from gandyn.explore import lab_games

    return lab_games()


def defaults() -> dict:
    return dict(DEFAULTS)


def _number(name, text):
    if name in ("n_disc", "steps"):
        try:  # a slider may send 3.0
            f = float(text)
            v = int(f) if f.is_integer() else None
        except (ValueError, OverflowError):
            v = None
        if v is None:
            raise ValueError(f"{name} must be an integer, got {text!r}")
    else:
        try:
            v = float(text)
        except ValueError:
            raise ValueError(f"{name} must be a number, got {text!r}") from None
        if not math.isfinite(v):
            raise ValueError(f"{name} must be finite, got {text!r}")
    if name in ("x0", "y0"):
        if abs(v) > MAX_START:
            raise ValueError(f"{name} must be within ±{MAX_START:g}, got {text!r}")
        return v
    lo, hi, _ = RANGES[name]
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be in [{lo:g}, {hi:g}], got {text!r}")
    return v


def check(name: str, value, choices=None):
    """``value`` (text or number) as the setting ``name`` takes it; ValueError saying why not."""
    if name not in DEFAULTS:
        raise ValueError(f"unknown setting {name!r}")
    if name == "loss":
        choices = games() if choices is None else choices
        if value not in choices:
            raise ValueError(f"game must be one of {', '.join(choices)}, got {value!r}")
        return value
    if name == "reg":
        if value not in DIRAC_REGS:
            raise ValueError(f"reg must be one of {', '.join(DIRAC_REGS)}, got {value!r}")
        return value
    if name == "rule":
        if value not in RULES:
            raise ValueError(f"rule must be one of {', '.join(RULES)}, got {value!r}")
        return value
    if name in ("f1", "f2", "f3"):
        value = str(value)
        if len(value) > MAX_EXPR:
            raise ValueError(f"{name} is longer than {MAX_EXPR} characters")
        return value
    if value is None and name in ("x0", "y0"):
        return None
    return _number(name, str(value))


def from_query(args, choices=None, *, strict: bool = False) -> tuple:
    """``(settings, errors)`` from a query (a string, or a mapping of name -> value or list of
    values, bytes or text: the last value wins). Unknown names are reported, not fatal; a bad
    value keeps its default. ``strict`` (the exports, which refuse a query with any error):
    the messages say what is wrong, not what was done instead."""
    if isinstance(args, str):
        args = urllib.parse.parse_qs(args.lstrip("?"), keep_blank_values=True)
    s, errors = defaults(), []
    for name, raw in args.items():
        vals = raw if isinstance(raw, (list, tuple)) else [raw]
        if not vals:
            continue
        v = vals[-1]
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        if name not in DEFAULTS:
            errors.append(f"unknown setting {name!r}" + ("" if strict else " ignored"))
            continue
        try:
            s[name] = check(name, v, choices)
        except ValueError as e:
            errors.append(str(e) if strict else f"{e}; kept {DEFAULTS[name]!r}")
    if (s["x0"] is None) != (s["y0"] is None):  # a start needs both coordinates
        errors.append("x0 and y0 go together; start reset to the default")
        s["x0"] = s["y0"] = None
    return s, errors


def _text(v) -> str:
    return repr(float(v)) if isinstance(v, float) else str(v)


def to_query(settings: dict) -> str:
    """The query string of ``settings``: the values that differ from the defaults, in a fixed
    order (floats with ``repr``: they read back exactly)."""
    pairs = [(k, _text(settings[k])) for k in ORDER
             if k in settings and settings[k] != DEFAULTS[k] and settings[k] is not None]
    return urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)
