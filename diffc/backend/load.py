"""Loading: write generated source to a real file and import it; what runs is what diffc wrote.

Generated code is always imported from a file (never ``exec`` of a string without one),
so tracebacks, ``inspect.getsource`` and ``pdb`` show the generated lines. Files go to
the cache directory, named by content hash, so the same source is written once.

What is loaded is what diffc wrote:

* A module is compiled from the text diffc has just generated, never from what a file
  (or a ``.pyc``) in the cache holds. The file is only its copy for tracebacks and
  debuggers: it is read back and rewritten whenever its content is not that text, and
  ``linecache`` is given the text itself, so the lines shown are the lines that run.
* The cache directory is the user's own (``diffc.cache``): never someone else's, nor
  one that others can write to.
"""
from __future__ import annotations

import hashlib
import importlib.util
import linecache
import os
import sys

from diffc.cache import cache_dir, read_cached, write_atomically

_loaded = {}                         # module name -> sha256 of the text it was compiled from


def cached_file(filename, text):
    """The path of file ``filename`` in the cache directory, holding exactly ``text``
    (written, or rewritten when what is there is anything else)."""
    path = os.path.join(cache_dir(), filename)
    data = text.encode("utf-8")
    if read_cached(path, limit=len(data)) != data:
        write_atomically(path, text)
    return path


def compile_cached(text, filename):
    """``text`` compiled as if from file ``filename`` in the cache (written there for
    tracebacks and debuggers, which are shown ``text`` itself); returns ``(code, path)``."""
    path = cached_file(filename, text)
    linecache.cache[path] = (len(text), None, text.splitlines(True), path)   # no mtime: kept as is
    return compile(text, path, "exec", dont_inherit=True), path


def load_source(text, stem):
    """Import generated module ``text``; returns the module."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    safe = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in stem)
    name = f"diffc_generated_{safe}_{digest[:16]}"
    module = sys.modules.get(name)
    if module is not None and _loaded.get(name) == digest:
        return module
    code, path = compile_cached(text, f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    exec(code, module.__dict__)
    sys.modules[name] = module
    _loaded[name] = digest
    return module
