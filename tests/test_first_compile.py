"""A first compile in a fresh process does not pay for SymPy unless a chain needs it:
``import diffc`` leaves SymPy unimported, and a chain whose recipe is on disk (in the
user's cache, or shipped with diffc) is compiled without it (benchmarks/first_compile.py
times the three ways). Nothing here is timed."""
import os
import subprocess
import sys
import textwrap

from benchmarks import first_compile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code, cache_dir, cwd, shipped=True):
    env = dict(os.environ, DIFFC_CACHE_DIR=str(cache_dir), PYTHONPATH=ROOT,
               DIFFC_NO_SHIPPED_RECIPES="0" if shipped else "1")
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_import_diffc_does_not_import_sympy(tmp_path):
    (tmp_path / "scalar_model.py").write_text("def f(x, y):\n    return x * y + x\n")
    out = _run("""
        import sys, diffc, scalar_model
        print('sympy' in sys.modules)
        print(diffc.symbolic(scalar_model.f).partials['x'], 'sympy' in sys.modules)
    """, tmp_path / "cache", tmp_path)
    assert out == ["False", "y", "+", "1", "True"]   # imported when diffc.symbolic first runs


def test_compile_with_recipe_on_disk_does_not_import_sympy(tmp_path):
    (tmp_path / "sigmoid_model.py").write_text(textwrap.dedent("""
        import numpy as np

        def loss(w, x):
            s = 1 / (1 + np.exp(-(x @ w)))
            return np.sum(s * s)
    """))
    code = """
        import sys, numpy as np, diffc, sigmoid_model
        g = diffc.grad(sigmoid_model.loss)(np.array([0.3, -0.2]), np.array([[1.0, 2.0], [0.5, -1.0]]))
        print('sympy' in sys.modules, '(1 - s)' in diffc.grad(sigmoid_model.loss).source_for(
            np.array([0.3, -0.2]), np.array([[1.0, 2.0], [0.5, -1.0]])))
    """
    first = _run(code, tmp_path / "cache", tmp_path, shipped=False)     # the user's cache alone
    second = _run(code, tmp_path / "cache", tmp_path, shipped=False)
    assert first == ["True", "True"]                 # the chain was solved: SymPy was needed
    assert second == ["False", "True"]               # the same code, from the recipe on disk


def test_benchmark_reports_the_three_ways():
    results = first_compile.run(1)
    assert [r["sympy"] for r in results["recipes on disk"]] == [False]
    assert [r["sympy"] for r in results["empty cache"]] == [False]      # its chain is shipped
    assert [r["sympy"] for r in results["empty cache, nothing shipped"]] == [True]
    text = first_compile.report(results)
    assert "recipes on disk (1 processes, SymPy imported in 0)" in text
    assert text.count("ms CPU") == 9
