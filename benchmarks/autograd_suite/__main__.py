"""python -m benchmarks.autograd_suite [SOURCE] [--only NAME] [-v]

Runs autograd's tests/test_numpy.py and tests/test_scipy.py through diffc and prints a
Markdown table of verdicts per file, then the causes of every verdict other than right.
SOURCE is autograd's checkout or source distribution; without it, the source
distribution is downloaded with pip (it needs the package index). Exit status 0 when the
tests ran, whatever their verdicts; 2 when the source could not be had.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
from dataclasses import asdict

import numpy as np
import scipy

import diffc
from benchmarks.autograd_suite import checks, obtain, ports, report, runner

FILES = ("test_numpy.py", "test_scipy.py")
VERSION = "1.9.1"          # the release measured in the README; --autograd-version to change


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.autograd_suite", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", nargs="?", help="autograd's checkout or sdist (default: pip download)")
    ap.add_argument("--autograd-version", default=VERSION,
                    help=f"the release pip downloads (default {VERSION}; 'latest' for the newest)")
    ap.add_argument("--files", nargs="+", default=list(FILES), metavar="FILE",
                    help="test files of autograd's tests/ to run (default: %(default)s)")
    ap.add_argument("--only", help="run only tests whose names contain one of these (comma-separated)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print each test's verdict as it runs, and every error in full at the end")
    ap.add_argument("--json", metavar="PATH", help="also write every test's and check's result as JSON")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR (kept) instead of a temporary directory")
    args = ap.parse_args(argv)
    only = [o for o in args.only.split(",") if o] if args.only else None
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        return _run(args, only, os.path.abspath(args.keep))
    with tempfile.TemporaryDirectory(prefix="autograd-suite-") as workdir:
        return _run(args, only, workdir)


def _run(args, only, workdir):
    try:
        root = obtain.source_root(args.source, args.autograd_version, workdir)
    except obtain.ObtainError as error:
        print(f"autograd_suite: {error}", file=sys.stderr)
        return 2
    port_dir = ports.PortDir(os.path.join(workdir, "ports"))
    os.makedirs(port_dir.path, exist_ok=True)
    checker = checks.Checker(os.path.join(root, "tests"), port_dir)
    progress = (lambda r: print(report.verbose_line(r), flush=True)) if args.verbose else None
    try:
        results = runner.run_files(root, args.files, checker, only, progress)
    finally:
        port_dir.unload()
    print(header(root))
    print()
    print(report.table(results))
    print()
    print(report.check_counts(results))
    print(report.causes(results))
    if args.verbose:
        print(details(results))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump([asdict(r) for r in results], f, indent=1, default=str)
    return 0


def header(root):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"autograd's tests through diffc: {os.path.basename(root)}, {now}; "
            f"diffc {diffc.__version__}, python {platform.python_version()}, "
            f"numpy {np.__version__}, scipy {scipy.__version__}")


def details(results):
    out = ["\n## Every error in full"]
    for r in results:
        if r.verdict in ("right", "n/a"):
            continue
        out.append(f"\n### {r.file}::{r.name}: {r.verdict}\n\n```\n{r.detail.rstrip()}\n```")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
