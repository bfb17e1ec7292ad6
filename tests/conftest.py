"""Make the repository root importable, so ``tests.rule_cases`` and ``tests.gradcheck``
import the same way under any pytest rootdir or import mode."""
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# A cache directory of the test session's own (generated modules, dispatchers, SymPy
# recipes): what an earlier run left in ~/.cache/diffc never decides a test's outcome.
import os       # noqa: E402
import tempfile  # noqa: E402

os.environ["DIFFC_CACHE_DIR"] = tempfile.mkdtemp(prefix="diffc-tests-")

# The compiler verifies its IR after lowering, each transform and every optimization pass
# (``diffc/core/verify.py``): a pass that breaks the IR fails the test that ran it.
os.environ["DIFFC_VERIFY"] = "1"

# Chains are solved by SymPy (and kept in the session's cache), not read from the recipes
# diffc ships: the tests of the symbolic pass see it work. tests/test_shipped_recipes.py
# and tests/test_first_compile.py check the shipped recipes (they set this to "0").
os.environ["DIFFC_NO_SHIPPED_RECIPES"] = "1"
