"""Layer objects in the style of the 'from scratch' books: `forward` returns nothing and keeps
its result on `self.output`, the caller calls `layer.forward(x)` as a statement and reads
`layer.output`; a loss base class's `calculate` calls the subclass's `forward`; labels are
either integers (`y_pred[range(samples), y_true]`) or one-hot rows, told apart by
`len(y_true.shape)`."""
import numpy as np

IDIOM = "layer.forward(x) as a statement keeping self.output, Loss.calculate -> self.forward, range(samples) index"
EXPECT = "right"


class Layer_Dense:
    def __init__(self, weights, biases):
        self.weights = weights
        self.biases = biases

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)


class Activation_Softmax:
    def forward(self, inputs):
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)


class Loss:
    def calculate(self, output, y):
        sample_losses = self.forward(output, y)
        return np.mean(sample_losses)


class Loss_CategoricalCrossentropy(Loss):
    def forward(self, y_pred, y_true):
        samples = len(y_pred)
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:
            correct_confidences = y_pred_clipped[range(samples), y_true]
        elif len(y_true.shape) == 2:
            correct_confidences = np.sum(y_pred_clipped * y_true, axis=1)
        return -np.log(correct_confidences)


class Model:
    def __init__(self, layers, loss):
        self.layers = layers
        self.loss_function = loss

    def loss(self, X, y):
        output = X
        for layer in self.layers:
            layer.forward(output)
            output = layer.output
        return self.loss_function.calculate(output, y)


dense1, relu = Layer_Dense(None, None), Activation_ReLU()
dense2, softmax = Layer_Dense(None, None), Activation_Softmax()
loss_function = Loss_CategoricalCrossentropy()


def network_loss(W1, b1, W2, b2, X, y):
    dense1.weights, dense1.biases = W1, b1
    dense2.weights, dense2.biases = W2, b2
    dense1.forward(X)
    relu.forward(dense1.output)
    dense2.forward(relu.output)
    softmax.forward(dense2.output)
    return loss_function.calculate(softmax.output, y)


def make():
    rng = np.random.default_rng(71)
    X = rng.standard_normal((8, 2))
    y = rng.integers(0, 3, size=8)
    one_hot = np.eye(3)[y]
    W1, b1 = rng.standard_normal((2, 5)), 0.1 * rng.standard_normal((1, 5))
    W2, b2 = rng.standard_normal((5, 3)), 0.1 * rng.standard_normal((1, 3))
    model = Model([Layer_Dense(W1.copy(), b1.copy()), Activation_ReLU(),
                   Layer_Dense(W2.copy(), b2.copy()), Activation_Softmax()],
                  Loss_CategoricalCrossentropy())
    return [dict(name="module-level layers given the weights, integer labels", fn=network_loss,
                 args=(W1, b1, W2, b2, X, y), wrt=(0, 1, 2, 3)),
            dict(name="model object, one-hot labels, input X", fn=model.loss, args=(X, one_hot), wrt=0),
            dict(name="model object, integer labels, input X", fn=model.loss, args=(X, y), wrt=0)]
