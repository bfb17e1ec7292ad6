"""diffc finds its rule library (the top-level ``templates/``) every way it is run: from a
plain checkout, with nothing installed; installed from a wheel (``pip install .``); and
installed editable (``pip install -e .``).

Each runs a gradient in a fresh interpreter and checks it against the closed form, and
that the rules came from where that layout keeps them (``templates/`` of the checkout;
``diffc/templates/`` of the installed package).
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent

MODEL = '''
import json, sys
import numpy as np
import diffc
from diffc.core import primitives


def f(x):
    return np.sum(np.tanh(x) ** 2)


x = np.array([0.3, -1.2, 2.0])
grad = diffc.grad(f)(x)
rules = sys.modules[primitives.get("tanh").impl.__module__]
print(json.dumps({"grad": grad.tolist(), "diffc": diffc.__file__, "rules": rules.__file__,
                  "library": sys.modules["diffc.templates"].__file__}))
'''


def _dependency_dirs():
    """Where NumPy and SymPy are installed (and mpmath, which SymPy needs)."""
    import mpmath
    import sympy
    return sorted({str(pathlib.Path(m.__file__).resolve().parent.parent) for m in (np, sympy, mpmath)})


def _run(python, tmp_path, pythonpath, *flags):
    script = tmp_path / "model.py"
    script.write_text(MODEL)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONPATH"] = os.pathsep.join(pythonpath)
    env["DIFFC_CACHE_DIR"] = str(tmp_path / "cache")
    done = subprocess.run([python, *flags, str(script)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _expected():
    x = np.array([0.3, -1.2, 2.0])
    return 2 * np.tanh(x) * (1 - np.tanh(x) ** 2)


def _copy_checkout(dest):
    """The files of a checkout that a source tree has (no build or install leftovers)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist")
    for name in ("diffc", "templates"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, dest / name)


def test_a_plain_checkout_finds_its_rules(tmp_path):
    # ``-S``: no site-packages processing, so no installed or editable diffc can answer;
    # only the checkout (and NumPy/SymPy, by their directories) is on the path
    checkout = tmp_path / "checkout"
    _copy_checkout(checkout)
    found = _run(sys.executable, tmp_path, [str(checkout)] + _dependency_dirs(), "-S")
    np.testing.assert_allclose(found["grad"], _expected(), rtol=1e-12)
    assert pathlib.Path(found["diffc"]).is_relative_to(checkout / "diffc")
    assert pathlib.Path(found["rules"]) == checkout / "templates" / "numpy" / "hyperbolic.py"
    assert pathlib.Path(found["library"]) == checkout / "templates" / "__init__.py"


PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]


def _new_venv(tmp_path, *extra_dirs):
    """A virtual environment without pip that sees NumPy and SymPy (and ``extra_dirs``)
    through a ``.pth`` file naming their directories: nothing is downloaded."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    (pathlib.Path(site) / "dependencies.pth").write_text("\n".join(_dependency_dirs() + list(extra_dirs)) + "\n")
    return python, pathlib.Path(site)


def test_an_installed_wheel_finds_its_rules(tmp_path):
    """``pip install .`` (not editable): the wheel, built here, installed into a new venv."""
    source = tmp_path / "source"
    _copy_checkout(source)
    wheels = tmp_path / "wheels"
    subprocess.run(PIP + ["wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)],
                   check=True, capture_output=True, timeout=300)
    python, site = _new_venv(tmp_path)
    (wheel,) = wheels.glob("diffc-*.whl")
    subprocess.run(PIP + ["--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    found = _run(str(python), tmp_path, [])
    np.testing.assert_allclose(found["grad"], _expected(), rtol=1e-12)
    package = site / "diffc"
    assert pathlib.Path(found["diffc"]).is_relative_to(package)
    assert pathlib.Path(found["rules"]) == package / "templates" / "numpy" / "hyperbolic.py"
    assert pathlib.Path(found["library"]) == package / "templates" / "__init__.py"
    shipped = sorted(p.name for p in (package / "optimize" / "recipes").glob("*.txt"))
    assert shipped and shipped == sorted(p.name for p in (source / "diffc" / "optimize" / "recipes").glob("*.txt"))


def test_an_editable_install_finds_its_rules(tmp_path):
    """``pip install -e .`` into a new venv, whose build (without isolation) finds
    setuptools and wheel through links to them: the checkout's own files answer."""
    import setuptools
    import wheel
    source = tmp_path / "source"
    _copy_checkout(source)
    tools = tmp_path / "tools"
    tools.mkdir()
    for module in (setuptools, wheel):
        (tools / module.__name__).symlink_to(pathlib.Path(module.__file__).parent)
    python, _ = _new_venv(tmp_path, str(tools))
    subprocess.run(PIP + ["--python", str(python), "install", "--no-deps", "--no-build-isolation", "--no-index",
                          "-e", str(source)], check=True, capture_output=True, timeout=300)
    found = _run(str(python), tmp_path, [])
    np.testing.assert_allclose(found["grad"], _expected(), rtol=1e-12)
    assert pathlib.Path(found["diffc"]).is_relative_to(source / "diffc")
    assert pathlib.Path(found["rules"]) == source / "templates" / "numpy" / "hyperbolic.py"
    assert pathlib.Path(found["library"]) == source / "templates" / "__init__.py"
