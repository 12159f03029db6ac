"""A map of the domain: for every pair of first and second operands, right or wrong, sure or unsure.

Every tuple drawn is answered through a Predictor, and its category comes from the AnswerBatch's own
`correct` and `low_confidence`. Four categories, in order of severity: right; right but marked
unsure; wrong but marked unsure; wrong and not marked. Rows are the first operand, columns the
second. With three or more terms the others are fixed at one value, or each pair shows the worst
over every value of the others. A domain wider than `max_cells` is downsampled: each cell shows
the worst of a block x block square of pairs, so a single wrong answer is never averaged away.

Pure NumPy: the terminal view, the PNG and the web page all draw a `DomainMap`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .answer import ANSWER_BATCH, Predictor
from .confidence import typical_related_count
from .domain import Domain

CATEGORIES = ("right", "right but marked unsure", "wrong but marked unsure", "wrong and not marked")
CATEGORY_KEYS = ("right", "right_unsure", "wrong_unsure", "wrong")  # the same, as JSON keys
RIGHT, RIGHT_UNSURE, WRONG_UNSURE, WRONG = range(len(CATEGORIES))
COLOURS = ("#a8d8a0", "#3d7fd1", "#f2a33a", "#c8102e")
"""One colour per category for images and the web page: the right answers, most of any useful
model, in a pale green that recedes; the wrong ones in strong orange and red."""
FORGOTTEN_COLOUR = "#a23cc8"
"""A training history's cells right at the epoch before and wrong now (core.history.FORGOTTEN)."""

MAX_ANSWERS = 2_000_000
"""The most answers a map may need (each drawn tuple, and its related sums where they are not
cached): more would keep a session busy for many minutes."""


IMAGE_CELLS = 200
"""Cells per side of a map drawn as an image (the PNG, the web page) at most: the default domain
at one pair per cell, and each cell still a device pixel or two on a phone's screen."""

_ORDINALS = ("third", "fourth", "fifth")


class MapError(ValueError):
    """A map that cannot be drawn as asked; the message is one line for the user."""


def parse_others(text: str, domain: Domain) -> int | None:
    """What to do with the third and later operands: '' or '0' -> 0, 'N' -> N, 'worst' -> None."""
    text = text.strip()
    if domain.terms == 2:
        if text:
            raise MapError(
                f"this model adds 2 numbers: every pair is on the map, there is no third operand "
                f"to fix or take the worst over (got {text!r})"
            )
        return 0
    if not text:
        return 0
    if text.lower() == "worst":
        return None
    if not text.isascii() or not text.isdigit():
        raise MapError(
            f"{text!r} is neither a number nor 'worst': give the value for the {_others(domain)} "
            f"(0 to {domain.max_operand}), or worst"
        )
    value = int(text)
    if value > domain.max_operand:
        raise MapError(f"the {_others(domain)} go from 0 to {domain.max_operand}, not {value}")
    return value


def _others(domain: Domain) -> str:
    """'third operand', 'third and fourth operands', 'third, fourth and fifth operands'."""
    names = list(_ORDINALS[: domain.terms - 2])
    if len(names) == 1:
        return f"{names[0]} operand"
    return f"{', '.join(names[:-1])} and {names[-1]} operands"


