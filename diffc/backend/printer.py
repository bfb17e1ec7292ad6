"""Printing: ``ast`` → source text with the comments that tie it to the user's code.

``ast.unparse`` prints each statement; comments ride on statements as one annotation
the emitter sets (``comment_before``, ``comment_after``): ``Comments.before`` (lines
printed above) and ``Comments.after`` (printed at the end of the line, aligned). Compound
statements are printed header, then body.

A comment's text (a file name, a line of the user's source, a note) is printed on one
line whatever it holds: its line breaks are printed escaped (``\\n``), so nothing in it
can end the comment and become code. A docstring's backslashes are escaped likewise.
"""
from __future__ import annotations

import ast
import dataclasses
import math
import keyword

TRAILING_COLUMN = 36
# every character str.splitlines() breaks at (Python's own tokenizer breaks at \r and \n)
_LINE_BREAKS = {c: c.encode("unicode_escape").decode("ascii")
                for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}
_ONE_LINE = str.maketrans(_LINE_BREAKS)


@dataclasses.dataclass(frozen=True)
class Comments:
    """The comments printed with one ``ast`` statement."""
    before: tuple = ()         # whole lines, printed above it
    after: str = ""            # printed at the end of its (first) line, aligned


_NONE = Comments()
_ANNOTATION = "diffc_comments"  # the one attribute diffc sets on an ``ast`` statement


def comments(node) -> Comments:
    """The comments of ``node`` (none for a node the emitter did not annotate)."""
    return getattr(node, _ANNOTATION, _NONE)


def comment_before(node, *lines):
    """Print ``lines`` above ``node`` (in place of any set before)."""
    setattr(node, _ANNOTATION, dataclasses.replace(comments(node), before=lines))


def comment_after(node, text):
    """Print ``text`` at the end of ``node``'s line."""
    setattr(node, _ANNOTATION, dataclasses.replace(comments(node), after=text))


def one_line(text):
    """``text`` with its line breaks escaped: safe to print after ``#``."""
    return str(text).translate(_ONE_LINE)


def print_module(header_lines, nodes):
    """The text of a module: header comments, then each top-level node."""
    lines = [f"# {one_line(h)}" if h else "#" for h in header_lines]
    for node in nodes:
        node = _NegativeBases().visit(_DoubleMinus().visit(_Attributes().visit(node)))
        if lines and (isinstance(node, (ast.FunctionDef, ast.ClassDef)) or
                      lines[-1].startswith("import")) and lines[-1] != "":
            lines += ["", ""] if isinstance(node, ast.FunctionDef) else [""]
        _print_statement(node, "", lines)
    return "\n".join(lines).rstrip("\n") + "\n"


def _print_statement(node, indent, lines):
    for comment in comments(node).before:
        lines.append(f"{indent}# {one_line(comment)}")
    if isinstance(node, ast.FunctionDef):
        header = ast.unparse(ast.FunctionDef(node.name, node.args, [ast.Pass()], node.decorator_list,
                                             node.returns, lineno=0)).splitlines()
        lines.extend(indent + h for h in header[:-1])
        _print_body(node.body, indent + "    ", lines)
        return
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        _print_docstring(node.value.value, indent, lines)
        return
    if isinstance(node, (ast.For, ast.While, ast.If)):
        _print_compound(node, indent, lines)
        return
    if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and len(node.value.elts) > 1:
        text = ["return " + ", ".join(ast.unparse(e) for e in node.value.elts)]
    else:
        text = ast.unparse(node).splitlines()
    after = one_line(comments(node).after)
    if after and len(text) == 1:
        first = indent + text[0]
        text_line = first.ljust(TRAILING_COLUMN - 1) + f" # {after}" if len(first) < TRAILING_COLUMN - 1 \
            else f"{first}  # {after}"
        lines.append(text_line)
        return
    lines.extend(indent + t for t in text)


