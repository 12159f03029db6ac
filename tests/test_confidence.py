"""The unsure flag: an answer is checked against the network's answers to equivalent sums."""

import numpy as np
import pytest

from seqsum.core.answer import Predictor
from seqsum.core.confidence import agreement, equivalent_sums, reach
from seqsum.core.domain import Domain
from seqsum.core.modelfile import read_model_file


def test_equivalent_sums_have_the_same_total_and_stay_in_the_domain():
    for domain in (Domain(), Domain(3, 99), Domain(5, 9)):
        rng = np.random.default_rng(0)
        operands = rng.integers(0, domain.max_operand + 1, size=(50, domain.terms))
        views, owners = equivalent_sums(operands, domain)
        assert (views.sum(axis=1) == operands[owners].sum(axis=1)).all()
        assert ((views >= 0) & (views <= domain.max_operand)).all()
        assert (views != operands[owners]).any(axis=1).all()
        assert np.bincount(owners).max() <= 2 * domain.terms * (domain.terms - 1) * reach(domain) + 1


def test_views_of_37_plus_68():
    views, _ = equivalent_sums(np.array([[37, 68]]), Domain())
    as_set = {tuple(v) for v in views.tolist()}
    assert (68, 37) in as_set and (36, 69) in as_set and (69, 36) in as_set and (27, 78) in as_set
    assert len(as_set) == len(views) == 41  # k=1..10 each way, each commuted, and 68+37


def test_corner_sums_without_views_fall_back_to_the_product():
    views, owners = equivalent_sums(np.array([[0, 0], [99, 99]]), Domain())
    assert len(views) == 0
    answers = np.array([[0, 11, 11], [1, 9, 8]])
    result, checks = agreement(answers, np.empty((0, 3), int), owners, np.array([0.3, 0.9]))
    assert result.tolist() == [0.3, 0.9] and checks.tolist() == [0, 0]


def test_agreement_counts_views_answering_the_same():
    answers = np.array([[1, 0, 5], [7, 11, 11]])
    view_answers = np.array([[1, 0, 5], [1, 0, 4], [7, 11, 11], [1, 0, 5]])
    owners = np.array([0, 0, 1, 0])
    shares, checks = agreement(answers, view_answers, owners, np.zeros(2))
    assert shares.tolist() == [2 / 3, 1.0] and checks.tolist() == [3, 1]


def test_flag_follows_agreement(numpy_model):
    answers = Predictor(read_model_file(numpy_model)).answer([[37, 68], [0, 0], [12, 34]])
    assert (answers.low_confidence == (answers.agreement < answers.threshold)).all()
    assert ((0 <= answers.agreement) & (answers.agreement <= 1)).all()


def test_threshold_is_calibrated_on_the_models_own_mean_agreement(numpy_model):
    """evaluate(calibrate=True) sets 0.85 x mean agreement, and the flag figures use it."""
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
