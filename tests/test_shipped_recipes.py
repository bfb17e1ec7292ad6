"""The symbolic pass's recipes shipped with diffc (``diffc/optimize/recipes/``).

They are the chains of ``tests/recipe_programs.py`` solved by SymPy; a first compile of
such a model in a new installation then imports no SymPy. Checked here: the shipped files
are exactly what SymPy solves for those programs today (none missing, none stale, none
extra), and a compile that reads them writes the same code as one that solves afresh.
After a change to the simplifier, make them again (and read the diff):

    DIFFC_UPDATE_RECIPES=1 python -m pytest tests/test_shipped_recipes.py
"""
import ast
import os
import subprocess
import sys
from pathlib import Path


from diffc.optimize import simplify

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = Path(simplify.SHIPPED)


def _run(code, cache_dir, shipped):
    env = dict(os.environ, DIFFC_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT))
    env.pop("DIFFC_NO_RECIPE_CACHE", None)
    env["DIFFC_NO_SHIPPED_RECIPES"] = "0" if shipped else "1"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _solved_now(tmp_path):
    """{shipped file name: its text} for every chain of the programs, solved by SymPy now."""
    cache_dir = tmp_path / "cache"
    _run("from tests.recipe_programs import compile_all; compile_all()", cache_dir, shipped=False)
    out = {}
    for path in sorted((cache_dir / "recipes").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        key, _ = ast.literal_eval(text)      # a recipe, or None: nothing better than the rules
        out[Path(simplify.shipped_path(key)).name] = text
    return out


def test_shipped_recipes_are_what_sympy_solves_for_the_programs_now(tmp_path):
    wanted = _solved_now(tmp_path)
    assert len(wanted) >= 10, f"only {len(wanted)} chains solved: the programs lost their chains?"
    if os.environ.get("DIFFC_UPDATE_RECIPES"):
        SHIPPED.mkdir(exist_ok=True)
        for old in SHIPPED.glob("*.txt"):
            old.unlink()
        for name, text in wanted.items():
            (SHIPPED / name).write_text(text, encoding="utf-8")
    shipped = {p.name: p.read_text(encoding="utf-8") for p in SHIPPED.glob("*.txt")}
    hint = "make them again: DIFFC_UPDATE_RECIPES=1 python -m pytest tests/test_shipped_recipes.py"
    assert not set(wanted) - set(shipped), f"{len(set(wanted) - set(shipped))} recipes not shipped; {hint}"
    assert not set(shipped) - set(wanted), f"{len(set(shipped) - set(wanted))} stale recipes shipped; {hint}"
    assert shipped == wanted, hint


PROBE = """
import sys
import numpy as np
import diffc
from tests.recipe_programs import programs
printed = []
for name, f, wrt, args in programs():
    if name in {names!r}:
        printed.append(diffc.grad(f, wrt=wrt).source_for(*args))
print("sympy imported:", "sympy" in sys.modules)
print("\\n".join(printed))
"""


def test_a_first_compile_of_a_shipped_chain_needs_no_sympy_and_writes_the_same_code(tmp_path):
    names = ("sigmoid_neuron", "softplus", "binary_cross_entropy")
    code = PROBE.format(names=set(names))
    shipped = _run(code, tmp_path / "empty", shipped=True)
    solved = _run(code, tmp_path / "empty2", shipped=False)
    assert shipped.startswith("sympy imported: False"), shipped[:200]
    assert solved.startswith("sympy imported: True"), solved[:200]
    assert shipped.split("\n", 1)[1] == solved.split("\n", 1)[1]


def test_a_damaged_shipped_recipe_is_not_used(tmp_path, monkeypatch):
    """A shipped file is checked like a cached one: one whose recipe computes something
    else is not used (the chain keeps the rules' form), and the gradient stays right."""
    import numpy as np

    import diffc

    monkeypatch.setenv("DIFFC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DIFFC_NO_SHIPPED_RECIPES", "0")
    monkeypatch.setattr(simplify, "SHIPPED", str(tmp_path / "shipped"))
    (tmp_path / "shipped").mkdir()
    # the planted recipes must not outlive this test in the in-memory cache
    monkeypatch.setattr(simplify, "_CACHE", {})

    def f(z):
        return np.sum(1 / (1 + np.exp(-z)))

    x = np.linspace(0.1, 0.9, 6)
    honest = diffc.api.gradients.GradientFunction(f, wrt=0).source_for(x)
    keys = list(simplify._CACHE)
    assert keys, "the sigmoid's chain was not simplified"
    for key in keys:
        recipe = simplify._CACHE[key]
        if recipe is None:
            continue
        planted = repr((key, _negated(recipe)))
        Path(simplify.shipped_path(key)).write_text(planted, encoding="utf-8")
    monkeypatch.setattr(simplify, "_CACHE", {})
    again = diffc.api.gradients.GradientFunction(f, wrt=0)
    assert again.source_for(x) != honest        # the planted recipe was read, and refused
    np.testing.assert_allclose(again(x), (1 / (1 + np.exp(-x))) * (1 - 1 / (1 + np.exp(-x))), rtol=1e-12)


def _negated(recipe):
    """The recipe with its first number changed: a different function, well formed."""
    text = repr(recipe)
    for old, new in (("1.0", "2.0"), ("1", "2")):
        if old in text:
            return ast.literal_eval(text.replace(old, new, 1))
    raise AssertionError(f"no number in the recipe to change, so nothing planted: {text[:80]}")
