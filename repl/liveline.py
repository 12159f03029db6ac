"""Text redrawn in place on a terminal: one line (progress) or a block of lines (the live map
while training), and what lasts on a pipe or in a log, where nothing is redrawn."""

from __future__ import annotations

import os
import re
import shutil
import sys

from ..core.printable import visible

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
"""A terminal control sequence, as the blocks drawn here use them (colours, cursor moves)."""


class LiveLine:
    """A line redrawn in place on a terminal stream (stderr by default), for every progress
    display; `live` is False on a pipe or log, where only lasting lines are written. Control
    characters in the text are shown, never acted on."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = _isatty(self.stream)
        self._dirty = False
        self._block = 0  # lines of the block drawn above the live line (see replace_block)

    def redraw(self, text: str) -> None:
        """`text` in place of the live line, cut to the terminal's width: a line that wrapped
        would leave its first row behind at the next redraw."""
        columns, _ = terminal_size(self.stream)
        self.stream.write("\r\x1b[2K" + visible(text)[:max(1, columns - 1)])
        self.stream.flush()
        self._dirty = True

    def write_line(self, text: str) -> None:
        """A lasting line, in place of the live one if one is drawn."""
        prefix = "\r\x1b[2K" if self._dirty else ""
        self.stream.write(prefix + visible(text) + "\n")
        self.stream.flush()
        self._dirty = False

    def replace_block(self, lasting: list[str], block: str, columns: int) -> None:
        """Lines that last, then a block of lines (text we drew, each ending in a newline, colour
        codes and all) in place of the block drawn before; the live line goes below it. The
        caller keeps the block within the terminal's height, or the cursor cannot climb back;
        `columns` is the width it was drawn for (a longer line wraps, and takes more rows)."""
        self.stream.write("\r\x1b[2K" + (f"\x1b[{self._block}F\x1b[J" if self._block else ""))
        self.stream.write("".join(visible(line) + "\n" for line in lasting) + block)
        self.stream.flush()
        self._dirty, self._block = False, _rows(block, columns)

    def finish(self) -> None:
        """Clear the live line, if one is drawn (a block stays, as the last picture)."""
        if self._dirty:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._dirty = False


def _rows(block: str, columns: int) -> int:
    """Terminal rows `block` takes, counting each line that wraps (colour codes take none)."""
    widths = (len(ANSI.sub("", line)) for line in block.split("\n")[:-1])
    return sum(max(1, -(-width // max(1, columns))) for width in widths)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def terminal_size(stream) -> tuple[int, int]:
    """(columns, lines) of the terminal `stream` writes to, else of the one stdout writes to."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, ValueError, OSError):
        size = shutil.get_terminal_size()
    return size.columns, size.lines
