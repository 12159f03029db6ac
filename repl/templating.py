"""The views of the web page and the notebook, from one set of templates (repl/web/templates.html).

A template is HTML with a few tags of its own: {{name}} puts a value as text (escaped), a
section {{#name}}...{{/name}} repeats for each item of a list or shows when name is true (an
inverted one, {{^name}}, when it is false or empty), and {{>name}} puts another template. Values
are strings, whole numbers, booleans, lists and objects; a fraction must be formatted first, so
that Python and JavaScript write the same text. This module renders them as HTML text (the
notebook, the page's parts drawn when it is written); repl/web/views.js parses the very same
templates and builds DOM nodes from them in the browser (the page's live answer and trace),
never markup.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib.resources import files

TOKEN = re.compile(
    r"\{\{([#^/>]?)\s*([A-Za-z_][\w.-]*|\.)\s*\}\}|<(/?)([A-Za-z][\w:-]*)((?:\s+[^\s=/>]+(?:=\"[^\"]*\")?)*)\s*(/?)>"
)
ATTRIBUTE = re.compile(r"([^\s=/>]+)(?:=\"([^\"]*)\")?")
VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][\w.-]*|\.)\s*\}\}")
TEMPLATE = re.compile(r'<template id="([\w-]+)">(.*?)</template>', re.S)


class TemplateError(ValueError):
    """A template that does not parse, or a view that does not fit it: a bug in seqsum."""


@dataclass
class Node:
    kind: str  # "element", "text", "section", "partial"
    name: str = ""  # tag, section or partial name
    parts: list = field(default_factory=list)  # text: literal strings and ("var", name) pairs
    attributes: list = field(default_factory=list)  # element: (name, parts)
    children: list = field(default_factory=list)
    inverted: bool = False
    closed: bool = False  # element written <tag ... />


def _parts(text: str) -> list:
    """Literal text and {{name}} variables, in order."""
    parts, position = [], 0
    for match in VARIABLE.finditer(text):
        if match.start() > position:
            parts.append(text[position : match.start()])
        parts.append(("var", match.group(1)))
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return parts


def parse(source: str) -> list[Node]:
    """A template's nodes. Text that is only whitespace with a line break is layout, dropped."""
    root = Node("root")
    stack = [root]
    position = 0

    def text(chunk: str) -> None:
        if chunk and not (chunk.strip() == "" and "\n" in chunk):
            stack[-1].children.append(Node("text", parts=_parts(chunk)))

    for match in TOKEN.finditer(source):
        text(source[position : match.start()])
        position = match.end()
        sigil, name, closing, tag, attributes, self_closing = match.groups()
        if tag is None:  # a mustache tag that is not a plain variable
            if sigil in "#^" and sigil:
                node = Node("section", name=name, inverted=sigil == "^")
                stack[-1].children.append(node)
                stack.append(node)
            elif sigil == "/":
                if stack[-1].kind != "section" or stack[-1].name != name:
                    raise TemplateError(f"{{{{/{name}}}}} closes {stack[-1].kind} {stack[-1].name!r}")
                stack.pop()
            elif sigil == ">":
                stack[-1].children.append(Node("partial", name=name))
            else:
                stack[-1].children.append(Node("text", parts=[("var", name)]))
        elif closing:
            if stack[-1].kind != "element" or stack[-1].name != tag:
                raise TemplateError(f"</{tag}> closes {stack[-1].kind} {stack[-1].name!r}")
            stack.pop()
        else:
            node = Node(
                "element",
                name=tag,
                closed=bool(self_closing),
                attributes=[(a, _parts(v or "")) for a, v in ATTRIBUTE.findall(attributes)],
            )
            stack[-1].children.append(node)
            if not self_closing:
                stack.append(node)
    text(source[position:])
    if len(stack) != 1:
        raise TemplateError(f"{stack[-1].kind} {stack[-1].name!r} is never closed")
    return root.children


@functools.cache
def sources() -> dict[str, str]:
    """Every template's source, by name, as the page's script receives them."""
    text = (files(__package__) / "web" / "templates.html").read_text(encoding="utf-8")
    return {name: body for name, body in TEMPLATE.findall(text)}


@functools.cache
def template(name: str) -> tuple[Node, ...]:
    return tuple(parse(sources()[name]))


def escape(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;").replace("'", "&#39;") if quote else text


def _lookup(name: str, stack: list):
    if name == ".":
        return stack[-1]
    for context in reversed(stack):
        if isinstance(context, dict) and name in context:
            return context[name]
    raise TemplateError(f"the view has no {name!r}")


def _text(value, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TemplateError(f"{name!r} is {type(value).__name__}: a view gives text or whole numbers")
    return str(value)


def _write(nodes, stack: list, out: list[str]) -> None:
    for node in nodes:
        if node.kind == "text":
            out.append(
                "".join(
                    escape(p if isinstance(p, str) else _text(_lookup(p[1], stack), p[1])) for p in node.parts
                )
            )
        elif node.kind == "element":
            out.append(f"<{node.name}")
            for attribute, parts in node.attributes:
                value = "".join(p if isinstance(p, str) else _text(_lookup(p[1], stack), p[1]) for p in parts)
                out.append(f' {attribute}="{escape(value, quote=True)}"')
            if node.closed:
                out.append(" />")
                continue
            out.append(">")
            _write(node.children, stack, out)
            out.append(f"</{node.name}>")
        elif node.kind == "partial":
            _write(template(node.name), stack, out)
        else:
            value = _lookup(node.name, stack)
            if node.inverted:
                if not value:
                    _write(node.children, stack, out)
            elif isinstance(value, list):
                for item in value:
                    _write(node.children, [*stack, item], out)
            elif value:
                _write(node.children, [*stack, value], out)


def render(name: str, view: dict) -> str:
    """The template `name` filled in with `view`, as HTML text."""
    out: list[str] = []
    _write(template(name), [view], out)
    return "".join(out)
