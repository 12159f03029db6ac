"""Playing a model's training history back (`seqsum-repl replay`, `:replay`): on a terminal epoch
by epoch in place, until the last epoch or a key; on a pipe one line per epoch; and as an
animated GIF, one frame per epoch (`--gif`, matplotlib)."""

from __future__ import annotations

import contextlib
import io
import os
import select
import sys
import termios
import tty
from pathlib import Path

import numpy as np

from ..core.atomic import write_bytes
from ..core.domain_map import CATEGORIES, COLOURS, FORGOTTEN_COLOUR
from ..core.history import History, HistoryError, read_history
from ..core.modelfile import ModelFile
from ..core.printable import visible
from .errors import Failure
from .learning_view import epoch_block, watched_lines, with_forgotten
from .liveline import LiveLine, terminal_size
from .map_view import FORGOTTEN_NAME
from .text import percent

SECONDS = 12.0  # a whole replay on a terminal takes about this long,
STEP = (0.15, 1.0)  # with each epoch shown at least, and at most, this long


def history_of(model: ModelFile) -> History:
    """The model's recorded history; Failure in one line when it has none or it is damaged."""
    try:
        history = read_history(model)
    except HistoryError as error:
        raise Failure(f"cannot replay {visible(model.path.name)}: {error}") from None
    if history is None:
        raise Failure(f"{visible(model.path.name)} records no training history to replay: it was saved "
                      "before seqsum recorded one; train a new model to watch it learn")
    return history


def heading(history: History, index: int) -> str:
    """`epoch 3 of 17  loss 0.4321  held-out exact 45.6%  trained 50.1%  lr 0.0234`."""
    figures = [f"epoch {index + 1} of {history.epochs}"]
    for name, label, shown in (("loss", "loss", lambda v: f"{v:.4f}"),
                               ("heldout_exact", "held-out exact", percent),
                               ("trained_exact", "trained", percent),
                               ("learning_rate", "lr", lambda v: f"{v:.4g}")):
        value = history.figure(index, name)
        if value is not None:
            figures.append(f"{label} {shown(value)}")
    kept = "  (the epoch kept)" if history.best_epoch == index + 1 else ""
    return "  ".join(figures) + kept


def lines(history: History) -> list[str]:
    """The replay where nothing is redrawn: each epoch's figures and watched sums on one line."""
    out = []
    for index in range(history.epochs):
        lost = int(history.forgotten_at(index).sum())
        watched = " ".join(watched_lines(history.watched_at(index), 1 << 16)).strip()
        out.append(f"{heading(history, index)}  forgotten {lost:,}" + (f"  {watched}" if watched else ""))
    return out


class Keys:
    """Whether a key was pressed, on a terminal stdin read one key at a time meanwhile."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdin
        try:
            self.fd = self.stream.fileno() if self.stream.isatty() else None
        except (AttributeError, ValueError, OSError):
            self.fd = None

    @contextlib.contextmanager
    def listening(self):
        if self.fd is None:
            yield self
            return
        saved = termios.tcgetattr(self.fd)
        try:
            tty.setcbreak(self.fd)
            yield self
        finally:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, saved)

    def pressed(self, seconds: float) -> bool:
        """Wait up to `seconds`; True (and the key read) if one was pressed."""
        if self.fd is None:
            select.select([], [], [], seconds)
            return False
        ready = select.select([self.fd], [], [], seconds)[0]
        if ready:
            os.read(self.fd, 64)
        return bool(ready)


def play(history: History, stream, color: bool, keys: Keys | None = None, title: str = "") -> str:
    """Show every epoch in place on a terminal `stream`; a key or Ctrl-C stops. The last line."""
    keys = keys or Keys()
    live = LiveLine(stream)
    step = min(STEP[1], max(STEP[0], SECONDS / history.epochs))
    shown = 0
    try:
        with keys.listening():
            for index in range(history.epochs):
                columns, rows = terminal_size(stream)
                block = epoch_block(history.map_at(index), history.watched_at(index),
                                    f"{title}map after epoch {index + 1}", color, columns, rows,
                                    history.forgotten_at(index), [heading(history, index)])
                live.replace_block([], block, columns)
                shown = index + 1
                if index + 1 < history.epochs and keys.pressed(step):
                    break
    except KeyboardInterrupt:
        pass
    return (f"replayed all {history.epochs} epochs" if shown == history.epochs
            else f"stopped after epoch {shown} of {history.epochs}")


def write_gif(history: History, path: Path, title: str) -> None:
    """One frame per epoch: the map (forgotten cells in their own colour), the epoch's figures
    and watched sums, and the loss and held-out curves with the epoch marked."""
    import matplotlib  # the plot extra: only a GIF loads it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch
    from PIL import Image

    colours = ListedColormap([*COLOURS, FORGOTTEN_COLOUR])
    def curve(name: str) -> np.ndarray:
        return np.array([history.figure(i, name) for i in range(history.epochs)], dtype=float)  # None: NaN

    losses, exact = curve("loss"), curve("heldout_exact")
    epochs = np.arange(1, history.epochs + 1)
    frames = []
    for index in range(history.epochs):
        fig = plt.figure(figsize=(8, 6), dpi=80, layout="constrained")
        grid = fig.add_gridspec(2, 2, width_ratios=(1.3, 1), height_ratios=(1, 1))
        map_ax, text_ax = fig.add_subplot(grid[:, 0]), fig.add_subplot(grid[0, 1])
        curve_ax = fig.add_subplot(grid[1, 1])
        shown = with_forgotten(history.map_at(index), history.forgotten_at(index))
        map_ax.imshow(shown.cells, cmap=colours, vmin=-0.5, vmax=len(COLOURS) + 0.5, interpolation="nearest")
        map_ax.set(xticks=[], yticks=[], xlabel="second operand →", ylabel="first operand ↓")
        map_ax.legend(handles=[Patch(facecolor=colour, label=name) for colour, name in zip(
            [*COLOURS, FORGOTTEN_COLOUR], [*CATEGORIES, FORGOTTEN_NAME])],
            loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=2, fontsize=7, frameon=False)
        text_ax.axis("off")
        watched = "\n".join(f"{w['input']} → {w['prediction'] or '(blank)'} {'✓' if w['correct'] else '✗'}"
                            for w in history.watched_at(index))
        counts = shown.counts
        text_ax.text(0, 1, f"right {counts[0]:,}   unsure {counts[1]:,}\nwrong, marked {counts[2]:,}   "
                     f"not marked {counts[3]:,}\nforgotten {int(history.forgotten_at(index).sum()):,}\n\n"
                     + watched, va="top", family="monospace", fontsize=10)
        curve_ax.plot(epochs, exact, color="#1c7c3a")
        curve_ax.set(ylim=(0, 1.02), xlabel="epoch")
        curve_ax.set_ylabel("held-out exact match", color="#1c7c3a")
        loss_ax = curve_ax.twinx()
        loss_ax.plot(epochs, losses, color="#2b7fb8")
        loss_ax.set_yscale("log")
        loss_ax.set_ylabel("loss (log scale)", color="#2b7fb8")
        curve_ax.axvline(index + 1, color="#b3261e")
        fig.suptitle(f"{title}\n{heading(history, index)}", fontsize=10)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
        frames.append(Image.open(io.BytesIO(buffer.getvalue())).convert("P", palette=Image.ADAPTIVE))
    out = io.BytesIO()
    durations = [600] * (len(frames) - 1) + [2400]  # the last epoch stays a while
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0)
    write_bytes(path, out.getvalue())
