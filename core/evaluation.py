"""Evaluating a model over its domain: exact match over every tuple when the domain is small
enough (then also every answer, as the table a model file carries), else over the edge tuples, a
sample stratified by layout, and every sum and typed tuple (core.sum_scores); held-out against
trained, per layout, and how well the unsure flag separates right from wrong."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from .answer import ANSWER_BATCH, AnswerBatch, Predictor
from .codec import encode_answers
from .confidence import (
    ConfidenceRule,
    agreement_from_counts,
    answer_values,
    product_confidence,
    sure_confidence,
)
from .dataset import distinct_rows, tuple_index, tuples_from_index
from .domain import Domain
from .layouts import (
    EDGE_BUDGET,
    carries,
    edge_tuples,
    layout_of,
    per_carries_counts,
    per_layout_counts,
    sample_by_layout,
)
from .scoring import ConfidenceReport, confidence_report, exact_match
from .sum_scores import PER_SUM, SumScores, score_sums
from .table import build_table, has_table

SAMPLE_SIZE = 20_000
"""Tuples drawn per layout, besides the edge tuples, from a domain too large to score whole."""


def scores_whole(domain: Domain) -> bool:
    """Whether every tuple of the domain is scored: exactly the domains whose model files carry an
    answer table (core.table), which scoring every tuple once is what builds."""
    return has_table(domain)


@dataclass
class Subset:
    count: int
    exact_match: float
    char_accuracy: float

    @classmethod
    def of(cls, mask: np.ndarray, exact: np.ndarray, chars_right: np.ndarray) -> Subset:
        """The figures of the scored tuples where `mask` holds (zeros when it holds nowhere)."""
        count = int(mask.sum())
        if not count:
            return cls(0, 0.0, 0.0)
        return cls(count, float(exact[mask].mean()), float(chars_right[mask].mean()))

    def to_dict(self) -> dict:
        return {"count": self.count, "exact_match": self.exact_match, "char_accuracy": self.char_accuracy}


@dataclass
class Evaluation:
    exhaustive: bool
    all: Subset
    heldout: Subset
    trained: Subset
    edges: Subset  # the edge tuples (core.layouts), always scored
    confidence: ConfidenceReport
    layouts: list[dict] = field(default_factory=list)  # per layout: name, digits, count, right
    carries: list[dict] = field(default_factory=list)  # per number of carries: carries, count, right
    wrong: list[dict] = field(default_factory=list)
    table: np.ndarray | None = field(default=None, repr=False)  # every answer, when exhaustive (core.table)
    sums: SumScores | None = None  # every sum and the typed tuples, when not exhaustive (core.sum_scores)
    # Per scored tuple, kept so the unsure flag can be judged again under another rule.
    correct: np.ndarray = field(default=None, repr=False)
    agreement: np.ndarray = field(default=None, repr=False)
    product: np.ndarray = field(default=None, repr=False)

    @property
    def mean_agreement(self) -> float:
        return float(self.agreement.mean())

    def judged_by(self, rule: ConfidenceRule) -> Evaluation:
        """The same evaluation with the unsure flag's figures under `rule`. Made without a rule,
        every answer's agreement is over all its related sums: those the rule checks against the
        rotated sum only (core.confidence) are judged by them all."""
        return replace(self, confidence=confidence_report(
            self.agreement, self.product, self.correct, rule.threshold, rule.unchecked_from))

    def to_dict(self) -> dict:
        return {
            "exhaustive": self.exhaustive,
            "all": self.all.to_dict(),
            "heldout": self.heldout.to_dict(),
            "trained": self.trained.to_dict(),
            "edges": self.edges.to_dict(),
            "confidence": self.confidence.to_dict(),
            "layouts": self.layouts,
            "carries": self.carries,
            "wrong": self.wrong,
            "sums": self.sums.to_dict() if self.sums else None,
        }


def evaluation_tuples(domain: Domain, sample_size: int = SAMPLE_SIZE, seed: int = 0,
                      edge_budget: int = EDGE_BUDGET) -> np.ndarray:
    """What a domain too large to score whole is scored on: its edge tuples first, then a seeded
    sample of `sample_size` drawn equally from every layout (core.layouts), without repeats."""
    sample = sample_by_layout(domain, np.random.default_rng(seed), total=sample_size)
    tuples = np.concatenate([edge_tuples(domain, edge_budget), sample])
    first, _ = distinct_rows(tuples, domain)
    return tuples[np.sort(first)]


@dataclass
class Scores:
    """Per scored tuple: exact match, share of characters right, product confidence, agreement."""

    exact: np.ndarray
    chars_right: np.ndarray
    confidence: np.ndarray
    agreement: np.ndarray

    @classmethod
    def empty(cls, count: int) -> Scores:
        return cls(np.empty(count, bool), np.empty(count), np.empty(count), np.empty(count))

    def fill(self, rows: slice | np.ndarray, probabilities: np.ndarray, truths: np.ndarray, domain: Domain):
        top = probabilities.argmax(-1)
        expected = encode_answers(truths, domain)
        self.exact[rows] = exact_match(top, expected)
        self.chars_right[rows] = (top == expected).mean(axis=1)
        self.confidence[rows] = product_confidence(probabilities)
        return top


def answer_every_tuple(probabilities: Callable[[np.ndarray], np.ndarray], domain: Domain,
                       progress=None) -> tuple[Scores, np.ndarray]:
    """Every tuple of the domain through `probabilities` (operand tuples -> softmax outputs)
    once, in batches of ANSWER_BATCH in tuple_index order, then every tuple's related sums
    counted from those answers: (scores in tuple_index order, the answer table, core.table).
    The same batches give the same bits, so training's per-epoch map (core.watch) classes its
    tuples exactly as evaluating the saved model does."""
    progress = progress or (lambda stage, done, total: None)
    scores = Scores.empty(domain.size)
    values = np.empty(domain.size, np.int16)
    for start in range(0, domain.size, ANSWER_BATCH):
        rows = slice(start, min(start + ANSWER_BATCH, domain.size))
        tuples = tuples_from_index(np.arange(rows.start, rows.stop), domain)
        top = scores.fill(rows, probabilities(tuples), tuples.sum(axis=1), domain)
        values[rows] = answer_values(top)
        progress("answering", rows.stop, domain.size)
    table = build_table(values, domain)
    scores.agreement[:] = agreement_from_counts(table["fitting"], table["related"], scores.confidence)
    return scores, table


def _score_tuples(predictor: Predictor, tuples: np.ndarray, progress) -> Scores:
    scores = Scores.empty(len(tuples))
    for start in range(0, len(tuples), ANSWER_BATCH):
        rows = slice(start, min(start + ANSWER_BATCH, len(tuples)))
        answers: AnswerBatch = predictor.answer(tuples[rows])
        scores.fill(rows, answers.probabilities, answers.truths, predictor.domain)
        scores.agreement[rows] = answers.agreement
        progress("answering", rows.stop, len(tuples))
    return scores


def evaluate(predictor: Predictor, sample_size: int = SAMPLE_SIZE, seed: int = 0, show_wrong: int = 20,
             progress=None, edge_budget: int = EDGE_BUDGET, per_sum: int = PER_SUM) -> Evaluation:
    """Exact match over every tuple of the domain when it is small enough (`scores_whole`; then the
    evaluation also carries the answer table), else over the edge tuples and a sample stratified
    by layout, and over up to `per_sum` tuples of every sum and the typed tuples
    (core.sum_scores); split by held-out vs trained, by layout, by the number of carries
    (core.layouts), and for the edge tuples.

    `progress(stage, done, total)`, if given, is called after each batch (the CLI draws it).
    The unsure flag's figures use the predictor's rule; `calibrate` gives a model's own rule.
    """
    domain = predictor.domain
    progress = progress or (lambda stage, done, total: None)
    if scores_whole(domain):
        scores, table = answer_every_tuple(predictor.probabilities, domain, progress)
        sums = None
        tuple_at = functools.partial(tuples_from_index, domain=domain)
        edges = tuple_index(edge_tuples(domain, edge_budget), domain).astype(np.int64)
    else:
        tuples = evaluation_tuples(domain, sample_size, seed, edge_budget)
        scores, table = _score_tuples(predictor, tuples, progress), None
        sums = score_sums(predictor, per_sum, seed, progress)
        tuple_at = tuples.__getitem__
        edges = np.arange(len(edge_tuples(domain, edge_budget)))  # listed first
    count = len(scores.exact)
    held = np.empty(count, bool)
    codes = np.empty(count, np.int64)
    carried = np.empty(count, np.int64)
    for start in range(0, count, ANSWER_BATCH):
        rows = np.arange(start, min(start + ANSWER_BATCH, count))
        held[rows] = predictor.model.heldout_rule.is_held_out(tuple_at(rows), domain)
        codes[rows] = layout_of(tuple_at(rows), domain)
        carried[rows] = carries(tuple_at(rows))
    wrong = np.flatnonzero(~scores.exact)[:show_wrong]
    return Evaluation(
        exhaustive=table is not None,
        all=Subset.of(np.ones(count, bool), scores.exact, scores.chars_right),
        heldout=Subset.of(held, scores.exact, scores.chars_right),
        trained=Subset.of(~held, scores.exact, scores.chars_right),
        edges=Subset.of(np.isin(np.arange(count), edges), scores.exact, scores.chars_right),
        confidence=confidence_report(scores.agreement, scores.confidence, scores.exact,
                                     predictor.confidence_rule.threshold,
                                     predictor.confidence_rule.unchecked_from),
        layouts=per_layout_counts(codes, scores.exact, domain),
        carries=per_carries_counts(carried, scores.exact),
        wrong=_wrong_answers(predictor, tuple_at(wrong)),
        table=table,
        sums=sums,
        correct=scores.exact,
        agreement=scores.agreement,
        product=scores.confidence,
    )


def _wrong_answers(predictor: Predictor, tuples: np.ndarray) -> list[dict]:
    return [
        {"input": a.expression, "prediction": a.prediction, "truth": a.truth,
         "confidence": round(a.confidence, 4), "agreement": round(a.agreement, 4)}
        for a in predictor.answer(tuples)
    ] if len(tuples) else []


def calibrate(evaluation: Evaluation) -> ConfidenceRule:
    """The unsure rule for the evaluated model: a threshold relative to its mean agreement
    (core.confidence), set as a model is saved; a model without an answer table (one not scored
    whole) asks related sums only below its `sure_confidence`."""
    sure = None if evaluation.exhaustive else sure_confidence(evaluation.product, evaluation.correct)
    return ConfidenceRule.calibrated(evaluation.mean_agreement, sure)
