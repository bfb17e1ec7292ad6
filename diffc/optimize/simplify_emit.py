"""A simplified chain written back: a SymPy expression as the recipe's operations
(``_Emitter``), and the comment that explains the recipe in the generated code (``_note``).
"""
from __future__ import annotations

from diffc.core.ir import VarKind
from diffc.optimize.simplify_ops import _FUNCTIONS, _Unsupported, _weight


def _note(info, names):
    """The emitted comment's text for a rewrite (``info`` from ``_solve``)."""
    kind, sign, arg, minus, arg_vars, reused = info
    kind, _, factor = (kind or "").partition(" * ")
    times = f" (times {factor})" if factor else ""
    printable = all(names[i].kind is VarKind.USER and names[i].hint.isidentifier() for i in arg_vars)
    hints = {f"v{i}": names[i].hint for i in arg_vars}
    a = arg.format(**hints) if printable and arg else None
    na = minus.format(**hints) if printable and minus else None
    users = [names[i].hint for i in reused if names[i].kind is VarKind.USER]
    if kind == "sigmoid'":
        what = (f"sigmoid s = 1 / (1 + exp({na}))" if a else "a sigmoid s") + " has derivative s * (1 - s)"
        where = _from_forward("s", users, reused)
    elif kind == "sigmoid":
        form = f"exp({a}) / (1 + exp({a}))" if sign > 0 else f"1 / (1 + exp({na}))"
        what = f"the derivative is sigmoid({a}) = {form}" if a else "the derivative is a sigmoid"
        where = ""
    elif kind == "tanh'":
        what = (f"t = tanh({a})" if a else "a tanh t") + " has derivative 1 - t ** 2"
        where = _from_forward("t", users, reused)
    elif kind == "tanh":
        what = f"the derivative is tanh({a})" if a else "the derivative is a tanh"
        where = ""
    else:
        what, where = "simplified symbolically", ""
    what += times
    if not where and reused:
        where = ", reusing forward values" if len(reused) > 1 else ", reusing a forward value"
        if users and len(users) == len(reused):
            where += " " + ", ".join(users)
    elif not reused and kind:
        where = ", recomputed"
    return ("simplified: " if kind else "") + what + where


def _from_forward(letter, users, reused):
    if len(reused) != 1 or len(users) != 1:
        return ""
    return f", {letter} from the forward pass" if users[0] == letter else \
        f", {letter} is {users[0]} from the forward pass"


