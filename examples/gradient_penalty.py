"""A loss that penalises the norm of its own gradient: a derivative of a derivative.

The data loss is logistic regression's cross-entropy on a small generated data set. The
penalised loss adds the squared norm of the data loss's gradient,

    penalised(w) = data_loss(w) + lam * || d data_loss / dw ||^2,

which favours flat minima (this is the "gradient penalty" of double backpropagation).
`penalised` calls `grad_loss = diffc.grad(data_loss)`, defined at module level, so
differentiating it means differentiating a gradient: diffc inlines the generated backward
pass of `data_loss` into `penalised` and differentiates that again, reverse over reverse.

Calculus says the result is  g + 2 lam H g,  with g the data loss's gradient and H its
Hessian. The example checks the gradient three ways: against central differences and
forward mode (`diffc.testing.check_grads`), and against that formula, with H g from
`diffc.hvp` (forward over reverse, H is never formed). Then it trains with the penalty.

Python API only: `diffc compile` reads the model's source and never imports it, so it
cannot know what `grad_loss` is (a diffc transform built at import time) and stops with a
located error. The gradient is compiled at run time, on the first call of
`diffc.grad(penalised)`; `gradient_penalty_grad.py` beside this file is that code, as
`diffc.grad(penalised).source_for(w, X, y, lam)` returns it (the tests keep it current).

Run:  python examples/gradient_penalty.py                 # 300 steps
      python examples/gradient_penalty.py --steps 50 --quick
"""
import argparse

import numpy as np

import diffc
from diffc.testing import check_grads


def data_loss(w, X, y):
    """Mean cross-entropy of logistic regression with weights w (X's last column is the bias)."""
    p = 1 / (1 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


grad_loss = diffc.grad(data_loss)


def penalised(w, X, y, lam):
    return data_loss(w, X, y) + lam * np.sum(grad_loss(w, X, y) ** 2)


grad_penalised = diffc.grad(penalised)
hvp_loss = diffc.hvp(data_loss)


def make_data(rng, n):
    """Two overlapping Gaussian blobs in 2-D, labels 0/1; a column of ones for the bias."""
    y = (rng.random(n) < 0.5).astype(float)
    points = rng.standard_normal((n, 2)) + np.where(y[:, None] == 1, 1.0, -1.0) * np.array([1.0, 0.5])
    return np.hstack([points, np.ones((n, 1))]), y


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=None, help="gradient-descent steps (default 300, 50 with --quick)")
    p.add_argument("--lam", type=float, default=1.0, help="weight of the gradient penalty")
    p.add_argument("--lr", type=float, default=0.5)
    p.add_argument("--n", type=int, default=200, help="number of data points")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="for CI: 50 steps unless --steps")
    args = p.parse_args(argv)
    if args.steps is None:
        args.steps = 50 if args.quick else 300
    return args


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    X, y = make_data(rng, args.n)
    w = rng.standard_normal(3)

    # 1. The gradient of the penalised loss, checked.
    print("gradient of the penalised loss, reverse over reverse, against central differences "
          "and forward mode:")
    reports = check_grads(penalised, (w, X, y, args.lam), wrt=0, quiet=False,
                          modes=("reverse", "forward", "numeric"))
    g = grad_loss(w, X, y)
    formula = g + 2 * args.lam * hvp_loss(w, X, y, tangents=g)
    formula_difference = float(np.max(np.abs(grad_penalised(w, X, y, args.lam) - formula)))
    print(f"  against g + 2 lam H g (H g by diffc.hvp): max |difference| {formula_difference:.1e}")

    # 2. Gradient descent on the penalised loss.
    history = []
    for step in range(args.steps + 1):
        if step % max(1, args.steps // 5) == 0 or step == args.steps:
            value = float(penalised(w, X, y, args.lam))
            norm = float(np.linalg.norm(grad_loss(w, X, y)))
            history.append({"step": step, "penalised": value, "data_loss": float(data_loss(w, X, y)),
                            "grad_norm": norm})
            print(f"step {step:4d}  penalised {value:.5f}  data loss {history[-1]['data_loss']:.5f}  "
                  f"|grad data loss| {norm:.2e}")
        if step < args.steps:
            w = w - args.lr * grad_penalised(w, X, y, args.lam)
    accuracy = float(np.mean(((X @ w) > 0) == (y == 1)))
    print(f"training accuracy {100 * accuracy:.1f}%")
    return {"check": [(r.mode, r.against, r.max_abs_error, r.max_rel_error, r.ok) for r in reports],
            "formula_difference": formula_difference, "history": history,
            "losses": [h["penalised"] for h in history], "accuracy": accuracy, "w": w,
            "source": grad_penalised.source}


if __name__ == "__main__":
    main()
