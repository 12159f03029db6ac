"""What training shows and records after every epoch: the map of the domain (the four classes of
`:map`) and the network's answers to a few watched sums.

A domain trained on whole is answered whole every epoch, exactly as evaluating a saved model
answers it (core.evaluation.answer_every_tuple), so the epoch that is kept records the very
classes `evaluate` gives the saved model; its per-tuple results also give training its held-out
and trained exact match, so nothing is answered twice. A larger domain is drawn on a fixed grid,
one tuple per cell drawn once, the same every epoch, and its unsure mark comes from a cheaper
check: only answers less than SURE confident, and only the related sums whose totals are one more
or less (CHEAP_MOVES).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .answer import Predictor
from .codec import decode_many
from .confidence import (
    RELATIVE_THRESHOLD,
    SURE,
    answer_values,
    checked_below,
)
from .dataset import HeldOutRule, is_sampled, tuple_index
from .domain import Domain
from .domain_map import DomainMap, classify, worst_of_blocks
from .evaluation import answer_every_tuple
from .forward import NumpyNetwork
from .frames import MAP_SIDE
from .layouts import carries
from .modelfile import ModelFile
from .parse import parse_expression

CHEAP_MOVES = (-1, 1)
"""A sampled domain's per-epoch unsure mark checks only the related sums one more or less."""
MOST_WATCHED = 8  # typed sums to watch, beside the story's
_NICE = (37, 68, 12, 34, 19, 25, 50, 99, 123, 456, 789, 1234, 5678, 999, 9999, 7, 5, 2)


@dataclass
class EpochView:
    domain_map: DomainMap  # counts: how many of its cells are in each class
    watched: list[dict]  # per watched sum: input, prediction, correct
    correct: np.ndarray | None = None  # a whole domain: per tuple in tuple_index order, right or not


def _story(domain: Domain) -> list[tuple[int, ...]]:
    """A few sums that tell how a network learns, as they exist in the domain: an edge (all
    zeros), one without a carry, one with a carry, one whose sum is longer than its operands."""
    pool = [v for v in _NICE if v <= domain.max_operand]
    wanted = [
        lambda t, c, longer: sum(t) > 0 and c == 0,
        lambda t, c, longer: c > 0 and not longer,
        lambda t, c, longer: longer,
    ]
    found: list[tuple[int, ...] | None] = [None] * len(wanted)
    distinct = len(pool) >= domain.terms  # operands all different, where the pool allows it
    for candidate in itertools.product(pool, repeat=domain.terms):
        if None not in found:
            break
        if distinct and len(set(candidate)) < domain.terms:
            continue
        longer = len(str(sum(candidate))) > max(len(str(v)) for v in candidate)
        count = int(carries(np.array([candidate]))[0])
        for k, predicate in enumerate(wanted):
            if found[k] is None and predicate(candidate, count, longer):
                found[k] = candidate
                break
    return [(0,) * domain.terms, *(t for t in found if t is not None)]


def watched_sums(domain: Domain, typed: tuple[str, ...] = ()) -> list[tuple[int, ...]]:
    """The story's sums, then the ones typed (`--watch`, at most MOST_WATCHED), each once;
    ParseError for a typed one that is not a sum of the domain."""
    return list(dict.fromkeys([*_story(domain), *(parse_expression(text, domain) for text in typed)]))


class EpochWatch:
    """Draws the map and answers the watched sums for a network, once per epoch."""

    def __init__(self, domain: Domain, rule: HeldOutRule, watched: list[tuple[int, ...]], seed: int = 0):
        self.domain, self.rule = domain, rule
        self.watched = np.array(watched, np.int64).reshape(-1, domain.terms)
        self.whole = not is_sampled(domain)
        values = domain.max_operand + 1
        self.block = -(-values // MAP_SIDE)
        self.side = -(-values // self.block)
        self.grid = None if self.whole else self._draw_grid(np.random.default_rng([seed, 7]))

    def _draw_grid(self, rng: np.random.Generator) -> np.ndarray:
        """One tuple per cell: the first two operands drawn in the cell's block, the others 0."""
        low = np.arange(self.side) * self.block
        size = np.minimum(low + self.block, self.domain.max_operand + 1) - low
        first = low[:, None] + rng.integers(0, size[:, None], (self.side, self.side))
        second = low[None, :] + rng.integers(0, size[None, :], (self.side, self.side))
        tuples = np.zeros((self.side * self.side, self.domain.terms), np.int64)
        tuples[:, 0], tuples[:, 1] = first.ravel(), second.ravel()
        return tuples

    def __call__(self, network: NumpyNetwork) -> EpochView:
        cells, correct = self._whole(network) if self.whole else (self._sampled(network), None)
        counts = np.bincount(cells.ravel(), minlength=4)
        remarks = () if self.whole else (
            f"unsure from a cheaper check: answers under {SURE:.0%} sure, against the sums one more or less",)
        domain_map = DomainMap(self.domain, cells, self.block, None if self.domain.terms == 2 else 0, counts,
                               drawn=0 if self.whole else 1, remarks=remarks)
        return EpochView(domain_map, self._watched(network), correct)

    def _whole(self, network: NumpyNetwork) -> tuple[np.ndarray, np.ndarray]:
        """Every tuple answered as evaluating the saved model answers it; the map's pairs (the
        other operands at 0) classed with the threshold calibrating it would set."""
        meta = {"domain": self.domain.to_dict(), "heldout": self.rule.to_dict()}
        model = ModelFile(Path("(training)"), meta, network)
        scores, _ = answer_every_tuple(Predictor(model).probabilities, self.domain)
        unsure = scores.agreement < RELATIVE_THRESHOLD * scores.agreement.mean()
        values = self.domain.max_operand + 1
        pairs = np.zeros((values * values, self.domain.terms), np.int64)
        pairs[:, 0], pairs[:, 1] = np.divmod(np.arange(values * values), values)
        at = tuple_index(pairs, self.domain).astype(np.int64)
        grid = classify(scores.exact[at], unsure[at]).reshape(values, values)
        return worst_of_blocks(grid, self.block), scores.exact

    def _sampled(self, network: NumpyNetwork) -> np.ndarray:
        """The grid's tuples, each answer less than SURE confident checked against its related
        sums one more or less; a surer answer is never unsure, as a model without an answer
        table answers (core.answer), and a network that has learned is sure of most of them."""
        tuples, domain = self.grid, self.domain
        own = network.answer_probabilities(tuples, domain)
        values = answer_values(own.argmax(-1))
        shares, _ = checked_below(own, tuples, domain, SURE,
                                  lambda views: network.answer_probabilities(views, domain), CHEAP_MOVES)
        correct = values == tuples.sum(axis=1)
        unsure = shares < RELATIVE_THRESHOLD * shares.mean()
        return classify(correct, unsure).reshape(self.side, self.side)

    def _watched(self, network: NumpyNetwork) -> list[dict]:
        if not len(self.watched):
            return []
        written = decode_many(network.answer_probabilities(self.watched, self.domain).argmax(-1))
        return [{"input": "+".join(map(str, row)), "prediction": text, "correct": text == str(sum(row))}
                for row, text in zip(self.watched.tolist(), written)]
