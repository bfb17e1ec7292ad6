"""Facts: what is known at compile time about each IR value, from example arguments.

When ``diffc.grad`` compiles for a call's arguments, the IR is evaluated on them as it
is built (primal and adjoint equations alike), so every value has a known shape,
dtype and kind (Python scalar or array). The compiled code is specialised to the
*signature* of the arguments (array shapes and dtypes, Python scalar types, the values
of int/bool/str/None/tuple arguments) and is reused only for calls with the same
signature.

A value's shape is *static* when the signature alone determines it. It is not when it
comes from a data-dependent operation (a boolean mask) or from a Python integer
computed from array data; such values are treated as unknown, and the emitter uses
the general (runtime) form wherever their shape matters. Without example arguments
(``diffc compile``), nothing is known and everything takes the general form."""
from __future__ import annotations

import math

import numpy as np

from diffc.core import primitives
from diffc.errors import user_code
from diffc.core.ir import Call, Const, Eqn, If, Loop, Pack, Role, Var, atoms_in, walk

_STATIC_PY = (bool, int, str, type(None), tuple)


# A large matrix product computed by the backward (or tangent) pass is not computed while
# compiling: only its shape and dtype are read later, so a stand-in of ones takes its place
# (the deep MLP's compile ran fifteen 256x256x256 products for nothing). So is the result of
# backward elementwise arithmetic on a stand-in (its values would be made up anyway). Ones,
# not zeros: the symbolic pass checks its rewrites against the cotangent's values, and a zero
# cotangent would make any rewrite agree. All stand-ins of one shape and dtype are one array.
# ``Facts(exact=True)`` computes everything (drawing the graph prints the gradients' values).
_STAND_IN_FLOPS = 1 << 20
_STAND_IN_SIZE = 1 << 14        # elements of an elementwise result


