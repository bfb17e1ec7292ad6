"""Giving diffc the derivative rules of a function: the interface rule modules import.

diffc's own rules (``templates/``) are written with it, and so are a user's::

    import numpy as np
    from diffc.extend import primitive

    @primitive("numpy.tanh", elementwise=True)
    def tanh(x):
        return np.tanh(x)

    @tanh.reverse
    def tanh_reverse(out, dout, x):
        "tanh: dx = dout * (1 - out ** 2)"
        dx = dout * (1 - out ** 2)
        return dx

An ``elementwise`` primitive needs no forward rule: ``derive_forward_rules`` reads it off
the reverse rule (``diffc/rules/derived.py`` says how). Any other primitive gets one with
``@tanh.forward``. The contract of a rule, and the properties a primitive declares, are in
``diffc/core/primitives.py``.

* ``primitive(*source_names, **properties)``: register the decorated function.
* ``unsupported(reason)``: in a rule, a case it does not cover (a located error when
  compiling; ``RuleUnsupported`` when the rule runs directly).
* ``is_basic_index(index)``: in a rule's ``if``, whether ``x[index]`` reads no position twice.
* ``derive_forward_rules()``: give each elementwise primitive with a reverse rule and no
  forward rule its derived forward rule (run once its module's rules are registered).
"""
from diffc.core import primitives
from diffc.core.primitives import RuleUnsupported, is_basic_index, primitive, unsupported
from diffc.rules.derived import forward_from_reverse
from diffc.rules.instantiate import template_of

__all__ = ["primitive", "unsupported", "is_basic_index", "RuleUnsupported", "derive_forward_rules"]


def derive_forward_rules():
    """Attach a derived forward rule to every elementwise primitive of diffc's rule library
    that has a reverse rule and no forward rule. Returns the names of those derived."""
    derived = []
    for prim in primitives.all_primitives():
        if prim.elementwise and not prim.user and prim.reverse_rule is not None and prim.forward_rule is None:
            rule = forward_from_reverse(prim, template_of(prim.reverse_rule))
            if rule is not None:
                prim.forward(rule)
                derived.append(prim.name)
    return derived
