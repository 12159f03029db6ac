"""Train, evaluate and save a model: the one sequence behind `train`, first use and :retrain.

TensorFlow is imported here lazily, on the first call, never when a model is only answering.
The destination file is written only after training succeeded, atomically; Ctrl-C or SIGTERM
at any point before the final rename leaves whatever was there byte-identical.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

from ..core.answer import Predictor
from ..core.confidence import ConfidenceRule
from ..core.modelfile import ModelFile, read_model_file
from ..core.scoring import Evaluation, evaluate


class PlotUnavailable(RuntimeError):
    pass


@dataclass
class TrainingOutcome:
    model: ModelFile
    evaluation: Evaluation
    history: list  # EpochRecord per epoch
    seconds: float


@contextlib.contextmanager
def sigterm_as_interrupt():
    """Within this block SIGTERM raises KeyboardInterrupt, so cleanup runs as for Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def check_plot_available() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PlotUnavailable(
            "--plot needs matplotlib: pip install 'seqsum[plot]' (or pip install matplotlib)"
        ) from None


def check_tensorboard_available() -> None:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise PlotUnavailable(
            "--tensorboard needs TensorBoard: pip install 'seqsum[tensorboard]' "
            "(or pip install tensorboard)"
        ) from None


def figures_of(evaluation: Evaluation) -> dict:
    data = evaluation.to_dict()
    data.pop("wrong")
    return data


def train_and_save(config, out: Path, progress, plot: Path | None = None) -> TrainingOutcome:
    """Train with `config`, evaluate the result, save it to `out`; KeyboardInterrupt saves nothing."""
    with sigterm_as_interrupt():
        from ..models.network import numpy_network
        from ..models.store import metadata, save_model
        from ..models.train import train

        result = train(config, progress)
        if hasattr(progress, "finish"):
            progress.finish()
        meta = metadata(result, ConfidenceRule(), figures={})
        draft = ModelFile(path=out, meta=meta, network=numpy_network(result.model, config.domain))
        predictor = Predictor(draft)
        evaluation = evaluate(predictor, calibrate=True)
        meta["confidence"] = predictor.confidence_rule.to_dict()
        meta["figures"] = figures_of(evaluation)
        save_model(result.model, meta, out)
        if plot:
            from .chart import plot_history

            plot_history(result.history, plot, title=f"seqsum: {config.domain.describe()}")
    return TrainingOutcome(read_model_file(out), evaluation, result.history, result.seconds)
