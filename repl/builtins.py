"""The REPL's built-in :commands. Each registers itself; :help lists them from the registry.

A command is `handler(session, argument_text)`: it uses what the session offers (the model, its
predictor, say/error/printer) and imports the registry, never the session or the command line.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from ..core.atomic import write_bytes
from ..core.domain import VOCABULARY
from ..core.domain_map import MapError, map_domain, parse_others
from ..core.evaluation import evaluate as run_evaluation
from ..core.modelfile import ModelFileError, read_model_file
from ..core.printable import visible
from . import inside, locations, map_view, probe_view, render, replay, trace_view
from .commands import command, help_lines
from .errors import Failure
from .progress import EvaluationProgress, TerminalProgress
from .report import evaluation_text, info_text
from .text import percent, sparkline
from .training import config_from_options, train_and_save, training_options


@command("help", help="list the commands and what you can type", aliases=("h", "?"))
def show_help(session, argument: str) -> None:
    domain = session.model.domain
    session.say(
        f"Type a sum such as 37+68: this model {domain.describe()}. Spaces and leading zeros "
        "are fine; the answer shows the network's sum, the true sum and its confidence."
    )
    for line in help_lines():
        session.say(line)
    session.say("  Ctrl-C clears the line or stops :retrain; Ctrl-D quits.", "class:dim")


@command("quit", help="leave the session (Ctrl-D too)", aliases=("exit", "q"))
def quit_session(session, argument: str) -> None:
    session.running = False


@command("info", help="the model: file, domain, parameters, training, figures")
def info(session, argument: str) -> None:
    session.say(info_text(session.model, session.choice.source))


@command("evaluate", help="exact match over the whole domain, held-out vs trained")
def evaluate(session, argument: str) -> None:
    progress = EvaluationProgress(sys.stderr)
    try:
        evaluation = run_evaluation(session.predictor, progress=progress)
    except KeyboardInterrupt:
        session.error("evaluation cancelled")
        return
    finally:
        progress.finish()
    session.say(evaluation_text(session.model, evaluation))


@command("dist", help="the last answer's full softmax at every position, as bar charts")
def distribution(session, argument: str) -> None:
    if session.last is None:
        session.error("no answer yet: type a sum first, then :dist")
        return
    session.say(f"softmax over all {len(VOCABULARY)} symbols for {session.last.expression}:")
    session.printer(render.distribution(session.last))


@command("map", "[N|worst]",
         help="every pair as a grid: right, wrong, unsure (3+ terms: others at 0, N or worst)")
def domain_map(session, argument: str) -> None:
    domain = session.model.domain
    try:
        fixed = parse_others(argument, domain)
        with map_view.MapProgress() as progress:
            drawn = map_domain(session.predictor, fixed, map_view.cells_that_fit(domain.max_operand),
                               progress)
    except MapError as error:
        session.error(str(error))
        return
    except KeyboardInterrupt:
        session.error("map cancelled")
        return
    session.printer(map_view.fragments(drawn, session.color, f"map of {session.model.path.name}"))


@command("trace", "[EXPR]", help="follow a sum through the network step by step (default: the last answer)")
def trace(session, argument: str) -> None:
    text = argument or (session.last.expression if session.last else "")
    if not text:
        session.error("no answer yet: type a sum first, or give one, e.g. :trace 37+68")
        return
    try:
        traced = inside.trace_expression(session.model, text)
    except Failure as error:
        session.error(str(error))
        return
    session.printer(trace_view.fragments(traced, session.color))


@command("probe", help="what the encoder's last state holds: read-outs of the sum, and a picture")
def probe(session, argument: str) -> None:
    if argument:
        session.error(f":probe takes no argument (got {argument!r})")
        return
    try:
        found = inside.probe_model(session.model)
    except Failure as error:
        session.error(str(error))
        return
    title = f"probe of {visible(session.model.path.name)}"
    session.printer(probe_view.fragments(found, session.color, title))


@command("replay", help="play the model's training back: the map filling in, epoch by epoch")
def replay_history(session, argument: str) -> None:
    if argument:
        session.error(f":replay takes no argument (got {argument!r})")
        return
    try:
        history = replay.history_of(session.model)
    except Failure as error:
        session.error(str(error))
        return
    if session.output is None and sys.stdout.isatty():  # a real terminal: redrawn in place
        session.say(replay.play(history, sys.stdout, session.color), "class:dim")
    else:
        for line in replay.lines(history):
            session.say(line)


@command("load", "PATH", help="switch to another model file", takes_path=True)
def load(session, argument: str) -> None:
    if not argument:
        session.error(":load needs a model file path, e.g. :load ~/models/mine.keras")
        return
    path = Path(argument).expanduser()
    try:
        model = read_model_file(path)
    except ModelFileError as error:
        session.error(f"{error} (still using {session.model.path.name})")
        return
    session.use(model, locations.ModelChoice(path, ":load"))
    session.printer(render.banner(model, ":load"))


@command("save", "PATH", help="copy the model in use to PATH (atomically)", takes_path=True)
def save(session, argument: str) -> None:
    if not argument:
        session.error(":save needs a destination path, e.g. :save ~/models/mine.keras")
        return
    path = Path(argument).expanduser()
    if path.is_dir():
        session.error(f"{path} is a directory; give a file name such as {path / 'model.keras'}")
        return
    try:
        write_bytes(path, session.model.data)
    except OSError as error:
        session.error(f"could not save to {path}: {error.strerror or error}; nothing was changed")
        return
    session.say(f"saved {visible(path)}")


@click.command("retrain", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--out", type=click.Path(dir_okay=False), default=None, metavar="PATH",
              help="Where to save (default: your own model; never the bundled one).")
@training_options
def _retrain_options(**options):
    return options


@command("retrain", "[--epochs N] [--seed S] [--batch-size N] …",
         help="train a new model (same options as `seqsum-repl train`); Ctrl-C cancels")
def retrain(session, argument: str) -> None:
    try:
        options = _retrain_options.main(
            shlex.split(argument), prog_name=":retrain", standalone_mode=False
        )
    except (click.ClickException, ValueError) as error:
        message = error.format_message() if isinstance(error, click.ClickException) else str(error)
        session.error(f"{message} (:retrain --help lists the options)")
        return
    if not isinstance(options, dict):  # --help was shown
        return
    out = options.pop("out")
    domain = session.model.domain
    options["terms"] = options["terms"] or domain.terms
    options["max_operand"] = options["max_operand"] or domain.max_operand
    try:
        config = config_from_options(**options)
    except Failure as error:
        session.error(str(error))
        return
    destination = Path(out).expanduser() if out else locations.retrain_destination(session.choice)
    plot = options["plot"]
    _run_retrain(session, config, destination, Path(plot) if plot else None)


def _run_retrain(session, config, destination: Path, plot: Path | None) -> None:
    recorded = session.model.recorded_exact_match()
    session.say(f"retraining ({config.domain.describe()}); Ctrl-C cancels", "class:dim")
    progress = TerminalProgress(sys.stderr, epoch_lines=False)
    try:
        outcome = train_and_save(config, destination, progress, plot)
    except KeyboardInterrupt:
        progress.finish()
        session.error("retrain cancelled: the current model is unchanged, in memory and on disk")
        return
    except OSError as error:
        progress.finish()
        session.error(f"could not save {destination}: {error.strerror or error}; model unchanged")
        return
    progress.finish()
    session.use(outcome.model, locations.ModelChoice(destination, "retrained"))
    held = outcome.evaluation.heldout
    before = percent(recorded[0]) if recorded else "n/a"
    after = percent(outcome.evaluation.all.exact_match)
    session.say(
        f"saved {visible(destination)}: exact match {before} -> {after} "
        f"(held-out {percent(held.exact_match)} of {held.count:,}), "
        f"{outcome.epochs_text()}"
    )
    spark = sparkline([r.heldout_exact for r in outcome.history], 0.0, 1.0)
    session.say(f"held-out exact match per epoch: {spark}", "class:bar")
    if warning := outcome.not_learned():
        session.say(f"warning: {warning}", "class:unsure")
