"""seqsum from Python and in Jupyter (`import seqsum`): a calculator object, its answers, map,
traces, probe, history and evaluation, each drawing itself in a notebook cell with the web page's
templates and styles (repl/html.py), and as plain text elsewhere. TensorFlow is imported only to
train or to hand out the Keras model.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..core.answer import AnswerBatch, Predictor
from ..core.domain_map import IMAGE_CELLS, MapError, map_domain, parse_others
from ..core.evaluation import Evaluation
from ..core.evaluation import evaluate as run_evaluation
from ..core.history import History, HistoryError, forgotten, read_history
from ..core.modelfile import ModelFile, ModelFileError, read_model_file
from ..core.parse import ParseError, parse_expression
from ..core.probe import Probe, ProbeError
from ..core.probe import probe as run_probe
from ..core.trace import Trace, trace
from . import html, locations, map_view, probe_view, render, replay, trace_view
from .errors import Failure
from .learning_view import with_forgotten
from .map_view import cells_that_fit
from .progress import TerminalProgress
from .report import evaluation_text, summary
from .templating import escape
from .templating import render as render_template
from .text import percent
from .training import config_from_options, train_and_save


class InvalidSum(ValueError):
    """Text that is not a sum the model can answer; str(error) is the command line's one-line
    reason. `text` is what was given, `index` its position in answer_many's list."""

    def __init__(self, reason: str, text: str, index: int | None = None):
        super().__init__(reason)
        self.text, self.index = text, index


class SeqsumError(Exception):
    """What the command line would refuse in one line: an unusable model file, a training option
    out of range, a map or probe that cannot be made. str(error) is that line."""


def _parsed(text: str, domain, index: int | None = None) -> tuple[int, ...]:
    if not isinstance(text, str):
        raise InvalidSum(f"expected text such as 37+68, not {type(text).__name__}", str(text), index)
    try:
        return parse_expression(text, domain)
    except ParseError as error:
        raise InvalidSum(str(error), text, index) from None


class Answer:
    """One answer: the `--json` record's fields as attributes, `to_dict()` that very record."""

    def __init__(self, batch: AnswerBatch, row: int, text: str):
        self._answer = batch[row]
        self._batch, self._row, self.input = batch, row, text
        self.operands = self._answer.operands
        self.prediction = self._answer.prediction
        self.truth = self._answer.truth
        self.correct = self._answer.correct
        self.confidence = self._answer.confidence
        self.agreement = self._answer.agreement
        self.low_confidence = self._answer.low_confidence

    @property
    def chars(self) -> list[dict]:
        """Per written character: char, p and the runner-up symbols, as in the record."""
        return self.to_dict()["chars"]

    def to_dict(self) -> dict:
        tail = (
            render.json_tails(self._batch)[self._row]
            if len(self._batch) == 1
            else render.json_tails(_one_row(self._batch, self._row))[0]
        )
        return json.loads(render.json_record(self.input, tail))

    def __repr__(self) -> str:
        verdict = "right" if self.correct else "wrong"
        unsure = ", unsure" if self.low_confidence else ""
        return (
            f"<seqsum answer {self.input.strip()} = {self.prediction or '(blank)'}: {verdict}, true sum "
            f"{self.truth}, confidence {percent(self.confidence)}{unsure}>"
        )

    def _repr_html_(self) -> str:
        return html.fragment("answer", html.answer_view(self._answer, self.input.strip()))


def _one_row(batch: AnswerBatch, row: int) -> AnswerBatch:
    rows = slice(row, row + 1)
    return replace(batch, operands=batch.operands[rows], probabilities=batch.probabilities[rows],
                   agreement=batch.agreement[rows], checks=batch.checks[rows])


