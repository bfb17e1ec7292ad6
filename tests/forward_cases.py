"""Every rule case of ``tests/rule_cases`` as a user function, for compiling through diffc.

``tests/test_rules.py`` runs each rule as plain Python; here the same cases go through
the whole compiler (lowering, forward and reverse transforms, emission, loading).
``write_module`` writes a module with one function per calling convention,
``prim_<name>_<n>(a0, ..., an)`` calling the primitive on its parameters, so that every
array and every float the primitive differentiates arrives as an argument; the other
operands (an ``axis``, ``ord=2.0``, a dtype such as ``np.int64``) are written into the call
as the constants a user would write.
"""
import inspect
import os
import zlib

import numpy as np

from diffc.core import primitives

HEADER = '''"""Generated for tests/test_forward.py: each function calls one primitive."""
import numpy as np

from diffc.core import primitives

'''


def _literal(value):
    """Source for a constant operand, or None if the operand is passed as an argument."""
    if isinstance(value, type):
        return f"np.{value.__name__}" if issubclass(value, np.generic) else value.__name__
    if isinstance(value, float) and not np.isfinite(value):
        return "np.nan" if value != value else ("np.inf" if value > 0 else "-np.inf")
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, tuple) and all(_literal(v) is not None for v in value):
        return "(" + "".join(_literal(v) + ", " for v in value) + ")"
    return None


def is_sequence(value):
    """A list of arrays (``np.concatenate([a, b])``): each item becomes its own argument."""
    return isinstance(value, (list, tuple)) and any(isinstance(v, np.ndarray) for v in value)


def is_constant(case, param, value):
    """Whether an operand is written into the call rather than passed."""
    if is_sequence(value) or isinstance(value, float) and has_rule(case, param):
        return False
    return _literal(value) is not None


def arguments(case):
    """``[(parameter of the primitive, value, keyword or None)]`` in call order."""
    prim = primitives.get(case.prim)
    out, positional = [], list(case.args)
    for param in prim.signature.parameters.values():
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            out += [(param.name, v, None) for v in positional]
            positional = []
        elif positional and param.kind is not inspect.Parameter.KEYWORD_ONLY:
            out.append((param.name, positional.pop(0), None))
    out += [(k, case.kwargs[k], k) for k in sorted(case.kwargs)]
    return out


def function_name(case):
    consts = ",".join(f"{i}={_literal(v)}" for i, (p, v, _) in enumerate(arguments(case))
                      if is_constant(case, p, v))
    tag = f"_{zlib.crc32(consts.encode()):08x}" if consts else ""
    lengths = "".join(f"_n{len(v)}" for _, v, _ in arguments(case) if is_sequence(v))
    return (f"prim_{case.prim}_{len(case.args)}" + "".join(f"_{k}" for k in sorted(case.kwargs))
            + lengths + tag)


def _passed(case):
    """``(primitive parameter, value)`` of each generated parameter, in order."""
    out = []
    for p, v, _ in arguments(case):
        if is_sequence(v):
            out += [(p, item) for item in v]
        elif not is_constant(case, p, v):
            out.append((p, v))
    return out


def parameter_values(case):
    """The values the generated function takes, in order (constants are not among them)."""
    return tuple(v for _, v in _passed(case))


def parameter_names(case):
    """The primitive's parameter each generated parameter binds to."""
    return tuple(p for p, _ in _passed(case))


def rebuild(case, values):
    """``(positional, keywords)`` for the primitive's primal, from generated-parameter
    values (in order); constants and sequences are put back as the case has them."""
    values = list(values)[::-1]
    positional, keywords = [], {}
    for param, value, keyword in arguments(case):
        if is_sequence(value):
            value = type(value)(values.pop() for _ in value)
        elif not is_constant(case, param, value):
            value = values.pop()
        if keyword:
            keywords[keyword] = value
        else:
            positional.append(value)
    return positional, keywords


def function_source(case):
    params, call = [], []
    for i, (param, value, keyword) in enumerate(arguments(case)):
        if is_sequence(value):
            items = [f"a{i}_{k}" for k in range(len(value))]
            params += items
            text = ("[{}]" if isinstance(value, list) else "({},)").format(", ".join(items))
        elif is_constant(case, param, value):
            text = _literal(value)
        else:
            params.append(f"a{i}")
            text = f"a{i}"
        call.append(f"{keyword}={text}" if keyword else text)
    return (f"P_{case.prim} = primitives.get({case.prim!r})\n\n\n"
            f"def {function_name(case)}({', '.join(params)}):\n"
            f"    return P_{case.prim}({', '.join(call)})\n\n\n")


def write_module(directory, cases):
    """Write ``rule_functions.py`` into ``directory``; returns its path."""
    seen, parts = set(), [HEADER]
    for case in cases:
        if function_name(case) not in seen:
            seen.add(function_name(case))
            parts.append(function_source(case))
    path = os.path.join(directory, "rule_functions.py")
    with open(path, "w") as fh:
        fh.write("".join(parts))
    return path


def differentiable_cases(cases):
    """The cases of differentiable primitives (comparisons have no tangent to check)."""
    return [c for c in cases if primitives.get(c.prim).differentiable]


def has_rule(case, param):
    """Whether the primitive's rules differentiate with respect to ``param``."""
    prim = primitives.get(case.prim)
    if param in prim.nondiff or prim.forward_rule is None:
        return False
    keywords = [p.name for p in inspect.signature(prim.forward_rule).parameters.values()
                if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in prim.params]
    return f"d{param}" in keywords
