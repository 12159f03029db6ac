"""Model files from strangers: nothing in a file can drive the terminal, exhaust memory or run code."""

import io
import json
import pathlib
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from seqsum.core.answer import Predictor
from seqsum.core.forward import MAX_UNITS
from seqsum.core.modelfile import META_MEMBER, WEIGHTS_MEMBER, ModelFileError, read_model_file
from seqsum.models import bundled_model_path
from seqsum.repl import builtins, locations, render, report  # noqa: F401 - registers commands
from seqsum.repl.cli import cli
from seqsum.repl.session import Session

from .conftest import numpy_weights, write_numpy_model
from .hostile import metadata_bomb, npy_bomb, run_measured, weights_bomb
from .test_repl import Screen

SCRIPT = Path(sys.executable).parent / "seqsum-repl"
if not SCRIPT.exists():
    SCRIPT = Path(shutil.which("seqsum-repl") or "seqsum-repl")
BUNDLED = bundled_model_path()
PADDING = 256 << 20  # far more than any limit, and than the memory asserted below
PEAK_MB = 150  # `-e 1+1` on the bundled model peaks at ~45 MB
HOSTILE_TEXT = "\x1b]0;TITLE\x07\x1b[2J PWNED\rSPOOF\b\u202e\u200b\u2028\x7f\x85\ud800"


def shown_safely(text: str) -> bool:
    """True when no line of `text` holds a character a terminal could act on."""
    return all(line.isprintable() for line in text.split("\n"))


@pytest.mark.parametrize("build, reason", [
    (metadata_bomb, "its metadata is larger than seqsum writes (4 MiB at most)"),
    (weights_bomb, "its weights are larger than a model of 128 units needs"),
    (npy_bomb, "weight encoder_recurrent is larger than a model of 128 units needs"),
])
def test_decompression_bombs_are_refused_in_little_memory(tmp_path, build, reason):
    """A few MB on disk that inflate to 256 MiB (128 inside the weights archive): refused with the
    usual one line and exit status 2, without the process growing, and the file left alone."""
    path = build(BUNDLED, tmp_path / "bomb.keras", **({} if build is npy_bomb else {"padding": PADDING}))
    assert path.stat().st_size < 8 << 20
    before = path.read_bytes()
    status, stderr, peak, _ = run_measured([str(SCRIPT), "-e", "1+1", "--model", str(path)])
    assert status == 2
    assert stderr.count("\n") == 1 and reason in stderr and str(path) in stderr
    assert peak < PEAK_MB, f"peak resident memory {peak:.0f} MB"
    assert path.read_bytes() == before


def test_an_array_inside_the_weights_is_capped_even_when_no_units_are_recorded(tmp_path):
    """Without "units" in the metadata, arrays are capped by the largest network seqsum reads."""
    bomb = npy_bomb(BUNDLED, tmp_path / "bomb.keras", padding=64 << 20)
    with zipfile.ZipFile(bomb) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    meta = json.loads(members[META_MEMBER])
    del meta["units"]
    members[META_MEMBER] = json.dumps(meta).encode()
    unrecorded = tmp_path / "unrecorded.keras"
    with zipfile.ZipFile(unrecorded, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ModelFileError, match=f"larger than a model of {MAX_UNITS} units needs"):
        read_model_file(unrecorded)


def test_a_file_larger_than_any_model_is_refused_unread(tmp_path):
    huge = tmp_path / "huge.keras"
    with open(huge, "wb") as handle:  # sparse: no disk space used
        handle.write(b"PK\x03\x04")
        handle.truncate(1 << 30)
    status, stderr, peak, _ = run_measured([str(SCRIPT), "-e", "1+1", "--model", str(huge)])
    assert status == 2 and "larger than any seqsum model file (512 MiB at most)" in stderr
    assert peak < PEAK_MB


def test_an_archive_with_too_many_entries_is_refused_before_it_is_parsed(tmp_path, numpy_model):
    crowded = tmp_path / "crowded.keras"
    shutil.copy(numpy_model, crowded)
    with zipfile.ZipFile(crowded, "a") as archive:
        for index in range(1001):
            archive.writestr(f"assets/{index}", b"")
    with pytest.raises(ModelFileError, match="more than 1,000 entries"):
        read_model_file(crowded)


