"""Answering sums: the network's prediction, the true sum, and how sure the network was.

Everything is computed for a whole batch at once, so a pipe pays per batch, not per line;
`Answer` is a light view of one row for rendering.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .codec import decode_many, encode_answers
from .confidence import (
    ConfidenceRule,
    agreement,
    agreement_from_counts,
    answer_values,
    checked_below,
    product_confidence,
    related_sums,
)
from .dataset import distinct_rows, tuple_index, tuples_from_index
from .domain import SYMBOLS, VOCABULARY, Domain
from .modelfile import ModelFile
from .scoring import exact_match

ANSWER_BATCH = 8192
"""Tuples answered at once by what answers many (an evaluation, a map): it bounds the memory of
their related sums, which are asked of the network beside them when a model has no table."""


@dataclass
class AnswerBatch:
    """The network's answers to N operand tuples, with every position's full distribution."""

    domain: Domain
    operands: np.ndarray  # (N, terms)
    probabilities: np.ndarray  # (N, answer_width, vocabulary)
    agreement: np.ndarray  # (N,) share of related sums whose answers fit (core.confidence)
    checks: np.ndarray  # (N,) how many related sums were asked (0: agreement is the product)
    threshold: float
    sure: float | None = None  # confidence from which no related sum was asked (core.confidence)

    def __len__(self) -> int:
        return len(self.operands)

    def __getitem__(self, row: int) -> Answer:
        return Answer(self, row)

    def __iter__(self):
        return (Answer(self, row) for row in range(len(self)))

    @cached_property
    def ranking(self) -> np.ndarray:
        """(N, answer_width, vocabulary) symbol indices, most probable first."""
        return np.argsort(-self.probabilities, axis=-1, kind="stable")

    @cached_property
    def top_index(self) -> np.ndarray:
        return self.probabilities.argmax(axis=-1)

    @cached_property
    def top_probability(self) -> np.ndarray:
        return np.take_along_axis(self.probabilities, self.top_index[..., None], -1)[..., 0]

    @cached_property
    def predictions(self) -> list[str]:
        return decode_many(self.top_index)

    @cached_property
    def truths(self) -> np.ndarray:
        return self.operands.sum(axis=1)

    @cached_property
    def expected(self) -> np.ndarray:
        """(N, answer_width) symbol indices of the true sums, padded as the network writes them."""
        return encode_answers(self.truths, self.domain)

    @cached_property
    def correct(self) -> np.ndarray:
        """Per row: is every written character the true sum's (seqsum's one meaning of right)."""
        return exact_match(self.top_index, self.expected)

    @cached_property
    def confidence(self) -> np.ndarray:
        """The product of each position's top probability: the network's belief in its answer."""
        return product_confidence(self.probabilities)

    @cached_property
    def low_confidence(self) -> np.ndarray:
        return self.agreement < self.threshold


class Answer:
    """One row of AnswerBatch, with what a renderer needs by name."""

    __slots__ = ("_batch", "row")

    def __init__(self, batch: AnswerBatch, row: int):
        self._batch, self.row = batch, row

    @property
    def operands(self) -> tuple[int, ...]:
        return tuple(int(v) for v in self._batch.operands[self.row])

    @property
    def prediction(self) -> str:
        return self._batch.predictions[self.row]

    @property
    def truth(self) -> int:
        return int(self._batch.truths[self.row])

    @property
    def correct(self) -> bool:
        return bool(self._batch.correct[self.row])

    @property
    def confidence(self) -> float:
        return float(self._batch.confidence[self.row])

    @property
    def agreement(self) -> float:
        return float(self._batch.agreement[self.row])

    @property
    def checks(self) -> int:
        return int(self._batch.checks[self.row])

    @property
    def low_confidence(self) -> bool:
        return bool(self._batch.low_confidence[self.row])

    @property
    def threshold(self) -> float:
        return self._batch.threshold

    @property
    def sure(self) -> float | None:
        """The confidence from which no related sum was asked (None: asked whatever it was)."""
        return self._batch.sure

    @property
    def chars(self) -> str:
        """The written characters including padding (one per answer position)."""
        return "".join(SYMBOLS[self._batch.top_index[self.row]])

    @property
    def char_probabilities(self) -> list[float]:
        return [float(p) for p in self._batch.top_probability[self.row]]

    @property
    def distribution(self) -> np.ndarray:
        """(answer_width, vocabulary): the softmax over every symbol at every position."""
        return self._batch.probabilities[self.row]

    def alternatives(self, position: int, count: int = 3) -> list[tuple[str, float]]:
        """The runner-up symbols at one position, most probable first."""
        ranks = self._batch.ranking[self.row, position, 1 : 1 + count]
        probs = self._batch.probabilities[self.row, position]
        return [(VOCABULARY[i], float(probs[i])) for i in ranks]

    @property
    def expression(self) -> str:
        return "+".join(str(v) for v in self.operands)


class Predictor:
    """A loaded model file, ready to answer operand tuples in batches.

    The network is deterministic, so each distinct tuple is computed once: within a batch by
    de-duplication, and across batches by a dense cache when the domain is small enough (at most
    CACHE_LIMIT tuples). A pipe of repeated sums then costs lookups.
    A model file with an answer table (core.table) has every tuple's related sums counted in it,
    so only the asked tuples go through the network.

    Several threads may answer at once (the REPL warms the cache in one, a pipe answers parts
    of a batch in several): the cache is only ever filled with the same deterministic values,
    flag after data, and the network's remembered states likewise (core.forward).
    """

    CACHE_LIMIT = 200_000

    def __init__(self, model: ModelFile):
        self.model = model
        self.domain = model.domain
        self.confidence_rule = ConfidenceRule.from_meta(model.meta)
        self.table = model.table
        self.cacheable = self.domain.size <= self.CACHE_LIMIT
        self.clear_cache()

    def clear_cache(self) -> None:
        if self.cacheable:
            width = self.domain.answer_width
            self._cache = np.zeros((self.domain.size, width, len(VOCABULARY)), np.float32)
            self._cached = np.zeros(self.domain.size, bool)

    def warm_up(self, chunk: int = 2048) -> None:
        """Answer every tuple of a small domain ahead of use (the REPL runs this in a thread).

        An answer is checked against about 80 related sums: computing them cold costs far more
        than looking them up (docs/benchmarks.md has the figures). Safe alongside `answer`: the
        cache is only ever filled with the same deterministic values, flag after data.
        """
        if not self.cacheable:
            return
        for start in range(0, self.domain.size, chunk):
            keys = np.arange(start, min(start + chunk, self.domain.size))
            self.probabilities(tuples_from_index(keys, self.domain))

    def probabilities(self, operands: np.ndarray) -> np.ndarray:
        if not self.cacheable:
            if len(operands) == 1:
                return self._compute(operands)
            first, inverse = distinct_rows(operands, self.domain)
            return self._compute(operands[first])[inverse]
        keys = tuple_index(operands, self.domain).astype(np.int64)
        missing = np.unique(keys[~self._cached[keys]])
        if len(missing):
            self._cache[missing] = self._compute(tuples_from_index(missing, self.domain))
            self._cached[missing] = True
        return self._cache[keys]

    def _compute(self, operands: np.ndarray) -> np.ndarray:
        return self.model.network.answer_probabilities(operands, self.domain)

    def answer(self, operands) -> AnswerBatch:
        """The network's answers, each checked against its answers to related sums (counted in
        the model's answer table when it has one, else asked of the network too, and then only
        for answers below the rule's `sure` confidence when it has one, and only the rotated sum
        up to its `glance`)."""
        operands = np.asarray(operands, dtype=np.int64).reshape(-1, self.domain.terms)
        if self.table is None and self.confidence_rule.sure is None:
            views, owners, offsets = related_sums(operands, self.domain)
            everything = self.probabilities(np.concatenate([operands, views]))
            probabilities = everything[: len(operands)]
            values = answer_values(everything.argmax(-1))
            shares, checks = agreement(
                values[: len(operands)], values[len(operands) :], owners, offsets,
                fallback=product_confidence(probabilities),
            )
        elif self.table is None:
            probabilities, shares, checks = self._checked_when_unsure(operands)
        else:
            probabilities = self.probabilities(operands)
            rows = self.table[tuple_index(operands, self.domain).astype(np.int64)]
            checks = rows["related"]
            shares = agreement_from_counts(rows["fitting"], checks, product_confidence(probabilities))
        return AnswerBatch(
            domain=self.domain,
            operands=operands,
            probabilities=probabilities,
            agreement=shares,
            checks=checks,
            threshold=self.confidence_rule.threshold,
            sure=None if self.table is not None else self.confidence_rule.unchecked_from,
        )

    def _checked_when_unsure(self, operands: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(probabilities, agreement, checks) with related sums asked only for the answers below
        the rule's `sure` confidence, and only the rotated sum up to its `glance`
        (core.confidence.checked_below)."""
        rule = self.confidence_rule
        probabilities = self.probabilities(operands)
        shares, checks = checked_below(probabilities, operands, self.domain, rule.sure, self.probabilities,
                                       glance=rule.glance)
        return probabilities, shares, checks
