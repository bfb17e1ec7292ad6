"""Reverse mode through calls to the user's functions: a generated forward/backward pair.

A call the gradient flows through becomes two functions of the generated module, the
way a layer is written by hand (a forward that keeps a cache, a backward that reads it)::

    h, saved = affine_forward(x, W, b)      # the callee, also returning what backward reads
    ...
    dx, dW = affine_backward(saved, dh)     # the callee's adjoint, from the saved values

The pair is the callee's own reverse transform, cut where its primal equations end: the
values the backward half reads from the forward half (and the callee's parameters it
reads) are the *saved* values, handed over in one tuple. A pair is specialised like any
gradient, to the arguments that need a gradient and to the signature of the operands;
call sites with the same specialisation share one pair. A call no gradient flows
through, or one returning a container, is inlined instead.

Generated pairs are primitives (``Generated``) living outside the rule tables, named by a
digest of their code; ``pipeline`` gives them their printed names
(``affine_forward``, ``affine_forward_2``...) when it assembles the module.

Making a pair runs the later stages on the callee (its reverse transform, the optimizer,
the emitter), so it is a compiler stage, above ``ad``: ``reverse`` here is the reverse
transform of a function whose calls were first made pair calls or inlined; the backward
step of a pair call is ``ad.reverse_pairs``.
"""
from __future__ import annotations

import ast
import copy
import hashlib
import inspect

import numpy as np

from diffc.ad import reverse as reverse_mode
from diffc.ad.reverse_control import activity, export_from_branches
from diffc.backend import functions, namespaces
from diffc.compiler.transform_calls import call_transform
from diffc.core import primitives
from diffc.core.ir import (Block, Call, Eqn, Function, Pack, Role, Var, VarKind, block_free_vars, blocks_of,
                           substitute, substitute_atom, walk)
from diffc.core.naming import RESERVED, adjoint_hint
from diffc.optimize import passes


class Generated(primitives.Primitive):
    """A function the compiler wrote (one half of a pair), called from generated code.

    ``definition``: its ``ast.FunctionDef`` (calls to other generated functions use their
    keys); ``helpers``: the template helpers it calls, as ``(primitive, alias)`` pairs;
    ``backward``: for a forward half, its backward half; ``needs``: the parameters the
    backward half returns gradients for (in order); ``portable``, once a call site made the
    pair: what its array-API form asks ``array_namespace`` about (``_record_namespaces``).
    """

    def __init__(self, key, emit_name, params, definition, helpers, nondiff=(), differentiable=True):
        def impl(*args):
            return self.run(*args)

        impl.__signature__ = inspect.Signature(
            [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in params])
        super().__init__(impl, (), nondiff=nondiff, differentiable=differentiable, helper=True)
        self.user, self.call_path, self.name = False, None, key
        self.emit_name = emit_name
        self.definition = definition
        self.helpers = set(helpers)
        self.backward = None
        self.needs = ()
        self._compiled = None

    def run(self, *args):
        """Execute the generated code (facts evaluate calls on example values with it)."""
        if self._compiled is None:
            namespace = {"np": np}
            for prim_name, alias in self.helpers:
                namespace[alias] = primitives.get(prim_name).impl
            for node in ast.walk(self.definition):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                        and node.func.id in primitives.GENERATED:
                    namespace[node.func.id] = primitives.GENERATED[node.func.id].run
            module = ast.fix_missing_locations(ast.Module([copy.deepcopy(self.definition)], []))
            exec(compile(module, f"<diffc {self.emit_name}>", "exec"), namespace)
            self._compiled = namespace[self.definition.name]
        return self._compiled(*args)


