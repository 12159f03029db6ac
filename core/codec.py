"""Text <-> symbol indices <-> one-hot, at the fixed widths of a Domain.

The network always reads `input_width` symbols and writes `answer_width` symbols, padded with
spaces. Where a question's operands sit in its width is a model's choice (`QUESTION_ALIGNS`).
Answers are left-aligned and always in reading order here; the order the network *writes* them
in is a model's choice too (`written_order`), applied only where the network meets its targets
and its outputs.
"""

from __future__ import annotations

import numpy as np

from .distinct import each_distinct
from .domain import PAD, SYMBOLS, VOCABULARY, Domain

INDEX = {ch: i for i, ch in enumerate(VOCABULARY)}


def one_hot(indices: np.ndarray) -> np.ndarray:
    """Indices of any shape -> float32 one-hot with a trailing axis of len(VOCABULARY)."""
    return np.eye(len(VOCABULARY), dtype=np.float32)[np.asarray(indices)]


def _digits_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """Right-aligned decimal digits of each value, -1 where a value has no digit."""
    values = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (values[:, None] // powers) % 10
    ndigits = np.maximum(1, np.floor(np.log10(np.maximum(values, 1))).astype(np.int64) + 1)
    digits[np.arange(width)[None, :] < (width - ndigits)[:, None]] = -1
    return digits


FEW_ROWS = 16
"""Up to this many rows are encoded through their text, and decoded row by row: a REPL answer's
one question and answer cost a few microseconds that way, against a dozen vectorised NumPy passes."""


def _encode_texts(texts: list[str], width: int) -> np.ndarray:
    """Texts -> (N, width) symbol indices, padded on the right."""
    out = np.full((len(texts), width), INDEX[PAD], dtype=np.int64)
    for row, text in enumerate(texts):
        out[row, : len(text)] = [INDEX[ch] for ch in text]
    return out


QUESTION_ALIGNS = ("right", "left")
"""Where a question's operands sit in its fixed width. "right": each operand right-aligned in a
field as wide as the largest operand, as in column addition ("  37+  68" on 0..9999), so the
network knows each digit's place value as it reads it; seqsum's default for operands of three or
four digits (docs/recipe.md). "left": the operands joined by `+` and padded at the end
("37+68    "), as the Keras notebook seqsum started from does; the default for shorter ones."""


def check_question_align(align: str) -> str:
    """`align`, or ValueError naming the known ones (a model file from a newer seqsum)."""
    if align not in QUESTION_ALIGNS:
        raise ValueError(f"unknown question alignment {align!r} (known: {', '.join(QUESTION_ALIGNS)})")
    return align


def question_texts(operands: np.ndarray, domain: Domain, align: str) -> list[str]:
    """Each tuple's question as the network reads it, padded to `input_width`."""
    width = domain.operand_width if check_question_align(align) == "right" else 0
    texts = ["+".join(str(value).rjust(width) for value in row) for row in np.asarray(operands).tolist()]
    return [text.ljust(domain.input_width) for text in texts]


def encode_questions(operands: np.ndarray, domain: Domain, align: str) -> np.ndarray:
    """(N, terms) operand array -> (N, input_width) symbol indices, vectorised for big datasets."""
    operands = np.asarray(operands, dtype=np.int64)
    if len(operands) <= FEW_ROWS:
        return _encode_texts(question_texts(operands, domain, align), domain.input_width)
    digits = [_digits_matrix(operands[:, term], domain.operand_width) for term in range(domain.terms)]
    if check_question_align(align) == "right":
        fields = [np.where(d >= 0, d, INDEX[PAD]) for d in digits]
        plus = np.full((len(operands), 1), INDEX["+"], dtype=np.int64)
        return np.concatenate([part for field in fields for part in (plus, field)][1:], axis=1)
    out = np.full((len(operands), domain.input_width), INDEX[PAD], dtype=np.int64)
    cursor = np.zeros(len(operands), dtype=np.int64)
    rows = np.arange(len(operands))
    for term, term_digits in enumerate(digits):
        if term:
            out[rows, cursor] = INDEX["+"]
            cursor += 1
        for col in range(domain.operand_width):
            has = term_digits[:, col] >= 0
            out[rows[has], cursor[has]] = term_digits[has, col]
            cursor[has] += 1
    return out


def encode_answers(totals: np.ndarray, domain: Domain) -> np.ndarray:
    """(N,) sums -> (N, answer_width) symbol indices, left-aligned and space-padded."""
    totals = np.asarray(totals, dtype=np.int64)
    width = domain.answer_width
    if len(totals) <= FEW_ROWS:
        return _encode_texts([str(total) for total in totals.tolist()], width)
    digits = _digits_matrix(totals, width)
    out = np.full((len(totals), width), INDEX[PAD], dtype=np.int64)
    ndigits = (digits >= 0).sum(axis=1)
    # Shift each row's digits to the left edge.
    for k in range(1, width + 1):
        rows = ndigits == k
        out[rows, :k] = digits[rows, width - k :]
    return out


ANSWER_ORDERS = ("reversed", "reading")
"""How a network writes an answer's padded text: "reversed", last character first, like adding
on paper from the right (seqsum's default: it generalises to never-seen sums on every seed
measured, see docs/recipe.md); or "reading", first character first, as the Keras notebook
seqsum started from does."""


def written_order(width: int, order: str) -> np.ndarray:
    """The reading position of the character the network writes at each step, (width,).

    Training takes targets as `answers[:, written_order(...)]`; the forward pass puts its
    step t at reading position `written_order(...)[t]`. Every answer, score and confidence
    outside those two places is in reading order.
    """
    positions = np.arange(width)
    return positions[::-1].copy() if check_answer_order(order) == "reversed" else positions


def check_answer_order(order: str) -> str:
    """`order`, or ValueError naming the known ones (a model file from a newer seqsum)."""
    if order not in ANSWER_ORDERS:
        raise ValueError(f"unknown answer order {order!r} (known: {', '.join(ANSWER_ORDERS)})")
    return order


def decode_many(indices: np.ndarray) -> list[str]:
    """(N, width) indices -> stripped strings. A large batch decodes each distinct row once (it
    holds far fewer distinct answers than rows); a few rows are joined directly (see FEW_ROWS)."""
    indices = np.asarray(indices, np.int64)
    if len(indices) <= FEW_ROWS:
        return ["".join(row).strip(PAD) for row in SYMBOLS[indices].tolist()]
    base = len(SYMBOLS)
    codes = indices @ base ** np.arange(indices.shape[1], dtype=np.int64)  # a row as one number

    def text_of(code: int) -> str:
        return "".join(SYMBOLS[code // base**i % base] for i in range(indices.shape[1])).strip(PAD)

    return each_distinct(codes, text_of).tolist()
