"""The network's forward pass for answering: the reference's arithmetic, made fast.

core.reference is what this must equal (within 1e-6 of every probability, tests/test_reference.py);
read that to learn the network. This one computes the same LSTM steps in float32 and saves work
where the problem allows:

- a one-hot input times W is a row of W (a lookup, not a matrix product), with the bias folded in;
- the sigmoid gates' columns are pre-halved, so one tanh over all four gates gives every activation
  (sigmoid(x) = 0.5 + 0.5 * tanh(x / 2));
- the decoder reads the same vector at every step (RepeatVector), so its input projection is
  computed once;
- questions sharing a first operand start from that operand's remembered state;
- each thread keeps the arrays a pass overwrites, and a large batch runs in chunks on every core.

The last layer (Dense and softmax) runs in float64: it is cheap, and it keeps the probabilities
within the reference's tolerance.
"""

from __future__ import annotations

import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .codec import check_question_align, encode_questions, written_order
from .domain import PAD, VOCABULARY, Domain

PREFIX_BATCH = 64
"""Batches at least this large share first-operand states (the REPL's single answers do not)."""
_PREFIX_DIGITS = 4
_PLUS = VOCABULARY.index("+")
_PAD = VOCABULARY.index(PAD)

WEIGHT_NAMES = (
    "encoder_kernel",
    "encoder_recurrent",
    "encoder_bias",
    "decoder_kernel",
    "decoder_recurrent",
    "decoder_bias",
    "dense_kernel",
    "dense_bias",
)


MAX_UNITS = 1024
"""The largest network seqsum trains and reads (files are capped by size, see core.modelfile)."""


def weight_shapes(units: int, vocabulary: int = len(VOCABULARY)) -> dict[str, tuple[int, ...]]:
    """The shape of every weight of the network with `units` LSTM units, by seqsum's names."""
    return {
        "encoder_kernel": (vocabulary, 4 * units),
        "encoder_recurrent": (units, 4 * units),
        "encoder_bias": (4 * units,),
        "decoder_kernel": (units, 4 * units),
        "decoder_recurrent": (units, 4 * units),
        "decoder_bias": (4 * units,),
        "dense_kernel": (units, vocabulary),
        "dense_bias": (vocabulary,),
    }


def _halve_sigmoid_gates(matrix: np.ndarray, units: int) -> np.ndarray:
    """Scale the input, forget and output gate columns by 1/2 (exact in binary floating point).

    sigmoid(x) = 0.5 + 0.5 * tanh(x / 2), so with those columns pre-halved a single tanh over all
    four gates gives every activation: one pass over the gate matrix instead of four.
    """
    out = np.array(matrix, dtype=np.float32, copy=True)
    out[..., : 2 * units] *= 0.5
    out[..., 3 * units :] *= 0.5
    return out