def uses_generated(fdef):
    """The generated primitives a ``def`` calls, in the order of their first call."""
    found = []
    if not primitives.GENERATED:
        return found

    def visit(node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in primitives.GENERATED:
            prim = primitives.GENERATED[node.func.id]
            if prim not in found:
                found.append(prim)
        for child in ast.iter_child_nodes(node):
            visit(child)
    visit(fdef)
    return found


def reverse(func, wrt, facts, namer, *, with_value=False, seed=None):
    """The reverse transform (``ad.reverse.reverse``) of ``func`` once each of its calls
    became a call of a generated pair or was inlined (``expand``)."""
    func = expand(func, [func.params[i] for i in wrt], facts, namer)
    return reverse_mode.reverse(func, wrt, facts, namer, with_value=with_value, seed=seed)


# -- the pass: every ir.Call becomes a pair call or is inlined ---------------------------
def expand(func, wrt_vars, facts, namer):
    """``func`` with each ``ir.Call`` replaced by a pair call or inlined."""
    if not any(isinstance(s, Call) for s in walk(func.body)):
        return func
    active = activity(func, wrt_vars)
    alias = {}
    body = _expand(func.body, active, facts, namer, alias)
    if alias:
        resolve = _resolver(alias)
        mapping = {v: resolve(v) for v in alias}
        body = substitute(body, mapping)
        results = tuple(substitute_atom(r, mapping) for r in func.results)
    else:
        results = func.results
    return Function(func.name, func.params, body, results, func.loc, func.doc,
                    defaults=func.defaults, attributes=func.attributes)


def _resolver(alias):
    def resolve(atom, depth=0):
        while isinstance(atom, Var) and atom in alias and depth < 10_000:
            atom, depth = alias[atom], depth + 1
        if isinstance(atom, Pack):
            return Pack(atom.kind, tuple(resolve(i) for i in atom.items))
        return atom
    return resolve


def _expand(stmts, active, facts, namer, alias):
    out = []
    for stmt in stmts:
        if isinstance(stmt, Call):
            if _worth_a_pair(stmt, active, facts):
                out.append(_pair_call(stmt, active, facts, namer))
                continue
            for p, a in zip(stmt.body.params, stmt.args):
                alias[p] = a
            alias[stmt.outs[0]] = stmt.body.results[0]
            out.extend(_expand(stmt.body.body, active, facts, namer, alias))
            continue
        for block in blocks_of(stmt):
            block.body = _expand(block.body, active, facts, namer, alias)
        out.append(stmt)
    return out


def _worth_a_pair(call, active, facts):
    """A gradient flows through, and the callee returns one array or number."""
    if call.outs[0] not in active or not any(p in active for p in call.body.params):
        return False
    result = call.body.results[0]
    if not isinstance(result, Var) or any(isinstance(s, Eqn) and s.prim == call_transform.name
                                          for s in walk(call.body.body)):
        return False
    if facts.enabled:
        value = facts.values.get(result)
        return isinstance(value, (np.ndarray, float, np.floating))
    producer = next((s for s in walk(call.body.body) if result in s.outs), None)
    # without example values: a value read out of a container may be a container itself
    return isinstance(producer, Eqn) and producer.prim != "getitem"


def _pair_call(call, active, facts, namer):
    """``out, saved = <callee>_forward(args)``, with the pair generated for this call."""
    params = call.body.params
    wrt = tuple(i for i, p in enumerate(params) if p in active)
    forward, saved_value = _generate(call, wrt, facts, namer)
    saved = namer.var("saved", VarKind.USER)
    if saved_value is not None:
        facts.values[saved] = saved_value
    return Eqn((call.outs[0], saved), forward.name, call.args, {}, call.loc, Role.PRIMAL, None)


# -- generating a pair ---------------------------------------------------------------------
def _generate(call, wrt, facts, namer):
    block = copy.deepcopy(call.body)
    callee = Function(call.callee, block.params, block.body, block.results, call.loc)
    result = block.results[0]
    seed = namer.var(adjoint_hint(result.hint if isinstance(result, Var) else "out"), VarKind.ADJOINT)
    facts.assume(seed, result)
    grad = passes.optimize(reverse(callee, wrt, facts, namer, with_value=True, seed=seed), facts, split=True)
    cut = next((k for k, s in enumerate(grad.body) if s.role not in (Role.PRIMAL, Role.TAPE)), len(grad.body))
    primal, backward = grad.body[:cut], grad.body[cut:]
    result, grads = grad.results[0], grad.results[1:]
    inside = set(callee.params) | {o for s in walk(primal) for o in s.outs} | \
        {p for s in walk(primal) for b in blocks_of(s) for p in b.params}
    read = [v for v in block_free_vars(Block((), backward, grads)) if v in inside]
    bwd = _function(call.callee, tuple(read) + (seed,), backward, grads)
    saved = _saved(read, callee, primal, namer)
    fwd = _function(call.callee, callee.params, primal, (result, *saved))
    names = [p.hint for p in callee.params]
    fwd_def, fwd_helpers = functions.emit_function(fwd, "forward", "", lambda e: ast.Tuple(
        [e[0], ast.Tuple(e[1:], ast.Load())], ast.Load()))
    bwd_def, bwd_helpers = functions.emit_function(
        bwd, "backward", "", lambda e: e[0] if len(e) == 1 else ast.Tuple(e, ast.Load()))
    _rename_params(fwd_def, names)
    saved_name = _unpack_saved(bwd_def, [v.hint for v in read], seed.hint)
    _document(call, fwd_def, bwd_def, ", ".join(names[i] for i in wrt))
    forward_prim = _registered(call.callee, (fwd_def, fwd_helpers), (bwd_def, bwd_helpers), names,
                               wrt, (saved_name, seed.hint))
    _record_namespaces(forward_prim, fwd_def, bwd_def, [*callee.params], [*read, seed], facts)
    known = facts.enabled and all(v in facts.values for v in read)
    return forward_prim, tuple(facts.values[v] for v in read) if known else None


def _document(call, fwd_def, bwd_def, wrt_names):
    """The docstrings of a pair."""
    where = call.defined_at.short if call.defined_at else call.callee
    fwd_def.body.insert(0, ast.Expr(ast.Constant(
        f"{call.callee} ({where}), also returning the values its backward pass reads.")))
    bwd_def.body.insert(0, ast.Expr(ast.Constant(
        f"Gradient of {call.callee} with respect to {wrt_names}, from the values its forward "
        f"pass saved and the gradient of its result.")))


def _registered(base, forward, backward, names, wrt, backward_params):
    """The forward half of the pair ``(def, helpers)`` ``forward`` and ``backward``, named by
    a digest of their code: registered in ``primitives.GENERATED``, or the same pair
    registered before."""
    (fwd_def, fwd_helpers), (bwd_def, bwd_helpers) = forward, backward
    digest = hashlib.sha256((ast.dump(fwd_def) + ast.dump(bwd_def)).encode()).hexdigest()[:12]
    fwd_key, bwd_key = f"{base}_forward__{digest}", f"{base}_backward__{digest}"
    fwd_def.name, bwd_def.name = fwd_key, bwd_key
    if fwd_key not in primitives.GENERATED:
        backward_prim = Generated(bwd_key, f"{base}_backward", backward_params, bwd_def,
                                  _template_helpers(bwd_helpers), differentiable=False)
        forward_prim = Generated(fwd_key, f"{base}_forward", names, fwd_def,
                                 _template_helpers(fwd_helpers),
                                 nondiff=[n for i, n in enumerate(names) if i not in wrt])
        forward_prim.backward = backward_prim
        forward_prim.needs = wrt
        primitives.GENERATED[bwd_key] = backward_prim
        primitives.GENERATED[fwd_key] = forward_prim
    return primitives.GENERATED[fwd_key]


_UNKNOWN = object()


def _record_namespaces(forward, fwd_def, bwd_def, params, backward_reads, facts):
    """Record on each half of the pair ``forward`` what its array-API form asks
    ``array_namespace`` about: ``portable`` is ``(arguments, Python-number names, list and
    dict names, where)`` from the example values at this call (``where``: the statement
    before which ``xp`` is found, after the unpacking of ``saved``); None without example
    values or when another call site of the same code had other kinds of values (the
    array-API form then refuses the pair)."""
    def describe(names, values):         # (a value made in the reverse pass, a tape, is unknown)
        if not facts.enabled:
            return None
        arrays = [e for n, v in zip(names, values) for e in namespaces.array_arguments(n, v)]
        return (arrays, [n for n, v in zip(names, values) if namespaces.is_python_number(v)],
                [n for n, v in zip(names, values) if type(v) in (list, dict)])

    def value(v):
        return facts.values.get(v, _UNKNOWN) if facts.enabled else _UNKNOWN

    fwd_names = [a.arg for a in fwd_def.args.args]
    unpack = next((k for k, s in enumerate(bwd_def.body) if isinstance(s, ast.Assign)
                   and isinstance(s.value, ast.Name) and s.value.id == bwd_def.args.args[0].arg), None)
    read_names = [e.id for e in bwd_def.body[unpack].targets[0].elts] if unpack is not None else []
    bwd_names = read_names + [bwd_def.args.args[-1].arg]
    backward_values = [value(v) for v in backward_reads]
    if isinstance(backward_values[-1], np.ndarray):      # the gradient of the result says it
        bwd_names, backward_values = bwd_names[-1:], backward_values[-1:]
    halves = ((forward, describe(fwd_names, [value(p) for p in params]), 0),
              (forward.backward, describe(bwd_names, backward_values), 0 if unpack is None else unpack + 1))
    for half, found, where in halves:
        found = None if found is None else (*found, where)
        key = None if found is None else ast.dump(ast.Tuple(found[0], ast.Load())) + repr(found[1:])
        if not hasattr(half, "portable"):
            half.portable, half.portable_key = found, key
        elif half.portable_key != key:
            half.portable = half.portable_key = None


def _saved(read, callee, primal, namer):
    """What the forward function returns for each value its backward reads: a value
    made inside a branch (``if``/``elif`` nests) leaves that branch as one more output,
    None on the paths that did not make it (the backward reads it only on its own path)."""
    top = set(callee.params) | {o for s in primal for o in s.outs}
    return [v if v in top else export_from_branches(namer, primal, v) for v in read]


def _function(name, params, body, results):
    return Function(name, tuple(params), body, tuple(results))


def _template_helpers(helpers):
    return {(h, a) for h, a in helpers if h not in primitives.GENERATED}


def _names_in(fdef):
    return {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name)} | \
        {a.arg for a in fdef.args.args}


