"""How a ``diffc.grad`` object shows itself in Jupyter: the generated code, the arguments
it was compiled for and its computational graph.

``gradient_html(g)`` and ``gradient_markdown(g)`` are what ``GradientFunction`` returns
from ``_repr_html_`` / ``_repr_markdown_``. The code is highlighted with Pygments when it
is installed (plain ``<pre>`` otherwise); the graph is drawn at the last call's
arguments, as inline SVG when Graphviz's ``dot`` is installed. Nothing here runs the
user's code beyond what the compiled gradient already did.
"""
from __future__ import annotations

import html
import shutil

import numpy as np

from diffc.errors import DiffcError
from diffc.tools.graph import INSTALL_HINT, graph


def describe_arguments(names, args):
    """``x: float, W: float64[3, 4], n: int = 2``: the signature a specialisation is for."""
    parts = []
    for name, value in zip(names, args):
        if isinstance(value, np.ndarray):
            parts.append(f"{name}: {value.dtype}[{', '.join(map(str, value.shape))}]")
        elif isinstance(value, (bool, int, str)) or value is None:
            parts.append(f"{name}: {type(value).__name__} = {value!r}")
        else:
            parts.append(f"{name}: {type(value).__name__}")
    return ", ".join(parts)


def highlighted_html(code):
    """``code`` as HTML: highlighted by Pygments (inline styles), else a plain ``<pre>``."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<pre>{html.escape(code)}</pre>"
    return highlight(code, PythonLexer(), HtmlFormatter(noclasses=True, nobackground=True))


def _parts(g):
    """``(title, signature or None, code or None, error or None)`` of gradient ``g``."""
    title = repr(g).strip("<>")
    try:
        code = g.source
    except DiffcError as e:             # general code refused (e.g. shapes needed): say why
        return title, None, None, e.render()
    args = g._last_args
    signature = describe_arguments(g._params, args) if args is not None else None
    return title, signature, code, None


def _graph_svg(g):
    """The graph at the last call's arguments as SVG text, or a sentence saying why not."""
    if g._last_args is None:
        return None, "call the function once to see its graph with values and gradients"
    if getattr(g, "attributes", None) is not None:
        return None, "diffc.graph draws functions; this is a method"
    if getattr(g, "_nested", False):
        return None, "diffc.graph draws a function, not a gradient of a gradient"
    if shutil.which("dot") is None:
        return None, f"the graph needs Graphviz's dot program: {INSTALL_HINT}"
    try:
        drawn = graph(g.primal, *g._last_args, wrt=tuple(g._params[i] for i in g.wrt))
    except DiffcError as e:
        return None, f"no graph: {e.message}"
    return drawn.render("svg").decode("utf-8"), None


def gradient_html(g):
    """The HTML a notebook shows for gradient ``g``."""
    title, signature, code, error = _parts(g)
    out = [f"<p><b>{html.escape(title)}</b></p>"]
    if error is not None:
        return "".join(out) + f"<pre>{html.escape(error)}</pre>"
    compiled = (f"compiled for <code>{html.escape(signature)}</code>" if signature
                else "general code (not yet called: it works for any shapes)")
    out.append(f"<p>{compiled}</p>")
    out.append(highlighted_html(code))
    svg, why = _graph_svg(g)
    if svg is not None:
        out.append(f"<details open><summary>computational graph</summary>{svg}</details>")
    else:
        out.append(f"<p><i>{html.escape(why)}</i></p>")
    return "".join(out)


def gradient_markdown(g):
    """The Markdown a notebook shows for gradient ``g`` (no graph: Markdown cannot hold SVG)."""
    title, signature, code, error = _parts(g)
    if error is not None:
        return f"**{title}**\n\n```\n{error}\n```\n"
    compiled = f"compiled for `{signature}`" if signature else "general code (not yet called)"
    return f"**{title}**, {compiled}\n\n```python\n{code}```\n"
