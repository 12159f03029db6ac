"""Watching a network learn: the map and watched sums recorded after every epoch, drawn live on a
terminal while training, kept in the model file and played back (`replay`, `:replay`, a GIF)."""

import io
import json
import re
import zipfile

import numpy as np
import pexpect
import pytest
from click.testing import CliRunner

from seqsum.core.answer import Predictor
from seqsum.core.dataset import HeldOutRule
from seqsum.core.domain import Domain
from seqsum.core.domain_map import RIGHT, WRONG, DomainMap, classify, map_domain
from seqsum.core.evaluation import evaluate
from seqsum.core.forward import NumpyNetwork
from seqsum.core.frames import HISTORY_MEMBER
from seqsum.core.history import HistoryError, read_history
from seqsum.core.layouts import carries
from seqsum.core.modelfile import read_model_file
from seqsum.core.watch import EpochWatch, watched_sums
from seqsum.repl import locations, replay
from seqsum.repl.cli import cli
from seqsum.repl.progress import TerminalProgress
from seqsum.repl.session import Session

from .conftest import numpy_weights, write_numpy_model
from .test_e2e import SCRIPT, env  # noqa: F401 - a fixture

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def invoke(args, **kwargs):
    return CliRunner().invoke(cli, args, **kwargs)


def test_the_kept_epochs_map_is_what_evaluate_classes_the_saved_model(trained_model):
    model = read_model_file(trained_model)
    history = read_history(model)
    best = model.meta["training"]["best_epoch"]
    assert history.epochs == len(model.meta["history"]) == model.meta["training"]["epochs_run"]
    predictor = Predictor(model)
    evaluation = evaluate(predictor)
    expected = classify(evaluation.correct, evaluation.agreement < predictor.confidence_rule.threshold)
    assert np.array_equal(history.frames[best - 1], expected.reshape(10, 10))  # every pair of 0..9
    assert np.array_equal(history.frames[best - 1], map_domain(predictor).cells)
    assert not np.array_equal(history.frames[0], history.frames[best - 1])  # it learned on the way
    records = history.to_records()
    assert [r["epoch"] for r in records] == list(range(1, history.epochs + 1))
    assert sum(records[best - 1]["counts"].values()) == 100
    assert [w["input"] for w in records[0]["watched"]] == ["0+0", "7+2", "7+5"]  # the story of 0..9
    kept = {w["input"]: w["prediction"] for w in records[best - 1]["watched"]}
    answered = json.loads(invoke(["--model", str(trained_model), "--json", "-e", "7+5"]).stdout)
    assert kept["7+5"] == answered["prediction"]


def test_the_history_survives_a_copy_and_an_older_file_has_none(trained_model, numpy_model, tmp_path):
    model = read_model_file(trained_model)
    session = Session(model, locations.ModelChoice(trained_model, "--model"), printer=lambda f: None,
                      color=False)
    session.handle(f":save {tmp_path / 'copy.keras'}")
    copied = read_history(read_model_file(tmp_path / "copy.keras"))
    assert np.array_equal(copied.frames, read_history(model).frames)
    assert copied.records == model.meta["history"]
    assert read_history(read_model_file(numpy_model)) is None
    refused = invoke(["replay", "--model", str(numpy_model)])
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1
    assert "records no training history to replay" in refused.stderr


def test_a_damaged_history_is_refused_in_one_line_and_the_model_still_answers(trained_model, tmp_path):
    damaged = tmp_path / "damaged.keras"
    with zipfile.ZipFile(trained_model) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == HISTORY_MEMBER:
                frames = np.load(io.BytesIO(data))
                buffer = io.BytesIO()
                np.save(buffer, frames[:-1])  # one epoch short
                data = buffer.getvalue()
            target.writestr(item, data)
    with pytest.raises(HistoryError, match="not one map of classes per epoch"):
        read_history(read_model_file(damaged))
    refused = invoke(["replay", "--model", str(damaged)])
    assert refused.exit_code == 2 and refused.stderr.startswith("error: cannot replay damaged.keras:")
    assert invoke(["--model", str(damaged), "-e", "1+2"]).exit_code == 0


