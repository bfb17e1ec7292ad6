"""Loading: write generated source to a real file and import it.

Generated code is always imported from a file (never ``exec`` of a string), so
tracebacks, ``inspect.getsource`` and ``pdb`` show the generated lines. Files go to
``$DIFFC_CACHE_DIR`` (default: the user cache directory), named by content hash, so
the same source is written once.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile


def cache_dir():
    root = os.environ.get("DIFFC_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "diffc")
    try:
        os.makedirs(root, exist_ok=True)
        if os.access(root, os.W_OK):
            return root
    except OSError:
        pass
    root = os.path.join(tempfile.gettempdir(), f"diffc-{os.getuid() if hasattr(os, 'getuid') else 'user'}")
    os.makedirs(root, exist_ok=True)
    return root


def write_atomically(path, text):
    """Write ``text`` to ``path`` so that a reader never sees a partial file."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".diffc-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_source(text, stem):
    """Import generated module ``text``; returns the module."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    safe = "".join(c if c.isalnum() or c == "_" else "_" for c in stem)
    name = f"diffc_generated_{safe}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    path = os.path.join(cache_dir(), f"{name}.py")
    if not os.path.exists(path):
        write_atomically(path, text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    return module
