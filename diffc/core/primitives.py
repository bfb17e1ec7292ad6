"""The rule registry: what diffc knows about each primitive operation.

A primitive is declared in a template module under ``templates/`` by decorating its
primal implementation (with ``primitive`` from ``diffc.extend``, the public interface);
its reverse (VJP) and forward (JVP) rules are attached to it with ``@prim.reverse`` and
``@prim.forward``::

    @primitive("operator.mul", "numpy.multiply", broadcasting=True, elementwise=True)
    def multiply(x, y):
        return x * y

    @multiply.reverse
    def multiply_reverse(out, dout, x, y):
        "multiply: each input gets the other times dout"
        dx = dout * y
        dy = dout * x
        return dx, dy

    @multiply.forward
    def multiply_forward(out, x, y, *, dx, dy):
        dout = dx * y + x * dy
        return dout

Contract of a template:

* The primal's signature is the signature user calls are bound to (positional and
  keyword), so it mirrors NumPy's. ``*args`` names a variadic operand tuple.
* The reverse rule takes ``(out, dout, <the primal's parameters>)`` and returns one
  gradient per differentiable parameter, each named ``d<param>`` (or ``None``).
  A parameter that is neither returned nor listed in ``nondiff`` has no rule: if a
  differentiable value flows into it, compiling fails instead of dropping a gradient.
* The forward rule takes ``(out, <the primal's parameters>, *, d<param>...)`` for the
  parameters the reverse rule returns, and returns ``dout``. An ``elementwise``
  primitive's is derived from its reverse rule (``diffc/rules/derived.py``): it is
  written only when it says more (``multiply``'s above orders its terms as the formula
  is read; ``divide``'s reverse rule reuses ``dx``, so it cannot be derived).
* Rule bodies are straight-line Python over registered primitives. An ``if`` must be
  decidable when the rule is instantiated (it may test constant parameters and
  ``np.ndim``/``np.shape``/``.dtype`` of operands whose shapes are known).
* Un-broadcasting a gradient to its operand's shape, accumulation of fan-out and
  zero gradients are the engine's job, never a rule's.
* ``broadcasting=True``: the operands broadcast against each other, and the engine sums
  each gradient back to its operand's shape. ``elementwise=True``: each entry of the
  result depends only on the operands' entries at its position (a ufunc), so the optimizer
  may hand the rule an unspread ``dout`` that NumPy broadcasts. Every other rule receives
  ``dout`` at the result's full shape.

Properties the passes read (``prim.fresh``...), declared in the same decorator; a pass
asks the primitive, it keeps no list of names:

* ``effect``: running it does something besides computing its result, so it is never
  dropped, merged with an equal one, or moved: ``"tape"`` (a loop's saved values:
  ``new_tape``, ``push``, ``pop``), ``"iterator"`` (``reversed(steps)``, used up by the
  loop that reads it), ``"store"`` (an attribute assigned on an object the code is given,
  as the user's code assigns it), ``"random"`` (a draw from a random generator: its
  ``example_impl`` draws from a copy, so compiling leaves the generator as it was),
  ``"print"`` (``print(...)`` of forward values, made at each call; compiling prints nothing).
* ``fresh``: its result is memory nothing else holds (a new array, or an operand the
  gradient code owns updated in place), so the gradient code may write into it.
* ``arithmetic``: ``+ - * /`` and unary ``-``: elementwise, and the result's shape and
  dtype are the operands' broadcast.
* ``folds``: on Python numbers it is computed at compile time (``2 * 3`` is ``6``).
* ``view``: its result is its operand with the axes permuted (``a.T``): free to compute,
  and it reads best where it is used.
* ``writes_first``: it updates its first operand in place and returns it (``acc += y``).
* ``in_place``: per operand position, the primitive computing the same value into that
  operand (``subtract``: ``("subtract_to", "subtract_from")``), or None.
* ``out_form``: the primitive computing it into a given array, ``np.add(x, y, out=buf)``
  (``power``'s, ``square_out``, only for an exponent of 2).
* ``method``: the primitive writing it as the array's method (``a.sum(axis=0)``).
* ``shape_of_first``: its result has its first operand's shape, whatever the others'
  (``scatter(x, index, values)``).
* ``row_form``: for array namespaces other than NumPy, where its index is one entry of
  each row of a 2-D array (``(np.arange(n), cols)``), the primitives computing it with no
  write into an array: ``(for fixed sizes, where sizes vary or None)``, then the same two
  for one value put in every row (a 0-d ``values``, broadcast as it is), or None.
* ``array_api_helper``: a helper the array-API form defines by rewriting its template as
  it rewrites generated code (its arguments are arrays there: a number is made one);
  ``"leaves"`` for one walking nested lists and dicts, whose calls each find the
  namespace of their own array; ``"python"`` for one computing with Python numbers
  only (shapes, sizes), whose arguments are passed as they are.
* ``array_api_form``: the NumPy function outside the standard (``"dot"``) this helper
  computes with the standard's functions; the array-API form calls it where the code
  calls NumPy's (``backend/portable_forms.py``).

A helper computed with SciPy in the NumPy form may say how to compute it with the standard's
functions (``@norm_logpdf.array_api``): the array-API form defines that one in its place.

A primitive with an effect may set ``example_impl``: what the example run at compile time
calls instead of the primal, as ``example_impl(run, *args)``, where ``run`` is a dict the
run keeps for its length (a random draw keeps its generator's copy there).

The same functions run as plain Python, which is how ``tests/test_rules.py`` checks
each rule against central differences independently of the compiler.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import pathlib
import sys

_BY_NAME: dict[str, "Primitive"] = {}
_BY_SOURCE_NAME: dict[str, "Primitive"] = {}
GENERATED: dict[str, "Primitive"] = {}      # functions the compiler wrote (compiler.call_pairs)
_NAMED_BY: dict[str, frozenset] = {}        # property -> the names primitives give in it


class Primitive:
    """One operation of the IR, with its primal and its derivative rules."""

    def __init__(self, impl, source_names, *, nondiff=(), broadcasting=False, elementwise=False,
                 data_dependent_shape=False, differentiable=True, shape_only=False,
                 helper=False, effect=None, fresh=False, arithmetic=False, folds=False,
                 view=False, writes_first=False, in_place=(), out_form=None, method=None,
                 shape_of_first=False, row_form=(None, None, None, None), array_api_helper=False,
                 array_api_form=None):
        module = getattr(impl, "__module__", "") or ""
        # A rule registered outside diffc's templates (a user's) is called, not inlined.
        self.user = not module.startswith(("diffc.templates", "templates"))
        self.name = f"{module}.{impl.__qualname__}" if self.user else impl.__name__
        self.call_path = (module, impl.__qualname__) if self.user else None
        self.impl = impl
        self.signature = inspect.signature(impl)
        self.params = tuple(self.signature.parameters)
        self.source_names = tuple(source_names)
        self.broadcasting = broadcasting  # operands may broadcast: gradients are summed back
        # each entry of the result depends only on the operands' entries at its position
        # (a ufunc): ``f(np.broadcast_to(s, S))`` is ``np.broadcast_to(f(s), S)``. A rule
        # of an operation that is not elementwise must see its ``dout`` at full shape
        self.elementwise = elementwise
        self.data_dependent_shape = data_dependent_shape
        self.differentiable = differentiable
        self.shape_only = shape_only      # result depends only on operand shapes (np.shape, len)
        self.helper = helper              # emitted as a call to a function defined in the module
        self.nondiff = frozenset(self.params if not differentiable else nondiff)
        # What the optimizer and the transforms ask of it (see "Properties" above)
        self.effect = effect
        self.fresh = fresh
        self.arithmetic = arithmetic
        self.folds = folds
        self.view = view
        self.writes_first = writes_first
        self.in_place = tuple(in_place)
        self.out_form = out_form
        self.method = method
        self.shape_of_first = shape_of_first
        self.row_form = tuple(row_form) + (None,) * (4 - len(row_form))
        self.array_api_helper = array_api_helper
        self.array_api_form = array_api_form
        self.reverse_rule = None
        self.forward_rule = None
        self.array_api_impl = None

    def __repr__(self):
        return f"<primitive {self.name}>"

    def __call__(self, *args, **kwargs):
        return self.impl(*args, **kwargs)

    def reverse(self, fn):
        self.reverse_rule = fn
        if self.user:
            _register_companion(self, fn, "reverse_rule")
        return fn

    def forward(self, fn):
        self.forward_rule = fn
        if self.user:
            _register_companion(self, fn, "forward_rule")
        return fn

    def array_api(self, fn):
        """``fn``: this helper with the array API standard's functions only (NumPy code, as
        templates are), which the array-API form defines in its place."""
        self.array_api_impl = fn
        return fn

    @property
    def variadic(self):
        """Name of the ``*args`` parameter, or None."""
        for p in self.signature.parameters.values():
            if p.kind is inspect.Parameter.VAR_POSITIONAL:
                return p.name
        return None

    @property
    def gate(self):
        """The one-line description of the rule, used in generated comments."""
        doc = inspect.getdoc(self.reverse_rule) if self.reverse_rule else None
        return doc.splitlines()[0].strip() if doc else ""


def primitive(*source_names, **options):
    """Register the decorated primal function as a primitive.

    ``source_names`` are the names user code reaches it by: ``"numpy.exp"``,
    ``"ndarray.sum"`` (a method: the receiver binds to the first parameter),
    ``"ndarray.T"`` (an attribute), ``"operator.add"`` (the ``+`` operator),
    ``"builtins.max"``. A user's function needs none: ``@diffc.primitive`` and
    ``@diffc.primitive()`` both register it under its own module and name.
    """
    if len(source_names) == 1 and callable(source_names[0]) and not options:
        return primitive()(source_names[0])          # @diffc.primitive, without parentheses
    def register(impl):
        prim = Primitive(impl, source_names, **options)
        if prim.user:                   # a user's module may be imported again
            _forget(prim.name)
        if prim.name in _BY_NAME:
            raise ValueError(f"primitive {prim.name!r} is registered twice")
        _BY_NAME[prim.name] = prim
        _NAMED_BY.clear()
        for source_name in prim.source_names:
            if source_name in _BY_SOURCE_NAME:
                raise ValueError(f"{source_name!r} is claimed by two primitives")
            _BY_SOURCE_NAME[source_name] = prim
        return prim
    return register


def _forget(name):
    for key in [k for k in _BY_NAME if k == name or k.startswith(name + ".")]:
        old = _BY_NAME.pop(key)
        for source_name in old.source_names:
            _BY_SOURCE_NAME.pop(source_name, None)


def _register_companion(prim, fn, attr):
    """A user's rule, callable from generated code as ``module.prim.reverse_rule(...)``."""
    companion = Primitive(fn, (), differentiable=False)
    companion.name = f"{prim.name}.{attr}"
    companion.call_path = (prim.call_path[0], f"{prim.call_path[1]}.{attr}")
    _BY_NAME[companion.name] = companion


