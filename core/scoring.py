"""Scoring: exact match of the whole answer is the headline; per-character is secondary.

Also measures how well the confidence separates right from wrong answers, because a neural
calculator is only useful if it says when not to trust it. core.evaluation applies these to a
model over its domain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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


def confidence_report(agreement, product, correct, threshold,
                      unchecked_from: float | None = None) -> ConfidenceReport:
    """How the flag (agreement below `threshold`, only where the product is below the rule's
    `unchecked_from` if given, core.confidence) and both measures separate right from wrong
    answers."""
    correct = np.asarray(correct, bool)
    flagged = np.asarray(agreement) < threshold
    if unchecked_from is not None:
        flagged &= np.asarray(product) < unchecked_from
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
