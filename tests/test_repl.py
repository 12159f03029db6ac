"""The interactive session, driven as prompt-toolkit recommends: pipe input, dummy output."""

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from seqsum.core.confidence import MEASURE
from seqsum.core.domain import Domain
from seqsum.core.modelfile import read_model_file
from seqsum.repl import builtins, commands, locations, render  # noqa: F401 - registers commands
from seqsum.repl.session import CommandCompleter, Session, open_history, run_session

from .conftest import write_numpy_model


class Screen:
    """Collects what the session prints, as plain text."""

    def __init__(self):
        self.fragments = []

    def __call__(self, fragments):
        self.fragments.extend(fragments)

    @property
    def text(self):
        return render.plain(self.fragments)


@pytest.fixture
def session(numpy_model):
    screen = Screen()
    model = read_model_file(numpy_model)
    s = Session(model, locations.ModelChoice(numpy_model, "--model"), printer=screen, color=False)
    s.screen = screen
    return s


def test_a_sum_shows_answer_truth_confidence_and_a_bar_per_position(session):
    session.handle("37+68")
    text = session.screen.text
    assert "true sum 105" in text
    assert "confidence" in text and "%" in text
    answer = session.last
    assert answer.operands == (37, 68)
    assert ("✓" in text) == answer.correct and ("✗" in text) == (not answer.correct)
    for ch in answer.chars:
        assert f"    {'␣' if ch == ' ' else ch} " in text
    lines = [line for line in text.splitlines() if line.startswith("    ")]
    assert len(lines) == 3  # one per answer position


def test_an_unsure_answer_is_marked_and_names_its_runners_up(session):
    """Random weights: no position is sure and the related sums disagree."""
    session.handle("37+68")
    answer = session.last
    lines = session.screen.text.splitlines()
    assert answer.low_confidence and "unsure" in lines[0]
    position_lines = lines[1:]
    assert len(position_lines) == 3
    for position, line in enumerate(position_lines):
        runners = [f"{'␣' if ch == ' ' else ch} {p * 100:.1f}%"
                   for ch, p in answer.alternatives(position)]
        assert line.endswith("runner-up " + ", ".join(runners))


def test_a_sure_answer_has_no_mark_and_no_runners_up(tmp_path):
    from seqsum.models import bundled_model_path

    screen = Screen()
    model = read_model_file(bundled_model_path())
    s = Session(model, locations.ModelChoice(bundled_model_path(), "bundled"), printer=screen,
                color=False)
    s.handle("37+68")
    assert "✓ right, true sum 105" in screen.text
    assert "unsure" not in screen.text and "runner-up" not in screen.text


def test_rejected_input_gives_one_line_and_the_session_goes_on(session):
    session.handle("12++34")
    assert session.screen.text.startswith("error: missing number in term 2")
    assert session.screen.text.count("\n") == 1
    session.handle("1+1")
    assert "true sum 2" in session.screen.text


def test_unknown_command_suggests_the_nearest(session):
    session.handle(":hlep")
    assert "unknown command :hlep; did you mean :help?" in session.screen.text


def test_help_is_built_from_the_registry(session):
    session.handle(":help")
    text = session.screen.text
    for entry in commands.unique_commands():
        assert f":{entry.name}" in text and entry.help in text
    for name in ("retrain", "info", "evaluate", "dist", "load", "save", "quit"):
        assert commands.lookup(name) is not None


def test_dist_draws_all_twelve_symbols_at_every_position(session):
    session.handle(":dist")
    assert "no answer yet" in session.screen.text
    session.handle("5+5")
    session.handle(":dist")
    rows = [line for line in session.screen.text.splitlines() if line.startswith("   ")
            and "%" in line and "position" not in line]
    assert len(rows) >= 12
    assert sum(line.count("%") for line in rows[-12:]) == 12 * 3


def test_info_and_evaluate(session):
    session.handle(":info")
    assert "adds 2 numbers from 0 to 99" in session.screen.text
    assert "writes      the answer first character first" in session.screen.text  # a file naming no order
    assert "reads       37+8 as '37+8 ': the operands joined" in session.screen.text  # nor alignment
    session.handle(":evaluate")
    assert "held-out" in session.screen.text and "10,000" in session.screen.text


