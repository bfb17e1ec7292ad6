"""The properties primitives declare (``diffc/core/primitives.py``) agree with each other and
with what the primitives do, and the passes ask the primitives instead of keeping their
own lists of primitive names."""
import ast
import pathlib

import numpy as np
import pytest

from diffc.core import primitives

ROOT = pathlib.Path(__file__).resolve().parent.parent
PRIMS = primitives.all_primitives()
NAMES = {p.name for p in PRIMS}


def test_named_forms_are_registered_and_take_the_operands():
    for prim in PRIMS:
        for form in [f for f in prim.in_place if f is not None]:
            assert form in NAMES and primitives.get(form).writes_first, (prim.name, form)
            assert len(primitives.get(form).params) == len(prim.params), (prim.name, form)
        if prim.out_form is not None:
            params = primitives.get(prim.out_form).params
            # (buf, <the operands>); power's computes a square: (buf, x)
            assert params[0] == "buf" and len(params) - 1 in (len(prim.params), 1), prim.name
        if prim.method is not None:
            assert primitives.get(prim.method).params == prim.params, prim.name


@pytest.mark.parametrize("prim", [p for p in PRIMS if p.in_place or p.out_form], ids=lambda p: p.name)
def test_in_place_and_out_forms_compute_the_primitive(prim):
    rng = np.random.default_rng(1)
    args = [rng.uniform(0.5, 2.0, size=(3, 3)) for _ in prim.params]
    expected = prim.impl(*args)
    for position, form in enumerate(prim.in_place):
        operands = [a.copy() for a in args]
        written = operands[position]
        others = operands[:position] + operands[position + 1:]
        result = primitives.get(form).impl(written, *others)
        assert result is written
        np.testing.assert_allclose(result, expected, rtol=1e-14, err_msg=f"{prim.name} {form}")
    if prim.out_form is not None:
        form = primitives.get(prim.out_form)
        if prim.name == "power":
            args[1] = np.full((3, 3), 2.0)      # its out form is the square
            expected = prim.impl(*args)
        buf = np.empty((3, 3))
        result = form.impl(buf, *args[:len(form.params) - 1])
        assert result is buf
        np.testing.assert_allclose(result, expected, rtol=1e-14, err_msg=prim.out_form)


@pytest.mark.parametrize("prim", [p for p in PRIMS if p.fresh and not p.writes_first
                                  and p.differentiable and p.elementwise], ids=lambda p: p.name)
def test_a_fresh_result_shares_no_memory_with_an_operand(prim):
    args = [np.linspace(0.5, 1.5, 6).reshape(2, 3) for _ in prim.params]
    assert not any(np.shares_memory(prim.impl(*args), a) for a in args)


def _module_level_name_lists(path):
    """Module-level ``NAME = <set, frozenset, dict or tuple literal>`` whose string items
    (or keys) are two or more, every one a primitive's name."""
    tree = ast.parse(path.read_text())
    for stmt in tree.body:
        if not isinstance(stmt, ast.Assign) or not isinstance(stmt.targets[0], ast.Name):
            continue
        value = stmt.value
        if isinstance(value, ast.Call) and getattr(value.func, "id", "") in ("frozenset", "set") and value.args:
            value = value.args[0]
        items = value.keys if isinstance(value, ast.Dict) else \
            value.elts if isinstance(value, (ast.Set, ast.Tuple, ast.List)) else []
        strings = [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]
        if len(strings) >= 2 and len(strings) == len(items) and set(strings) <= NAMES:
            yield stmt.targets[0].id, strings


# the simplifier's own operation keys (``"exp"`` there is its key for e**x, mapped to the
# primitive through the registry), not a list of primitives
_NOT_PRIMITIVE_LISTS = {("diffc/optimize/simplify_ops.py", "_FUNCTIONS"),
                        # NumPy's function names in emitted text, rewritten to the array API's
                        ("diffc/backend/portable.py", "_KEYWORD_AT"),
                        ("diffc/backend/portable.py", "_NEW_FLOATS"),
                        ("diffc/backend/portable.py", "_ARRAY_FIRST"),
                        ("diffc/backend/portable.py", "_SHARED"),
                        ("diffc/backend/portable_kinds.py", "_AXIS_ARGUMENTS"),
                        # the array API's functions that make a new array (given a device)
                        ("diffc/backend/torch_kernels.py", "_CREATIONS")}


def test_no_pass_keeps_its_own_list_of_primitive_names():
    found = []
    for package in ("ad", "optimize", "backend", "core"):
        for path in sorted((ROOT / "diffc" / package).rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            found += [(where, name, strings) for name, strings in _module_level_name_lists(path)
                      if (where, name) not in _NOT_PRIMITIVE_LISTS]
    assert found == [], "declare the property on the primitives (diffc/core/primitives.py) instead"
