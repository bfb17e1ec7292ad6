"""Library objects met as values while lowering: which rule a live value stands for.

``lower`` resolves a free name to a library function (``np.exp``) or to a library's
public instance (``scipy.stats.norm``) by itself; this module adds the methods of those
instances held as values, ``fun = mvn.logpdf`` passed to a helper and called there.
"""
from __future__ import annotations

import inspect
import sys

from diffc.core import primitives


def bound_method_qualname(value, instance_qualname):
    """``scipy.stats.multivariate_normal.logpdf`` for the bound method
    ``multivariate_normal.logpdf`` when diffc has a rule of that name, else None.
    ``instance_qualname(obj)`` names a library's public instance (or gives None)."""
    if not inspect.ismethod(value):
        return None
    owner = instance_qualname(value.__self__)
    if owner is None:
        return None
    qual = f"{owner}.{value.__func__.__name__}"
    return qual if primitives.lookup(qual) else None


def public_name(value):
    """``scipy.linalg.sqrtm`` for a SciPy function, found where its module says it lives
    (or in that module's package), whether diffc has a rule for it or not: a call to it
    is then refused by that name rather than read from SciPy's own source."""
    module = getattr(value, "__module__", None) or ""
    name = getattr(value, "__name__", None)
    if not inspect.isfunction(value) or not name or module.split(".")[0] != "scipy":
        return None
    parts = module.split(".")
    for k in range(len(parts), 0, -1):
        package = sys.modules.get(".".join(parts[:k]))
        if package is not None and getattr(package, name, None) is value:
            public = [p for p in parts[:k] if not p.startswith("_")]
            if len(public) == k:
                return f"{'.'.join(public)}.{name}"
    return None
