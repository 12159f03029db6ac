"""What the encoder knows: linear read-outs ("probes") from its final state.

The decoder gets one vector, the encoder's last hidden state h. Whatever the answer needs must
be in it, but in what form? A probe asks: fit a linear map from h to a quantity (the sum, a
digit of the sum, how many columns carry) on the trained tuples, then score it on the held-out
tuples it never saw. The same read-out from an *untrained* network of the same shape is the
control: random recurrent features are rich, so some of any score is the read-out's own power,
and only the difference is what learning added.

Least squares throughout (NumPy's lstsq): a number is read out directly (scored by R^2), a
class (a digit, a carry count) as the largest of one output per class (scored by accuracy).
The states are also projected on their first two principal components (PCA), coloured by the
true sum, for a picture of how the encoder lays out the sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import reference
from .codec import encode_questions
from .dataset import HeldOutRule, all_tuples, distinct_rows
from .domain import VOCABULARY, Domain
from .forward import NumpyNetwork, weight_shapes
from .layouts import carries

PROBE_SAMPLE = 20_000
"""Tuples probed at most: every tuple of a smaller domain, else a seeded uniform draw."""
ENCODE_CHUNK = 2_000  # tuples encoded at once: the reference keeps every step's state
PICTURE_CELLS = 48  # per side of the picture's grid in --json


class ProbeError(ValueError):
    """A probe that cannot be made (no held-out tuple to score on); one line for the user."""


@dataclass
class Readout:
    target: str  # what is read out, for a person: "the sum", "the tens digit of the sum"
    measure: str  # "R²" for a number, "accuracy" for a class
    learned: float  # the trained network's read-out, scored on held-out tuples
    untrained: float  # the same read-out from an untrained network of the same shape
    chance: float  # what a read-out ignoring the state scores (R² 0; the commonest class's share)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class StatePicture:
    """Final states on their first two principal components, with each tuple's true sum."""

    points: np.ndarray  # (N, 2)
    sums: np.ndarray  # (N,)
    explained: tuple[float, float]  # share of the states' variance along each component
    largest_sum: int

    def grid(self, columns: int, rows: int) -> np.ndarray:
        """(rows, columns) mean true sum of the points in each cell (the first component across,
        the second upwards), NaN where no point falls."""
        low, high = self.points.min(axis=0), self.points.max(axis=0)
        span = np.where(high > low, high - low, 1.0)
        x = np.minimum(((self.points[:, 0] - low[0]) / span[0] * columns).astype(int), columns - 1)
        y = np.minimum(((self.points[:, 1] - low[1]) / span[1] * rows).astype(int), rows - 1)
        cell = (rows - 1 - y) * columns + x  # row 0 at the top
        totals = np.bincount(cell, weights=self.sums, minlength=rows * columns)
        counts = np.bincount(cell, minlength=rows * columns)
        with np.errstate(invalid="ignore"):
            return (totals / counts).reshape(rows, columns)


@dataclass
class Probe:
    domain: Domain
    trained: int  # tuples the read-outs were fitted on
    heldout: int  # tuples they were scored on
    readouts: list[Readout]
    picture: StatePicture

    def to_dict(self) -> dict:
        grid = self.picture.grid(PICTURE_CELLS, PICTURE_CELLS)
        return {
            "domain": self.domain.to_dict(),
            "trained": self.trained,
            "heldout": self.heldout,
            "readouts": [r.to_dict() for r in self.readouts],
            "picture": {
                "explained": list(self.picture.explained),
                "largest_sum": self.picture.largest_sum,
                "grid": [[None if np.isnan(v) else round(float(v), 2) for v in row] for row in grid],
            },
        }


