"""The `seqsum-repl` command line: the REPL, one-shot and pipe answering, `train`, `evaluate`.

Every failure a user can cause ends as one line on stderr and an exit status (repl.errors): 0 all
answered, 1 some input line rejected, 2 bad usage or an unusable model file, 3 a bug in seqsum,
130 interrupted. Unexpected errors write their traceback to a log file, never to the terminal.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from ..core.answer import Predictor
from ..core.domain_map import MapError
from ..core.evaluation import evaluate as run_evaluation
from ..core.modelfile import ModelFile, ModelFileError, read_model_file
from ..core.printable import visible, visible_json
from . import inside, locations, probe_view, replay, trace_view
from .errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, Failure
from .extras import check_plot_available
from .map_chart import draw_map_png, map_options
from .map_view import MapProgress
from .pipe import run_expressions, run_pipe
from .progress import EvaluationProgress, TerminalProgress
from .render import text_for
from .report import evaluation_text, summary
from .style import color_enabled, disable_color, error_line, warning_line
from .training import config_from_options, train_and_save, training_options
from .web import write_page


def load_or_train(choice: locations.ModelChoice) -> ModelFile:
    """The chosen model; if its file does not exist yet, train one there first (progress on stderr)."""
    if not choice.path.exists() and not choice.path.is_symlink():
        warning_line(
            f"no model at {choice.path}: training one with default settings, "
            "this takes about a minute (Ctrl-C to stop)"
        )
        outcome = train_and_save(config_from_options(), choice.path, TerminalProgress(sys.stderr))
        sys.stderr.write(f"saved {visible(choice.path)}: {summary(outcome.model)}\n")
        if warning := outcome.not_learned():
            warning_line(warning)
        return outcome.model
    return read_model_file(choice.path)


class SeqsumGroup(click.Group):
    """The command group whose `main` is the one way in, for the console script and click's
    CliRunner alike: it runs the command and turns every failure into one line and an exit
    status (repl.errors), then exits with it."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        sys.exit(self._status(args, prog_name or "seqsum-repl", **extra))

    def _status(self, args, prog_name: str, **extra) -> int:
        try:
            status = super().main(args, prog_name, standalone_mode=False, **extra)
            return status if isinstance(status, int) else EXIT_OK
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
            return EXIT_OK
        except OSError as error:
            error_line(f"{error.strerror or error}: {error.filename}" if error.filename else str(error))
            return EXIT_USAGE
        except Exception as error:  # noqa: BLE001 - the last line of defence: never a traceback
            where = locations.details_logged()
            error_line(f"unexpected {type(error).__name__}: {error}{where}")
            return EXIT_UNEXPECTED


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
    predictor = Predictor(model)
    if expressions:
        ctx.exit(run_expressions(predictor, list(expressions), sys.stdout, sys.stderr, as_json))
    if not sys.stdin.isatty():
        sys.stdout.flush()
        ctx.exit(run_pipe(predictor, sys.stdin, sys.stdout, sys.stderr, as_json))
    if as_json:
        raise Failure("--json is for -e and piped input; the interactive session draws answers")
    from .session import run_session  # prompt-toolkit: only the interactive session needs it

    ctx.exit(run_session(model, choice))


@cli.command()
@click.option("--out", type=click.Path(dir_okay=False), default=None, metavar="PATH",
              help="Where to save (default: your own model in the user data directory).")
@training_options
def train(out, **options):
    """Train a model and save it (progress on stderr; Ctrl-C leaves --out untouched)."""
    out = Path(out) if out else locations.user_model_path()
    if out.is_dir():
        raise Failure(f"--out {out} is a directory; give a file path such as {out / 'model.keras'}")
    plot = options.get("plot")
    config = config_from_options(**options)
    outcome = train_and_save(config, out, TerminalProgress(sys.stderr), Path(plot) if plot else None)
    best = outcome.history[outcome.model.meta["training"]["best_epoch"] - 1]
    click.echo(
        f"saved {visible(out)}: {summary(outcome.model)}; {outcome.epochs_text()}, "
        f"best epoch {best.epoch}"
    )
    if warning := outcome.not_learned():
        warning_line(warning)
    if plot:
        click.echo(f"chart written to {visible(plot)}")


@cli.command()
@click.option("--model", "model_path", metavar="PATH", help="Model file (default as for the REPL).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--sample-size", type=click.IntRange(1, 10_000_000), default=None, metavar="N",
              help="Tuples drawn per layout in all, when the domain is too large to score whole "
              "(default 20,000; the edge tuples are scored besides).")
@click.option("--map", "map_path", type=click.Path(dir_okay=False), default=None, metavar="PNG",
              help="Also draw every pair of the domain, right or wrong, sure or unsure, as a PNG "
              "(needs matplotlib).")
@click.option("--map-others", default=None, metavar="N|worst", help="3+ terms: the map's third and "
              "later operands fixed at N (default 0), or the worst over them.")
