"""diffc's derivative rules, one template module per family of operations.

Importing this package imports every module in it, which registers each primitive
with ``diffc.rules``. Adding a NumPy function is adding a template here: see the
contract in ``diffc/core/primitives.py``.
"""
import importlib
import pkgutil

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
