"""Hand-written reference gradients for the seed notes' examples; never uses diffc.

Every oracle takes the same arguments as the model of the same name in
``models_seed.py`` and returns ``(value, grads)``: the forward value and a dict from
parameter name to the gradient of that value, written the way the notes derive it
(local gradient times upstream gradient, layer classes with ``forward``/``backward``,
Nielsen's BP1-BP4). ``test_oracles.py`` checks each one against central differences.
"""
import numpy as np

# -- scalar computational graphs (f = (x + y) z, shopping, the sigmoid neuron) --------


def f(x, y, z):
    """f = (x + y) * z, forward then backward one gate at a time."""
    q = x + y
    out = q * z
    dfdz = q            # multiply gate: swap the inputs
    dfdq = z
    dfdx = 1.0 * dfdq   # add gate: pass the upstream gradient through
    dfdy = 1.0 * dfdq
    return out, {"x": dfdx, "y": dfdy, "z": dfdz}


def mul(x, y):
    """f = x y: the gradient is [y, x]."""
    return x * y, {"x": y, "y": x}


class MulLayer:
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return dout * self.y, dout * self.x


class AddLayer:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return dout * 1.0, dout * 1.0


def shopping(apple, apple_num, orange, orange_num, tax):
    """The apple/orange shopping graph built from multiply and add layers."""
    apple_layer, orange_layer = MulLayer(), MulLayer()
    sum_layer, tax_layer = AddLayer(), MulLayer()
    apple_price = apple_layer.forward(apple, apple_num)
    orange_price = orange_layer.forward(orange, orange_num)
    all_price = sum_layer.forward(apple_price, orange_price)
    price = tax_layer.forward(all_price, tax)

    dall_price, dtax = tax_layer.backward(1.0)
    dapple_price, dorange_price = sum_layer.backward(dall_price)
    dorange, dorange_num = orange_layer.backward(dorange_price)
    dapple, dapple_num = apple_layer.backward(dapple_price)
    return price, {"apple": dapple, "apple_num": dapple_num, "orange": dorange,
                   "orange_num": dorange_num, "tax": dtax}


def neuron(w, x):
    """f(w, x) = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))), gate by gate."""
    a, b = w[0] * x[0], w[1] * x[1]
    s = a + b + w[2]
    out = 1.0 / (1.0 + np.exp(-s))
    ds = (1.0 - out) * out          # sigmoid local gradient, times upstream 1
    da = db = dw2 = ds              # add gates distribute
    dw = np.array([da * x[0], db * x[1], dw2])
    dx = np.array([da * w[0], db * w[1]])
    return out, {"w": dw, "x": dx}


def chain(s, t):
    """z = x^2 - y^2 with x = s - sin t, y = e^s + cos t; closed-form partials."""
    x = s - np.sin(t)
    y = np.exp(s) + np.cos(t)
    z = x ** 2 - y ** 2
    dzds = 2 * x * 1 + (-2 * y) * np.exp(s)
    dzdt = 2 * x * (-np.cos(t)) + (-2 * y) * (-np.sin(t))
    return z, {"s": dzds, "t": dzdt}


# -- layers: ReLU, Sigmoid, Affine, Softmax-with-Loss --------------------------------


class Relu:
    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dx = dout.copy()
        dx[self.mask] = 0
        return dx


class Affine:
    """out = X W + b for a batch of rows X; b is added to every row."""

    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, X):
        self.X = X
        return X @ self.W + self.b

    def backward(self, dout):
        self.dW = self.X.T @ dout
        self.db = np.sum(dout, axis=0)      # the copy gate adds the batch's gradients
        return dout @ self.W.T


def softmax(S):
    S = S - np.max(S, axis=1, keepdims=True)
    E = np.exp(S)
    return E / np.sum(E, axis=1, keepdims=True)


class SoftmaxWithLoss:
    """Softmax then cross-entropy, averaged over the batch; t is one-hot or labels."""

    def forward(self, S, t):
        self.P = softmax(S)
        N = S.shape[0]
        self.T = t if t.shape == S.shape else np.eye(S.shape[1])[t]
        return -np.sum(self.T * np.log(self.P)) / N

    def backward(self, dout=1.0):
        N = self.P.shape[0]
        return dout * (self.P - self.T) / N


def relu_loss(x, dout):
    """sum(relu(x) * dout): its gradient is the ReLU layer's backward of dout."""
    layer = Relu()
    out = layer.forward(x)
    return np.sum(out * dout), {"x": layer.backward(dout), "dout": out}


def affine_loss(X, W, b, dY):
    """sum((X W + b) * dY): its gradient is the Affine layer's backward of dY."""
    layer = Affine(W, b)
    Y = layer.forward(X)
    dX = layer.backward(dY)
    return np.sum(Y * dY), {"X": dX, "W": layer.dW, "b": layer.db, "dY": Y}


def softmax_with_loss(S, T):
    layer = SoftmaxWithLoss()
    loss = layer.forward(S, T)
    return loss, {"S": layer.backward(1.0)}


def softmax_loss(W, X, y):
    """Linear scores S = X W into Softmax-with-Loss with integer labels y."""
    affine = Affine(W, np.zeros(W.shape[1]))
    last = SoftmaxWithLoss()
    loss = last.forward(affine.forward(X), y)
    dX = affine.backward(last.backward(1.0))
    return loss, {"W": affine.dW, "X": dX}


