"""The unsure flag: an answer is checked against the network's answers to related sums."""

import dataclasses

import numpy as np
import pytest

from seqsum.core.answer import Predictor
from seqsum.core.codec import encode_answers
from seqsum.core.confidence import (
    CHECKED_PER_WRONG,
    GLANCE,
    SURE,
    ConfidenceRule,
    agreement,
    agreement_from_counts,
    answer_values,
    related_counts_over_domain,
    related_sums,
    sure_confidence,
)
from seqsum.core.dataset import all_tuples, tuple_index
from seqsum.core.domain import VOCABULARY, Domain
from seqsum.core.modelfile import read_model_file
from seqsum.repl import render

from .conftest import ScriptedNetwork, write_numpy_model


def test_related_sums_total_the_row_plus_their_offset_and_stay_in_the_domain():
    for domain in (Domain(), Domain(3, 99), Domain(5, 9), Domain(2, 999)):
        rng = np.random.default_rng(0)
        operands = rng.integers(0, domain.max_operand + 1, size=(50, domain.terms))
        views, owners, offsets = related_sums(operands, domain)
        assert (views.sum(axis=1) == operands[owners].sum(axis=1) + offsets).all()
        every = {0} | {k for step in range(1, 11) for k in (-step, step)}
        assert set(offsets.tolist()) <= every
        assert set(offsets.tolist()) == every or domain.max_operand < 10
        assert ((views >= 0) & (views <= domain.max_operand)).all()
        assert (views != operands[owners]).any(axis=1).all()
        per_row = np.bincount(owners, minlength=len(operands))
        assert 30 <= per_row.mean() <= 150  # a budget: enough checks, a bounded cost per answer


def test_related_sums_of_37_plus_68():
    views, _, offsets = related_sums(np.array([[37, 68]]), Domain())
    assert {tuple(v) for v in views[offsets == 0].tolist()} == {(68, 37)}
    assert {tuple(v) for v in views[offsets == 3].tolist()} == {(40, 68), (68, 40), (37, 71), (71, 37)}
    assert {tuple(v) for v in views[offsets == -10].tolist()} == {(27, 68), (68, 27), (37, 58), (58, 37)}
    assert len(views) == 81 == len({tuple(v) for v in views.tolist()})  # 20 offsets x 4, and 68+37


def test_corner_sums_are_checked_against_their_neighbours():
    views, owners, offsets = related_sums(np.array([[0, 0], [99, 99]]), Domain())
    assert {tuple(v) for v in views[owners == 0].tolist()} == {
        v for k in range(1, 11) for v in ((0, k), (k, 0))}
    assert {tuple(v) for v in views[owners == 1].tolist()} == {
        v for k in range(1, 11) for v in ((99, 99 - k), (99 - k, 99))}
    assert set(offsets[owners == 0].tolist()) == set(range(1, 11))
    assert set(offsets[owners == 1].tolist()) == set(range(-10, 0))


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
    """Every way of writing 100 answered 101: the swapped sum agrees, the totals around 100 not."""
    domain = Domain()
    operands = np.array([[37, 63]])
    views, owners, offsets = related_sums(operands, domain)
    view_totals = views.sum(axis=1)
    view_values = np.where(view_totals == 100, 101, view_totals)
    shares, _ = agreement(np.array([101]), view_values, owners, offsets, np.zeros(1))
    same_total = offsets == 0
    assert (view_values[same_total] == 101).all()
    assert shares[0] == pytest.approx(same_total.mean()) and shares[0] < 0.5


def test_a_tens_digit_wrong_over_a_run_of_totals_is_caught_by_sums_up_to_ten_away():
    """A network that writes total + 10 for every total from 10 to 19 (0+16 -> 26, as seqsum's
    seed 6 did in a dip): its neighbours one more and one less agree with the wrong answer, the
    totals beyond the run do not."""
    operands = np.array([[0, 16], [0, 25]])
    views, owners, offsets = related_sums(operands, Domain())
    view_totals = views.sum(axis=1)
    view_values = np.where((10 <= view_totals) & (view_totals <= 19), view_totals + 10, view_totals)
    shares, _ = agreement(np.array([26, 25]), view_values, owners, offsets, np.zeros(2))
    nearest = np.abs(offsets) <= 1
    row = owners == 0
    assert (view_values[row & nearest] == 26 + offsets[row & nearest]).all()  # one away: agree
    assert shares[0] < 0.6  # but 6-9 and 20-26 do not: the answer is flagged
    assert shares[1] == pytest.approx((offsets[owners == 1] > -6).mean())  # 15-19 do not fit 25