LIBRARY = "diffc.templates"      # the rule library: the top-level ``templates/`` of the project


def _load():
    """Import the rule library (importing it registers every rule), once.

    Installed, diffc has it as its subpackage ``diffc.templates`` (``pyproject.toml`` maps
    ``templates/`` there). Run from a checkout (installed editable, or only on
    ``sys.path``), diffc has no such subpackage, and the library is the checkout's own
    ``templates/`` beside ``diffc/``, imported under the same name."""
    if LIBRARY in sys.modules:
        return
    package = pathlib.Path(__file__).resolve().parents[1]
    checkout = package.parent / "templates"
    if not (package / "templates").is_dir() and (checkout / "__init__.py").is_file():
        _load_from(checkout)
    else:
        importlib.import_module(LIBRARY)


def _load_from(root):
    spec = importlib.util.spec_from_file_location(LIBRARY, root / "__init__.py",
                                                  submodule_search_locations=[str(root)])
    library = importlib.util.module_from_spec(spec)
    sys.modules[LIBRARY] = library
    try:
        spec.loader.exec_module(library)
    except BaseException:
        del sys.modules[LIBRARY]
        raise


def lookup(source_name):
    """The primitive a source-level name refers to, or None."""
    _load()
    return _BY_SOURCE_NAME.get(source_name)