def test_info_says_how_the_network_reads_and_writes(tmp_path):
    path = write_numpy_model(tmp_path / "reversed.keras", Domain(3, 999),
                             meta={"answer_order": "reversed", "question_align": "right"})
    screen = Screen()
    Session(read_model_file(path), locations.ModelChoice(path, "--model"), printer=screen,
            color=False).handle(":info")
    assert "writes      the answer last character first (shown in reading order)" in screen.text
    assert "reads       37+8+412 as ' 37+  8+412': every operand right-aligned" in screen.text


@pytest.mark.parametrize("restarts, shown", [(1, ", 1 restart from the plateau"), (0, ""),
                                              ("x", ""), (True, "")])
def test_info_says_when_training_restarted_from_the_plateau(tmp_path, restarts, shown):
    """A file's recorded restarts are named; a stranger's odd value is left out, not an error."""
    training = {"epochs_run": 20, "epochs": 20, "seconds": 9.5, "best_epoch": 20, "restarts": restarts}
    path = write_numpy_model(tmp_path / "restarted.keras", meta={"training": training})
    screen = Screen()
    Session(read_model_file(path), locations.ModelChoice(path, "--model"), printer=screen,
            color=False).handle(":info")
    line = next(line for line in screen.text.splitlines() if line.startswith("training    "))
    assert line.endswith("9.5s, best epoch 20" + shown)


def test_load_of_a_broken_file_keeps_the_current_model(session, tmp_path):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"PK\x03\x04 truncated")
    current = session.model
    session.handle(f":load {broken}")
    assert "error: cannot use model file" in session.screen.text
    assert session.model is current
    assert broken.read_bytes() == b"PK\x03\x04 truncated"


def test_save_and_load_round_trip(session, tmp_path):
    target = tmp_path / "copy.keras"
    session.handle(f":save {target}")
    assert target.read_bytes() == session.model.data
    session.handle(f":load {target}")
    assert session.model.path == target


def test_save_keeps_working_after_the_file_is_replaced_underneath(session, tmp_path):
    original = session.model.data
    session.model.path.write_bytes(b"replaced by someone else")
    session.handle("1+2")
    assert "true sum 3" in session.screen.text
    session.handle(f":save {tmp_path / 'kept.keras'}")
    assert (tmp_path / "kept.keras").read_bytes() == original


def test_retrain_rejects_bad_options_without_training(session):
    session.handle(":retrain --epochs zero")
    assert "error:" in session.screen.text and "--epochs" in session.screen.text
    session.handle(":retrain --terms 9")
    assert session.screen.text.count("error:") == 2
    session.handle(":retrain --watch 123+4")  # refused before training, as `train --watch` is
    refused = "error: --watch '123+4': 123 is too large: this model adds 2 numbers from 0 to 99"
    assert refused in session.screen.text


def test_completion_of_commands():
    from prompt_toolkit.document import Document

    completions = list(CommandCompleter().get_completions(Document(":ret"), None))
    assert [c.text for c in completions] == ["retrain"]
    completions = list(CommandCompleter().get_completions(Document(":re"), None))
    assert [c.text for c in completions] == ["replay", "retrain"]
    assert list(CommandCompleter().get_completions(Document("12+"), None)) == []


def test_full_loop_with_pipe_input_and_dummy_output(numpy_model):
    screen = Screen()
    model = read_model_file(numpy_model)
    with create_pipe_input() as pipe:
        pipe.send_text("bog\x033+4\r:hlep\r:quit\r")  # Ctrl-C drops the half-typed "bog"
        with create_app_session(input=pipe, output=DummyOutput()):
            status = run_session(model, locations.ModelChoice(numpy_model, "--model"),
                                 input=pipe, output=DummyOutput(), printer=screen)
    assert status == 0
    text = screen.text
    assert "adds 2 numbers from 0 to 99" in text.splitlines()[0]  # the banner
    assert "true sum 7" in text
    assert "did you mean :help?" in text
    assert "error: unexpected character" not in text


