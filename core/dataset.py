"""Training and held-out data, with a split that never depends on how data is drawn.

Whether a tuple is held out is decided by a seeded hash of the tuple itself, so the same tuple
is held out in every run with that seed, for any domain size, without enumerating the domain.
Training draws only from the rest; evaluation can always tell held-out from trained.

On a domain too large to train on whole, the edge tuples (every operand 0, 1, the largest or a
one-digit number: what people type first) are never held out: there a calculator is trained on
1+0 rather than tested on it, and its held-out figures come from a per-layout sample anyway. A
small domain is held out uniformly: all of 0..9 is edge tuples, and it trains until every
held-out tuple is right.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from . import metadata
from .codec import encode_answers, encode_questions
from .domain import Domain
from .layouts import edge_tuples, is_edge, is_typed, sample_by_layout
from .printable import quoted
from .sums import in_tails

TRAIN_WHOLE_LIMIT = 250_000
"""Domains up to this many tuples are trained on whole; larger ones are sampled (`is_sampled`)."""
LARGE_TRAIN_SIZE = 100_000
"""Training tuples drawn from a larger domain when no size is given (per layout, see split)."""


def is_sampled(domain: Domain) -> bool:
    """Whether the domain is too large to use whole (training draws from it per layout)."""
    return domain.size > TRAIN_WHOLE_LIMIT


_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


@dataclass(frozen=True)
class HeldOutRule:
    fraction: float = 0.10
    seed: int = 0
    # Edge tuples of a sampled domain are never held out. Model files before format 3 lack the
    # field and were split without this exception (from_dict reads them so).
    trains_edges: bool = True
    # Nor, where this is set (by the recipe, on domains too large to score whole), the typed
    # tuples (core.layouts) and those whose sum is in the tails (core.sums). Model files before
    # format 5 lack the field and were split without this exception.
    trains_typed: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> HeldOutRule:
        """As recorded by to_dict; KeyError or TypeError when absent, ValueError when out of range.
        Without `trains_edges` (files before format 3) edge tuples are held out like any other,
        and without `trains_typed` (before format 5) typed and tail tuples too."""
        share, seed = metadata.fraction(data["fraction"]), metadata.whole(data["seed"], 0, int(_MASK64))
        trains_edges, trains_typed = data.get("trains_edges", False), data.get("trains_typed", False)
        if share is None:
            raise ValueError(f"the held-out fraction must be from 0 to 1, not {quoted(data['fraction'])}")
        if seed is None:
            raise ValueError(f"the seed must be a whole number from 0 to 2**64-1, not {quoted(data['seed'])}")
        for name, value in (("trains_edges", trains_edges), ("trains_typed", trains_typed)):
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false, not {quoted(value)}")
        return cls(fraction=share, seed=seed, trains_edges=trains_edges, trains_typed=trains_typed)

    def is_held_out(self, operands: np.ndarray, domain: Domain) -> np.ndarray:
        """Boolean per row of an (N, terms) operand array.

        The hash of a tuple's index where the index fits in 64 bits (the split of every such
        domain is as it always was); above that the operands are mixed into the hash one by one,
        so no two tuples share a key by wrapping.
        """
        seed = _splitmix64(np.uint64(self.seed))
        if indexable(domain):
            keys = _splitmix64(tuple_index(operands, domain) ^ seed)
        else:
            keys = seed
            for column in np.asarray(operands, dtype=np.uint64).T:
                keys = _splitmix64(keys ^ column)
        held = _unit_interval(keys) < self.fraction
        if self.trains_edges and is_sampled(domain):
            held &= ~is_edge(operands, domain)
        if self.trains_typed:
            held &= ~(is_typed(operands, domain) | in_tails(operands, domain))
        return held


def _splitmix64(x):
    """A well-mixed 64-bit hash (Steele et al.), vectorised; uint64 arithmetic wraps."""
    with np.errstate(over="ignore"):
        x = np.asarray(x, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return (x ^ (x >> np.uint64(31))) & _MASK64


def _unit_interval(x: np.ndarray) -> np.ndarray:
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def indexable(domain: Domain) -> bool:
    """Whether every tuple's position (tuple_index) fits in a uint64 without wrapping."""
    return domain.size <= 2**64


def tuple_index(operands: np.ndarray, domain: Domain) -> np.ndarray:
    """Each operand tuple's position in the domain, read as a number in base max_operand+1.

    Exact only for `indexable` domains: 5 terms of 0..9999 (10^20 tuples) would wrap, so it
    must not be used as a key there (see `distinct_rows`).
    """
    operands = np.asarray(operands, dtype=np.uint64)
    base = np.uint64(domain.max_operand + 1)
    index = np.zeros(len(operands), dtype=np.uint64)
    for term in range(domain.terms):
        index = index * base + operands[:, term]
    return index


