"""The shopping graph: what does each input contribute to the price you pay?

You buy 2 apples at 100 each and 3 oranges at 150 each, and pay 10% tax:

    apple ──┐
            ×── apple_price ──┐
apple_num ──┘                 │
                              +── all_price ──┐
   orange ──┐                 │               ×── price  (= 715)
            ×── orange_price ─┘         tax ──┘
orange_num ─┘

Backpropagation walks the graph from right to left. An add node passes the
gradient through unchanged; a multiply node hands each input the *other* input
times the gradient arriving from the right. So d price / d tax = all_price = 650,
d price / d apple = tax * apple_num = 2.2, and so on.

diffc does that walk for you, reading `shopping` below as source code. Two ways to
use it, both shown here:

* at run time: `@diffc.grad` compiles the gradient the first time it is called;
* ahead of time: `diffc compile` wrote `apple_shopping_grad.py` beside this file,
  a plain NumPy module you can read, step through, and ship without diffc:

    diffc compile examples/apple_shopping.py --arg apple=scalar --arg apple_num=scalar \
        --arg orange=scalar --arg orange_num=scalar --arg tax=scalar

Run:  python examples/apple_shopping.py [--apples 2 --tax 1.1 ...] [--show-source]
"""
import argparse

import diffc

INPUTS = ("apple", "apple_num", "orange", "orange_num", "tax")


@diffc.grad(wrt=("apple", "apple_num", "orange", "orange_num", "tax"))
def shopping(apple, apple_num, orange, orange_num, tax):
    apple_price = apple * apple_num
    orange_price = orange * orange_num
    all_price = apple_price + orange_price
    price = all_price * tax
    return price


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--apple", type=float, default=100.0, help="price of one apple")
    p.add_argument("--apples", type=float, default=2.0, help="how many apples")
    p.add_argument("--orange", type=float, default=150.0, help="price of one orange")
    p.add_argument("--oranges", type=float, default=3.0, help="how many oranges")
    p.add_argument("--tax", type=float, default=1.1, help="tax multiplier")
    p.add_argument("--show-source", action="store_true",
                   help="print the gradient code diffc generated for these arguments")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    # diffc differentiates with respect to floats: counts are passed as 2.0, not 2.
    inputs = (args.apple, args.apples, args.orange, args.oranges, args.tax)

    # The forward pass is the undecorated function, kept as `.primal`.
    price = shopping.primal(*inputs)
    # The backward pass: one gradient per name in INPUTS.
    grads = shopping(*inputs)

    # The same gradients from the module `diffc compile` generated ahead of time.
    from apple_shopping_grad import grad_shopping
    shipped = grad_shopping(*inputs)

    print(f"price = {price:g}")
    print(f"{'input':>12} {'value':>8} {'d price / d input':>18}")
    for name, value, g in zip(INPUTS, inputs, grads):
        print(f"{name:>12} {value:8g} {g:18g}")
    agree = all(abs(a - b) <= 1e-12 * max(1.0, abs(a)) for a, b in zip(grads, shipped))
    print("generated module apple_shopping_grad.py agrees:", "yes" if agree else "NO")
    if args.show_source:
        print()
        print(shopping.source)
    return {"price": price, "grads": dict(zip(INPUTS, grads)),
            "generated_grads": dict(zip(INPUTS, shipped)), "agree": agree}


if __name__ == "__main__":
    main()
