"""autograd's source, obtained at run time: never stored in this repository.

``source_root(argument, version, workdir)`` gives a directory holding ``tests/`` and
``autograd/``: the argument itself when it is such a directory (a checkout), the
extracted archive when it is a source distribution (``.tar.gz`` or ``.zip``), and
otherwise the source distribution ``pip download`` fetches from the package index.
Only ``tests/`` and ``autograd/`` are extracted, and no member may leave the directory.
"""
from __future__ import annotations

import glob
import os
import subprocess
import sys
import tarfile
import zipfile

WANTED = ("tests", "autograd")


class ObtainError(Exception):
    """The source could not be had; the message says why."""


def source_root(argument, version, workdir):
    if argument is None:
        return extract(download(version, workdir), workdir)
    if os.path.isdir(argument):
        if not os.path.isdir(os.path.join(argument, "tests")):
            raise ObtainError(f"{argument} has no tests/ directory: give autograd's checkout "
                              "or its source distribution")
        return os.path.abspath(argument)
    if os.path.isfile(argument):
        return extract(argument, workdir)
    raise ObtainError(f"{argument}: no such file or directory")


def download(version, workdir):
    """The path of autograd's source distribution, downloaded into ``workdir``."""
    target = os.path.join(workdir, "download")
    os.makedirs(target, exist_ok=True)
    spec = "autograd" if version in (None, "", "latest") else f"autograd=={version}"
    command = [sys.executable, "-m", "pip", "download", spec, "--no-deps", "--no-binary",
               ":all:", "--quiet", "-d", target]
    done = subprocess.run(command, capture_output=True, text=True)
    archives = glob.glob(os.path.join(target, "autograd-*.tar.gz")) + \
        glob.glob(os.path.join(target, "autograd-*.zip"))
    if done.returncode != 0 or not archives:
        raise ObtainError(f"`{' '.join(command[2:])}` failed (exit {done.returncode}):\n"
                          f"{done.stderr.strip()}\ngive a checkout or an sdist as an argument instead")
    return archives[0]


def extract(archive, workdir):
    """Extract ``tests/`` and ``autograd/`` of ``archive`` (one top-level folder, as an
    sdist has) into ``workdir``; the path of that folder."""
    target = os.path.realpath(os.path.join(workdir, "source"))
    if archive.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            for name in z.namelist():
                if _wanted(name):
                    z.extract(_safe(name, target), target)
            tops = {n.split("/")[0] for n in z.namelist()}
    else:
        with tarfile.open(archive) as t:
            members = [m for m in t.getmembers() if _wanted(m.name) and (m.isfile() or m.isdir())]
            for m in members:
                _safe(m.name, target)
            options = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            t.extractall(target, members=members, **options)
            tops = {m.name.split("/")[0] for m in t.getmembers()}
    if len(tops) != 1:
        raise ObtainError(f"{archive} has {len(tops)} top-level folders, expected one")
    root = os.path.join(target, tops.pop())
    if not os.path.isdir(os.path.join(root, "tests")):
        raise ObtainError(f"{archive} has no tests/ folder")
    return root


def _wanted(name):
    parts = name.split("/")
    return len(parts) >= 2 and parts[1] in WANTED


def _safe(name, target):
    """``name`` unchanged if it stays inside ``target``, else an error."""
    path = os.path.realpath(os.path.join(target, name))
    if not path.startswith(target + os.sep):
        raise ObtainError(f"the archive member {name!r} would be written outside {target}")
    return name
