"""Pictures of a function's computational graph, in the style of the classic figures.

``graph(f, *args)`` lowers ``f`` to the IR and draws one node per operation (``+``,
``*``, ``exp``, ``@``), one input node per parameter, and an edge for every use of a
value. Given example arguments, each edge carries the forward value above it and, in
red below it, the gradient flowing back along it: the IR is evaluated with
``diffc.core.facts.Facts`` and the reverse transform is run with respect to every float
parameter on the same facts (``pipeline.trace``). When a value is used twice, each of
its edges carries the gradient that use sends back; the value's adjoint is their sum.

The result is a ``Graph``: ``.dot`` is Graphviz DOT text (always available);
``.save("g.svg")`` and inline display in Jupyter need Graphviz's ``dot`` program.
Nothing here runs the user's code: values come from the primitives' implementations.
"""
from __future__ import annotations

import html
import inspect
import os
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np

from diffc.compiler import pipeline
from diffc.core import primitives
from diffc.frontend import source
from diffc.errors import DiffcError, InternalError
from diffc.core.ir import Const, Eqn, Loop, Role, Var, atoms_in

GRADIENT_COLOR = "red"
RENDERED_FORMATS = ("svg", "png", "pdf")
INSTALL_HINT = ("install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
                "graphviz; conda: conda install graphviz), or save the graph as .dot")

_OPERATOR_SYMBOLS = {
    "add": "+", "sub": "-", "mul": "*", "truediv": "/", "pow": "**", "matmul": "@",
    "neg": "-", "pos": "+", "floordiv": "//", "mod": "%", "gt": ">", "lt": "<", "ge": ">=",
    "le": "<=", "eq": "==", "ne": "!=", "and_": "&", "or_": "|", "xor": "^", "invert": "~",
    "not_": "not", "getitem": "[]", "setitem": "[]=",
}


class GraphvizNotFound(DiffcError):
    """Drawing SVG/PNG needs Graphviz's ``dot`` program, and it is not installed."""


@dataclass
class Node:
    id: str
    label: str
    kind: str                  # "input", "op", "const", "output" or "carried" (a loop's)
    tooltip: str = ""
    cluster: str = ""          # the loop drawn around it ("" for none)


@dataclass
class Edge:
    tail: str
    head: str
    name: str                  # the value's name, shown when there are no values
    value: str | None = None   # forward value, printed above the edge
    grad: str | None = None    # gradient flowing back, printed below in red
    back: bool = False         # a loop's value carried to its next iteration


class Graph:
    """A drawn computational graph: ``.dot`` text, ``.save(path)``, Jupyter display."""

    def __init__(self, name, nodes, edges, notes=(), clusters=None):
        self.name = name
        self.nodes = list(nodes)
        self.edges = list(edges)
        self.notes = list(notes)
        self.clusters = dict(clusters or {})    # cluster id -> (label, enclosing cluster id)

    def __repr__(self):
        ops = sum(n.kind == "op" for n in self.nodes)
        return f"<diffc.graph of {self.name}: {ops} operations>"

    @property
    def dot(self):
        """The graph as Graphviz DOT text."""
        return to_dot(self)

    def render(self, fmt="svg"):
        """The picture as bytes in ``fmt`` (svg, png, pdf), drawn by Graphviz's ``dot``."""
        return render_dot(self.dot, fmt)

    def save(self, path):
        """Write ``.dot``/``.gv`` text, or an ``.svg``/``.png``/``.pdf`` drawn by Graphviz."""
        ext = os.path.splitext(path)[1].lower().lstrip(".")
        if ext in ("dot", "gv"):
            data = self.dot.encode("utf-8")
        elif ext in RENDERED_FORMATS:
            data = self.render(ext)
        else:
            raise DiffcError(f"cannot save a graph as {path!r}: unknown extension",
                             hint="name the file .svg, .png, .pdf or .dot")
        with open(path, "wb") as fh:
            fh.write(data)
        return path

    def _repr_svg_(self):
        if shutil.which("dot") is None:
            return None
        return self.render("svg").decode("utf-8")

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": repr(self) if shutil.which("dot") else self.dot}
        svg = self._repr_svg_()
        if svg is not None:
            bundle["image/svg+xml"] = svg
        return bundle


# -- building -----------------------------------------------------------------------
def graph(f, *args, wrt=None, **kwargs):
    """The computational graph of ``f``, with values and gradients at ``args``.

    Without arguments the graph shows structure only. ``wrt`` (parameter names or
    indices) limits the gradients drawn; by default every float argument gets one, or,
    for a function decorated with ``diffc.grad``, those it differentiates.
    """
    fn = getattr(f, "primal", f)
    decorated = wrt is None and fn is not f and getattr(f, "wrt", None) is not None
    if decorated:
        wrt = tuple(f.wrt)                # a diffc.grad: the gradient it was asked for
    if args or kwargs:
        bound = inspect.signature(fn).bind(*args, **kwargs)
        bound.apply_defaults()
        args = tuple(bound.arguments.values())
    return graph_of(source.from_function(fn), args or None, wrt, floats_only=decorated)


