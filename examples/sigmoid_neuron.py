"""A two-input sigmoid neuron, f(w, x) = σ(w0·x0 + w1·x1 + w2), and σ's derivative.

With w = (2, −3, −3) and x = (−1, −2) the neuron computes z = 1 and
σ(1) ≈ 0.73. Going backwards, dσ/dz ≈ 0.20, and then a multiply gate gives each
weight its input times 0.20 and each input its weight times 0.20:

    dw ≈ (−0.20, −0.39, 0.20)        dx ≈ (0.39, −0.59)

The sigmoid part is worth a second look. diffc differentiates
`1 / (1 + exp(-z))` one operation at a time: a divide, an add, an exp and a
negation, each with its own small rule. A person simplifies the same chain on paper
to dσ/dz = σ(z)·(1 − σ(z)), and so does diffc's optimizer: it rewrites the chain
symbolically (diffc/optimize/simplify.py) into `dout * out * (1 - out)`, reusing the forward
value `out`. This example prints the code diffc generated for the sigmoid beside the
one-liner written by hand and checks that they agree numerically.

    diffc compile examples/sigmoid_neuron.py --arg w=shape:3 --arg x=shape:2

compiles the decorated `neuron` into `sigmoid_neuron_grad.py`; the sigmoid's
derivative is compiled at run time with `diffc.grad(sigmoid)`.

Run:  python examples/sigmoid_neuron.py [--w 2 -3 -3] [--x -1 -2] [--points 41]
"""
import argparse

import numpy as np

import diffc


@diffc.grad(wrt=("w", "x"))
def neuron(w, x):
    z = w[0] * x[0] + w[1] * x[1] + w[2]
    return 1 / (1 + np.exp(-z))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# Not every gradient has to be compiled ahead of time: this one is compiled at run
# time, the first time it is called.
dsigmoid = diffc.grad(sigmoid)


def sigmoid_derivative_by_hand(z):
    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)


def gradient_function(source):
    """The generated module's source from its `def grad_...` line on (no header, no imports)."""
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("def grad_"))
    return "\n".join(lines[start:])


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--w", type=float, nargs=3, default=[2.0, -3.0, -3.0], metavar=("W0", "W1", "W2"))
    p.add_argument("--x", type=float, nargs=2, default=[-1.0, -2.0], metavar=("X0", "X1"))
    p.add_argument("--points", type=int, default=41,
                   help="compare diffc's sigmoid derivative with s*(1-s) at this many z in [-10, 10]")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    w = np.array(args.w)
    x = np.array(args.x)

    value = neuron.primal(w, x)
    dw, dx = neuron(w, x)
    print(f"w = {w}, x = {x}")
    print(f"f(w, x) = {value:.4f}")
    print(f"dw = {np.array2string(dw, precision=4)}")
    print(f"dx = {np.array2string(dx, precision=4)}")

    # The same gradient from the module `diffc compile` wrote ahead of time.
    from sigmoid_neuron_grad import grad_neuron
    gdw, gdx = grad_neuron(w, x)
    neuron_agrees = bool(np.allclose(gdw, dw, rtol=1e-12) and np.allclose(gdx, dx, rtol=1e-12))
    print("generated module sigmoid_neuron_grad.py agrees:", "yes" if neuron_agrees else "NO")

    print("\nThe gradient diffc generated for sigmoid(z) = 1 / (1 + exp(-z)):\n")
    print(gradient_function(dsigmoid.source_for(0.0)))
    print("\n...and the same derivative simplified by hand:\n")
    print("    s = 1 / (1 + np.exp(-z))")
    print("    dz = s * (1 - s)")
    print("\n(out is s: op by op diffc's chain is out / (1 + exp(-z)) * exp(-z), which its optimizer"
          "\n simplifies to s * (1 - s), reusing s from the forward pass.)")

    zs = np.linspace(-10.0, 10.0, args.points)
    diffc_d = np.array([dsigmoid(float(z)) for z in zs])
    hand_d = sigmoid_derivative_by_hand(zs)
    worst = float(np.max(np.abs(diffc_d - hand_d)))
    print(f"\nAt {args.points} points z in [-10, 10]: largest |diffc - s*(1-s)| = {worst:.2e}")
    return {"value": value, "dw": dw, "dx": dx, "neuron_agrees": neuron_agrees,
            "sigmoid_max_abs_difference": worst}


if __name__ == "__main__":
    main()