def _rename(fdef, old, new):
    for node in ast.walk(fdef):
        if isinstance(node, ast.Name) and node.id == old:
            node.id = new
        elif isinstance(node, ast.arg) and node.arg == old:
            node.arg = new


def _fresh(taken, base):
    name, k = base, 1
    while name in taken or name in RESERVED or not name.isidentifier():
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def _rename_params(fdef, hints):
    """Give the parameters of a generated ``def`` their plain names (``W``, not ``W_3``)."""
    taken = _names_in(fdef)
    for arg, hint in zip(list(fdef.args.args), hints):
        if arg.arg == hint:
            continue
        taken.discard(arg.arg)
        _rename(fdef, arg.arg, _fresh(taken, hint))


def _unpack_saved(fdef, hints, seed_hint):
    """``def backward(x, W, dout)`` → ``def backward(saved, dout): x, W = saved``."""
    _rename_params(fdef, hints + [seed_hint])
    taken = _names_in(fdef)
    saved = _fresh(taken, "saved")
    *read, seed = fdef.args.args
    if read:
        target = ast.Tuple([ast.Name(a.arg, ast.Store()) for a in read], ast.Store())
        fdef.body.insert(0, ast.Assign([target], ast.Name(saved, ast.Load()), lineno=0))
    fdef.args.args = [ast.arg(saved), seed]
    ast.fix_missing_locations(fdef)
    return saved

