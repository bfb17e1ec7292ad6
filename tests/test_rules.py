"""Every derivative rule in templates/, run as plain Python and checked numerically.

For each ``Case`` in ``tests/rule_cases/``:

* reverse: the rule's gradients, summed down to each operand's shape (un-broadcasting
  is the engine's job), match central differences of ``sum(out * dout)``; an operand
  in ``nondiff`` has a numerically zero gradient;
* forward: the rule's ``dout`` matches the central-difference directional derivative.

Structural tests check that each rule has a case, a forward twin, the signatures of
the contract in ``diffc/core/primitives.py``, and a body made only of registered primitives.
"""
import ast
import importlib
import inspect
import pkgutil
import textwrap
import zlib

import numpy as np
import pytest

import tests.rule_cases
from diffc.core import primitives
from tests.gradcheck import (assert_close, is_float_leaf, numeric_jvp, numeric_vjp,
                             random_like, unbroadcast)


def load_cases():
    cases = []
    for module in pkgutil.iter_modules(tests.rule_cases.__path__):
        if not module.name.startswith("_"):  # _inputs.py and such are shared helpers
            cases += importlib.import_module(f"tests.rule_cases.{module.name}").CASES
    return cases


CASES = load_cases()
PRIMITIVES = primitives.all_primitives()
BY_NAME = {prim.name: prim for prim in PRIMITIVES}
WITH_RULES = [p for p in PRIMITIVES if p.reverse_rule or p.forward_rule]
def _integer_operand(case):
    """A case with an integer-valued operand in a differentiable position (``x ** 2``):
    forward mode gives such an operand no tangent at all, the engine drops its terms, so
    a rule run directly with a zero tangent is not what the compiler runs (for ``power``,
    0 * log(x) would be NaN at a negative base). Its reverse rule is still checked."""
    return any(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
               or getattr(a, "dtype", np.dtype(float)).kind in "iu" for a in case.args)


FORWARD_CASES = [c for c in CASES if c.prim in BY_NAME and BY_NAME[c.prim].forward_rule
                 and not (c.prim in ("power", "float_power") and _integer_operand(c))]


class Call:
    """A primitive applied to a case's arguments, as a function of its float operands.

    An operand is a parameter's value, or one item of a parameter holding a sequence
    (``*arrays``); ``slots`` lists the float ones as ``(param, index or None)``.
    """

    def __init__(self, prim, case):
        self.prim, self.case = prim, case
        self.arguments = self._bind().arguments
        self.slots = [(param, k) for param, value in self.arguments.items()
                      for k, item in _items(value) if is_float_leaf(item)]

    def leaves(self):
        return [self.value(slot) for slot in self.slots]

    def value(self, slot):
        param, k = slot
        return self.arguments[param] if k is None else self.arguments[param][k]

    def __call__(self, *leaves):
        bound = self._bind()
        for (param, k), leaf in zip(self.slots, leaves):
            if k is None:
                bound.arguments[param] = leaf
            else:
                items = list(bound.arguments[param])
                items[k] = leaf
                kind = type(bound.arguments[param])
                bound.arguments[param] = kind._make(items) if hasattr(kind, "_fields") else kind(items)
        return self.prim.impl(*bound.args, **bound.kwargs)

    def _bind(self):
        return self.prim.signature.bind(*self.case.args, **self.case.kwargs)


def _items(value):
    return enumerate(value) if isinstance(value, (tuple, list)) else [(None, value)]


def parse_rule(rule):
    return ast.parse(textwrap.dedent(inspect.getsource(rule))).body[0]


def returned_names(rule):
    """What a reverse rule returns, by position: names (``dx``), or None for ``None``.

    Returns ``(names, is_tuple)``. Like the engine, requires one ``return``, at the end.
    """
    fn = parse_rule(rule)
    returns = [node for node in ast.walk(fn) if isinstance(node, ast.Return)]
    assert returns == fn.body[-1:], f"{rule.__name__} must end with its only return"
    value = returns[0].value
    is_tuple = isinstance(value, ast.Tuple)
    names = tuple(None if isinstance(v, ast.Constant) and v.value is None
                  else v.id if isinstance(v, ast.Name) else ast.unparse(v)
                  for v in (value.elts if is_tuple else [value]))
    return names, is_tuple


def reverse_gradients(prim, out, dout, case):
    """Run the reverse rule; its results keyed by the parameter each belongs to."""
    names, is_tuple = returned_names(prim.reverse_rule)
    result = prim.reverse_rule(out, dout, *case.args, **case.kwargs)
    values = result if is_tuple else (result,)
    assert len(values) == len(names), f"{prim.name}: returned {len(values)} values"
    return {name[1:]: value for name, value in zip(names, values) if name is not None}


