"""Watching a network learn on a terminal: after an epoch, the watched sums' answers and the map
of the domain, fitted to the terminal; drawn live while training (repl.progress) and played
back from a model file (`seqsum-repl replay`, repl.replay)."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..core.domain_map import DomainMap
from ..core.history import FORGOTTEN
from . import map_view
from .render import Fragments, text_for
from .text import shown_answer

SPARE_LINES = 1  # below the block: the live progress line


def watched_lines(watched: list[dict], columns: int) -> list[str]:
    """`watched  0+0 → 0 ✓   37+68 → 95 ✗ …`, wrapped to the terminal's width."""
    if not watched:
        return []
    items = [f"{w['input']} → {shown_answer(w['prediction'])} {'✓' if w['correct'] else '✗'}"
             for w in watched]
    lines, line = [], "  watched"
    for item in items:
        if len(line) + 3 + len(item) > columns and line.strip() != "watched":
            lines.append(line)
            line = "         "
        line += "   " + item
    return [*lines, line]


def with_forgotten(domain_map: DomainMap, forgotten: np.ndarray | None) -> DomainMap:
    """The map with its forgotten cells (right the epoch before, wrong now) in their own class."""
    if forgotten is None:
        return domain_map
    cells = np.where(forgotten, FORGOTTEN, domain_map.cells).astype(np.uint8)
    return dataclasses.replace(domain_map, cells=cells)


def epoch_block(domain_map: DomainMap, watched: list[dict], title: str, color: bool, columns: int,
                lines: int, forgotten: np.ndarray | None = None, heading: list[str] = ()) -> str:
    """The lines drawn after an epoch (heading, watched sums, map), as text for the terminal,
    within `lines` x `columns`; a map that cannot fit becomes a line saying so."""
    top = [*heading, *watched_lines(watched, columns)]
    shown = with_forgotten(domain_map, forgotten)
    count = None if forgotten is None else int(forgotten.sum())
    room = lines - SPARE_LINES - len(top)
    side = map_view.cells_that_fit(domain_map.domain.max_operand, columns)
    fitted = shown.downsampled(side)
    while map_view.lines_of(fitted, color, count is not None) > room and side > map_view.TICK:
        side -= 1
        fitted = shown.downsampled(side)
    text = "".join(line + "\n" for line in top)
    if map_view.lines_of(fitted, color, count is not None) > room:
        needed = map_view.lines_of(shown.downsampled(map_view.TICK), color, count is not None) + len(top) + 1
        return text + f"  (the terminal is too small for the map: it needs {needed} lines; figures only)\n"
    drawn: Fragments = map_view.fragments(fitted, color, title, count)
    return text + text_for(drawn, color)
