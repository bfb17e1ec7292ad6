"""Optimizing passes: pure functions from IR ``Function`` to IR ``Function``.

* ``shape_queries``: ``np.ndim(v)`` is a constant; so are ``np.shape(v)`` and
  ``np.size(v)`` for a scalar ``v``; and ``np.shape(v)`` of an elementwise result
  that has the shape of one of its operands is that operand's shape. A value read only
  for its shape is then no longer computed (a reduction recomputed just to count its
  entries, a product recomputed just for its shape). These hold for every call the code
  is specialised to (ranks and size-1 axes are part of the signature); a product's shape
  is an operand's only where the signature fixes every size (not with sizes named on the
  command line, ``--arg A=7xN``, where N = 7 was one choice).
* ``broadcasts``: an elementwise reader of ``np.broadcast_to(s, S)`` (how ``sum`` and
  ``mean`` spread ``dout``) reads ``s`` itself where NumPy's broadcasting gives the same
  array. Any other reader (a product, a reshape, a cumulative sum...) sees the full shape.
* ``loop_invariants``: what a ``for`` loop's every iteration computes the same way is
  computed once before it.
* ``common_subexpressions``: an equation identical to an earlier one in the same block
  (same primitive, same operands) reuses its result.
* ``softmax_gradients`` (``diffc/optimize/softmax_grads.py``): the backward pass of a
  softmax, a log-softmax or a softmax with cross-entropy in closed form
  (``(P * T.sum(axis=1, keepdims=True) - T) / N``), found by exact algebra across row sums.
* ``simplify`` (``diffc/optimize/simplify.py``): a chain of elementwise adjoint equations is
  simplified with sympy, reusing forward values (a sigmoid's ``s * (1 - s)``).
* ``doubled_products``: ``s * A + s * A`` (a square's two equal gradients) is
  ``(s + s) * A``.
* ``unique_scatters``: the gradient of ``p[np.arange(n), y]`` is assigned into zeros
  (``d[rows, y] = v``), not added with ``np.add.at``: the pairs read are all different.
* ``dead_code``: drop equations nothing reads, in every block, and tapes none of whose
  popped values is read.
* ``EMIT_PASSES``, only on code about to be emitted (their primitives have no derivative
  rules): in-place accumulation and arithmetic (``in_place.py``), and reductions of
  arrays as methods (``a.sum(axis=0)``).

The passes live by what they do: ``shapes`` (``shape_queries``, ``broadcasts``),
``patterns`` (``doubled_products``, ``unique_scatters``), ``softmax_grads`` and its parts,
``simplify`` and its parts,
``emit_forms`` (the passes only emitted code gets), ``bptt`` and ``in_place``. This module
holds the others (dead code, common subexpressions, constants, loop invariants) and runs
them all in order (``PASSES``, ``EMIT_PASSES``).
"""
from __future__ import annotations

import contextlib
import contextvars
import copy
import os
from collections import ChainMap

import numpy as np

from diffc.core import primitives
from diffc.core.ir import (Const, Eqn, Function, Loop, Pack, Var, blocks_of, defined_in, map_blocks,
                           substitute, walk, with_body)
from diffc.core.verify import checked
from diffc.optimize import bptt, in_place
from diffc.optimize import portable as portable_passes
from diffc.optimize.emit_forms import accumulate_in_place, array_methods, product_layouts
from diffc.optimize.list_updates import list_updates
from diffc.optimize.patterns import doubled_products, unique_scatters
from diffc.optimize.shapes import broadcasts, shape_queries
from diffc.optimize.simplify import simplify
from diffc.optimize.softmax_grads import softmax_gradients


def _effect(eqn):
    """Whether ``eqn`` does more than compute its result (a tape's push or pop; an
    iterator, used up by the loop that reads it): never dropped, shared, nor moved."""
    return primitives.get(eqn.prim).effect is not None