def graph_of(src, args=None, wrt=None, floats_only=False):
    """The graph of a ``SourceFunction``; ``args``: example values, or None.
    ``floats_only``: of ``wrt`` (a decorator's), only the arguments that are floats."""
    notes = []
    if args is None:
        func = pipeline.lower(src)
        return Graph(func.name, *_draw(func, None, notes))
    wrt = _wrt_indices(src, args, wrt)
    if floats_only:
        wrt = tuple(i for i in wrt if _is_float(args[i]))
    if not wrt:
        notes.append("no float parameter: gradients are not shown (pass floats, e.g. 2.0, not 2)")
    tr = pipeline.trace(src, args, wrt)
    if wrt and not tr.adjoints:
        notes.append(_why_no_gradient(tr))
    return Graph(tr.func.name, *_draw(tr.func, tr, notes))


def _why_no_gradient(tr):
    result = tr.func.results[0] if tr.func.results else None
    shape = tr.facts.shape(result) if result is not None else None
    if shape:
        return f"the result has shape {shape}, not a scalar: gradients are not shown"
    return "the result does not depend on the float parameters: gradients are not shown"


def _wrt_indices(src, args, wrt):
    params = [a.arg for a in src.node.args.posonlyargs + src.node.args.args + src.node.args.kwonlyargs]
    if wrt is None:
        return tuple(i for i, a in enumerate(args) if _is_float(a))
    items = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    indices = []
    for w in items:
        if isinstance(w, str) and w in params:
            indices.append(params.index(w))
        elif isinstance(w, int) and -len(params) <= w < len(params):
            indices.append(w % len(params))
        else:
            raise DiffcError(f"wrt={w!r} is not a parameter of {src.name}",
                             src.loc(), f"its parameters are {', '.join(params)}")
    return tuple(indices)


def _is_float(value):
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return dtype.kind == "f"
    return isinstance(value, float)


def _draw(func, tr, notes):
    """``(nodes, edges, notes, clusters)`` for IR ``func``: a node per statement, a loop
    drawn as a cluster around one iteration of its body."""
    drawing = _Drawing(tr)
    for i, var in enumerate(func.params):
        drawing.producer[var] = f"in{i}"
        drawing.nodes.append(Node(f"in{i}", var.hint or var.name, "input"))
    drawing.block(func.body, "op", "")
    drawing.nodes.append(Node("out", func.name, "output"))
    for atom in func.results:
        for var in atoms_in(atom):
            if var in drawing.producer:
                drawing.edges.append(_edge(drawing.producer[var], "out", var, tr, None, 0))
    if drawing.clusters and tr is not None:
        notes = [*notes, "inside a loop, edges show the values of its last iteration"]
    return drawing.nodes, drawing.edges, notes, drawing.clusters


class _Drawing:
    """Nodes and edges drawn so far, and which node produces each Var."""

    def __init__(self, tr):
        self.tr = tr
        self.nodes, self.edges, self.producer, self.clusters = [], [], {}, {}

    def block(self, body, prefix, cluster):
        for i, stmt in enumerate(body):
            node_id = f"{prefix}{i}"
            if cluster and stmt.role is not Role.PRIMAL:
                continue            # what the reverse pass added to a loop (its tape's push)
            if isinstance(stmt, Loop):
                self.loop(stmt, node_id, cluster)
                continue
            node = Node(node_id, op_label(stmt), "op", _where(stmt), cluster)
            self.nodes.append(node)
            self.uses(stmt, node.id, _operands(stmt), cluster)
            for out in stmt.outs:
                self.producer[out] = node.id

    def uses(self, stmt, head, operands, cluster):
        """Edges into ``head`` from each operand: constants get a node of their own."""
        counts = {}
        for j, atom in enumerate(operands):
            if isinstance(atom, Const):
                self.nodes.append(Node(f"c{head}_{j}", format_value(atom.value), "const",
                                       cluster=cluster))
                self.edges.append(Edge(f"c{head}_{j}", head, ""))
            elif atom in self.producer:
                use = counts[atom] = counts.get(atom, -1) + 1
                self.edges.append(_edge(self.producer[atom], head, atom, self.tr, (atom, id(stmt)), use))

    def loop(self, stmt, node_id, cluster):
        """A cluster holding the loop's carried values and one iteration of its body."""
        inner = f"cluster_{node_id}"
        header = stmt.loc.text.strip().rstrip(":") if stmt.loc is not None and stmt.loc.text else stmt.kind
        self.clusters[inner] = (f"{header}  (one iteration)", cluster)
        params = stmt.body.params
        sources = ([stmt.iterable] if stmt.kind == "for" else []) + list(stmt.inits)
        for k, (param, source) in enumerate(zip(params, sources)):
            pid = f"{node_id}p{k}"
            self.nodes.append(Node(pid, param.hint or param.name, "carried", _where(stmt), inner))
            self.uses(stmt, pid, atoms_in(source), cluster)
            self.producer[param] = pid
        self.block(stmt.body.body, f"{node_id}_", inner)
        carried = params[1:] if stmt.kind == "for" else params
        for param, result in zip(carried, stmt.body.results):
            for var in atoms_in(result):
                if var in self.producer:
                    self.edges.append(Edge(self.producer[var], self.producer[param],
                                           "next iteration", back=True))
        for out, result in zip(stmt.outs, stmt.body.results):
            found = [self.producer[v] for v in atoms_in(result) if v in self.producer]
            if found:
                self.producer[out] = found[0]


