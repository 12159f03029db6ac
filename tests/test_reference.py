"""The plain reference forward pass (core.reference) is the oracle: the answer path, the answer
table built from it and the pipe's worker processes compute what it computes (the page's
JavaScript is checked against it in test_web.py, Keras in test_network.py)."""

import json

import numpy as np
import pytest

from seqsum.core import reference
from seqsum.core.codec import encode_questions
from seqsum.core.confidence import answer_values
from seqsum.core.dataset import all_tuples
from seqsum.core.domain import Domain
from seqsum.core.forward import NumpyNetwork
from seqsum.core.modelfile import read_model_file
from seqsum.core.table import NEAR_TIE
from seqsum.models import bundled_model_path

from .conftest import numpy_weights, write_numpy_model
from .test_workers import calls_to_collect, in_workers

TOLERANCE = 1e-6


def reference_probabilities(network: NumpyNetwork, operands: np.ndarray, domain: Domain) -> np.ndarray:
    questions = encode_questions(operands, domain, network.question_align)
    run = reference.forward(network.weights, questions, domain.answer_width, network.answer_order)
    return run.reading_probabilities


def test_the_answer_path_computes_the_reference_on_every_input_of_the_bundled_model():
    model = read_model_file(bundled_model_path())
    every = all_tuples(model.domain)
    fast = model.network.answer_probabilities(every, model.domain)
    assert np.abs(fast - reference_probabilities(model.network, every, model.domain)).max() <= TOLERANCE


@pytest.mark.parametrize("domain, units, order, align", [
    (Domain(2, 9), 32, "reading", "left"),
    (Domain(2, 999), 64, "reversed", "right"),
    (Domain(3, 99), 48, "reversed", "left"),
    (Domain(4, 99), 64, "reading", "left"),
    (Domain(5, 9999), 64, "reversed", "right"),
])
def test_the_answer_path_computes_the_reference_on_random_models(domain, units, order, align):
    """Batches past one chunk (threads), sharing first operands (remembered states) and alone."""
    network = NumpyNetwork(numpy_weights(units, seed=units), domain.answer_width, order, align)
    rng = np.random.default_rng(units)
    operands = rng.integers(0, domain.max_operand + 1, (NumpyNetwork.CHUNK + 300, domain.terms))
    operands[:200, 0] = operands[0, 0]  # one first operand, many second ones
    expected = reference_probabilities(network, operands, domain)
    assert np.abs(network.answer_probabilities(operands, domain) - expected).max() <= TOLERANCE
    alone = np.concatenate([network.answer_probabilities(row[None], domain) for row in operands[:20]])
    assert np.abs(alone - expected[:20]).max() <= TOLERANCE


def test_the_reference_is_the_lstm_of_its_docstring():
    """One unit, one step, weights chosen by hand: the gates and states come out as written."""
    weights = {name: np.zeros(shape) for name, shape in {
        "encoder_kernel": (12, 4), "encoder_recurrent": (1, 4), "encoder_bias": (4,),
        "decoder_kernel": (1, 4), "decoder_recurrent": (1, 4), "decoder_bias": (4,),
        "dense_kernel": (1, 12), "dense_bias": (12,)}.items()}
    weights["encoder_kernel"][3] = [1.0, 2.0, 0.5, -1.0]  # symbol '3': z = [i, f, g, o]
    run = reference.forward(weights, np.array([[3]]), answer_width=1)
    i, f, g, o = 1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(-2.0)), np.tanh(0.5), 1 / (1 + np.exp(1.0))
    c = f * 0 + i * g
    assert np.allclose([run.encoder.gates[k][0, 0, 0] for k in ("input", "forget", "candidate", "output")],
                       [i, f, g, o])
    assert np.isclose(run.encoder.c[0, 0, 0], c) and np.isclose(run.context[0, 0], o * np.tanh(c))
    assert np.allclose(run.probabilities, 1 / 12)  # a zero dense layer: every symbol alike


def test_the_answer_table_holds_the_references_answers(tmp_path):
    model = read_model_file(write_numpy_model(tmp_path / "m.keras", Domain(2, 99), units=32, table=True))
    every = all_tuples(model.domain)
    expected = reference_probabilities(model.network, every, model.domain)
    top_two = np.sort(expected, axis=-1)[..., -2:]
    clear = (top_two[..., 1] - top_two[..., 0] > NEAR_TIE).all(axis=1)
    assert clear.mean() > 0.99
    values = answer_values(expected.argmax(-1))
    assert np.array_equal(model.table["value"][clear], values[clear])


def test_worker_processes_answer_as_the_reference(tmp_path, monkeypatch):
    domain = Domain(3, 99)
    path = write_numpy_model(tmp_path / "three.keras", domain, units=32)
    network = read_model_file(path).network
    operands = np.random.default_rng(5).integers(0, 100, (3000, 3))
    text = "".join("+".join(map(str, row)) + "\n" for row in operands.tolist())
    calls = calls_to_collect(monkeypatch)
    records = [json.loads(line) for line in in_workers(path, text, "--json").stdout.splitlines()]
    assert calls and all(done for _, done in calls)  # the workers answered
    expected = reference_probabilities(network, operands, domain)
    written = np.array([[position["p"] for position in record["chars"]] for record in records])
    top = np.take_along_axis(expected, expected.argmax(-1)[..., None], -1)[..., 0]
    assert len(records) == 3000
    assert np.abs(written - top).max() <= TOLERANCE + 5e-7  # the record rounds to 6 decimals
