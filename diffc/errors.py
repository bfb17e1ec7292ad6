"""Errors: user errors point at the user's code; internal errors say they are bugs.

``DiffcError`` and its subclasses are the user's fault (or diffc's documented limits):
each carries a ``Loc`` and formats as ``file:line:col: error: ...``, the source line, a
caret under the offending column, and a hint saying what to write instead.
``InternalError`` is diffc's fault and says so; ``reports_internal_errors`` makes every
other exception of a compile one, except those of the user's own code (``user_code``).
"""
from __future__ import annotations

import contextlib
import functools
import os
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    """A position in the user's source: file, 1-based line, 0-based column, the line's text."""
    file: str
    line: int
    col: int
    text: str = ""
    end_col: int | None = None

    def __str__(self):
        return f"{self.file}:{self.line}:{self.col + 1}"

    @property
    def short(self):
        """``model.py:7``, the form used in generated comments."""
        name = self.file.replace("\\", "/").rsplit("/", 1)[-1]
        return f"{name}:{self.line}"


class DiffcError(Exception):
    """Something in the user's code that diffc cannot differentiate, with where and why."""

    kind = "error"

    def __init__(self, message, loc: Loc | None = None, hint: str = ""):
        self.message = message
        self.loc = loc
        self.hint = hint
        super().__init__(self.render())

    def render(self):
        if self.loc is None:
            head = f"error: {self.message}"
            return head + (f"\n  hint: {self.hint}" if self.hint else "")
        lines = [f"{self.loc}: error: {self.message}"]
        if self.loc.text:
            text = self.loc.text.rstrip("\n")
            lines.append("    " + text)
            width = max(1, (self.loc.end_col or self.loc.col + 1) - self.loc.col)
            if self.loc.end_col is None or self.loc.end_col > len(text):
                width = 1
            lines.append("    " + " " * self.loc.col + "^" * width)
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class UnsupportedSyntax(DiffcError):
    """A Python construct diffc does not differentiate (rejected by the fence)."""


class NoRuleError(DiffcError):
    """A call on a differentiable value to a function diffc has no derivative rule for."""


class NonDifferentiableInput(DiffcError):
    """A gradient was asked for with respect to a value that cannot carry one (an integer, ...)."""


class NonScalarOutput(DiffcError):
    """``grad`` of a function whose output is not a scalar."""


class SourceUnavailable(DiffcError):
    """The function's source cannot be read (a lambda typed in a REPL, ``exec``-made code)."""


class SourceSyntaxError(DiffcError):
    """The file holding the function is not valid Python (it does not parse)."""


class NameResolutionError(DiffcError):
    """A name in the user's function that diffc cannot resolve statically."""


class InternalError(Exception):
    """A bug in diffc, not in the user's code."""

    def __init__(self, message):
        super().__init__(
            f"internal error in diffc (this is a bug in diffc, not in your code; "
            f"please report it with the function you compiled): {message}")


# -- telling the two apart at the API boundary ----------------------------------------------
# While compiling, diffc runs the user's own code on the example arguments (each primal
# operation, a branch's condition, a loop's iterable) and binds the arguments of the call
# to its parameters; reading a live value may run a property or a module's __getattr__.
# An exception raised there is the user's, as if they had called their function: it
# reaches them as it is. Any other exception raised while compiling (a KeyError in a
# pass, an AttributeError in the emitter) is a bug in diffc: the public entry points
# (``reports_internal_errors``) raise it as an ``InternalError`` chained to the original.
# The user's are told apart by a note ``user_code`` adds where diffc runs their code, or
# by where they were raised: in a file of the user's (not diffc's, nor an installed
# library's, nor the standard library's).
_FROM_USER_CODE = ("diffc: raised by the function being differentiated, run on the example "
                   "arguments, or by binding them to its parameters; not by diffc")


@contextlib.contextmanager
def user_code(loc=None):
    """Run the user's own code: an exception from it is marked as theirs, and ``loc`` (the
    user's line being run, if known) is kept on it as ``diffc_loc``."""
    try:
        yield
    except Exception as error:
        mark_user_code(error, loc)
        raise


def mark_user_code(error, loc=None):
    """Mark ``error`` as raised by the user's code (``loc``: the user's line, if known)."""
    if loc is not None and getattr(error, "diffc_loc", None) is None:
        try:
            error.diffc_loc = loc
        except AttributeError:                 # an exception type without a __dict__
            pass
    notes = getattr(error, "__notes__", None)
    if notes is None:
        error.__notes__ = [_FROM_USER_CODE]      # PEP 678's attribute (add_note: 3.11+)
    elif isinstance(notes, list) and _FROM_USER_CODE not in notes:
        notes.append(_FROM_USER_CODE)
    return error


def from_user_code(error):
    """Whether ``error`` was raised by the user's code: marked by ``user_code``, or raised
    in a file of the user's."""
    notes = getattr(error, "__notes__", None)
    if isinstance(notes, list) and _FROM_USER_CODE in notes:
        return True
    tb, last = error.__traceback__, None
    while tb is not None:
        last, tb = tb.tb_frame.f_code.co_filename, tb.tb_next
    return last is not None and not _is_library_file(last)


def _is_library_file(path):
    """diffc's own files (its package, its rules, the code it generated), the standard
    library's and installed packages': not the user's."""
    if path.startswith(("<diffc", "<frozen")) or \
            os.path.basename(path).startswith(("diffc_generated_", "diffc_dispatch_")):
        return True
    path = os.path.realpath(path)
    return any(path == d or path.startswith(d + os.sep) for d in _library_dirs())


@functools.lru_cache(maxsize=1)
def _library_dirs():
    import sysconfig

    here = os.path.dirname(os.path.realpath(__file__))
    dirs = {here}
    templates = sys.modules.get("diffc.templates")
    if templates is not None and getattr(templates, "__file__", None):
        dirs.add(os.path.dirname(os.path.realpath(templates.__file__)))
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        if paths.get(key):
            dirs.add(os.path.realpath(paths[key]))
    return tuple(sorted(dirs))


def reports_internal_errors(method):
    """An entry point that compiles: an exception that is neither a ``DiffcError``, nor
    the user's code's (``from_user_code``), nor the environment's (``OSError``,
    ``MemoryError``) is re-raised as an ``InternalError`` from it."""
    @functools.wraps(method)
    def entry_point(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (DiffcError, InternalError, OSError, MemoryError):
            raise
        except Exception as error:
            if from_user_code(error):
                raise
            raise InternalError(f"{type(error).__name__}: {error}") from error
    return entry_point
