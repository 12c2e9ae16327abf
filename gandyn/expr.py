"""A safe parser for the one-variable expressions typed on the command line (``--f1 'log(x)'``).

The text is only turned into a syntax tree (:func:`ast.parse`, ``mode="eval"``), which is checked
against a whitelist; it is never compiled to code nor passed to ``eval`` or ``exec``. Allowed:

  * numbers (``int`` or ``float`` literals; not ``True``/``False``, not complex),
  * the variable: ``x`` or ``D`` (the same thing, the discriminator's value; one expression uses
    one of the two names, so ``D*x`` is refused as a likely slip),
  * binary ``+ - * / **``, unary ``-`` and ``+``,
  * calls of ``log log1p exp sqrt tanh sigmoid softplus abs relu`` (one argument) and
    ``minimum maximum`` (two arguments), positional only.

Anything else (attribute access, subscripts, other names, strings, lambdas, comprehensions,
keyword arguments, comparisons, a ``#`` comment, ...) raises :class:`ExprError` (a ``ValueError``)
whose one-line message names the offending piece of the text.

Constant sub-expressions (``2**10``, ``log(2)``, ``1/3``) are folded once, at parse time, in
float64; the folded value must be a finite real number, else the parse fails naming the piece
(``1/0``, ``0**-1``, ``2**1024``, ``(-1)**0.5``, ``log(-1)``): no constant is ever silently
infinite, NaN or a complex number with its imaginary part dropped. Sizes are bounded: at most
``MAX_LENGTH`` characters, ``MAX_DEPTH`` levels of nesting, numeric literals of at most
``MAX_LITERAL`` characters, and constant exponents of ``x`` of at most ``MAX_EXPONENT`` in
absolute value. The accepted tree becomes a small tree of frozen dataclasses whose
``__call__`` applies the matching ``jax.numpy`` function: the result is a pure, hashable function
of ``x`` (two parses of the same text compare equal, so ``jax.jit`` caches hit), differentiable
with ``jax.grad``.

Example::

    >>> f = parse("log(1 - x)")
    >>> float(f(0.5))           # log(1/2)
    -0.6931471805599453
"""

from __future__ import annotations

import ast
import dataclasses
import math

import numpy as np

__all__ = ["FUNCTIONS", "MAX_COST", "MAX_DEPTH", "MAX_EXPONENT", "MAX_LENGTH", "MAX_LITERAL",
           "VARIABLES", "Expr", "ExprError", "cost", "parse"]

MAX_LENGTH = 2000  # characters
MAX_DEPTH = 60  # nesting of the expression tree
MAX_LITERAL = 40  # characters of one numeric literal (float64 carries 17 significant digits)
MAX_EXPONENT = 1000  # |c| in x**c: larger powers are 0 or inf in float64 for any x != 1
#: bound on ``cost`` (about the operations jax traces for f, f' and f''): the analyses trace
#: and compile all three, and that size, not the text's, sets the time. A 59-level tower
#: x**x**...**x (175 characters, cost 3600) took ~5 minutes to check; 16 levels (cost 1000)
#: 18 s; every expression of the docs and tests costs < 300
MAX_COST = 1500

# name -> number of positional arguments
FUNCTIONS = {
    "log": 1, "log1p": 1, "exp": 1, "sqrt": 1, "tanh": 1, "sigmoid": 1, "softplus": 1,
    "abs": 1, "relu": 1, "minimum": 2, "maximum": 2,
}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNOPS = {ast.USub: "-", ast.UAdd: "+"}

#: the names of the one variable (the discriminator's value): ``log(x)`` and ``log(D)`` are the
#: same function and compare equal
VARIABLES = ("x", "D")

_ALLOWED = ("numbers, the variable x (or D), + - * / **, unary - and +, and calls of "
            + ", ".join(FUNCTIONS))


class ExprError(ValueError):
    """An expression outside the whitelist (or not an expression at all)."""


def _jnp_function(name):
    import jax
    import jax.numpy as jnp

    return {
        "log": jnp.log, "log1p": jnp.log1p, "exp": jnp.exp, "sqrt": jnp.sqrt,
        "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid, "softplus": jax.nn.softplus,
        "abs": jnp.abs, "relu": jax.nn.relu, "minimum": jnp.minimum, "maximum": jnp.maximum,
    }[name]


