"""Reading what a command line names, statically: the model, its functions, ``wrt``.

``MODEL.py:FUNCTION`` targets, the ``@diffc.grad(wrt=...)`` decorators in a model file,
``--wrt`` lists and ``--arg NAME=SHAPE|VALUE`` example arguments are all read from the
parsed source; nothing here imports or runs the model. Mistakes raise ``UsageError``
(a ``DiffcError``: the command line prints it and exits 2).
"""
from __future__ import annotations

import ast
import difflib
import os
import sys
from dataclasses import dataclass

import numpy as np

from diffc.compiler import pipeline
from diffc.frontend import source
from diffc.errors import DiffcError, from_user_code

ARG_HELP = ("an example argument, NAME=SHAPE or NAME=VALUE. Shapes: 3x4 or Nx784 (random "
            "normal values; a letter is a size that varies), shape:5 (a length-5 vector), with a "
            "dtype 3x4:float32, N:int (integer labels in [0, 2)) or N:int:10 (in [0, 10)); an "
            "entry of a dict argument: params.W=3x4 (one --arg per entry); a dict or list of "
            "shapes: '{\"W\": \"3x4\", \"b\": \"4\"}'; scalar (a random float). Anything else "
            "is a Python value: 2.0, -2, 5 (a number, never a shape), True, 'mean'")


class UsageError(DiffcError):
    """A mistake on the command line (a missing file, an unknown function, a bad --arg)."""


# -- the model and its functions -------------------------------------------------------
def read_module(path):
    """The parsed model file (syntax errors are located ``DiffcError``s)."""
    if not os.path.isfile(path):
        raise UsageError(f"{path}: no such file", hint="give the path of a Python model file")
    return source.module_of_file(path)


def split_target(target):
    """``model.py:loss`` → ``("model.py", "loss")``."""
    path, _, name = target.rpartition(":")
    if not path or not name:
        raise UsageError(f"{target!r} does not name a function",
                         hint="give the target as MODEL.py:FUNCTION, e.g. model.py:loss")
    return path, name


def function_source(path, name):
    """The ``SourceFunction`` of ``name`` in ``path``; an unknown name lists the known ones."""
    module = read_module(path)
    if name not in module.functions and "." not in name:
        close = difflib.get_close_matches(name, module.functions, n=1)
        known = ", ".join(module.functions) or "none"
        hint = (f"did you mean {close[0]!r}? " if close else "") + f"functions in {path}: {known}"
        raise UsageError(f"{path} has no function {name!r}", hint=hint)
    return source.from_file(path, name)


@dataclass
class Decoration:
    """What ``@diffc.grad(wrt=...)`` / ``@diffc.value_and_grad`` on a function asks for."""
    wrt: object = 0
    with_value: bool = False


def decorated(module):
    """Names of the functions decorated with diffc's grad or value_and_grad, in file order."""
    return [name for name, node in module.functions.items() if _diffc_decorator_call(module, node)]


def is_decorated(module, name):
    """Whether ``name`` carries diffc's grad or value_and_grad decorator."""
    node = module.functions.get(name)
    return node is not None and _diffc_decorator_call(module, node) is not None


def decoration(module, name):
    """What the decorator on ``name`` asks for (``Decoration()`` when it has none)."""
    node = module.functions.get(name)
    found = _diffc_decorator_call(module, node) if node is not None else None
    if found is None:
        return Decoration()
    kind, call = found
    return Decoration(_decorator_wrt(module, call), kind == "value_and_grad")


def _diffc_decorator_call(module, node):
    """``(kind, call or None)`` for the first diffc decorator on ``node``, else None."""
    for dec in node.decorator_list:
        call = dec if isinstance(dec, ast.Call) else None
        kind = _diffc_decorator(module, call.func if call else dec)
        if kind:
            return kind, call
    return None


def _diffc_decorator(module, target):
    """``"grad"`` / ``"value_and_grad"`` when ``target`` names diffc's decorator."""
    text = ast.unparse(target)
    head, _, rest = text.partition(".")
    full = module.aliases.get(head, head) + ("." + rest if rest else "")
    last = full.rsplit(".", 1)[-1]
    if last not in ("grad", "value_and_grad"):
        return None
    if full.startswith("diffc.") or (full == last and last not in module.functions):
        return last
    return None


def _decorator_wrt(module, call):
    for kw in (call.keywords if call else []):
        if kw.arg != "wrt":
            continue
        if isinstance(kw.value, ast.Name) and kw.value.id in module.constants:
            return module.constants[kw.value.id]
        try:
            return ast.literal_eval(kw.value)
        except ValueError:
            raise UsageError("diffc compile reads wrt= without running the file, and this is "
                             "not a literal", module.loc(kw.value),
                             "write wrt as a literal such as ('W', 'b'), or pass --wrt W,b") from None
    return 0


