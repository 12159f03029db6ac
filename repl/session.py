"""The interactive session: a prompt-toolkit loop that answers sums and runs :commands.

`Session.handle(text)` is the whole behaviour of one input line, so tests drive it directly or
through prompt-toolkit's pipe input; `run_session` wires it to a terminal with history, auto
suggestion, completion and a bottom toolbar. Ctrl-C clears the line, Ctrl-D leaves (status 0).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import Completer, Completion, PathCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.output import ColorDepth
from prompt_toolkit.styles import Style

from ..core.answer import Answer, Predictor
from ..core.modelfile import ModelFile
from ..core.parse import ParseError, parse_expression
from ..core.printable import visible
from . import (
    builtins,  # noqa: F401 - defines the :commands (they register themselves)
    commands,
    locations,
    render,
)
from .errors import EXIT_OK
from .style import PROMPT_TOOLKIT_STYLES, color_enabled

STYLE = Style.from_dict(PROMPT_TOOLKIT_STYLES | {"bottom-toolbar": "noreverse #aaaaaa"})
PROMPT = "seqsum> "


class SafeFileHistory(FileHistory):
    """File history that warns once and carries on in memory if the file cannot be written."""

    def __init__(self, filename, warn):
        super().__init__(filename)
        self._warn = warn
        self._broken = False

    def store_string(self, string: str) -> None:
        if self._broken:
            return
        try:
            super().store_string(string)
        except OSError as error:
            self._broken = True
            self._warn(f"history not saved ({error.strerror or error}); the session goes on")


def open_history(path: Path, warn) -> History:
    """History in a file, or in memory with one warning when the file cannot be used."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab"):
            pass
    except OSError as error:
        warn(f"history file {path} is unusable ({error.strerror or error}); history stays in memory")
        return InMemoryHistory()
    return SafeFileHistory(str(path), warn)


class CommandCompleter(Completer):
    """Completes :command names, and paths after :load and :save."""

    def __init__(self):
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event):
        text = document.text_before_cursor
        if not text.startswith(":"):
            return
        name, space, rest = text[1:].partition(" ")
        if not space:
            for entry in commands.unique_commands():
                if entry.name.startswith(name):
                    yield Completion(entry.name, start_position=-len(name), display_meta=entry.help)
            return
        entry = commands.lookup(name)
        if entry and entry.takes_path:
            yield from self.paths.get_completions(Document(rest, len(rest)), complete_event)


class Session:
    """The REPL's state: the model in use, where it came from, and the last answer."""

    def __init__(self, model: ModelFile, choice: locations.ModelChoice, output=None,
                 printer=None, color: bool | None = None, warm: bool = False):
        self.output = output
        self.warm = warm  # answer the whole (small) domain in the background, for instant answers
        self.color = color_enabled(sys.stdout) if color is None else color
        self.printer = printer or self._print
        self.last: Answer | None = None
        self.running = True
        self.use(model, choice)

    def use(self, model: ModelFile, choice: locations.ModelChoice) -> None:
        self.model, self.choice = model, choice
        self.predictor = Predictor(model)
        if self.warm:
            threading.Thread(target=self.predictor.warm_up, daemon=True, name="warm-up").start()

    # Output ---------------------------------------------------------------------------------
    def _print(self, fragments: render.Fragments) -> None:
        depth = None if self.color else ColorDepth.DEPTH_1_BIT
        print_formatted_text(FormattedText(fragments), style=STYLE, output=self.output,
                             color_depth=depth, end="")

    def say(self, text: str, style: str = "") -> None:
        self.printer([(style, text + "\n")])

    def error(self, text: str) -> None:
        """One line, whatever file names or typed text it quotes (control characters shown)."""
        self.printer([("class:error", f"error: {visible(text)}\n")])

    # Input ----------------------------------------------------------------------------------
    def handle(self, text: str) -> None:
        """Act on one line the user entered; never raises for anything typed."""
        stripped = text.strip()
        if not stripped:
            return
        if stripped.startswith(":"):
            self.run_command(stripped[1:])
            return
        try:
            operands = parse_expression(text, self.model.domain)
        except ParseError as error:
            self.error(str(error))
            return
        self.last = self.predictor.answer([operands])[0]
        self.printer(render.detailed(self.last))

    def run_command(self, text: str) -> None:
        name, _, argument = text.partition(" ")
        entry = commands.lookup(name)
        if entry is None:
            near = commands.suggestion(name) if name else None
            hint = f"; did you mean :{near}?" if near else "; :help lists the commands"
            self.error(f"unknown command :{name}{hint}")
            return
        if entry.arguments and "\x00" in argument:  # no path, sum or option holds one
            self.error(f":{entry.name}: its argument contains a NUL byte; retype it")
            return
        try:
            entry.handler(self, argument.strip())
        except KeyboardInterrupt:
            self.error(f":{entry.name} interrupted")
        except Exception as error:  # noqa: BLE001 - a failing command must not end the session
            where = locations.details_logged()
            self.error(f":{entry.name} failed: {type(error).__name__}: {error}{where}")

    def toolbar(self):
        return f" {visible(self.model.path.name)} · {self.model.domain.describe()} · :help · Ctrl-D quits"


def run_session(model: ModelFile, choice: locations.ModelChoice, input=None, output=None,
                printer=None) -> int:
    """The interactive loop; `input`, `output` and `printer` are for tests (defaults: terminal)."""
    session = Session(model, choice, output=output, printer=printer, warm=True)
    pending: list[str] = []  # warnings raised while the prompt is drawn, shown after it returns
    history = open_history(locations.history_path(), pending.append)
    prompt = PromptSession(
        history=history,
        auto_suggest=AutoSuggestFromHistory(),
        completer=CommandCompleter(),
        complete_while_typing=False,
        bottom_toolbar=session.toolbar,
        style=STYLE,
        input=input,
        output=output,
        color_depth=None if session.color else ColorDepth.DEPTH_1_BIT,
    )
    session.printer(render.banner(model, choice.source))
    while session.running:
        while pending:
            session.say(f"warning: {visible(pending.pop(0))}", "class:unsure")
        try:
            text = prompt.prompt(PROMPT)
        except KeyboardInterrupt:
            continue  # Ctrl-C clears the line
        except EOFError:
            break
        session.handle(text)
    return EXIT_OK
