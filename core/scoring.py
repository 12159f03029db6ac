"""Scoring: exact match of the whole answer is the headline; per-character is secondary.

Also measures how well the confidence separates right from wrong answers, because a neural
calculator is only useful if it says when not to trust it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from .answer import Answers, Predictor
from .codec import encode_answers
from .confidence import ConfidenceRule, agreement_from_counts, answer_values, product_confidence
from .dataset import distinct_rows, tuple_index, tuples_from_index
from .domain import Domain
from .layouts import EDGE_BUDGET, edge_tuples, layout_of, per_layout_counts, sample_by_layout
from .table import TABLE_LIMIT, build_table

BATCH = 8192
EXHAUSTIVE_LIMIT = TABLE_LIMIT
"""Domains up to this many tuples are scored whole, each tuple through the network once."""
SAMPLE_SIZE = 20_000
"""Above EXHAUSTIVE_LIMIT: tuples drawn per layout, besides the edge tuples."""


def exact_match(predicted: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Per row of (N, width) symbol indices: was every position right?"""
    return (np.asarray(predicted) == np.asarray(expected)).all(axis=1)


def auroc(scores: np.ndarray, positives: np.ndarray) -> float | None:
    """Probability that a random positive scores above a random negative (ties count half)."""
    positives = np.asarray(positives, bool)
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if not n_pos or not n_neg:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = np.asarray(scores)[order]
    # Average ranks over ties.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0 + 1
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    confidence = np.asarray(confidence, float)
    correct = np.asarray(correct, float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            error += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(error)


@dataclass
class Subset:
    count: int
    exact_match: float
    char_accuracy: float

    def to_dict(self) -> dict:
        return {"count": self.count, "exact_match": self.exact_match, "char_accuracy": self.char_accuracy}


@dataclass
class ConfidenceReport:
    """How well `agreement` (the flag's measure) separates right from wrong, and the product too."""

    threshold: float
    auroc: float | None
    ece: float
    wrong_caught: float | None  # share of wrong answers flagged low-confidence
    right_flagged: float | None  # share of right answers flagged low-confidence
    product_auroc: float | None = None
    product_ece: float | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Evaluation:
    exhaustive: bool
    all: Subset
    heldout: Subset
    trained: Subset
    edges: Subset  # the edge tuples (core.layouts), always scored
    confidence: ConfidenceReport
    layouts: list[dict] = field(default_factory=list)  # per layout: name, digits, count, right
    wrong: list[dict] = field(default_factory=list)
    table: np.ndarray | None = field(default=None, repr=False)  # every answer, when exhaustive (core.table)

    def to_dict(self) -> dict:
        return {
            "exhaustive": self.exhaustive,
            "all": self.all.to_dict(),
            "heldout": self.heldout.to_dict(),
            "trained": self.trained.to_dict(),
            "edges": self.edges.to_dict(),
            "confidence": self.confidence.to_dict(),
            "layouts": self.layouts,
            "wrong": self.wrong,
        }


def _subset(mask: np.ndarray, exact: np.ndarray, chars_right: np.ndarray) -> Subset:
    count = int(mask.sum())
    if not count:
        return Subset(0, 0.0, 0.0)
    return Subset(count, float(exact[mask].mean()), float(chars_right[mask].mean()))


def confidence_report(agreement, product, correct, threshold) -> ConfidenceReport:
    correct = np.asarray(correct, bool)
    flagged = np.asarray(agreement) < threshold
    wrong = ~correct
    return ConfidenceReport(
        threshold=threshold,
        auroc=auroc(agreement, correct),
        ece=expected_calibration_error(agreement, correct),
        wrong_caught=float(flagged[wrong].mean()) if wrong.any() else None,
        right_flagged=float(flagged[correct].mean()) if correct.any() else None,
        product_auroc=auroc(product, correct),
        product_ece=expected_calibration_error(product, correct),
    )


def evaluation_tuples(domain: Domain, sample_size: int = SAMPLE_SIZE, seed: int = 0,
                      edge_budget: int = EDGE_BUDGET) -> np.ndarray:
    """What a domain too large to score whole is scored on: its edge tuples first, then a seeded
    sample of `sample_size` drawn equally from every layout (core.layouts), without repeats."""
    sample = sample_by_layout(domain, np.random.default_rng(seed), total=sample_size)
    tuples = np.concatenate([edge_tuples(domain, edge_budget), sample])
    first, _ = distinct_rows(tuples, domain)
    return tuples[np.sort(first)]


@dataclass
class _Scores:
    """Per scored tuple: exact match, share of characters right, product confidence, agreement."""

    exact: np.ndarray
    chars_right: np.ndarray
    confidence: np.ndarray
    agreement: np.ndarray

    @classmethod
    def empty(cls, count: int) -> _Scores:
        return cls(np.empty(count, bool), np.empty(count), np.empty(count), np.empty(count))

    def fill(self, rows: slice | np.ndarray, probabilities: np.ndarray, truths: np.ndarray, domain: Domain):
        top = probabilities.argmax(-1)
        hits = top == encode_answers(truths, domain)
        self.exact[rows] = hits.all(axis=1)
        self.chars_right[rows] = hits.mean(axis=1)
        self.confidence[rows] = product_confidence(probabilities)
        return top


def _score_every_tuple(predictor: Predictor, progress) -> tuple[_Scores, np.ndarray]:
    """Every tuple of the domain through the network once, then every tuple's related sums
    counted from those answers: (scores in tuple_index order, the answer table, core.table)."""
    domain = predictor.domain
    scores = _Scores.empty(domain.size)
    values = np.empty(domain.size, np.int16)
    for start in range(0, domain.size, BATCH):
        rows = slice(start, min(start + BATCH, domain.size))
        tuples = tuples_from_index(np.arange(rows.start, rows.stop), domain)
        top = scores.fill(rows, predictor.probabilities(tuples), tuples.sum(axis=1), domain)
        values[rows] = answer_values(top)
        progress("answering", rows.stop, domain.size)
    table = build_table(values, domain)
    scores.agreement[:] = agreement_from_counts(table["fitting"], table["related"], scores.confidence)
    return scores, table


def _score_tuples(predictor: Predictor, tuples: np.ndarray, progress) -> _Scores:
    scores = _Scores.empty(len(tuples))
    for start in range(0, len(tuples), BATCH):
        rows = slice(start, min(start + BATCH, len(tuples)))
        answers: Answers = predictor.answer(tuples[rows])
        scores.fill(rows, answers.probabilities, answers.truths, predictor.domain)
        scores.agreement[rows] = answers.agreement
        progress("answering", rows.stop, len(tuples))
    return scores


def evaluate(predictor: Predictor, sample_size: int = SAMPLE_SIZE, seed: int = 0, show_wrong: int = 20,
             calibrate: bool = False, progress=None, edge_budget: int = EDGE_BUDGET) -> Evaluation:
    """Exact match over every tuple of the domain when it has at most EXHAUSTIVE_LIMIT (then the
    evaluation also carries the answer table), else over the edge tuples and a sample stratified
    by layout; split by held-out vs trained, by layout, and for the edge tuples.

    `progress(stage, done, total)`, if given, is called after each batch (the CLI draws it).
    With `calibrate`, the predictor's confidence rule is set from this model's mean agreement
    over these tuples (see core.confidence), as a model is saved, and the report uses it.
    """
    domain = predictor.domain
    progress = progress or (lambda stage, done, total: None)
    if domain.size <= EXHAUSTIVE_LIMIT:
        scores, table = _score_every_tuple(predictor, progress)
        tuple_at = functools.partial(tuples_from_index, domain=domain)
        edges = tuple_index(edge_tuples(domain, edge_budget), domain).astype(np.int64)
    else:
        tuples = evaluation_tuples(domain, sample_size, seed, edge_budget)
        scores, table = _score_tuples(predictor, tuples, progress), None
        tuple_at = tuples.__getitem__
        edges = np.arange(len(edge_tuples(domain, edge_budget)))  # listed first
    count = len(scores.exact)
    held = np.empty(count, bool)
    codes = np.empty(count, np.int64)
    for start in range(0, count, BATCH):
        rows = np.arange(start, min(start + BATCH, count))
        held[rows] = predictor.model.heldout_rule.is_held_out(tuple_at(rows), domain)
        codes[rows] = layout_of(tuple_at(rows), domain)
    if calibrate:
        predictor.confidence_rule = ConfidenceRule.calibrated(float(scores.agreement.mean()))
    wrong = np.flatnonzero(~scores.exact)[:show_wrong]
    return Evaluation(
        exhaustive=table is not None,
        all=_subset(np.ones(count, bool), scores.exact, scores.chars_right),
        heldout=_subset(held, scores.exact, scores.chars_right),
        trained=_subset(~held, scores.exact, scores.chars_right),
        edges=_subset(np.isin(np.arange(count), edges), scores.exact, scores.chars_right),
        confidence=confidence_report(scores.agreement, scores.confidence, scores.exact,
                                     predictor.confidence_rule.threshold),
        layouts=per_layout_counts(codes, scores.exact, domain),
        wrong=_wrong_answers(predictor, tuple_at(wrong)),
        table=table,
    )


def _wrong_answers(predictor: Predictor, tuples: np.ndarray) -> list[dict]:
    return [
        {"input": a.expression, "prediction": a.prediction, "truth": a.truth,
         "confidence": round(a.confidence, 4), "agreement": round(a.agreement, 4)}
        for a in predictor.answer(tuples)
    ] if len(tuples) else []
