"""How sure the network is of an answer, and when to call it unsure.

Two measures, both reported:

- `confidence`: the product over answer positions of each position's top probability, the
  network's own belief in its whole answer.
- `agreement`: the share of *related sums* whose answers fit this one. The network is also
  asked a+b with its operands rotated (b+a), and the sums whose total is 1 to 10 more or less,
  made by adding to or taking from one operand: a+(b+k), (a+k)+b, and those rotated (about 80
  for two terms, all inside the domain). A related sum's answer fits when it is this answer plus
  the difference of the totals. A wrong answer shows itself as disagreement. Totals up to ten
  away matter: a network whose tens digit is off for a whole run of totals (it writes 26 for
  every way of writing 16, 25 for 15, 27 for 17) agrees with its own answers one more and one
  less, but a run of wrong totals ends somewhere, and sums up to ten away reach past its end.

An answer is low-confidence when its agreement is below the model's threshold: 0.8 times the
model's mean agreement over its domain, measured when the model is saved. A fixed threshold
fits badly across models: a partly trained model gets many related sums wrong, so even its
right answers agree less often than a good model's. The rule was chosen on partly trained
models of several recipes; docs/confidence.md gives the figures, and bench/confidence.py
measures them. Model files whose threshold was calibrated for
another measure, or never calibrated, use a fixed 0.6. A sum with no related sum in its domain
would fall back to the product; in the domains seqsum accepts every sum has some.

A model without an answer table (a domain too large to answer whole when it is saved) asks its
related sums of the network, 80 to 200 more questions per answer. Its rule then checks only the
answers the network is less sure of than the rule's `sure` confidence. `sure` is set as the model
is saved (`sure_confidence`): SURE, or higher where the model was wrong often enough that fewer
than CHECKED_PER_WRONG answers per wrong one would be checked. On a trained network that leaves a
few answers in a thousand to check. Answers from `sure` up to the rule's `glance` confidence
(GLANCE, or `sure` if higher) are checked more cheaply, against one related sum: the sum with its
operands rotated (ROTATED_ONLY; 68+37 for 37+68), as a trained network writes some of its rare
wrong answers that sure. A surer answer is taken as it is (its agreement is its confidence, and
it is never unsure); the wrong answers it gives surely are the cost (docs/confidence.md).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

import numpy as np

from .domain import PAD, VOCABULARY, Domain
from .metadata import fraction
from .printable import quoted

MEASURE = "agreement over related sums (rotated, totals up to 10 more or less)"
DEFAULT_THRESHOLD = 0.6  # for model files not calibrated for MEASURE
RELATIVE_THRESHOLD = 0.8  # of the model's mean agreement
SURE = RELATIVE_THRESHOLD
"""Confidence from which a model without an answer table may ask no related sums: the largest
threshold (RELATIVE_THRESHOLD of a mean agreement of 1), so an answer left unchecked, whose
agreement is its confidence, is never unsure."""
GLANCE = 0.95
"""Confidence up to which an answer at least `sure` confident is still checked, against its
rotated sum only: trained networks of large domains write a few of their rare wrong answers 80
to 95 % sure, and only a small share of their right ones (docs/confidence.md)."""
ROTATED_ONLY: tuple[int, ...] = ()
"""The moves of the cheaper check: no total moved, so its one related sum is the row rotated."""
CHECKED_PER_WRONG = 20
"""A model without an answer table checks at least this many of its least sure answers for each
wrong one among those it was calibrated on: a partly trained model, often sure of its wrong
answers, is checked as much as it needs; a trained one, below SURE only."""
OFFSETS = tuple(k for step in range(1, 11) for k in (-step, step))  # a related sum's total minus the row's

_IS_DIGIT = np.array([ch.isdigit() for ch in VOCABULARY])
_PAD_INDEX = VOCABULARY.index(PAD)
_DIGIT_VALUE = np.array([int(ch) if ch.isdigit() else 0 for ch in VOCABULARY], np.int64)


@dataclass(frozen=True)
class ConfidenceRule:
    threshold: float = DEFAULT_THRESHOLD
    mean_agreement: float | None = None  # the model's, when the threshold was calibrated on it
    sure: float | None = None  # confidence from which not every related sum is asked (None: always)
    glance: float | None = None  # from `sure` up to this, only the rotated sum (None: none)

    @classmethod
    def calibrated(cls, mean_agreement: float, sure: float | None = None) -> ConfidenceRule:
        glance = None if sure is None else max(GLANCE, sure)
        return cls(threshold=RELATIVE_THRESHOLD * mean_agreement, mean_agreement=mean_agreement, sure=sure,
                   glance=glance)

    @property
    def unchecked_from(self) -> float | None:
        """The confidence from which an answer's related sums are not asked at all."""
        return self.sure if self.glance is None else self.glance

    @classmethod
    def from_meta(cls, meta: dict) -> ConfidenceRule:
        """The rule a model file records; ValueError when it records one that is not usable."""
        data = meta.get("confidence")
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ValueError(f"expected an object, not {quoted(data)}")
        if data.get("measure") != MEASURE:  # uncalibrated, or calibrated for an older measure
            return cls()
        threshold, mean = data.get("threshold", DEFAULT_THRESHOLD), data.get("mean_agreement")
        sure, glance = data.get("sure"), data.get("glance")
        if fraction(threshold) is None:
            raise ValueError(f"the threshold must be a number from 0 to 1, not {quoted(threshold)}")
        if mean is not None and fraction(mean) is None:
            raise ValueError(f"the mean agreement must be a number from 0 to 1, not {quoted(mean)}")
        if sure is not None and (fraction(sure) is None or fraction(sure) < fraction(threshold)):
            raise ValueError(f"the sure confidence must be a number from the threshold "
                             f"({fraction(threshold):g}) to 1, not {quoted(sure)}")
        if glance is not None and (sure is None or fraction(glance) is None
                                   or fraction(glance) < fraction(sure)):
            raise ValueError(f"the glance confidence must be a number from the sure confidence "
                             f"({quoted(sure)}) to 1, not {quoted(glance)}")
        return cls(threshold=fraction(threshold), mean_agreement=fraction(mean),
                   sure=None if sure is None else fraction(sure),
                   glance=None if glance is None else fraction(glance))

    def to_dict(self) -> dict:
        return {"measure": MEASURE, **asdict(self)}