def _print_compound(node, indent, lines):
    if isinstance(node, ast.For):
        header = f"for {ast.unparse(node.target)} in {ast.unparse(node.iter)}:"
    elif isinstance(node, ast.While):
        header = f"while {ast.unparse(node.test)}:"
    else:
        header = f"if {ast.unparse(node.test)}:"
    first = indent + header
    after = one_line(comments(node).after)
    if after:
        first = first.ljust(TRAILING_COLUMN - 1) + f" # {after}" if len(first) < TRAILING_COLUMN - 1 \
            else f"{first}  # {after}"
    lines.append(first)
    _print_body(node.body or [ast.Pass()], indent + "    ", lines)
    orelse = node.orelse
    while isinstance(node, ast.If) and len(orelse) == 1 and isinstance(orelse[0], ast.If) \
            and not comments(orelse[0]).before:
        node = orelse[0]
        lines.append(f"{indent}elif {ast.unparse(node.test)}:")
        _print_body(node.body or [ast.Pass()], indent + "    ", lines)
        orelse = node.orelse
    if orelse:
        lines.append(f"{indent}else:")
        _print_body(orelse, indent + "    ", lines)


def _print_docstring(doc, indent, lines):
    doc = doc.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if doc.endswith('"'):
        doc = doc[:-1] + '\\"'             # not a fourth quote before the closing three
    doc_lines = doc.splitlines()
    if len(doc_lines) == 1:
        lines.append(f'{indent}"""{doc_lines[0]}"""')
        return
    lines.append(f'{indent}"""{doc_lines[0]}')
    lines.extend(f"{indent}{d}" if d else "" for d in doc_lines[1:])
    lines.append(f'{indent}"""')


def _print_body(body, indent, lines):
    for stmt in body:
        _print_statement(stmt, indent, lines)


class _Attributes(ast.NodeTransformer):
    """``getattr(obj, 'name')`` printed ``obj.name``, and ``setattr(obj, 'name', v)`` as a
    statement ``obj.name = v`` (the forms the templates for objects' attributes and random
    draws take), as the user wrote them."""

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) == 2 \
                and not node.keywords and _is_name(node.args[1]):
            return ast.copy_location(ast.Attribute(node.args[0], node.args[1].value, ast.Load()), node)
        return node

    def visit_Expr(self, node):
        self.generic_visit(node)
        call = node.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "setattr" \
                and len(call.args) == 3 and not call.keywords and _is_name(call.args[1]):
            target = ast.Attribute(call.args[0], call.args[1].value, ast.Store())
            new = ast.Assign([target], call.args[2], lineno=getattr(node, "lineno", 1))
            new.__dict__.update({k: v for k, v in node.__dict__.items() if k.startswith("diffc_")})
            return new
        return node


def _is_name(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier() \
        and not keyword.iskeyword(node.value)


def _negative_number(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
        and not isinstance(node.value, bool) and math.copysign(1.0, node.value) < 0


class _DoubleMinus(ast.NodeTransformer):
    """``-(-x)`` is ``x`` (exactly, for every number and array NumPy negates): written so,
    since ``ast.unparse`` would print it ``--x`` (a function inlined with a negated
    argument: ``sigmoid(-z)`` of ``1 / (1 + np.exp(-x))``)."""

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.UnaryOp) \
                and isinstance(node.operand.op, ast.USub):
            return node.operand.operand
        return node


class _NegativeBases(ast.NodeTransformer):
    """A negative number where it binds tighter than its own minus sign: ``ast.unparse``
    prints ``Constant(-1) ** n`` as ``-1 ** n``, which Python reads as ``-(1 ** n)``. It is
    printed ``(-1) ** n`` (also as the base of an attribute, subscript or call)."""

    @staticmethod
    def _wrapped(node):
        if _negative_number(node):
            return ast.UnaryOp(ast.USub(), ast.Constant(-node.value))
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):
            node.left = self._wrapped(node.left)
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        node.value = self._wrapped(node.value)
        return node

    def visit_Subscript(self, node):
        self.generic_visit(node)
        node.value = self._wrapped(node.value)
        return node
