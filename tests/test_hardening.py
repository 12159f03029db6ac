"""Guarantees under hostile input, broken places and interruptions, each shown to hold."""

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from seqsum.core.answer import Predictor
from seqsum.core.modelfile import read_model_file
from seqsum.repl import builtins, commands, locations
from seqsum.repl.pipe import MAX_LINE_BYTES, PipeWriter, split_lines
from seqsum.repl.session import Session

from .conftest import write_numpy_model

SCRIPT = Path(sys.executable).parent / "seqsum-repl"
_MODEL = None


def predictor() -> Predictor:
    global _MODEL
    if _MODEL is None:
        import tempfile

        _MODEL = read_model_file(write_numpy_model(Path(tempfile.mkdtemp()) / "m.keras"))
    return Predictor(_MODEL)


def cancelled_training(*args, **kwargs):
    raise KeyboardInterrupt


def expected_results(data: bytes) -> int:
    """How many results a stream must produce: one per non-blank line, however it is broken."""
    pieces = data.split(b"\n")
    if pieces and pieces[-1] == b"":
        pieces.pop()
    count = 0
    for raw in pieces:
        if len(raw) > MAX_LINE_BYTES:
            count += 1
            continue
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            count += 1
            continue
        count += bool(text.strip(" \t"))
    return count


lines_of_bytes = st.lists(
    st.one_of(
        st.binary(max_size=30),
        st.sampled_from([b"1+2", b"99+99", b" 07 + 3 ", b"\xff", b"1\x002", "١+٢".encode(), b"\r"]),
        st.just(b"9" * (MAX_LINE_BYTES + 5)),
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines_of_bytes, st.lists(st.integers(1, 50), min_size=1, max_size=5), st.booleans())
def test_pipe_gives_one_result_per_non_blank_line_in_order(lines, cuts, as_json):
    data = b"\n".join(lines)
    chunks, position = [], 0
    while position < len(data):  # the same bytes, arriving in arbitrary pieces
        size = cuts[len(chunks) % len(cuts)]
        chunks.append(data[position : position + size])
        position += size
    out, err = io.StringIO(), io.StringIO()
    writer = PipeWriter(predictor(), out, err, as_json)
    for batch in split_lines(chunks):
        writer.add(batch)
    expected = expected_results(data)
    assert writer.answered + writer.rejected == expected
    if as_json:
        records = [json.loads(line) for line in out.getvalue().splitlines()]
        assert len(records) == expected
        numbers = [r["line"] for r in records if "error" in r]
        assert numbers == sorted(numbers)
    else:
        assert len(out.getvalue().splitlines()) == writer.answered
        assert len(err.getvalue().splitlines()) == writer.rejected
    assert "Traceback" not in err.getvalue()


SILENT = {"quit", "exit", "q"}  # commands whose documented reply is none (they end the session)
typed = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["1+2", " 07 + 3 ", "99+99", "99+100", "1+", "\t"]),
    st.builds(lambda name, rest: f":{name}{rest}",
              st.sampled_from(sorted(set(commands.REGISTRY) - {"save"})),  # :save writes files: tested alone
              st.one_of(st.just(""), st.text(max_size=20).map(lambda t: " " + t))),
)


@settings(max_examples=200, deadline=None)
@given(typed)
@example(":load \x00")  # once raised open()'s ValueError through to the catch-all
@example(":retrain --out a\x00b")
@example(":exit \x00")  # a command that takes no argument ignores it, NUL or not
def test_repl_input_gets_one_reply_and_never_the_catch_all(text):
    """Every non-blank line gets a visible reply (a sum or a refusal exactly one), or the silence
    its command documents; no reply is the session's catch-all for a command that raised."""
    model = predictor().model
    printed = []
    session = Session(model, locations.ModelChoice(model.path, "--model"),
                      printer=lambda fragments: printed.append("".join(t for _, t in fragments)),
                      color=False)
    with mock.patch.object(builtins, "train_and_save", cancelled_training):  # a text may be :retrain
        session.handle(text)
    stripped = text.strip()
    name = stripped[1:].split(" ")[0] if stripped.startswith(":") else None
    if not stripped:
        assert printed == []
    elif name is None:
        assert len(printed) == 1
    elif name in SILENT:
        assert printed == [] and not session.running
    elif not {"-h", "--help"} & set(stripped.split()):  # click writes :retrain --help itself
        assert printed
    assert not any(" failed: " in reply for reply in printed), printed


def test_killed_training_leaves_the_existing_model_byte_identical(tmp_path, numpy_model):
    pytest.importorskip("seqsum.models.train", reason="needs TensorFlow")
    before = numpy_model.read_bytes()
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    children = {  # one training per signal, side by side (each pays TensorFlow's import)
        signum: subprocess.Popen(
            [SCRIPT, "train", "--out", numpy_model, "--max-operand", "9", "--epochs", "1000",
             "--units", "16"], stderr=subprocess.PIPE, env=env, text=True)
        for signum in (signal.SIGTERM, signal.SIGINT)
    }
    for signum, child in children.items():
        while "epoch" not in child.stderr.readline():  # training has really started
            assert child.poll() is None
        time.sleep(0.5)
        child.send_signal(signum)
        _, stderr = child.communicate(timeout=60)
        assert child.returncode != 0
        assert "Traceback" not in stderr
        assert numpy_model.read_bytes() == before
    assert [p.name for p in numpy_model.parent.iterdir() if p.name.startswith(".")] == []


