"""When to colour, and the one-line error format every part of the interface shares.

Colour only on a terminal, never with NO_COLOR set (https://no-color.org) or --no-color.
"""

from __future__ import annotations

import os
import sys

from ..core.printable import visible

_NO_COLOR_FLAG = False


def disable_color() -> None:
    global _NO_COLOR_FLAG
    _NO_COLOR_FLAG = True


def color_enabled(stream) -> bool:
    if _NO_COLOR_FLAG or os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


ANSI = {"red": "31", "green": "32", "yellow": "33", "dim": "2", "bold": "1", "cyan": "36"}


def paint(text: str, color: str, stream) -> str:
    if not color_enabled(stream):
        return text
    return f"\x1b[{ANSI[color]}m{text}\x1b[0m"


def error_line(message: str, stream=None) -> None:
    """One red line on stderr (plain when stderr is not a terminal), control characters shown."""
    stream = stream or sys.stderr
    stream.write(paint(f"error: {visible(message)}", "red", stream) + "\n")
    stream.flush()


def warning_line(message: str, stream=None) -> None:
    stream = stream or sys.stderr
    stream.write(paint(f"warning: {visible(message)}", "yellow", stream) + "\n")
    stream.flush()