def dead_code(func: Function, facts=None) -> Function:
    """Drop equations nothing reads, in every block, until none is left to drop.

    Control-flow statements are kept, and so are effects (tape pushes and pops), except a
    whole tape none of whose popped values is read any more (its reader was simplified
    away): then its list, its pushes and its pops go together.
    """
    body = func.body
    # the uses are counted once and kept up to date: dropping an equation un-counts its
    # reads; sweeping last to first, what only a dropped equation read is dropped in the
    # same sweep (one sweep per round, not one per link of a dead chain)
    uses = Function(func.name, func.params, body, func.results).uses()
    while True:
        removed = [False]
        dead = _unread_tapes(body, uses)

        def prune(stmts):
            kept = []
            for stmt in reversed(stmts):
                if isinstance(stmt, Eqn) and (id(stmt) in dead or stmt.outs and not _effect(stmt)
                                              and not any(uses.get(o, 0) for o in stmt.outs)):
                    removed[0] = True
                    for v in stmt.inputs():
                        uses[v] -= 1
                    continue
                for block in reversed(blocks_of(stmt)):
                    block.body = prune(block.body)
                kept.append(stmt)
            kept.reverse()
            return kept

        body = prune(body)
        if not removed[0]:
            return with_body(func, body)


def _unread_tapes(body, uses):
    """ids of the statements of every tape that is only pushed to and popped from, none of
    whose popped values is read: its ``new_tape``, its pushes and its pops."""
    made, effects = {}, {}
    for stmt in walk(body):
        if isinstance(stmt, Eqn) and _effect(stmt):
            if stmt.prim == "new_tape":
                made[stmt.outs[0]] = stmt
            elif stmt.args and isinstance(stmt.args[0], Var):
                effects.setdefault(stmt.args[0], []).append(stmt)
    dead = set()
    for tape, maker in made.items():
        mine = effects.get(tape, [])
        if len(mine) == uses.get(tape, 0) and not any(
                uses.get(o, 0) for s in mine if s.prim == "pop" for o in s.outs):
            dead.update(id(s) for s in [maker] + mine)
    return dead


def _key(eqn):
    def atom(a):
        if isinstance(a, Const):
            try:
                hash(a.value)
            except TypeError:
                return None
            return ("const", type(a.value).__name__, a.value)
        if isinstance(a, Pack):
            items = tuple(atom(i) for i in a.items)
            return None if None in items else ("pack", a.kind, items)
        return a

    args = tuple(atom(a) for a in eqn.args)
    kwargs = tuple(sorted((k, atom(a)) for k, a in eqn.kwargs.items()))
    if None in args or any(v is None for _, v in kwargs):
        return None
    return (eqn.prim, args, kwargs)


def common_subexpressions(func: Function, facts=None) -> Function:
    """Reuse the result of an identical earlier equation in the same block."""
    mapping = {}

    def visit(stmts, seen):
        out = []
        for stmt in substitute(stmts, mapping) if mapping else stmts:
            if isinstance(stmt, Eqn) and len(stmt.outs) == 1 and not _effect(stmt) \
                    and primitives.get(stmt.prim).call_path is None:
                key = _key(stmt)
                if key is not None and key in seen:
                    mapping[stmt.outs[0]] = seen[key]
                    continue
                if key is not None:
                    seen[key] = stmt.outs[0]
            for block in blocks_of(stmt):
                # the block sees what is seen here, and adds to a layer of its own (a
                # view, not a copy: copying at every block made long programs quadratic)
                inner = seen.new_child() if isinstance(seen, ChainMap) else ChainMap({}, seen)
                block.body = visit(block.body, inner)
            out.append(stmt)
        return out

    body = visit(func.body, {})
    results = tuple(mapping.get(r, r) if isinstance(r, Var) else r for r in func.results)
    body = substitute(body, mapping) if mapping else body
    new = with_body(func, body)
    new.results = results
    return new


def constants(func: Function, facts=None, *, units=False) -> Function:
    """Fold an equation whose operands are all constants (``2 - 1`` → ``1``), and
    ``x ** 1`` → ``x``, until nothing changes. Only Python numbers are folded:
    shape-safe by construction.

    ``units=True`` (``scalar_units``) also folds ``1.0 * x`` and ``x / 1.0`` to ``x``."""
    while True:
        folded = _fold_constants_once(func, facts, units)
        if len(list(walk(folded.body))) == len(list(walk(func.body))):
            return folded
        func = folded


