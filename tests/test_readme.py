"""Every code block of README.md runs, and the output it shows is the output it prints.

A ```python block is written to ``model.py`` in an empty directory and run there as a
script; a ```bash block runs line by line in a directory holding a copy of ``examples/``.
When the paragraph before the next block ends with "prints:", that block (```text) is the
output the code must print, exactly. Both run with a cache directory of their own.

Not run here: ``pip install`` (``.ci/run`` installs exactly as the README says, checked
below) and ``python -m pytest`` (the suite this test is part of).

``DIFFC_UPDATE_README=1 python -m pytest tests/test_readme.py`` rewrites the shown outputs
from what the blocks print; read the diff before committing it.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.M | re.S)
NOT_RUN = ("pip install ", "python -m pytest")


def blocks(text):
    """[(language, code, start, end, expected output block or None)] in README order."""
    found = [(m.group(1), m.group(2), m.start(), m.end()) for m in FENCE.finditer(text)]
    out, skip = [], set()
    for i, (lang, code, start, end) in enumerate(found):
        if i in skip:
            continue
        expected = None
        if i + 1 < len(found):
            between = text[end:found[i + 1][2]].strip()
            if between.endswith("prints:") and found[i + 1][0] == "text":
                expected = found[i + 1]
                skip.add(i + 1)
        out.append((lang, code, start, end, expected))
    return out


def _env(tmp_path):
    env = dict(os.environ, DIFFC_CACHE_DIR=str(tmp_path / "cache"))
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def run_python(code, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "model.py").write_text(code)
    done = subprocess.run([sys.executable, "model.py"], cwd=work, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{code}\n{done.stderr}"
    return done.stdout


def run_bash(code, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(os.path.join(ROOT, "examples"), work / "examples")
    printed = []
    for line in code.splitlines():
        line = line.split("  #")[0].strip()
        if not line or line.startswith("#"):
            continue
        for command in line.split(" && "):
            if command.startswith(NOT_RUN):
                continue
            if command.startswith("diffc "):
                command = f"{shlex.quote(sys.executable)} -m diffc {command[len('diffc '):]}"
            elif command.startswith("python "):
                command = f"{shlex.quote(sys.executable)} {command[len('python '):]}"
            done = subprocess.run(command, shell=True, cwd=work, env=_env(tmp_path),
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
            printed.append(done.stdout)
    return "".join(printed)


TEXT = open(README, encoding="utf-8").read()
BLOCKS = blocks(TEXT)


def _normal(text):
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs_and_prints_what_it_shows(index, tmp_path):
    lang, code, _, _, expected = BLOCKS[index]
    assert lang in ("python", "bash"), f"block {index}: a ```{lang} block that is not output"
    printed = run_python(code, tmp_path) if lang == "python" else run_bash(code, tmp_path)
    if expected is None:
        return
    if os.environ.get("DIFFC_UPDATE_README"):
        _update(index, printed)
        return
    assert _normal(printed) == _normal(expected[1]), f"README block {index} prints:\n{printed}"


def _update(index, printed):
    text = open(README, encoding="utf-8").read()
    _, _, start, end, _ = blocks(text)[index]
    expected = blocks(text)[index][4]
    new = f"```text\n{_normal(printed)}\n```\n"
    with open(README, "w", encoding="utf-8") as fh:
        fh.write(text[:expected[2]] + new + text[expected[3]:])


def test_cache_clearing_command_removes_the_cache(tmp_path):
    block = next(code for lang, code, _, _, _ in BLOCKS if lang == "bash" and "rm -rf" in code)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "recipes").mkdir()
    run_bash(block, tmp_path)
    assert not cache.exists()


def test_ci_runs_the_readme_install_and_test_commands():
    install = re.search(r'pip install -e "\.\[([\w,]+)\]" && python -m pytest -q', TEXT)
    assert install, "the README's install-and-test line"
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as fh:
        ci = fh.read()
    assert f'pip install --quiet -e ".[{install.group(1)}]"' in ci
    assert "python -m pytest -q" in ci


def test_readme_is_short():
    assert len(TEXT.encode("utf-8")) < 12 * 1024      # what a user needs; the rest is in docs/
