"""Control characters made visible, for every string from outside that reaches a terminal.

A model file, a file name or an input line can hold characters a terminal acts on instead of
showing: escape sequences, bell, carriage return, backspace, bidirectional overrides (U+202E),
zero-width characters (U+200B), line and paragraph separators (U+2028), and lone surrogates,
which cannot be written at all. Every character Python does not call printable
(`str.isprintable`: control, format, surrogate, private-use and unassigned code points, and
spaces other than the ASCII space) is shown as its code point, `<U+0007>`, the way the parser
names characters. Sanitise values, not whole outputs: text seqsum builds keeps its newlines.
"""

from __future__ import annotations

import re

_HIDDEN = re.compile(r"[^\x20-\x7e]")


def code_point(ch: str) -> str:
    """`U+0007`: how seqsum names a character."""
    return f"U+{ord(ch):04X}"


def _shown(match: re.Match) -> str:
    ch = match.group()
    return ch if ch.isprintable() else f"<{code_point(ch)}>"


def visible(value: object, limit: int | None = None) -> str:
    """str(value) with every non-printable character as `<U+XXXX>`; cut to `limit` characters
    of the original, with a note of its length, when it is longer."""
    text = str(value)
    cut = limit is not None and len(text) > limit
    shown = text[:limit] if cut else text
    if not shown.isprintable():
        shown = _HIDDEN.sub(_shown, shown)
    return f"{shown}… ({len(text):,} characters)" if cut else shown


def _json_escape(match: re.Match) -> str:
    ch = match.group()
    if ch.isprintable() or ch == "\n":  # a raw newline in JSON text is indentation, not data
        return ch
    data = ch.encode("utf-16-le", "surrogatepass")  # a pair of escapes above U+FFFF
    return "".join(f"\\u{int.from_bytes(data[i:i + 2], 'little'):04x}" for i in range(0, len(data), 2))


def visible_json(dumped: str) -> str:
    """JSON text (json.dumps with ensure_ascii=False) with every non-printable character written
    as a \\u escape: the same JSON value, nothing a terminal acts on, and always encodable."""
    return dumped if dumped.isprintable() else _HIDDEN.sub(_json_escape, dumped)


def value_text(value: object, limit: int = 80) -> str:
    """Any JSON value for a line of text: strings and numbers as written (made visible, cut to
    `limit`), lists and objects named, not expanded (they can nest deeper than repr can go)."""
    if isinstance(value, (list, tuple)):
        return f"(a list of {len(value):,})"
    if isinstance(value, dict):
        return f"(an object of {len(value):,} fields)"
    return visible(value, limit)


def quoted(value: object, limit: int = 80) -> str:
    """value_text for a message, with strings in quotes so an empty or spaced one shows."""
    return f"'{visible(value, limit)}'" if isinstance(value, str) else value_text(value, limit)