def get(name):
    """The primitive called ``name``."""
    _load()
    prim = _BY_NAME.get(name)
    return prim if prim is not None else GENERATED[name]


def all_primitives():
    """Every registered primitive, sorted by name."""
    _load()
    return [_BY_NAME[k] for k in sorted(_BY_NAME)]


def named_by(prop):
    """The names of the primitives some primitive names in property ``prop``:
    ``named_by("out_form")`` are the out forms (``add_out``...)."""
    _load()
    if prop not in _NAMED_BY:
        _NAMED_BY[prop] = frozenset(getattr(p, prop) for p in _BY_NAME.values()) - {None}
    return _NAMED_BY[prop]


def source_names():
    """Every source-level name with a rule, sorted."""
    _load()
    return sorted(_BY_SOURCE_NAME)


def is_basic_index(index):
    """True when ``x[index]`` is provably basic indexing (no position can be read twice).

    Works on real index values and on the abstract operands a rule's ``if`` sees at
    compile time; anything not known to be basic (an integer or boolean array, an
    unknown value) answers False, which selects the always-correct general rule.
    """
    items = index if isinstance(index, tuple) else (index,)
    for item in items:
        if item is None or item is Ellipsis or isinstance(item, slice):
            continue
        if isinstance(item, (int,)) and not isinstance(item, bool):
            continue
        try:
            ndim = item.ndim
            kind = item.dtype.kind
        except Exception:
            return False
        if ndim == 0 and kind in "iu":
            continue
        return False
    return True


class RuleUnsupported(Exception):
    """Raised by ``unsupported`` when a rule is run directly on a case it does not cover."""


def unsupported(reason):
    """In a rule: this case has no gradient rule (``reason`` says why).

    Compiling reports it as a ``NoRuleError`` at the user's line; running the rule
    directly raises ``RuleUnsupported``.
    """
    raise RuleUnsupported(reason)
