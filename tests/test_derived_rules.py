"""Forward rules derived from reverse rules (``diffc/rules/derived.py``): an elementwise
primitive's rule is written once, and its derived forward rule is a correct tangent map.

Every derived rule is also run by ``tests/test_rules.py::test_forward`` on each rule case
against central differences, and compiled by ``tests/test_forward.py``; here the
derivation itself is checked, on rules of both forms and on the forms it must refuse.
"""
import ast

import numpy as np
import pytest

import diffc
from diffc.core import primitives
from diffc.rules.derived import forward_from_reverse, template
from diffc.rules.instantiate import template_of
from tests.gradcheck import assert_close, numeric_jvp

ELEMENTWISE = [p for p in primitives.all_primitives()
               if p.elementwise and not p.user and p.reverse_rule is not None]
DERIVED = [p for p in ELEMENTWISE if template(p.forward_rule) is not None]


def _body(node):
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return ast.dump(ast.Module(body, [])), ast.dump(node.args)


def test_every_elementwise_primitive_has_a_forward_rule():
    assert [p.name for p in ELEMENTWISE if p.forward_rule is None] == []
    assert len(DERIVED) >= 40


@pytest.mark.parametrize("prim", [p for p in ELEMENTWISE if p not in DERIVED], ids=lambda p: p.name)
def test_no_written_forward_rule_is_the_derived_one(prim):
    """A forward rule written by hand must say something the derivation cannot (a cheaper
    form, ``(dx - out * dy) / y``), or it is a rule written twice: delete it."""
    derived = forward_from_reverse(prim, template_of(prim.reverse_rule))
    if derived is not None:
        assert _body(template(derived).node) != _body(template_of(prim.forward_rule).node)


@pytest.mark.parametrize("name, args", [
    ("tanh", (np.array([-1.5, 0.2, 2.0]),)),                               # one gradient
    ("arccosh", (np.array([1.5, 3.0]),)),
    ("logaddexp", (np.array([[0.3], [-1.0]]), np.array([2.0, -0.5, 1.0]))),  # a sum, broadcast
    ("power", (np.array([0.7, 1.3, 2.0]), np.array([2.5, -1.0, 0.5]))),
    ("maximum", (np.array([0.5, -1.0, 2.0]), np.array([1.0, -2.0, 1.5]))),
])
def test_a_derived_rule_is_the_tangent_map(name, args):
    prim = primitives.get(name)
    assert prim in DERIVED
    rng = np.random.default_rng(0)
    tangents = [rng.normal(size=np.shape(a)) for a in args]
    out = prim.impl(*args)
    keywords = {f"d{p}": t for p, t in zip(prim.params, tangents)}
    expected = numeric_jvp(prim.impl, list(args), tangents)
    assert_close(prim.forward_rule(out, *args, **keywords), expected, f"{name} forward")


def test_a_derived_rule_compiles_into_forward_mode():
    def f(x, y):
        return np.sum(np.logaddexp(np.tanh(x), y) * np.arcsinh(x))

    x, y = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -0.7])
    dx, dy = np.array([1.0, -0.5, 0.25]), np.array([0.3, 0.2, -1.0])
    _, tangent = diffc.jvp(f, wrt=(0, 1))(x, y, tangents=(dx, dy))
    assert_close(tangent, numeric_jvp(f, [x, y], [dx, dy]), "jvp")


@pytest.mark.parametrize("name, why", [
    ("divide", "dy = -dx * out reuses dx: not one map per gradient"),
    ("clip", "three operands, two of them bounds with statements of their own"),
])
def test_forms_not_derived(name, why):
    prim = primitives.get(name)
    assert forward_from_reverse(prim, template_of(prim.reverse_rule)) is None, why
    assert template(prim.forward_rule) is None          # written by hand, and needed
