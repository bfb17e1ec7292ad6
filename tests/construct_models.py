"""Losses that make objects of the user's classes inside the differentiated function
(``test_construct``): layers and models built from the parameters, inherited and
``super()`` ``__init__``s, ``*layers``, dataclasses and namedtuples of parameters, and
objects that must not outlive the call."""
import abc
import collections
import dataclasses

import numpy as np


class Layer:
    def __call__(self, x):
        return self.forward(x)

    def l2(self):
        return 0.0


class Affine(Layer):
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        self.x = x                      # kept for a later read, as a backward pass would
        return x @ self.W + self.b

    def l2(self):
        return np.sum(self.W ** 2)


class ScaledAffine(Affine):             # inherits Affine.__init__, overrides forward
    scale = 0.5

    def forward(self, x):
        return self.scale * super().forward(x)


class Sigmoid(Layer):
    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out


class Biased(Affine):                   # its own __init__ calls the base's through super()
    def __init__(self, W, b, shift):
        super().__init__(W, b + shift)
        self.shift = shift


class Chain(Layer):
    def __init__(self, *layers, name="chain"):
        self.layers = list(layers)
        self.name = name

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def l2(self):
        return sum(layer.l2() for layer in self.layers)


class Accumulator:
    def __init__(self, start):
        self.total = start
        self.count = 0

    def add(self, value):
        self.total = self.total + value
        self.count = self.count + 1


def loss_inherited_init(W, b, x):
    layer = ScaledAffine(W, b)
    return np.sum(np.tanh(layer(x)))


def loss_super_init(W, b, x):
    layer = Biased(W, b, 0.25)
    out = layer(x)
    return np.sum(out ** 2) + layer.shift * np.sum(layer.x)


def loss_varargs_model(W1, b1, W2, b2, x, reg):
    model = Chain(Affine(W1, b1), Sigmoid(), Affine(W2, b2), name="mlp")
    out = model(x)
    return np.mean(out ** 2) + reg * model.l2() + (1.0 if model.name == "mlp" else 0.0)


def loss_returned_attribute(W, x):
    acc = Accumulator(np.zeros(W.shape[1]))
    for row in range(x.shape[0]):
        acc.add(np.tanh(x[row] @ W))
    return np.sum(acc.total ** 2) / acc.count


def loss_layers_in_a_loop(params, x):
    layers = [Affine(params[f"W{i}"], params[f"b{i}"]) for i in (1, 2)]
    for layer in layers:
        x = np.tanh(layer(x))
    return np.sum(x) + sum(layer.l2() for layer in layers)


def loss_layer_cache_read_back(W, b, x):
    layer = Affine(W, b)
    out = np.tanh(layer(x))
    return np.sum(out * layer.x @ layer.W)


def _build(W, b):
    return Affine(W, b)                 # a helper returning an object it made: inlined


def loss_helper_builds(W, b, x):
    return np.sum(_build(W, b)(x) ** 2)


@dataclasses.dataclass
class DenseParams:
    W: np.ndarray
    b: np.ndarray
    scale: float = 2.0
    names: list = dataclasses.field(default_factory=lambda: ["W", "b"])

    def __post_init__(self):
        self.Wt = self.W.T

    def apply(self, x):
        return self.scale * (x @ self.W + self.b)


@dataclasses.dataclass(frozen=True)
class Frozen:
    W: np.ndarray
    inv_t: float = 1.0


def loss_dataclass(W, b, x):
    p = DenseParams(W, b, scale=3.0)
    return np.sum(np.tanh(p.apply(x))) + np.sum(p.Wt ** 2) * len(p.names)


def loss_dataclass_default(W, b, x):
    p = DenseParams(W=W, b=b)
    return np.sum(p.apply(x) ** 2) * p.scale


Pair = collections.namedtuple("Pair", ["W", "b"])
WithDefault = collections.namedtuple("WithDefault", ["W", "b", "alpha"], defaults=[0.1])


def loss_namedtuple(W, b, x):
    p = Pair(W, b=b)
    first, second = p
    total = np.sum(np.tanh(x @ p.W + p[1]))
    if isinstance(p, Pair) and p._fields == ("W", "b"):
        total = total + np.sum(first * second[0])
    return total