class Facts:
    def __init__(self, enabled: bool, *, exact: bool = False, sizes_vary: bool = False):
        self.enabled = enabled
        self.exact = exact
        # a size of the example arguments stands for any size (``diffc compile --arg
        # x=Nx3``): the shapes are one choice, and what holds only for it must not be used
        self.sizes_vary = sizes_vary
        self.values: dict = {}
        self.dynamic: set = set()       # shape not determined by the signature
        self.value_static: set = set()  # Python value determined by the signature
        self.rank_dynamic: set = set()  # even the number of dimensions is not fixed
        self.stand_ins: set = set()     # adjoint values of which only shape and dtype are real
        self._ones: dict = {}           # (shape, dtype) -> the one stand-in array
        # a loop nested in another runs once per outer iteration; what its runs so far saw
        # (id(node) -> (shapes of its values, iterations, the values made in its body, the
        # node)), kept until the outermost loop ends
        self._loop_runs: dict = {}
        self._loop_depth = 0
        self.unrun: dict = {}           # value of a loop body that never ran -> that loop
        # the signature fixes it in each iteration of the loops around it (``i`` of ``for i in range(n)``,
        # ``n - 1 - i``, ``n`` fixed), not one value for all; never in a branch the data chooses
        self.fixed_per_step: set = set()
        self.never_iterates: set = set()    # fixed iterables of for loops that never ran
        self._data_branches = 0         # depth of branches on a condition the data decides
        # id(loop) -> arrays made before that loop (each step's input product, ``bptt``)
        # that nothing reads after it: a later loop may take one over (None once taken)
        self.spare_after_loop: dict = {}
        # the verifier's (``core/verify.py``): the equations whose shapes agree with these
        # facts (primitive, operands, outputs, the ids of their values)
        self.verified: set = set()
        self.from_shape: set = set()    # computed from arrays' shapes (``N = X.shape[0]``)
        # lists the signature fixes (an argument, or an item of one): items' shapes are fixed
        self.fixed_lists: set = set()
        self.run_state: dict = {}       # what effects' ``example_impl`` keep (generators' copies)
        self.stand_in = None            # value -> what the run reads (another library's array: NumPy's)

    @classmethod
    def none(cls):
        return cls(False)

    # -- binding and evaluation -------------------------------------------------
    def bind_param(self, var, value):
        if not self.enabled:
            return
        self.values[var] = value
        if isinstance(value, _STATIC_PY):
            self.value_static.add(var)
        elif isinstance(value, list):
            self.fixed_lists.add(var)

    def run_function(self, func, values):
        """Bind ``func``'s parameters to the example ``values`` and run its body on them."""
        for var, value in zip(func.params, values):
            self.bind_param(var, value)
        for stmt in func.body:
            self.run(stmt)

    def assume(self, var, like):
        """``var`` has the shape, dtype and kind of ``like`` (a gradient, or a re-bound value)."""
        if not self.enabled or like not in self.values:
            return
        value = self.values[like]
        self.values[var] = np.zeros_like(value) if isinstance(value, np.ndarray) else value
        if like in self.dynamic:
            self.dynamic.add(var)
        if like in self.rank_dynamic:
            self.rank_dynamic.add(var)

    def value(self, atom):
        if isinstance(atom, Const):
            return atom.value
        if isinstance(atom, Pack):
            items = [self.value(i) for i in atom.items]
            if atom.kind == "slice":
                return slice(*items)
            if atom.kind == "dict":
                return dict(zip(items[::2], items[1::2]))
            return tuple(items) if atom.kind == "tuple" else list(items)
        return self.values[atom]

    def run(self, eqn):
        """Evaluate one statement on the example values and record what is learned.

        Statements whose inputs have no example value (in a branch not taken) are
        skipped: their results stay unknown and take the general form."""
        if not self.enabled:
            return
        if any(v not in self.values for v in eqn.inputs()):
            return
        if isinstance(eqn, If):
            return self._run_if(eqn) if eqn.role is Role.PRIMAL else None
        if isinstance(eqn, Loop):
            return self._run_loop(eqn) if eqn.role is Role.PRIMAL else None
        if isinstance(eqn, Call):
            return self._run_call(eqn)
        prim = primitives.get(eqn.prim)
        args = [self.value(a) for a in eqn.args]
        kwargs = {k: self.value(a) for k, a in eqn.kwargs.items()}
        with np.errstate(all="ignore"):
            if eqn.role is Role.PRIMAL:
                with user_code(eqn.loc):                 # the user's code: its errors are theirs
                    # a draw from a generator runs on a copy: the call keeps its draws
                    impl = getattr(prim, "example_impl", None)
                    result = impl(self.run_state, *args, **kwargs) if impl else \
                        prim.impl(*args, **kwargs)
            else:
                like = None if self.exact or kwargs else self.stand_in_like(eqn, args)
                try:
                    if like is not None:
                        result = self._stand_in(*like)
                        self.stand_ins.update(eqn.outs)
                    else:
                        result = prim.impl(*args, **kwargs)
                except Exception:   # stand-in values of a loop whose shapes vary: unknown
                    for out in eqn.outs:
                        self.dynamic.add(out)
                    return
        if not eqn.outs:
            return
        if len(eqn.outs) > 1:               # a generated helper returning several values
            for out, value in zip(eqn.outs, result):
                self.values[out] = value
            return
        out = eqn.outs[0]
        self.values[out] = result
        inputs = list(eqn.inputs())
        if eqn.prim == "getitem" and isinstance(result, (list, tuple)) and self._fixed_item(eqn):
            self.fixed_lists.add(out)
        if prim.shape_only or any(v in self.from_shape for v in inputs):
            self.from_shape.add(out)          # a size: symbolic when sizes vary
        if prim.shape_only and not any(v in self.dynamic for v in inputs):
            self.value_static.add(out)
            return
        if all(v in self.value_static for v in inputs):
            self.value_static.add(out)
        elif not self._data_branches and all(v in self.value_static or v in self.fixed_per_step
                                             for v in inputs):
            self.fixed_per_step.add(out)
        if self._makes_dynamic(prim, eqn, inputs):
            self.dynamic.add(out)

    def _run_block(self, block, values):
        for param, value in zip(block.params, values):
            self.values[param] = value
        for stmt in block.body:
            self.run(stmt)
        return [self.value(r) if all(v in self.values for v in _vars(r)) else None
                for r in block.results]

    def bind_like(self, params, args):
        """A call's parameters take the operands' values and what is known of them
        (static values, dynamic shapes)."""
        if not self.enabled or any(v not in self.values for a in args for v in _vars(a)):
            return
        for param, arg in zip(params, args):
            for flags in (self.dynamic, self.value_static, self.rank_dynamic):
                if isinstance(arg, Var) and arg in flags or \
                        flags is self.value_static and isinstance(arg, Const):
                    flags.add(param)
            self.values[param] = self.value(arg)

    def _run_call(self, node):
        """The callee's block on the operands' values (its parameters: ``bind_like``)."""
        self.bind_like(node.body.params, node.args)
        self._run_block(node.body, [self.value(a) for a in node.args])
        self.finish_call(node)

    def finish_call(self, node):
        """The call's result, from its block's (already run) result."""
        if not self.enabled:
            return
        out, r = node.outs[0], node.body.results[0]
        if not all(v in self.values for v in _vars(r)):
            return
        self.values[out] = self.value(r)
        for flags in (self.dynamic, self.value_static, self.rank_dynamic):
            if r in flags or flags is self.value_static and isinstance(r, Const):
                flags.add(out)

    def _run_if(self, node):
        cond = self.value(node.cond)
        with user_code():
            taken = node.then if cond else node.orelse
        chosen_by_data = not self._fixed(node.cond)
        self._data_branches += chosen_by_data
        try:
            results = self._run_block(taken, ())
        finally:
            self._data_branches -= chosen_by_data
        other = node.orelse if taken is node.then else node.then
        for out, r, r_other, value in zip(node.outs, taken.results, other.results, results):
            self.values[out] = value
            if self.is_value_static(node.cond):
                if r in self.dynamic:
                    self.dynamic.add(out)
                elif self.is_value_static(r):
                    self.value_static.add(out)
            elif not (self.is_static(r) and self.is_static(r_other) and
                      _shape_key(self.value(r)) == _shape_key(self.value(r_other))):
                self.dynamic.add(out)
                other_known = all(v in self.values for v in _vars(r_other))
                if not other_known or np.ndim(self.value(r_other)) != np.ndim(value):
                    self.rank_dynamic.add(out)

    def _run_loop(self, node):
        """Run the loop; a value whose shape changes between iterations is dynamic.

        A loop nested in another runs once per outer iteration, some of these runs maybe
        empty (``for j in range(i)`` at ``i = 0``); what is known of it is what all its runs
        so far saw together, not only the last one's."""
        if self._loop_depth == 0:
            self._loop_runs.clear()
        self._loop_depth += 1
        try:
            self._run_loop_once(node)
        finally:
            self._loop_depth -= 1
        if self._loop_depth == 0:
            # a loop none of whose runs iterated: nothing is known of its body's values
            for _, count, inside, loop in self._loop_runs.values():
                if count == 0:
                    self.dynamic.update(inside)
                    for var in inside:
                        self.values.pop(var, None)
                        self.unrun[var] = loop
                    if loop.kind == "for" and self._fixed(loop.iterable):
                        self.never_iterates.add(loop.iterable)

    def _run_loop_once(self, node):
        body = node.body
        carried = [self.value(a) for a in node.inits]
        shapes, earlier, _, _ = self._loop_runs.get(id(node), ({}, 0, (), node))

        def note(var, value):
            shapes.setdefault(var, set()).add(_shape_key(value))

        def record():
            for stmt in walk(body.body):
                for out in stmt.outs:
                    if out in self.values:
                        note(out, self.values[out])
            for var, value in zip(node.outs, carried):
                note(var, value)

        for var, value in zip(node.outs, carried):
            note(var, value)
        count = 0
        if node.kind == "for":
            if self._fixed(node.iterable) and not self._data_branches:
                self.fixed_per_step.add(body.params[0])
            iterable = self.value(node.iterable)
            with user_code():
                items = iter(iterable)
            for item in items:
                carried = self._run_block(body, (item, *carried))
                count += 1
                record()
        else:
            while True:
                (test,) = self._run_block(node.cond, tuple(carried))
                with user_code():
                    go_on = bool(test)
                if not go_on:
                    break
                carried = self._run_block(body, tuple(carried))
                count += 1
                record()
        for out, value in zip(node.outs, carried):
            self.values[out] = value
        inside = set(body.params) | {v for stmt in walk(body.body) for v in stmt.outs}
        if node.cond is not None:
            inside |= set(node.cond.params) | {v for stmt in walk(node.cond.body) for v in stmt.outs}
        self._loop_runs[id(node)] = (shapes, earlier + count, inside, node)
        carried_params = body.params[1:] if node.kind == "for" else body.params
        for out, p in zip(node.outs, carried_params):
            if len(shapes.get(out, ())) > 1:
                self.dynamic.add(p)
        for var in inside | set(node.outs):
            if len(shapes.get(var, ())) > 1:
                self.dynamic.add(var)
            if len({len(k[0]) if isinstance(k[0], tuple) else -1 for k in shapes.get(var, ())}) > 1:
                self.rank_dynamic.add(var)
            self.value_static.discard(var)

    def _fixed(self, atom):
        return isinstance(atom, Const) or isinstance(atom, Var) and (
            atom in self.value_static or atom in self.fixed_per_step)

    def _makes_dynamic(self, prim, eqn, inputs):
        if prim.data_dependent_shape:
            return True
        if prim.shape_of_first:
            first = eqn.args[0] if eqn.args else None
            return not (isinstance(first, Var) and first not in self.dynamic) and not isinstance(first, Const)
        # an integer operand of elementwise arithmetic adds a shape () to the broadcast,
        # whatever its value (``i + 1.0`` in a loop over i): unless an operand is a sequence
        # (``(1,) * k`` repeats a tuple k times)
        numbers_only = prim.broadcasting and not any(
            isinstance(self.values.get(v), (tuple, list)) for v in inputs)
        for v in inputs:
            if v in self.dynamic:
                return True
            value = self.values.get(v)
            if isinstance(value, np.ndarray) and value.dtype == bool and eqn.prim in ("getitem", "setitem"):
                return True
            if _shape_like(value) and v not in self.value_static:
                if (numbers_only or eqn.prim in ("getitem", "setitem")) and isinstance(value, (int, np.integer)):
                    continue
                if eqn.prim == "getitem" and v is eqn.args[0] and self._fixed_item(eqn):
                    continue            # an item of a list the signature fixes
                return True
        return False

    def _fixed_item(self, eqn):
        """Whether getitem ``eqn`` reads a fixed list's item at an index the signature fixes,
        or any item of one whose items all have one layout."""
        container, index = eqn.args[0], eqn.args[1]
        if container not in self.fixed_lists:
            return False
        if isinstance(index, Const) or index in self.value_static:
            return True
        items = self.values.get(container)
        return isinstance(index, Var) and index not in self.dynamic and \
            len({_layout(item) for item in items}) <= 1

    # -- queries -------------------------------------------------------------------
    def is_static(self, atom):
        if isinstance(atom, Const):
            return True
        if isinstance(atom, Pack):
            return all(self.is_static(i) for i in atom.items)
        return self.enabled and atom in self.values and atom not in self.dynamic

    def is_value_static(self, atom):
        if isinstance(atom, Const):
            return True
        if isinstance(atom, Pack):
            return all(self.is_value_static(i) for i in atom.items)
        return atom in self.value_static

    def ndim(self, atom):
        """The number of dimensions, when fixed by the signature (even if the shape is not)."""
        if isinstance(atom, Var) and (not self.enabled or atom not in self.values
                                      or atom in self.rank_dynamic):
            return None
        return np.ndim(self.value(atom))

    def shape(self, atom):
        """The static shape of an atom, or None if it is not known."""
        if not self.is_static(atom):
            return None
        return tuple(np.shape(self.value(atom)))

    def dtype(self, atom):
        if isinstance(atom, Var) and not self.enabled:
            return None
        value = self.value(atom)
        return getattr(value, "dtype", None) or np.result_type(value) if not isinstance(value, (tuple, list, slice, str, type(None))) else None

    def kind(self, atom):
        """``"array"``, ``"scalar"`` (a Python/NumPy scalar) or None when unknown."""
        if isinstance(atom, Var) and (not self.enabled or atom not in self.values):
            return None
        value = self.value(atom)
        if isinstance(value, np.ndarray):
            return "array"
        if isinstance(value, (float, int, bool, complex, np.generic)):
            return "scalar"
        return None

    def container(self, atom):
        """``"dict"``, ``"list"`` or ``"tuple"`` when the value is known to be one, else None."""
        if isinstance(atom, Var) and (not self.enabled or atom not in self.values):
            return None
        value = self.value(atom)
        for kind in (dict, list, tuple):
            if isinstance(value, kind):
                return kind.__name__
        return None

    def stand_in_like(self, eqn, args):
        """``(shape, dtype)`` when adjoint equation ``eqn`` gets a stand-in, else None."""
        if eqn.prim == "matmul" and len(args) == 2:
            return _product_like(*args)
        if primitives.get(eqn.prim).arithmetic and any(
                isinstance(a, Var) and a in self.stand_ins for a in eqn.args):
            return _elementwise_like(args)
        return None

    def _stand_in(self, shape, dtype):
        key = (shape, dtype)
        if key not in self._ones:
            self._ones[key] = np.ones(shape, dtype)
        return self._ones[key]

    def is_python_float(self, atom):
        return self.kind(atom) == "scalar" and type(self.value(atom)) is float


