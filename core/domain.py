"""The problem a model solves: how many numbers it adds and how large they may be.

Every fixed width in seqsum (question text, answer text) derives from a Domain, so a model
file only has to record `terms` and `max_operand` to be usable again without guessing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .metadata import whole
from .printable import quoted

VOCABULARY = "0123456789+ "
"""The reference's symbols, in the reference's order: one-hot index i means VOCABULARY[i]."""

SYMBOLS = np.array(list(VOCABULARY))
"""The vocabulary as an array, to turn index arrays into characters in one step."""

PAD = " "
MIN_TERMS, MAX_TERMS = 2, 5
MAX_MAX_OPERAND = 9999


class DomainError(ValueError):
    """A domain outside what seqsum supports (e.g. 7 terms, or operands above 9999)."""


@dataclass(frozen=True)
class Domain:
    terms: int = 2
    max_operand: int = 99

    def __post_init__(self) -> None:
        if whole(self.terms, MIN_TERMS, MAX_TERMS) is None:
            raise DomainError(f"terms must be from {MIN_TERMS} to {MAX_TERMS}, not {quoted(self.terms)}")
        if whole(self.max_operand, 1, MAX_MAX_OPERAND) is None:
            raise DomainError(
                f"the largest operand must be from 1 to {MAX_MAX_OPERAND}, not {quoted(self.max_operand)}"
            )

    @property
    def operand_width(self) -> int:
        return len(str(self.max_operand))

    @property
    def input_width(self) -> int:
        """Characters in a padded question: every operand at full width plus the `+` signs."""
        return self.terms * self.operand_width + self.terms - 1

    @property
    def answer_width(self) -> int:
        """Characters in a padded answer: wide enough for the largest possible sum."""
        return len(str(self.terms * self.max_operand))

    @property
    def size(self) -> int:
        """How many distinct operand tuples exist (order matters: 3+4 and 4+3 are two)."""
        return (self.max_operand + 1) ** self.terms

    def describe(self) -> str:
        return f"adds {self.terms} numbers from 0 to {self.max_operand}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Domain:
        """As recorded by to_dict; KeyError or TypeError when absent, DomainError when not whole
        numbers in range (no conversion: 2.5 or "2" is not a number of terms)."""
        return cls(terms=data["terms"], max_operand=data["max_operand"])
