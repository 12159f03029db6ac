"""The Keras network is the reference one, and the NumPy answer path computes exactly what it does."""

import numpy as np
import pytest

from seqsum.core.codec import encode_questions, one_hot, written_order
from seqsum.core.dataset import all_tuples
from seqsum.core.domain import Domain
from seqsum.core.modelfile import read_model_file
from seqsum.models.config import TrainConfig

keras_network = pytest.importorskip("seqsum.models.network", reason="needs TensorFlow")


def test_reference_parameter_count():
    model = keras_network.build_model(Domain())
    assert model.count_params() == 205_324
    encoder, _, decoder, dense = model.layers
    assert (encoder.count_params(), decoder.count_params(), dense.count_params()) == (
        72_192, 131_584, 1_548)


def test_units_are_configurable():
    assert keras_network.build_model(Domain(), units=32).count_params() == (
        4 * 32 * (12 + 32 + 1) + 4 * 32 * (32 + 32 + 1) + 32 * 12 + 12)


def in_reading_order(keras_outputs: np.ndarray, answer_order: str) -> np.ndarray:
    """Keras' outputs are in the order the network writes; put step t at its reading position."""
    reading = np.empty_like(keras_outputs)
    reading[:, written_order(keras_outputs.shape[1], answer_order)] = keras_outputs
    return reading


@pytest.mark.parametrize("answer_order, align", [("reading", "left"), ("reversed", "left"),
                                                 ("reversed", "right")])
def test_numpy_forward_pass_matches_keras_on_all_10000_inputs(answer_order, align):
    domain = Domain()
    config = TrainConfig(answer_order=answer_order, question_align=align)
    model = keras_network.build_model(domain, seed=3)
    # Push the weights away from their tiny initial values so every gate matters.
    rng = np.random.default_rng(0)
    model.set_weights([w + rng.normal(scale=0.2, size=w.shape).astype(np.float32)
                       for w in model.get_weights()])
    questions = encode_questions(all_tuples(domain), domain, align)
    written = model.predict(one_hot(questions), batch_size=2048, verbose=0)
    expected = in_reading_order(written, answer_order)
    network = keras_network.numpy_network(model, config)
    got = network.probabilities(questions)
    assert np.array_equal(network.answer_probabilities(all_tuples(domain), domain), got)
    assert got.shape == expected.shape == (10_000, 3, 12)
    if answer_order == "reversed":  # the first step written is the last character read
        assert np.abs(got[:, 2] - written[:, 0]).max() < 1e-5
        assert np.abs(got[:, 0] - written[:, 0]).max() > 1e-2
    assert np.abs(got - expected).max() < 1e-5
    assert (got.argmax(-1) == expected.argmax(-1)).all()


def test_saved_file_answers_as_keras_does(trained_model):
    from seqsum.models.store import load_keras_model

    model_file = read_model_file(trained_model)
    keras_model = load_keras_model(trained_model)
    domain = model_file.domain
    questions = encode_questions(all_tuples(domain), domain, model_file.network.question_align)
    assert model_file.network.answer_order == "reversed"  # the default recipe's
    expected = in_reading_order(keras_model.predict(one_hot(questions), verbose=0), "reversed")
    got = model_file.network.probabilities(questions)
    assert np.abs(got - expected).max() < 1e-5


def test_keras_computes_what_the_reference_does_on_the_bundled_model():
    """The reference pass (core.reference) is Keras' network: all 10,000 inputs of the bundled
    model, within float32's rounding (Keras computes in float32, the reference in float64)."""
    from seqsum.core import reference
    from seqsum.models import bundled_model_path
    from seqsum.models.store import load_keras_model

    model = read_model_file(bundled_model_path())
    questions = encode_questions(all_tuples(model.domain), model.domain, model.network.question_align)
    written = load_keras_model(model.path).predict(one_hot(questions), batch_size=2048, verbose=0)
    run = reference.forward(model.network.weights, questions, model.domain.answer_width,
                            model.network.answer_order)
    assert np.abs(written - run.probabilities).max() <= 1e-5
