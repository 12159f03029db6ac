"""Training: seeded, measured on held-out exact match every epoch, keeping the best epoch.

Read top to bottom: the recipe is plain data (models.config.TrainConfig); `train` builds the
split and the network, fits with a learning-rate schedule, and after each epoch scores exact
match on tuples the network never sees. It keeps the best epoch's weights. A small domain trains
on all its trained tuples each epoch and stops once every held-out and every trained tuple is
right; a large one trains on a fresh draw per layout each epoch and runs its whole schedule.
Progress goes to any object with the TrainingProgress methods, so the command line and the REPL
draw the same events their own way.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..core.chains import chain_tuples
from ..core.codec import one_hot, written_order
from ..core.dataset import Examples, all_tuples, is_sampled, split, stratified, tuple_index
from ..core.domain import Domain
from ..core.domain_map import CATEGORY_KEYS as COUNT_KEYS
from ..core.domain_map import DomainMap
from ..core.layouts import at_most, edge_tuples, edge_values, is_edge, typed_tuples
from ..core.scoring import exact_match
from ..core.sums import per_sum_tuples, sum_counts, tail_tuples
from ..core.watch import EpochView, EpochWatch, watched_sums
from .config import TrainConfig
from .network import build_model, numpy_network
from .quiet import keras, tf

STEPS_PER_EXECUTION = 16
MONITOR_LIMIT = 5_000
"""Held-out tuples scored after each epoch (all of them on the default domain)."""
MAX_REPEATS = 16  # of one training example per epoch, by repeat_rare
TRAINED_CHECK_LIMIT = 50_000  # trained tuples checked before stopping early
REVISIT_SCAN = 1_000_000
"""Tuples scored when collecting wrong ones to revisit: a domain this small is scored whole (its
trained side), a larger one by a fresh per-layout draw of this many trained tuples."""
SCAN_CHUNK = 65_536


@dataclass
class EpochRecord:
    epoch: int
    loss: float
    char_accuracy: float
    heldout_exact: float
    learning_rate: float
    seconds: float
    trained_exact: float | None = None  # small domains: measured when held-out ties or beats the best
    wrong_found: int | None = None  # trained tuples found wrong after this epoch, to be revisited
    edges_wrong: int | None = None  # large domains: edge tuples wrong in the held-out and trained checks
    # Recorded when training records its history (TrainConfig.record): how many of the map's cells
    # are in each class (by COUNT_KEYS), and the watched sums' answers (input, prediction, correct).
    counts: dict | None = None
    watched: list | None = None
    domain_map: DomainMap | None = field(default=None, repr=False)  # the map itself (not in to_dict)

    def to_dict(self) -> dict:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "domain_map"}
        return {k: round(v, 6) if isinstance(v, float) else v for k, v in data.items()}


@dataclass
class TrainingResult:
    config: TrainConfig
    model: keras.Model
    history: list[EpochRecord]
    best_epoch: int
    seconds: float
    stopped_early: bool
    heldout: Examples = field(repr=False)
    restarts: int = 0  # runs stopped on their plateau before this one (`seconds` counts them)

    @property
    def best(self) -> EpochRecord:
        return self.history[self.best_epoch - 1]


class TrainingProgress(Protocol):
    def train_begin(self, config: TrainConfig, steps_per_epoch: int) -> None: ...
    def batch_end(self, epoch: int, step: int, loss: float) -> None: ...
    def epoch_end(self, record: EpochRecord, best: EpochRecord) -> None: ...
    # A run stopped on its plateau after the epochs in `history`; restart `restart` (of at most
    # `max_restarts`) begins, with train_begin again.
    def restart(self, history: list[EpochRecord], restart: int, max_restarts: int) -> None: ...


class SilentProgress:
    def train_begin(self, config, steps_per_epoch):
        pass

    def batch_end(self, epoch, step, loss):
        pass

    def epoch_end(self, record, best):
        pass

    def restart(self, history, restart, max_restarts):
        pass


def answered_right(model: keras.Model, examples: Examples, config: TrainConfig) -> np.ndarray:
    """Per example, is the whole answer right? Through the NumPy forward pass (the answer path's)."""
    if not len(examples):
        return np.zeros(0, bool)
    return exact_match(numpy_network(model, config).probabilities(examples.questions).argmax(-1),
                       examples.answers)


class WrongTrained:
    """Finds trained tuples the model answers wrong, once per call (after an epoch).

    The first call scores every trained tuple of a domain of up to REVISIT_SCAN tuples, else
    that many drawn in equal shares per layout with the edge tuples, as evaluation samples
    (training's draws favour the large layouts; this finds what they leave wrong in the small).
    Later calls score what the previous one left in doubt, the tuples it found wrong or whose
    least sure character was below SURE_CHARACTER. Every call scores every trained edge tuple
    too, and on a domain that `trains_rare` (TrainConfig) every tail and typed tuple, and the
    first call draws half its tuples per sum and a quarter of carry chains (core.chains). A scan
    of everything costs a good share of an epoch; what is left in doubt is a small share of it,
    and at the low learning rates of the last epochs a sure answer mostly stays right.
    """

    SURE_CHARACTER = 0.99

    def __init__(self, model: keras.Model, config: TrainConfig):
        self.model, self.config = model, config
        self.doubtful: np.ndarray | None = None
        self.trained_edges = trained_edge_tuples(config)
        self.rare = rare_tuples(config) if config.trains_rare else ()  # scored by every call too

    def __call__(self, epoch: int) -> np.ndarray:
        tuples = self._first_scan(epoch) if self.doubtful is None else self.doubtful
        tuples = np.unique(np.concatenate([tuples, self.trained_edges, *self.rare]), axis=0)
        network = numpy_network(self.model, self.config)
        right, sure = np.empty(len(tuples), bool), np.empty(len(tuples), np.float32)
        for start in range(0, len(tuples), SCAN_CHUNK):
            part = Examples.from_operands(tuples[start : start + SCAN_CHUNK], self.config.domain,
                                          self.config.question_align)
            probabilities = network.probabilities(part.questions)
            right[start : start + SCAN_CHUNK] = exact_match(probabilities.argmax(-1), part.answers)
            sure[start : start + SCAN_CHUNK] = probabilities.max(-1).min(-1)
        self.doubtful = tuples[~right | (sure < self.SURE_CHARACTER)]
        return tuples[~right]

    def _first_scan(self, epoch: int) -> np.ndarray:
        config, domain = self.config, self.config.domain
        if domain.size <= REVISIT_SCAN:
            tuples = all_tuples(domain)
            return tuples[~config.heldout_rule.is_held_out(tuples, domain)]
        rng = np.random.default_rng([config.seed, 4, epoch])
        if not config.trains_rare:
            return stratified(domain, config.heldout_rule, REVISIT_SCAN, False, rng)
        # Half of it drawn per sum, a quarter of carry chains, the rest per layout.
        per_sum = max(1, REVISIT_SCAN // 2 // len(sum_counts(domain)))
        rare_rng = np.random.default_rng([config.seed, 7, epoch])
        by_sum = trained_side(np.concatenate([per_sum_tuples(domain, per_sum, rare_rng),
                                              chain_tuples(domain, REVISIT_SCAN // 4, rare_rng)]), config)
        by_layout = stratified(domain, config.heldout_rule, max(0, REVISIT_SCAN - len(by_sum)), False, rng)
        return np.concatenate([by_layout, by_sum])


def trained_side(tuples: np.ndarray, config: TrainConfig) -> np.ndarray:
    """The tuples the held-out rule leaves to training."""
    return tuples[~config.heldout_rule.is_held_out(tuples, config.domain)]


def rare_tuples(config: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """(every tail tuple, every typed tuple) of a domain that `trains_rare`; none are held out."""
    return tail_tuples(config.domain), typed_tuples(config.domain)



def trained_edge_tuples(config: TrainConfig) -> np.ndarray:
    """Every edge tuple on the trained side of the held-out rule, beyond the budget evaluation
    keeps to."""
    domain = config.domain
    edges = edge_tuples(domain, budget=len(edge_values(domain)) ** domain.terms)
    return trained_side(edges, config)


class _Monitor(keras.callbacks.Callback):
    """Scores held-out exact match each epoch, keeps the best weights, and (small domains) stops
    once every held-out and every trained tuple is right. Given a `plateau_epoch`, it stops a
    run whose held-out exact match has stayed below config.plateau_exact up to that epoch, and
    sets `on_plateau`."""

    def __init__(self, config, monitor: Examples, trained: Examples, progress, schedule,
                 draws: FreshDraws | None = None, plateau_epoch: int | None = None,
                 watch: EpochWatch | None = None):
        super().__init__()
        self.config, self.monitor, self.progress, self.schedule = config, monitor, progress, schedule
        self.trained, self.draws, self.watch = trained, draws, watch
        self._view: EpochView | None = None  # this epoch's, while it is scored
        self._suspects: Examples | None = None  # trained tuples wrong at the last full check
        self._trained_right: np.ndarray | None = None  # per trained tuple, at the last full check
        self.history: list[EpochRecord] = []
        self.best_weights = None
        self.best_epoch = 0
        self.stopped_early = False
        self.plateau_epoch, self.on_plateau = plateau_epoch, False
        self.sampled = is_sampled(config.domain)  # its checks are samples (see _rank)
        self.edges = [is_edge(part.operands, config.domain) for part in (monitor, trained)]
        self.stop_at_perfect = config.stop_at_perfect and not self.sampled
        self._epoch_start = 0.0
        self._last_draw = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if now - self._last_draw > 0.1:  # reading the loss syncs the graph: not every step
            self._last_draw = now
            self.progress.batch_end(len(self.history) + 1, batch + 1, float(logs["loss"]))

    def on_epoch_end(self, epoch, logs=None):
        self._view = view = self.watch(numpy_network(self.model, self.config)) if self.watch else None
        held_right = self._right(self.monitor)
        exact = float(held_right.mean()) if len(held_right) else 0.0
        record = EpochRecord(
            epoch=epoch + 1,
            loss=float(logs["loss"]),
            char_accuracy=float(logs.get("accuracy", 0.0)),
            heldout_exact=exact,
            learning_rate=float(
                self.schedule(int(self.model.optimizer.iterations))
                if callable(self.schedule) else self.schedule
            ),
            seconds=time.perf_counter() - self._epoch_start,
            wrong_found=self.draws.wrong_found.get(epoch + 1) if self.draws else None,
        )
        if view is not None:
            record.domain_map, record.watched = view.domain_map, view.watched
            record.counts = dict(zip(COUNT_KEYS, view.domain_map.counts.tolist()))
        self.history.append(record)
        best = self.best if self.best_epoch else None
        whole = view is not None and view.correct is not None  # every answer known: no cost
        if whole or self.sampled or best is None or exact >= best.heldout_exact:
            record.trained_exact = self._trained_exact()
        if self.sampled:  # (whose trained tuples were all checked just now)
            held_edges, trained_edges = self.edges
            record.edges_wrong = int((~held_right[held_edges]).sum()) + int(
                (~self._trained_right[trained_edges]).sum())
        if best is None or self._rank(record) > self._rank(best):
            self.best_epoch = record.epoch
            self.best_weights = self.model.get_weights()
        self.progress.epoch_end(record, self.best)
        if self.stop_at_perfect and exact >= 1.0 and record.trained_exact == 1.0:
            self.stopped_early = True
            self.model.stop_training = True
        elif record.epoch == self.plateau_epoch and max(
                r.heldout_exact for r in self.history) < self.config.plateau_exact:
            self.on_plateau = True
            self.model.stop_training = True

    @property
    def best(self) -> EpochRecord:
        return self.history[self.best_epoch - 1]

    def _right(self, examples: Examples) -> np.ndarray:
        """Per example, is the network's answer right: looked up in this epoch's answers to the
        whole domain when it has them (core.watch), else asked of the network."""
        if self._view is not None and self._view.correct is not None:
            return self._view.correct[tuple_index(examples.operands, self.config.domain).astype(np.int64)]
        return answered_right(self.model, examples, self.config)

    def _trained_exact(self) -> float:
        """Exact match on the trained tuples. A small domain re-checks last epoch's wrong ones
        first (cheap): while some of those are still wrong the result is an estimate (the rest
        assumed right), good for ranking epochs; 1.0 is only ever returned after a full check.
        A large domain checks its sample in full every epoch, as its ranking counts every miss.
        """
        whole = self._view is not None and self._view.correct is not None  # every answer known
        if not whole and not self.sampled and self._suspects is not None and len(self._suspects):
            right = answered_right(self.model, self._suspects, self.config)
            if not right.all():
                self._suspects = self._suspects.take(~right)
                return 1.0 - len(self._suspects) / len(self.trained)
        right = self._right(self.trained)
        self._suspects, self._trained_right = self.trained.take(~right), right
        return float(right.mean())

    def _rank(self, record: EpochRecord) -> tuple:
        """Which epoch is best. A small domain: held-out exact match first, then trained, then
        the lower loss. A large one: the fewest wrong edge tuples (what people type first), then
        the fewest wrong answers over both samples together, then the lower loss; both samples
        are mostly tuples never trained on, and the held-out one alone is too small to rank epochs
        by two or three answers. Where both are right for
        several epochs, the lower loss is the later epoch, further down the learning-rate
        schedule."""
        trained = record.trained_exact or 0.0
        if self.sampled:
            wrong = (1 - record.heldout_exact) * len(self.monitor) + (1 - trained) * len(self.trained)
            return (-record.edges_wrong, -round(wrong), -record.loss)
        return (record.heldout_exact, trained, -record.loss)


def _schedule(config: TrainConfig, total_steps: int):
    """Learning rate per step: cosine decay to a floor, optionally after a linear warm-up from 0.

    "warmup_cosine" rises linearly to `learning_rate` over the first `warmup` share of all steps
    (a high peak rate with Adam is unstable on the first, large gradients), then decays by a
    cosine to `lr_floor` times the peak over the remaining steps.
    """
    if config.schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(
            config.learning_rate, total_steps, alpha=config.lr_floor
        )
    if config.schedule == "warmup_cosine" and total_steps > 1:
        warmup_steps = min(total_steps - 1, max(1, round(config.warmup * total_steps)))
        return keras.optimizers.schedules.CosineDecay(
            0.0, total_steps - warmup_steps, alpha=config.lr_floor,
            warmup_target=config.learning_rate, warmup_steps=warmup_steps,
        )
    if config.schedule in ("constant", "warmup_cosine"):  # (a one-step run has no room to warm up)
        return config.learning_rate
    raise ValueError(f"unknown learning-rate schedule {config.schedule!r}")


def repeat_rare(training: Examples, domain: Domain, by_layout: bool = True) -> Examples:
    """Training examples with rare kinds of question repeated, so the network sees them enough.

    Two things make a question rare. Its layout, which operands are shorter than full width: on
    0..99 there are 8,100 long+long tuples, 900 short+long, 900 long+short and 100 short+short.
    And its sum: one tuple sums to 198 (99+99), a hundred to 99. Rare kinds are the last a
    network gets right, and held-out ones there are where it fails to generalise. Each example
    is repeated round(sqrt(most common / its kind's count)) times per epoch, the larger of the
    two, at most MAX_REPEATS. Both kinds count: repeating by layout alone left held-out tuples
    near the largest sums wrong (docs/recipe.md). A draw that already gave each layout its share
    (`by_layout` False) repeats rare sums only.
    """
    repeats = _rarity_repeats(training.operands.sum(axis=1))
    if by_layout:
        full = 10 ** (domain.operand_width - 1)
        layout = (training.operands < full) @ (1 << np.arange(domain.terms))  # a bit per short operand
        repeats = np.maximum(_rarity_repeats(layout), repeats)
    rows = np.repeat(np.arange(len(training)), repeats)
    return training.take(rows)


def _rarity_repeats(kinds: np.ndarray) -> np.ndarray:
    counts = np.bincount(kinds)
    repeats = np.rint(np.sqrt(counts.max() / np.maximum(counts, 1))).astype(np.int64)
    return np.minimum(repeats, MAX_REPEATS)[kinds]


def trained_check(training: Examples, config: TrainConfig) -> Examples:
    """The trained tuples checked before stopping early. Small domains: the training tuples (up
    to TRAINED_CHECK_LIMIT rows). Large ones: TRAINED_CHECK_LIMIT tuples of the trained side
    drawn per layout, with its edge tuples, on their own seed; most were never trained on, so
    the check sees the whole trained side, not only the examples drawn for training."""
    domain = config.domain
    if not is_sampled(domain):
        return Examples.from_operands(np.unique(training.operands[:TRAINED_CHECK_LIMIT], axis=0), domain,
                                      config.question_align)
    rng = np.random.default_rng([config.seed, 1])
    checked = stratified(domain, config.heldout_rule, TRAINED_CHECK_LIMIT, False, rng)
    return Examples.from_operands(checked, domain, config.question_align)


class FreshDraws(keras.utils.PyDataset):
    """A large domain's training examples, drawn anew each epoch (`stratified`, trained side,
    layout shares by `layout_power`).

    A fixed draw shows the network the same few per cent of the largest layout every epoch;
    a fresh one shows it a new share each epoch. Every epoch has the same number of full
    batches, as many as the first draw fills (its last one completed by cycling); a later draw
    is cut to that or cycled up to it. Draws are seeded by (seed, epoch): a run is reproducible.

    After the epochs `config.revisit_epochs()` names, `find_wrong(epoch)` (set once the model
    exists) collects trained tuples answered wrong; every later draw holds each one found so
    far `revisit_repeats` times. On a domain that `trains_rare`, every draw from its
    `rare_epoch` also holds the tail tuples, a draw of the typed tuples, a draw per sum and
    one of carry chains (TrainConfig.rare_from), at most half the epoch. The tuples revisited,
    the tails and the typed draw are kept whole; what is cut to make room is the fresh draw.
    """

    def __init__(self, config: TrainConfig, size: int):
        super().__init__()
        self.config, self.size, self.epoch = config, size, 0
        self.find_wrong: Callable[[int], np.ndarray] | None = None
        self.wrong_found: dict[int, int] = {}  # by epoch: how many trained tuples were wrong
        self.revisit = np.empty((0, config.terms), np.int64)
        self.tails, self.typed = rare_tuples(config) if config.trains_rare else (self.revisit,) * 2
        first = self._examples()
        self.batches = math.ceil(len(first) / config.batch_size)
        self.x, self.y = self._arrays(first)

    def _examples(self) -> Examples:
        config, domain = self.config, self.config.domain
        rng = np.random.default_rng([config.seed, 2, self.epoch])
        drawn = stratified(domain, config.heldout_rule, self.size, False, rng, self.layout_power())
        examples = Examples.from_operands(drawn, domain, config.question_align)
        return repeat_rare(examples, domain, by_layout=False) if config.balance_rare else examples

    def layout_power(self) -> float:
        """This epoch's `layout_power`: 0 (equal shares, short operands weigh most) at the first
        epoch, rising evenly to the config's by the middle of training, then held."""
        half = max(1, self.config.epochs // 2)
        return self.config.layout_power * min(1.0, self.epoch / half)

    def _arrays(self, examples: Examples) -> tuple[np.ndarray, np.ndarray]:
        """One-hot questions and answers, shuffled, cycled or cut to `batches` full batches;
        the tuples to revisit are all kept (what is cut is from the fresh draw)."""
        config = self.config
        budget = self.batches * config.batch_size
        rows = np.random.default_rng([config.seed, 3, self.epoch]).permutation(len(examples))
        kept = np.concatenate([np.repeat(self.revisit, config.revisit_repeats, axis=0), *self._rare(budget)])
        if len(kept):
            drawn = examples.operands[rows[: budget - len(kept)]]
            examples = Examples.from_operands(np.concatenate([drawn, kept]), config.domain,
                                              config.question_align)
            rows = np.random.default_rng([config.seed, 6, self.epoch]).permutation(len(examples))
        rows = np.resize(rows, budget)
        answers = examples.answers[:, written_order(config.domain.answer_width, config.answer_order)]
        return one_hot(examples.questions[rows]), one_hot(answers[rows])

    def _rare(self, budget: int) -> list[np.ndarray]:
        """This epoch's tail tuples, typed tuples, per-sum and carry-chain draws, once its
        `rare_epoch` is reached (none before, nor on a domain that does not `trains_rare`)."""
        config = self.config
        if not config.trains_rare or self.epoch < config.rare_epoch():
            return []
        rng = np.random.default_rng([config.seed, 8, self.epoch])
        typed = at_most(self.typed, config.typed_per_epoch, rng)
        per_sum = max(1, round(config.per_sum_share * budget / len(sum_counts(config.domain))))
        chains = chain_tuples(config.domain, round(config.chain_share * budget), rng)
        drawn = trained_side(np.concatenate([per_sum_tuples(config.domain, per_sum, rng), chains]), config)
        # Half of the epoch at most: the draws give way first, the tails only in a short epoch
        # (a small --train-size).
        kept = at_most(np.concatenate([self.tails, typed]), budget // 2, rng)
        return [np.concatenate([kept, at_most(drawn, budget // 2 - len(kept), rng)])]

    def __len__(self) -> int:
        return self.batches

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        rows = slice(index * self.config.batch_size, (index + 1) * self.config.batch_size)
        return self.x[rows], self.y[rows]

    def on_epoch_end(self) -> None:
        """Keras calls this once before the first epoch and then once each epoch's steps are done,
        before the callbacks' epoch end, so `epoch` runs one ahead of the epoch just trained: the
        scans `revisit_epochs` names score the weights of the epoch before (docs/recipe.md)."""
        self.epoch += 1
        if self.find_wrong is not None and self.epoch in self.config.revisit_epochs():
            wrong = self.find_wrong(self.epoch)
            self.wrong_found[self.epoch] = len(wrong)
            found = np.unique(np.concatenate([self.revisit, wrong]), axis=0)
            most = self.batches * self.config.batch_size // (2 * self.config.revisit_repeats)  # half an epoch
            self.revisit = at_most(found, most, np.random.default_rng([self.config.seed, 5, self.epoch]))
        self.x, self.y = self._arrays(self._examples())


def restart_seed(seed: int, restart: int) -> int:
    """The seed of a restarted run's initial weights: the run's own seed for the first run,
    a seed drawn from (seed, restart) for each restart, so a restarted run is reproducible."""
    if not restart:
        return seed
    return int(np.random.SeedSequence([seed, restart]).generate_state(1)[0])


def train(config: TrainConfig, progress: TrainingProgress | None = None,
          callbacks: list | tuple = ()) -> TrainingResult:
    """Train a fresh network, again from new initial weights while a run stays on its plateau
    (TrainConfig.max_restarts); KeyboardInterrupt propagates (nothing has been saved).

    `callbacks` are extra Keras callbacks (the benches use one to snapshot every epoch), given
    to every run.
    """
    progress = progress or SilentProgress()
    domain = config.domain
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()

    training, heldout = split(domain, config.heldout_rule, config.train_size, seed=config.seed,
                              align=config.question_align)
    # A large domain's held-out set is drawn per layout: all of it is monitored, or 1+1 is not.
    monitor = heldout if is_sampled(domain) else heldout.take(slice(MONITOR_LIMIT))
    trained = trained_check(training, config)
    watch = EpochWatch(domain, config.heldout_rule, watched_sums(domain, config.watch), config.seed) \
        if config.record else None
    started = time.perf_counter()
    restart = 0
    while True:
        plateau_epoch = config.plateau_epoch() if restart < config.max_restarts else None
        model, monitor_cb = _fit(config, training, monitor, trained, progress, callbacks, restart,
                                 plateau_epoch, watch)
        if not monitor_cb.on_plateau:
            break
        restart += 1
        progress.restart(monitor_cb.history, restart, config.max_restarts)
    seconds = time.perf_counter() - started
    if config.keep_best and monitor_cb.best_weights is not None:
        model.set_weights(monitor_cb.best_weights)
    return TrainingResult(
        config=config,
        model=model,
        history=monitor_cb.history,
        best_epoch=monitor_cb.best_epoch,
        seconds=seconds,
        stopped_early=monitor_cb.stopped_early,
        heldout=heldout,
        restarts=restart,
    )


def _fit(config: TrainConfig, training: Examples, monitor: Examples, trained: Examples,
         progress: TrainingProgress, callbacks, restart: int, plateau_epoch: int | None,
         watch: EpochWatch | None = None):
    """One run from initial weights seeded by restart_seed: the network and its _Monitor, which
    stops the run if it is still on its plateau after `plateau_epoch` (`on_plateau`)."""
    domain = config.domain
    if is_sampled(domain) and config.fresh_draws:
        data = {"x": FreshDraws(config, len(training)), "shuffle": False}
        steps_per_epoch = len(data["x"])
    else:
        if config.balance_rare:
            training = repeat_rare(training, domain)
        answers = training.answers[:, written_order(domain.answer_width, config.answer_order)]
        data = {"x": one_hot(training.questions), "y": one_hot(answers),
                "batch_size": config.batch_size, "shuffle": True}
        steps_per_epoch = math.ceil(len(training) / config.batch_size)
    schedule = _schedule(config, steps_per_epoch * config.epochs)

    init_seed = restart_seed(config.seed, restart)
    if restart:
        keras.utils.set_random_seed(init_seed)
    model = build_model(domain, config.units, init_seed)
    draws = data["x"] if isinstance(data["x"], FreshDraws) else None
    if draws:
        draws.find_wrong = WrongTrained(model, config)
    optimizer_options = {"clipnorm": config.clipnorm} if config.clipnorm else {}
    optimizer = keras.optimizers.Adam(
        learning_rate=schedule,
        amsgrad=config.amsgrad,
        **optimizer_options,
    )
    model.compile(
        optimizer=optimizer,
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        # Several steps per graph call: per-step Python overhead dominates a model this small.
        steps_per_execution=min(STEPS_PER_EXECUTION, steps_per_epoch),
        jit_compile=config.jit_compile,
    )

    monitor_cb = _Monitor(config, monitor, trained, progress, schedule, draws, plateau_epoch, watch)
    callbacks = [monitor_cb, *callbacks]
    if config.tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=config.tensorboard))

    progress.train_begin(config, steps_per_epoch)
    model.fit(**data, epochs=config.epochs, callbacks=callbacks, verbose=0)
    return model, monitor_cb