def case_rng(case):
    return np.random.default_rng(zlib.crc32(str(case).encode()))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_reverse(case):
    prim = primitives.get(case.prim)
    call = Call(prim, case)
    out = prim.impl(*case.args, **case.kwargs)
    dout = random_like(out, case_rng(case))
    grads = reverse_gradients(prim, out, dout, case) if prim.reverse_rule else {}
    leaves = call.leaves()
    checked = 0
    for i, (param, k) in enumerate(call.slots):
        if param in grads:
            grad = grads[param] if k is None or grads[param] is None else grads[param][k]
        elif param in prim.nondiff:
            grad = None  # declared constant: the gradient must really be zero
        else:
            continue
        what = f"{case}: d{param}" + ("" if k is None else f"[{k}]")
        shape = np.shape(leaves[i])
        if grad is None:
            grad = np.zeros(shape)
        assert np.asarray(grad).dtype.kind == "f", f"{what} has dtype {np.asarray(grad).dtype}"
        try:
            grad = unbroadcast(grad, shape)
        except ValueError:
            pytest.fail(f"{what} has shape {np.shape(grad)}, operand has shape {shape}")
        assert_close(grad, numeric_vjp(call, leaves, i, dout), what)
        checked += 1
    assert checked or not prim.reverse_rule, f"{case} has no float operand to check"


def _tangent(value, rng):
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        return tuple(_tangent(item, rng) for item in value)
    return random_like(value, rng) if is_float_leaf(value) else np.zeros(np.shape(value))


@pytest.mark.parametrize("case", FORWARD_CASES, ids=str)
def test_forward(case):
    prim = primitives.get(case.prim)
    call = Call(prim, case)
    out = prim.impl(*case.args, **case.kwargs)
    rng = case_rng(case)
    keywords = [p.name for p in inspect.signature(prim.forward_rule).parameters.values()
                if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in prim.params]
    tangents = {name: _tangent(call.arguments[name[1:]], rng) for name in keywords}

    def leaf_tangent(param, k):
        if "d" + param not in tangents:  # an operand in nondiff stays put
            return np.zeros(np.shape(call.value((param, k))))
        return tangents["d" + param] if k is None else tangents["d" + param][k]

    actual = prim.forward_rule(out, *case.args, **case.kwargs, **tangents)
    expected = numeric_jvp(call, call.leaves(), [leaf_tangent(*slot) for slot in call.slots])
    sequence = isinstance(out, (tuple, list))
    outputs = zip(actual, expected) if sequence else [(actual, expected)]
    for n, (dout, numeric) in enumerate(outputs):
        what = f"{case}: dout" + (f"[{n}]" if sequence else "")
        try:
            dout = np.broadcast_to(dout, np.shape(numeric))
        except ValueError:
            pytest.fail(f"{what} has shape {np.shape(dout)}, out has shape {np.shape(numeric)}")
        assert_close(dout, numeric, what)


# Kinks and ties, where the numeric check cannot go: the conventions are exact.
# (primitive, args, gradients for dout = 1, summed to each operand's shape)
KINKS = [
    ("maximum", (1.0, 1.0), (0.5, 0.5)),
    ("maximum", (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])),
     ([0.5, 1.0, 0.5], [0.5, 0.0, 0.5])),
    ("minimum", (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])),
     ([0.5, 0.0, 0.5], [0.5, 1.0, 0.5])),
    ("fmax", (np.array([2.0, np.nan, 1.0]), np.array([2.0, 1.0, np.nan])),
     ([0.5, 0.0, 1.0], [0.5, 1.0, 0.0])),
    ("fmin", (np.array([2.0, np.nan, 1.0]), np.array([2.0, 1.0, np.nan])),
     ([0.5, 0.0, 1.0], [0.5, 1.0, 0.0])),
    ("builtin_max", (2.0, 2.0), (0.5, 0.5)),
    ("builtin_min", (2.0, 2.0), (0.5, 0.5)),
    ("absolute", (np.array([0.0, -2.0]),), ([0.0, -1.0],)),
    ("clip", (np.array([0.0, 0.5, 1.0]), 0.0, 1.0), ([1.0, 1.0, 1.0], 0.0, 0.0)),
    ("clip", (np.array([-1.0, 2.0, 3.0]), 0.0, 1.0), ([0.0, 0.0, 0.0], 1.0, 2.0)),
    ("clip", (np.array([0.0, 5.0]), 2.0, 1.0), ([0.0, 0.0], 0.0, 2.0)),  # a_min > a_max
    ("clip", (np.array([-1.0, 1.0]), None, 0.0), ([1.0, 0.0], None, 1.0)),
    ("sinc", (np.array([0.0, 0.5]),), ([0.0, -4 / np.pi],)),
]


@pytest.mark.parametrize("name, args, expected", KINKS,
                         ids=[f"{name}-{i}" for i, (name, _, _) in enumerate(KINKS)])
