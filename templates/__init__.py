"""diffc's derivative rules, grouped by the library whose names they give rules for.

* ``numpy/``: NumPy's functions, array methods and Python's operators on numbers and
  arrays (``x * y`` is ``numpy.multiply``), one module per family (``trigonometric.py``,
  ``hyperbolic.py``, ``reductions.py``, ``linalg.py``...).
* ``scipy/``: ``scipy.special`` and ``scipy.stats``.
* ``python/``: Python's builtins (``max``, ``float``, ``len``, ``range``...).
* ``engine/``: operations diffc itself inserts (un-broadcasting, tapes, gradients of
  containers, the in-place forms of emitted code), which no user code names.

Importing this package imports every module in it, which registers each primitive
with the registry (``diffc.core.primitives``), and then gives each elementwise
primitive written without a forward rule the one derived from its reverse rule. Adding a
NumPy function is adding a template to the module of its family, written with
``diffc.extend``: see the contract in ``diffc/core/primitives.py``.
"""
import importlib
import pkgutil

from diffc.extend import derive_forward_rules

for _module in sorted(m.name for m in pkgutil.walk_packages(__path__, prefix=f"{__name__}.")):
    importlib.import_module(_module)
derive_forward_rules()
