"""Carry chains: tuples in which whether a column carries is decided columns further down.

Adding on paper, a column whose digits and the carry into it make 9 (or 19, 29: 9 modulo 10)
would carry if the carry into it were one more, so a run of such columns passes one carry
decision up the whole run: 2877+7122 makes 9999 and 2878+7122 makes 10000, five digits, because
of the ones column alone; 9+69+18+3 makes 99 and 9+69+18+4 makes 100. A uniform draw holds a run
of r such columns in about one tuple in 10^r, and a network trained on uniform draws goes on
getting wrong the sums they make, those just below and above 10,000 on 0..9999 most of all.
`chain_tuples` draws tuples that each hold one such run.
"""

from __future__ import annotations

import numpy as np

from .domain import Domain

FULL_WIDTH_SHARE = 0.5
"""Each operand has every digit with this probability, else a width drawn from the shorter ones:
short operands pass a carry through the columns they lack (9609+389 makes 9998)."""
TOP_RUN_SHARE = 0.5
"""Share of runs that end at the longest operand's top column, where the run decides the length
of the answer; the others end at a column drawn below it."""
WITH_CARRY_SHARE = 0.5
"""Share of runs whose digits and the carry into each column make 9 modulo 10 (larger carries,
of more numbers); in the others the digits alone do (carries of 0 and 1)."""


def chain_tuples(domain: Domain, count: int, rng: np.random.Generator) -> np.ndarray:
    """(at most count, terms): tuples each holding a run of columns that pass a carry decision
    up (see above), the column below the run drawn freely (it decides); WITH_CARRY_SHARE of the
    runs count the carry into each column. Operand widths are drawn first, then digits; tuples
    above the largest operand are left out."""
    terms, width = domain.terms, domain.operand_width
    full = rng.random((count, terms)) < FULL_WIDTH_SHARE
    widths = np.where(full, width, rng.integers(1, max(width, 2), (count, terms)))
    digits = rng.integers(0, 10, (count, terms, width))
    place = np.arange(width)
    digits[place >= widths[:, :, None]] = 0
    lead = rng.integers(1, 10, (count, terms))  # a number's first digit is not 0 (but 0 itself)
    top = widths - 1
    rows, cols = np.indices((count, terms))
    digits[rows, cols, top] = np.where(widths > 1, lead, digits[rows, cols, top])

    longest = widths.argmax(axis=1)  # its digit completes each column of the run
    high = widths.max(axis=1) - 1
    end = np.where(rng.random(count) < TOP_RUN_SHARE, high,
                   np.floor(rng.random(count) * (high + 1)).astype(np.int64))
    start = np.floor(rng.random(count) * (end + 1)).astype(np.int64)
    with_carry = rng.random(count) < WITH_CARRY_SHARE
    row, carry = np.arange(count), np.zeros(count, np.int64)
    for column in range(width):
        in_run = (start <= column) & (column <= end)
        own = digits[row, longest, column]
        others = digits[:, :, column].sum(axis=1) - own
        completed = (9 - np.where(with_carry, carry, 0) - others) % 10
        digits[row, longest, column] = np.where(in_run, completed, own)
        carry = (others + digits[row, longest, column] + carry) // 10
    operands = digits @ (10 ** place)
    return operands[(operands <= domain.max_operand).all(axis=1)]