# -- the evaluation tree (frozen, hashable) ---------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Num:
    value: float

    def __call__(self, x):
        return self.value

    def text(self):
        return repr(self.value)


@dataclasses.dataclass(frozen=True)
class _X:
    # the name as written (x or D) is for display only: log(x) and log(D) are equal and hash
    # alike, so either spelling hits the same jit cache
    name: str = dataclasses.field(default="x", compare=False)

    def __call__(self, x):
        return x

    def text(self):
        return self.name


@dataclasses.dataclass(frozen=True)
class _Bin:
    op: str
    left: object
    right: object

    def __call__(self, x):
        a, b = self.left(x), self.right(x)
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        if self.op == "/":
            return a / b
        return a ** b

    def text(self):
        return f"({self.left.text()} {self.op} {self.right.text()})"


@dataclasses.dataclass(frozen=True)
class _Un:
    op: str
    operand: object

    def __call__(self, x):
        v = self.operand(x)
        return -v if self.op == "-" else +v

    def text(self):
        return f"({self.op}{self.operand.text()})"


@dataclasses.dataclass(frozen=True)
class _Call:
    name: str
    args: tuple

    def __call__(self, x):
        import jax.numpy as jnp

        vals = [jnp.asarray(a(x), dtype=jnp.result_type(float)) for a in self.args]
        return _jnp_function(self.name)(*vals)

    def text(self):
        return f"{self.name}({', '.join(a.text() for a in self.args)})"


@dataclasses.dataclass(frozen=True)
class Expr:
    """A parsed expression: ``Expr(source, tree)``; call it on a scalar or array ``x``.

    Equality and hashing go by the parsed tree, so ``parse("x+1") == parse("x + 1")``.
    """

    source: str = dataclasses.field(compare=False)
    tree: object

    def __call__(self, x):
        import jax.numpy as jnp

        x = jnp.asarray(x)
        out = self.tree(x)
        return jnp.broadcast_to(jnp.asarray(out, dtype=jnp.result_type(x, float)), x.shape)

    def __str__(self):
        return self.source

    @property
    def canonical(self) -> str:
        """Fully parenthesised form of the accepted tree (what will be computed)."""
        return self.tree.text()


# -- the work an expression causes ----------------------------------------------------------
#: operations that jax traces for f, f' and f'' of one node, its operands' own excluded
#: (measured: ``len(jax.make_jaxpr(g)(0.5).eqns)`` summed over g = f, grad f, grad grad f, for
#: the node alone, less its leaves); ``(both operands vary, one is a constant)``. Composition
#: adds them up (the chain rule shares the operands' values), e.g. x**x**x: 132 traced, 127 here.
_OP_COST = {
    "+": (2, 3), "-": (4, 3), "*": (9, 5), "/": (26, 18), "**": (59, 24), "neg": (5, 5),
    "log": (12, 12), "log1p": (15, 15), "exp": (10, 10), "sqrt": (17, 17), "tanh": (24, 24),
    "sigmoid": (20, 20), "softplus": (10, 10), "abs": (16, 16), "relu": (10, 10),
    "minimum": (43, 22), "maximum": (43, 22),
}
_LEAF_COST = 3  # x itself in f, f', f''


def _cost(node) -> int:
    if isinstance(node, _Num):
        return 0
    if isinstance(node, _X):
        return _LEAF_COST
    if isinstance(node, _Un):
        inner = _cost(node.operand)
        return inner + (_OP_COST["neg"][0] if node.op == "-" else 0)
    kids = (node.left, node.right) if isinstance(node, _Bin) else node.args
    parts = [_cost(k) for k in kids]
    varying = sum(1 for k in kids if not isinstance(k, _Num))
    both, one = _OP_COST[node.op if isinstance(node, _Bin) else node.name]
    return sum(parts) + (both if varying == len(kids) else one)


def cost(expr) -> int:
    """About how many operations jax traces for f, f' and f'' (``_OP_COST``): what tracing and
    compiling take time in proportion to (about 20 ms each in ``gandyn check``), and which grows
    with the kind of operation, not the length of the text (``x**x**...`` vs ``x+x+...``)."""
    return _cost(expr.tree if isinstance(expr, Expr) else expr)


# -- constant folding (float64, checked) ---------------------------------------------------
def _softplus(v):
    return np.logaddexp(0.0, v)


