"""Functions defined in notebook cells: the kernel compiles each cell under a generated file
name and keeps its text in linecache (the file does not exist on disk). The cells below are
registered the same way; the user differentiates a function and a lambda from them, and a
function of one cell calling a helper defined in an earlier cell."""
import linecache
import os

import numpy as np

IDIOM = "source only in linecache (Jupyter/IPython cells), helper from an earlier cell, lambda in a cell"
EXPECT = "right"

CELL_1 = '''\
def predict(w, X):
    return np.tanh(X @ w)
'''

CELL_2 = '''\
def loss(w, X, y):
    err = predict(w, X) - y
    return np.mean(err ** 2) + 0.01 * np.sum(w ** 2)

loss_lambda = lambda w: np.sum(np.sin(w) * w)
'''

_DIR = f"/tmp/ipykernel_{os.getpid()}"
USER_FILES = [f"{_DIR}/1817296203.py", f"{_DIR}/3342058419.py"]


def run_cell(text, filename, namespace):
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    exec(compile(text, filename, "exec"), namespace)


def make():
    namespace = {"np": np, "__name__": "__main__"}
    run_cell(CELL_1, USER_FILES[0], namespace)
    run_cell(CELL_2, USER_FILES[1], namespace)
    rng = np.random.default_rng(60)
    w, X, y = rng.standard_normal(3), rng.standard_normal((5, 3)), rng.standard_normal(5)
    return [dict(name="function from a cell", fn=namespace["loss"], args=(w, X, y)),
            dict(name="lambda from a cell", fn=namespace["loss_lambda"], args=(w,))]