def untrained_weights(units: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Weights of an untrained network of `units` units, drawn as Keras initialises seqsum's
    (models.network): Glorot-uniform kernels, the encoder's recurrent kernel Glorot-normal
    (truncated at two deviations), the decoder's orthogonal, zero biases but 1 for the forget
    gates. The same distributions from a NumPy seed, not Keras' very numbers."""
    rng = np.random.default_rng(seed)
    shapes = weight_shapes(units, len(VOCABULARY))

    def glorot_uniform(shape):
        limit = np.sqrt(6 / sum(shape))
        return rng.uniform(-limit, limit, shape)

    def glorot_normal(shape):
        deviation = np.sqrt(2 / sum(shape)) / 0.87962566103423978  # the truncated normal's correction
        values = rng.normal(0, deviation, shape)
        while (far := np.abs(values) > 2 * deviation).any():
            values[far] = rng.normal(0, deviation, far.sum())
        return values

    def orthogonal(shape):
        q, r = np.linalg.qr(rng.normal(size=(shape[1], shape[0])))
        return (q * np.sign(np.diag(r))).T

    def lstm_bias():
        bias = np.zeros(4 * units)
        bias[units : 2 * units] = 1.0  # Keras' unit_forget_bias
        return bias

    made = {
        "encoder_kernel": glorot_uniform(shapes["encoder_kernel"]),
        "encoder_recurrent": glorot_normal(shapes["encoder_recurrent"]),
        "encoder_bias": lstm_bias(),
        "decoder_kernel": glorot_uniform(shapes["decoder_kernel"]),
        "decoder_recurrent": orthogonal(shapes["decoder_recurrent"]),
        "decoder_bias": lstm_bias(),
        "dense_kernel": glorot_uniform(shapes["dense_kernel"]),
        "dense_bias": np.zeros(shapes["dense_bias"]),
    }
    return {name: value.astype(np.float32) for name, value in made.items()}


def probe_tuples(domain: Domain, seed: int = 0) -> np.ndarray:
    """Every tuple of a domain of at most PROBE_SAMPLE, else that many distinct ones drawn."""
    if domain.size <= PROBE_SAMPLE:
        return all_tuples(domain)
    drawn = np.random.default_rng(seed).integers(0, domain.max_operand + 1, (2 * PROBE_SAMPLE, domain.terms))
    first, _ = distinct_rows(drawn, domain)
    return drawn[np.sort(first)[:PROBE_SAMPLE]]


def final_states(weights: dict[str, np.ndarray], questions: np.ndarray) -> np.ndarray:
    """(N, units) the encoder's last h for each question, by the reference pass."""
    return np.concatenate([reference.encode(weights, questions[start : start + ENCODE_CHUNK]).h[:, -1]
                           for start in range(0, len(questions), ENCODE_CHUNK)])


def _fit(states: np.ndarray, targets: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    """A least-squares linear map (with a bias) from states to targets, fitted on the rows
    `fitted`, applied to every row."""
    features = np.hstack([states, np.ones((len(states), 1))])
    weights, *_ = np.linalg.lstsq(features[fitted], targets[fitted], rcond=None)
    return features @ weights


def r_squared(states: np.ndarray, values: np.ndarray, fitted: np.ndarray) -> float:
    """R^2 on the rows not fitted of a linear read-out of `values` fitted on the rows `fitted`."""
    predicted = _fit(states, values.astype(np.float64), fitted)[~fitted]
    truth = values[~fitted]
    total = ((truth - truth.mean()) ** 2).sum()
    return float(1 - ((truth - predicted) ** 2).sum() / total) if total else 0.0


def accuracy(states: np.ndarray, classes: np.ndarray, fitted: np.ndarray) -> float:
    """Accuracy on the rows not fitted of a linear read-out of `classes` (one output per class
    seen when fitting, the largest wins) fitted on the rows `fitted`."""
    known = np.unique(classes[fitted])
    one_hot = (classes[:, None] == known[None, :]).astype(np.float64)
    predicted = known[_fit(states, one_hot, fitted)[~fitted].argmax(axis=1)]
    return float((predicted == classes[~fitted]).mean())


def commonest_share(classes: np.ndarray, fitted: np.ndarray) -> float:
    """How often the class most common among the fitted rows is right on the others."""
    values, counts = np.unique(classes[fitted], return_counts=True)
    return float((classes[~fitted] == values[counts.argmax()]).mean())


PLACES = ("ones", "tens", "hundreds", "thousands", "ten-thousands")


def targets(operands: np.ndarray, domain: Domain) -> list[tuple[str, str, np.ndarray]]:
    """(target, measure, values) for every read-out: the sum, each digit of it, the carries."""
    sums = operands.sum(axis=1)
    found = [("the sum", "R²", sums)]
    for place in range(domain.answer_width):
        found.append((f"the {PLACES[place]} digit of the sum", "accuracy", sums // 10**place % 10))
    found.append(("how many columns carry", "accuracy", carries(operands)))
    return found


def probe(network: NumpyNetwork, domain: Domain, rule: HeldOutRule, seed: int = 0) -> Probe:
    """Fit every read-out on the trained tuples of the probed ones, score it on the held-out
    ones, beside the same read-out of an untrained network; ProbeError if nothing is held out."""
    operands = probe_tuples(domain, seed)
    held = rule.is_held_out(operands, domain)
    if held.all() or not held.any():
        raise ProbeError("the probe fits on trained tuples and scores on held-out ones, and this model "
                         f"has {'no trained' if held.all() else 'no held-out'} tuples among those probed")
    fitted = ~held
    questions = encode_questions(operands, domain, network.question_align)
    learned = final_states(network.weights, questions)
    control = final_states(untrained_weights(network.units, seed), questions)
    readouts = []
    for target, measure, values in targets(operands, domain):
        score = r_squared if measure == "R²" else accuracy
        chance = 0.0 if measure == "R²" else commonest_share(values, fitted)
        readouts.append(Readout(target, measure, score(learned, values, fitted),
                                score(control, values, fitted), chance))
    return Probe(domain, int(fitted.sum()), int(held.sum()), readouts,
                 project(learned, operands.sum(axis=1), domain.terms * domain.max_operand))


def project(states: np.ndarray, sums: np.ndarray, largest_sum: int) -> StatePicture:
    """The states on their first two principal components."""
    centred = states - states.mean(axis=0)
    _, singular, directions = np.linalg.svd(centred, full_matrices=False)
    variance = singular**2
    share = variance / variance.sum() if variance.sum() else np.zeros_like(variance)
    return StatePicture(centred @ directions[:2].T, sums, (float(share[0]), float(share[1])), largest_sum)