def _edge(tail, head, var, tr, use_key, use):
    edge = Edge(tail, head, var.hint or var.name)
    if tr is None or var not in tr.facts.values:
        return edge
    edge.value = format_value(tr.forward.get(var, tr.facts.values[var]))
    if use_key is None:
        grad = tr.adjoints.get(var)
    else:
        sent = tr.contributions.get(use_key, [])
        grad = sent[use] if use < len(sent) else None
    if grad is not None and all(v in tr.facts.values for v in atoms_in(grad)):
        edge.grad = format_value(tr.facts.value(grad))
    return edge


def _operands(stmt):
    """What a node draws an edge from: Vars, and numeric constants (as constant nodes)."""
    if not isinstance(stmt, Eqn):
        return list(dict.fromkeys(stmt.inputs()))
    drawn = []
    for k, arg in enumerate(stmt.args):
        shown_in_label = stmt.prim == "constant" or (k == 1 and stmt.prim in ("getitem", "setitem"))
        if isinstance(arg, Const) and _is_number(arg.value) and not shown_in_label:
            drawn.append(arg)
        else:
            drawn.extend(atoms_in(arg))
    for arg in stmt.kwargs.values():
        drawn.extend(atoms_in(arg))
    return drawn


def _is_number(value):
    return isinstance(value, (int, float, complex, np.number)) and not isinstance(value, bool)


def _where(stmt):
    loc = stmt.loc
    return f"{loc.short}  {loc.text.strip()}" if loc is not None and loc.text else ""


# -- labels -------------------------------------------------------------------------
def op_label(stmt):
    """What a node shows: ``+``, ``exp``, ``[0, :]``, ``sum axis=1``, ``for``."""
    if not isinstance(stmt, Eqn):
        return stmt.kind if isinstance(stmt, Loop) else stmt.prim
    if stmt.prim in ("getitem", "setitem") and len(stmt.args) >= 2:
        return f"[{atom_text(stmt.args[1])}]" + ("=" if stmt.prim == "setitem" else "")
    if stmt.prim == "constant":
        return format_value(stmt.args[0].value) if isinstance(stmt.args[0], Const) else "constant"
    extras = [atom_text(a) for a in stmt.args if isinstance(a, Const) and not _is_number(a.value)]
    extras += [f"{k}={atom_text(v)}" for k, v in stmt.kwargs.items() if not isinstance(v, Var)]
    return " ".join([op_symbol(stmt.prim), *extras])


def op_symbol(prim_name):
    """The symbol of a primitive: ``+`` for add, ``exp`` for numpy.exp, ``.T`` for ndarray.T."""
    try:
        names = primitives.get(prim_name).source_names
    except KeyError:
        return prim_name
    for name in names:
        if name.startswith("operator.") and name[9:] in _OPERATOR_SYMBOLS:
            return _OPERATOR_SYMBOLS[name[9:]]
    for prefix, shown in (("numpy.", "{}"), ("builtins.", "{}"), ("math.", "{}"), ("ndarray.", ".{}")):
        for name in names:
            if name.startswith(prefix):
                return shown.format(name[len(prefix):])
    return prim_name


def atom_text(atom):
    """An argument as the user would write it: ``0``, ``:``, ``1:3``, ``i``, ``(0, :)``."""
    if isinstance(atom, Var):
        return atom.hint or atom.name
    if isinstance(atom, Const):
        return _const_text(atom.value)
    if atom.kind == "slice":
        parts = ["" if isinstance(p, Const) and p.value is None else atom_text(p) for p in atom.items]
        return ":".join(parts[:2] if parts[2:] == [""] else parts)
    inner = ", ".join(atom_text(i) for i in atom.items)
    return f"[{inner}]" if atom.kind == "list" else inner


