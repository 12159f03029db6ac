"""Scoring: exact match of the whole answer is the headline; per-character is secondary.

Also measures how well the confidence separates right from wrong answers, because a neural
calculator is only useful if it says when not to trust it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .answer import Answers, Predictor
from .codec import encode_answers
from .confidence import ConfidenceRule
from .dataset import evaluation_tuples

BATCH = 8192


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
    confidence: ConfidenceReport
    wrong: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "exhaustive": self.exhaustive,
            "all": self.all.to_dict(),
            "heldout": self.heldout.to_dict(),
            "trained": self.trained.to_dict(),
            "confidence": self.confidence.to_dict(),
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


def evaluate(predictor: Predictor, sample_size: int = 20_000, seed: int = 0, show_wrong: int = 20,
             calibrate: bool = False):
    """Exact match over the whole domain (or a seeded sample), split by held-out vs trained.

    With `calibrate`, the predictor's confidence rule is set from this model's mean agreement
    over these tuples (see core.confidence), as a model is saved, and the report uses it.
    """
    domain = predictor.domain
    tuples = evaluation_tuples(domain, sample_size, seed)
    exact = np.empty(len(tuples), bool)
    chars_right = np.empty(len(tuples))
    confidence = np.empty(len(tuples))
    agreement = np.empty(len(tuples))
    wrong: list[dict] = []
    for start in range(0, len(tuples), BATCH):
        answers: Answers = predictor.answer(tuples[start : start + BATCH])
        expected = encode_answers(answers.truths, domain)
        hits = answers.top_index == expected
        right = hits.all(axis=1)
        exact[start : start + len(answers)] = right
        chars_right[start : start + len(answers)] = hits.mean(axis=1)
        confidence[start : start + len(answers)] = answers.confidence
        agreement[start : start + len(answers)] = answers.agreement
        for row in np.flatnonzero(~right)[: max(0, show_wrong - len(wrong))]:
            a = answers[int(row)]
            wrong.append(
                {"input": a.expression, "prediction": a.prediction, "truth": a.truth,
                 "confidence": round(a.confidence, 4), "agreement": round(a.agreement, 4)}
            )
    if calibrate:
        predictor.confidence_rule = ConfidenceRule.calibrated(float(agreement.mean()))
    rule = predictor.confidence_rule
    held = predictor.model.heldout_rule.is_held_out(tuples, domain)
    everything = np.ones(len(tuples), bool)
    return Evaluation(
        exhaustive=len(tuples) == domain.size,
        all=_subset(everything, exact, chars_right),
        heldout=_subset(held, exact, chars_right),
        trained=_subset(~held, exact, chars_right),
        confidence=confidence_report(agreement, confidence, exact, rule.threshold),
        wrong=wrong,
    )
