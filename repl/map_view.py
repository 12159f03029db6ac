"""The domain map on a terminal (`:map`), as prompt-toolkit fragments like repl/render.py.

In colour every character draws two rows: ▀ in the upper row's colour over a background in the
lower row's, so the default domain's 100 x 100 pairs fill 100 columns by 50 lines. Without colour
(NO_COLOR, --no-color, not a terminal) every row is one line, one character per cell, and the
categories are told apart by the characters alone.
"""

from __future__ import annotations

import shutil

from ..core.domain_map import CATEGORIES, DomainMap
from ..core.frames import MAP_SIDE
from .liveline import LiveLine
from .render import Fragments

TERMINAL_COLOURS = ("ansigreen", "ansicyan", "ansiyellow", "ansired", "ansimagenta")  # by class, as COLOURS
MARKS = (".", "?", "x", "#", "!")  # by class, when there is no colour
FORGOTTEN_NAME = "forgotten: right the epoch before"  # the class core.history.FORGOTTEN, when shown
HALF_BLOCK = "▀"
TICK = 10  # cells between axis labels


def cells_that_fit(max_operand: int, columns: int | None = None) -> int:
    """Cells per side that fit the terminal beside the row labels (at most MAP_SIDE)."""
    columns = columns or shutil.get_terminal_size((MAP_SIDE + 10, 40)).columns
    return max(TICK, min(MAP_SIDE, columns - label_width(max_operand) - 2))


def label_width(max_operand: int) -> int:
    return len(str(max_operand)) + 1


def _merged(fragments: Fragments) -> Fragments:
    """Neighbouring fragments of one style as one (a map line is 100 characters, not 100 parts)."""
    out: Fragments = []
    for style, text in fragments:
        if out and out[-1][0] == style:
            out[-1] = (style, out[-1][1] + text)
        else:
            out.append((style, text))
    return out


def _column_labels(domain_map: DomainMap, margin: int) -> str:
    line = " " * margin
    for column in range(0, domain_map.cells.shape[1], TICK):
        line = line.ljust(margin + column) + str(domain_map.span(column)[0])
    return line


def _row_label(domain_map: DomainMap, row: int, width: int) -> str:
    return f"{domain_map.span(row)[0]:>{width - 1}} " if row % TICK == 0 else " " * width


def map_lines(domain_map: DomainMap, color: bool) -> Fragments:
    """The grid with its axis labels: half blocks in colour, one character per cell without."""
    cells = domain_map.cells
    width = label_width(domain_map.domain.max_operand)
    out: Fragments = [("class:dim", _column_labels(domain_map, width) + "\n")]
    step = 2 if color else 1
    for row in range(0, cells.shape[0], step):
        line: Fragments = [("class:dim", _row_label(domain_map, row, width))]
        for column in range(cells.shape[1]):
            upper = cells[row, column]
            if not color:
                line.append(("", MARKS[upper]))
                continue
            style = f"fg:{TERMINAL_COLOURS[upper]}"
            if row + 1 < cells.shape[0]:
                style += f" bg:{TERMINAL_COLOURS[cells[row + 1, column]]}"
            line.append((style, HALF_BLOCK))
        out += _merged(line) + [("", "\n")]
    return out


def legend(domain_map: DomainMap, color: bool, forgotten: int | None = None) -> Fragments:
    """The four categories with their colour (or character) and how many answers fell in each;
    and the cells forgotten since the epoch before, when `forgotten` counts them."""
    how = ("each character is two rows: the upper in front, the lower behind" if color
           else "one line per row, one character per cell")
    out: Fragments = [("class:dim", f"  {how}; counts are {domain_map.counted}\n")]
    names = [*CATEGORIES, *([FORGOTTEN_NAME] if forgotten is not None else [])]
    counts = [*domain_map.counts.tolist(), *([forgotten] if forgotten is not None else [])]
    name_width = max(map(len, names))
    for category, (name, count) in enumerate(zip(names, counts)):
        swatch = (f"fg:{TERMINAL_COLOURS[category]}", "██") if color else ("", f"{MARKS[category]} ")
        out += [("", "  "), swatch, ("", f" {name:<{name_width}} {count:>12,}\n")]
    return out


def fragments(domain_map: DomainMap, color: bool, title: str, forgotten: int | None = None) -> Fragments:
    """The whole :map output: title, notes, the grid with axis labels, the legend. A map whose
    cells include the forgotten class (core.history.FORGOTTEN) gives `forgotten`, their count."""
    header = f"{title}: first operand down, second across"
    notes = "".join(f"  {note}\n" for note in domain_map.notes)
    return [("class:prediction", header + "\n"), ("", notes),
            *map_lines(domain_map, color), *legend(domain_map, color, forgotten)]


def lines_of(domain_map: DomainMap, color: bool, forgotten: bool = False) -> int:
    """How many lines `fragments` draws for this map."""
    rows = domain_map.cells.shape[0]
    return 1 + len(domain_map.notes) + 1 + (-(-rows // 2) if color else rows) + 1 + 4 + forgotten


class MapProgress(LiveLine):
    """`progress(done, total)` for map_domain: a percentage redrawn on one line of a terminal
    (stderr by default), cleared when the `with` block ends, however it ends."""

    def __init__(self, stream=None):
        super().__init__(stream)
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        share = done * 100 // max(1, total)
        if not self.live or share == self.shown:
            return
        self.shown = share
        self.redraw(f"map: {share}% of {total:,} sums answered (Ctrl-C cancels)")

    def __enter__(self) -> MapProgress:
        return self

    def __exit__(self, *exception) -> None:
        self.finish()