def _const_text(value):
    if isinstance(value, slice):
        parts = ["" if p is None else str(p) for p in (value.start, value.stop, value.step)]
        return ":".join(parts[:2] if parts[2] == "" else parts)
    if value is Ellipsis:
        return "..."
    if _is_number(value):
        return format_value(value)
    return repr(value)


def format_value(value):
    """A value for an edge: scalars as ``%.4g``, small vectors in full, arrays by shape."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    if isinstance(value, (complex, np.complexfloating)):
        return f"{complex(value):.4g}"
    if isinstance(value, np.ndarray):
        return _array_text(value)
    text = repr(value)
    return text if len(text) <= 24 else text[:21] + "..."


def _array_text(a):
    if a.ndim == 0:
        return format_value(a.item())
    if a.ndim == 1 and a.size <= 4:
        return "[" + ", ".join(format_value(v) for v in a.tolist()) + "]"
    shape = "x".join(map(str, a.shape))
    if a.size == 0 or a.dtype.kind not in "iuf":
        return f"{shape} {a.dtype}"
    return f"{shape} in [{format_value(a.min())}, {format_value(a.max())}]"


# -- DOT and Graphviz --------------------------------------------------------------------
def to_dot(g):
    """Graphviz DOT text: left to right, values above the edges, gradients below in red."""
    lines = [f"digraph {_quote(g.name)} {{", '  rankdir=LR; fontname="Helvetica";',
             '  node [fontname="Helvetica", fontsize=12];',
             '  edge [fontname="Helvetica", fontsize=11, arrowsize=0.7];']
    lines += [f"  // {note}" for note in g.notes]
    if any(e.grad is not None for e in g.edges):
        lines.append(f'  label=<forward values above each edge, <FONT COLOR="{GRADIENT_COLOR}">'
                     f'gradients below</FONT>>; labelloc=b; fontsize=10;')
    lines += _cluster_lines(g, "", "  ")
    lines += [f"  {_quote(e.tail)} -> {_quote(e.head)} [{_edge_attrs(e)}];" for e in g.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _cluster_lines(g, cluster, indent):
    """The nodes of ``cluster`` ("" for the top level) and, nested, its loops' clusters."""
    lines = [f"{indent}{_quote(n.id)} [{_node_attrs(n)}];" for n in g.nodes if n.cluster == cluster]
    for inner, (label, outer) in g.clusters.items():
        if outer == cluster:
            lines.append(f"{indent}subgraph {_quote(inner)} {{")
            lines.append(f'{indent}  label={_quote(label)}; style="rounded,dashed"; color=gray50; '
                         f'fontsize=10;')
            lines += _cluster_lines(g, inner, indent + "  ")
            lines.append(f"{indent}}}")
    return lines


def _node_attrs(n):
    attrs = {"label": _quote(n.label)}
    if n.kind == "op":
        attrs["shape"] = "circle" if len(n.label) <= 3 else "ellipse"
    else:
        attrs["shape"] = "plaintext"
    if n.kind == "const":
        attrs["fontcolor"] = "gray35"
    if n.tooltip:
        attrs["tooltip"] = _quote(n.tooltip)
    return ", ".join(f"{k}={v}" for k, v in attrs.items())


def _edge_attrs(e):
    if e.back:
        return f'label={_quote(e.name)}, style=dashed, color=gray50, fontcolor="gray35", constraint=false'
    if e.value is None:
        return f'label={_quote(e.name)}, fontcolor="gray35"' if e.name else ""
    label = html.escape(e.value)
    if e.grad is not None:
        label += f'<BR/><FONT COLOR="{GRADIENT_COLOR}">{html.escape(e.grad)}</FONT>'
    return f"label=<{label}>, tooltip={_quote(e.name)}"


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_dot(dot_text, fmt):
    """Run Graphviz's ``dot`` on ``dot_text``; the picture's bytes."""
    if fmt not in RENDERED_FORMATS:
        raise DiffcError(f"cannot draw a graph as {fmt!r}", hint="use svg, png, pdf or dot")
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFound(f"drawing {fmt.upper()} needs Graphviz's `dot` program, "
                               f"which is not installed (or not on PATH)", hint=INSTALL_HINT)
    done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode("utf-8"),
                          capture_output=True, timeout=120)
    if done.returncode != 0:
        raise InternalError(f"Graphviz rejected the DOT diffc wrote: "
                            f"{done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout
