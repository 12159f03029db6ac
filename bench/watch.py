"""What watching a network learn costs: training with the live view and the recorded history
against training without them, same seed, side by side in one run.

    python bench/watch.py [--terms 2] [--max-operand 99] [--seed 0] [--set FIELD=VALUE ...]

For the domain it trains `TrainConfig(..., record=False)` (the figures only, as before the
history was recorded) and then `record=True`, each drawing its progress to a terminal it
believes is 110 x 60 (so the live map is drawn, as `seqsum-repl train` draws it), and prints
the training seconds of both, wall and CPU (every thread of the process), their ratios
(target: at most 1.10), and the seconds spent in the per-epoch watch (the map and the watched
sums, core.watch), wall and CPU, with its share of the second run. On a machine shared with
other work the two runs meet different loads; the watch's share within one run does not.
On a domain drawn on a grid (too large to answer whole every epoch) it also prints, per epoch,
how often the grid's cheaper unsure check (answers under 80 % sure, against the related sums one
more or less) gives a cell the class the full check (every answer, every related sum) gives it.
"""

from __future__ import annotations

# First, before NumPy loads OpenBLAS: one BLAS thread unless set, as seqsum-repl runs.
import seqsum.repl  # noqa: F401

# isort: split
import argparse
import ast
import io
import os
import time
from pathlib import Path

from seqsum.core.answer import Predictor
from seqsum.core.domain_map import categories
from seqsum.core.modelfile import ModelFile
from seqsum.core.watch import EpochWatch
from seqsum.models.config import TrainConfig
from seqsum.models.network import numpy_network
from seqsum.models.quiet import keras
from seqsum.models.train import train
from seqsum.repl import liveline
from seqsum.repl import progress as progress_module
from seqsum.repl.progress import TerminalProgress


class Terminal(io.StringIO):
    """A terminal nobody reads: the live view is drawn into it at full cost."""

    def isatty(self):
        return True


class Timed(EpochWatch):
    """The watch, timed call by call: (wall, CPU) seconds."""

    seconds: list[tuple[float, float]] = []

    def __call__(self, network):
        started = (time.perf_counter(), time.process_time())
        try:
            return super().__call__(network)
        finally:
            Timed.seconds.append((time.perf_counter() - started[0], time.process_time() - started[1]))


class FullCheck(keras.callbacks.Callback):
    """On a grid: the share of cells the cheaper check classes as the full one does, per epoch."""

    def __init__(self, config: TrainConfig, watch: EpochWatch):
        super().__init__()
        self.config, self.watch, self.agreeing = config, watch, []

    def on_epoch_end(self, epoch, logs=None):
        network = numpy_network(self.model, self.config)
        cheap = self.watch(network).domain_map.cells.ravel()
        meta = {"domain": self.config.domain.to_dict(), "heldout": self.config.heldout_rule.to_dict()}
        answers = Predictor(ModelFile(Path("(bench)"), meta, network)).answer(self.watch.grid)
        answers.threshold = 0.8 * float(answers.agreement.mean())  # calibrated on the grid, as the cheap one
        self.agreeing.append(float((categories(answers) == cheap).mean()))


def run(config: TrainConfig, callbacks=()) -> tuple[float, float]:
    """(wall, CPU) seconds of one training."""
    started = (time.perf_counter(), time.process_time())
    train(config, TerminalProgress(Terminal()), callbacks=list(callbacks))
    return time.perf_counter() - started[0], time.process_time() - started[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--terms", type=int, default=2)
    parser.add_argument("--max-operand", type=int, default=99)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE")
    args = parser.parse_args()
    changes = {k: ast.literal_eval(v) for k, v in (item.split("=", 1) for item in args.set)}
    progress_module.terminal_size = liveline.terminal_size = lambda stream: (110, 60)
    base = dict(terms=args.terms, max_operand=args.max_operand, seed=args.seed, **changes)
    without = run(TrainConfig(**base, record=False))
    import seqsum.models.train as train_module

    train_module.EpochWatch = Timed
    with_view = run(TrainConfig(**base, record=True))
    config = TrainConfig(**base)
    watch_wall, watch_cpu = (sum(part) for part in zip(*Timed.seconds))
    print(f"{config.domain.describe()}, seed {args.seed}, {config.epochs} epochs at most, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| training | wall s | ratio | CPU s | ratio | in the watch: wall s (share) | CPU s (share) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(f"| figures only (record=False) | {without[0]:.1f} | 1.00 | {without[1]:.1f} | 1.00 | | |")
    print(f"| live view and history | {with_view[0]:.1f} | {with_view[0] / without[0]:.2f} "
          f"| {with_view[1]:.1f} | "
          f"{with_view[1] / without[1]:.2f} | {watch_wall:.1f} ({watch_wall / with_view[0]:.1%}) "
          f"over {len(Timed.seconds)} epochs | {watch_cpu:.1f} ({watch_cpu / with_view[1]:.1%}) |")
    watch = EpochWatch(config.domain, config.heldout_rule, [], config.seed)
    if watch.grid is not None:
        check = FullCheck(config, watch)
        run(TrainConfig(**base, record=False), [check])
        shares = ", ".join(f"{share * 100:.1f}" for share in check.agreeing)
        print(f"grid cells classed alike by the cheaper and the full check, per epoch (%): {shares}")


if __name__ == "__main__":
    main()