def _product_like(x, y):
    """``(shape, dtype)`` of ``x @ y`` for a large product of float arrays of at least two
    dimensions each (anything else: None, computed)."""
    if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and x.ndim >= 2 and y.ndim >= 2):
        return None
    dtype = np.result_type(x, y)
    if dtype.kind not in "fc" or x.shape[-1] != y.shape[-2]:
        return None
    try:
        batch = np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    except ValueError:
        return None
    shape = batch + (x.shape[-2], y.shape[-1])
    if 2 * math.prod(shape) * x.shape[-1] < _STAND_IN_FLOPS:
        return None
    return shape, dtype


def _elementwise_like(args):
    """``(shape, dtype)`` of a large elementwise arithmetic result on arrays and numbers
    (None: computed). Arithmetic on a float stand-in has the dtype NumPy's promotion gives."""
    if not all(isinstance(a, (np.ndarray, np.generic, float, int)) and not isinstance(a, bool)
               for a in args):
        return None
    try:
        shape = np.broadcast_shapes(*(np.shape(a) for a in args))
        dtype = np.result_type(*args)
    except (ValueError, TypeError):
        return None
    if dtype.kind not in "fc" or math.prod(shape) < _STAND_IN_SIZE:
        return None
    return shape, dtype




def _vars(atom):
    return list(atoms_in(atom))


def _shape_key(value):
    """What must stay the same across iterations for a value's shape to be static: its
    shape (a Python float and a NumPy float64 are both of shape ()); a list's or tuple's
    length, a dict's keys (a list grown by ``out = out + [v]`` in a loop has no one
    structure: what its gradient does must not be read off one iteration's example)."""
    if isinstance(value, (np.ndarray, np.generic, float, int, complex, bool)):
        return (tuple(np.shape(value)),)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, len(value))
    if isinstance(value, dict):
        return ("dict", tuple(value))
    return (type(value).__name__,)


def _layout(value):
    """A value's shape, dtype and type, into lists and tuples."""
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(_layout(v) for v in value))
    return (type(value), getattr(value, "shape", None), getattr(value, "dtype", None))


def _shape_like(value):
    return isinstance(value, (int, np.integer, tuple, list, slice)) and not isinstance(value, bool)
