"""Evaluating a model over its domain: exact match over every tuple (or a seeded sample),
held-out against trained, and how well its unsure flag separates right from wrong."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .answer import Predictor
from .confidence import ConfidenceRule
from .dataset import evaluation_tuples
from .scoring import ConfidenceReport, confidence_report

BATCH = 8192


@dataclass
class Subset:
    count: int
    exact_match: float
    char_accuracy: float

    def to_dict(self) -> dict:
        return {"count": self.count, "exact_match": self.exact_match, "char_accuracy": self.char_accuracy}



@dataclass
class Evaluation:
    exhaustive: bool
    all: Subset
    heldout: Subset
    trained: Subset
    confidence: ConfidenceReport
    wrong: list[dict] = field(default_factory=list)
    # Per evaluated tuple, kept so the unsure flag can be judged again under another rule.
    correct: np.ndarray = field(default=None, repr=False)
    agreement: np.ndarray = field(default=None, repr=False)
    product: np.ndarray = field(default=None, repr=False)

    @property
    def mean_agreement(self) -> float:
        return float(self.agreement.mean())

    def judged_by(self, rule: ConfidenceRule) -> Evaluation:
        """The same evaluation with the unsure flag's figures under `rule`."""
        return replace(self, confidence=confidence_report(
            self.agreement, self.product, self.correct, rule.threshold))

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


def evaluate(predictor: Predictor, sample_size: int = 20_000, seed: int = 0,
             show_wrong: int = 20) -> Evaluation:
    """Exact match over the whole domain (or a seeded sample), split by held-out vs trained,
    and how well the predictor's unsure flag separates right from wrong."""
    domain = predictor.domain
    tuples = evaluation_tuples(domain, sample_size, seed)
    exact = np.empty(len(tuples), bool)
    chars_right = np.empty(len(tuples))
    product = np.empty(len(tuples))
    agreement = np.empty(len(tuples))
    wrong: list[dict] = []
    for start in range(0, len(tuples), BATCH):
        answers = predictor.answer(tuples[start : start + BATCH])
        rows = slice(start, start + len(answers))
        exact[rows] = answers.correct
        chars_right[rows] = (answers.top_index == answers.expected).mean(axis=1)
        product[rows] = answers.confidence
        agreement[rows] = answers.agreement
        for row in np.flatnonzero(~answers.correct)[: max(0, show_wrong - len(wrong))]:
            a = answers[int(row)]
            wrong.append(
                {"input": a.expression, "prediction": a.prediction, "truth": a.truth,
                 "confidence": round(a.confidence, 4), "agreement": round(a.agreement, 4)}
            )
    held = predictor.model.heldout_rule.is_held_out(tuples, domain)
    everything = np.ones(len(tuples), bool)
    return Evaluation(
        exhaustive=len(tuples) == domain.size,
        all=_subset(everything, exact, chars_right),
        heldout=_subset(held, exact, chars_right),
        trained=_subset(~held, exact, chars_right),
        confidence=confidence_report(agreement, product, exact, predictor.confidence_rule.threshold),
        wrong=wrong,
        correct=exact,
        agreement=agreement,
        product=product,
    )


def calibrate(evaluation: Evaluation) -> ConfidenceRule:
    """The unsure rule for the evaluated model: a threshold relative to its mean agreement
    (core.confidence), set as a model is saved."""
    return ConfidenceRule.calibrated(evaluation.mean_agreement)