def test_kink_convention(name, args, expected):
    prim = primitives.get(name)
    out = prim.impl(*args)
    grads = prim.reverse_rule(out, np.ones_like(out), *args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for arg, grad, want in zip(args, grads, expected):
        if want is None:
            assert grad is None
        else:
            np.testing.assert_allclose(unbroadcast(grad, np.shape(arg)), want, rtol=1e-15)


def test_every_rule_has_a_case():
    covered = {case.prim for case in CASES}
    missing = [p.name for p in PRIMITIVES if p.reverse_rule and p.name not in covered]
    assert not missing, (f"{len(missing)} primitives with rules have no Case in "
                         f"tests/rule_cases/: {', '.join(missing)}")


def test_cases_name_registered_primitives():
    unknown = sorted({case.prim for case in CASES} - set(BY_NAME))
    assert not unknown, f"cases name primitives that are not registered: {unknown}"


def test_every_reverse_rule_has_a_forward_rule():
    lonely = [f"{p.name} ({'no forward' if p.reverse_rule else 'no reverse'})"
              for p in WITH_RULES if not (p.reverse_rule and p.forward_rule)]
    assert not lonely, f"rules must come in reverse/forward pairs: {', '.join(lonely)}"


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
def test_rule_signature(prim):
    problems = [f"nondiff names {p!r}, not a parameter"
                for p in sorted(prim.nondiff - set(prim.params))]
    if prim.reverse_rule:
        names, _ = returned_names(prim.reverse_rule)
        grads = [name for name in names if name is not None]
        for name in grads:
            if not name.startswith("d") or name[1:] not in prim.params:
                problems.append(f"reverse returns {name!r}, not d<param> of {prim.params}")
            elif name[1:] in prim.nondiff:
                problems.append(f"reverse returns {name!r} but {name[1:]} is in nondiff")
        if len(set(grads)) != len(grads):
            problems.append(f"reverse returns a name twice: {names}")
        reverse_params = list(inspect.signature(prim.reverse_rule).parameters)
        if reverse_params != ["out", "dout", *prim.params]:
            problems.append(f"reverse takes {reverse_params}, expected out, dout, {prim.params}")
        if prim.forward_rule:
            params = inspect.signature(prim.forward_rule).parameters.values()
            # the primal's options after its *args are keyword-only in the rule too
            positional = [p.name for p in params if p.kind is not p.KEYWORD_ONLY or p.name in prim.params]
            keywords = {p.name for p in params if p.kind is p.KEYWORD_ONLY and p.name not in prim.params}
            returns = [n for n in ast.walk(parse_rule(prim.forward_rule))
                       if isinstance(n, ast.Return)]
            if len(returns) != 1:
                problems.append("forward must have exactly one return")
            if positional != ["out", *prim.params]:
                problems.append(f"forward takes {positional}, expected out, {prim.params}")
            if keywords != set(grads):
                problems.append(f"forward keywords {sorted(keywords)} differ from the "
                                f"reverse rule's gradients {sorted(grads)}")
    assert not problems, f"{prim.name}: " + "; ".join(problems)


# --- rule bodies use only registered primitives --------------------------------------

_OPERATORS = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv",
    ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow", ast.MatMult: "matmul",
    ast.BitAnd: "and_", ast.BitOr: "or_", ast.BitXor: "xor", ast.USub: "neg",
    ast.UAdd: "pos", ast.Invert: "invert", ast.Gt: "gt", ast.Lt: "lt", ast.GtE: "ge",
    ast.LtE: "le", ast.Eq: "eq", ast.NotEq: "ne",
}
_METADATA = {"shape", "ndim", "dtype", "size"}  # array facts, not operations


def _dotted(node):
    """``np.linalg.inv`` as ``numpy.linalg.inv``; None if not rooted at ``np``."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id == "np":
        return ".".join(["numpy", *reversed(parts)])
    return None


def operations_used(rule):
    """Source names of the operations in a rule's body, outside ``if`` tests."""
    fn = parse_rule(rule)
    skip = {id(n) for node in ast.walk(fn) if isinstance(node, ast.If)
            for n in ast.walk(node.test)}
    called = {id(node.func) for node in ast.walk(fn) if isinstance(node, ast.Call)}
    used = set()
    for node in (n for stmt in fn.body for n in ast.walk(stmt) if id(n) not in skip):
        ops = (node.ops if isinstance(node, ast.Compare)
               else [node.op] if isinstance(node, (ast.BinOp, ast.UnaryOp)) else [])
        used |= {f"operator.{_OPERATORS[type(op)]}" for op in ops if type(op) in _OPERATORS}
        if isinstance(node, ast.Subscript):
            used.add("operator.getitem")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            target = rule.__globals__.get(node.func.id)
            if not isinstance(target, primitives.Primitive) and target is not primitives.unsupported:
                # a helper primitive is fine, and so is a rule's unsupported("why")
                used.add(f"builtins.{node.func.id}")
        if isinstance(node, ast.Attribute) and (id(node) in called or node.attr not in _METADATA):
            name = _dotted(node)
            if name is None:
                used.add(f"ndarray.{node.attr}")
            elif id(node) in called:
                used.add(name)
    return used


@pytest.mark.parametrize("prim", WITH_RULES, ids=lambda p: p.name)
def test_rule_body_uses_registered_primitives(prim):
    rule_fns = [fn for fn in (prim.reverse_rule, prim.forward_rule) if fn]
    unknown = sorted(set().union(*map(operations_used, rule_fns)) - set(primitives.source_names()))
    assert not unknown, (f"{prim.name}: rule bodies use operations with no registered "
                         f"primitive (the engine cannot lower them): {unknown}")