def test_the_files_threshold_decides_the_flag(tmp_path):
    """Two answers whose agreements differ: a file whose threshold lies between them flags the
    less agreeing one only, and one whose threshold lies below both flags neither."""
    from seqsum.core.confidence import MEASURE

    from .conftest import write_numpy_model

    sums = [[37, 68], [0, 0], [12, 34], [50, 50], [99, 1], [3, 4]]
    plain = Predictor(read_model_file(write_numpy_model(tmp_path / "plain.keras"))).answer(sums)
    order = np.argsort(plain.agreement)
    low, high = order[0], order[-1]
    assert plain.agreement[low] < plain.agreement[high]
    for threshold, flagged in (((plain.agreement[low] + plain.agreement[high]) / 2, [True, False]),
                               (plain.agreement[low] / 2, [False, False])):
        rule = {"measure": MEASURE, "threshold": float(threshold), "mean_agreement": 1.0}
        path = write_numpy_model(tmp_path / "ruled.keras", meta={"confidence": rule})
        answers = Predictor(read_model_file(path)).answer([sums[low], sums[high]])
        assert answers.low_confidence.tolist() == flagged


def test_threshold_is_calibrated_on_the_models_own_mean_agreement(numpy_model):
    """calibrate() gives 0.8 x the mean agreement over the domain, and the flag's figures
    judged by it count right answers below that threshold."""
    from seqsum.core.confidence import DEFAULT_THRESHOLD, RELATIVE_THRESHOLD, ConfidenceRule
    from seqsum.core.dataset import all_tuples
    from seqsum.core.evaluation import calibrate, evaluate

    model = read_model_file(numpy_model)
    predictor = Predictor(model)
    assert predictor.confidence_rule == ConfidenceRule(DEFAULT_THRESHOLD)  # no rule in the file
    evaluation = evaluate(predictor)
    rule = calibrate(evaluation)
    assert predictor.confidence_rule == ConfidenceRule(DEFAULT_THRESHOLD)  # calibrating changes nothing
    answers = predictor.answer(all_tuples(model.domain))
    mean = answers.agreement.mean()
    assert rule.mean_agreement == pytest.approx(mean)
    assert rule.threshold == pytest.approx(RELATIVE_THRESHOLD * mean) != DEFAULT_THRESHOLD
    judged = evaluation.judged_by(rule)
    assert judged.confidence.threshold == rule.threshold != evaluation.confidence.threshold
    right_agreements = answers.agreement[answers.correct]
    assert judged.confidence.right_flagged == pytest.approx((right_agreements < 0.8 * mean).mean())
    assert ConfidenceRule.from_meta({"confidence": rule.to_dict()}) == rule


def test_a_threshold_calibrated_for_another_measure_is_not_used():
    from seqsum.core.confidence import DEFAULT_THRESHOLD, ConfidenceRule

    previous = ("agreement over equivalent sums", "agreement over related sums (equal, one more, one less)")
    for measure in previous:
        older = {"measure": measure, "threshold": 0.85, "mean_agreement": 1.0}
        assert ConfidenceRule.from_meta({"confidence": older}) == ConfidenceRule(DEFAULT_THRESHOLD)


@pytest.mark.parametrize("domain", [Domain(2, 30), Domain(3, 12), Domain(5, 4)])
def test_agreement_over_the_whole_domain_equals_asking_every_related_sum(domain):
    tuples = all_tuples(domain)
    rng = np.random.default_rng(1)
    values = np.where(rng.random(len(tuples)) < 0.3, tuples.sum(1) + rng.integers(-3, 4, len(tuples)),
                      tuples.sum(1))
    values[rng.random(len(tuples)) < 0.05] = -1  # some answers are not numbers
    fallback = rng.random(len(tuples))
    views, owners, offsets = related_sums(tuples, domain)
    expected, _ = agreement(values, values[tuple_index(views, domain).astype(np.int64)], owners, offsets,
                            fallback=fallback)
    fitting, related = related_counts_over_domain(values.astype(np.int16), domain)
    assert np.array_equal(agreement_from_counts(fitting, related, fallback), expected)
    assert np.array_equal(related, np.bincount(owners, minlength=len(tuples)))


