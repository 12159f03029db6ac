"""The training-history chart: loss and held-out exact match per epoch, two panels."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw to files; no display is needed or wanted
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen before pyplot loads


def plot_history(history, path: Path, title: str = "seqsum training") -> None:
    epochs = [r.epoch for r in history]
    fig, (loss_ax, exact_ax) = plt.subplots(1, 2, figsize=(10, 4))
    loss_ax.plot(epochs, [r.loss for r in history], label="training loss")
    loss_ax.set(xlabel="epoch", ylabel="categorical cross-entropy", title="loss", yscale="log")
    exact_ax.plot(epochs, [100 * r.heldout_exact for r in history], label="held-out exact match")
    exact_ax.plot(epochs, [100 * r.char_accuracy for r in history], label="per-character (training)")
    exact_ax.set(xlabel="epoch", ylabel="%", title="accuracy", ylim=(0, 100.5))
    for ax in (loss_ax, exact_ax):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
