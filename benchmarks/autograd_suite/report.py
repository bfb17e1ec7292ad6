"""The Markdown report: a table per test file, then the causes of what is not right."""
from __future__ import annotations

import collections
import re

VERDICTS = ("right", "refused", "unlocated", "crash", "wrong", "n/a")


def table(results):
    """One row per test file and a total: counts of each verdict, and the share right of
    the applicable tests (all but ``n/a``), as the test checks (its modes and order) and
    at first order only."""
    files = list(dict.fromkeys(r.file for r in results))
    head = ("| file | tests | n/a | applicable | right | refused | unlocated | crash | wrong "
            "| right % | right at 1st order |")
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    rows = [(f, [r for r in results if r.file == f]) for f in files]
    if len(files) > 1:
        rows.append(("total", results))
    for name, rs in rows:
        count = collections.Counter(r.verdict for r in rs)
        first = collections.Counter(r.first_order for r in rs)
        applicable = len(rs) - count["n/a"]
        label = f"**{name}**" if name == "total" else f"`{name}`"
        lines.append(f"| {label} | {len(rs)} | {count['n/a']} | {applicable} | {count['right']} | "
                     f"{count['refused']} | {count['unlocated']} | {count['crash']} | "
                     f"{count['wrong']} | {_percent(count['right'], applicable)} | "
                     f"{first['right']} ({_percent(first['right'], applicable)}) |")
    return "\n".join(lines)


def check_counts(results):
    """One line: how many checks (calls of a checking helper with one combination of
    arguments) were made, and their verdicts."""
    count = collections.Counter(c.verdict for r in results for c in r.checks)
    total = sum(count.values())
    parts = ", ".join(f"{count[v]} {v}" for v in VERDICTS if count[v])
    return f"{total} checks ({parts})"


def causes(results):
    """What is not right, grouped by cause (numbers and names in a message kept, so a
    group is one message), worst first; then the tests that are not applicable."""
    out = []
    for verdict in ("wrong", "crash", "unlocated", "refused"):
        groups = collections.defaultdict(list)
        for r in results:
            if r.verdict == verdict:
                groups[r.cause.strip()].append(r)
        if not groups:
            continue
        total = sum(len(g) for g in groups.values())
        out.append(f"\n**{verdict}** ({total}):\n")
        missing = {c: rs for c, rs in groups.items() if NO_RULE.match(c)}
        for cause, rs in _by_size(groups):
            if cause not in missing:
                out.append(f"- {len(rs)} × {cause}{_example(rs)}: {_names(rs)}")
        if missing:
            count = sum(len(rs) for rs in missing.values())
            out.append(f"- {count} × diffc has no rule for the function called "
                       f"({len(missing)} functions):")
            for cause, rs in _by_size(missing):
                out.append(f"  - `{NO_RULE.match(cause).group(1)}` ({len(rs)}): {_names(rs)}")
    na = [r for r in results if r.verdict == "n/a"]
    if na:
        out.append(f"\n**n/a** ({len(na)}):\n")
        for r in na:
            out.append(f"- `{r.file}::{r.name}`: {r.cause}")
    stopped = [r for r in results if r.stopped]
    if stopped:
        out.append(f"\n**stopped after their checks** ({len(stopped)}; their verdict is their checks'):\n")
        for r in stopped:
            out.append(f"- `{r.name}` ({r.verdict}): {r.stopped}")
    return "\n".join(out)


def verbose_line(r):
    mark = f"{r.verdict}" + (f" (1st order {r.first_order})" if r.first_order != r.verdict else "")
    text = f"{r.file}::{r.name}  {mark}  [{len(r.checks)} checks, {r.seconds:.1f} s]"
    if r.cause:
        text += f"\n    {r.cause}"
    return text


NO_RULE = re.compile(r"^diffc has no rule for (.+)$")


def _by_size(groups):
    return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))


def _names(rs):
    return ", ".join(f"`{r.name}`" for r in rs)


def _example(rs):
    where = next((r.location for r in rs if r.location), "")
    return f" (e.g. at `{_short_path(where)}`)" if where else ""


def _short_path(location):
    return re.sub(r"^.*/", "", location)


def _percent(part, whole):
    return f"{100.0 * part / whole:.1f}%" if whole else "-"
