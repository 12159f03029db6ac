"""Confidence bench: does the unsure flag catch wrong answers of partly trained models?

    python bench/confidence.py [--seeds 0 1] [--reference-seeds 0] [--epochs N]

Trains the default recipe (and the reference recipe, which passes slowly through the 85-99.5 %
range and so gives many partly trained models), snapshots the weights after every epoch, and
for every snapshot whose exact match over the whole domain lies in 85-99.5 % prints, side by
side:
- the unsure flag as a saved model would have it (agreement over related sums below 0.8 x
  that snapshot's mean agreement): wrong answers caught, right answers flagged;
- the rule it replaced, with the same threshold: agreement over ~65 sums with the same total
  (moving up to 5 between the operands) or a total one more or less, but none further away;
- the product of top probabilities, given its best case: a threshold chosen per snapshot so
  that it flags 10 % of right answers, and the share of wrong answers it then catches.
Target: catch >= 90 % of wrong answers while flagging <= 10 % of right ones.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scores import Snapshots

from seqsum.core.answer import Predictor
from seqsum.core.confidence import RELATIVE_THRESHOLD, agreement, answer_values
from seqsum.core.dataset import all_tuples
from seqsum.core.evaluation import calibrate, evaluate
from seqsum.core.modelfile import ModelFile
from seqsum.models.config import REFERENCE_RECIPE, TrainConfig
from seqsum.models.network import network_from_weights
from seqsum.models.train import train

PREVIOUS_REACH = 5  # the previous rule moved up to this much between two operands


def previous_related_sums(operands: np.ndarray, domain) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The previous rule's related sums (seqsum before this rule): each view moves k (0..5, its
    reach for two terms) from one operand to another, then adds 1 to the receiving operand
    (offset +1), takes 1 more from the giving one (offset -1) or neither (offset 0); each view
    is also taken rotated."""
    terms = domain.terms
    deltas, rotate, offsets = [np.zeros(terms, np.int64)], [True], [0]  # the sum itself, rotated
    for offset in (0, -1, 1):
        seen = set()
        for k in range(PREVIOUS_REACH + 1):
            for source in range(terms):
                for target in range(terms):
                    delta = np.zeros(terms, np.int64)
                    delta[source], delta[target] = -k + min(offset, 0), k + max(offset, 0)
                    if source == target or not delta.any() or tuple(delta) in seen:
                        continue
                    seen.add(tuple(delta))
                    deltas += [delta, delta]
                    rotate += [False, True]
                    offsets += [offset, offset]
    deltas, rotate, offsets = np.array(deltas), np.array(rotate), np.array(offsets)
    views = operands[:, None, :] + deltas[None, :, :]
    views[:, rotate] = np.roll(views[:, rotate], 1, axis=2)
    owners = np.repeat(np.arange(len(operands)), len(deltas))
    offsets = np.tile(offsets, len(operands))
    views = views.reshape(-1, terms)
    keep = ((views >= 0) & (views <= domain.max_operand)).all(axis=1)
    keep &= (views != operands[owners]).any(axis=1)
    return views[keep], owners[keep], offsets[keep]


def other_rules(predictor: Predictor) -> tuple[float, float, float]:
    """(wrong caught, right flagged) by the previous rule below 0.8 x its mean agreement, and
    wrong caught by the product of top probabilities at a threshold chosen to flag 10 % of right
    answers."""
    tuples = all_tuples(predictor.domain)
    answers = predictor.answer(tuples)
    right = answers.correct
    views, owners, offsets = previous_related_sums(tuples, predictor.domain)
    values = answer_values(answers.top_index)
    view_values = answer_values(predictor.probabilities(views).argmax(-1))
    shares, _ = agreement(values, view_values, owners, offsets, answers.confidence)
    previous = shares < RELATIVE_THRESHOLD * shares.mean()
    threshold = np.quantile(answers.confidence[right], 0.10)
    return (float(previous[~right].mean()), float(previous[right].mean()),
            float((answers.confidence[~right] < threshold).mean()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1],
                        help="seeds for the default recipe")
    parser.add_argument("--reference-seeds", type=int, nargs="*", default=[0],
                        help="seeds for the reference recipe (about 4 minutes each)")
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args()
    runs = [("default", seed) for seed in args.seeds]
    runs += [("reference", seed) for seed in args.reference_seeds]
    print(f"{'recipe':<9} {'seed':>4} {'epoch':>5} {'exact %':>8} | {'flag: caught':>12} "
          f"{'flagged':>8} | {'previous rule: caught':>22} {'flagged':>8} | "
          f"{'product @10% flagged: caught':>28}")
    met = met_previous = total = 0
    for recipe, seed in runs:
        settings = REFERENCE_RECIPE if recipe == "reference" else {"stop_at_perfect": False}
        config = TrainConfig(**settings, seed=seed)
        if args.epochs:
            config.epochs = args.epochs
        snapshots = Snapshots()
        train(config, callbacks=[snapshots])
        meta = {"domain": config.domain.to_dict(), "heldout": config.heldout_rule.to_dict(),
                "answer_order": config.answer_order, "question_align": config.question_align}
        for epoch, weights in enumerate(snapshots.weights, start=1):
            network = network_from_weights(weights, config)
            predictor = Predictor(ModelFile(Path(f"epoch-{epoch}"), meta, network))
            result = evaluate(predictor)
            predictor.confidence_rule = calibrate(result)  # as a model is saved
            result = result.judged_by(predictor.confidence_rule)
            if not 0.85 <= result.all.exact_match <= 0.995:
                continue
            c = result.confidence
            previous_caught, previous_flagged, product_caught = other_rules(predictor)
            ok = c.wrong_caught >= 0.9 and c.right_flagged <= 0.1
            met += ok
            met_previous += previous_caught >= 0.9 and previous_flagged <= 0.1
            total += 1
            print(f"{recipe:<9} {seed:>4} {epoch:>5} {result.all.exact_match * 100:>8.2f} |"
                  f" {c.wrong_caught * 100:>11.1f}% {c.right_flagged * 100:>7.1f}% |"
                  f" {previous_caught * 100:>21.1f}% {previous_flagged * 100:>7.1f}% |"
                  f" {product_caught * 100:>27.1f}%  {'meets target' if ok else ''}")
    print(f"\nunsure flag meets the target on {met} of {total} partly trained snapshots "
          f"(the previous rule, totals at most one away: {met_previous})")


if __name__ == "__main__":
    main()
