"""The unsure flag: an answer is checked against the network's answers to related sums."""

import numpy as np
import pytest

from seqsum.core.answer import Predictor
from seqsum.core.codec import encode_answers
from seqsum.core.confidence import agreement, answer_values, related_sums
from seqsum.core.domain import Domain
from seqsum.core.modelfile import read_model_file


def test_related_sums_total_the_row_plus_their_offset_and_stay_in_the_domain():
    for domain in (Domain(), Domain(3, 99), Domain(5, 9)):
        rng = np.random.default_rng(0)
        operands = rng.integers(0, domain.max_operand + 1, size=(50, domain.terms))
        views, owners, offsets = related_sums(operands, domain)
        assert (views.sum(axis=1) == operands[owners].sum(axis=1) + offsets).all()
        assert set(offsets.tolist()) == {-1, 0, 1}
        assert ((views >= 0) & (views <= domain.max_operand)).all()
        assert (views != operands[owners]).any(axis=1).all()
        per_row = np.bincount(owners, minlength=len(operands))
        assert 30 <= per_row.mean() <= 150  # a budget: enough checks, a bounded cost per answer


def test_related_sums_of_37_plus_68():
    views, _, offsets = related_sums(np.array([[37, 68]]), Domain())
    by_offset = {o: {tuple(v) for v in views[offsets == o].tolist()} for o in (-1, 0, 1)}
    assert {(68, 37), (36, 69), (69, 36), (32, 73)} <= by_offset[0]
    assert {(37, 69), (38, 68), (69, 37), (33, 73)} <= by_offset[1]
    assert {(37, 67), (36, 68), (67, 37), (32, 72)} <= by_offset[-1]
    assert len(by_offset[0]) == 21  # k=1..5 each way, each commuted, and 68+37
    assert len(views) == sum(len(v) for v in by_offset.values())  # no view twice


def test_corner_sums_are_checked_against_their_neighbours():
    views, owners, offsets = related_sums(np.array([[0, 0], [99, 99]]), Domain())
    assert {tuple(v) for v in views[owners == 0].tolist()} == {(0, 1), (1, 0)}
    assert {tuple(v) for v in views[owners == 1].tolist()} == {(98, 99), (99, 98)}
    assert set(offsets[owners == 0].tolist()) == {1} and set(offsets[owners == 1].tolist()) == {-1}


def test_rows_without_views_fall_back():
    result, checks = agreement(np.array([0, 5]), np.empty(0, int), np.empty(0, int),
                               np.empty(0, int), np.array([0.3, 0.9]))
    assert result.tolist() == [0.3, 0.9] and checks.tolist() == [0, 0]


def test_answer_values_read_numbers_and_refuse_malformed_text():
    domain = Domain()
    well_formed = answer_values(encode_answers(np.array([0, 7, 10, 105, 198]), domain))
    assert well_formed.tolist() == [0, 7, 10, 105, 198]
    space, plus = 11, 10
    malformed = np.array([[space] * 3, [0, 5, space], [1, space, 5], [1, plus, space]])
    assert answer_values(malformed).tolist() == [-1, -1, -1, -1]


def test_agreement_counts_views_whose_answers_fit_their_offset():
    values = np.array([105, 7, -1])
    view_values = np.array([105, 106, 104, 105, 7, 8, -1, -1])
    owners = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    offsets = np.array([0, 1, 1, -1, 0, 1, 0, 1])
    shares, checks = agreement(values, view_values, owners, offsets, np.zeros(3))
    # row 0: 105 fits, 106 fits +1, 104 is not 105+1, 105 is not 105-1; a malformed row fits nothing
    assert shares.tolist() == [0.5, 1.0, 0.0] and checks.tolist() == [4, 2, 2]


def test_a_consistent_wrong_total_is_caught_by_its_neighbours():
    """Every way of writing 100 answered 101: equal sums all agree, the totals 99 and 101 not."""
    domain = Domain()
    operands = np.array([[37, 63]])
    views, owners, offsets = related_sums(operands, domain)
    view_totals = views.sum(axis=1)
    view_values = np.where(view_totals == 100, 101, view_totals)
    shares, _ = agreement(np.array([101]), view_values, owners, offsets, np.zeros(1))
    same_total = offsets == 0
    assert (view_values[same_total] == 101).all()
    assert shares[0] == pytest.approx(same_total.mean()) and shares[0] < 0.5


def test_flag_follows_agreement(numpy_model):
    answers = Predictor(read_model_file(numpy_model)).answer([[37, 68], [0, 0], [12, 34]])
    assert (answers.low_confidence == (answers.agreement < answers.threshold)).all()
    assert ((0 <= answers.agreement) & (answers.agreement <= 1)).all()


def test_threshold_is_calibrated_on_the_models_own_mean_agreement(numpy_model):
    """evaluate(calibrate=True) sets 0.8 x mean agreement, and the flag figures use it."""
    from seqsum.core.confidence import DEFAULT_THRESHOLD, RELATIVE_THRESHOLD, ConfidenceRule
    from seqsum.core.dataset import all_tuples
    from seqsum.core.scoring import evaluate

    model = read_model_file(numpy_model)
    predictor = Predictor(model)
    assert predictor.confidence_rule == ConfidenceRule(DEFAULT_THRESHOLD)  # no rule in the file
    evaluation = evaluate(predictor, calibrate=True)
    mean = predictor.answer(all_tuples(model.domain)).agreement.mean()
    rule = predictor.confidence_rule
    assert rule.mean_agreement == pytest.approx(mean)
    assert rule.threshold == pytest.approx(RELATIVE_THRESHOLD * mean) != DEFAULT_THRESHOLD
    assert evaluation.confidence.threshold == rule.threshold
    answers = predictor.answer(all_tuples(model.domain))
    flagged = answers.agreement[answers.correct] < rule.threshold
    assert evaluation.confidence.right_flagged == pytest.approx(flagged.mean())
    assert ConfidenceRule.from_meta({"confidence": rule.to_dict()}) == rule


def test_a_threshold_calibrated_for_another_measure_is_not_used():
    from seqsum.core.confidence import DEFAULT_THRESHOLD, ConfidenceRule

    older = {"measure": "agreement over equivalent sums", "threshold": 0.85, "mean_agreement": 1.0}
    assert ConfidenceRule.from_meta({"confidence": older}) == ConfidenceRule(DEFAULT_THRESHOLD)
