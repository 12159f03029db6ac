"""How sure the network is of a whole answer, and when to call it unsure.

The score is the product over answer positions of each position's top probability, after
temperature scaling of the softmax (a calibration fitted on held-out data when the model is
saved). Answers scoring below the threshold are flagged low-confidence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

DEFAULT_THRESHOLD = 0.9


@dataclass(frozen=True)
class ConfidenceRule:
    temperature: float = 1.0
    threshold: float = DEFAULT_THRESHOLD

    @classmethod
    def from_meta(cls, meta: dict) -> ConfidenceRule:
        data = meta.get("confidence") or {}
        return cls(
            temperature=float(data.get("temperature", 1.0)),
            threshold=float(data.get("threshold", DEFAULT_THRESHOLD)),
        )

    def to_dict(self) -> dict:
        return asdict(self)

    def score(self, probabilities: np.ndarray) -> np.ndarray:
        """(N, positions, vocabulary) softmax outputs -> (N,) answer confidence in [0, 1]."""
        top = probabilities.max(axis=-1)
        if self.temperature != 1.0:
            # softmax(log p / T) at the top symbol, without recomputing logits.
            logp = np.log(np.maximum(probabilities, 1e-30)) / self.temperature
            logp -= logp.max(axis=-1, keepdims=True)
            top = 1.0 / np.exp(logp).sum(axis=-1)
        return top.prod(axis=-1)