def test_replay_without_a_terminal_gives_a_line_per_epoch_and_the_gif_a_frame(tmp_path):
    from PIL import Image

    frames = np.full((3, 10, 10), WRONG, np.uint8)
    frames[1, :4] = RIGHT  # 40 cells learned at epoch 2, 16 of them forgotten at epoch 3
    frames[2, :4, :6] = RIGHT
    model = write_numpy_model(tmp_path / "m.keras", Domain(2, 9), frames=frames)
    history = read_history(read_model_file(model))
    lines = invoke(["replay", "--model", str(model)]).stdout.splitlines()
    assert lines == [
        "epoch 1 of 3  loss 2.0000  held-out exact 0.0%  forgotten 0  watched   1+2 → 1 ✗",
        "epoch 2 of 3  loss 1.0000  held-out exact 33.3%  forgotten 0  watched   1+2 → 2 ✗",
        "epoch 3 of 3  loss 0.6667  held-out exact 66.7%  (the epoch kept)  forgotten 16  "
        "watched   1+2 → 3 ✓"]
    assert [int(history.forgotten_at(i).sum()) for i in range(3)] == [0, 0, 16]
    gif = tmp_path / "learning.gif"
    result = invoke(["replay", "--model", str(model), "--gif", str(gif)])
    assert result.stdout == f"wrote {gif}: 3 frames, one per epoch\n"
    assert Image.open(gif).n_frames == 3


def test_forgotten_cells_are_right_before_and_wrong_after():
    from seqsum.core.history import forgotten

    before = np.array([[0, 1, 2, 3]], np.uint8)
    after = np.array([[3, 2, 0, 3]], np.uint8)
    assert forgotten(before, after).tolist() == [[True, True, False, False]]


def test_the_story_watches_an_edge_no_carry_a_carry_and_a_longer_sum():
    sums = watched_sums(Domain(2, 99), ("12+3",))
    assert sums[0] == (0, 0) and sums[-1] == (12, 3)
    _, no_carry, carry, longer = (np.array([t]) for t in sums[:4])
    assert carries(no_carry)[0] == 0 and carries(carry)[0] > 0 and len(str(carry.sum())) == 2
    assert len(str(longer.sum())) == 3
    assert watched_sums(Domain(2, 99), ("37+68", "0+0")) == sums[:4]  # each once