def sure_confidence(confidence: np.ndarray, correct: np.ndarray) -> float:
    """The `sure` confidence of a model without an answer table, from its answers' confidences
    and rightness over the tuples it is calibrated on: at least SURE, and high enough that
    CHECKED_PER_WRONG answers are checked for each wrong one (at worst every answer but the
    surest, as an answer is checked when its confidence is below `sure`)."""
    checked = min(1.0, CHECKED_PER_WRONG * float(np.mean(~np.asarray(correct, bool))))
    return max(SURE, float(np.quantile(confidence, checked))) if checked > 0 else SURE


def product_confidence(probabilities: np.ndarray) -> np.ndarray:
    """(N, positions, vocabulary) softmax outputs -> (N,) product of top probabilities."""
    return probabilities.max(axis=-1).prod(axis=-1)


@functools.cache
def _view_moves(terms: int, moves: tuple[int, ...] = OFFSETS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(deltas (V, terms), rotate (V,), offset (V,)): a view is a row plus a delta, possibly
    rotated by one place. Each delta adds one of `moves` to one operand; one more view is the
    row itself, rotated."""
    deltas, rotate, offsets = [], [], []
    for offset in moves:
        for operand in range(terms):
            delta = np.zeros(terms, np.int64)
            delta[operand] = offset
            deltas += [delta, delta]
            rotate += [False, True]
            offsets += [offset, offset]
    deltas.append(np.zeros(terms, np.int64))
    rotate.append(True)
    offsets.append(0)
    return np.array(deltas), np.array(rotate), np.array(offsets)


def related_sums(operands: np.ndarray, domain: Domain, moves: tuple[int, ...] = OFFSETS,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sums related to each row (see the module docstring; `moves`, the totals' differences,
    are all of OFFSETS unless a cheaper check asks for fewer): (views (M, terms), owning row
    (M,), the view's total minus the row's (M,)). Views outside the domain, and views identical
    to their own row (a rotation of equal operands), are left out."""
    operands = np.asarray(operands, dtype=np.int64)
    n, terms = operands.shape
    deltas, rotate, offsets = _view_moves(terms, moves)
    views = operands[:, None, :] + deltas[None, :, :]  # (n, V, terms)
    views[:, rotate] = np.roll(views[:, rotate], 1, axis=2)
    owners = np.repeat(np.arange(n), len(deltas))
    offsets = np.tile(offsets, n)
    views = views.reshape(-1, terms)
    keep = ((views >= 0) & (views <= domain.max_operand)).all(axis=1)
    keep &= (views != operands[owners]).any(axis=1)
    return views[keep], owners[keep], offsets[keep]


def checked_below(probabilities: np.ndarray, operands: np.ndarray, domain: Domain, sure: float,
                  answer, moves: tuple[int, ...] = OFFSETS, glance: float | None = None,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(agreement, related sums asked) per row, asking `answer(views)` (softmax outputs) about
    the related sums (`moves`) of the rows whose confidence is below `sure`, and about the
    rotated sum only (ROTATED_ONLY) of the rows from `sure` up to `glance`; a surer row's
    agreement is its confidence, from no related sum."""
    confidence = product_confidence(probabilities)
    shares, checks = confidence.astype(np.float64), np.zeros(len(operands), np.int64)
    doubtful = np.flatnonzero(confidence < sure)
    views, owners, offsets = related_sums(operands[doubtful], domain, moves)
    owners = doubtful[owners]
    if glance is not None:
        glanced = np.flatnonzero((confidence >= sure) & (confidence < glance))
        rotated, rotated_owners, rotated_offsets = related_sums(operands[glanced], domain, ROTATED_ONLY)
        views, owners = np.concatenate([views, rotated]), np.concatenate([owners, glanced[rotated_owners]])
        offsets = np.concatenate([offsets, rotated_offsets])
    if len(views):
        asked = np.unique(owners)
        view_values = answer_values(answer(views).argmax(-1))
        values = answer_values(probabilities.argmax(-1))
        every_share, every_check = agreement(values, view_values, owners, offsets, fallback=confidence)
        shares[asked], checks[asked] = every_share[asked], every_check[asked]
    return shares, checks


def typical_related_count(domain: Domain) -> int:
    """How many related sums a typical tuple has, for estimating what answering costs: one with
    mid-range operands, all different (equal operands lose their rotated views)."""
    middle = (domain.max_operand // 2 + np.arange(domain.terms)[None, :]) % (domain.max_operand + 1)
    return len(related_sums(middle, domain)[0])


def related_counts_over_domain(values: np.ndarray, domain: Domain) -> tuple[np.ndarray, np.ndarray]:
    """For every tuple of the domain at once, from every tuple's answer value (answer_values, in
    tuple_index order): (how many related sums fit its answer, how many it has), as uint8 — the
    counts behind `agreement`. The same as related_sums + agreement, but each kind of related sum
    is a shifted view of the whole grid of answers, not an array of views."""
    m, terms = domain.max_operand, domain.terms
    grid = np.asarray(values).reshape((m + 1,) * terms)
    rotated = np.transpose(grid, (*range(1, terms), 0))  # rotated[u] is the answer to roll(u, 1)
    fitting = np.zeros(grid.shape, np.uint8)
    total = np.zeros(grid.shape, np.uint8)  # at most 201 (5 terms)
    not_all_equal = np.ones(grid.shape, bool)  # the row rotated is itself only where all are equal
    not_all_equal[(np.arange(m + 1),) * terms] = False
    for delta, rotate, offset in zip(*_view_moves(terms), strict=True):
        operand = int(np.argmax(delta != 0))
        step = int(delta[operand])
        rows = [slice(None)] * terms  # the tuples whose view stays inside the domain,
        rows[operand] = slice(max(0, -step), max(0, m + 1 - max(0, step)))
        views = list(rows)  # and where their views are (before rotating)
        views[operand] = slice(max(0, step), max(0, m + 1 - max(0, -step)))
        rows, views = tuple(rows), tuple(views)
        own, view = grid[rows], (rotated if rotate else grid)[views]
        counted = not_all_equal[rows] if step == 0 else True
        fitting[rows] += counted & (own >= 0) & (view == own + offset)
        total[rows] += counted
    return fitting.ravel(), total.ravel()


def agreement_from_counts(fitting: np.ndarray, total: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """`agreement` from its counts: the share of related sums that fit, `fallback` where none."""
    return np.where(total > 0, fitting / np.maximum(total, 1), fallback)


def answer_values(indices: np.ndarray) -> np.ndarray:
    """(N, width) written symbol indices -> (N,) the numbers written, -1 where the text is not
    one (blank, a space inside, a leading zero): such an answer fits no related sum."""
    indices = np.asarray(indices)
    length = _IS_DIGIT[indices].cumprod(axis=1).sum(axis=1)  # left-aligned: the leading digits
    position = np.arange(indices.shape[1])
    in_number = position < length[:, None]
    well_formed = (length > 0) & (in_number | (indices == _PAD_INDEX)).all(axis=1)
    well_formed &= (length == 1) | (_DIGIT_VALUE[indices[:, 0]] != 0)
    exponent = np.clip(length[:, None] - 1 - position, 0, None)
    values = (np.where(in_number, _DIGIT_VALUE[indices], 0) * 10**exponent).sum(axis=1)
    return np.where(well_formed, values, -1)


def agreement(values: np.ndarray, view_values: np.ndarray, owners: np.ndarray, offsets: np.ndarray,
              fallback: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(share of each row's views whose answers fit the row's answer, number of views per row).

    `values` and `view_values` are numbers written (answer_values): a view fits when it answers
    the row's answer plus its offset.
    """
    n = len(values)
    row = values[owners]
    fits = (row >= 0) & (view_values == row + offsets)
    fitting = np.bincount(owners, weights=fits, minlength=n)
    total = np.bincount(owners, minlength=n)
    return agreement_from_counts(fitting, total, fallback), total
