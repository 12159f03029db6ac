"""The training recipe as plain data: what to learn, the network's size and how to train it.

Kept free of TensorFlow so the command line can build and check a recipe before paying for
TensorFlow's import; models.train runs it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..core.codec import check_question_align
from ..core.dataset import HeldOutRule, is_sampled
from ..core.domain import Domain
from ..core.table import has_table

DEFAULT_EPOCHS = 30
"""Epochs at most on a small domain, which usually stops sooner, once every tuple is right."""
LARGE_DOMAIN_EPOCHS = 14
"""Epochs on a domain drawn per layout (core.dataset.is_sampled), each a fresh draw; they all run,
so the learning rate decays to its floor (docs/recipe.md has the timings and what they buy)."""
MANY_TERMS, MANY_TERMS_EPOCHS = 4, 20
"""Epochs on such a domain adding MANY_TERMS numbers or more, which goes on improving after
LARGE_DOMAIN_EPOCHS (docs/recipe.md)."""
RIGHT_ALIGNED_DIGITS = 3
"""Operands of this many digits or more are read right-aligned by default (TrainConfig)."""


@dataclass
class TrainConfig:
    terms: int = 2
    max_operand: int = 99
    units: int = 128
    # The network writes the answer last character first, as carries flow: in first-character-
    # first order some seeds never learn a few held-out sums (docs/recipe.md).
    answer_order: str = "reversed"  # or "reading" (core.codec.written_order)
    # Where the encoder reads the operands: right-aligned in fixed fields (column addition) or
    # joined and padded at the end, as the reference does (core.codec.QUESTION_ALIGNS). None:
    # right-aligned when operands run to RIGHT_ALIGNED_DIGITS digits or more, where the network
    # learns faster that way; left for shorter ones, where right-aligned questions kept more
    # terms on their plateau longer (docs/recipe.md).
    question_align: str | None = None
    # The default recipe: large batches (fast steps on CPU), a high peak rate reached by a short
    # warm-up and decayed to a floor, rare questions repeated (docs/recipe.md has its figures).
    epochs: int | None = None  # None: DEFAULT_EPOCHS, LARGE_DOMAIN_EPOCHS or MANY_TERMS_EPOCHS
    batch_size: int = 512
    learning_rate: float = 3e-2
    schedule: str = "warmup_cosine"  # or "cosine", "constant" (see _schedule)
    warmup: float = 0.05  # share of all steps spent warming up, for "warmup_cosine"
    lr_floor: float = 0.05  # the cosine decays to this share of the peak rate
    clipnorm: float | None = 1.0
    # AMSGrad: Adam whose step for a parameter never grows because that parameter's recent
    # gradients shrank; it keeps held-out exact match from collapsing for an epoch near the
    # peak rate, as plain Adam does (docs/recipe.md).
    amsgrad: bool = True
    jit_compile: bool = True  # XLA-compile the training step (faster steps, a compile first)
    heldout_fraction: float = 0.10
    seed: int = 0
    train_size: int | None = None  # None: every trained tuple of a small domain, once
    balance_rare: bool = True  # repeat rare layouts and sums each epoch (models.train.repeat_rare)
    tensorboard: str | None = None
    keep_best: bool = True  # False: keep the last epoch's weights (the reference recipe)
    # Stop once every held-out and every trained tuple is right. Small domains only: a large
    # domain's checks are samples, right on every tuple in them while some outside are still
    # wrong, and the last epochs at the lowest learning rates are the ones that right those.
    stop_at_perfect: bool = True
    # Large domains only: draw new training tuples each epoch (models.train.FreshDraws) rather
    # than training on one draw throughout.
    fresh_draws: bool = True
    # Large domains only: each layout's share of a training draw grows as its size to this
    # power (0: equal shares; 1: a uniform draw), so the largest layouts, where the last
    # wrong answers are, get more of each epoch while the smallest are still all drawn. The
    # power rises from 0 at the first epoch to this by the middle of training: short operands
    # first, as the easier start (models.train.FreshDraws.layout_power).
    layout_power: float = 0.5
    # Large domains only: at the epochs at these shares of training (epochs 10, 12 and 13 of 14),
    # score trained tuples (models.train.WrongTrained; the weights of the epoch before, see
    # FreshDraws.on_epoch_end) and add those answered wrong, `revisit_repeats` times each, to
    # that and every later epoch's draw: the last epochs, at the lowest learning rates, work on
    # what is still wrong rather than only on what a random draw holds.
    revisit_at: tuple[float, ...] = (0.7, 0.85, 0.93)
    revisit_repeats: int = 8
    # Large domains only: a network first learns the sum's size, then, after a plateau of a
    # few epochs at low held-out exact match, its digits; from some initial weights it never
    # leaves it in time. A run whose held-out exact match is still below `plateau_exact` after
    # epoch `plateau_epochs` starts again from new initial weights (models.train.restart_seed),
    # at most `max_restarts` times; the last run goes on to its end whatever it reaches.
    # `plateau_epochs` is later than any run that went on to learn has left the plateau
    # (docs/recipe.md); a run of `plateau_epochs` epochs or fewer never restarts.
    max_restarts: int = 2
    plateau_epochs: int = 8
    plateau_exact: float = 0.5
    # After every epoch, draw the map of the domain and answer a few watched sums (core.watch):
    # the story's (an edge, sums with and without a carry, one longer than its operands) and
    # these typed ones. The model file records them per epoch, for `replay` and the web page.
    watch: tuple[str, ...] = ()
    record: bool = True
    # Domains too large to score whole (`trains_rare`): a draw per layout holds almost none of
    # the tuples whose sum is near the smallest or the largest, and few of the numbers people
    # type, and those are where the network goes wrong. So from the epoch at `rare_from` of
    # training (past where a run that learns has left its plateau; on 14 epochs that is epoch 7,
    # before the restart check after epoch 8), each epoch's draw also holds every tuple of the
    # rare-sum tails (core.sums), `typed_per_epoch` typed tuples
    # (core.layouts) and a draw of the same number of tuples of every sum (fewer where a sum has
    # fewer) making `per_sum_share` of the epoch, in place of part of the draw per layout; the
    # revisit scans score them too, and none of them is held out (HeldOutRule.trains_typed).
    rare_from: float = 0.5
    typed_per_epoch: int = 5_000
    per_sum_share: float = 0.3
    # From the same epoch, and in place of more of the draw per layout, tuples holding a carry
    # chain (core.chains) make `chain_share` of each epoch: the sums a chain makes (9999 and
    # 10000 on 0..9999) are where the per-sum draw still left wrong answers (docs/recipe.md).
    chain_share: float = 0.1

    def __post_init__(self) -> None:
        if self.epochs is None:
            self.epochs = self.default_epochs()
        if self.question_align is None:
            wide = self.domain.operand_width >= RIGHT_ALIGNED_DIGITS
            self.question_align = "right" if wide else "left"
        check_question_align(self.question_align)

    @property
    def domain(self) -> Domain:
        return Domain(self.terms, self.max_operand)

    def default_epochs(self) -> int:
        if not is_sampled(self.domain):
            return DEFAULT_EPOCHS
        return MANY_TERMS_EPOCHS if self.terms >= MANY_TERMS else LARGE_DOMAIN_EPOCHS

    def revisit_epochs(self) -> set[int]:
        """The epochs (counted from 1) whose draws first hold the wrong trained tuples collected
        before them."""
        epochs = {round(share * self.epochs) for share in self.revisit_at}
        return {e for e in epochs if 1 <= e < self.epochs}

    def plateau_epoch(self) -> int | None:
        """The epoch (counted from 1) after which a run still on its plateau starts again; None
        where none does (a small domain, or a run too short to leave the plateau in)."""
        if not self.max_restarts or not is_sampled(self.domain) or self.epochs <= self.plateau_epochs:
            return None
        return self.plateau_epochs

    @property
    def trains_rare(self) -> bool:
        """Whether the rare sums and typed tuples get their share of training (see `rare_from`):
        on domains too large to score whole, whose evaluation checks them sum by sum."""
        return not has_table(self.domain)

    def rare_epoch(self) -> int:
        """The first epoch (counted from 1) whose draw holds the tails, typed and per-sum tuples."""
        return max(1, round(self.rare_from * self.epochs))

    @property
    def heldout_rule(self) -> HeldOutRule:
        return HeldOutRule(self.heldout_fraction, self.seed, trains_typed=self.trains_rare)

    def to_dict(self) -> dict:
        return asdict(self)


REFERENCE_RECIPE = dict(
    train_size=5_000, learning_rate=1e-3, schedule="constant", clipnorm=None, batch_size=128,
    epochs=200, balance_rare=False, jit_compile=False, keep_best=False, stop_at_perfect=False,
    answer_order="reading", amsgrad=False, max_restarts=0,
)
"""TrainConfig settings reproducing the reference experiment (a Keras notebook adding numbers
up to 100), for the benches: 5,000 pairs drawn with replacement, Adam at a constant 0.001, no
clipping, batch 128, 200 epochs, the last epoch's weights, answers written first character first,
plain Adam, no restarts."""