def param_names(src):
    """Every parameter of the function, in the IR's order (positional, then keyword-only).

    For a method: the attributes it reads (``self.params`` → ``params``), then its other
    parameters, as the compiled function takes them."""
    a = src.node.args
    names = [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]
    if src.method:
        return list(pipeline.lower(src).attributes) + names[1:]
    return names


def params_without_defaults(src):
    """The parameters an ``--arg`` must be given for, in order."""
    defaults = _literal_defaults(src)
    return [p for p in param_names(src) if p not in defaults]


def param_list_hint(src):
    """``--arg W=... --arg X=...``: one per parameter to give, with the forms they take."""
    return (" ".join(f"--arg {p}=..." for p in params_without_defaults(src)) +
            ", each a shape (3x4, Nx784, shape:5), integer labels (N:int:10) or a number (2.0)")


def matmul_operands(loc, params):
    """Matching example shapes for the operands of ``A @ B`` at ``loc`` that are
    parameters: ``{"A": "Nx3", "B": "3x4"}`` (empty for any other expression)."""
    if loc is None or not loc.end_col:
        return {}
    try:
        node = ast.parse(loc.text[loc.col:loc.end_col].strip(), mode="eval").body
    except SyntaxError:
        return {}
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)):
        return {}
    out = {}
    for operand, shape in ((node.left, "Nx3"), (node.right, "3x4")):
        if isinstance(operand, ast.Name) and operand.id in params:
            out[operand.id] = shape
    return out


def wrt_indices(src, wrt):
    """Parameter indices for ``wrt`` (a name, an index, or a tuple/list of them), and
    whether one gradient (not a tuple) is wanted."""
    params = param_names(src)
    single = not isinstance(wrt, (tuple, list))
    indices = []
    for w in ([wrt] if single else wrt):
        w = w.strip() if isinstance(w, str) else w
        if isinstance(w, str) and w.startswith("self."):
            w = w[len("self."):]
        if isinstance(w, str) and w.lstrip("-").isdigit():
            w = int(w)
        if isinstance(w, int) and -len(params) <= w < len(params):
            indices.append(w % len(params))
        elif isinstance(w, str) and w in params:
            indices.append(params.index(w))
        else:
            raise UsageError(f"--wrt {w}: {src.name} has no parameter {w!r}",
                             hint=f"its parameters are {', '.join(params)}")
    return tuple(indices), single


def wrt_option(text):
    """``W,b`` → ("W", "b"); ``W`` → "W" (one gradient); ``W,`` → ("W",)."""
    if text is None:
        return None
    items = [t for t in text.split(",") if t.strip()]
    return tuple(items) if "," in text else text


# -- example arguments ------------------------------------------------------------------------
_SYMBOL_SIZES = (7, 11, 13, 17, 19, 23, 29, 31)


_DTYPES = ("int", "bool", "float32", "float64")