class Unpickled:
    """Unpickling this creates a file: proof that a weights file ran code."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return pathlib.Path.touch, (self.marker,)


def test_pickled_weights_are_refused_unread(tmp_path):
    marker = tmp_path / "code-ran"
    weights = numpy_weights(16)
    weights["encoder_bias"] = np.array([Unpickled(marker)], dtype=object)
    buffer = io.BytesIO()
    np.savez(buffer, **weights)
    path = write_numpy_model(tmp_path / "pickled.keras", units=16)
    with zipfile.ZipFile(path) as archive:
        meta = archive.read(META_MEMBER)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(META_MEMBER, meta)
        archive.writestr(WEIGHTS_MEMBER, buffer.getvalue())
    with pytest.raises(ModelFileError, match="weight encoder_bias is stored as 'object', expected float32"):
        read_model_file(path)
    assert not marker.exists()


def test_keras_loads_model_files_in_safe_mode(tmp_path, numpy_model):
    """A Keras archive whose config holds Python code (a Lambda layer) is not loaded."""
    pytest.importorskip("seqsum.models.store", reason="needs TensorFlow")
    from seqsum.models.quiet import keras
    from seqsum.models.store import load_keras_model

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    path = tmp_path / "lambda.keras"
    model.save(path)
    with zipfile.ZipFile(numpy_model) as source, zipfile.ZipFile(path, "a") as archive:
        for name in (META_MEMBER, WEIGHTS_MEMBER):
            archive.writestr(name, source.read(name))
    with pytest.raises(ModelFileError, match="Keras could not load it"):
        load_keras_model(path)


# Control characters ---------------------------------------------------------------------------

def test_control_characters_in_a_file_reach_no_terminal(tmp_path):
    """The issue's example, in every field :info and the banner show, in a file whose name holds
    an escape sequence too: everything is shown, nothing is acted on."""
    path = write_numpy_model(tmp_path / "evil\x1b[2J\u202e.keras", meta={
        "created": HOSTILE_TEXT,
        "versions": {"seqsum": HOSTILE_TEXT, HOSTILE_TEXT: "1"},
        "training": {"epochs_run": HOSTILE_TEXT, "schedule": HOSTILE_TEXT},
    })
    model = read_model_file(path)
    screen = Screen()
    session = Session(model, locations.ModelChoice(path, "--model"), printer=screen, color=False)
    session.printer(render.banner(model, "--model"))
    for command in (":info", ":evaluate", f":load {tmp_path}/missing\x07.keras", ":\x1b[2Jx",
                    f":save {tmp_path}/\x07"):
        session.handle(command)
    text = screen.text + session.toolbar()
    assert shown_safely(text), text
    assert "<U+001B>]0;TITLE<U+0007><U+001B>[2J PWNED<U+000D>SPOOF<U+0008><U+202E>" in text
    assert "evil<U+001B>[2J<U+202E>.keras" in text and "missing<U+0007>.keras" in text
    assert "unknown command :<U+001B>[2Jx" in text and "saved " in text
    for args in (["evaluate", "--model", str(path)], ["--model", str(path), "-e", "1+1"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0 and shown_safely(result.output), result.output


def test_control_characters_in_file_names_are_shown_in_errors(tmp_path):
    path = tmp_path / "bad\x1b]0;x\x07\u2028.keras"
    path.write_bytes(b"PK\x03\x04 not really")
    result = CliRunner().invoke(cli, ["--model", str(path), "-e", "1+1"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and shown_safely(result.stderr)
    assert "bad<U+001B>]0;x<U+0007><U+2028>.keras" in result.stderr


def test_json_output_stays_valid_and_shows_nothing_raw(tmp_path, numpy_model):
    """Input lines keep every character in JSON, as \\u escapes; the model path in evaluate's JSON
    too, and its figures are never NaN."""
    lines = ["1+1\u202e", "2+\x7f2", "3+3\x85", "\u2028", "4+4"]
    result = CliRunner().invoke(cli, ["--model", str(numpy_model), "--json"],
                                input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["input"] for r in records] == lines
    assert shown_safely(result.stdout)
    plain = CliRunner().invoke(cli, ["--model", str(numpy_model)], input="\n".join(lines) + "\n")
    assert shown_safely(plain.stderr) and plain.stderr.count("\n") == 4
    named = Path(shutil.copy(numpy_model, tmp_path / "m\x07\u202e.keras"))
    result = CliRunner().invoke(cli, ["evaluate", "--model", str(named), "--json"])
    assert result.exit_code == 0 and shown_safely(result.stdout)
    assert json.loads(result.stdout, parse_constant=pytest.fail)["model"] == str(named)


# Any JSON value in any metadata field ---------------------------------------------------------

with zipfile.ZipFile(BUNDLED) as _bundled:
    BUNDLED_META = json.loads(_bundled.read(META_MEMBER))
    BUNDLED_WEIGHTS = _bundled.read(WEIGHTS_MEMBER)


def _paths(value, prefix=()) -> list[tuple]:
    """Every place in the bundled metadata a value can be replaced (lists: first and last item)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list) and value:
        for index in sorted({0, len(value) - 1}):
            found += _paths(value[index], (*prefix, index))
    return found