def scalar_units(func: Function, facts=None) -> Function:
    """``1.0 * x`` and ``x / 1.0`` → ``x`` where ``x`` is a Python float or NumPy floating
    scalar: exact, the same type, and nothing aliases (a scalar is immutable).

    The printed gradient keeps the seed's products (``dq = dout * z`` is the chain rule
    as the notes write it); this runs only on the copy of a small gradient that the
    dispatcher inlines (``pipeline``, ``dispatch``), where two float products are a
    fifth of a scalar gradient's time."""
    if facts is None or not facts.enabled or not enabled():
        return func
    return constants(func, facts, units=True)


def _fold_constants_once(func, facts=None, units=False):
    mapping = {}
    ones = {s.outs[0] for s in walk(func.body) if isinstance(s, Eqn) and s.prim == "constant"
            and len(s.outs) == 1 and _is_one(s.args[0])}

    def one(a):
        return _is_one(a) or a in ones

    def unit_factor(stmt):
        return _unit_factor(stmt, one, facts)

    def fold(stmts):
        out = []
        for stmt in substitute(stmts, mapping) if mapping else stmts:
            factor = unit_factor(stmt) if units and isinstance(stmt, Eqn) and stmt.outs else None
            if factor is not None:
                # (its operand may itself be folded this round: ``dout / 1 / 1``)
                mapping[stmt.outs[0]] = mapping.get(factor, factor)
                continue
            if isinstance(stmt, Eqn) and stmt.outs and primitives.get(stmt.prim).folds:
                args = list(stmt.args) + list(stmt.kwargs.values())
                if all(isinstance(a, Const) and type(a.value) in (int, float) for a in args):
                    mapping[stmt.outs[0]] = Const(primitives.get(stmt.prim).impl(*[a.value for a in stmt.args]))
                    continue
                if stmt.prim == "power" and len(stmt.args) == 2 and isinstance(stmt.args[1], Const) \
                        and type(stmt.args[1].value) is int and stmt.args[1].value == 1 \
                        and isinstance(stmt.args[0], Var):
                    mapping[stmt.outs[0]] = mapping.get(stmt.args[0], stmt.args[0])
                    continue
            # new blocks, not the input's edited: ``constants`` stops when a round leaves
            # as many statements as its input had, which an edited input always has
            out.append(map_blocks(stmt, fold))
        return out

    body = fold(func.body)
    new = with_body(func, substitute(body, mapping) if mapping else body)
    new.results = tuple(mapping.get(r, r) if isinstance(r, Var) else r for r in func.results)
    return new


def _unit_factor(stmt, one, facts):
    """The operand ``stmt`` equals when it multiplies a Python float by one (``one(a)``:
    whether ``a`` is one), or None."""
    def float_var(a):
        """A Python float or NumPy floating scalar: ``1.0 * a`` is ``a``, same type and value."""
        if not isinstance(a, Var) or facts is None or not facts.enabled or a not in facts.values:
            return False
        return type(facts.values[a]) is float or isinstance(facts.values[a], np.floating)

    if len(stmt.args) != 2 or stmt.kwargs:
        return None
    a, b = stmt.args
    if stmt.prim == "multiply":
        return b if one(a) and float_var(b) else a if one(b) and float_var(a) else None
    if stmt.prim == "divide":
        return a if one(b) and float_var(a) else None
    return None


def _is_one(atom):
    return isinstance(atom, Const) and type(atom.value) in (int, float) and atom.value == 1


