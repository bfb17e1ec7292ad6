"""diffc: a source-to-source automatic differentiation compiler for Python and NumPy.

    import diffc

    @diffc.grad(wrt=("x", "y", "z"))
    def f(x, y, z):
        q = x + y
        return q * z

    f(-2.0, 5.0, -4.0)   # (-4.0, -4.0, 3.0)
    print(f.source)      # the generated gradient code
"""
from diffc.api.gradients import grad, ir, value_and_grad
from diffc.errors import DiffcError, InternalError
from diffc.tools.graph import graph
from diffc.core.primitives import primitive
from diffc.api.transforms import hessian, hvp, jacobian, jvp, vjp
from diffc.tools.symbolic import symbolic


def stop_gradient(x):
    """``x`` itself, through which diffc passes no gradient (a constant to differentiation)."""
    return x
from diffc import testing

__version__ = "0.1.0"
__all__ = ["grad", "value_and_grad", "ir", "graph", "primitive", "stop_gradient", "testing",
           "jvp", "vjp", "jacobian", "hessian", "hvp", "symbolic", "DiffcError", "InternalError"]