def evaluate(model_path, as_json, sample_size, map_path, map_others):
    """Exact match over the model's whole domain (up to 2,000,000 tuples; above that the edge
    tuples, a sample drawn equally from every layout, up to 100 tuples of every sum and the
    typed tuples): held-out and trained, per layout, per sum, and confidence quality."""
    choice = locations.choose_model(model_path)
    model = read_model_file(choice.path)
    predictor = Predictor(model)
    fixed = map_request(predictor, map_path, map_others)
    progress = EvaluationProgress(sys.stderr)
    sampling = {} if sample_size is None else {"sample_size": sample_size}
    try:
        evaluation = run_evaluation(predictor, progress=progress, **sampling)
    finally:
        progress.finish()
    if as_json:
        # ASCII-only (non-ASCII as \u escapes), and never NaN or Infinity, which are not JSON
        click.echo(json.dumps({"model": str(model.path), **evaluation.to_dict()}, indent=2, allow_nan=False))
    else:
        click.echo(evaluation_text(model, evaluation))
    if map_path:
        click.echo(draw_map_png(predictor, Path(map_path), fixed), err=as_json)


@cli.command("trace")
@click.option("--model", "model_path", metavar="PATH", help="Model file (default as for the REPL).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: every step's state and gates.")
@click.argument("expression", metavar="EXPR")
def trace_command(model_path, as_json, expression):
    """Follow EXPR through the network step by step: the encoder reading it into its state, the
    decoder writing the answer, every state drawn as a strip of coloured cells."""
    model = read_model_file(locations.choose_model(model_path).path)
    traced = inside.trace_expression(model, expression)
    if as_json:
        click.echo(visible_json(json.dumps(traced.to_dict(), ensure_ascii=False, allow_nan=False)))
    else:
        color = color_enabled(sys.stdout)
        click.echo(text_for(trace_view.fragments(traced, color), color), nl=False)


@cli.command("probe")
@click.option("--model", "model_path", metavar="PATH", help="Model file (default as for the REPL).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--png", "png_path", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Also draw the states and the read-outs as a PNG (needs matplotlib).")
def probe_command(model_path, as_json, png_path):
    """What the encoder's last state holds: linear read-outs of the sum, its digits and the
    carries, beside the same read-outs of an untrained network, and a picture of the states."""
    if png_path:
        check_plot_available("--png")
    model = read_model_file(locations.choose_model(model_path).path)
    found = inside.probe_model(model)
    if as_json:
        click.echo(json.dumps({"model": str(model.path), **found.to_dict()}, indent=2, allow_nan=False))
    else:
        color = color_enabled(sys.stdout)
        drawn = probe_view.fragments(found, color, f"probe of {visible(model.path.name)}")
        click.echo(text_for(drawn, color), nl=False)
    if png_path:
        title = f"seqsum: {model.path.name}, {model.domain.describe()}"
        probe_view.write_probe_png(found, Path(png_path), title)
        click.echo(f"probe picture written to {visible(png_path)}", err=as_json)


@cli.command("replay")
@click.option("--model", "model_path", metavar="PATH", help="Model file (default as for the REPL).")
@click.option("--gif", "gif_path", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write the replay as an animated GIF, one frame per epoch (needs matplotlib).")
def replay_command(model_path, gif_path):
    """Play the model's training back, epoch by epoch: the map of the domain filling in, the
    watched sums, the cells forgotten since the epoch before (a key or Ctrl-C stops)."""
    if gif_path:
        check_plot_available("--gif")
    model = read_model_file(locations.choose_model(model_path).path)
    history = replay.history_of(model)
    if gif_path:
        replay.write_gif(history, Path(gif_path), f"seqsum: {model.path.name}, {model.domain.describe()}")
        click.echo(f"wrote {visible(gif_path)}: {history.epochs} frames, one per epoch")
    elif sys.stdout.isatty():
        click.echo(replay.play(history, sys.stdout, color_enabled(sys.stdout)))
    else:
        click.echo("\n".join(replay.lines(history)))


def map_request(predictor, map_path: str | None, map_others: str | None) -> int | None:
    """evaluate's map options checked before the evaluation runs: the map's `fixed` operands."""
    if not map_path:
        if map_others is not None:
            raise Failure("--map-others goes with --map FILE.png")
        return None
    try:
        return map_options(predictor, map_others)
    except MapError as error:
        raise Failure(str(error)) from None


@cli.command()
@click.option("--model", "model_path", metavar="PATH", help="Model file (default as for the REPL).")
@click.option("--out", type=click.Path(dir_okay=False), default="seqsum.html", show_default=True,
              metavar="FILE", help="Where to write the page.")
@click.option("--no-map", is_flag=True, help="Leave out the map of the domain (quicker for large domains).")
def web(model_path, out, no_map):
    """Write one self-contained HTML page that answers like the CLI, offline."""
    choice = locations.choose_model(model_path)
    model = read_model_file(choice.path)
    with MapProgress() as progress:
        page = write_page(out, model, choice.source, None if no_map else Predictor(model), progress)
    left_out = (("map", page.no_map), ("probe", page.no_probe))
    why = "".join(f"; no {what}: {reason}" for what, reason in left_out if reason)
    click.echo(f"wrote {out} ({page.size / 1e6:.2f} MB): open it in any browser, it needs no network{why}")


def run(argv: list[str] | None = None) -> int:
    """Run the CLI with `argv` and return its exit status instead of exiting."""
    try:
        cli.main(argv)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else EXIT_OK
    return EXIT_OK


def main() -> None:
    """Console-script entry point."""
    cli.main()


if __name__ == "__main__":
    main()
