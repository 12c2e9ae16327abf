"""The analysis programs' compile options: probed, never fatal, same results as plain jit."""
import jax
import jax.numpy as jnp
import numpy as np

from gandyn import _xla


def test_unknown_option_falls_back_to_defaults(monkeypatch):
    monkeypatch.setattr(_xla, "FAST_COMPILE", {"xla_no_such_option_in_any_xla": True})
    _xla.compile_options.cache_clear()
    try:
        assert _xla.compile_options() == ()
        f = _xla.fast_compile_jit(lambda x: jnp.log1p(x) * 2)
        np.testing.assert_allclose(f(jnp.arange(3.0)), 2 * np.log1p(np.arange(3.0)))
    finally:
        _xla.compile_options.cache_clear()


def test_probe_on_this_backend():
    opts = dict(_xla.compile_options())
    assert opts in ({}, _xla.FAST_COMPILE)
    if jax.default_backend() != "cpu":
        assert opts == {}


def test_same_values_as_plain_jit_and_static_args_and_lower():
    def g(n, x):
        return jnp.sin(x) ** n + jnp.exp(-x) / (1 + x * x)

    fast = _xla.fast_compile_jit(g, static_argnums=0)
    plain = jax.jit(g, static_argnums=0)
    x = jnp.linspace(-3, 3, 101)
    np.testing.assert_array_equal(fast(3, x), plain(3, x))
    compiled = fast.lower(2, jax.ShapeDtypeStruct(x.shape, x.dtype)).compile()
    np.testing.assert_array_equal(compiled(x), plain(2, x))
    assert fast.__name__ == "g"
