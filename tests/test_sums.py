"""Sums (core.sums), typed tuples (core.layouts) and the per-sum evaluation of a domain too large
to score whole (core.sum_scores): every sum covered, both tails complete, seeded, and a network
wrong only at the tails and on typed tuples found there."""

import numpy as np
import pytest

from seqsum.core.dataset import all_tuples
from seqsum.core.domain import Domain
from seqsum.core.evaluation import evaluate, scores_whole
from seqsum.core.layouts import TYPED_AT_MOST, is_typed, typed_count, typed_tuples, typed_values
from seqsum.core.modelfile import read_model_file
from seqsum.core.sums import (
    TAIL_BUDGET,
    in_tails,
    per_sum_tuples,
    sum_counts,
    tail_bounds,
    tail_tuples,
    tuples_of_sums,
)
from seqsum.repl.report import evaluation_text
from seqsum.repl.training import TrainingOutcome

from .conftest import Scripted, write_numpy_model

SMALL = [Domain(2, 9), Domain(3, 7), Domain(4, 5), Domain(5, 4), Domain(2, 99), Domain(3, 30)]


def by_sum_then_operands(domain: Domain) -> np.ndarray:
    every = all_tuples(domain)
    return every[np.lexsort((*every.T[::-1], every.sum(axis=1)))]


@pytest.mark.parametrize("domain", SMALL)
def test_sum_counts_and_ranks_match_the_whole_domain(domain):
    ordered = by_sum_then_operands(domain)
    totals = ordered.sum(axis=1)
    counts = sum_counts(domain)
    assert counts.tolist() == np.bincount(totals).tolist()
    ranks = np.arange(len(ordered)) - (np.cumsum(counts) - counts)[totals]
    assert (tuples_of_sums(totals, ranks, domain) == ordered).all()


@pytest.mark.parametrize("domain", [*SMALL, Domain(4, 99), Domain(2, 9999), Domain(5, 9999)])
def test_per_sum_draw_covers_every_sum_with_distinct_tuples(domain):
    per_sum = 7
    drawn = per_sum_tuples(domain, per_sum, np.random.default_rng(0))
    counts = sum_counts(domain)
    assert ((drawn >= 0) & (drawn <= domain.max_operand)).all()
    expected_sums = np.repeat(np.arange(len(counts)), np.minimum(counts, per_sum))
    assert drawn.sum(axis=1).tolist() == expected_sums.tolist()
    assert len(np.unique(drawn, axis=0)) == len(drawn)


@pytest.mark.parametrize("domain", SMALL)
def test_a_sum_with_few_tuples_is_drawn_whole_so_both_tails_are_complete(domain):
    per_sum = 20
    drawn = {tuple(t) for t in per_sum_tuples(domain, per_sum, np.random.default_rng(3)).tolist()}
    every = all_tuples(domain)
    few = sum_counts(domain)[every.sum(axis=1)] <= per_sum
    assert few[0] and few[-1]  # the smallest and the largest sum
    assert {tuple(t) for t in every[few].tolist()} <= drawn


def test_per_sum_draw_is_seeded():
    domain = Domain(4, 99)
    first, again, other = (per_sum_tuples(domain, 100, np.random.default_rng(s)) for s in (1, 1, 2))
    assert (first == again).all()
    assert (first != other).any(axis=1).sum() > len(first) // 2


@pytest.mark.parametrize("domain", [Domain(2, 99), Domain(3, 30), Domain(4, 12)])
def test_tails_are_the_rarest_sums_from_both_ends_within_the_budget(domain):
    low, high = tail_bounds(domain)
    counts, every = sum_counts(domain), all_tuples(domain)
    tails = every[in_tails(every, domain)]
    assert len(tails) <= TAIL_BUDGET < len(tails) + counts[low] + counts[high]
    assert sorted(map(tuple, tail_tuples(domain).tolist())) == sorted(map(tuple, tails.tolist()))
    assert low > 0 and high < len(counts) - 1


