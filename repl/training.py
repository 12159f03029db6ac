"""Train, evaluate and save a model: the one sequence behind `train`, first use and :retrain,
with the options `train` and `:retrain` share.

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

import click

from ..core.answer import Predictor
from ..core.codec import ANSWER_ORDERS, QUESTION_ALIGNS
from ..core.confidence import typical_related_count
from ..core.dataset import LARGE_TRAIN_SIZE, TRAIN_WHOLE_LIMIT
from ..core.domain import MAX_MAX_OPERAND, MAX_TERMS, MIN_TERMS, Domain, DomainError
from ..core.evaluation import SAMPLE_SIZE, Evaluation, calibrate, evaluate
from ..core.forward import MAX_UNITS
from ..core.modelfile import ModelFile, read_model_file
from ..core.parse import ParseError, parse_expression
from ..core.printable import quoted, visible
from ..core.watch import MOST_WATCHED
from ..models.config import (
    DEFAULT_EPOCHS,
    LARGE_DOMAIN_EPOCHS,
    MANY_TERMS,
    MANY_TERMS_EPOCHS,
    RIGHT_ALIGNED_DIGITS,
    TrainConfig,
)
from .errors import Failure
from .extras import check_plot_available, check_tensorboard_available
from .report import example_text
from .text import percent, plural


def training_options(function):
    """The options `train` and `:retrain` share (the REPL parses :retrain with a click command)."""
    options = [
        click.option("--terms", type=click.IntRange(MIN_TERMS, MAX_TERMS), default=None,
                     help=f"How many numbers each sum adds ({MIN_TERMS}-{MAX_TERMS})."),
        click.option("--max-operand", type=click.IntRange(1, MAX_MAX_OPERAND), default=None,
                     help="Largest operand (operands start at 0)."),
        click.option("--epochs", type=click.IntRange(1, 10_000), default=None,
                     help=f"Epochs (default: at most {DEFAULT_EPOCHS}, stopping once every sum is "
                     f"right; {LARGE_DOMAIN_EPOCHS} on domains over {TRAIN_WHOLE_LIMIT:,} tuples, "
                     f"{MANY_TERMS_EPOCHS} there with {MANY_TERMS} terms or more)."),
        click.option("--batch-size", type=click.IntRange(1, 65_536), default=None),
        click.option("--learning-rate", type=click.FloatRange(0, 1, min_open=True), default=None),
        click.option("--train-size", type=click.IntRange(1, 10_000_000), default=None,
                     metavar="N", help="Training examples drawn from the trained tuples (default: "
                     f"all of them for small domains; {LARGE_TRAIN_SIZE:,} per epoch, drawn afresh per "
                     "layout, for large ones)."),
        click.option("--units", type=click.IntRange(1, MAX_UNITS), default=None,
                     help="LSTM units (default 128)."),
        click.option("--answer-order", type=click.Choice(ANSWER_ORDERS), default=None,
                     help="Write the answer last character first (reversed, the default) or "
                     "first character first (reading, as the original Keras experiment)."),
        click.option("--question-align", type=click.Choice(QUESTION_ALIGNS), default=None,
                     help="Read each operand right-aligned in a fixed field, as in column addition "
                     f"(the default for operands of {RIGHT_ALIGNED_DIGITS} or more digits), or the "
                     "operands joined and padded at the end (left, as the original Keras "
                     "experiment; the default for shorter ones)."),
        click.option("--seed", type=int, default=None),
        click.option("--watch", "watch", multiple=True, metavar="EXPR",
                     help="A sum to watch while training (repeatable), beside the story's own: an "
                     "edge, sums with and without a carry, one whose sum is longer than its operands."),
        click.option("--tensorboard", type=click.Path(file_okay=False), default=None,
                     metavar="DIR", help="Write TensorBoard logs here."),
        click.option("--plot", type=click.Path(dir_okay=False), default=None, metavar="PNG",
                     help="Write the loss and exact-match chart as a PNG (needs matplotlib)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def config_from_options(plot: str | None = None, **options) -> TrainConfig:
    """The recipe that `training_options` describe (unset ones keep the default); Failure if the
    domain is unsupported or an optional package the options need is missing."""
    if plot:
        check_plot_available()
    if options.get("tensorboard"):
        check_tensorboard_available()
    options["watch"] = tuple(options.get("watch") or ())
    try:  # the domain is checked (terms and max_operand together) as the recipe is built
        config = TrainConfig(**{key: value for key, value in options.items() if value is not None})
    except DomainError as error:
        raise Failure(str(error)) from None
    for text in config.watch:
        try:
            parse_expression(text, config.domain)
        except ParseError as error:
            raise Failure(f"--watch {quoted(text)}: {error}") from None
    if len(config.watch) > MOST_WATCHED:
        raise Failure(f"--watch at most {MOST_WATCHED} sums (got {len(config.watch)})")
    return config


LEARNED = 0.99
"""Exact match over what a trained model is scored on below which training warns it has not
learned its domain (some seeds of four terms stay on the plateau before carries are learned)."""


@dataclass
class TrainingOutcome:
    model: ModelFile
    evaluation: Evaluation
    history: list  # EpochRecord per epoch
    seconds: float
    restarts: int = 0  # runs stopped on their plateau before the one kept

    def epochs_text(self) -> str:
        """How long training ran: "20 epochs in 1618s", and the restarts it needed, if any."""
        text = f"{len(self.history)} epochs in {self.seconds:.0f}s"
        if self.restarts:
            text += f" (after {plural(self.restarts, 'restart')} from the plateau)"
        return text

    def not_learned(self) -> str | None:
        """A warning for a person when the saved network gets more than 1 % of its sums wrong, or,
        on a domain too large to score whole, any sum or typed tuple (core.sum_scores)."""
        scored, sums = self.evaluation.all, self.evaluation.sums
        if scored.exact_match < LEARNED:
            return (f"this network has not learned its sums: it is wrong on "
                    f"{percent(1 - scored.exact_match)} of the {scored.count:,} it was scored on; train "
                    "again with another --seed or more --epochs")
        if sums is None or sums.clean:
            return None
        found = []
        if sums.sums_wrong:
            worst = sums.worst[0]
            found.append(f"{sums.sums_wrong:,} of its {sums.sums:,} sums have a wrong answer (worst "
                         f"{worst['sum']}: {worst['wrong']} of {worst['count']}, "
                         f"{example_text(worst['example'])})")
        if sums.typed_wrong:
            found.append(f"{sums.typed_wrong:,} of the {sums.typed:,} typed tuples are wrong "
                         f"({example_text(sums.typed_examples[0])})")
        where = visible(self.model.path)
        return (" and ".join(found) + f"; `seqsum-repl evaluate --model {where}` (`:evaluate` in the "
                "REPL) lists the worst; train again with another --seed to try other weights")


class Interruption:
    """Ctrl-C or SIGTERM during training, remembered until training has stopped.

    Within `catching()` both signals raise KeyboardInterrupt, so cleanup runs as for Ctrl-C.
    A signal that lands while TensorFlow is inside its own code (compiling a step, say) can have
    that KeyboardInterrupt swallowed there; the flag survives, and `callback()` raises it again
    at the next training step, so a signal always stops training. TensorFlow can also turn it
    into an error of its own (pybind11's "RuntimeError: ... REPLACED BY KeyboardInterrupt", seen
    when Ctrl-C landed while a step was being traced): any error that escapes `catching()` after
    a signal is raised as the KeyboardInterrupt it stands for, so the user reads "cancelled".
    """

    def __init__(self) -> None:
        self.requested = False

    def _handler(self, signum, frame):
        self.requested = True
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def catching(self):
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {sig: signal.signal(sig, self._handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        except Exception as error:
            if self.requested:
                raise KeyboardInterrupt from error
            raise
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def callback(self):
        from ..models.quiet import keras  # TensorFlow: only once training has begun

        interruption = self

        class RaiseWhenInterrupted(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.interruption = interruption

            def on_train_batch_end(self, batch, logs=None):
                if self.interruption.requested:
                    raise KeyboardInterrupt

            on_epoch_end = on_train_batch_end

        return RaiseWhenInterrupted()


SAVE_EVALUATION_DOMAIN = Domain(2, 999)
"""The evaluation at save time scores SAMPLE_SIZE tuples of a sampled domain whose questions cost
no more LSTM steps than this one's (each with its related sums); a costlier domain (more terms,
longer operands) scores fewer, so that saving takes about as long as it does on this one."""


def save_sample_size(domain: Domain, largest: int = SAMPLE_SIZE) -> int:
    """Tuples sampled to evaluate and calibrate a model of a large domain as it is saved."""
    def steps(d: Domain) -> int:  # LSTM steps to answer a typical tuple and its related sums
        return (1 + typical_related_count(d)) * (d.input_width + d.answer_width)

    return max(1, min(largest, largest * steps(SAVE_EVALUATION_DOMAIN) // steps(domain)))


def figures_of(evaluation: Evaluation) -> dict:
    data = evaluation.to_dict()
    data.pop("wrong")
    data.pop("layouts")  # up to 1,024 rows (5 terms of 0..9999); `evaluate` lists them
    return data


def train_and_save(config, out: Path, progress, plot: Path | None = None) -> TrainingOutcome:
    """Train with `config`, evaluate the result, save it to `out`; KeyboardInterrupt saves nothing."""
    # Imported here, not at the top: these import TensorFlow, which answering never pays for.
    # TensorFlow first: its import may install signal handlers of its own, ours go on top.
    from ..models.train import train

    with Interruption().catching() as interruption:
        result = train(config, progress, callbacks=[interruption.callback()])
        if interruption.requested:  # a swallowed interrupt after the last step
            raise KeyboardInterrupt
        if hasattr(progress, "finish"):
            progress.finish()
        evaluation = save_trained(result, out, getattr(progress, "evaluating", None))
        if hasattr(progress, "finish"):  # the evaluation's live line too
            progress.finish()
        if plot:
            from .chart import plot_history  # matplotlib: only when a chart is asked for

            plot_history(result.history, plot, title=f"seqsum: {config.domain.describe()}")
    return TrainingOutcome(read_model_file(out), evaluation, result.history, result.seconds,
                           result.restarts)


def save_trained(result, out: Path, progress=None) -> Evaluation:
    """Evaluate a trained network through the answer path, set its unsure rule from that, and
    save it to `out` with its figures (and answer table, when the domain is scored whole)."""
    from ..models.network import numpy_network  # TensorFlow, as above
    from ..models.store import history_frames, metadata, save_model

    config = result.config
    meta = metadata(result)
    network = numpy_network(result.model, config)
    predictor = Predictor(ModelFile(path=out, meta=meta, network=network))
    evaluation = evaluate(predictor, save_sample_size(config.domain), progress=progress)
    rule = calibrate(evaluation)
    evaluation = evaluation.judged_by(rule)
    meta["confidence"] = rule.to_dict()
    meta["figures"] = figures_of(evaluation)
    save_model(result.model, meta, out, table=evaluation.table, frames=history_frames(result))
    return evaluation
