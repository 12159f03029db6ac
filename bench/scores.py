"""What the training benches share: progress lines, scores over many tuples, a printed table.

Scores are exact match (the whole answer right) and per-character accuracy (every answer
position, padding included, as Keras' "accuracy" counts it), with the wrong count and the first
wrong answers.
"""

from __future__ import annotations

import signal
import sys

import numpy as np

from seqsum.core.codec import decode_many, encode_answers
from seqsum.core.domain import Domain
from seqsum.core.forward import NumpyNetwork
from seqsum.core.scoring import exact_match
from seqsum.models.network import export_weights
from seqsum.models.quiet import keras
from seqsum.repl.text import plural

CHUNK = 65_536  # tuples per forward pass call; the argmax keeps memory small over 10^6 tuples


def network_predictions(network: NumpyNetwork, tuples: np.ndarray, domain: Domain) -> np.ndarray:
    """(N, answer_width) answer symbol indices in reading order, through the NumPy forward pass."""
    return np.concatenate([
        network.answer_probabilities(tuples[start : start + CHUNK], domain).argmax(-1)
        for start in range(0, len(tuples), CHUNK)
    ])


def score_rows(tuples: np.ndarray, predicted: np.ndarray, expected: np.ndarray, show_wrong: int) -> dict:
    """Figures of predicted against expected answer indices, one row per tuple."""
    hits = predicted == expected
    right = exact_match(predicted, expected)
    wrong_rows = np.flatnonzero(~right)
    shown = decode_many(predicted[wrong_rows[:show_wrong]])
    return {
        "count": len(tuples),
        "char_accuracy": float(hits.mean()),
        "exact": float(right.mean()),
        "wrong": len(wrong_rows),
        "examples": [f"{'+'.join(map(str, tuples[row]))}={text or '(blank)'}"
                     for row, text in zip(wrong_rows[:show_wrong], shown, strict=True)],
        "right": right,
    }


def score_network(network: NumpyNetwork, tuples: np.ndarray, domain: Domain, show_wrong: int) -> dict:
    expected = encode_answers(tuples.sum(axis=1), domain)
    return score_rows(tuples, network_predictions(network, tuples, domain), expected, show_wrong)


def print_table(rows: list[dict], title: str, extra: tuple[str, ...] = ()) -> None:
    """One line per row: name, seed, seconds, epochs, figures, then `extra` keys, then examples."""
    print(f"\n{title}")
    head = ["run", "seed", "seconds", "epochs", "char acc %", "exact %", "wrong", *extra, "wrong examples"]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for r in rows:
        cells = [r["name"], str(r.get("seed", "")), f"{r['seconds']:.0f}", str(r["epochs"]),
                 f"{r['char_accuracy'] * 100:.4f}", f"{r['exact'] * 100:.4f}",
                 f"{r['wrong']:,} of {r['count']:,}", *(str(r[key]) for key in extra),
                 ", ".join(r["examples"]) or "-"]
        print("| " + " | ".join(cells) + " |")


class Snapshots(keras.callbacks.Callback):
    """Every epoch's weights, for the unsure flag's figures on partly trained networks; those
    of the run train keeps (a run stopped on its plateau is dropped when the next begins)."""

    def __init__(self):
        super().__init__()
        self.weights: list[dict[str, np.ndarray]] = []

    def on_train_begin(self, logs=None):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(export_weights(self.model))


def _revisiting(record) -> str:
    if record.wrong_found is None:
        return ""
    return f", {plural(record.wrong_found, 'trained tuple')} wrong (revisited)"


class EpochLines:
    """Training progress as one line per epoch on stderr; SIGUSR1 ends training after the epoch
    (the best epoch so far is kept and scored), for runs that must fit a time budget."""

    def __init__(self):
        self.stop = False
        signal.signal(signal.SIGUSR1, lambda signum, frame: setattr(self, "stop", True))

    def callback(self):
        lines = self

        class StopWhenAsked(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if lines.stop:
                    print("  stopped on SIGUSR1", file=sys.stderr, flush=True)
                    self.model.stop_training = True

        return StopWhenAsked()

    def train_begin(self, config, steps_per_epoch):
        print(f"seed {config.seed}: {config.domain.describe()}, {steps_per_epoch} steps an epoch",
              file=sys.stderr)

    def batch_end(self, epoch, step, loss):
        pass

    def epoch_end(self, record, best):
        trained = "-" if record.trained_exact is None else f"{record.trained_exact * 100:.3f}"
        print(f"  epoch {record.epoch:>2} loss {record.loss:.4f} held-out {record.heldout_exact * 100:.3f} "
              f"trained {trained} {record.seconds:.0f}s{_revisiting(record)}", file=sys.stderr, flush=True)

    def restart(self, history, restart, max_restarts):
        best = max(r.heldout_exact for r in history)
        print(f"  on the plateau after epoch {len(history)} (held-out at most {best * 100:.3f}); "
              f"restart {restart} of {max_restarts}, from new initial weights", file=sys.stderr, flush=True)
