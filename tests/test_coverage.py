"""docs/coverage.md is the registry's table, regenerated; and the breadth the issue asks."""
import pathlib

import pytest

from diffc.core import primitives
from diffc.cli.commands import coverage_table

DOC = pathlib.Path(__file__).parent.parent / "docs" / "coverage.md"


def test_coverage_page_matches_the_registry():
    assert coverage_table(primitives) in DOC.read_text(), \
        "docs/coverage.md is stale: run `diffc coverage` and paste it (see the page's header)"


def test_at_least_100_numpy_operations_have_reverse_rules():
    names = [n for n in primitives.source_names()
             if n.startswith(("numpy.", "ndarray.", "operator.")) and primitives.lookup(n).reverse_rule]
    assert len(names) >= 100, len(names)


def test_coverage_page_shows_what_autograd_differentiates_and_diffc_does():
    pytest.importorskip("scipy")
    from benchmarks.autograd_suite import surface
    section = surface.section()
    assert section in DOC.read_text(), \
        "docs/coverage.md is stale: run `python -m benchmarks.autograd_suite.surface` and paste it"
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert len(rows) == len(surface.AUTOGRAD)
    unlocated = [r for r in rows if "no rule" in r and not r.endswith("refused at the call, located |")]
    assert not unlocated, f"a name autograd differentiates is neither ruled nor refused at the call: {unlocated}"