@dataclass(frozen=True)
class DomainMap:
    """The map's cells and what a renderer needs to label them."""

    domain: Domain
    cells: np.ndarray  # (rows, columns) uint8 category per cell; row = first operand, column = second
    block: int  # each cell covers block x block pairs (the last row and column may cover fewer)
    fixed: int | None  # the third and later operands' value; None: the worst over them (or 2 terms)
    counts: np.ndarray  # (4,) tuples answered in each category
    drawn: int = 0  # cells are the worst of blocks of this many drawn pairs per side; 0: of every pair
    remarks: tuple[str, ...] = ()  # more notes from whoever drew it (how its unsure mark was checked)

    @property
    def worst_over_others(self) -> bool:
        return self.domain.terms > 2 and self.fixed is None

    @property
    def counted(self) -> str:
        """What `counts` counts: pairs, or every tuple when the map takes the worst over them."""
        return "tuples" if self.worst_over_others else "pairs"

    def span(self, index: int) -> tuple[int, int]:
        """The first and last operand value that row (or column) `index` covers."""
        first = index * self.block
        return first, min(first + self.block, self.domain.max_operand + 1) - 1

    @property
    def notes(self) -> list[str]:
        """What a reader must know to read the cells right, one sentence each."""
        notes = []
        if self.domain.terms > 2:
            others = _others(self.domain)
            notes.append(
                f"each pair is the worst over every value of the {others} (0 to {self.domain.max_operand})"
                if self.fixed is None else
                f"the {others} {'is' if self.domain.terms == 3 else 'are'} fixed at {self.fixed}"
            )
        if self.drawn:
            per = self.block // self.drawn
            notes.append(f"each cell is one pair drawn from each {per}x{per} block, the same every epoch"
                         if self.drawn == 1 else
                         f"each cell is the worst of {self.drawn}x{self.drawn} pairs, one drawn from each "
                         f"{per}x{per} block, the same every epoch")
        elif self.block > 1:
            notes.append(
                f"downsampled: each cell is the worst of {self.block}x{self.block} pairs"
            )
        return [*notes, *self.remarks]

    def downsampled(self, max_cells: int) -> DomainMap:
        """The map with at most `max_cells` cells per side, each the worst of its block."""
        factor = -(-self.cells.shape[0] // max(1, max_cells))
        if factor <= 1:
            return self
        return replace(self, cells=worst_of_blocks(self.cells, factor), block=self.block * factor,
                       drawn=self.drawn * factor)

    def to_dict(self) -> dict:
        """The map as JSON-ready data: `cells` holds one string per row, one digit per cell, each
        digit an index into `categories` (and `colours`)."""
        return {
            "domain": self.domain.to_dict(),
            "rows": int(self.cells.shape[0]),
            "columns": int(self.cells.shape[1]),
            "block": self.block,
            "fixed": self.fixed,
            "worst_over_others": self.worst_over_others,
            "categories": list(CATEGORIES),
            "colours": list(COLOURS),
            "counts": dict(zip(CATEGORIES, (int(n) for n in self.counts))),
            "counted": self.counted,
            "notes": self.notes,
            "cells": ["".join(str(int(c)) for c in row) for row in self.cells],
        }


def answers_needed(predictor: Predictor, fixed: int | None) -> int:
    """About how many answers a map computes. A whole domain is computed once per tuple (in the
    predictor's cache, or a temporary one); a slice of a larger domain also asks each drawn
    tuple's related sums, which only the de-duplication within a batch shares, unless the
    model's rule asks them only of answers below its `sure` confidence (core.confidence): then
    about one answer per pair, as a trained network is sure of nearly all of them."""
    domain = predictor.domain
    if domain.terms == 2 or fixed is None or predictor.cacheable:
        return domain.size
    pairs = (domain.max_operand + 1) ** 2
    if predictor.confidence_rule.sure is not None:
        return pairs
    return pairs * (1 + typical_related_count(domain))


def check_size(predictor: Predictor, fixed: int | None) -> None:
    """MapError when a map would need more than MAX_ANSWERS answers."""
    domain = predictor.domain
    needed = answers_needed(predictor, fixed)
    if needed <= MAX_ANSWERS:
        return
    if domain.terms == 2:
        what = "every pair"
    elif fixed is None:
        what = f"every tuple, for the worst over the {_others(domain)}"
    else:
        what = "every pair and the related sums each is checked against"
    raise MapError(
        f"a map of this domain needs about {needed:,} answers ({what}); a map computes at most "
        f"{MAX_ANSWERS:,}"
    )


def _drawing_predictor(predictor: Predictor, whole_domain: bool) -> Predictor:
    """The predictor to draw with. For a whole domain larger than its cache, a copy that caches
    every tuple while one map is drawn (MAX_ANSWERS bounds its size): each tuple is then computed
    once, not again for every related sum that asks it. The copy goes when the map is drawn."""
    if predictor.cacheable or not whole_domain:
        return predictor
    drawing = copy.copy(predictor)
    drawing.cacheable = True
    drawing.clear_cache()
    return drawing


def categories(answers) -> np.ndarray:
    """(N,) category of each answer, from its own `correct` and `low_confidence`."""
    return classify(answers.correct, answers.low_confidence)


def classify(correct: np.ndarray, unsure: np.ndarray) -> np.ndarray:
    """(N,) category of each answer from whether it is right and whether it is marked unsure."""
    return np.where(correct, np.where(unsure, RIGHT_UNSURE, RIGHT),
                    np.where(unsure, WRONG_UNSURE, WRONG)).astype(np.uint8)


def _other_values(domain: Domain, fixed: int | None) -> np.ndarray:
    """(K, terms - 2): every value of the third and later operands the map draws."""
    others = domain.terms - 2
    if fixed is not None or not others:
        return np.full((1, others), fixed or 0, np.int64)
    grids = np.meshgrid(*[np.arange(domain.max_operand + 1)] * others, indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1).astype(np.int64)


def worst_of_blocks(grid: np.ndarray, block: int) -> np.ndarray:
    side = -(-grid.shape[0] // block)
    padded = np.full((side * block, side * block), RIGHT, grid.dtype)  # padding is never the worst
    padded[: grid.shape[0], : grid.shape[1]] = grid
    return padded.reshape(side, block, side, block).max(axis=(1, 3))


def map_domain(predictor: Predictor, fixed: int | None = 0, max_cells: int = 100,
               progress: Callable[[int, int], None] | None = None) -> DomainMap:
    """Answer every pair of the first two operands (the others at `fixed`, or every value of them
    when `fixed` is None) and draw at most `max_cells` x `max_cells` cells.

    Raises MapError, before answering anything, when the map needs more than MAX_ANSWERS answers.
    `progress(done, total)` is called after each batch. Work goes in square tiles of pairs, so a
    batch's related sums overlap one another and de-duplicate.
    """
    domain = predictor.domain
    check_size(predictor, fixed)
    whole_domain = domain.terms == 2 or fixed is None
    drawing = _drawing_predictor(predictor, whole_domain)
    values = domain.max_operand + 1
    others = _other_values(domain, fixed)
    side = max(1, math.isqrt(ANSWER_BATCH // len(others)))
    total, done = values * values * len(others), 0
    grid = np.empty((values, values), np.uint8)
    counts = np.zeros(len(CATEGORIES), np.int64)
    for top in range(0, values, side):
        for left in range(0, values, side):
            rows = np.arange(top, min(top + side, values))
            columns = np.arange(left, min(left + side, values))
            pairs = np.stack(np.meshgrid(rows, columns, indexing="ij"), axis=-1).reshape(-1, 2)
            tuples = np.concatenate([
                np.repeat(pairs, len(others), axis=0), np.tile(others, (len(pairs), 1)),
            ], axis=1)
            found = np.empty(len(tuples), np.uint8)
            for start in range(0, len(tuples), ANSWER_BATCH):
                batch = tuples[start : start + ANSWER_BATCH]
                found[start : start + len(batch)] = categories(drawing.answer(batch))
                done += len(batch)
                if progress:
                    progress(done, total)
            counts += np.bincount(found, minlength=len(CATEGORIES))
            worst = found.reshape(len(pairs), len(others)).max(axis=1)
            grid[top : top + len(rows), left : left + len(columns)] = worst.reshape(len(rows), len(columns))
    block = -(-values // max(1, max_cells))
    return DomainMap(domain, worst_of_blocks(grid, block), block,
                     None if domain.terms == 2 else fixed, counts)