# -- multiclass SVM loss of a linear classifier (hinge margin 1) ---------------------

DELTA = 1.0


def svm_loss_naive(W, X, y, reg):
    """Mean hinge loss plus reg * sum(W^2), by loops over samples and classes."""
    N, C = X.shape[0], W.shape[1]
    loss, dW, dX = 0.0, np.zeros_like(W), np.zeros_like(X)
    for i in range(N):
        scores = X[i] @ W
        for j in range(C):
            if j == y[i]:
                continue
            margin = scores[j] - scores[y[i]] + DELTA
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
                dX[i] += W[:, j] - W[:, y[i]]
    loss = loss / N + reg * np.sum(W * W)
    dW = dW / N + 2 * reg * W
    return loss, {"W": dW, "X": dX / N, "reg": np.sum(W * W)}


def svm_loss_vectorized(W, X, y, reg):
    """The same loss and gradient with whole-matrix operations."""
    N = X.shape[0]
    rows = np.arange(N)
    S = X @ W
    margins = np.maximum(0, S - S[rows, y][:, None] + DELTA)
    margins[rows, y] = 0
    loss = np.sum(margins) / N + reg * np.sum(W * W)
    dS = (margins > 0).astype(float)
    dS[rows, y] = -np.sum(dS, axis=1)       # the correct class loses once per active margin
    dS /= N
    return loss, {"W": X.T @ dS + 2 * reg * W, "X": dS @ W.T, "reg": np.sum(W * W)}


svm_loss = svm_loss_vectorized


# -- Nielsen's sigmoid MLP with quadratic cost: BP1-BP4 -------------------------------


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def feedforward(weights, biases, a):
    for w, b in zip(weights, biases):
        a = sigmoid(w @ a + b)
    return a


def backprop(weights, biases, x, y):
    """Gradients of C_x = ||a^L - y||^2 / 2 for one column x, as layer lists."""
    nabla_b = [np.zeros(b.shape) for b in biases]
    nabla_w = [np.zeros(w.shape) for w in weights]
    activation, activations, zs = x, [x], []
    for w, b in zip(weights, biases):
        z = w @ activation + b
        zs.append(z)
        activation = sigmoid(z)
        activations.append(activation)
    delta = (activations[-1] - y) * sigmoid_prime(zs[-1])           # BP1
    nabla_b[-1] = delta                                             # BP3
    nabla_w[-1] = delta @ activations[-2].T                         # BP4
    for l in range(2, len(weights) + 1):
        delta = (weights[-l + 1].T @ delta) * sigmoid_prime(zs[-l])  # BP2
        nabla_b[-l] = delta
        nabla_w[-l] = delta @ activations[-l - 1].T
    return nabla_b, nabla_w


def quadratic_cost_grads(weights, biases, X, Y):
    """C = sum_x ||a^L(x) - y(x)||^2 / (2n) over the n columns; one backprop per column."""
    n = X.shape[1]
    cost = np.sum((feedforward(weights, biases, X) - Y) ** 2) / (2 * n)
    nabla_b = [np.zeros(b.shape) for b in biases]
    nabla_w = [np.zeros(w.shape) for w in weights]
    for k in range(n):
        delta_b, delta_w = backprop(weights, biases, X[:, [k]], Y[:, [k]])
        nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_b)]
        nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_w)]
    return cost, [nb / n for nb in nabla_b], [nw / n for nw in nabla_w]


def quadratic_cost_grads_batched(weights, biases, X, Y):
    """The same, with delta a matrix of one column per sample (BP3 sums the columns)."""
    n = X.shape[1]
    activations, zs = [X], []
    for w, b in zip(weights, biases):
        zs.append(w @ activations[-1] + b)
        activations.append(sigmoid(zs[-1]))
    cost = np.sum((activations[-1] - Y) ** 2) / (2 * n)
    delta = (activations[-1] - Y) / n * sigmoid_prime(zs[-1])
    nabla_b, nabla_w = [], []
    for l in range(1, len(weights) + 1):
        if l > 1:
            delta = (weights[-l + 1].T @ delta) * sigmoid_prime(zs[-l])
        nabla_b.insert(0, np.sum(delta, axis=1, keepdims=True))
        nabla_w.insert(0, delta @ activations[-l - 1].T)
    return cost, nabla_b, nabla_w


def mlp2_quadratic(w1, b1, w2, b2, x, y):
    cost, (db1, db2), (dw1, dw2) = quadratic_cost_grads([w1, w2], [b1, b2], x, y)
    return cost, {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2}


# -- two-layer net: Affine - ReLU - Affine - Softmax-with-Loss --------------------------


def two_layer_net(W1, b1, W2, b2, x, t):
    layers = [Affine(W1, b1), Relu(), Affine(W2, b2)]
    last = SoftmaxWithLoss()
    out = x
    for layer in layers:
        out = layer.forward(out)
    loss = last.forward(out, t)
    dout = last.backward(1.0)
    for layer in reversed(layers):
        dout = layer.backward(dout)
    affine1, affine2 = layers[0], layers[2]
    return loss, {"W1": affine1.dW, "b1": affine1.db, "W2": affine2.dW,
                  "b2": affine2.db, "x": dout}
