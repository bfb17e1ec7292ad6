"""Cases for the operations that build and update gradients of lists and dicts, which a
gradient differentiated again (``hessian``, ``grad(grad(f))``) is differentiated through."""
import numpy as np

from tests.rule_cases import Case

rng = np.random.default_rng(4321)


def _v(*shape):
    return rng.normal(size=shape)


CASES = [
    Case("add_at_index", ([_v(3), _v(3), _v(3)], 1, _v(3)), note="an entry"),
    Case("add_at_index", ([_v(2), _v(2), _v(2)], -1, _v(2)), note="the last entry"),
    Case("replace_at_index", ([_v(2), _v(2), _v(2)], slice(0, 2), [_v(2), _v(2)]), note="a slice"),
    Case("replace_at_index", ([_v(3), _v(2)], 0, _v(3)), note="an entry"),
    Case("add_gradients", ([_v(2), _v(3)], [_v(2), _v(3)]), note="lists entry by entry"),
    Case("add_gradients", (_v(2, 3), _v(2, 3)), note="arrays"),
    Case("reshape_entries", ([_v(1, 3), _v(1, 2)], [_v(3), _v(2)]), note="rows back to 1-D"),
]

import collections  # noqa: E402

_Pair = collections.namedtuple("_Pair", ["W", "b"])
CASES += [
    Case("namedtuple_like", (_Pair(_v(2, 2), _v(2)), (_v(2, 2), _v(2))), note="a gradient of a named tuple"),
]