class SureExceptWhereSeven(ScriptedNetwork):
    """Right everywhere but on `special` (ScriptedNetwork), and sure (every character 0.999)
    except on tuples with an operand 7 (every character `seven`: 0.9 is under 0.8 over four or
    more characters)."""

    seven = 0.9

    def answer_probabilities(self, operands, domain):
        probabilities = super().answer_probabilities(operands, domain)
        top = np.where((operands == 7).any(axis=1), self.seven, 0.999)[:, None, None]
        return np.where(probabilities > 0.5, top, (1 - top) / (len(VOCABULARY) - 1))


def gated(tmp_path, sure, special=None, glance=None):
    """A predictor of a domain without an answer table, whose file's rule asks related sums only
    below `sure` (and the nearest ones up to `glance`): wrong on 500+500 (sure of it) and on
    7+500 (not sure), or on `special`."""
    from seqsum.core.confidence import MEASURE

    domain = Domain(2, 1414)
    rule = {"measure": MEASURE, "threshold": 0.7, "mean_agreement": 0.875, "sure": sure, "glance": glance}
    model = read_model_file(write_numpy_model(tmp_path / "big.keras", domain=domain, units=4,
                                              meta={"confidence": rule}))
    assert model.table is None
    network = SureExceptWhereSeven(special=special or {(500, 500): 10, (7, 500): 10})
    return Predictor(dataclasses.replace(model, network=network)), network


def test_related_sums_are_asked_only_below_the_sure_confidence(tmp_path):
    predictor, network = gated(tmp_path, SURE)
    sums = [[500, 500], [7, 500], [12, 34], [7, 7], [1414, 0]]
    answers = predictor.answer(sums)
    asked = answers.checks > 0
    assert asked.tolist() == [False, True, False, True, False]
    assert (answers.confidence[~asked] >= SURE).all() and (answers.confidence[asked] < SURE).all()
    assert np.array_equal(answers.agreement[~asked], answers.confidence[~asked])
    # The surely wrong answer goes unmarked: the cost of not checking; the unsure one is caught.
    assert answers.correct.tolist() == [False, False, True, True, True]
    assert answers.low_confidence.tolist() == [False, True, False, False, False]
    # Two calls: the five sums, then the two unsure answers' related sums (each distinct one once).
    assert network.asked[0] == len(sums) and len(network.asked) == 2
    assert 0.5 * answers.checks.sum() < network.asked[1] <= answers.checks.sum()
    assert render.checks_text(answers[0]) == "at least 80.0% sure, so no related sum was asked"
    assert render.checks_text(answers[1]).endswith(f"of {answers.checks[1]} related sums agree")


def test_answers_from_sure_up_to_glance_are_checked_against_their_rotated_sum(tmp_path):
    """A trained model's rule (`sure` 0.8, `glance` GLANCE) still checks an answer written 90 %
    sure, as trained networks of large domains write some of their rare wrong answers that sure
    (docs/confidence.md): against one related sum, its operands rotated, not all 81."""
    rule = ConfidenceRule.calibrated(0.875, sure_confidence(np.full(100, 0.999), np.ones(100, bool)))
    assert (rule.sure, rule.glance, rule.unchecked_from) == (SURE, GLANCE, GLANCE)
    predictor, network = gated(tmp_path, rule.sure, glance=rule.glance)
    network.seven = 0.9 ** (1 / predictor.domain.answer_width)  # 90 % over the whole answer
    answers = predictor.answer([[7, 500], [12, 34], [7, 8], [7, 7]])
    assert answers.confidence[0] == pytest.approx(0.9, abs=1e-3)
    assert answers.checks.tolist() == [1, 0, 1, 0]  # 7+7 rotated is itself: nothing to ask
    assert answers.correct.tolist() == [False, True, True, True]
    assert answers.low_confidence.tolist() == [True, False, False, False]
    assert network.asked[-1] == 2  # 500+7 and 8+7, beside the four sums themselves
    assert render.checks_text(answers[0]) == "its one related sum asked disagrees"
    assert render.checks_text(answers[2]) == "its one related sum asked agrees"
    assert render.checks_text(answers[1]) == f"at least {GLANCE:.1%} sure, so no related sum was asked"
    without = gated(tmp_path, rule.sure)[0]  # the same rule without the cheaper check
    without.model.network.seven = network.seven
    assert without.answer([[7, 500]]).low_confidence.tolist() == [False]