def parse_example(text, symbols, rng=None, as_shape=False):
    """One example value from its ``--arg`` text.

    A shape gives an array of random normal values: ``3x4``, ``Nx784`` (a letter is a size
    that varies: N stands for one other than 1), ``N``, or anything after ``shape:``
    (``shape:5`` is a length-5 vector, ``shape:`` a 0-d array); a ``:DTYPE`` suffix also
    makes a shape (``5:int``). Integer labels (``:int``) are drawn in ``[0, 2)``, or in
    ``[0, HIGH)`` with ``:int:HIGH``. ``scalar`` is a random float. Anything else is a
    Python literal: a bare number is always the number (``5``, ``-2``, ``1``), never a
    shape. ``as_shape``: ``text`` is known to be a shape (a string inside a dict or list
    of shapes), so ``5`` is a length-5 vector there. ``rng`` draws the values (default:
    seed 0)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    text = text.strip()
    explicit = as_shape or text.startswith("shape:")
    body = text[len("shape:"):] if text.startswith("shape:") else text
    shape_text, _, suffix = body.partition(":")
    dtype, _, high = suffix.partition(":")
    if not explicit and not suffix and body in ("scalar", "float"):
        return float(rng.standard_normal())
    if not explicit and not suffix and body in ("True", "False", "None"):
        return ast.literal_eval(body)
    dims = _dims(shape_text, symbols) if shape_text else ()
    if suffix and dims is not None or explicit:
        if dims is None:
            raise UsageError(f"cannot read {shape_text!r} as a shape",
                             hint="write the sizes joined by x, as numbers or letters: "
                                  "shape:5, shape:3x4, shape:Nx784")
        return _array(tuple(dims), dtype, high, rng, text)
    if dims is not None and not is_integer(shape_text):
        return rng.standard_normal(tuple(dims))
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise UsageError(f"cannot read the example value {text!r}", hint=ARG_HELP) from None
    return value if isinstance(value, str) else _shapes_inside(value, symbols, rng)


def _dims(text, symbols):
    """The sizes of ``3xNx4`` (a letter stands for a size, the same for every use), or
    None when ``text`` is not a shape."""
    dims = []
    for d in text.split("x"):
        if d.isdigit():
            dims.append(int(d))
        elif d.isidentifier():
            dims.append(symbols.setdefault(d, _SYMBOL_SIZES[len(symbols) % len(_SYMBOL_SIZES)]))
        else:
            return None
    return dims


def is_integer(text):
    return text.lstrip("+-").isdigit()


def _array(shape, dtype, high, rng, text):
    """An array of ``shape``: normal floats, or integers in ``[0, high)``, or booleans."""
    if dtype and dtype not in _DTYPES:
        raise UsageError(f"--arg ...={text}: unknown dtype {dtype!r}",
                         hint=f"the dtypes are {', '.join(_DTYPES)}")
    if high and dtype != "int":
        raise UsageError(f"--arg ...={text}: only integer labels take a range",
                         hint="write N:int:10 for integers in [0, 10)")
    if dtype == "int":
        if high and not (high.isdigit() and int(high) > 0):
            raise UsageError(f"--arg ...={text}: the range of integer labels is a positive "
                             f"number, as in N:int:10 (integers from 0 to 9)")
        return rng.integers(0, int(high) if high else 2, size=shape)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    return rng.standard_normal(shape).astype(dtype or "float64")


def how_read(specs):
    """How each ``--arg`` spec was read, for messages: ``["W=3x4: a float64 array of
    shape [3, 4]", "N stands for 7"]``."""
    symbols, out = {}, []
    for spec in specs:
        _, eq, text = spec.partition("=")
        if not eq:
            continue
        try:
            value = parse_example(text, symbols, np.random.default_rng(0))
        except DiffcError:
            continue
        out.append(understood(spec, value))
    out += [f"{letter} stands for {size}" for letter, size in symbols.items()]
    return out


def understood(spec, value):
    """How ``--arg spec`` was read: ``x=5: the int 5``, ``W=3x4: float64 array [3, 4]``."""
    if isinstance(value, np.ndarray):
        article = "an" if str(value.dtype)[0] in "aeiou" else "a"
        return f"{spec}: {article} {value.dtype} array of shape {list(value.shape)}"
    if isinstance(value, (bool, int, float, str)) or value is None:
        return f"{spec}: the {type(value).__name__} {value!r}"
    return f"{spec}: a {type(value).__name__}"


def _shapes_inside(value, symbols, rng):
    """A dict or list literal whose string entries are shapes: ``{"W1": "4x5", "b1": "5"}``."""
    if isinstance(value, dict):
        return {k: _shapes_inside(v, symbols, rng) for k, v in value.items()}
    if isinstance(value, list):
        return [_shapes_inside(v, symbols, rng) for v in value]
    if isinstance(value, str):
        return parse_example(value, symbols, rng, as_shape=True)
    return value


def examples(src, specs, rng=None, required=False, strict=True):
    """The example arguments given by ``--arg NAME=VALUE`` specs, in parameter order, or None.

    ``strict=False`` (several functions compiled at once): specs naming another
    function's parameters are passed over."""
    if not strict and specs and not any(_named(s) in param_names(src) for s in specs):
        specs = []
    if not specs and not required:
        return None
    rng = rng if rng is not None else np.random.default_rng(0)
    params = param_names(src)
    defaults = _literal_defaults(src)
    symbols = {}
    given = _given(src, specs, params, symbols, rng, strict)
    missing = [p for p in params if p not in given and p not in defaults]
    if missing:
        raise UsageError(f"no example argument for {', '.join(missing)}: diffc specialises the "
                         f"code to example arguments, one for each parameter without a default",
                         hint=f"add {' '.join(f'--arg {m}=...' for m in missing)}, each a shape "
                              f"(3x4, Nx784, shape:5), integer labels (N:int:10) or a number (2.0)")
    out = Examples((given[p] if p in given else defaults[p] for p in params), bool(symbols))
    out.symbols = dict(symbols)
    if symbols:
        out.labels = {params.index(name): labels for name, labels in
                      ((t.partition("=")[0], _size_labels(t.partition("=")[2])) for t in specs)
                      if name in params and labels is not None}
    return out


def _given(src, specs, params, symbols, rng, strict):
    """Parameter name -> the example value its ``--arg`` specs give (sizes named in a
    shape are shared through ``symbols``)."""
    given = {}
    for spec in specs:
        target, eq, value = spec.partition("=")
        name = _named(spec)
        if eq and name not in params and not strict:
            continue
        if not eq:
            raise UsageError(f"--arg {spec} gives no value: write --arg {spec}=SHAPE or "
                             f"--arg {spec}=VALUE",
                             hint=f"for example --arg {spec}=3x4 (a 3x4 array), --arg {spec}=shape:5 "
                                  f"(a length-5 vector) or --arg {spec}=2.0 (a number)")
        if name not in params:
            close = difflib.get_close_matches(name, params, n=1)
            raise UsageError(f"--arg {spec}: {src.name} has no parameter {name!r}",
                             hint=(f"did you mean {close[0]}? " if close else "")
                             + f"its parameters are {', '.join(params)}")
        _put(given, target, parse_example(value, symbols, rng), spec)
    return given


def _size_labels(text):
    """``("N", "64")`` for the shape ``Nx64`` (also ``shape:Nx64``, ``N:int``): how a
    docstring names the sizes; None for anything but a shape with a letter in it."""
    text = text.strip()
    body = text[len("shape:"):] if text.startswith("shape:") else text
    dims = body.partition(":")[0].split("x")
    if not all(d.isdigit() or d.isidentifier() for d in dims) or \
            not any(d.isidentifier() for d in dims) or body in ("scalar", "float", "True", "False", "None"):
        return None
    return tuple(dims)


def _named(spec):
    """The parameter an ``--arg`` spec gives: ``params`` for ``params.W1=3x4``."""
    return spec.partition("=")[0].partition(".")[0]


def _put(given, target, value, spec):
    """``given[target] = value``; a dotted target (``params.layer1.W=3x4``) is an entry of
    a dict argument, made from the entries given one by one in command-line order."""
    name, *keys = target.split(".")
    if not keys:
        given[name] = value
        return
    entries = given.setdefault(name, {})
    for depth, key in enumerate(keys):
        if not isinstance(entries, dict) or not key:
            where = ".".join([name, *keys[:depth]])
            raise UsageError(f"--arg {spec}: {where} is already given as a whole value",
                             hint=f"give {where} either as one value or entry by entry "
                                  f"({where}.KEY=SHAPE), not both")
        if depth == len(keys) - 1:
            if key in entries:
                raise UsageError(f"--arg {spec}: {target} is given twice")
            entries[key] = value
        else:
            entries = entries.setdefault(key, {})


class Examples(tuple):
    """Example arguments; ``sizes_vary`` when a shape named a size (``Nx784``): the code
    must then work for any value of it, not only the stand-in's."""

    def __new__(cls, items, sizes_vary=False):
        out = super().__new__(cls, items)
        out.sizes_vary = sizes_vary
        out.symbols = {}         # the size each letter stands for (N -> 7)
        out.labels = {}          # parameter index -> its sizes as given (("N", "64"))
        return out


def _literal_defaults(src):
    """Parameters whose default is a literal, with its value (read statically)."""
    a = src.node.args
    positional = a.posonlyargs + a.args
    pairs = list(zip(positional[len(positional) - len(a.defaults):], a.defaults))
    pairs += [(k, d) for k, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None]
    out = {}
    for arg, node in pairs:
        try:
            out[arg.arg] = ast.literal_eval(node)
        except ValueError:
            pass
    return out


def examples_error(error, args):
    """An exception the user's own line raised on the example arguments (shapes that do
    not fit it): a located ``UsageError`` saying how each ``--arg`` was read; else None."""
    loc = getattr(error, "diffc_loc", None)
    if loc is None or not from_user_code(error):
        return None
    read = how_read(getattr(args, "arg", []))
    hint = ("the --arg examples do not fit this line; they were read as: " + "; ".join(read)
            if read else "this line fails on any arguments: fix it, then compile again")
    return UsageError(f"on the example arguments this line raises {type(error).__name__}: "
                      f"{str(error).strip()}",
                      loc, hint)


def notes_on_numbers(args):
    """A ``--arg`` given as a bare integer is that number, never a shape: say so, since
    an error may come from reading ``y=5`` as 5 where a length-5 vector was meant."""
    for spec in getattr(args, "arg", []):
        name, _, text = spec.partition("=")
        if is_integer(text.strip()):
            print(f"note: --arg {spec} is the number {text.strip()}; for a length-{text.strip().lstrip('+')} "
                  f"vector write {name}=shape:{text.strip().lstrip('+')}", file=sys.stderr)