_NP_FUNCTIONS = {
    "log": np.log, "log1p": np.log1p, "exp": np.exp, "sqrt": np.sqrt, "tanh": np.tanh,
    "sigmoid": lambda v: 0.5 * (1.0 + np.tanh(0.5 * v)), "softplus": _softplus,
    "abs": np.abs, "relu": lambda v: np.maximum(v, 0.0), "minimum": np.minimum,
    "maximum": np.maximum,
}


def _fold(src, node, compute) -> _Num:
    """``_Num(compute())`` if that is a finite real float64, else ExprError naming ``node``."""
    piece = _piece(src, node)
    try:
        with np.errstate(all="ignore"):
            v = compute()
    except ZeroDivisionError:
        raise ExprError(f"constant {piece!r} divides by zero (expression {src!r})") from None
    except (OverflowError, ValueError, ArithmeticError):
        v = math.inf
    if isinstance(v, complex):
        raise ExprError(f"constant {piece!r} is not a real number (expression {src!r})")
    v = float(v)
    if not math.isfinite(v):
        raise ExprError(f"constant {piece!r} evaluates to {v!r} in float64, not a finite number "
                        f"(expression {src!r})")
    return _Num(v)


def _pow(a: float, b: float) -> float:
    if a == 0.0 and b < 0:
        raise ZeroDivisionError
    return a ** b


# -- AST -> tree, with the whitelist --------------------------------------------------------
def _piece(src: str, node) -> str:
    seg = ast.get_source_segment(src, node)
    return seg if seg is not None else type(node).__name__


def _refuse(src, node, what) -> ExprError:
    return ExprError(f"{what} {_piece(src, node)!r} is not allowed in expression {src!r}; "
                     f"allowed: {_ALLOWED}")


#: non-ASCII letters that look like the Latin ones of ``x`` and the function names
_LOOKALIKES = dict(zip("\u0445\u0425\u03c7\u03a7\u0430\u0435\u043e\u0440\u0441\u0443\u0456"
                       "\u0458\u0455\u03bf\u03b1\u03c1\u03bd\u03c4\u03b9\u0501\u0261",
                       "xxxxaeopcyijsoaopvtidg"))


def _name_error(src, node) -> ExprError:
    """A refused name; one written with a non-ASCII look-alike (Cyrillic х for x) says so."""
    import unicodedata

    name = node.id
    odd = [c for c in name if not c.isascii()]
    if not odd:
        if name in ("X", "d"):  # the variable in the wrong case
            return ExprError(f"name {name!r} is not allowed in expression {src!r}: the variable "
                             "is x or D (lower-case x, upper-case D)")
        return _refuse(src, node, "name")
    c = odd[0]
    what = unicodedata.name(c, "unnamed character").lower()
    script = what.split()[0].capitalize()
    latin = "".join(_LOOKALIKES.get(ch, ch) for ch in name)
    guess = (f"; did you mean Latin {latin!r}?" if latin in VARIABLES or latin in FUNCTIONS
             else "")
    return ExprError(f"name {name!r} in expression {src!r} is not allowed: {c!r} is the "
                     f"{script} character U+{ord(c):04X} ({what}), not an ASCII letter{guess}")


