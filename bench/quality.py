"""Quality bench: the reference recipe against seqsum's default recipe, trained in one run.

    python bench/quality.py [--seeds 0 1 2] [--reference-seeds 0]

(a) reference (the Keras notebook seqsum started from, docs/recipe.md): 5,000 pairs drawn with
    replacement (here from the non-held-out tuples of 0..99), Adam lr 0.001 constant, no
    clipping, batch 128, 200 epochs, the last epoch's weights, no early stop.
(b) default: `TrainConfig()` as shipped.
For each it prints training seconds, epochs run, exact match over all 10,000 pairs and over the
held-out pairs, and the largest drop in held-out exact match between consecutive epochs (a
collapse during training). Both are scored through the NumPy forward pass on the final model.
"""

from __future__ import annotations

import argparse

import numpy as np

from seqsum.core.codec import encode_answers
from seqsum.core.dataset import all_tuples
from seqsum.core.scoring import exact_match
from seqsum.models.config import REFERENCE_RECIPE, TrainConfig
from seqsum.models.network import numpy_network
from seqsum.models.train import train

RECIPES = {"reference": REFERENCE_RECIPE, "default": {}}


def measure(name: str, seed: int) -> dict:
    result = train(TrainConfig(**RECIPES[name], seed=seed))
    domain = result.config.domain
    tuples = all_tuples(domain)
    probabilities = numpy_network(result.model, result.config).answer_probabilities(tuples, domain)
    exact = exact_match(probabilities.argmax(-1), encode_answers(tuples.sum(axis=1), domain))
    held = result.config.heldout_rule.is_held_out(tuples, domain)
    curve = np.array([r.heldout_exact for r in result.history])
    return {
        "recipe": name,
        "seed": seed,
        "seconds": result.seconds,
        "epochs": len(result.history),
        "all": exact.mean(),
        "heldout": exact[held].mean(),
        "heldout_right": f"{exact[held].sum()}/{held.sum()}",
        "drop": float(max(0.0, (curve[:-1] - curve[1:]).max(initial=0.0))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2],
                        help="seeds for the default recipe")
    parser.add_argument("--reference-seeds", type=int, nargs="*", default=[0],
                        help="seeds for the reference recipe (about 3 minutes each)")
    args = parser.parse_args()
    rows = [measure("reference", seed) for seed in args.reference_seeds]
    rows += [measure("default", seed) for seed in args.seeds]
    print(f"{'recipe':<10} {'seed':>4} {'seconds':>8} {'epochs':>6} {'all %':>7} "
          f"{'held-out %':>10} {'right':>10} {'max held-out drop':>17}")
    for r in rows:
        print(f"{r['recipe']:<10} {r['seed']:>4} {r['seconds']:>8.1f} {r['epochs']:>6} "
              f"{r['all'] * 100:>7.2f} {r['heldout'] * 100:>10.2f} {r['heldout_right']:>10} "
              f"{r['drop'] * 100:>16.1f}%")


if __name__ == "__main__":
    main()