class _Emitter:
    """A sympy expression as NumPy operations (op list), costed; only what is safe."""

    def __init__(self, sp, S, divisors, recomputed, scalars):
        self.sp = sp
        self.index = {s: i for i, s in enumerate(S)}
        self.divisors = divisors
        self.recomputed = recomputed
        self.scalar_syms = scalars
        self.scalar_refs = {("v", self.index[s]) for s in scalars}
        self.ops = []
        self.made = {}
        self.cost = 0

    def op(self, op, *args):
        key = (op, args)
        if key not in self.made:
            self.ops.append((op, args))
            ref = ("t", len(self.ops) - 1)
            scalar = all(a[0] == "c" or a in self.scalar_refs for a in args)
            if scalar:
                self.scalar_refs.add(ref)
            self.cost += _weight(op, args, scalar)
            self.made[key] = ref
        return self.made[key]

    def is_scalar(self, e):
        """Whether ``e`` is a scalar: every value it reads is one."""
        return all(s in self.scalar_syms if s not in self.recomputed
                   else self.is_scalar(self.recomputed[s]) for s in e.free_symbols)

    def top(self, expr, g, named_first):
        """``g * expr``: ``g`` leads the product, or multiplies a named value of ``expr``."""
        lead = ("v", self.index[g])
        if named_first:
            value = self.expr(expr)
            if value[0] != "t":
                raise _Unsupported("nothing to name")
            named = int(value[1])
            if self.op("mul", lead, value) != ("t", len(self.ops) - 1):
                raise _Unsupported("the result is not computed last")
            return list(self.ops), named
        if expr.is_Mul or (expr.is_Pow and expr.exp.is_negative):
            result = self.product(expr, lead)
        else:
            result = self.op("mul", lead, self.expr(expr))
        if result != ("t", len(self.ops) - 1):
            raise _Unsupported("the result is not computed last")
        return list(self.ops), None

    @staticmethod
    def const(value):
        value = int(value) if value.is_Integer else float(value)
        return ("c", type(value).__name__, value)

    def expr(self, e):
        sp = self.sp
        if e.is_Number:
            if not e.is_Rational and not e.is_Float:
                raise _Unsupported(f"the number {e}")
            return self.const(e)
        if e.is_Symbol:
            if e in self.recomputed:
                return self.expr(self.recomputed[e])
            if e not in self.index:
                raise _Unsupported(f"the symbol {e}")
            return ("v", self.index[e])
        if e.is_Add:
            return self.sum(e)
        if e.is_Mul or (e.is_Pow and e.exp.is_negative):
            return self.product(e, None)
        if e.is_Pow:
            return self.power(e.base, e.exp)
        for name in _FUNCTIONS:
            if isinstance(e, getattr(sp, name)):
                return self.op(name, self.expr(e.args[0]))
        raise _Unsupported(f"the expression {e}")

    def power(self, base, exponent):
        sp = self.sp
        if base in self.recomputed and isinstance(self.recomputed[base], sp.exp):
            return self.expr(sp.exp(self.recomputed[base].args[0] * exponent))
        if exponent == 1:
            return self.expr(base)
        if exponent.is_Integer:
            return self.op("pow", self.expr(base), self.const(exponent))
        if exponent == sp.Rational(1, 2):
            return self.op("sqrt", self.expr(base))
        if exponent.is_Rational:
            return self.op("pow", self.expr(base), self.const(exponent))
        raise _Unsupported(f"the power {exponent}")

    def sum(self, e):
        pos, neg = [], []
        for t in e.args:
            if t.could_extract_minus_sign():
                neg.append(-t)
            else:
                pos.append(t)
        # a constant after the other terms (x + 1), but first in a difference (1 - s)
        pos.sort(key=lambda t: t.is_Number != bool(neg))
        if pos:
            acc = self.expr(pos[0])
            rest = pos[1:]
        else:
            acc = self.op("neg", self.expr(neg[0]))
            rest, neg = [], neg[1:]
        for t in rest:
            acc = self.op("add", acc, self.expr(t))
        for t in neg:
            acc = self.op("sub", acc, self.expr(t))
        return acc

    def product(self, e, lead):
        sp = self.sp
        c, num, den, negate = _factors(e)
        for base, _ in den:
            if not (base in self.divisors or base.is_positive or base in self.recomputed):
                raise _Unsupported(f"a division by {base}, which may vanish")
        num.sort(key=lambda f: not f.is_Symbol)     # plain values first, then sums and powers
        # scalars first (dout / n: one division of numbers), then the arrays they scale
        refs = [lead] if lead is not None else []
        if c != 1:
            refs.append(self.const(c))
        refs += [self.expr(f) for f in num]
        dens = [self.power(base, exponent) for base, exponent in den]
        small = [r for r in refs if r[0] == "c" or r in self.scalar_refs]
        small_den = [r for r in dens if r in self.scalar_refs]
        large = [r for r in refs if r not in small]
        large_den = [r for r in dens if r not in small_den]
        acc = None
        for group, divisors in ((small, small_den), (large, large_den)):
            for r in group:
                acc = r if acc is None else self.op("mul", acc, r)
            divisor = None
            for r in divisors:
                divisor = r if divisor is None else self.op("mul", divisor, r)
            if divisor is not None:
                acc = self.op("div", acc if acc is not None else self.const(sp.Integer(1)), divisor)
            if negate and acc is not None and (acc in self.scalar_refs or group is large):
                acc = self.op("neg", acc)
                negate = False
        if acc is None:
            acc = self.const(sp.Integer(1))
        if negate:
            acc = self.op("neg", acc)
        return acc


def _factors(e):
    """Product ``e`` as ``(c, numerator factors, [(base, exponent)] of the denominator,
    negate)``, ``c`` positive: a negative coefficient goes into a sum of the numerator
    (one with a negative constant first), else it is a negation."""
    c, factors = e.as_coeff_mul()
    num, den = [], []
    for f in factors:
        base, exponent = f.as_base_exp()
        if exponent.is_Number and exponent < 0:
            den.append((base, -exponent))
        else:
            num.append(f)
    negate = False
    if c < 0:
        sums = [k for k, f in enumerate(num) if f.is_Add]
        if sums:
            k = next((k for k in sums if num[k].as_coeff_add()[0] < 0), sums[0])
            num[k] = -num[k]
        else:
            negate = True
        c = -c
    return c, num, den, negate
