"""The network's forward pass written plainly, one equation a line: seqsum's reference.

Read this to learn what the network computes. It does each step in the order the network does
it, in float64, keeping every intermediate value, with nothing done for speed. The answer path
(core.forward), the answer table built from it, the worker processes and the web page's
JavaScript must all give what this gives (tests/test_reference.py checks each of them, and Keras,
against it); `seqsum-repl trace` and the probe show its intermediate values.

The network, as models.network builds it in Keras:

    question  "37+68"  one symbol a step, each one-hot (12 numbers, one of them 1)
      -> encoder LSTM: reads the question into its state; only its last h is kept
      -> RepeatVector: that one vector is handed to the decoder at every answer step
      -> decoder LSTM: one state update per answer character, starting from zeros
      -> Dense + softmax: a probability for each of the 12 symbols, per answer character

One LSTM step, as Keras computes it, from an input x and the previous hidden state h and cell c
(each of `units` numbers; the kernels hold the four gates side by side):

    z = x @ kernel + h @ recurrent_kernel + bias      4 * units pre-activations
    i = sigmoid(z[0u:1u])     input gate: how much of the candidate enters the cell
    f = sigmoid(z[1u:2u])     forget gate: how much of the old cell is kept
    g = tanh(z[2u:3u])        candidate: what may be written into the cell
    o = sigmoid(z[3u:4u])     output gate: how much of the cell shows in h
    c = f * c + i * g         the new cell: kept memory plus admitted candidate
    h = o * tanh(c)           the new hidden state, what the next layer sees
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .codec import written_order
from .domain import VOCABULARY

GATES = ("input", "forget", "candidate", "output")


@dataclass
class LSTMSteps:
    """One LSTM's values at every step, each (N, steps, units): the state after the step, and
    the four gates' activations that made it."""

    h: np.ndarray
    c: np.ndarray
    gates: dict[str, np.ndarray]  # by GATES name


@dataclass
class ForwardPass:
    """Everything the network computed for N questions."""

    encoder: LSTMSteps  # one step per question symbol
    decoder: LSTMSteps  # one step per answer character, in the order written
    probabilities: np.ndarray  # (N, answer_width, vocabulary) softmax, in the order written
    positions: np.ndarray  # (answer_width,) the reading position each decoder step writes

    @property
    def context(self) -> np.ndarray:
        """(N, units): the encoder's last h, the one vector the decoder gets."""
        return self.encoder.h[:, -1]

    @property
    def reading_probabilities(self) -> np.ndarray:
        """The softmax outputs in reading order, as every other part of seqsum shows them."""
        reading = np.empty_like(self.probabilities)
        reading[:, self.positions] = self.probabilities
        return reading


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))  # the same ratios, no overflow
    return shifted / shifted.sum(axis=-1, keepdims=True)


def lstm(inputs: np.ndarray, kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray) -> LSTMSteps:
    """Run an LSTM over (N, steps, features) inputs from a zero state, keeping every step."""
    n, steps, _ = inputs.shape
    units = recurrent.shape[0]
    h = np.zeros((n, units))
    c = np.zeros((n, units))
    kept = {name: [] for name in ("h", "c", *GATES)}
    for t in range(steps):
        z = inputs[:, t] @ kernel + h @ recurrent + bias
        i = sigmoid(z[:, 0 * units : 1 * units])  # input gate
        f = sigmoid(z[:, 1 * units : 2 * units])  # forget gate
        g = np.tanh(z[:, 2 * units : 3 * units])  # candidate
        o = sigmoid(z[:, 3 * units : 4 * units])  # output gate
        c = f * c + i * g
        h = o * np.tanh(c)
        for name, value in zip(kept, (h, c, i, f, g, o)):
            kept[name].append(value)
    stacked = {name: np.stack(values, axis=1) for name, values in kept.items()}
    return LSTMSteps(stacked.pop("h"), stacked.pop("c"), stacked)


def encode(weights: dict[str, np.ndarray], questions: np.ndarray) -> LSTMSteps:
    """The encoder over (N, steps) symbol indices: each symbol one-hot, then the LSTM."""
    w = {name: np.asarray(value, np.float64) for name, value in weights.items()}
    one_hot = np.eye(len(VOCABULARY))[np.asarray(questions)]  # (N, steps, 12)
    return lstm(one_hot, w["encoder_kernel"], w["encoder_recurrent"], w["encoder_bias"])


def forward(weights: dict[str, np.ndarray], questions: np.ndarray, answer_width: int,
            answer_order: str = "reading") -> ForwardPass:
    """The whole network over (N, steps) question symbol indices.

    `weights` are named as core.forward.WEIGHT_NAMES. `answer_order` is how the network writes
    (core.codec.written_order): "reversed" writes the last character first.
    """
    w = {name: np.asarray(value, np.float64) for name, value in weights.items()}
    encoder = encode(w, questions)
    context = encoder.h[:, -1]  # the encoder's last hidden state: all the decoder ever sees
    repeated = np.repeat(context[:, None, :], answer_width, axis=1)  # RepeatVector
    decoder = lstm(repeated, w["decoder_kernel"], w["decoder_recurrent"], w["decoder_bias"])
    logits = decoder.h @ w["dense_kernel"] + w["dense_bias"]  # TimeDistributed(Dense): each step alike
    return ForwardPass(encoder, decoder, softmax(logits), written_order(answer_width, answer_order))
