import numpy as np

from seqsum.core.answer import Predictor
from seqsum.core.confidence import answer_values
from seqsum.core.dataset import all_tuples
from seqsum.core.domain import Domain
from seqsum.core.evaluation import evaluate, evaluation_tuples
from seqsum.core.layouts import edge_tuples, layouts
from seqsum.core.modelfile import read_model_file
from seqsum.core.scoring import auroc, confidence_report, exact_match, expected_calibration_error

from .conftest import Scripted, write_numpy_model


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
    """A network wrong on known pairs (every pair with an operand 7 writes one more): each subset's
    figure is the share of its own pairs that are right, and the wrong answers listed are those."""
    model = read_model_file(numpy_model)
    every = all_tuples(model.domain)
    sevens = every[(every == 7).any(axis=1)]
    result = evaluate(Scripted(model, special={tuple(t): 1 for t in sevens.tolist()}), show_wrong=1000)
    right = ~(every == 7).any(axis=1)
    held = model.heldout_rule.is_held_out(every, model.domain)
    assert result.exhaustive and result.all.count == 10_000
    assert (result.heldout.count, result.trained.count) == (held.sum(), (~held).sum())
    assert result.all.exact_match == right.mean() == 1 - 199 / 10_000
    assert result.heldout.exact_match == right[held].mean() != result.trained.exact_match
    assert result.trained.exact_match == right[~held].mean()
    edges = np.isin(every, [0, 1, 99, *range(2, 10)]).all(axis=1)
    assert result.edges.exact_match == right[edges].mean()
    assert [w["input"] for w in result.wrong] == ["+".join(map(str, t)) for t in sevens.tolist()]
    written = {(w["prediction"], w["truth"]) for w in result.wrong}
    assert written == {(str(a + b + 1), a + b) for a, b in sevens}


def test_exhaustive_evaluation_counts_every_tuple_per_layout_and_writes_the_table(tmp_path):
    model = read_model_file(write_numpy_model(tmp_path / "m.keras", domain=Domain(2, 99)))
    predictor = Predictor(model)
    stages = []
    result = evaluate(predictor, progress=lambda stage, done, total: stages.append((stage, done, total)))
    assert result.exhaustive and result.all.count == 10_000
    assert stages[-1][1:] == (10_000, 10_000)
    assert [(r["digits"], r["count"]) for r in result.layouts] == [
        ([1, 1], 100), ([1, 2], 900), ([2, 1], 900), ([2, 2], 8_100)]
    assert sum(r["right"] for r in result.layouts) == round(result.all.exact_match * 10_000)
    assert result.edges.count == 121  # 0-9 and 99, two terms
    every = all_tuples(model.domain)
    answers = predictor.answer(every)
    assert np.array_equal(result.table["value"], answer_values(answers.top_index))
    looked_up = evaluate(Predictor(model))  # agreement from the table equals asking the network
    assert looked_up.confidence == confidence_report(answers.agreement, answers.confidence, answers.correct,
                                                     predictor.confidence_rule.threshold)


def test_large_domain_is_scored_on_every_edge_tuple_and_every_layout(tmp_path):
    domain = Domain(2, 1999)  # 4,000,000 pairs: above the exhaustive limit
    model = read_model_file(write_numpy_model(tmp_path / "m.keras", domain=domain, units=8))
    result = evaluate(Predictor(model), sample_size=800)
    edges = edge_tuples(domain)
    tuples = evaluation_tuples(domain, sample_size=800)
    assert not result.exhaustive and result.table is None
    assert np.array_equal(tuples[: len(edges)], edges)
    assert result.all.count == len(tuples) == len(np.unique(tuples, axis=0))
    assert result.edges.count == len(edges) == 121
    assert [r["digits"] for r in result.layouts] == [list(x.digits) for x in layouts(domain)]
    assert result.wrong and result.wrong[0]["input"] == "0+0"  # a random network: the edges come first
