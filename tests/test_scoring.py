import numpy as np

from seqsum.core.answer import Predictor
from seqsum.core.evaluation import evaluate
from seqsum.core.modelfile import read_model_file
from seqsum.core.scoring import auroc, exact_match, expected_calibration_error


def test_exact_match_needs_every_position():
    predicted = np.array([[1, 0, 5], [1, 0, 4], [11, 11, 11]])
    expected = np.array([[1, 0, 5], [1, 0, 5], [11, 11, 11]])
    assert exact_match(predicted, expected).tolist() == [True, False, True]


def test_auroc_of_perfect_random_and_inverted_scores():
    right = np.array([True, True, False, False])
    assert auroc(np.array([0.9, 0.8, 0.2, 0.1]), right) == 1.0
    assert auroc(np.array([0.1, 0.2, 0.8, 0.9]), right) == 0.0
    assert auroc(np.array([0.5, 0.5, 0.5, 0.5]), right) == 0.5
    assert auroc(np.array([0.5, 0.5]), np.array([True, True])) is None


def test_calibration_error_is_zero_when_confidence_equals_accuracy():
    confidence = np.array([0.75] * 4)
    assert expected_calibration_error(confidence, np.array([1, 1, 1, 0])) == 0.0
    assert abs(expected_calibration_error(np.array([1.0, 1.0]), np.array([0, 0])) - 1.0) < 1e-12


def test_evaluation_splits_held_out_from_trained(numpy_model):
    model = read_model_file(numpy_model)
    result = evaluate(Predictor(model))
    assert result.exhaustive
    assert result.all.count == 10_000
    assert result.heldout.count + result.trained.count == 10_000
    assert 0 <= result.all.exact_match <= 1
    weighted = (result.heldout.exact_match * result.heldout.count
                + result.trained.exact_match * result.trained.count) / 10_000
    assert abs(weighted - result.all.exact_match) < 1e-9
    assert len(result.wrong) <= 20
    for w in result.wrong:
        a, b = map(int, w["input"].split("+"))
        assert w["truth"] == a + b and w["prediction"] != str(a + b)
