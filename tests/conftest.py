"""Make the repository root importable, so ``tests.rule_cases`` and ``tests.gradcheck``
import the same way under any pytest rootdir or import mode."""
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