def _build(src: str, node, depth: int):
    if depth > MAX_DEPTH:
        raise ExprError(f"expression {src[:60]!r}... is nested more than {MAX_DEPTH} deep")
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _refuse(src, node, f"constant of type {type(v).__name__}")
        piece = _piece(src, node)
        if len(piece) > MAX_LITERAL:
            raise ExprError(f"number {piece[:20]}... has {len(piece)} characters; the limit is "
                            f"{MAX_LITERAL} (expression {src[:60]!r})")
        return _fold(src, node, lambda: float(v))
    if isinstance(node, ast.Name):
        if node.id not in VARIABLES:
            raise _name_error(src, node)
        return _X(node.id)
    if isinstance(node, ast.BinOp):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise _refuse(src, node, f"operator {type(node.op).__name__} in")
        left, right = _build(src, node.left, depth + 1), _build(src, node.right, depth + 1)
        if isinstance(left, _Num) and isinstance(right, _Num):
            a, b = left.value, right.value
            fn = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
                  "/": lambda: a / b, "**": lambda: _pow(a, b)}[op]
            return _fold(src, node, fn)
        if op == "**" and isinstance(right, _Num) and abs(right.value) > MAX_EXPONENT:
            raise ExprError(f"exponent {_piece(src, node.right)!r} in {_piece(src, node)!r} is "
                            f"larger than {MAX_EXPONENT} in absolute value (expression {src!r})")
        return _Bin(op, left, right)
    if isinstance(node, ast.UnaryOp):
        op = _UNOPS.get(type(node.op))
        if op is None:
            raise _refuse(src, node, f"unary operator {type(node.op).__name__} in")
        operand = _build(src, node.operand, depth + 1)
        if isinstance(operand, _Num):
            return _Num(-operand.value if op == "-" else operand.value)
        return _Un(op, operand)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise _refuse(src, node.func, "call of")
        name = node.func.id
        if name not in FUNCTIONS:
            raise (_name_error(src, node.func) if not name.isascii()
                   else _refuse(src, node.func, "function"))
        if node.keywords:
            raise _refuse(src, node.keywords[0], "keyword argument")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise _refuse(src, node, "starred argument in")
        if len(node.args) != FUNCTIONS[name]:
            raise ExprError(f"{name} takes {FUNCTIONS[name]} argument(s), got {len(node.args)} "
                            f"in {_piece(src, node)!r} (expression {src!r})")
        args = tuple(_build(src, a, depth + 1) for a in node.args)
        if all(isinstance(a, _Num) for a in args):
            return _fold(src, node, lambda: _NP_FUNCTIONS[name](*(np.float64(a.value)
                                                                  for a in args)))
        return _Call(name, args)
    kinds = {
        ast.Attribute: "attribute access", ast.Subscript: "subscript", ast.Lambda: "lambda",
        ast.Compare: "comparison", ast.BoolOp: "boolean operation", ast.IfExp: "conditional",
        ast.JoinedStr: "f-string", ast.List: "list", ast.Tuple: "tuple", ast.Dict: "dict",
        ast.Set: "set", ast.ListComp: "comprehension", ast.GeneratorExp: "generator",
        ast.SetComp: "comprehension", ast.DictComp: "comprehension",
        ast.NamedExpr: "assignment expression", ast.Starred: "starred expression",
    }
    raise _refuse(src, node, kinds.get(type(node), f"syntax {type(node).__name__}"))


def _one_line(msg: str) -> str:
    return " ".join(msg.split())


def parse(source: str) -> Expr:
    """Parse ``source`` (an expression in ``x`` or ``D``) into a pure jnp function, or raise
    ExprError.

    Raises:
      ExprError: the text is not a Python expression, is longer than ``MAX_LENGTH`` characters,
        nests deeper than ``MAX_DEPTH``, contains a ``#`` comment, has a constant part that is
        not a finite real float64 number, or uses anything outside the whitelist (the one-line
        message quotes the offending piece and lists what is allowed).
    """
    try:
        return _parse(source)
    except ExprError as e:
        raise ExprError(_one_line(str(e))) from None


def _parse(source: str) -> Expr:
    if not isinstance(source, str):
        raise ExprError(f"expression must be a string, got {type(source).__name__}")
    if len(source) > MAX_LENGTH:
        raise ExprError(f"expression is {len(source)} characters long; the limit is {MAX_LENGTH}")
    if not source.strip():
        raise ExprError("empty expression; write a function of x (or D) such as 'log(x)'")
    if "#" in source:  # Python would drop the rest as a comment: refuse instead of ignoring it
        rest = source[source.index("#"):]
        raise ExprError(f"comment {rest[:60]!r} is not allowed in expression {source[:80]!r}: "
                        "the text after '#' would be ignored")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        raise ExprError(f"not a valid expression: {source!r} ({e.msg})") from None
    except (ValueError, RecursionError, MemoryError) as e:  # e.g. null bytes, absurd nesting
        raise ExprError(f"not a valid expression: {source[:60]!r} ({e})") from None
    try:
        built = _build(source.strip(), tree.body, 0)
    except (RecursionError, MemoryError):
        raise ExprError(f"expression {source[:60]!r}... is nested too deeply") from None
    names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} & set(VARIABLES))
    if len(names) > 1:  # D*x: two names for one variable is more likely a slip than intended
        raise ExprError(f"expression {source[:60]!r} uses both x and D: they name the same "
                        "variable (the discriminator's value); write one of them")
    c = cost(built)
    if c > MAX_COST:
        raise ExprError(f"expression {source[:60]!r} is too costly: f, f' and f'' "
                        f"need about {c} traced operations; the limit is {MAX_COST}")
    return Expr(source.strip(), built)
