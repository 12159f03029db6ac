"""The reference network, exactly: LSTM -> RepeatVector -> LSTM -> TimeDistributed(Dense).

Encoder LSTM(units, GlorotNormal recurrent init) reads the one-hot question and keeps only its
final state; RepeatVector hands that state to every answer position; the decoder LSTM and a
shared Dense layer write a softmax over the 12 symbols at each position. On the default domain
with 128 units that is 72,192 + 131,584 + 1,548 = 205,324 parameters.
"""

from __future__ import annotations

import numpy as np

from ..core.domain import VOCABULARY, Domain
from ..core.forward import WEIGHT_NAMES, NumpyNetwork
from .config import TrainConfig
from .quiet import keras


def build_model(
    domain: Domain, units: int = 128, seed: int = 0, unroll: bool = True
) -> keras.Model:
    vocab = len(VOCABULARY)
    return keras.Sequential(
        [
            keras.Input(shape=(domain.input_width, vocab)),
            keras.layers.LSTM(
                units,
                recurrent_initializer=keras.initializers.GlorotNormal(seed=seed),
                unroll=unroll,
            ),
            keras.layers.RepeatVector(domain.answer_width),
            keras.layers.LSTM(units, return_sequences=True, unroll=unroll),
            keras.layers.TimeDistributed(keras.layers.Dense(vocab, activation="softmax")),
        ],
        name="seqsum",
    )


def export_weights(model: keras.Model) -> dict[str, np.ndarray]:
    """The weights by seqsum's names, in the layout core.forward expects."""
    return dict(zip(WEIGHT_NAMES, model.get_weights(), strict=True))


def numpy_network(model: keras.Model, config: TrainConfig) -> NumpyNetwork:
    """The answer path's forward pass on `model`'s current weights (reading-order outputs)."""
    return network_from_weights(export_weights(model), config)


def network_from_weights(weights: dict[str, np.ndarray], config: TrainConfig) -> NumpyNetwork:
    """The answer path's forward pass on exported weights, reading questions and writing
    answers as `config` trains the network to."""
    return NumpyNetwork(weights, config.domain.answer_width, config.answer_order, config.question_align)