def loss_namedtuple_default(W, b, x):
    layers = [WithDefault(W, b), WithDefault(W, b, alpha=0.3)]
    out = 0.0
    for layer in layers:
        h = x @ layer.W + layer.b
        out = out + np.sum(np.maximum(h, layer.alpha * h))
    return out


# ---- refused: an object made in the function that would outlive the call ----

def returns_the_model(W, b, x):
    layer = Affine(W, b)
    return layer


def returns_with_the_model(W, b, x):
    layer = Affine(W, b)
    return np.sum(layer(x)), layer


class Holder:
    def __init__(self):
        self.kept = None


def stores_on_argument(holder, W, b, x):
    layer = Affine(W, b)
    holder.kept = layer
    return np.sum(layer(x))


def passes_to_numpy(W, b, x):
    layer = Affine(W, b)
    return np.sum(np.asarray(layer))


def returns_namedtuple(W, b, x):
    return Pair(W * 2, b)


class Base(abc.ABC):
    @abc.abstractmethod
    def forward(self, x):
        ...


def makes_abstract(W, x):
    return np.sum(Base().forward(x @ W))


class Slotted:
    __slots__ = ("W",)

    def __init__(self, W):
        self.W = W


def makes_slotted(W, x):
    return np.sum(x @ Slotted(W).W)


class Node:
    def __init__(self, W, child=None):
        self.W, self.child = W, child

    def __call__(self, x):
        x = np.tanh(x @ self.W)
        return self.child(x) if self.child is not None else x


def loss_nested_nodes(W1, W2, x):
    return np.sum(Node(W1, Node(W2))(x))


class Loop:
    def __init__(self, W):
        self.W = W

    def __call__(self, x):
        return self(x @ self.W)         # the same object again: a recursion


def recurses_on_itself(W, x):
    return np.sum(Loop(W)(x))


def loss_node_given(node, x):
    return np.sum(node(x) ** 2)


class Stack:
    def __init__(self):
        self.layers = []

    def add(self, layer):
        self.layers.append(layer)


def loss_list_attribute_shared(W, b, x):
    net = Stack()
    held = net.layers                   # the same list: it sees the layer added next
    net.add(Affine(W, b))
    net.add(Sigmoid())
    out = x
    for layer in held:
        out = layer(out)
    return np.sum(out) * len(held)


class Scaled:
    scale = 0.5                         # a class attribute the loss reads through the object

    def __init__(self, W):
        self.W = W

    def __call__(self, x):
        return self.scale * (x @ self.W)


def loss_class_attribute(W, x):
    return np.sum(np.tanh(Scaled(W)(x)))


def makes_in_a_data_branch(W, x):
    if np.sum(x) > 0:
        layer = Scaled(W)
    else:
        layer = Scaled(2 * W)
    return np.sum(layer(x))


def makes_in_a_while(W, x):
    total = 0.0
    while total < 3.0:
        layer = Scaled(W)
        total = total + np.sum(layer(x) ** 2)
    return total


@dataclasses.dataclass
class WithInitVar:
    W: np.ndarray
    temperature: dataclasses.InitVar[float] = 1.0
    limit: float = dataclasses.field(default=3.0, init=False)

    def __post_init__(self, temperature):
        self.inv_t = 1.0 / temperature


@dataclasses.dataclass
class ArrayFactory:
    W: np.ndarray
    bias: np.ndarray = dataclasses.field(default_factory=lambda: np.ones(2))


def loss_dataclass_initvar(W, x):
    p = WithInitVar(W, temperature=4.0)
    q = Frozen(W * 2, inv_t=2.0)
    return np.sum(np.tanh(x @ p.W * p.inv_t)) * p.limit + q.inv_t * np.sum(q.W ** 2)


def makes_array_in_factory(W, x):
    p = ArrayFactory(W)
    return np.sum(x @ p.W + p.bias)


class Tabled:
    slopes = {"relu": 0.0, "leaky": 0.1}     # a table of settings on the class
    mask = np.array([1.0, 0.0])              # an array on the class

    def __init__(self, W, kind):
        self.W, self.kind = W, kind

    def __call__(self, x):
        h = x @ self.W
        return np.maximum(h, self.slopes[self.kind] * h)


def loss_class_table(W, x):
    return np.sum(Tabled(W, "leaky")(x) ** 2)


def reads_class_array(W, x):
    layer = Tabled(W, "relu")
    return np.sum(layer(x) * layer.mask)
