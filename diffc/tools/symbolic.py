"""Symbolic derivatives: a function's IR → sympy expressions of its value and partials.

``diffc.symbolic(f)`` lowers ``f`` with the ordinary front end (so it sees exactly the
equations diffc differentiates), maps each primitive to the sympy function with the
same meaning, and differentiates with sympy. It is an oracle independent of diffc's
rules: ``check_grads(..., modes=(..., "symbolic"))`` compares with it.

Only scalar straight-line code has a sympy meaning here: every parameter is a real
scalar symbol, and an operation on arrays (indexing, reductions, ``@``...) or control
flow is a located ``SymbolicUnsupported`` error. ``diffc.stop_gradient`` becomes a
function whose derivative is zero. ``maximum``/``minimum`` become ``Max``/``Min``,
whose derivative at a tie is sympy's ``Heaviside(0) = 1/2``, diffc's convention too.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from diffc.compiler import pipeline
from diffc.frontend import source
from diffc.errors import DiffcError
from diffc.core.ir import Const, Eqn, Pack, Var

sp = None            # SymPy, imported on first use: its import alone outlasts a first compile


class SymbolicUnsupported(DiffcError):
    """The function is not scalar straight-line code, so it has no sympy form here."""


def _where(condition, x, y):
    return sp.Piecewise((x, condition), (y, True))


def _clip(a, lo, hi):
    if lo is not None:
        a = sp.Max(a, lo)
    return sp.Min(a, hi) if hi is not None else a


def _sympy():
    """SymPy, imported on first use."""
    global sp
    if sp is None:
        import sympy
        sp = sympy
    return sp


@functools.lru_cache(maxsize=None)
def _stop_gradient():
    """``diffc.stop_gradient(x)`` as a sympy function: ``x`` in value, derivative zero."""

    class StopGradient(_sympy().Function):
        @classmethod
        def eval(cls, x):
            return x if x.is_Number else None

        def fdiff(self, argindex=1):
            return sp.S.Zero

    return StopGradient


# each primitive's sympy meaning: a function of sympy expressions, or the name of one of
# sympy's own (looked up when first used)
_MAKERS = {
    "negative": lambda x: -x, "positive": lambda x: x, "exp": "exp", "log": "log",
    "exp2": lambda x: 2 ** x, "expm1": lambda x: sp.exp(x) - 1, "log1p": lambda x: sp.log(1 + x),
    "log2": lambda x: sp.log(x, 2), "log10": lambda x: sp.log(x, 10), "sqrt": "sqrt",
    "cbrt": lambda x: sp.sign(x) * sp.Abs(x) ** sp.Rational(1, 3), "square": lambda x: x ** 2,
    "reciprocal": lambda x: 1 / x, "absolute": "Abs", "sign": "sign", "floor": "floor",
    "ceil": "ceiling", "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "asin",
    "arccos": "acos", "arctan": "atan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
    "deg2rad": lambda x: x * sp.pi / 180, "rad2deg": lambda x: x * 180 / sp.pi,
    "sinc": lambda x: sp.sin(sp.pi * x) / (sp.pi * x),
    "stop_gradient": lambda x: _stop_gradient()(x),
    "add": lambda x, y: x + y, "subtract": lambda x, y: x - y, "multiply": lambda x, y: x * y,
    "divide": lambda x, y: x / y, "power": lambda x, y: x ** y, "float_power": lambda x, y: x ** y,
    "maximum": "Max", "minimum": "Min", "fmax": "Max", "fmin": "Min",
    "builtin_max": "Max", "builtin_min": "Min", "arctan2": "atan2",
    "hypot": lambda x, y: sp.sqrt(x ** 2 + y ** 2),
    "logaddexp": lambda x, y: sp.log(sp.exp(x) + sp.exp(y)),
    "logaddexp2": lambda x, y: sp.log(2 ** x + 2 ** y, 2),
    "greater": "StrictGreaterThan", "less": "StrictLessThan", "greater_equal": "GreaterThan",
    "less_equal": "LessThan", "equal": "Eq", "not_equal": "Ne",
    "where": _where,
    "clip": lambda a, lo=None, hi=None: _clip(a, lo, hi),
    "constant": lambda v: v,
}


def _maker(prim):
    """The sympy function for primitive ``prim``, or None."""
    make = _MAKERS.get(prim)
    return getattr(_sympy(), make) if isinstance(make, str) else make


@dataclass
class SymbolicGradient:
    """``value``: f as a sympy expression of ``symbols`` (one per parameter, by name);
    ``partials``: its derivative with respect to each parameter asked for, by name."""
    value: sp.Expr
    partials: dict
    symbols: dict

    def gradient(self, *args):
        """The partials evaluated at ``args`` (floats), in the order of ``partials``."""
        point = {self.symbols[name]: sp.Float(float(a), 30)
                 for name, a in zip(self.symbols, args) if _is_number(a)}
        return tuple(float(sp.N(expr.subs(point), 20)) for expr in self.partials.values())


def _is_number(a):
    try:
        float(a)
    except (TypeError, ValueError):
        return False
    return True


def symbolic(fn, wrt=None) -> SymbolicGradient:
    """sympy expressions of ``fn`` (scalar straight-line code) and of its partial
    derivatives with respect to ``wrt`` (indices or names; default: every parameter)."""
    src = source.from_function(fn)
    func = pipeline.lower(src)
    _sympy()
    symbols = {p.name: sp.Symbol(p.name, real=True) for p in func.params}
    env = {p: symbols[p.name] for p in func.params}
    for eqn in func.body:
        env[eqn.outs[0]] = _expression(eqn, env)
    if len(func.results) != 1 or isinstance(func.results[0], Pack):
        raise SymbolicUnsupported("symbolic needs a function returning one scalar", src.loc())
    value = _atom(func.results[0], env, func.loc)
    names = list(symbols) if wrt is None else [_name(fn, symbols, w) for w in
                                               (wrt if isinstance(wrt, (tuple, list)) else (wrt,))]
    partials = {name: sp.diff(value, symbols[name]) for name in names}
    return SymbolicGradient(value, partials, symbols)


def _name(fn, symbols, w):
    names = list(symbols)
    if isinstance(w, str) and w in symbols:
        return w
    if isinstance(w, int) and -len(names) <= w < len(names):
        return names[w]
    raise ValueError(f"wrt={w!r} is neither a parameter name nor an index of {fn.__name__}{tuple(names)}")


def _expression(eqn, env):
    if not isinstance(eqn, Eqn) or not eqn.outs:
        raise SymbolicUnsupported("symbolic works on straight-line code, not control flow",
                                  eqn.loc, "check this function with modes without 'symbolic'")
    make = _maker(eqn.prim)
    if make is None:
        raise SymbolicUnsupported(
            f"symbolic works on scalar code; {eqn.prim} has no scalar sympy form", eqn.loc,
            "use diffc.testing.check_grads without 'symbolic' for array code")
    args = [_atom(a, env, eqn.loc) for a in eqn.args]
    kwargs = {k: _atom(a, env, eqn.loc) for k, a in eqn.kwargs.items()}
    return make(*args, **kwargs)


def _atom(atom, env, loc):
    if isinstance(atom, Var):
        return env[atom]
    value = atom.value if isinstance(atom, Const) else atom
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) or isinstance(value, float) and value.is_integer():
        return sp.Integer(int(value))
    if isinstance(value, float):
        return sp.Float(value)        # the double exactly, as NumPy sees it
    raise SymbolicUnsupported(f"symbolic works on scalar code; the constant {atom} is not a number",
                              loc, "use diffc.testing.check_grads without 'symbolic' for array code")


def applies(fn, args) -> bool:
    """Whether ``symbolic`` can check ``fn`` at ``args``: scalar arguments, scalar code."""
    if not all(isinstance(a, (bool, int, float)) for a in args):
        return False
    try:
        symbolic(fn)
    except SymbolicUnsupported:
        return False
    return True