def test_a_glance_confidence_below_sure_or_without_one_is_refused():
    from seqsum.core.confidence import MEASURE

    rule = {"measure": MEASURE, "threshold": 0.7, "mean_agreement": 0.875}
    assert ConfidenceRule.from_meta({"confidence": {**rule, "sure": 0.8, "glance": 0.8}}).glance == 0.8
    with pytest.raises(ValueError, match=r"glance confidence must be a number from the sure .* \(0\.9\)"):
        ConfidenceRule.from_meta({"confidence": {**rule, "sure": 0.9, "glance": 0.85}})
    with pytest.raises(ValueError, match="glance confidence"):
        ConfidenceRule.from_meta({"confidence": {**rule, "glance": 0.95}})
    with pytest.raises(ValueError, match="glance confidence"):
        ConfidenceRule.from_meta({"confidence": {**rule, "sure": 0.8, "glance": "high"}})


def test_a_rule_without_a_sure_confidence_asks_every_answers_related_sums(tmp_path):
    predictor, network = gated(tmp_path, None)
    answers = predictor.answer([[500, 500], [7, 500], [12, 34]])
    assert (answers.checks > 40).all()
    assert answers.low_confidence.tolist() == [True, True, False]
    assert render.checks_text(answers[2]).endswith("related sums agree")


def test_calibration_asks_related_sums_of_sure_answers_only_without_a_table(tmp_path):
    from seqsum.core.confidence import ConfidenceRule
    from seqsum.core.evaluation import calibrate, evaluate

    predictor, _ = gated(tmp_path, None, special={(1414, 1414): 10, (7, 1414): 10})  # edge tuples
    evaluation = evaluate(predictor, sample_size=400)
    rule = calibrate(evaluation)
    assert rule.sure == sure_confidence(evaluation.product, evaluation.correct) >= SURE
    assert rule.glance == max(GLANCE, rule.sure)
    assert ConfidenceRule.from_meta({"confidence": rule.to_dict()}) == rule
    # Judged by it, the flag never marks an answer the network was that sure of.
    flagged_if_all = evaluation.agreement < rule.threshold
    judged = evaluation.judged_by(rule).confidence
    sure = evaluation.product >= rule.sure
    assert (flagged_if_all & sure).any()  # 1414+1414 would be, if its related sums were asked
    right = evaluation.correct
    assert judged.right_flagged == pytest.approx((flagged_if_all & ~sure)[right].mean())
    assert judged.wrong_caught == pytest.approx((flagged_if_all & ~sure)[~right].mean())
    assert judged.wrong_caught < flagged_if_all[~right].mean()  # what not checking costs
    small = evaluate(Predictor(read_model_file(write_numpy_model(tmp_path / "small.keras"))))
    assert calibrate(small).sure is None  # its answer table makes every check a lookup
    with pytest.raises(ValueError, match="sure confidence must be a number from the threshold"):
        ConfidenceRule.from_meta({"confidence": {**rule.to_dict(), "sure": "high"}})
    with pytest.raises(ValueError, match=r"from the threshold \(0\.7\) to 1, not 0\.5"):
        ConfidenceRule.from_meta({"confidence": {**rule.to_dict(), "threshold": 0.7, "sure": 0.5}})


def test_a_model_wrong_more_often_checks_more_of_its_least_sure_answers():
    confidence = np.linspace(0.5, 1.0, 1001)  # as sure as the answers come, evenly
    def sure(wrong_share):
        correct = np.arange(1001) >= round(wrong_share * 1001)
        return sure_confidence(confidence, correct)
    assert sure(0.0) == SURE  # a model never wrong: the answers below SURE only
    assert sure(0.01) == SURE  # 20 checked per wrong one: the least sure 20 %, all below SURE
    assert CHECKED_PER_WRONG == 20
    assert sure(0.04) == pytest.approx(0.9, abs=1e-3)  # the least sure 80 %: below 0.9
    assert sure(0.2) == 1.0  # every answer (but the surest)