class Answers(Sequence):
    """Many answers at once (the pipe's batch path): a sequence of Answer, and `to_dicts()`."""

    SHOWN = 20  # rows a notebook shows

    def __init__(self, batch: AnswerBatch, texts: list[str]):
        self._batch, self._texts = batch, texts

    def __len__(self) -> int:
        return len(self._texts)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return Answer(self._batch, index, self._texts[index])

    def to_dicts(self) -> list[dict]:
        """Every `--json` record, in order (formatted column by column, as the pipe does)."""
        tails = render.json_tails(self._batch)
        return [json.loads(render.json_record(text, tail)) for text, tail in zip(self._texts, tails)]

    @property
    def exact_match(self) -> float:
        return float(self._batch.correct.mean()) if len(self) else 0.0

    def __repr__(self) -> str:
        return f"<seqsum answers: {len(self):,}, {percent(self.exact_match)} right>"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{escape(a.input)}</td><td>{escape(a.prediction)}</td>"
            f'<td class="{"ok" if a.correct else "wrong"}">'
            f"{'✓' if a.correct else '✗'}</td><td>{a.truth}</td><td>{percent(a.confidence)}</td>"
            f"<td>{'unsure' if a.low_confidence else ''}</td></tr>"
            for a in self[: self.SHOWN]
        )
        more = f"<p>… and {len(self) - self.SHOWN:,} more</p>" if len(self) > self.SHOWN else ""
        return (
            f'<div class="seqsum"><style>{html.stylesheet()}</style><table class="readouts"><thead><tr>'
            "<th>sum</th><th>network</th><th></th><th>true</th><th>confidence</th><th></th></tr></thead>"
            f"<tbody>{rows}</tbody></table><p>{escape(repr(self))}</p>{more}</div>"
        )


@dataclass
class Drawing:
    """Something drawn for a person: text for a terminal or a log, HTML for a notebook."""

    text: str
    html_text: str
    data: object = None  # what it was drawn from (a DomainMap, a Trace, a Probe, a History)

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return self.html_text


class Calculator:
    """A loaded model, ready to answer: `calc("37+68")`."""

    def __init__(self, model: ModelFile, source: str = "load"):
        self.model, self.source = model, source
        self.predictor = Predictor(model)

    @property
    def domain(self):
        return self.model.domain

    @property
    def path(self) -> Path:
        return self.model.path

    def __call__(self, text: str) -> Answer:
        """The network's answer to one sum; InvalidSum (the command line's reason) if it is not one."""
        operands = _parsed(text, self.domain)
        return Answer(self.predictor.answer([operands]), 0, text)

    def answer_many(self, texts: Iterable[str]) -> Answers:
        """Many sums at once, as a pipe answers them; InvalidSum for the first that is not one."""
        texts = list(texts)
        operands = [_parsed(text, self.domain, index) for index, text in enumerate(texts)]
        return Answers(self.predictor.answer(operands), texts)

    def map(self, others: int | str | None = 0) -> Drawing:
        """Every pair of the domain: right, right but unsure, wrong but unsure, wrong and not
        marked (`others`: the third and later operands' value, or "worst")."""
        given = "worst" if others is None else str(others)
        try:
            fixed = parse_others(
                "" if self.domain.terms == 2 and given in ("0", "worst") else given, self.domain
            )
            drawn = map_domain(self.predictor, fixed, IMAGE_CELLS)
        except MapError as error:
            raise SeqsumError(str(error)) from None
        title = f"map of {self.path.name}"
        text = render.plain(
            map_view.fragments(drawn.downsampled(cells_that_fit(self.domain.max_operand)), False, title)
        )
        return Drawing(text, html.fragment("map", html.map_view(drawn, title)), drawn)

    def trace(self, text: str) -> Drawing:
        """One sum followed through the network, step by step (core.trace)."""
        traced: Trace = trace(self.model.network, self.domain, _parsed(text, self.domain), text)
        return Drawing(
            render.plain(trace_view.fragments(traced, False)),
            html.fragment("trace", html.trace_view(traced.to_dict()), interactive=True),
            traced,
        )

    def probe(self) -> Drawing:
        """What the encoder's last state holds: linear read-outs and the states' picture."""
        try:
            found: Probe = run_probe(self.model.network, self.domain, self.model.heldout_rule)
        except ProbeError as error:
            raise SeqsumError(str(error)) from None
        title = f"probe of {self.path.name}"
        return Drawing(
            render.plain(probe_view.fragments(found, False, title)),
            html.fragment("probe", html.probe_view(found, title)),
            found,
        )

    @property
    def history(self) -> Drawing | None:
        """The model's training, epoch by epoch, when its file recorded it (else None)."""
        try:
            recorded: History | None = read_history(self.model)
        except HistoryError as error:
            raise SeqsumError(f"cannot read the history of {self.path.name}: {error}") from None
        if recorded is None:
            return None
        title = f"the training of {self.path.name}"
        return Drawing(
            "\n".join(replay.lines(recorded)),
            html.fragment("history", html.history_view(recorded, title), interactive=True),
            recorded,
        )

    def evaluate(self, sample_size: int | None = None) -> Drawing:
        """Exact match over the domain (a sample for a large one), as `seqsum-repl evaluate`."""
        evaluation: Evaluation = run_evaluation(
            self.predictor, **({"sample_size": sample_size} if sample_size else {})
        )
        text = evaluation_text(self.model, evaluation)
        return Drawing(text, f'<div class="seqsum"><pre>{escape(text)}</pre></div>', evaluation)

    def keras_model(self):
        """The loaded network as a Keras model (imports TensorFlow), to experiment with; its
        outputs are in the order the network writes (the file's answer order)."""
        from ..models.store import load_keras_model

        return load_keras_model(self.path)

    def __repr__(self) -> str:
        return (
            f"<seqsum calculator: {self.path.name} ({self.source}), {self.domain.describe()}; "
            f"{summary(self.model)}>"
        )

    def _repr_html_(self) -> str:
        banner = render_template("banner", html.banner_view(self.model, self.source))
        return f'<div class="seqsum"><style>{html.stylesheet()}</style>{banner}</div>'