PATHS = _paths(BUNDLED_META)
strings = st.text(st.characters(exclude_categories=()), max_size=30) | st.sampled_from(
    [HOSTILE_TEXT, "x" * 100_000, "", "reversed", BUNDLED_META["confidence"]["measure"]])
scalars = (st.none() | st.booleans() | st.integers() | st.sampled_from([10**400, -(10**400), 2**64])
           | st.floats(allow_nan=True, allow_infinity=True) | strings)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(strings, inner, max_size=4),
    max_leaves=12)


def _write(folder: Path, meta_text: str) -> Path:
    path = folder / "mutated.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(META_MEMBER, meta_text)
        archive.writestr(WEIGHTS_MEMBER, BUNDLED_WEIGHTS)
    return path


def check_file(path: Path) -> None:
    """A one-line ModelFileError (and exit status 2), or every view of the file shown safely."""
    result = CliRunner().invoke(cli, ["--model", str(path), "-e", "1+1"])
    assert "Traceback" not in result.output and "unexpected" not in result.output, result.output
    assert shown_safely(result.output), result.output
    try:
        model = read_model_file(path)
    except ModelFileError as error:
        assert "\n" not in str(error) and shown_safely(str(error))
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
        return
    assert result.exit_code == 0, result.output
    Predictor(model)
    screen = Screen()
    session = Session(model, locations.ModelChoice(path, "--model"), printer=screen, color=False)
    session.handle(":info")
    texts = [render.plain(render.banner(model, "--model")), report.info_text(model, "--model"),
             screen.text, session.toolbar()]
    assert "failed" not in screen.text, screen.text
    assert all(shown_safely(text) for text in texts), texts


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(PATHS), value=json_values, delete=st.booleans())
@example(where=("created",), value=HOSTILE_TEXT, delete=False)
@example(where=("domain", "terms"), value=10**400, delete=False)
@example(where=("heldout", "seed"), value=-1, delete=False)
@example(where=("confidence", "threshold"), value=float("nan"), delete=False)
@example(where=("history",), value={"heldout_exact": 1}, delete=False)
@example(where=("history", 0, "heldout_exact"), value=None, delete=False)
@example(where=("figures", "all"), value=[1, 2], delete=False)
@example(where=("units",), value=True, delete=False)
def test_any_value_in_any_metadata_field_gives_one_line_or_a_safe_display(tmp_path, where, value,
                                                                          delete):
    meta = json.loads(json.dumps(BUNDLED_META))
    parent = meta
    for key in where[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[where[-1]]
    else:
        parent[where[-1]] = value
    check_file(_write(tmp_path, json.dumps(meta)))


@pytest.mark.parametrize("raw", ["[" * 100_000 + "]" * 100_000, "1" * 5_000, "NaN", "-Infinity",
                                 "1e400", '"' + "\\u001b" * 100_000 + '"', '{"a": ' * 900 + "1" + "}" * 900])
@pytest.mark.parametrize("field", ["created", "domain", "units", "training", "format_version"])
def test_json_no_python_object_can_hold_gives_one_line_or_a_safe_display(tmp_path, raw, field):
    """Nesting deeper than Python recurses, integers longer than it converts, non-finite numbers."""
    text = json.dumps(dict(BUNDLED_META, **{field: "PLACEHOLDER"}))
    check_file(_write(tmp_path, text.replace('"PLACEHOLDER"', raw)))
