"""The `seqsum-repl` command line: the REPL, one-shot and pipe answering, `train`, `evaluate`.

Every failure a user can cause ends as one line on stderr and an exit status: 0 all answered,
1 some input line rejected, 2 bad usage or an unusable model file, 130 interrupted. Unexpected
errors write their traceback to a log file, never to the terminal.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

import click

from ..core.codec import ANSWER_ORDERS
from ..core.domain import DomainError
from ..core.modelfile import ModelFile, ModelFileError, read_model_file
from . import locations
from .style import disable_color, error_line, warning_line

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130


class Failure(Exception):
    """An error to show as one line, with its exit status."""

    def __init__(self, message: str, status: int = EXIT_USAGE):
        super().__init__(message)
        self.status = status


def load_or_train(choice: locations.ModelChoice) -> ModelFile:
    """The chosen model; if its file does not exist yet, train one there first (progress on stderr)."""
    if not choice.path.exists() and not choice.path.is_symlink():
        warning_line(
            f"no model at {choice.path}: training one with default settings, "
            "this takes about a minute (Ctrl-C to stop)"
        )
        from ..models.train import TrainConfig
        from .progress import TerminalProgress
        from .training import train_and_save

        outcome = train_and_save(TrainConfig(), choice.path, TerminalProgress(sys.stderr))
        sys.stderr.write(f"saved {choice.path}: {summary(outcome.model)}\n")
        return outcome.model
    return read_model_file(choice.path)


def summary(model: ModelFile) -> str:
    from .progress import percent

    figures = model.meta.get("figures") or {}
    parts = []
    for name in ("all", "heldout"):
        subset = figures.get(name)
        if subset and subset.get("count"):
            label = "held-out" if name == "heldout" else "all"
            parts.append(f"exact match {label} {percent(subset['exact_match'])} of {subset['count']:,}")
    return "; ".join(parts) or "not evaluated"


class SeqsumGroup(click.Group):
    """A click group whose `main` ends every failure as one line (also under CliRunner)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        sys.exit(run(list(args) if args is not None else None))


