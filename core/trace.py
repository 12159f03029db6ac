"""One answer followed through the network step by step: what `seqsum-repl trace`, `:trace`, the
web page and the notebook show, computed by the reference forward pass (core.reference).

The encoder reads the question one symbol a step into its state; its last hidden state h is the
one vector the decoder gets; the decoder writes one answer character a step (last character
first for a network that writes reversed). Every step keeps its state (h and c) and its four
gates, so a reader can watch the state fill and see which character each step wrote, and how
sure it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import reference
from .codec import encode_questions, question_texts
from .domain import VOCABULARY, Domain
from .forward import NumpyNetwork

LEVEL_EDGES = (-0.4, -0.1, -0.02, 0.02, 0.1, 0.4)
"""A state's values drawn in len(LEVEL_EDGES) + 1 levels, strongly negative to strongly positive.
A hidden state h lies in (-1, 1) (o * tanh(c)), and an encoder's mostly close to 0 (its output
gates are mostly low), so the levels are finer near 0."""
ROUNDED = 6  # decimals a state keeps in JSON: far finer than any picture of it


def levels(values: np.ndarray) -> np.ndarray:
    """The level (0 to len(LEVEL_EDGES)) of each value, for drawing states as cells."""
    return np.digitize(values, LEVEL_EDGES)


def level_ranges() -> list[str]:
    """Each level's values for a legend: "below -0.6", "-0.6 to -0.3", ..., "above 0.6"."""
    edges = [f"{edge:g}" for edge in LEVEL_EDGES]
    return [f"below {edges[0]}", *(f"{a} to {b}" for a, b in zip(edges, edges[1:])), f"above {edges[-1]}"]


@dataclass
class Step:
    """One LSTM step: the state after it (h, c: (units,)) and its gates' activations."""

    char: str  # encoder: the symbol read; decoder: the symbol written (the most probable)
    h: np.ndarray
    c: np.ndarray
    gates: dict[str, np.ndarray]  # by core.reference.GATES name
    position: int | None = None  # decoder: the answer position written, counted from 0 in reading order
    probabilities: np.ndarray | None = None  # decoder: the softmax over VOCABULARY

    def gate_means(self) -> dict[str, float]:
        return {name: float(values.mean()) for name, values in self.gates.items()}

    def top(self, count: int = 3) -> list[tuple[str, float]]:
        """A decoder step's most probable symbols, most probable first."""
        order = np.argsort(-self.probabilities, kind="stable")[:count]
        return [(VOCABULARY[i], float(self.probabilities[i])) for i in order]

    def to_dict(self) -> dict:
        def rounded(values: np.ndarray) -> list[float]:
            return np.round(values, ROUNDED).tolist()

        data = {"char": self.char, "h": rounded(self.h), "c": rounded(self.c),
                "gates": {name: rounded(values) for name, values in self.gates.items()}}
        if self.probabilities is not None:
            data = {"position": self.position, **data, "probabilities": rounded(self.probabilities)}
        return data


@dataclass
class Trace:
    """A question's whole way through the network."""

    input: str  # the text as typed
    operands: tuple[int, ...]
    question: str  # as the network reads it: padded, aligned
    encoder: list[Step]  # one per question symbol
    decoder: list[Step]  # one per answer character, in the order written
    answer_order: str

    @property
    def context(self) -> np.ndarray:
        """The encoder's last h: the one vector the decoder gets, at every step."""
        return self.encoder[-1].h

    @property
    def written(self) -> str:
        """The answer's characters in reading order, padding included."""
        chars = [" "] * len(self.decoder)
        for step in self.decoder:
            chars[step.position] = step.char
        return "".join(chars)

    @property
    def prediction(self) -> str:
        return self.written.strip(" ")

    @property
    def truth(self) -> int:
        return sum(self.operands)

    @property
    def correct(self) -> bool:
        return self.prediction == str(self.truth)

    def to_dict(self) -> dict:
        """The JSON of `seqsum-repl trace --json`."""
        return {
            "input": self.input,
            "operands": list(self.operands),
            "question": self.question,
            "vocabulary": VOCABULARY,
            "answer_order": self.answer_order,
            "encoder": [step.to_dict() for step in self.encoder],
            "decoder": [step.to_dict() for step in self.decoder],
            "prediction": self.prediction,
            "truth": self.truth,
            "correct": self.correct,
        }


def _steps(lstm: reference.LSTMSteps, row: int, chars: list[str]) -> list[Step]:
    return [Step(char, lstm.h[row, t], lstm.c[row, t],
                 {name: gate[row, t] for name, gate in lstm.gates.items()})
            for t, char in enumerate(chars)]


def trace(network: NumpyNetwork, domain: Domain, operands: tuple[int, ...], text: str | None = None) -> Trace:
    """Follow one tuple through `network` (`text`: how it was typed, default "a+b")."""
    rows = np.array([operands], np.int64)
    question = question_texts(rows, domain, network.question_align)[0]
    symbols = encode_questions(rows, domain, network.question_align)
    run = reference.forward(network.weights, symbols, domain.answer_width, network.answer_order)
    written = [VOCABULARY[i] for i in run.probabilities[0].argmax(-1)]
    decoder = _steps(run.decoder, 0, written)
    for step, position, probabilities in zip(decoder, run.positions.tolist(), run.probabilities[0]):
        step.position, step.probabilities = position, probabilities
    return Trace(
        input="+".join(map(str, operands)) if text is None else text,
        operands=tuple(int(v) for v in operands),
        question=question,
        encoder=_steps(run.encoder, 0, list(question)),
        decoder=decoder,
        answer_order=network.answer_order,
    )
