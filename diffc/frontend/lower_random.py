"""Lowering of random draws (``templates/numpy/random.py``): NumPy's global functions
(``np.random.rand(*x.shape)``) and the methods of a ``RandomState`` or ``Generator``
(``rng.random(h.shape)``, ``rs.randn(n, d)``), each one ``draw`` per call, in order.
Keywords are passed by position, from the parameters below (NumPy's random functions
cannot be introspected); a keyword not listed is a located error."""
from __future__ import annotations

import random

import numpy as np

from diffc.core.ir import Const
from diffc.errors import UnsupportedSyntax

GENERATORS = (np.random.RandomState, np.random.Generator, random.Random)

# the methods most used in losses: parameters in order, with their defaults (None: rand
# and randn take the dimensions one by one and no keyword)
PARAMETERS = {
    "rand": None, "randn": None,
    "seed": (("seed", None),),
    "random": (("size", None),), "random_sample": (("size", None),), "sample": (("size", None),),
    "standard_normal": (("size", None),), "standard_cauchy": (("size", None),),
    "normal": (("loc", 0.0), ("scale", 1.0), ("size", None)),
    "uniform": (("low", 0.0), ("high", 1.0), ("size", None)),
    "binomial": (("n", None), ("p", None), ("size", None)),
    "poisson": (("lam", 1.0), ("size", None)),
    "exponential": (("scale", 1.0), ("size", None)),
    "laplace": (("loc", 0.0), ("scale", 1.0), ("size", None)),
    "logistic": (("loc", 0.0), ("scale", 1.0), ("size", None)),
    "gamma": (("shape", None), ("scale", 1.0), ("size", None)),
    "beta": (("a", None), ("b", None), ("size", None)),
    "randint": (("low", None), ("high", None), ("size", None)),
    "integers": (("low", None), ("high", None), ("size", None)),
    "choice": (("a", None), ("size", None), ("replace", True), ("p", None)),
    "permutation": (("x", None),),
    "multivariate_normal": (("mean", None), ("cov", None), ("size", None)),
    "dirichlet": (("alpha", None), ("size", None)),
    "default_rng": (("seed", None),),
}


def positional(scope, method, args, kwargs, node):
    """The call's arguments, all by position."""
    if not kwargs:
        return tuple(args)
    params = PARAMETERS.get(method)
    if params is None:
        raise UnsupportedSyntax(f"keyword arguments to the random function {method}() are not "
                                "supported", scope.loc(node), f"pass them by position, as "
                                f"{method}'s documentation orders them")
    names = [p for p, _ in params]
    unknown = [k for k in kwargs if k not in names]
    if unknown:
        raise UnsupportedSyntax(f"{method}() has no parameter {unknown[0]!r} diffc knows",
                                scope.loc(node), f"its parameters: {', '.join(names)}")
    out = list(args)
    last = max(names.index(k) for k in kwargs)
    for i in range(len(args), last + 1):
        name, default = params[i]
        out.append(kwargs[name] if name in kwargs else Const(default))
    return tuple(out)