def test_an_interrupt_swallowed_inside_tensorflow_still_stops_training(numpy_model, monkeypatch):
    """A signal whose KeyboardInterrupt never surfaces is raised again at the next step."""
    pytest.importorskip("seqsum.models.train", reason="needs TensorFlow")
    from seqsum.models import train as train_module
    from seqsum.models.config import TrainConfig
    from seqsum.models.quiet import keras
    from seqsum.repl.training import train_and_save

    epochs_run = []
    original = train_module.train

    def train_swallowing_a_signal(config, progress, callbacks=()):
        (raiser,) = callbacks

        class SwallowedSignal(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                epochs_run.append(epoch)
                if epoch == 1:
                    raiser.interruption.requested = True  # what the handler does, minus the raise

        return original(config, progress, callbacks=[SwallowedSignal(), raiser])

    monkeypatch.setattr(train_module, "train", train_swallowing_a_signal)
    before = numpy_model.read_bytes()
    with pytest.raises(KeyboardInterrupt):
        train_and_save(TrainConfig(max_operand=9, units=8, epochs=50, batch_size=8, jit_compile=False),
                       numpy_model, train_module.SilentProgress())
    assert epochs_run[-1] == 1  # stopped at once, not after 50 epochs
    assert numpy_model.read_bytes() == before


def test_an_interrupt_that_tensorflow_turns_into_its_own_error_still_cancels(numpy_model, monkeypatch):
    """Ctrl-C while TensorFlow traces a step came back as pybind11's RuntimeError ("... REPLACED
    BY KeyboardInterrupt"), and :retrain reported a failure instead of "retrain cancelled"."""
    pytest.importorskip("seqsum.models.train", reason="needs TensorFlow")
    from seqsum.models import train as train_module
    from seqsum.models.config import TrainConfig
    from seqsum.repl.training import train_and_save

    def train_where_tensorflow_replaces_the_interrupt(config, progress, callbacks=()):
        try:
            signal.raise_signal(signal.SIGINT)  # the user's Ctrl-C, through the real handler
        except KeyboardInterrupt:
            raise RuntimeError("pybind11::error_already_set: MISMATCH of original and normalized "
                               "active exception types: REPLACED BY KeyboardInterrupt") from None
        raise AssertionError("the SIGINT handler did not raise")

    monkeypatch.setattr(train_module, "train", train_where_tensorflow_replaces_the_interrupt)
    before = numpy_model.read_bytes()
    config = TrainConfig(max_operand=9, units=8, epochs=1, jit_compile=False)
    with pytest.raises(KeyboardInterrupt):
        train_and_save(config, numpy_model, train_module.SilentProgress())
    assert numpy_model.read_bytes() == before

    def train_that_fails(config, progress, callbacks=()):
        raise RuntimeError("a real failure")  # no signal: the error stays what it is

    monkeypatch.setattr(train_module, "train", train_that_fails)
    with pytest.raises(RuntimeError, match="a real failure"):
        train_and_save(config, numpy_model, train_module.SilentProgress())


RACING_SAVE = """
import sys
from seqsum.core.modelfile import read_model_file
from seqsum.models.store import load_keras_model, save_model
source, out, scale = sys.argv[1], sys.argv[2], float(sys.argv[3])
model = load_keras_model(source)
model.set_weights([w * scale for w in model.get_weights()])
save_model(model, dict(read_model_file(source).meta, scale=scale), out)
"""


def test_two_saves_racing_to_one_path_leave_one_complete_model(tmp_path, trained_model):
    """Two processes save different models to one path at about the same time (as two
    `train --out` runs finishing together would): the file left is one of them whole, its Keras
    part and seqsum's part from the same save."""
    pytest.importorskip("seqsum.models.train", reason="needs TensorFlow")
    from seqsum.models.network import export_weights
    from seqsum.models.store import load_keras_model

    out = tmp_path / "shared.keras"
    children = [subprocess.Popen([sys.executable, "-c", RACING_SAVE, trained_model, out, str(scale)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                for scale in (1.0, 2.0)]
    assert [c.wait(timeout=300) for c in children] == [0, 0], [c.stderr.read()[-500:] for c in children]
    saved = read_model_file(out)
    source = read_model_file(trained_model).network.weights
    keras_part = export_weights(load_keras_model(out))
    assert saved.meta["scale"] in (1.0, 2.0)
    for name, weights in saved.network.weights.items():
        assert np.array_equal(weights, source[name] * saved.meta["scale"])  # seqsum's part: one save
        assert np.array_equal(keras_part[name], weights)  # and Keras' part: the same save
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_full_disk_while_saving_reports_and_keeps_the_old_file(tmp_path, numpy_model, monkeypatch):
    from seqsum.core import atomic

    target = tmp_path / "keep.keras"
    target.write_bytes(b"precious")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    model = read_model_file(numpy_model)
    printed = []
    session = Session(model, locations.ModelChoice(numpy_model, "--model"),
                      printer=printed.extend, color=False)
    session.handle(f":save {target}")
    text = "".join(t for _, t in printed)
    assert "No space left on device" in text and "nothing was changed" in text
    assert target.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_read_only_data_directory_gives_a_warning_not_a_failure(tmp_path, numpy_model, monkeypatch):
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from seqsum.repl.session import run_session

    monkeypatch.setattr(locations, "history_path", lambda: Path("/proc/seqsum-cannot/history"))
    model = read_model_file(numpy_model)
    printed = []
    with create_pipe_input() as pipe:
        pipe.send_text("1+2\r")
        pipe.close()
        status = run_session(model, locations.ModelChoice(numpy_model, "--model"), input=pipe,
                             output=DummyOutput(), printer=printed.extend)
    text = "".join(t for _, t in printed)
    assert status == 0
    assert text.count("warning: history file") == 1
    assert "true sum 3" in text
