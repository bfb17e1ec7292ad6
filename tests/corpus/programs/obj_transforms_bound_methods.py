"""jacobian, vjp and jvp of a bound method (a model's predict), as users try after grad."""
import numpy as np

IDIOM = "diffc.jacobian / vjp / jvp of net.predict (a bound method)"
EXPECT = "right"


class Net:
    def __init__(self, W1, W2):
        self.W1, self.W2 = W1, W2

    def predict(self, x):
        return np.tanh(x @ self.W1) @ self.W2


def make():
    rng = np.random.default_rng(112)
    net = Net(rng.standard_normal((3, 4)), rng.standard_normal((4, 2)))
    x = rng.standard_normal((2, 3))
    return [dict(name="jacobian wrt x", fn=net.predict, args=(x,), api="jacobian"),
            dict(name="vjp wrt x", fn=net.predict, args=(x,), api="vjp"),
            dict(name="jvp wrt x", fn=net.predict, args=(x,), api="jvp"),
            dict(name="jacobian wrt W1", fn=net.predict, args=(x,), wrt="W1", api="jacobian")]
