"""Layouts: how many digits each operand of a tuple has, and sampling that covers every layout.

On 0..999 a uniform draw holds a one-digit operand in 1 % of pairs, so a uniform sample hardly
sees 1+1 or 0+500, where a network trained on uniform draws goes wrong. Sampling per layout
(equal shares; a layout smaller than its share is taken whole) sees every corner, and the edge
tuples (operands from 0, 1, the largest operand and the one-digit numbers) are listed outright,
as are, on the largest domains, the *typed tuples*: operands from a longer list people type
(0 to 10, round numbers, the largest and the two below it), repeated operands included.

A layout is a tuple of digit counts, one per operand, e.g. (1, 3) for 7+250; its code is its
index in `layouts(domain)`, which lists them in lexicographic order of their digit counts.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .domain import Domain

ENUMERATE_LIMIT = 100_000
"""A layout this small, or at most four times its share, is listed whole before drawing from it."""
EDGE_BUDGET = 2_000
"""Edge tuples at most, by default: all of them for up to 3 terms (11^3 = 1,331); for 4 and 5
terms the tuples of 0, 1 and the largest operand and then of the smallest one-digit numbers. Each
costs its ~160-200 related sums through the network when the domain is too large for a table."""
_GIVE_UP = 64  # draws per wanted tuple before a layout whose filter keeps almost nothing is left short


@dataclass(frozen=True)
class Layout:
    code: int
    digits: tuple[int, ...]  # digit count of each operand
    low: tuple[int, ...]  # smallest value of each operand
    high: tuple[int, ...]  # largest value of each operand

    @property
    def size(self) -> int:
        """How many tuples have this layout (exact, however large)."""
        return int(np.prod([h - lo + 1 for lo, h in zip(self.low, self.high, strict=True)], dtype=object))

    @property
    def name(self) -> str:
        """For a person: "1-digit + 3-digit"."""
        return " + ".join(f"{d}-digit" for d in self.digits)


def _digit_range(digits: int, max_operand: int) -> tuple[int, int]:
    return (0 if digits == 1 else 10 ** (digits - 1)), min(10**digits - 1, max_operand)


@functools.cache
def layouts(domain: Domain) -> tuple[Layout, ...]:
    """Every layout of the domain, indexed by code; their sizes add up to domain.size."""
    width = domain.operand_width
    found = []
    for code, digits in enumerate(np.ndindex(*[width] * domain.terms)):
        digits = tuple(d + 1 for d in digits)
        ranges = [_digit_range(d, domain.max_operand) for d in digits]
        found.append(Layout(code, digits, tuple(r[0] for r in ranges), tuple(r[1] for r in ranges)))
    return tuple(found)


def digit_counts(operands: np.ndarray) -> np.ndarray:
    """(N, terms) operands -> (N, terms) how many digits each has (0 has one)."""
    thresholds = 10 ** np.arange(1, 6)
    return np.searchsorted(thresholds, np.asarray(operands, np.int64), side="right") + 1


def layout_of(operands: np.ndarray, domain: Domain) -> np.ndarray:
    """(N, terms) operands -> (N,) layout codes (indices into `layouts(domain)`)."""
    counts = digit_counts(np.asarray(operands).reshape(-1, domain.terms)) - 1
    code = np.zeros(len(counts), np.int64)
    for term in range(domain.terms):
        code = code * domain.operand_width + counts[:, term]
    return code


def shares(sizes: list[int], total: int, weights: list[float] | None = None) -> list[int]:
    """`total` split in proportion to positive `weights` (equally by default), no share above its
    size (what a full layout cannot take goes to the others, in the same proportions)."""
    weights = [1.0] * len(sizes) if weights is None else [float(w) for w in weights]
    result = [0] * len(sizes)
    left, weight_left = total, sum(weights)
    order = sorted(range(len(sizes)), key=lambda i: sizes[i] / weights[i])  # the first to fill first
    for i in order:
        result[i] = min(sizes[i], math.ceil(left * weights[i] / weight_left), left)
        left -= result[i]
        weight_left -= weights[i]
    return result


def _enumerate(layout: Layout) -> np.ndarray:
    grids = np.meshgrid(*[np.arange(lo, h + 1) for lo, h in zip(layout.low, layout.high, strict=True)],
                        indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1).astype(np.int64)


def at_most(rows: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """`rows` where there are at most `count`, else `count` of them drawn uniformly, in order."""
    if len(rows) <= count:
        return rows
    return rows[np.sort(rng.choice(len(rows), max(0, count), replace=False))]


def _draw(layout: Layout, count: int, rng: np.random.Generator, keep) -> np.ndarray:
    """`count` distinct tuples of one layout, uniformly (fewer if the layout or `keep` has fewer)."""
    if layout.size <= max(ENUMERATE_LIMIT, 4 * count):
        every = _enumerate(layout)
        if keep is not None:
            every = every[keep(every)]
        return at_most(every, count, rng)
    low, high = np.array(layout.low), np.array(layout.high) + 1
    found = np.empty((0, len(low)), np.int64)
    drawn = 0
    while len(found) < count and drawn < _GIVE_UP * count:
        batch = rng.integers(low, high, size=(max(2 * (count - len(found)), 64), len(low)))
        drawn += len(batch)
        if keep is not None:
            batch = batch[keep(batch)]
        found = np.concatenate([found, batch])
        _, first = np.unique(found, axis=0, return_index=True)
        found = found[np.sort(first)]  # distinct, in the order drawn
    return found[:count]


def sample_by_layout(
    domain: Domain,
    rng: np.random.Generator,
    total: int | None = None,
    per_layout: int | None = None,
    keep: Callable[[np.ndarray], np.ndarray] | None = None,
    size_power: float = 0.0,
) -> np.ndarray:
    """Distinct tuples drawn uniformly inside each layout, (M, terms), grouped by layout code.

    Give `per_layout` (each layout's share) or `total`, split in proportion to each layout's
    size to the power `size_power` (0: equally, 1: as a uniform draw over the domain would); a
    layout smaller than its share is taken whole and the rest is shared among the others.
    `keep`, if given, maps an (N, terms) array to a boolean mask of the tuples that may be drawn
    (e.g. not held out); a layout listed whole is filtered exactly, a huge one by rejection.
    Deterministic for a seeded `rng`.
    """
    if (total is None) == (per_layout is None):
        raise ValueError("give exactly one of total and per_layout")
    every = layouts(domain)
    sizes = [x.size for x in every]
    wanted = shares(sizes, total, [float(n) ** size_power for n in sizes]) if total is not None else [
        min(per_layout, x.size) for x in every]
    parts = [_draw(x, n, rng, keep) for x, n in zip(every, wanted, strict=True) if n > 0]
    return np.concatenate(parts) if parts else np.empty((0, domain.terms), np.int64)


def edge_values(domain: Domain) -> list[int]:
    """The operands a person types first, most important first: 0, 1, the largest, then 2..9."""
    values = [0, 1, domain.max_operand, *range(2, 10)]
    return list(dict.fromkeys(v for v in values if v <= domain.max_operand))


def is_edge(operands: np.ndarray, domain: Domain) -> np.ndarray:
    """(N, terms) operands -> (N,) whether every operand is an edge value (whatever the budget)."""
    return np.isin(np.asarray(operands), edge_values(domain)).all(axis=1)


def edge_tuples(domain: Domain, budget: int = EDGE_BUDGET) -> np.ndarray:
    """Every tuple whose operands all come from `edge_values`, up to `budget`, deterministically.

    Tuples are ordered by the least important value they use, then lexicographically, so a budget
    too small for all of them keeps those made of 0, 1 and the largest operand first.
    """
    values = np.array(edge_values(domain), np.int64)
    grids = np.meshgrid(*[np.arange(len(values))] * domain.terms, indexing="ij")
    ranks = np.stack([g.ravel() for g in grids], axis=1)
    order = np.lexsort((*ranks.T[::-1], ranks.max(axis=1)))
    return values[ranks[order[:budget]]]


ROUND_NUMBERS = (20, 25, 50, 75, 100)
"""Typed operands at every power of ten: 20, 25, 50, 75, 100, 200, 250, ..."""
TYPED_AT_MOST = 250_000
"""Typed tuples scored and trained on at most: all of them up to four terms of 0..99; five terms
of 0..9999 have tens of millions, too many to answer in an evaluation or hold in memory."""


def typed_values(domain: Domain) -> list[int]:
    """The operands people type, beyond the edges: 0 to 10, round numbers (ROUND_NUMBERS times
    each power of ten), and the largest operand with the two below it."""
    top = domain.max_operand
    scales = [10**k for k in range(domain.operand_width)]
    values = [*range(11), *(n * scale for scale in scales for n in ROUND_NUMBERS), top - 2, top - 1, top]
    return sorted({v for v in values if 0 <= v <= top})


def is_typed(operands: np.ndarray, domain: Domain) -> np.ndarray:
    """(N, terms) operands -> (N,) whether every operand is a typed value."""
    return np.isin(np.asarray(operands), typed_values(domain)).all(axis=1)


def typed_count(domain: Domain) -> int:
    """How many tuples have every operand a typed value."""
    return len(typed_values(domain)) ** domain.terms


def typed_tuples(domain: Domain) -> np.ndarray:
    """Every tuple whose operands all come from `typed_values` (repeated operands included), in
    lexicographic order: 18^4 = 104,976 on four terms of 0..99. Where there are more than
    TYPED_AT_MOST, a fixed seeded draw of at most that many of them, in the same order."""
    values = np.array(typed_values(domain), np.int64)
    shape, count = (len(values),) * domain.terms, typed_count(domain)
    if count <= TYPED_AT_MOST:
        index = np.arange(count)
    else:
        index = np.unique(np.random.default_rng([domain.terms, domain.max_operand, 5]).integers(
            0, count, TYPED_AT_MOST))
    return values[np.stack(np.unravel_index(index, shape), axis=1)]


def per_layout_counts(codes: np.ndarray, right: np.ndarray, domain: Domain) -> list[dict]:
    """For each layout with any tuple in `codes`: its name, how many tuples, how many right."""
    total = np.bincount(codes, minlength=len(layouts(domain)))
    hits = np.bincount(codes, weights=np.asarray(right, bool), minlength=len(layouts(domain)))
    return [{"layout": x.name, "digits": list(x.digits), "count": int(total[x.code]),
             "right": int(hits[x.code])} for x in layouts(domain) if total[x.code]]


def carries(operands: np.ndarray) -> np.ndarray:
    """(N, terms) operands -> (N,) how many columns carry when they are added on paper, the
    rightmost column first: a column carries when its digits plus the carry into it reach 10."""
    rest = np.asarray(operands, np.int64).copy()
    count = np.zeros(len(rest), np.int64)
    carry = np.zeros(len(rest), np.int64)
    while rest.any() or carry.any():
        carry = ((rest % 10).sum(axis=1) + carry) // 10
        count += carry > 0
        rest //= 10
    return count


def per_carries_counts(counts: np.ndarray, right: np.ndarray) -> list[dict]:
    """For each number of carries any tuple has: how many tuples, how many right."""
    total = np.bincount(counts)
    hits = np.bincount(counts, weights=np.asarray(right, bool), minlength=len(total))
    return [{"carries": k, "count": int(total[k]), "right": int(hits[k])}
            for k in range(len(total)) if total[k]]
