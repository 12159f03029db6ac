"""Carry chains (core.chains): every drawn tuple holds a run of columns summing to 9 modulo 10,
within the domain, seeded, short operands and runs below the top included; and the recipe gives
them their share of each epoch from the middle of training."""

import numpy as np
import pytest

from seqsum.core.chains import chain_tuples
from seqsum.core.domain import Domain
from seqsum.core.layouts import layout_of, layouts
from seqsum.models.config import TrainConfig

from .conftest import text_of

DOMAINS = [Domain(2, 9999), Domain(4, 99), Domain(5, 99), Domain(2, 5000), Domain(3, 9)]


def run_lengths(operands: np.ndarray) -> np.ndarray:
    """(N, terms) -> (N,): the longest run of columns, up to the longest operand's top one, whose
    digits, alone or with the carry into the column, sum to 9 modulo 10 (0 where none does)."""
    rest = np.asarray(operands, np.int64).copy()
    longest = np.zeros(len(rest), np.int64)
    run = np.zeros(len(rest), np.int64)
    carry = np.zeros(len(rest), np.int64)
    while rest.any():
        present = rest.any(axis=1)
        digits = (rest % 10).sum(axis=1)
        passes = (digits % 10 == 9) | ((digits + carry) % 10 == 9)
        run = np.where(present & passes, run + 1, 0)
        longest = np.maximum(longest, run)
        carry = (digits + carry) // 10
        rest //= 10
    return longest


def run_by_hand(numbers: tuple[int, ...]) -> int:
    """The longest run of paper-addition columns whose digits, alone or with the carry into the
    column, sum to 9, 19, 29...: column by column from the ones, up to the longest number's
    first digit."""
    columns = len(str(max(numbers)))
    best = run = carry = 0
    for place in range(columns):
        digits = sum(number // 10**place % 10 for number in numbers)
        run = run + 1 if 9 in (digits % 10, (digits + carry) % 10) else 0
        best = max(best, run)
        carry = (digits + carry) // 10
    return best


@pytest.mark.parametrize("domain", DOMAINS, ids=str)
def test_every_chain_tuple_holds_a_run_and_lies_in_the_domain(domain):
    tuples = chain_tuples(domain, 20_000, np.random.default_rng(1))
    assert len(tuples) > 5_000 and tuples.shape[1] == domain.terms
    assert tuples.min() >= 0 and tuples.max() <= domain.max_operand
    assert (run_lengths(tuples) >= 1).all()
    np.testing.assert_array_equal(chain_tuples(domain, 500, np.random.default_rng(1)),
                                  chain_tuples(domain, 500, np.random.default_rng(1)))


def test_run_lengths_match_the_columns_added_by_hand():
    rng = np.random.default_rng(2)
    for domain in DOMAINS:
        tuples = np.concatenate([rng.integers(0, domain.max_operand + 1, (300, domain.terms)),
                                 chain_tuples(domain, 300, rng)])
        assert run_lengths(tuples).tolist() == [run_by_hand(tuple(t)) for t in tuples.tolist()]
    assert run_by_hand((2877, 7122)) == 4 and run_by_hand((2878, 7122)) == 3
    assert run_by_hand((9609, 389)) == 3 and run_by_hand((0, 0)) == 0
    assert run_by_hand((9, 69, 18, 3)) == 2 and run_by_hand((9, 69, 18, 4)) == 0  # 99, and 100


def test_chains_reach_the_answer_length_short_operands_and_every_run_length():
    domain = Domain(2, 9999)
    tuples = chain_tuples(domain, 50_000, np.random.default_rng(3))
    sums = tuples.sum(axis=1)
    near = (sums >= 9990) & (sums <= 10010)
    assert near.mean() > 0.1  # a uniform draw: about 0.2 % of tuples
    assert {9999, 10000}.issubset(set(sums.tolist()))
    assert np.bincount(run_lengths(tuples), minlength=5)[1:].min() > 2_000  # runs of 1 to 4 columns
    seen = np.unique(layout_of(tuples, domain))
    assert len(seen) == len(layouts(domain))  # short operands too (9609+389)


def test_epochs_from_the_middle_hold_carry_chains_at_their_share():
    from seqsum.models.train import FreshDraws

    def long_runs(chain_share: float) -> float:
        config = TrainConfig(terms=2, max_operand=9999, seed=3, train_size=20_000, epochs=2,
                             chain_share=chain_share)
        draws = FreshDraws(config, size=20_000)
        draws.on_epoch_end()  # the draw the first epoch trains on
        x = np.concatenate([draws[i][0] for i in range(len(draws))])
        operands = np.array([[int(v) for v in text_of(row).split("+")] for row in x.argmax(-1)])
        assert not config.heldout_rule.is_held_out(operands, config.domain).any()
        return float((run_lengths(operands) == 4).mean())

    without, with_chains = long_runs(0.0), long_runs(0.1)
    assert without < 0.002  # a uniform draw: about one tuple in 10,000
    assert 0.005 < with_chains - without < 0.03  # runs of 4 columns are 13 % of the chains