def load(path: str | Path | None = None) -> Calculator:
    """The model at `path`, else the one `seqsum-repl` would use ($SEQSUM_MODEL, your own model,
    the bundled one); SeqsumError (the command line's line) when it cannot be used."""
    choice = locations.choose_model(path)
    try:
        return Calculator(read_model_file(choice.path), choice.source)
    except ModelFileError as error:
        raise SeqsumError(str(error)) from None


class NotebookProgress:
    """Training's progress in a notebook cell, redrawn in place after every epoch: the epoch's
    figures, its watched sums and the map of the domain (models.train.TrainingProgress)."""

    def __init__(self):
        from IPython.display import HTML, display

        self._html = HTML
        self.handle = display(HTML("<p>training is starting…</p>"), display_id=True)
        self.epochs, self.lines, self._previous = 0, [], None

    def train_begin(self, config, steps_per_epoch):
        self.epochs = config.epochs
        self.lines.append(f"training: {config.domain.describe()}, {config.epochs} epochs, seed {config.seed}")

    def batch_end(self, epoch, step, loss):
        pass

    def epoch_end(self, record, best):
        line = (
            f"epoch {record.epoch}/{self.epochs}: loss {record.loss:.4f}, held-out exact "
            f"{percent(record.heldout_exact)}, {record.seconds:.1f}s"
        )
        parts = [f"<p>{escape(text)}</p>" for text in [*self.lines, line]]
        if record.domain_map is not None:
            cells = record.domain_map.cells
            lost = None if self._previous is None else forgotten(self._previous, cells)
            self._previous = cells
            shown = with_forgotten(record.domain_map, lost)
            watched = "".join(
                f'<li class="{"ok" if w["correct"] else "wrong"}">{escape(w["input"])} → '
                f"{escape(w['prediction'] or '(blank)')} {'✓' if w['correct'] else '✗'}</li>"
                for w in record.watched or []
            )
            parts.append(f'<ul class="watched">{watched}</ul>')
            parts.append(
                render_template(
                    "map",
                    html.map_view(
                        shown, f"map after epoch {record.epoch}", None if lost is None else int(lost.sum())
                    ),
                )
            )
        self.handle.update(
            self._html(f'<div class="seqsum"><style>{html.stylesheet()}</style>{"".join(parts)}</div>')
        )

    def restart(self, history, restart, max_restarts):
        self.lines.append(
            f"still on the plateau after epoch {len(history)}: restart {restart} of {max_restarts}"
        )

    def finish(self):
        pass


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    try:
        return bool(shell and shell.get_ipython() and "IPKernelApp" in shell.get_ipython().config)
    except AttributeError:
        return False


def train(
    terms: int = 2,
    max_operand: int = 99,
    epochs: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    watch: Sequence[str] = (),
    **options,
) -> Calculator:
    """Train a model with `seqsum-repl train`'s options and meanings (batch_size, learning_rate,
    train_size, units, answer_order, question_align, tensorboard, plot ...), save it to `out`
    (default: your own model, as `train`), and return it loaded. In a notebook its progress is
    drawn in the cell, the map redrawn after every epoch; elsewhere on stderr."""
    try:
        config = config_from_options(
            terms=terms, max_operand=max_operand, epochs=epochs, seed=seed, watch=tuple(watch), **options
        )
    except Failure as error:
        raise SeqsumError(str(error)) from None
    except TypeError as error:
        raise SeqsumError(f"train() got {error}".replace("TrainConfig.__init__() got ", "")) from None
    destination = Path(out).expanduser() if out else locations.user_model_path()
    progress = NotebookProgress() if _in_notebook() else TerminalProgress(sys.stderr)
    plot = options.get("plot")
    outcome = train_and_save(config, destination, progress, Path(plot) if plot else None)
    return Calculator(outcome.model, "trained")