def loop_invariants(func: Function, facts=None) -> Function:
    """Compute once, before a ``for`` loop, what every iteration computes the same way:
    an equation of the loop's body whose operands all come from outside the loop
    (``params["W"]`` read in every iteration) moves before the loop.

    Only pure equations move (no tape, no in-place update, no call to a user's rule), and
    only those whose value was computed on the example arguments (so they do not fail).
    Cheap views (``W.T``) stay where they read best. (Batching ``xs[t] @ W`` over every
    row into one ``xs @ W`` was tried and measured slower on the RNN benchmark: NumPy runs a
    3-D product as a loop of small ones, and the stacked result costs memory.)
    """
    if facts is None or not facts.enabled:
        return func

    def visit(stmts):
        out = []
        for stmt in stmts:
            for block in blocks_of(stmt):
                block.body = visit(block.body)
            if isinstance(stmt, Loop) and stmt.kind == "for":
                out += _hoisted(stmt, facts)
            out.append(stmt)
        return out

    return with_body(func, visit(func.body))


def _hoisted(loop, facts):
    """The equations of ``loop``'s body that move before it (taken out of the body)."""
    before, kept = [], []
    inside = set(defined_in(loop.body))
    for stmt in loop.body.body:
        if _movable(stmt, inside, facts):
            before.append(stmt)
            inside.discard(stmt.outs[0])
            continue
        kept.append(stmt)
    loop.body.body = kept
    return before


def _movable(eqn, inside, facts):
    """Whether ``eqn`` is pure, was computed on the example arguments, and reads nothing
    made ``inside`` the loop."""
    if not isinstance(eqn, Eqn) or len(eqn.outs) != 1:
        return False
    prim = primitives.get(eqn.prim)
    # a view (``Wh.T``) is free, and ``dadd @ Wh.T`` reads better where it is
    if prim.effect or prim.writes_first or prim.view:
        return False
    return prim.call_path is None and not prim.helper and eqn.outs[0] in facts.values \
        and not any(v in inside for v in eqn.inputs())


PASSES = (constants, shape_queries, broadcasts, unique_scatters, common_subexpressions,
          softmax_gradients, doubled_products, loop_invariants, simplify, dead_code)


# Passes whose output has no derivative rules (in-place updates, method calls): they run
# only on code about to be emitted, never on a function another transform differentiates.
EMIT_PASSES = (bptt.inputs, bptt.products, accumulate_in_place, list_updates, in_place.elementwise,
               array_methods, product_layouts, in_place.reuse_buffers)


_OFF = contextvars.ContextVar("diffc_unoptimized", default=False)
_PORTABLE = contextvars.ContextVar("diffc_portable", default=None)


# NumPy's in-place forms that other namespaces with writes into arrays and ``out=`` share
# (PyTorch): a loop's gradient added into its own zeros at one index (``dWs[i] += dW``,
# not a new array of zeros per step), a gradient equation's large temporary updated in
# place or computed into a dead one, exactly as in the NumPy form (the conditions do not
# depend on the library: the memory is the gradient code's own, read by nothing that
# keeps a view, and a write at an index reads and writes it as NumPy's does); and a wide
# ``X.T @ dY`` as ``(dY.T @ X).T`` where timing NumPy on the examples shows it faster
# (PyTorch's CPU products pay the same for the transposed wide operand: 1.7 ms against
# 0.75 ms for the linear classifiers' 3073 x 500 by 500 x 10 here). Backprop through time
# as NumPy's form has it too: the input product before the loop, the steps' weight
# gradients as one product after it (the benchmark's RNN on float64 tensors: about 2.1 ms
# a call, against 3.3 ms with a product and an addition per step and 3.5 ms for torch's
# autograd, timed in one process).
IN_PLACE_PASSES = (bptt.inputs, bptt.products, accumulate_in_place, in_place.elementwise, product_layouts,
                   in_place.reuse_buffers)
