"""Lowering: a fenced ``def`` → an IR ``Function`` in one-operation-per-equation form.

Names resolve as Python resolves them. In a live function (``diffc.grad`` at run time)
a name that is not local is read from the running program: a closure cell, else the
function's globals, else a builtin; each read is recorded (``bindings``) as a guard
checked at every call, or, for arrays, as a *free input* the generated function takes as
an extra parameter. Read statically (the command line, rule templates), a name is a local
variable, else the module's imports (so ``np``, ``numpy`` and ``from numpy import exp``
all reach ``numpy.exp``), else a module-level literal constant, else a builtin. Each
call, operator and array attribute becomes
one ``Eqn`` of the primitive registered for its source-level name
(``numpy.exp``, ``operator.add``, ``ndarray.sum``, ``ndarray.T``). Every equation keeps
the user's file, line and column.

The same lowering reads rule templates: ``rules.instantiate`` binds a rule's parameters
in a ``Scope`` and lowers its body with ``lower_expr`` and ``assign``.

This module is the lowering's entry: a function's parameters and body (``lower_function``),
and the public names the rest of diffc uses. The work is split by concern, each module
importing only those before it:

    lower_entry        the recursion's entry points (installed here, at import)
    lower_scope        the scope and what a name can stand for (``Ref``, ``UserFunction``...)
    lower_emit         one equation of a primitive: ``emit``, ``record``, ``bind``
    lower_names        names, read statically or from the running program
    lower_containers   dicts, comprehensions, list/dict methods, builtins on fixed structure
    lower_inline       calls to the user's functions, inlined or kept whole (``ir.Call``)
    lower_construct    objects made in the function (``Dense(W1, b1)``, a dataclass, a namedtuple)
    lower_calls        what a call reaches: a primitive, a method, an object's member
    lower_control      ``if``, ``for``, ``while``, ``a if c else b`` (``ir.If``/``ir.Loop``)
    lower_expressions  expressions, conditions, indices, a call's arguments
    lower_statements   assignments and the other statements

Lowering is recursive across those concerns (an expression calls a function of the
user's, whose statements hold expressions): a module reaches the lowering of one after it
only through ``lower_entry``, which this module fills in.
"""
from __future__ import annotations

import ast
import inspect

from diffc.frontend import jumps, lower_objects
from diffc.frontend import lower_entry as entry
from diffc.errors import UnsupportedSyntax
from diffc.core.ir import Function
from diffc.core.naming import Namer
from diffc.frontend.lower_scope import Scope, SelfRef, enclosing_class
from diffc.frontend.lower_emit import bind, record
from diffc.frontend.lower_inline import bind_user_args, bound_value, defaults_of
from diffc.frontend.lower_calls import call_value
from diffc.frontend.lower_expressions import lower_condition, lower_expr
from diffc.frontend.lower_statements import assign, lower_statement

# what the rest of diffc uses: a function (``lower_function``); a rule template's body, in a
# ``Scope`` its parameters are bound in (``lower_expr``, ``assign``); an equation made
# outside the lowering (``record``); a call's arguments bound to a primitive (``bind``)
__all__ = ["Scope", "assign", "bind", "lower_expr", "lower_function", "record"]


def lower_function(fn, method=False, calls=False, facts=None, args=None,
                   instance=None, preread=()) -> Function:
    """Lower a fenced ``SourceFunction`` to an IR ``Function``.

    ``method``: the first parameter is ``self``; the function's inputs are then the
    attributes it reads (``self.params`` → an input named ``params``), in the order
    first read, followed by its other parameters (``Function.attributes`` names them).
    ``calls``: a call to one of the user's functions of more than one statement stays
    one ``ir.Call`` (for the reverse transform to give it a forward/backward pair);
    otherwise every call is inlined.

    ``facts``, ``args``: the example arguments and the facts to record them in. Lowering
    then evaluates each statement as it makes it, so that what the signature fixes is
    known while lowering (``static``): conditions on it are decided, loops over it
    unrolled, Python on it evaluated. For a method, ``args`` are those after ``self`` and
    ``instance`` is the object: each attribute read takes its value from it.
    """
    scope = Scope(fn, Namer())
    scope.calls = calls
    scope.facts = facts if facts is not None and facts.enabled and args is not None else None
    node = fn.node
    arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
    self_ref = None
    if method:
        self_ref = _bind_self(scope, arguments[0], instance, preread)
        arguments = arguments[1:]
    if node.args.vararg or node.args.kwarg:
        params, results = _lower_wrapper(scope, fn, self_ref, args)
    else:
        params = _bind_parameters(scope, arguments, args)
        results = _lower_body(scope, node.body)
    attributes = tuple(self_ref.attrs) if self_ref is not None else ()
    if self_ref is not None:
        params = list(self_ref.attrs.values()) + params
    free = tuple(scope.free.values())
    func = Function(node.name, tuple(params) + tuple(f.var for f in free), scope.body, results,
                    fn.loc(node), ast.get_docstring(node) or "", free)
    func.defaults = _param_defaults(fn, params[len(attributes):])
    func.attributes = attributes
    func.stores_first = scope.state.stores_first()
    return func


