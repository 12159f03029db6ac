"""Sums: how many tuples make each sum, a draw that covers every sum, and the rare-sum tails.

A draw per layout holds few tuples whose sum is near the smallest or the largest: on four terms
of 0..99 one tuple sums to 396 and four to 395, of 10^8. Counting the tuples of each sum exactly
lets a draw take up to N tuples of every sum (all of them where a sum has fewer, so both tails
are complete), and lets the rarest sums, the *tails*, be listed whole.

A sum's tuples are ranked lexicographically; the count table turns a rank back into its tuple
without enumerating the others, on any domain seqsum accepts.
"""

from __future__ import annotations

import functools

import numpy as np

from .domain import Domain

TAIL_BUDGET = 10_000
"""Tuples in the tails at most: the rarest sums, taken from both ends while their tuples fit,
few enough for a training epoch to hold them all beside its draw per layout."""


@functools.cache
def _ways(terms: int, max_operand: int) -> np.ndarray:
    """(terms + 1, terms * max_operand + 1): ways[j, s], how many j-tuples of 0..max_operand sum
    to s (int64: at most 10^16 on five terms of 0..9999)."""
    top = terms * max_operand
    ways = np.zeros((terms + 1, top + 1), np.int64)
    ways[0, 0] = 1
    totals = np.arange(top + 1)
    for j in range(1, terms + 1):
        below = np.concatenate([[0], np.cumsum(ways[j - 1])])  # below[s + 1]: ways[j - 1, 0..s]
        ways[j] = below[totals + 1] - below[np.maximum(totals - max_operand, 0)]
    return ways


def sum_counts(domain: Domain) -> np.ndarray:
    """(largest sum + 1,) how many tuples of the domain make each sum."""
    return _ways(domain.terms, domain.max_operand)[domain.terms]


def tuples_of_sums(sums: np.ndarray, ranks: np.ndarray, domain: Domain) -> np.ndarray:
    """(N, terms): the tuple of rank `ranks[i]` (lexicographic, from 0) among those summing to
    `sums[i]`."""
    ways = _ways(domain.terms, domain.max_operand)
    rest = np.array(sums, np.int64)
    rank = np.array(ranks, np.int64)
    operands = np.empty((len(rest), domain.terms), np.int64)
    for term in range(domain.terms - 1):
        # below[u + 1]: how many tuples of the operands after this one sum to u or less, so the
        # tuples whose operand here is at most a number below[rest + 1] - below[rest - a].
        below = np.concatenate([[0], np.cumsum(ways[domain.terms - term - 1])])
        within = below[rest + 1] - rank  # the operand is the smallest a with below[rest - a] < this
        value = rest - np.searchsorted(below, within, side="left") + 1
        rank -= below[rest + 1] - below[rest - value + 1]
        operands[:, term] = value
        rest -= value
    operands[:, -1] = rest
    return operands


def per_sum_tuples(domain: Domain, per_sum: int, rng: np.random.Generator) -> np.ndarray:
    """Up to `per_sum` distinct tuples of every sum, all of them where a sum has no more, in
    order of sum. A larger sum's tuples are drawn one from each of `per_sum` equal runs of its
    ranks (so they spread over the first operand's values too); deterministic for a seeded `rng`."""
    counts = sum_counts(domain)
    taken = np.minimum(counts, per_sum)
    sums = np.repeat(np.arange(len(counts)), taken)
    starts = np.cumsum(taken) - taken
    place = np.arange(len(sums)) - np.repeat(starts, taken)  # 0.. within its sum
    count = counts[sums]
    first = (place * count + per_sum - 1) // per_sum  # the run of ranks `place` owns, where
    last = ((place + 1) * count + per_sum - 1) // per_sum - 1  # the sum has more than per_sum
    offset = np.floor(rng.random(len(sums)) * (last - first + 1)).astype(np.int64)
    ranks = np.where(count <= per_sum, place, np.minimum(first + offset, last))
    return tuples_of_sums(sums, ranks, domain)


@functools.cache
def tail_bounds(domain: Domain, budget: int = TAIL_BUDGET) -> tuple[int, int]:
    """(low, high): the tails are the sums below `low` and above `high`, the rarest from both ends
    whose tuples together are at most `budget` (none when even the smallest sum's are more)."""
    counts = sum_counts(domain)
    top = len(counts) - 1
    taken, low = 0, 0
    while low < top - low:
        more = int(counts[low] + counts[top - low])
        if taken + more > budget:
            break
        taken += more
        low += 1
    return low, top - low


def in_tails(operands: np.ndarray, domain: Domain) -> np.ndarray:
    """(N, terms) operands -> (N,) whether each tuple's sum is in the tails."""
    low, high = tail_bounds(domain)
    totals = np.asarray(operands, np.int64).sum(axis=1)
    return (totals < low) | (totals > high)


def tail_tuples(domain: Domain) -> np.ndarray:
    """Every tuple whose sum is in the tails, in order of sum."""
    low, high = tail_bounds(domain)
    counts = sum_counts(domain)
    sums = np.r_[np.arange(low), np.arange(high + 1, len(counts))].astype(np.int64)
    taken = counts[sums]
    starts = np.cumsum(taken) - taken
    ranks = np.arange(int(taken.sum())) - np.repeat(starts, taken)
    return tuples_of_sums(np.repeat(sums, taken), ranks, domain)
