"""Every sum, and every typed tuple, of a domain too large to score whole: is each answer right?

A sample drawn per layout holds almost none of the tuples whose sum is near the smallest or the
largest (on four terms of 0..99, 210 of 10^8 tuples sum to 390 or more) and few of the numbers
people type (50+50+50+50), and those are where a network trained on such draws goes wrong. So
evaluation also asks the network for up to PER_SUM tuples of every sum the domain can produce
(core.sums: all of them where a sum has fewer, so both tails are complete) and for every typed
tuple (core.layouts; a fixed draw of them where there are too many), and counts the sums with a
wrong answer. Only the answers are asked, not their related sums: whether each answer is right is
all that is counted here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .answer import ANSWER_BATCH, Predictor
from .codec import decode_many, encode_answers
from .layouts import typed_count, typed_tuples
from .scoring import exact_match
from .sums import per_sum_tuples, sum_counts

PER_SUM = 100
"""Tuples scored of every sum that has more."""
SCORED_AT_MOST = 2_000_000
"""Tuples scored per sum at most, all sums together: a domain with more sums than this allows
PER_SUM of scores fewer of each (five terms of 0..9999 has 49,996 sums)."""
WORST_LISTED = 10
TYPED_LISTED = 10


@dataclass
class SumScores:
    per_sum: int  # tuples scored of every sum that has more
    sums: int  # sums the domain can produce
    scored: int  # tuples scored over all sums
    wrong: int  # of them, answered wrong
    sums_wrong: int  # sums with at least one wrong answer among those scored
    typed: int  # typed tuples scored: all of them, or a draw where there are too many
    typed_wrong: int
    # The sums with the largest share of wrong answers, worst first: {"sum", "wrong", "count",
    # "example"}, the example one of its wrong answers ({"input", "prediction", "truth"}).
    worst: list[dict] = field(default_factory=list)
    typed_examples: list[dict] = field(default_factory=list)  # wrong typed tuples, first ones
    typed_total: int = 0  # typed tuples of the domain (more than `typed` where they were drawn)

    @property
    def clean(self) -> bool:
        return not self.sums_wrong and not self.typed_wrong

    def to_dict(self) -> dict:
        return asdict(self)


def per_sum_size(sums: int, per_sum: int = PER_SUM) -> int:
    """Tuples to score of each sum: `per_sum`, fewer where the domain has too many sums for it."""
    return max(1, min(per_sum, SCORED_AT_MOST // sums))


def _answered(predictor: Predictor, tuples: np.ndarray, stage: str, progress) -> np.ndarray:
    """(N,) whether each tuple is answered right; progress(stage, done, total) per chunk."""
    right = np.empty(len(tuples), bool)
    for start in range(0, len(tuples), ANSWER_BATCH):
        part = tuples[start : start + ANSWER_BATCH]
        expected = encode_answers(part.sum(axis=1), predictor.domain)
        right[start : start + ANSWER_BATCH] = exact_match(predictor.probabilities(part).argmax(-1), expected)
        progress(stage, start + len(part), len(tuples))
    return right


def _examples(predictor: Predictor, tuples: np.ndarray) -> list[dict]:
    if not len(tuples):
        return []
    written = decode_many(predictor.probabilities(tuples).argmax(-1))
    return [{"input": "+".join(map(str, t)), "prediction": text, "truth": sum(t)}
            for t, text in zip(tuples.tolist(), written, strict=True)]


def score_sums(predictor: Predictor, per_sum: int = PER_SUM, seed: int = 0, progress=None) -> SumScores:
    """Exact match over a seeded draw of up to `per_sum` tuples of every sum (see `per_sum_size`)
    and over every typed tuple of the predictor's domain."""
    domain = predictor.domain
    progress = progress or (lambda stage, done, total: None)
    counts = sum_counts(domain)
    per_sum = per_sum_size(len(counts), per_sum)
    drawn = per_sum_tuples(domain, per_sum, np.random.default_rng(seed))
    right = _answered(predictor, drawn, "every sum", progress)
    totals = drawn.sum(axis=1)
    scored = np.bincount(totals, minlength=len(counts))
    wrong = np.bincount(totals[~right], minlength=len(counts))
    bad = np.flatnonzero(wrong)
    bad = bad[np.lexsort((-wrong[bad], -wrong[bad] / scored[bad]))][:WORST_LISTED]  # worst share first
    wrong_sums, first = np.unique(totals[~right], return_index=True)  # each sum's first wrong answer
    first_of = dict(zip(wrong_sums.tolist(), first.tolist(), strict=True))
    examples = _examples(predictor, drawn[~right][[first_of[s] for s in bad.tolist()]])
    typed = typed_tuples(domain)
    typed_right = _answered(predictor, typed, "typed tuples", progress)
    return SumScores(
        per_sum=per_sum,
        sums=len(counts),
        scored=len(drawn),
        wrong=int((~right).sum()),
        sums_wrong=int((wrong > 0).sum()),
        typed=len(typed),
        typed_total=typed_count(domain),
        typed_wrong=int((~typed_right).sum()),
        worst=[{"sum": int(s), "wrong": int(wrong[s]), "count": int(scored[s]), "example": example}
               for s, example in zip(bad, examples, strict=True)],
        typed_examples=_examples(predictor, typed[~typed_right][:TYPED_LISTED]),
    )