def test_a_domain_too_large_to_answer_whole_is_drawn_on_a_fixed_grid():
    domain = Domain(2, 999)
    network = NumpyNetwork(numpy_weights(16), domain.answer_width, "reversed", "right")
    watch = EpochWatch(domain, HeldOutRule(), watched_sums(domain))
    again = EpochWatch(domain, watch.rule, [])
    assert np.array_equal(watch.grid, again.grid) and watch.grid.shape == (100 * 100, 2)
    cells = (watch.grid // 10).reshape(100, 100, 2)  # one tuple drawn inside each 10x10 block
    assert np.array_equal(cells[..., 0], np.repeat(np.arange(100)[:, None], 100, 1))
    assert np.array_equal(cells[..., 1], np.repeat(np.arange(100)[None, :], 100, 0))
    view = watch(network)
    assert view.correct is None and view.domain_map.cells.shape == (100, 100)
    assert view.domain_map.notes == [
        "each cell is one pair drawn from each 10x10 block, the same every epoch",
        "unsure from a cheaper check: answers under 80% sure, against the sums one more or less"]
    assert len(view.watched) == 4 and view.watched[3]["input"] == "37+68"


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_live_view_redraws_the_map_in_place_under_each_epoch(monkeypatch):
    from seqsum.models.train import EpochRecord
    from seqsum.repl import progress

    monkeypatch.setattr(progress, "terminal_size", lambda stream: (100, 40))
    domain = Domain(2, 19)
    stream = Terminal()
    view = TerminalProgress(stream)
    view.epochs = 2
    for epoch in (1, 2):
        cells = np.full((20, 20), WRONG, np.uint8)
        cells[:5] = RIGHT if epoch == 1 else WRONG  # the second epoch forgets what the first learned
        record = EpochRecord(epoch, 1.0 / epoch, 0.5, 0.1 * epoch, 0.03, 1.0)
        record.domain_map = DomainMap(domain, cells, 1, None, np.bincount(cells.ravel(), minlength=4))
        record.watched = [{"input": "12+7", "prediction": str(18 + epoch), "correct": epoch == 1}]
        view.epoch_end(record, record)
    text = stream.getvalue()
    first = text[text.index("epoch   1/2"):text.index("epoch   2/2")]
    drawn = first.count("\n") - 1  # the block under epoch 1's line
    assert first.endswith(f"\r\x1b[2K\x1b[{drawn}F\x1b[J")  # erased in place before epoch 2's line
    plain = ANSI.sub("", text)
    assert plain.count("map after epoch") == 2 and "12+7 → 19 ✓" in plain and "12+7 → 20 ✗" in plain
    assert re.search(r"forgotten: right the epoch before +100\n", plain)
    monkeypatch.setattr(progress, "terminal_size", lambda stream: (100, 12))
    small = Terminal()
    TerminalProgress(small).epoch_end(record, record)
    assert "the terminal is too small for the map" in small.getvalue()


def test_a_real_train_in_a_terminal_draws_the_map_once_per_epoch(env, tmp_path):  # noqa: F811
    pytest.importorskip("seqsum.models.train", reason="needs TensorFlow")
    out = tmp_path / "watched.keras"
    child = pexpect.spawn(str(SCRIPT), ["train", "--max-operand", "19", "--epochs", "4", "--units", "32",
                                        "--out", str(out), "--watch", "13+8"],
                          env=env, timeout=240, encoding="utf-8", dimensions=(60, 110))
    child.expect(pexpect.EOF)
    child.close()
    text = ANSI.sub("", child.before)
    assert child.exitstatus == 0 and text.count("map after epoch") == 4
    assert [int(n) for n in re.findall(r"map after epoch (\d+)", text)] == [1, 2, 3, 4]
    assert text.count("13+8 → ") == 4
    assert read_history(read_model_file(out)).epochs == 4


def test_training_refuses_a_watched_sum_outside_its_domain_in_one_line(tmp_path):
    result = invoke(["train", "--max-operand", "9", "--watch", "12+3", "--out", str(tmp_path / "m.keras")])
    assert result.exit_code == 2 and result.stderr == (
        "error: --watch '12+3': 12 is too large: this model adds 2 numbers from 0 to 9\n")


def test_session_replays_a_history_as_lines_where_nothing_is_redrawn(trained_model):
    printed = []
    model = read_model_file(trained_model)
    session = Session(model, locations.ModelChoice(trained_model, "--model"), color=False,
                      printer=lambda fragments: printed.append("".join(t for _, t in fragments)))
    session.handle(":replay")
    history = read_history(model)
    assert printed == [line + "\n" for line in replay.lines(history)]
    session.handle(":replay now")
    assert printed[-1].startswith("error: :replay takes no argument")


def test_the_live_line_and_block_never_wrap_out_of_place(monkeypatch):
    """A progress line wider than the terminal is cut to fit, and a block line that wraps counts
    its rows, so the next redraw climbs back to the block's first row and leaves nothing behind."""
    from seqsum.repl import liveline

    monkeypatch.setattr(liveline, "terminal_size", lambda stream: (20, 10))
    stream = Terminal()
    live = liveline.LiveLine(stream)
    live.redraw("x" * 50)
    assert stream.getvalue() == "\r\x1b[2K" + "x" * 19
    live.replace_block([], "\x1b[31m" + "y" * 30 + "\x1b[0m\nshort\n", 20)  # 2 rows + 1 row
    live.replace_block([], "z\n", 20)
    assert stream.getvalue().endswith("\r\x1b[2K\x1b[3F\x1b[Jz\n")
