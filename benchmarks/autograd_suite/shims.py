"""The ``autograd`` a test file imports, made of NumPy, SciPy and the runner's checks.

A user porting autograd code to diffc replaces ``import autograd.numpy as np`` with
``import numpy as np``; the runner does the same without editing the files, by putting
entries in ``sys.modules`` while the tests run:

* ``autograd.numpy`` is ``numpy``, ``autograd.numpy.random`` is ``numpy.random``, and so
  on for every module of autograd's source tree whose counterpart NumPy or SciPy has
  (``autograd.scipy.stats.norm`` is ``scipy.stats.norm``);
* ``autograd.grad`` and ``autograd.test_util.check_grads`` / ``combo_check`` are the
  runner's (``checks``), which differentiate with diffc.

``installed(source_root, checks)`` is a context manager that adds these entries and then
removes them, with the test directory on ``sys.path`` for the helpers the tests import
from it (``numpy_utils``).
"""
from __future__ import annotations

import contextlib
import importlib
import os
import sys
import types


def counterparts(source_root):
    """``{"autograd.numpy": "numpy", "autograd.scipy.stats.norm": "scipy.stats.norm", ...}``
    for each module file of ``<source_root>/autograd/numpy`` and ``.../scipy`` whose
    counterpart exists in the installed NumPy or SciPy (``numpy_vjps`` has none)."""
    out = {}
    package = os.path.join(source_root, "autograd")
    for library in ("numpy", "scipy"):
        top = os.path.join(package, library)
        for folder, _dirs, files in os.walk(top):
            rel = os.path.relpath(folder, package).replace(os.sep, ".")
            for filename in sorted(files):
                if not filename.endswith(".py"):
                    continue
                stem = filename[:-3]
                dotted = rel if stem == "__init__" else f"{rel}.{stem}"
                if resolve(dotted) is not None:
                    out["autograd." + dotted] = dotted
    return out


def resolve(dotted):
    """The module or object ``numpy.x.y`` names, importing what it needs, or None."""
    parts = dotted.split(".")
    try:
        value = importlib.import_module(parts[0])
    except ImportError:
        return None
    for i, part in enumerate(parts[1:], start=1):
        if hasattr(value, part):
            value = getattr(value, part)
            continue
        try:
            value = importlib.import_module(".".join(parts[:i + 1]))
        except ImportError:
            return None
    return value


@contextlib.contextmanager
def installed(source_root, test_dir, checks):
    """``sys.modules`` with the ``autograd`` shims and ``sys.path`` with ``test_dir``;
    both restored on exit (test modules imported meanwhile are removed too)."""
    saved_modules = dict(sys.modules)      # an autograd already imported comes back after
    saved_path = list(sys.path)
    autograd = types.ModuleType("autograd")
    autograd.__path__ = []              # a package: submodules come from sys.modules
    autograd.grad = checks.grad
    test_util = types.ModuleType("autograd.test_util")
    test_util.check_grads = checks.check_grads
    test_util.combo_check = checks.combo_check
    autograd.test_util = test_util
    entries = {"autograd": autograd, "autograd.test_util": test_util}
    for name, dotted in counterparts(source_root).items():
        entries[name] = resolve(dotted)
    for name, value in entries.items():
        parent, _, leaf = name.rpartition(".")
        if parent == "autograd":
            setattr(autograd, leaf, value)
    sys.modules.update(entries)
    sys.path.insert(0, test_dir)
    try:
        yield
    finally:
        for name, module in list(sys.modules.items()):
            if name in entries or _imported_from(module, test_dir):
                del sys.modules[name]
        sys.modules.update({n: m for n, m in saved_modules.items() if n in entries})
        sys.path[:] = saved_path


def _imported_from(module, directory):
    path = getattr(module, "__file__", None) or ""
    return os.path.realpath(path).startswith(os.path.realpath(directory) + os.sep)
