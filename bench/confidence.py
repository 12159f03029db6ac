"""Confidence bench: does the unsure flag catch wrong answers of partly trained models?

    python bench/confidence.py [--seeds 0 1] [--epochs 28]

Trains the default recipe, snapshots the weights after every epoch, and for every snapshot whose
exact match over the whole domain lies in 85-99.5 % prints, side by side:
- the unsure flag (agreement over equivalent sums below the threshold): wrong answers caught,
  right answers flagged;
- the product of top probabilities, given its best case: a threshold chosen per snapshot so
  that it flags 10 % of right answers, and the share of wrong answers it then catches.
Target (issue 6): catch >= 90 % of wrong answers while flagging <= 10 % of right ones.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from seqsum.core.answer import Predictor
from seqsum.core.forward import NumpyNetwork
from seqsum.core.modelfile import ModelFile
from seqsum.core.scoring import evaluate
from seqsum.models.network import export_weights
from seqsum.models.quiet import keras
from seqsum.models.train import TrainConfig, train


class Snapshots(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(export_weights(self.model))


def product_at_ten_percent(predictor: Predictor) -> tuple[float, float]:
    """(wrong caught, threshold) for the product when it flags 10 % of right answers."""
    from seqsum.core.dataset import all_tuples

    answers = predictor.answer(all_tuples(predictor.domain))
    right = answers.correct
    threshold = np.quantile(answers.confidence[right], 0.10)
    return float((answers.confidence[~right] < threshold).mean()), float(threshold)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args()
    print(f"{'seed':>4} {'epoch':>5} {'exact %':>8} | {'flag: caught':>12} {'flagged':>8} |"
          f" {'product @10% flagged: caught':>28}")
    met = total = 0
    for seed in args.seeds:
        config = TrainConfig(seed=seed, stop_at_perfect=False)
        if args.epochs:
            config.epochs = args.epochs
        snapshots = Snapshots()
        train(config, callbacks=[snapshots])
        meta = {"domain": config.domain.to_dict(), "heldout": config.heldout_rule.to_dict()}
        for epoch, weights in enumerate(snapshots.weights, start=1):
            network = NumpyNetwork(weights, config.domain.answer_width)
            predictor = Predictor(ModelFile(Path(f"epoch-{epoch}"), meta, network))
            result = evaluate(predictor)
            if not 0.85 <= result.all.exact_match <= 0.995:
                continue
            c = result.confidence
            product_caught, _ = product_at_ten_percent(predictor)
            ok = c.wrong_caught >= 0.9 and c.right_flagged <= 0.1
            met += ok
            total += 1
            print(f"{seed:>4} {epoch:>5} {result.all.exact_match * 100:>8.2f} |"
                  f" {c.wrong_caught * 100:>11.1f}% {c.right_flagged * 100:>7.1f}% |"
                  f" {product_caught * 100:>27.1f}%  {'meets target' if ok else ''}")
    print(f"\nunsure flag meets the target on {met} of {total} partly trained snapshots")


if __name__ == "__main__":
    main()