def test_ctrl_d_ends_with_status_0_and_history_is_written(numpy_model):
    model = read_model_file(numpy_model)
    with create_pipe_input() as pipe:
        pipe.send_text("1+1\r")
        pipe.close()
        status = run_session(model, locations.ModelChoice(numpy_model, "--model"),
                             input=pipe, output=DummyOutput(), printer=Screen())
    assert status == 0
    assert "1+1" in locations.history_path().read_text()


def test_unwritable_history_warns_once_and_goes_on(tmp_path):
    warnings = []
    blocker = tmp_path / "file"
    blocker.write_text("a file where a directory should be")
    history = open_history(blocker / "history", warnings.append)
    history.append_string("1+2")
    assert len(warnings) == 1 and "history" in warnings[0]
    assert list(history.get_strings()) == ["1+2"]


def test_info_names_the_unsure_threshold_the_answers_use(tmp_path):
    """A file calibrated for the current check shows its own threshold; one calibrated for
    an older check (equal sums only) shows the fixed threshold its answers now use."""
    shown = {}
    for name, measure in (("current", MEASURE), ("older", "agreement over equivalent sums")):
        rule = {"measure": measure, "threshold": 0.7, "mean_agreement": 0.875}
        path = write_numpy_model(tmp_path / f"{name}.keras", meta={"confidence": rule})
        screen = Screen()
        Session(read_model_file(path), locations.ModelChoice(path, "--model"), printer=screen,
                color=False).handle(":info")
        shown[name] = next(line for line in screen.text.splitlines() if "unsure when" in line)
    assert "fewer than 70.0% of related sums" in shown["current"]
    assert "0.8 x this model's mean agreement, 87.5%" in shown["current"]
    assert "fewer than 60.0%" in shown["older"] and "fixed threshold" in shown["older"]


def test_a_failing_command_reports_one_line_and_the_session_goes_on(session, monkeypatch):
    entry = commands.lookup("info")

    def broken(session, argument):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(commands.REGISTRY, "info", entry.__class__(
        entry.name, entry.arguments, entry.help, broken))
    session.handle(":info")
    assert "error: :info failed: RuntimeError: disk on fire" in session.screen.text
    session.handle("1+1")
    assert "true sum 2" in session.screen.text


@pytest.mark.parametrize("sums, shown", [
    ({"sums_wrong": 1, "sums": 397, "typed_wrong": 0, "typed": 104976},
     "every sum   1 of 397 sums with a wrong answer, 0 of 104,976 typed tuples wrong"),
    ({"sums_wrong": "1", "sums": 397, "typed_wrong": 0, "typed": 104976}, None), (["x"], None),
])
def test_info_shows_the_per_sum_figures_a_large_domains_file_records(tmp_path, sums, shown):
    """What evaluate found sum by sum when the file was saved, and its sure-enough confidence;
    a stranger's odd value is left out, not an error."""
    rule = {"measure": MEASURE, "threshold": 0.7, "mean_agreement": 0.875, "sure": 0.8}
    path = write_numpy_model(tmp_path / "big.keras", Domain(4, 99),
                             meta={"figures": {"sums": sums}, "confidence": rule})
    screen = Screen()
    Session(read_model_file(path), locations.ModelChoice(path, "--model"), printer=screen,
            color=False).handle(":info")
    lines = screen.text.splitlines()
    assert [line for line in lines if line.startswith("every sum")] == ([shown] if shown else [])
    assert next(line for line in lines if "unsure when" in line).endswith(
        "; an answer at least 80.0% sure is not checked")


def test_info_says_which_answers_only_their_rotated_sum_checks(tmp_path):
    rule = {"measure": MEASURE, "threshold": 0.7, "mean_agreement": 0.875, "sure": 0.8, "glance": 0.95}
    path = write_numpy_model(tmp_path / "big.keras", Domain(4, 99), meta={"confidence": rule})
    screen = Screen()
    Session(read_model_file(path), locations.ModelChoice(path, "--model"), printer=screen,
            color=False).handle(":info")
    assert next(line for line in screen.text.splitlines() if "unsure when" in line).endswith(
        "; an answer at least 80.0% sure is checked against its operands rotated only, "
        "and at least 95.0% sure not at all")