def tuples_from_index(index: np.ndarray, domain: Domain) -> np.ndarray:
    """The inverse of tuple_index: (N,) positions -> (N, terms) operands."""
    index = np.asarray(index, dtype=np.int64)
    base = domain.max_operand + 1
    columns = []
    for _ in range(domain.terms):
        index, digit = np.divmod(index, base)
        columns.append(digit)
    return np.stack(columns[::-1], axis=1)


def distinct_rows(operands: np.ndarray, domain: Domain) -> tuple[np.ndarray, np.ndarray]:
    """(index of each distinct tuple's first row, each row's distinct tuple) for any domain."""
    operands = np.asarray(operands, dtype=np.int64)
    if indexable(domain):
        _, first, inverse = np.unique(tuple_index(operands, domain), return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(operands, axis=0, return_index=True, return_inverse=True)
    return first, inverse.ravel()


def all_tuples(domain: Domain) -> np.ndarray:
    """Every operand tuple, (size, terms), in tuple_index order."""
    grids = np.meshgrid(*[np.arange(domain.max_operand + 1)] * domain.terms, indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1).astype(np.int64)


def sample_tuples(domain: Domain, count: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, domain.max_operand + 1, size=(count, domain.terms), dtype=np.int64)


@dataclass
class Examples:
    """Operand tuples with their encoded questions and answers (symbol indices)."""

    operands: np.ndarray
    questions: np.ndarray
    answers: np.ndarray

    @classmethod
    def from_operands(cls, operands: np.ndarray, domain: Domain, align: str) -> Examples:
        """The examples of these tuples, their questions aligned as `align` (core.codec)."""
        operands = np.asarray(operands, dtype=np.int64).reshape(-1, domain.terms)
        return cls(
            operands=operands,
            questions=encode_questions(operands, domain, align),
            answers=encode_answers(operands.sum(axis=1), domain),
        )

    def __len__(self) -> int:
        return len(self.operands)

    def take(self, rows: np.ndarray | slice) -> Examples:
        """The examples at `rows` (a mask, indices, repeated indices or a slice), in that order."""
        return Examples(self.operands[rows], self.questions[rows], self.answers[rows])


def split(
    domain: Domain,
    rule: HeldOutRule,
    train_size: int | None = None,
    heldout_size: int = 20_000,
    seed: int = 0,
    align: str = "left",
) -> tuple[Examples, Examples]:
    """(training, held-out) examples, their questions aligned as `align` (core.codec).

    Small domains: every trained tuple once, and every held-out tuple (or, with `train_size`,
    `train_size` trained and `heldout_size` held-out tuples drawn uniformly with replacement).
    Large domains: drawn per layout (`stratified`), so 1+1 is in the data as surely as 500+500.
    """
    if not is_sampled(domain):
        return _split_small(domain, rule, train_size, heldout_size, seed, align)
    rng = np.random.default_rng(seed)
    training = stratified(domain, rule, train_size or LARGE_TRAIN_SIZE, False, rng)
    heldout = stratified(domain, rule, heldout_size, True, rng)
    return Examples.from_operands(training, domain, align), Examples.from_operands(heldout, domain, align)


def stratified(domain: Domain, rule: HeldOutRule, total: int, held_out: bool,
               rng: np.random.Generator, size_power: float = 0.0) -> np.ndarray:
    """`total` distinct tuples from one side of `rule` (held out or not): that side's edge
    tuples first (at most half), the rest drawn per layout, in equal shares or in proportion to
    each layout's size to the power `size_power` (a layout smaller than its share is taken
    whole, so there may be fewer)."""
    def on_side(tuples: np.ndarray) -> np.ndarray:
        return rule.is_held_out(tuples, domain) == held_out

    if held_out and rule.fraction <= 0:
        return np.empty((0, domain.terms), np.int64)
    edges = edge_tuples(domain)
    edges = edges[on_side(edges)][: total // 2]
    drawn = sample_by_layout(domain, rng, total=total - len(edges), keep=on_side, size_power=size_power)
    both = np.concatenate([edges, drawn])
    _, first = np.unique(both, axis=0, return_index=True)
    return both[np.sort(first)]


def _split_small(domain, rule, train_size, heldout_size, seed, align) -> tuple[Examples, Examples]:
    if train_size is None:
        tuples = all_tuples(domain)
        held = rule.is_held_out(tuples, domain)
        return (
            Examples.from_operands(tuples[~held], domain, align),
            Examples.from_operands(tuples[held], domain, align),
        )
    rng = np.random.default_rng(seed)
    train, heldout = [], []
    have_train = have_held = 0
    while have_train < train_size or have_held < heldout_size:
        batch = sample_tuples(domain, max(train_size, heldout_size), rng)
        held = rule.is_held_out(batch, domain)
        train.append(batch[~held])
        heldout.append(batch[held])
        have_train += int((~held).sum())
        have_held += int(held.sum())
        if rule.fraction <= 0 and have_train >= train_size:
            break
    return (
        Examples.from_operands(np.concatenate(train)[:train_size], domain, align),
        Examples.from_operands(np.concatenate(heldout)[:heldout_size], domain, align),
    )
