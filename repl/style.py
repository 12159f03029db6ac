"""When to colour, the one table of styles, and the one-line error format every part shares.

Colour only on a terminal, never with NO_COLOR set (https://no-color.org) or --no-color.
"""

from __future__ import annotations

import os
import sys

from ..core.printable import visible

_NO_COLOR_FLAG = False

STYLES = {
    # class: (ANSI SGR code for text streams, prompt-toolkit style for the session)
    "ok": ("32", "ansigreen"),
    "wrong": ("31", "ansired"),
    "unsure": ("33;1", "ansiyellow bold"),
    "warning": ("33", "ansiyellow"),
    "dim": ("2", "#888888"),
    "prediction": ("1", "bold"),
    "bar": ("36", "ansicyan"),
    "error": ("31", "ansired"),
}
PROMPT_TOOLKIT_STYLES = {name: pt for name, (_, pt) in STYLES.items()}


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


ANSI_COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
"""prompt-toolkit's `ansigreen` and the like, in the order of their SGR codes (30 + index)."""


def _colour_code(value: str, ground: int) -> str | None:
    """The SGR code of a prompt-toolkit colour: `#rrggbb` (24-bit) or `ansigreen` (the basic 8)."""
    if value.startswith("#") and len(value) == 7:
        red, green, blue = (int(value[i : i + 2], 16) for i in (1, 3, 5))
        return f"{ground + 8};2;{red};{green};{blue}"
    name = value.removeprefix("ansi")
    return str(ground + ANSI_COLOURS.index(name)) if name in ANSI_COLOURS else None


def sgr(style: str) -> str:
    """The ANSI SGR codes of a prompt-toolkit style string: `class:ok`, `fg:#2166ac bg:ansired`."""
    codes = []
    for token in style.split():
        kind, _, value = token.partition(":")
        if kind == "class" and value in STYLES:
            codes.append(STYLES[value][0])
        elif kind in ("fg", "bg"):
            codes.append(_colour_code(value, 30 if kind == "fg" else 40))
    return ";".join(code for code in codes if code)


def ansi_styled(text: str, name: str) -> str:
    """`text` wrapped in the ANSI codes of style class `name` (unchanged for no such class)."""
    return ansi_text(text, f"class:{name}")


def ansi_text(text: str, style: str) -> str:
    """`text` wrapped in the ANSI codes of a prompt-toolkit style string (unchanged for none)."""
    code = sgr(style)
    return f"\x1b[{code}m{text}\x1b[0m" if code and text else text


def paint(text: str, name: str, stream) -> str:
    """`text` in style class `name` when `stream` is a colour terminal, else as it is."""
    return ansi_styled(text, name) if color_enabled(stream) else text


def error_line(message: str, stream=None) -> None:
    """One red line on stderr (plain when stderr is not a terminal), control characters shown."""
    stream = stream or sys.stderr
    stream.write(paint(f"error: {visible(message)}", "error", stream) + "\n")
    stream.flush()


def warning_line(message: str, stream=None) -> None:
    stream = stream or sys.stderr
    stream.write(paint(f"warning: {visible(message)}", "warning", stream) + "\n")
    stream.flush()