@click.group(cls=SeqsumGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--model", "model_path", metavar="PATH", help="Model file (default: $SEQSUM_MODEL, "
              "your own model, else the bundled one). Trained there if it does not exist.")
@click.option("-e", "--expression", "expressions", multiple=True, metavar="EXPR",
              help="Answer EXPR and exit (repeatable), whatever stdin is.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines output for -e and pipes.")
@click.option("--no-color", is_flag=True, help="No colours (also: NO_COLOR=1).")
@click.version_option(package_name="seqsum", prog_name="seqsum-repl")
@click.pass_context
def cli(ctx, model_path, expressions, as_json, no_color):
    """seqsum: a calculator whose arithmetic is done by an LSTM encoder-decoder.

    At a terminal it opens an interactive session; with expressions on stdin (a pipe or a
    file) it answers one line per expression and exits.
    """
    if no_color:
        disable_color()
    if ctx.invoked_subcommand is not None:
        return
    choice = locations.choose_model(model_path)
    model = load_or_train(choice)
    from ..core.answer import Predictor

    predictor = Predictor(model)
    if expressions:
        from .pipe import run_expressions

        ctx.exit(run_expressions(predictor, list(expressions), sys.stdout, sys.stderr, as_json))
    if not sys.stdin.isatty():
        from .pipe import run_pipe

        sys.stdout.flush()
        ctx.exit(run_pipe(predictor, sys.stdin, sys.stdout, sys.stderr, as_json))
    if as_json:
        raise Failure("--json is for -e and piped input; the interactive session draws answers")
    from .session import run_session

    ctx.exit(run_session(model, choice))


def training_options(function):
    """The options `train` and `:retrain` share (the REPL parses :retrain with this command)."""
    options = [
        click.option("--terms", type=click.IntRange(2, 5), default=None,
                     help="How many numbers each sum adds (2-5)."),
        click.option("--max-operand", type=click.IntRange(1, 9999), default=None,
                     help="Largest operand (operands start at 0)."),
        click.option("--epochs", type=click.IntRange(1, 10_000), default=None),
        click.option("--batch-size", type=click.IntRange(1, 65_536), default=None),
        click.option("--learning-rate", type=click.FloatRange(0, 1, min_open=True), default=None),
        click.option("--train-size", type=click.IntRange(1, 10_000_000), default=None,
                     metavar="N", help="Training examples drawn from the trained tuples "
                     "(default: all of them for small domains, 100,000 drawn per layout for large ones)."),
        click.option("--units", type=click.IntRange(1, 4096), default=None,
                     help="LSTM units (128 in the reference)."),
        click.option("--answer-order", type=click.Choice(ANSWER_ORDERS), default=None,
                     help="Write the answer last character first (reversed, the default) or "
                     "first character first (reading, as the reference)."),
        click.option("--seed", type=int, default=None),
        click.option("--tensorboard", type=click.Path(file_okay=False), default=None,
                     metavar="DIR", help="Write TensorBoard logs here."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def config_from_options(base=None, **options):
    from ..models.train import TrainConfig

    config = base or TrainConfig()
    for key, value in options.items():
        if value is not None:
            setattr(config, key, value)
    try:
        config.domain  # noqa: B018 - validates terms and max_operand together
    except DomainError as error:
        raise Failure(str(error)) from None
    return config


@cli.command()
@click.option("--out", type=click.Path(dir_okay=False), default=None, metavar="PATH",
              help="Where to save (default: your own model in the user data directory).")
@training_options
@click.option("--plot", type=click.Path(dir_okay=False), default=None, metavar="PNG",
              help="Write the loss and exact-match chart as a PNG (needs matplotlib).")
def train(out, plot, **options):
    """Train a model and save it (progress on stderr; Ctrl-C leaves --out untouched)."""
    from .progress import TerminalProgress
    from .training import (
        PlotUnavailable,
        check_plot_available,
        check_tensorboard_available,
        train_and_save,
    )

    out = Path(out) if out else locations.user_model_path()
    if out.is_dir():
        raise Failure(f"--out {out} is a directory; give a file path such as {out / 'model.keras'}")
    try:
        if plot:
            check_plot_available()
        if options.get("tensorboard"):
            check_tensorboard_available()
    except PlotUnavailable as error:
        raise Failure(str(error)) from None
    config = config_from_options(**options)
    progress = TerminalProgress(sys.stderr)
    outcome = train_and_save(config, out, progress, Path(plot) if plot else None)
    best = outcome.history[outcome.model.meta["training"]["best_epoch"] - 1]
    click.echo(
        f"saved {out}: {summary(outcome.model)}; {len(outcome.history)} epochs in "
        f"{outcome.seconds:.0f}s, best epoch {best.epoch}"
    )
    if plot:
        click.echo(f"chart written to {plot}")


@cli.command()
@click.option("--model", "model_path", metavar="PATH", help="Model file (default as for the REPL).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def evaluate(model_path, as_json):
    """Exact match over the model's whole domain, held-out and trained, and confidence quality."""
    from ..core.answer import Predictor
    from ..core.scoring import evaluate as run_evaluation
    from .report import evaluation_text

    choice = locations.choose_model(model_path)
    model = read_model_file(choice.path)
    evaluation = run_evaluation(Predictor(model))
    if as_json:
        click.echo(json.dumps({"model": str(model.path), **evaluation.to_dict()}, indent=2))
    else:
        click.echo(evaluation_text(model, evaluation))


def details_logged() -> str:
    """Append the exception being handled to the log; " (details in PATH)", or "" if unwritable."""
    try:
        path = locations.data_dir() / "seqsum.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as log:
            log.write(traceback.format_exc() + "\n")
        return f" (details in {path})"
    except OSError:
        return ""


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and turn every failure into one line and an exit status."""
    try:
        status = click.Group.main(cli, args=argv, prog_name="seqsum-repl", standalone_mode=False)
        return status if isinstance(status, int) else 0
    except click.exceptions.Abort:
        error_line("interrupted")
        return EXIT_INTERRUPTED
    except click.ClickException as error:
        hint = " (see seqsum-repl --help)" if isinstance(error, click.UsageError) else ""
        error_line(f"{error.format_message()}{hint}")
        return error.exit_code
    except (ModelFileError, Failure) as error:
        error_line(str(error))
        return getattr(error, "status", EXIT_USAGE)
    except KeyboardInterrupt:
        error_line("interrupted; nothing was saved")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as error:
        error_line(f"{error.strerror or error}: {error.filename}" if error.filename else str(error))
        return EXIT_USAGE
    except Exception as error:  # noqa: BLE001 - the last line of defence: never a traceback
        where = details_logged()
        error_line(f"unexpected {type(error).__name__}: {error}{where}")
        return 3


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    sys.exit(run(argv))


if __name__ == "__main__":
    main()
