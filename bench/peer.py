"""A peer, side by side: the Keras addition example's three-digit recipe and seqsum's default
recipe on 0..999, trained in one run and both scored on all 1,000,000 pairs.

    python bench/peer.py [--epochs 30] [--seed 0] [--show-wrong 5] [--weights-dir DIR]

The peer is keras.io's "Sequence to sequence learning for performing number addition", as it is
written: 50,000 questions, each operand drawn by picking its digit count from 1 to 3 uniformly and
then that many random digits (so "007" is 7), a+b and b+a counted once (deduplicated), the
question "a+b" space-padded to 7 characters and reversed, the answer left-aligned in 4
characters; LSTM(128) -> RepeatVector(4) -> LSTM(128) -> Dense softmax on every position, Adam,
batch 32, the last 10 % of the shuffled questions for validation. Its page reports 99 %
per-character accuracy; the example's code runs 30 epochs (the default here), its page quotes
100. seqsum trains first (its row is printed at once), then the peer. The peer is scored with
`model(x)` in batches, seqsum through its NumPy forward pass.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from domains import COLUMNS, breakdown, measure
from scores import EpochLines, print_table, score_rows

from seqsum.core.codec import encode_answers, encode_questions, one_hot
from seqsum.core.dataset import all_tuples
from seqsum.core.domain import VOCABULARY, Domain
from seqsum.models.quiet import keras

DIGITS = 3
PEER_SIZE = 50_000
DOMAIN = Domain(2, 999)


def peer_questions(count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, 2) operand pairs drawn as the example draws them, deduplicated as it does.

    An operand of n random digits ("007" is 7) is uniform over 0..10^n - 1, n uniform in 1..3.
    """
    seen: set[tuple[int, int]] = set()
    pairs = []
    while len(pairs) < count:
        drawn = rng.integers(0, 10 ** rng.integers(1, DIGITS + 1, size=(count, 2)))
        for a, b in drawn.tolist():
            key = (min(a, b), max(a, b))
            if key not in seen and len(pairs) < count:
                seen.add(key)
                pairs.append((a, b))
    return np.array(pairs, dtype=np.int64)


def peer_encode(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(question, answer) symbol indices in the example's text formats. They are seqsum's on
    0..999 ("a+b" space-padded to 7, the sum left-aligned in 4) except that the question is
    reversed and the answer is written first character first."""
    return encode_questions(pairs, DOMAIN, "left")[:, ::-1], encode_answers(pairs.sum(axis=1), DOMAIN)


def peer_model() -> keras.Model:
    vocab = len(VOCABULARY)
    model = keras.Sequential([
        keras.Input(shape=(DOMAIN.input_width, vocab)),
        keras.layers.LSTM(128),
        keras.layers.RepeatVector(DOMAIN.answer_width),
        keras.layers.LSTM(128, return_sequences=True),
        keras.layers.Dense(vocab, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def train_peer(epochs: int, seed: int) -> tuple[keras.Model, float, int]:
    """The example's recipe: (model, seconds, epochs run; SIGUSR1 ends it after an epoch)."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    pairs = peer_questions(PEER_SIZE, rng)
    pairs = pairs[rng.permutation(len(pairs))]
    questions, answers = peer_encode(pairs)
    x, y = one_hot(questions), one_hot(answers)
    split_at = len(x) - len(x) // 10
    model = peer_model()
    started = time.perf_counter()
    history = model.fit(x[:split_at], y[:split_at], batch_size=32, epochs=epochs,
                        validation_data=(x[split_at:], y[split_at:]), verbose=2,
                        callbacks=[EpochLines().callback()])
    return model, time.perf_counter() - started, len(history.history["loss"])


def peer_predictions(model: keras.Model, tuples: np.ndarray, chunk: int = 16_384) -> np.ndarray:
    """(N, 4) answer symbol indices, in reading order, as the example's network writes them."""
    out = []
    for start in range(0, len(tuples), chunk):
        questions, _ = peer_encode(tuples[start : start + chunk])
        out.append(np.asarray(model(one_hot(questions), training=False)).argmax(-1))
    return np.concatenate(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30, help="the peer's epochs (30 in its code)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show-wrong", type=int, default=5)
    parser.add_argument("--weights-dir", default=".", help="where seqsum's weights are kept (.npz)")
    args = parser.parse_args()
    tuples = all_tuples(DOMAIN)

    ours = measure(DOMAIN, args.seed, tuples, args.show_wrong, args.weights_dir)
    ours["name"] = "seqsum default recipe"
    print_table([ours], "seqsum", extra=COLUMNS)

    peer, seconds, epochs = train_peer(args.epochs, args.seed)
    peer_row = score_rows(tuples, peer_predictions(peer, tuples), peer_encode(tuples)[1], args.show_wrong)
    peer_row.update(name="Keras addition example", seed=args.seed, seconds=seconds, epochs=epochs,
                    best=epochs, **breakdown(DOMAIN, tuples, peer_row["right"]))
    print_table([peer_row, ours], f"all {len(tuples):,} pairs of 0..999, seed {args.seed}", extra=COLUMNS)

if __name__ == "__main__":
    main()