def _bind_self(scope, self_arg, instance, preread):
    """A method's ``self``: a ``SelfRef`` whose attributes read become inputs."""
    fn = scope.fn
    self_ref = SelfRef({}, scope.namer, enclosing_class(fn), fn.owner, instance, scope.facts,
                       scope.state)
    for name in preread:        # attributes named by ``wrt``: inputs, read or not
        if name == lower_objects.SELF:
            self_ref.itself()   # the object, for the stores it gets: in its place
        else:
            self_ref.attribute(name)
    scope.env[self_arg.arg] = self_ref
    return self_ref


def _bind_parameters(scope, arguments, examples):
    """One input ``Var`` per parameter, bound to its example argument when there are facts."""
    params = []
    for k, arg in enumerate(arguments):
        var = scope.namer.var(arg.arg)
        scope.env[arg.arg] = var
        params.append(var)
        scope.state.inputs.add(id(var))
        if scope.facts is not None and k < len(examples):
            scope.facts.bind_param(var, examples[k])
            lower_objects.register_leaves(scope.state, var, examples[k])
    return params


def _lower_body(scope, body):
    """Lower a function body into ``scope``; returns the results of its ``return``."""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    results = ()
    for stmt in jumps.desugar(body):
        if isinstance(stmt, ast.Return):
            hint = stmt.value.id if isinstance(stmt.value, ast.Name) else "out"
            results = (lower_expr(scope, stmt.value, hint),)
            lower_objects.escape(scope, results[0], scope.loc(stmt.value), "returned")
        else:
            lower_statement(scope, stmt)
    return results


def _lower_wrapper(scope, fn, self_ref, examples=None):
    """A function taking ``*args``/``**kwargs`` (a decorator's wrapper): its parameters are
    those its signature shows (``inspect.signature`` follows ``__wrapped__`` to the
    function it wraps), passed to the wrapper as Python would pass them."""
    if fn.live is None:
        raise UnsupportedSyntax(
            "a function taking *args or **kwargs can only be compiled when it runs",
            fn.loc(fn.node.args.vararg or fn.node.args.kwarg),
            "use the Python API (diffc.grad), or compile the function it calls")
    signature = [p for p in inspect.signature(fn.live).parameters.values()
                 if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if self_ref is not None:
        signature = signature[1:]
    names = [p.name for p in signature]
    params = [scope.namer.var(n) for n in names]
    scope.state.inputs.update(id(p) for p in params)
    if scope.facts is not None:
        for var, value in zip(params, examples):
            scope.facts.bind_param(var, value)
    args = ((self_ref,) if self_ref is not None else ()) + tuple(
        v for p, v in zip(signature, params) if p.kind != p.KEYWORD_ONLY)
    kwargs = {p.name: v for p, v in zip(signature, params) if p.kind == p.KEYWORD_ONLY}
    try:
        bound = bind_user_args(fn, args, kwargs)
    except TypeError as e:
        raise UnsupportedSyntax(f"cannot pass {', '.join(names)} to {fn.name}(): {e}",
                                fn.loc(fn.node), "differentiate the function it wraps") from None
    for name, value in bound.items():
        scope.env[name] = bound_value(scope, value)
    return params, _lower_body(scope, fn.node.body)


def _param_defaults(fn, params):
    """Parameter name -> the ``ast`` default the generated ``def`` repeats: for the last
    parameters in ``params`` whose defaults can be written there (any expression the
    fence allows when read statically; a number, string or None of the running function)."""
    args = fn.node.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    keyword_only = [a.arg for a in args.kwonlyargs]
    if fn.live is None:
        candidates = dict(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        candidates.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    else:
        candidates = {}
        for name, value in defaults_of(fn, positional, keyword_only).items():
            if type(value.value) in (bool, int, float, str, type(None)) and value.value == value.value:
                candidates[name] = ast.Constant(value.value)
    defaults = {}
    for var in reversed(params):
        if var.name not in candidates:
            break
        defaults[var.name] = candidates[var.name]
    return defaults


entry.install(expression=lower_expr, condition=lower_condition, statement=lower_statement,
              assign=assign, call=call_value, function=lower_function)