class _Scratch:
    """The arrays a pass overwrites at every step, kept per thread for its next pass: a fresh
    multi-megabyte temporary per operation costs page faults and cache misses."""

    _kept = threading.local()

    def __init__(self, rows: int, units: int):
        self.units = units
        self.z = np.empty((rows, 4 * units), np.float32)  # gate pre-activations, then activations
        self.gathered = np.empty_like(self.z)  # an input projection looked up by symbol
        self.product = np.empty((rows, units), np.float32)

    @classmethod
    def arrays(cls, rows: int, units: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(z, gathered, product) for `rows` rows: views of this thread's kept arrays, or fresh
        ones for a pass larger than a chunk (so what is kept stays one chunk's size)."""
        if rows > NumpyNetwork.CHUNK:
            scratch = cls(rows, units)
        else:
            scratch = getattr(cls._kept, "scratch", None)
            if scratch is None or scratch.units != units:
                scratch = cls._kept.scratch = cls(NumpyNetwork.CHUNK, units)
        return scratch.z[:rows], scratch.gathered[:rows], scratch.product[:rows]


def _lstm_step(z: np.ndarray, h: np.ndarray, c: np.ndarray, product: np.ndarray, units: int) -> None:
    """One step from pre-activations z whose sigmoid-gate columns were halved (see above);
    writes the new state into h and c (`product` is scratch of c's shape)."""
    np.tanh(z, out=z)
    for gates in (z[:, : 2 * units], z[:, 3 * units :]):  # input and forget together, then output
        gates *= 0.5
        gates += 0.5
    i = z[:, :units]
    f = z[:, units : 2 * units]
    g = z[:, 2 * units : 3 * units]
    o = z[:, 3 * units :]
    c *= f
    np.multiply(i, g, out=product)
    c += product
    np.tanh(c, out=h)
    h *= o


@functools.cache
def chunk_pool() -> ThreadPoolExecutor:
    """Threads that run a large pass's chunks side by side, one per core."""
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="forward")


@dataclass
class NumpyNetwork:
    """Weights of LSTM -> RepeatVector -> LSTM -> TimeDistributed(Dense) -> softmax."""

    weights: dict[str, np.ndarray]
    answer_width: int
    answer_order: str = "reading"  # how the decoder writes the answer (core.codec.written_order)
    question_align: str = "left"  # where the encoder reads the operands (core.codec.QUESTION_ALIGNS)

    def __post_init__(self) -> None:
        self._positions = written_order(self.answer_width, self.answer_order)
        check_question_align(self.question_align)
        self.weights = {k: np.ascontiguousarray(self.weights[k], np.float32) for k in WEIGHT_NAMES}
        u = self.units = self.weights["encoder_recurrent"].shape[0]
        w = self.weights
        # Fold the encoder bias into its input rows: one row lookup gives x @ W + b.
        self._encoder_rows = _halve_sigmoid_gates(w["encoder_kernel"] + w["encoder_bias"], u)
        self._encoder_recurrent = _halve_sigmoid_gates(w["encoder_recurrent"], u)
        self._decoder_kernel = _halve_sigmoid_gates(w["decoder_kernel"], u)
        self._decoder_bias = _halve_sigmoid_gates(w["decoder_bias"], u)
        self._decoder_recurrent = _halve_sigmoid_gates(w["decoder_recurrent"], u)
        self._dense_kernel = w["dense_kernel"].astype(np.float64)  # the last layer in float64 (above)
        self._dense_bias = w["dense_bias"].astype(np.float64)
        self._texts: dict[int, np.ndarray] = {}  # by length: _operand_texts
        self._prefixes: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # by length: _prefix_states

    CHUNK = 2048  # rows per pass: larger batches fall out of the CPU's caches and run slower

    def answer_probabilities(self, operands: np.ndarray, domain: Domain) -> np.ndarray:
        """`probabilities` of the questions these operand tuples make, written as this network
        reads them."""
        return self.probabilities(encode_questions(operands, domain, self.question_align))

    def probabilities(self, questions: np.ndarray) -> np.ndarray:
        """(N, input_width) symbol indices -> (N, answer_width, vocabulary) softmax outputs,
        in reading order whatever order the network writes in.

        A batch of several chunks is spread over the CPU's cores: NumPy's ufuncs and matrix
        products release the GIL, so threads run the chunks side by side. The first-operand
        states are all remembered first, so the threads mostly read them.
        """
        questions = np.asarray(questions)
        if len(questions) <= self.CHUNK:
            return self._probabilities(questions)
        shared, leading, _ = self._prefixes_of(questions)
        for length in np.unique(leading[shared]).tolist():
            self._prefix_states(length)
        chunks = [questions[i : i + self.CHUNK] for i in range(0, len(questions), self.CHUNK)]
        return np.concatenate(list(chunk_pool().map(self._probabilities, chunks)))

    def _encode(self, questions: np.ndarray, h: np.ndarray | None = None, c: np.ndarray | None = None,
                start: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """The encoder's (h, c) after reading `questions` from step `start`, from state (h, c),
        which is updated in place."""
        n, steps = questions.shape
        u = self.units
        if h is None:
            h = np.zeros((n, u), np.float32)
            c = np.zeros((n, u), np.float32)
        z, gathered, product = _Scratch.arrays(n, u)
        for t in range(start, steps):
            if t:
                np.matmul(h, self._encoder_recurrent, out=z)
                z += self._input_rows(questions[:, t], gathered)
            else:
                self._input_rows(questions[:, t], z)
            _lstm_step(z, h, c, product, u)
        return h, c

    def _input_rows(self, symbols: np.ndarray, out: np.ndarray) -> np.ndarray:
        """x @ W + b for one-hot inputs: the rows of the symbols, written into `out`.
        mode="clip" lets take write into `out` unbuffered; every symbol index is in range."""
        return np.take(self._encoder_rows, symbols, axis=0, out=out, mode="clip")

    def _encode_sharing_prefixes(self, questions: np.ndarray) -> np.ndarray:
        """The encoder's last h, starting each question from the state after its first operand
        and `+` (the prefix), so only the rest is read.

        For 0..999 that skips four of seven encoder steps for most left-aligned questions and
        every right-aligned one. The prefixes' states come from `_prefix_states`, the same
        whichever questions share a batch.
        """
        n, steps = questions.shape
        if n < PREFIX_BATCH:  # a few questions: the bookkeeping would cost more than it saves
            return self._encode(questions)[0]
        shared, leading, values = self._prefixes_of(questions)
        h = np.empty((n, self.units), np.float32)
        if not shared.all():
            h[~shared] = self._encode(questions[~shared])[0]
        rows = np.flatnonzero(shared)
        for length in np.unique(leading[rows]).tolist():
            group = rows[leading[rows] == length]
            h0, c0 = self._prefix_states(length)
            index = values[group]
            h[group] = self._encode(questions[group], h0[index], c0[index], start=length + 1)[0]
        return h

    def _prefixes_of(self, questions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(which questions open with a prefix `_prefix_states` knows: one of `_operand_texts`
        and a `+`; how many symbols that operand has; its value)."""
        steps = questions.shape[1]
        digit = questions < 10
        in_operand = digit | (questions == _PAD) if self.question_align == "right" else digit
        leading = np.cumprod(in_operand, axis=1).sum(axis=1)  # operand symbols before anything else
        plus = leading < steps
        plus[plus] = questions[plus, leading[plus]] == _PLUS
        width = min(steps, _PREFIX_DIGITS)
        digits = np.where((np.arange(width) < leading[:, None]) & digit[:, :width], questions[:, :width], 0)
        exponents = np.clip(leading[:, None] - 1 - np.arange(width), 0, _PREFIX_DIGITS)
        values = (digits * 10**exponents).sum(axis=1)
        shared = plus & (leading >= 1) & (leading <= _PREFIX_DIGITS)
        for length in np.unique(leading[shared]).tolist():  # as written for its value ("  07" is not)
            rows = np.flatnonzero(shared & (leading == length))
            written = self._operand_texts(length)[values[rows]]
            shared[rows] = (questions[rows, :length] == written).all(axis=1)
        return shared, leading, values

    def _operand_texts(self, length: int) -> np.ndarray:
        """Every operand of `length` symbols as this network reads it, indexed by its value:
        "07" at 7 when left-aligned, " 7" when right-aligned (leading zeros are padding).
        Computed once per length: every question's prefix is checked against it."""
        texts = self._texts.get(length)
        if texts is None:
            texts = np.arange(10**length)[:, None] // 10 ** np.arange(length - 1, -1, -1) % 10
            if self.question_align == "right":
                ones = np.arange(length) == length - 1
                texts[(np.cumsum(texts, axis=1) == 0) & ~ones] = _PAD
            self._texts[length] = texts
        return texts

    def _prefix_states(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        """The encoder's (h, c) after each of `_operand_texts(length)` and a `+`, indexed by the
        operand's value. Computed once per length, every operand in one batch: a state, and so
        an answer, never depends on which questions asked for it (a matrix product's last bits
        depend on how many rows it has). At most 11,110 states, for lengths 1 to 4; safe from
        several threads (a length is only ever set to the same values)."""
        states = self._prefixes.get(length)
        if states is None:
            texts = self._operand_texts(length)
            prefixes = np.concatenate([texts, np.full((len(texts), 1), _PLUS)], axis=1)
            states = self._prefixes[length] = self._encode(prefixes)
        return states

    def _probabilities(self, questions: np.ndarray) -> np.ndarray:
        n, steps = questions.shape
        u = self.units
        h = self._encode_sharing_prefixes(questions)
        x_proj = h @ self._decoder_kernel
        x_proj += self._decoder_bias
        c = np.zeros((n, u), np.float32)
        z, _, product = _Scratch.arrays(n, u)
        outputs = np.empty((n, self.answer_width, u), np.float32)
        for t in range(self.answer_width):
            if t:
                np.matmul(h, self._decoder_recurrent, out=z)
                z += x_proj
            else:
                z[:] = x_proj
            _lstm_step(z, h, c, product, u)
            outputs[:, self._positions[t]] = h
        logits = outputs.astype(np.float64) @ self._dense_kernel
        logits += self._dense_bias
        logits -= logits.max(axis=-1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=-1, keepdims=True)
        return logits
