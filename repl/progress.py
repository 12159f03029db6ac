"""Drawing training progress on stderr, for `train`, first-use training and :retrain.

Implements models.train.TrainingProgress. On a terminal it redraws one bar per epoch and leaves
a line per finished epoch (like Keras' own verbose output); on a pipe or log it writes only the
per-epoch lines, so stdout and logs stay clean.
"""

from __future__ import annotations

import math
import time

from ..core.history import forgotten
from .learning_view import epoch_block, watched_lines
from .liveline import LiveLine, terminal_size
from .style import color_enabled
from .text import percent, plural

BAR_WIDTH = 24


def duration(seconds: float) -> str:
    if math.isnan(seconds):
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class EvaluationProgress(LiveLine):
    """core.evaluation.evaluate's progress on a text stream (stderr by default): one line redrawn on
    a terminal, one line per stage elsewhere (a log), nothing on stdout."""

    REDRAW = 0.1  # seconds between redraws

    def __init__(self, stream=None):
        super().__init__(stream)
        self.stage: str | None = None
        self.drawn = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage and not self.live:
            self.write_line(f"evaluating: {stage}, {total:,} tuples")
        self.stage = stage
        now = time.perf_counter()
        if self.live and (now - self.drawn >= self.REDRAW or done == total):
            self.redraw(f"evaluating: {stage}, {done:,} of {total:,} tuples")
            self.drawn = now


class TerminalProgress(LiveLine):
    """TrainingProgress drawn on a text stream (stderr by default); `evaluating` draws the
    evaluation of the trained model that follows."""

    def __init__(self, stream=None, epoch_lines: bool = True):
        super().__init__(stream)
        self.epoch_lines = epoch_lines
        self.evaluating = EvaluationProgress(self.stream)
        self.epochs = self.steps = 0
        self.started = time.perf_counter()
        self.best_exact = 0.0
        self.color = color_enabled(self.stream)
        self._previous = None  # the last epoch's map cells, to show what was forgotten since

    def train_begin(self, config, steps_per_epoch):
        self.epochs, self.steps = config.epochs, steps_per_epoch
        self.started = time.perf_counter()
        domain = config.domain
        self.write_line(
            f"training: {domain.describe()}, {config.epochs} epochs, batch {config.batch_size}, "
            f"seed {config.seed}"
        )

    def _eta(self, epoch: int, step: int) -> float:
        elapsed = time.perf_counter() - self.started
        done = (epoch - 1) + step / max(1, self.steps)
        return elapsed / done * (self.epochs - done) if done else float("nan")

    def batch_end(self, epoch, step, loss):
        if not self.live:
            return
        filled = int(BAR_WIDTH * min(step, self.steps) / max(1, self.steps))
        bar = "━" * filled + "╺" + " " * (BAR_WIDTH - filled - 1) if filled < BAR_WIDTH else "━" * BAR_WIDTH
        text = (
            f"epoch {epoch:>3}/{self.epochs} {bar} loss {loss:.4f}  "
            f"best held-out {percent(self.best_exact)}  ~{duration(self._eta(epoch, step))} left"
        )
        self.redraw(text)

    def epoch_end(self, record, best):
        self.best_exact = best.heldout_exact
        text = (
            f"epoch {record.epoch:>3}/{self.epochs}  loss {record.loss:.4f}  "
            f"held-out exact {percent(record.heldout_exact)}  {record.seconds:.1f}s"
            f"  ~{duration(self._eta(record.epoch, self.steps))} left"
        )
        if record.wrong_found is not None:
            text += f"  ({plural(record.wrong_found, 'trained tuple')} wrong, revisited from here)"
        if record.domain_map is not None and self.live:
            self._draw_map(record, text)
        elif self.epoch_lines:
            self.write_line(text)
            if record.watched:
                self.write_line(" ".join(watched_lines(record.watched, 1 << 16)))  # one line in a log
        elif self.live:
            self.redraw(text)

    def _draw_map(self, record, text: str) -> None:
        """The epoch's map and watched sums under its line, in place of the last epoch's, and
        the cells it forgot since (right then, wrong now)."""
        cells = record.domain_map.cells
        lost = None if self._previous is None or self._previous.shape != cells.shape else forgotten(
            self._previous, cells)
        self._previous = cells
        columns, lines = terminal_size(self.stream)
        lasting = [text] if self.epoch_lines else []
        heading = [] if self.epoch_lines else [text]
        block = epoch_block(record.domain_map, record.watched or [], f"map after epoch {record.epoch}",
                            self.color, columns, lines, lost, heading)
        self.replace_block(lasting, block, columns)

    def restart(self, history, restart, max_restarts):
        best = max(r.heldout_exact for r in history)
        self.write_line(
            f"still on the plateau after epoch {len(history)} (held-out exact at most "
            f"{percent(best)}): starting again from new initial weights, restart {restart} of "
            f"{max_restarts}"
        )

    def finish(self) -> None:
        self.evaluating.finish()
        super().finish()
