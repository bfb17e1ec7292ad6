"""The chain rule with two paths: z = x² − y², x = s − sin t, y = eˢ + cos t.

z depends on s and t only through x and y, so each partial derivative is a sum
over the two paths:

    ∂z/∂s = ∂z/∂x · ∂x/∂s + ∂z/∂y · ∂y/∂s = 2x · 1       + (−2y) · eˢ
    ∂z/∂t = ∂z/∂x · ∂x/∂t + ∂z/∂y · ∂y/∂t = 2x · (−cos t) + (−2y) · (−sin t)

Reverse mode computes ∂z/∂x and ∂z/∂y once and pushes them back along both paths;
where two paths meet again (at s, and at t) the contributions are added. In the
generated module `chain_rule_grad.py` you can see exactly that: `ds` gets one term
from `x` and one from `y`, and so does `dt`.

    diffc compile examples/chain_rule.py --arg s=scalar --arg t=scalar

Run:  python examples/chain_rule.py [--s 1.0 --t 0.5] [--points 5] [--show-source]
"""
import argparse

import numpy as np

import diffc


@diffc.grad(wrt=("s", "t"))
def z(s, t):
    x = s - np.sin(t)
    y = np.exp(s) + np.cos(t)
    return x ** 2 - y ** 2


def by_hand(s, t):
    """The partial derivatives worked out on paper (the formula in the docstring)."""
    x = s - np.sin(t)
    y = np.exp(s) + np.cos(t)
    dz_ds = 2 * x * 1 + (-2 * y) * np.exp(s)
    dz_dt = 2 * x * (-np.cos(t)) + (-2 * y) * (-np.sin(t))
    return dz_ds, dz_dt


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--s", type=float, default=1.0)
    p.add_argument("--t", type=float, default=0.5)
    p.add_argument("--points", type=int, default=5,
                   help="also compare at this many random (s, t) points")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--show-source", action="store_true", help="print diffc's generated gradient")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    points = [(args.s, args.t)] + [tuple(map(float, rng.uniform(-2, 2, size=2)))
                                 for _ in range(args.points)]

    from chain_rule_grad import grad_z  # the module `diffc compile` wrote

    print(f"{'s':>7} {'t':>7} | {'diffc dz/ds':>13} {'by hand':>13} | "
          f"{'diffc dz/dt':>13} {'by hand':>13} | generated module")
    worst = 0.0
    rows = []
    for s, t in points:
        ds, dt = z(s, t)
        hs, ht = by_hand(s, t)
        gs, gt = grad_z(s, t)
        same = (gs, gt) == (ds, dt)
        print(f"{s:7.3f} {t:7.3f} | {ds:13.6f} {hs:13.6f} | {dt:13.6f} {ht:13.6f} | "
              f"{'same' if same else 'DIFFERENT'}")
        worst = max(worst, abs(ds - hs), abs(dt - ht))
        rows.append({"s": s, "t": t, "diffc": (ds, dt), "by_hand": (hs, ht), "generated": (gs, gt)})
    print(f"largest difference between diffc and the hand-derived formula: {worst:.2e}")
    if args.show_source:
        print()
        print(z.source)
    return {"rows": rows, "max_abs_difference": worst}


if __name__ == "__main__":
    main()
