"""Strict parsing of what a person types, with one specific message per mistake.

Python's own number parsing is too generous for a calculator that must say why it refuses:
`int('١٢')` is 12 and `'²'.isdigit()` is True. Only ASCII digits, `+` and spaces pass here.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from .domain import Domain
from .printable import code_point

MAX_INPUT_CHARS = 200
"""Longer lines are refused before any work: no valid sum of 5 numbers needs this many."""

ASCII_DIGITS = frozenset("0123456789")
SPACES = " \t"


class ParseError(ValueError):
    """Input that is not a sum this model can answer; str(error) is the one-line reason."""


def _describe_char(ch: str) -> str:
    name = unicodedata.name(ch, None)
    shown = repr(ch) if ch.isprintable() and not ch.isspace() else code_point(ch)
    return f"{shown} ({name.lower()})" if name else shown


def _reject_character(text: str, index: int, domain: Domain) -> ParseError:
    ch = text[index]
    where = f"at column {index + 1}"
    if ch == "\x00":
        return ParseError(f"NUL byte {where}: type a sum such as 12+34")
    if ch == "-":
        return ParseError(f"'-' {where}: signs are not supported, this model {domain.describe()}")
    if ch in ".,":
        return ParseError(f"'{ch}' {where}: decimals are not supported, only whole numbers")
    if ch in "eE" and 0 < index < len(text) - 1 and text[index - 1] in ASCII_DIGITS:
        return ParseError(f"'{ch}' {where}: exponents are not supported, write the number out")
    if unicodedata.category(ch) == "Nd" or unicodedata.numeric(ch, None) is not None:
        return ParseError(
            f"{_describe_char(ch)} {where} is not an ASCII digit: use only 0-9 and +"
        )
    if ch in "*/×÷^%()=":
        return ParseError(f"'{ch}' {where}: only addition with + is supported")
    return ParseError(f"unexpected character {_describe_char(ch)} {where}: use only 0-9 and +")


@functools.cache
def _well_formed(terms: int) -> re.Pattern:
    """The shape of a valid sum of `terms` numbers; [0-9], not \\d, which admits any Unicode digit."""
    operand = r"[ \t]*([0-9]{1,40})[ \t]*"
    return re.compile(r"\+".join([operand] * terms) + r"[\r\n]*")


def parse_expression(text: str, domain: Domain) -> tuple[int, ...]:
    """`" 07 + 3 "` -> `(7, 3)`, or ParseError naming exactly what is wrong."""
    match = _well_formed(domain.terms).fullmatch(text) if len(text) <= MAX_INPUT_CHARS else None
    if match:  # the common case, in one regular-expression match
        operands = tuple(map(int, match.groups()))
        if max(operands) <= domain.max_operand:
            return operands
    if len(text) > MAX_INPUT_CHARS:
        raise ParseError(
            f"input too long ({len(text):,} characters; at most {MAX_INPUT_CHARS}): "
            f"this model {domain.describe()}"
        )
    text = text.rstrip("\r\n")  # a line ending is not part of the expression
    stripped = text.strip(SPACES)
    if not stripped:
        raise ParseError(f"empty input: type a sum such as 12+34 (this model {domain.describe()})")
    for index, ch in enumerate(text):
        if ch not in ASCII_DIGITS and ch != "+" and ch not in SPACES:
            raise _reject_character(text, index, domain)
    parts = stripped.split("+")
    operands = []
    for position, raw in enumerate(parts, start=1):
        part = raw.strip(SPACES)
        if not part:
            raise ParseError(f"missing number in term {position}: write it like 12+34")
        if any(ch in SPACES for ch in part):
            raise ParseError(f"space inside the number {part!r}: write it without spaces")
        operands.append(int(part))
    if len(operands) != domain.terms:
        raise ParseError(
            f"{len(operands)} number{'s' if len(operands) != 1 else ''} given, "
            f"but this model {domain.describe()}"
        )
    for value in operands:
        if value > domain.max_operand:
            raise ParseError(f"{value} is too large: this model {domain.describe()}")
    return tuple(operands)