# For a namespace whose arrays take no writes (JAX), the first of them only: the rewrite to
# its functional update (``dWs = dWs.at[i].add(dW)``) computes what NumPy's ``+=`` does;
# and the steps' weight gradients of a loop as one product after it, as NumPy's form has
# them, the steps' values stacked from lists: one large product for XLA instead of one
# small product and one addition per step (about 0.75-0.8x of jax.jit(jax.grad)'s CPU time
# on the benchmark's RNN, against 1.03x). Not NumPy's input product before the loop
# (``bptt.inputs``): XLA took about 5% longer with it.
AT_UPDATE_PASSES = (bptt.products_without_writes, accumulate_in_place)
PORTABLE_FORMS = {"in place": IN_PLACE_PASSES, "at updates": AT_UPDATE_PASSES, None: ()}
# For JAX, the gradient of a pick ``p[np.arange(n), y]`` stays an addition at the indices
# (``d.at[rows, y].add(v)``, as ``jax.grad`` has it) rather than ``row_scatters``'
# comparison with the column numbers: with XLA on 2 threads the linear classifiers took
# 1.08-1.21x of jax.jit(jax.grad)'s wall time with the comparison and 0.97-1.02x with the
# addition (two runs, 40 shuffled rounds each); single-threaded, 0.98-1.06x and 0.97-1.02x.
_WITHOUT_ROW_SCATTERS = {"at updates"}


@contextlib.contextmanager
def portable(form=None):
    """Compile for an array namespace other than NumPy inside this block: the
    ``EMIT_PASSES`` (NumPy's in-place updates, ``out=``, methods) give way to
    ``portable.PASSES`` (array-API forms without writes into arrays), followed by the
    passes of ``PORTABLE_FORMS[form]``: ``"in place"`` for a namespace whose functions take
    ``out=`` and whose arrays take ``a *= b`` (PyTorch), ``"at updates"`` for one whose
    arrays have ``.at[i].add(v)`` (JAX)."""
    base = portable_passes.PASSES
    if form in _WITHOUT_ROW_SCATTERS:
        base = tuple(p for p in base if p is not portable_passes.row_scatters)
    token = _PORTABLE.set((base, PORTABLE_FORMS[form]))
    try:
        yield
    finally:
        _PORTABLE.reset(token)


def _emit_passes():
    """The passes for code about to be emitted; the portable ones run even when the
    optimizer is off (the forms they make are the only ones some namespaces accept)."""
    form = _PORTABLE.get()
    if form is not None:
        base, passes = form
        return base + (passes if enabled() else ()) + (dead_code,)
    return EMIT_PASSES if enabled() else ()


def enabled() -> bool:
    """Whether the optimizing passes run: not inside ``unoptimized()`` and not with the
    environment variable ``DIFFC_NO_OPTIMIZE=1``."""
    return not _OFF.get() and os.environ.get("DIFFC_NO_OPTIMIZE") != "1"


@contextlib.contextmanager
def unoptimized():
    """Compile without any optimizing pass inside this block: every gradient (the main one,
    generated pairs, nested transforms) is the bare transform, only pruned of dead code.
    The tests compare its gradients with the optimized ones."""
    token = _OFF.set(True)
    try:
        yield
    finally:
        _OFF.reset(token)


_ACROSS_THE_LOOPS = (bptt.inputs, bptt.products, bptt.products_without_writes)


def optimize(func: Function, facts=None, *, emitted=True, split=False) -> Function:
    """Run every pass; the input function is left as it was (passes edit a copy).

    ``emitted=False`` for a function another transform will differentiate (``hessian``
    is forward mode over the gradient): the ``EMIT_PASSES`` make primitives without
    derivative rules, so they run only on code about to be emitted (``for_emission``).
    ``split=True`` for a gradient whose forward and backward statements become two
    functions (a helper's forward/backward pair): without the backprop-through-time
    rewrites, which put statements of their own into the forward loop for the backward one.
    Switched off (``enabled()``), only ``dead_code`` runs."""
    func = copy.deepcopy(func)
    emit = _emit_passes() if emitted else ()
    if split:
        emit = tuple(p for p in emit if p not in _ACROSS_THE_LOOPS)
    passes = (PASSES if enabled() else (dead_code,)) + emit
    for p in passes:
        func = checked(p(func, facts), facts, p.__name__)
    return func


def for_emission(func: Function, facts=None) -> Function:
    """Only the ``EMIT_PASSES`` (for code staged with ``emitted=False``, before emission)."""
    func = copy.deepcopy(func)
    for p in _emit_passes():
        func = checked(p(func, facts), facts, p.__name__)
    return func
