"""Drawing training progress on stderr, for `train`, first-use training and :retrain.

Implements models.train.TrainingProgress. On a terminal it redraws one bar per epoch and leaves
a line per finished epoch (like Keras' own verbose output); on a pipe or log it writes only the
per-epoch lines, so stdout and logs stay clean.
"""

from __future__ import annotations

import math
import sys
import time

from ..core.printable import visible
from .text import percent, plural

BAR_WIDTH = 24


def duration(seconds: float) -> str:
    if math.isnan(seconds):
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class LiveLine:
    """A line redrawn in place on a terminal stream (stderr by default), for every progress
    display; `live` is False on a pipe or log, where only lasting lines are written. Control
    characters in the text are shown, never acted on."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = _isatty(self.stream)
        self._dirty = False

    def redraw(self, text: str) -> None:
        self.stream.write("\r\x1b[2K" + visible(text))
        self.stream.flush()
        self._dirty = True

    def write_line(self, text: str) -> None:
        """A lasting line, in place of the live one if one is drawn."""
        prefix = "\r\x1b[2K" if self._dirty else ""
        self.stream.write(prefix + visible(text) + "\n")
        self.stream.flush()
        self._dirty = False

    def finish(self) -> None:
        """Clear the live line, if one is drawn."""
        if self._dirty:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._dirty = False


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
        if self.epoch_lines:
            self.write_line(text)
        elif self.live:
            self.redraw(text)

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


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