def test_typed_values_are_what_people_type():
    assert typed_values(Domain(4, 99)) == [*range(11), 20, 25, 50, 75, 97, 98, 99]
    assert typed_values(Domain(2, 9999))[11:] == [20, 25, 50, 75, 100, 200, 250, 500, 750, 1000,
                                                   2000, 2500, 5000, 7500, 9997, 9998, 9999]
    typed = typed_tuples(Domain(4, 99))
    assert len(typed) == 18**4 == len(np.unique(typed, axis=0))
    assert is_typed(typed, Domain(4, 99)).all()
    assert not is_typed(np.array([[50, 50, 50, 51]]), Domain(4, 99)).any()


def test_too_many_typed_tuples_are_a_fixed_draw_in_order():
    """Five terms of 0..9999 have 28^5 typed tuples: a draw, the same every time, sorted, distinct."""
    domain = Domain(5, 9999)
    typed = typed_tuples(domain)
    assert typed_count(domain) == 28**5 > TYPED_AT_MOST >= len(typed) > 0.9 * TYPED_AT_MOST
    assert is_typed(typed, domain).all() and np.array_equal(typed, typed_tuples(domain))
    assert np.array_equal(np.unique(typed, axis=0), typed)  # lexicographic, no repeats


def planted(tmp_path):
    """A network right everywhere on two terms of 0..1414 (just above the whole-scoring limit)
    but on a few tuples at both tails, one typed tuple and one in the middle."""
    domain = Domain(2, 1414)
    assert not scores_whole(domain)
    model = read_model_file(write_numpy_model(tmp_path / "big.keras", domain=domain, units=4))
    wrong = {(1414, 1414): 1, (1413, 1414): -10, (0, 0): 3, (1, 0): 1, (50, 50): 1, (700, 601): 100}
    return Scripted(model, special=wrong), wrong


def test_evaluate_finds_wrong_answers_at_the_tails_and_on_typed_tuples(tmp_path):
    predictor, wrong = planted(tmp_path)
    evaluation = evaluate(predictor, sample_size=16)
    sums = evaluation.sums
    assert sums.sums == 2829 and sums.per_sum == 100
    # The two smallest and two largest sums have at most 3 tuples: all are scored, all are found.
    worst = {w["sum"]: (w["wrong"], w["count"]) for w in sums.worst}
    assert worst[0] == (1, 1) and worst[2828] == (1, 1)
    assert worst[1] == (1, 2) and worst[2827] == (1, 2)
    assert [w["sum"] for w in sums.worst[:2]] == [0, 2828]  # 1 of 1 before 1 of 2
    assert sums.worst[0]["example"] == {"input": "0+0", "prediction": "3", "truth": 0}
    typed_wrong = [t for t in wrong if is_typed(np.array([t]), predictor.domain)[0]]
    assert sums.typed_wrong == len(typed_wrong) == 5
    assert {e["input"] for e in sums.typed_examples} == {"+".join(map(str, t)) for t in typed_wrong}
    assert not sums.clean
    text = evaluation_text(predictor.model, evaluation)
    assert "2828: 1 of 1 wrong, e.g. 1414+1414 → 2829 (true 2828)" in text
    assert "5 wrong: " in text and "50+50 → 101 (true 100)" in text
    assert evaluation.to_dict()["sums"]["typed_wrong"] == 5


def test_train_warns_when_a_sum_or_typed_tuple_is_wrong(tmp_path):
    predictor, _ = planted(tmp_path)
    outcome = TrainingOutcome(predictor.model, evaluate(predictor, sample_size=1000), [], 0.0)
    warning = outcome.not_learned()
    assert "of its 2,829 sums have a wrong answer (worst 0: 1 of 1, 0+0 → 3 (true 0))" in warning
    assert "5 of the 576 typed tuples are wrong" in warning
    assert f"`seqsum-repl evaluate --model {predictor.model.path}` (`:evaluate` in the REPL)" in warning
    right = Scripted(predictor.model)
    assert TrainingOutcome(right.model, evaluate(right, sample_size=16), [], 0.0).not_learned() is None
