"""The symbolic part of the simplifier: a chain's adjoint as SymPy expressions, reduced
and scored, and the cheapest form found (``_solve``).
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

from diffc.optimize.simplify_emit import _Emitter
from diffc.optimize.simplify_ops import _Unsupported, _sympy, _weight


_MAX_COMBOS = 12         # ways of expressing the chain's atoms that are tried


def _number(sp, value):
    if isinstance(value, bool):
        raise _Unsupported("a boolean operand")
    if not math.isfinite(value):
        raise _Unsupported("a constant that is not finite")
    if isinstance(value, int) or float(value).is_integer():
        return sp.Integer(int(value))
    return sp.Rational(value)          # the float's exact value


def _build(sp, op, args):
    if op == "add":
        return args[0] + args[1]
    if op == "sub":
        return args[0] - args[1]
    if op == "mul":
        return args[0] * args[1]
    if op == "div":
        return args[0] / args[1]
    if op == "neg":
        return -args[0]
    if op == "pos":
        return args[0]
    if op == "pow":
        return args[0] ** args[1]
    if op == "square":
        return args[0] ** 2
    if op == "recip":
        return 1 / args[0]
    if op == "sqrt":
        return sp.sqrt(args[0])
    return getattr(sp, op)(args[0])


def _split(sp, arg):
    """``arg`` as ``c * rest`` with ``c`` a rational number (sign taken out of a sum)."""
    c, rest = arg.as_coeff_Mul()
    if rest.is_Add and rest.could_extract_minus_sign():
        c, rest = -c, -rest
    return c, rest


def _solve(p):
    """The cheapest equivalent of chain ``p`` as a recipe ``(ops, named, info)``, or None.

    ``ops``: ``(op, argument refs)`` in order, the last one computing the chain's result;
    a ref is ``("v", index)`` (a value of the problem), ``("t", k)`` (the k-th op's
    result) or ``("c", type name, value)``. ``named``: the op computing a recognised
    function into a variable of its own, or None. ``info``: what the comment says.
    """
    sp = _sympy()
    S = [sp.Symbol(f"v{i}", real=True) for i in range(len(p.vars))]
    g = S[p.cot]
    F = sp.together(_chain_expression(sp, p, S).xreplace({g: 1}))  # C = g * F: linear in g
    if F.is_Number:
        return None
    original = sum(_weight(op, args, out in p.scalars) for (_, out), op, args in p.ops)
    scalar_syms = {S[i] for i in p.scalars}
    divisors = set(sp.fraction(F)[1].free_symbols)      # what the chain itself divides by
    available = [i for i in sorted(p.visible) if i != p.cot]
    F_norm, E, bases, atoms = _normalised(sp, p, S, F, available)
    visible_syms = {S[i] for i in available}
    options = _atom_options(sp, F_norm, available, E, S, bases, atoms, visible_syms)
    # (expression, substitution (None: F as written), recomputed)
    candidates = [(F, None, {})] + _substituted(sp, F_norm, options, bases, atoms)

    def score(expr, recomputed, order):
        return _score(sp, expr, g, S, divisors, visible_syms, recomputed, scalar_syms, order)

    scored = _ranked(candidates, score)
    if not scored:
        return None
    refined = _refined(sp, scored[:2], available, E, S, visible_syms, score)
    (cost, *_), expr, _, recomputed = min(refined + scored, key=lambda c: c[0])
    kind, sign, arg, minus, arg_vars = _recognise(sp, F_norm, bases, S)
    if not (cost < original or (cost == original and kind is not None)):
        return None
    named_first = kind in ("sigmoid", "tanh") and not (expr.is_Symbol and expr in visible_syms)
    ops, named = _Emitter(sp, S, divisors, recomputed, scalar_syms).top(expr, g, named_first)
    reused = tuple(sorted(int(str(s)[1:]) for s in expr.free_symbols if s in visible_syms))
    return ops, named, (kind, sign, arg, minus, arg_vars, reused)


def _chain_expression(sp, p, S):
    """The chain's result as a SymPy expression of its values' symbols ``S``."""
    def operand(r, env):
        return _number(sp, r[2]) if r[0] == "c" else env.get(r[1], S[r[1]])

    env = {}
    for (_, out), op, args in p.ops:
        env[out] = _build(sp, op, [operand(a, env) for a in args])
    return env[p.root]


def _normalised(sp, p, S, F, available):
    """``F`` and the available values as functions of the chain's roots, in the normal form
    of ``_normaliser``: ``(F, {value index: expression}, exp bases, other atoms)``."""
    expand = _expander(sp, p, S)
    F_root = F.xreplace({S[i]: expand(i) for i in p.leaves if i in p.defs})
    norm, bases, atoms = _normaliser(sp, [F_root] + [expand(i) for i in available])
    return norm(F_root), {i: norm(expand(i)) for i in available}, bases, atoms


def _ranked(candidates, score):
    """The candidates that have a score (can be written), best first."""
    scored = []
    for n, (expr, sub, recomputed) in enumerate(candidates):
        s = score(expr, recomputed, (0, n))
        if s is not None:
            scored.append((s, expr, sub, recomputed))
    scored.sort(key=lambda c: c[0])
    return scored


def _expander(sp, p, S):
    """``expand(i)``: value ``i`` of the problem as a function of its roots (memoised)."""
    expanded = {}

    def expand(i):
        if i not in expanded:
            d = p.defs.get(i)
            if d is None:
                expanded[i] = S[i]
            elif d[0] == "alias":
                expanded[i] = expand(d[1][0][1])
            else:
                expanded[i] = _build(sp, d[0], [expand(a[1]) if a[0] == "v" else _number(sp, a[2])
                                               for a in d[1]])
        return expanded[i]
    return expand


def _atom_options(sp, F_norm, available, E, S, bases, atoms, visible_syms):
    """The atoms of F (exp bases u, other functions w), each expressed by a forward value
    (solved for it) or recomputed from its roots: for each atom, its ``(atom, choice)``
    options; None when an atom can be neither."""
    options = []
    free = F_norm.free_symbols
    if all(s in visible_syms or s in bases or s in atoms for s in free):
        for s in sorted(free - visible_syms, key=str):
            choices = []
            for i in available:
                if E[i].free_symbols != {s}:
                    continue
                inverse = _inverse(sp, E[i], s, S[i]) if s in bases else (S[i] if E[i] == s else None)
                if inverse is not None:
                    choices.append(inverse)
            if not choices:
                inner = (bases[s] if s in bases else atoms[s]).free_symbols
                if inner <= visible_syms:
                    choices = ["+", "-"] if s in bases else ["+"]
            if not choices:
                return None
            options.append([(s, c) for c in choices])
    return options


def _substituted(sp, F_norm, options, bases, atoms):
    """``F_norm`` with each combination of the atoms' options (at most ``_MAX_COMBOS``), as
    candidates ``(expression, substitution, recomputed)``."""
    candidates = []
    for combo in itertools.islice(itertools.product(*options), _MAX_COMBOS) if options is not None else ():
        sub, recomputed = {}, {}
        for s, choice in combo:
            if choice in ("+", "-"):
                r = sp.Symbol(f"{s}{'m' if choice == '-' else 'p'}", positive=True)
                if s in bases:
                    rest = bases[s]
                    recomputed[r] = sp.exp(rest if choice == "+" else -rest)
                    sub[s] = r if choice == "+" else 1 / r
                else:
                    recomputed[r] = atoms[s]
                    sub[s] = r
            else:
                sub[s] = choice
        candidates.append((sp.together(F_norm.xreplace(sub)), sub, recomputed))
    return candidates


def _refined(sp, best, available, E, S, visible_syms, score):
    """The best candidates (as SymPy combines them, which is cheap) also with common
    factors taken out (s * (1 - s)), cancelled, fully factored, and with other forward
    values substituted for the subexpressions they are (exp + 1 -> add)."""
    refined = []
    for s, expr, sub, recomputed in best:
        n = s[-1][1]
        forms = _reduced(sp, expr)
        for k, form in enumerate(forms):
            s2 = score(form, recomputed, (k + 1, n))
            if s2 is not None:
                refined.append((s2, form, sub, recomputed))
        if sub is None:
            continue
        patterns = []
        for i in available:
            pattern = sp.together(E[i].xreplace(sub))
            if not (pattern.is_Atom or pattern.is_Number) and pattern.free_symbols <= visible_syms | set(recomputed):
                patterns.append((sp.count_ops(pattern), i, pattern))
        patterns.sort(key=lambda t: (-t[0], t[1]))
        for form in (expr, *forms[:1]):
            for j, (_, i, pattern) in enumerate(patterns):
                if not pattern.free_symbols <= form.free_symbols:
                    continue            # a symbol the form lacks: subs cannot find the pattern
                again = form.subs(pattern, S[i])
                if again != form:
                    form = again
                    s2 = score(form, recomputed, (4 + j, n))
                    if s2 is not None:
                        refined.append((s2, form, sub, recomputed))
    return refined


def _reduced(sp, expr):
    """Candidate ``expr`` (as ``together`` combined it) in lowest terms, in the forms the
    refinement scores: with common factors taken out, expanded, and fully factored when
    a common factor cancelled. Empty when there is nothing to reduce."""
    if not expr.atoms(sp.Add):
        return []           # a product of powers of symbols: in lowest terms already
    num, den = sp.fraction(expr)
    if not den.atoms(sp.Add) and not (den.free_symbols & num.free_symbols):
        # a monomial denominator with no symbol of the numerator: nothing cancels, and
        # the candidate is already factored (cancel and factor would expand it and factor
        # it again, at a third of this pass's time)
        expanded = sp.expand(num) / den
        return [sp.factor_terms(expanded), expanded]
    cancelled = sp.cancel(expr)
    return [sp.factor_terms(cancelled), cancelled, sp.factor(cancelled)]


def _score(sp, expr, g, S, divisors, visible, recomputed, scalars, order):
    """``(cost, recomputations, overflow risk, values read, powers, order)`` of a candidate, or None
    if unusable."""
    if not expr.free_symbols <= (visible | set(recomputed)):
        return None
    emitter = _Emitter(sp, S, divisors, recomputed, scalars)
    try:
        ops, _ = emitter.top(expr, g, False)
    except _Unsupported:
        return None
    cost = emitter.cost
    num = sp.fraction(expr)[0]
    # a larger power of a recomputed exp in the numerator overflows first
    risk = sum(sp.degree(num, r) if num.is_polynomial(r) else 1 for r in recomputed)
    powers = sum(op == "pow" for op, _ in ops)      # as cheap: the factored form, s * (1 - s)
    values = len(expr.free_symbols)         # as cheap: fewer forward values kept alive
    return (cost, len(recomputed), risk, values, powers, order)


def _inverse(sp, e, u, v):
    """``u`` as a function of ``v`` when ``v = e(u)`` is a Möbius map ``(a u + b) / (c u + d)``."""
    if e == u:
        return v
    if e == 1 / u:
        return 1 / v
    num, den = sp.fraction(sp.together(e))
    if not (num.is_polynomial(u) and den.is_polynomial(u)):
        return None
    pn, pd = sp.Poly(num, u), sp.Poly(den, u)
    if pn.degree() > 1 or pd.degree() > 1:
        num, den = sp.fraction(sp.cancel(e))    # a common factor may cancel
        pn, pd = sp.Poly(num, u), sp.Poly(den, u)
        if pn.degree() > 1 or pd.degree() > 1:
            return None
    a, b = (pn.all_coeffs() if pn.degree() == 1 else [0, pn.all_coeffs()[-1]])
    c, d = (pd.all_coeffs() if pd.degree() == 1 else [0, pd.all_coeffs()[-1]])
    if not all(getattr(x, "is_Number", True) for x in (a, b, c, d)) or a * d - b * c == 0:
        return None
    return (d * v - b) / (a - c * v)


def _normaliser(sp, exprs):
    """A function rewriting expressions over symbols: ``exp(k * b * rest)`` → ``u ** k``
    with ``u = exp(b * rest)`` (one ``u`` per ``rest``, ``b`` the largest rational making
    every ``k`` an integer), any other function (or fractional power) → a symbol ``w``.

    Returns ``(norm, bases, atoms)``: ``bases[u]`` = the argument of the exp ``u`` is,
    ``atoms[w]`` = the expression ``w`` stands for.
    """
    bases, by_rest = _exp_bases(sp, exprs)
    atoms, by_atom, memo = {}, {}, {}

    def norm(e):
        if e in memo:
            return memo[e]
        if isinstance(e, sp.exp):
            c, rest = _split(sp, e.args[0])
            if rest in by_rest and c.is_Rational:
                u, step = by_rest[rest]
                memo[e] = u ** (c / step)
                return memo[e]
        if e.is_Function or (e.is_Pow and not e.exp.is_Integer):
            if e not in by_atom:
                w = sp.Symbol(f"w{len(by_atom)}", real=True)
                by_atom[e] = w
                atoms[w] = e
            memo[e] = by_atom[e]
            return memo[e]
        if not e.args:
            return e
        memo[e] = e.func(*[norm(a) for a in e.args])
        return memo[e]

    return norm, bases, atoms


def _exp_bases(sp, exprs):
    """The exps in ``exprs`` grouped by ``rest`` (``exp(k * rest)``, k rational): for each
    group a symbol ``u = exp(b * rest)``; returns ``({u: b * rest}, {rest: (u, b)})``."""
    groups = {}
    for e in exprs:
        for a in e.atoms(sp.exp):
            c, rest = _split(sp, a.args[0])
            if c.is_Rational and not rest.atoms(sp.Function) and not rest.is_Number:
                groups.setdefault(rest, set()).add(c)
    bases, by_rest = {}, {}
    for k, rest in enumerate(sorted(groups, key=sp.default_sort_key)):
        top, bottom = 0, 1
        for c in groups[rest]:
            top = math.gcd(top, abs(int(c.p)))
            bottom = bottom * int(c.q) // math.gcd(bottom, int(c.q))
        step = sp.Rational(top, bottom)
        u = sp.Symbol(f"u{k}", positive=True)
        bases[u] = step * rest
        by_rest[rest] = (u, step)
    return bases, by_rest


def _exactly(e, u, x):
    """The rational function ``e`` of the one symbol ``u`` at ``u = x``, in exact fractions
    (SymPy's own substitution costs a millisecond; this, microseconds)."""
    if e.is_Symbol:
        if e != u:
            raise _Unsupported(e)
        return x
    if e.is_Rational:
        return Fraction(int(e.p), int(e.q))
    if e.is_Add:
        return sum((_exactly(a, u, x) for a in e.args), Fraction(0))
    if e.is_Mul:
        return math.prod((_exactly(a, u, x) for a in e.args), start=Fraction(1))
    if e.is_Pow and e.exp.is_Integer:
        return _exactly(e.base, u, x) ** int(e.exp)
    raise _Unsupported(e)


def _recognise(sp, F, bases, S):
    """Whether ``F`` (normalised) is a sigmoid, a tanh, or one's derivative, of one
    exp's argument: ``(kind, argument, its negation, its value indices)``, printable with
    ``str.format`` of ``v<i>`` names."""
    if len(F.free_symbols) != 1 or next(iter(F.free_symbols)) not in bases:
        return None, 0, None, None, ()
    u = next(iter(F.free_symbols))
    templates = _templates(sp)
    matches = []
    points = [Fraction(k, 7) for k in (3, 11, 19, 30, 45)]
    try:
        at = [_exactly(F, u, x) for x in points]
    except (_Unsupported, ZeroDivisionError):
        return None, 0, None, None, ()
    if 0 in at:
        return None, 0, None, None, ()
    for kind, t, sign in templates:
        # a rational function of degree <= 4 equal to c * t at five points is c * t (the
        # kind only names the rewrite in a comment; what is emitted is checked otherwise)
        ratios = {v / t(x) for v, x in zip(at, points)}
        if len(ratios) == 1:
            factor = ratios.pop()
            matches.append((abs(factor.numerator) + factor.denominator, len(matches), kind, sign, factor))
    if not matches:
        return None, 0, None, None, ()
    _, _, kind, sign, factor = min(matches)         # the simplest factor: 3 tanh', not 12 sigmoid'
    if factor != 1:
        kind = f"{kind} * {factor}"
    a = bases[u] * sign
    if any(str(s)[0] != "v" for s in a.free_symbols):
        return kind, sign, None, None, ()
    placeholders = {s: sp.Symbol("{" + str(s) + "}") for s in a.free_symbols}
    indices = tuple(sorted(int(str(s)[1:]) for s in a.free_symbols))
    return kind, sign, str(a.xreplace(placeholders)), str((-a).xreplace(placeholders)), indices


def _templates(sp):
    """(kind, template in u = exp(arg), the function's argument as a multiple of arg); the
    templates are evaluated in exact Python fractions (SymPy's numbers cost milliseconds)."""
    half = sp.Rational(1, 2)
    return (("sigmoid", lambda u: u / (u + 1), 1), ("sigmoid", lambda u: 1 / (u + 1), -1),
            ("sigmoid'", lambda u: u / (u + 1) ** 2, 1),
            ("tanh", lambda u: (u ** 2 - 1) / (u ** 2 + 1), 1),
            ("tanh", lambda u: (u - 1) / (u + 1), half),
            ("tanh", lambda u: (1 - u ** 2) / (u ** 2 + 1), -1),
            ("tanh", lambda u: (1 - u) / (u + 1), -half),
            ("tanh'", lambda u: 4 * u ** 2 / (u ** 2 + 1) ** 2, 1),
            ("tanh'", lambda u: 4 * u / (u + 1) ** 2, half))
