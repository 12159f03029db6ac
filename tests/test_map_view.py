"""`:map` in the session (colour and not) and `evaluate --map FILE.png`."""

import json
import struct
import sys
import zlib

import numpy as np
import pytest
from click.testing import CliRunner

from seqsum.core.domain import Domain
from seqsum.core.domain_map import CATEGORIES, map_domain
from seqsum.core.modelfile import read_model_file
from seqsum.repl import builtins, locations
from seqsum.repl.cli import cli
from seqsum.repl.map_chart import PIXELS
from seqsum.repl.map_view import HALF_BLOCK, MARKS, TERMINAL_COLOURS
from seqsum.repl.session import Session

from .conftest import write_numpy_model
from .test_repl import Screen


@pytest.fixture
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")


def session_for(path, color: bool) -> Session:
    screen = Screen()
    s = Session(read_model_file(path), locations.ModelChoice(path, "--model"), printer=screen, color=color)
    s.screen = screen
    return s


def map_rows(text: str, label: int) -> list[str]:
    """The grid's lines without their row labels (every line starting with a label or blank)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(" " * (label - 2) + "0 "))
    end = next(i for i in range(start, len(lines)) if "counts are" in lines[i])
    return [line[label:] for line in lines[start:end]]


def test_map_without_colour_is_one_distinct_character_per_pair(numpy_model, wide_terminal):
    session = session_for(numpy_model, color=False)
    session.handle(":map")
    expected = map_domain(session.predictor)
    rows = map_rows(session.screen.text, label=3)
    assert len(rows) == 100 and all(len(row) == 100 for row in rows)
    shown = np.array([[MARKS.index(ch) for ch in row] for row in rows])
    assert np.array_equal(shown, expected.cells)
    assert len(set(MARKS)) == len(MARKS) == len(CATEGORIES) + 1  # and the forgotten cells of a replay
    legend = {line.split()[0]: line for line in session.screen.text.splitlines()[-4:]}
    for category, name in enumerate(CATEGORIES):
        assert name in legend[MARKS[category]]
        assert legend[MARKS[category]].endswith(f"{expected.counts[category]:,}")
    assert "\x1b[" not in session.screen.text


def test_map_in_colour_draws_two_rows_per_half_block(numpy_model, wide_terminal):
    session = session_for(numpy_model, color=True)
    session.handle(":map")
    expected = map_domain(session.predictor).cells
    blocks = [(style, text) for style, text in session.screen.fragments if HALF_BLOCK in text]
    upper, lower = [], []
    for style, text in blocks:
        colours = dict(part.split(":") for part in style.split())
        upper += [TERMINAL_COLOURS.index(colours["fg"])] * len(text)
        lower += [TERMINAL_COLOURS.index(colours["bg"])] * len(text)
    assert np.array_equal(np.reshape(upper, (50, 100)), expected[0::2])
    assert np.array_equal(np.reshape(lower, (50, 100)), expected[1::2])
    assert session.screen.text.count("\n") < 60  # 50 map lines and a few of labels and legend


def test_a_narrow_terminal_gets_a_downsampled_map_that_says_so(numpy_model, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    session = session_for(numpy_model, color=False)
    session.handle(":map")
    assert "downsampled: each cell is the worst of 2x2 pairs" in session.screen.text
    assert len(map_rows(session.screen.text, label=3)) == 50


def test_map_arguments_are_checked_with_one_line(tmp_path, numpy_model, wide_terminal):
    two = session_for(numpy_model, color=False)
    two.handle(":map 5")
    assert two.screen.text.count("\n") == 1 and "adds 2 numbers" in two.screen.text
    three = session_for(write_numpy_model(tmp_path / "three.keras", Domain(3, 9)), color=False)
    three.handle(":map ten")
    assert three.screen.text.startswith("error: 'ten' is neither a number nor 'worst'")
    three.handle(":map worst")
    assert "each pair is the worst over every value of the third operand (0 to 9)" in three.screen.text
    assert "counts are tuples" in three.screen.text


def test_ctrl_c_cancels_the_map_and_the_session_goes_on(session_with_interrupt):
    session = session_with_interrupt
    session.handle(":map")
    assert "error: map cancelled" in session.screen.text
    session.handle("1+1")
    assert "true sum 2" in session.screen.text


@pytest.fixture
def session_with_interrupt(numpy_model, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(builtins, "map_domain", interrupted)
    return session_for(numpy_model, color=False)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's signature and IHDR chunk (checked by its CRC)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    body = data[16 : 16 + length]
    assert struct.unpack(">I", data[16 + length : 20 + length])[0] == zlib.crc32(kind + body)
    return struct.unpack(">II", body[:8])


def test_evaluate_writes_the_map_as_a_png_of_the_stated_size(tmp_path):
    pytest.importorskip("matplotlib")
    model = write_numpy_model(tmp_path / "m.keras", Domain(2, 9))
    out = tmp_path / "map.png"
    result = CliRunner().invoke(cli, ["evaluate", "--model", str(model), "--map", str(out)])
    assert result.exit_code == 0, result.stderr
    assert f"map written to {out} ({PIXELS[0]}x{PIXELS[1]} pixels)" in result.stdout
    assert png_size(out.read_bytes()) == PIXELS
    as_json = CliRunner().invoke(cli, ["evaluate", "--model", str(model), "--map", str(out), "--json"])
    assert json.loads(as_json.stdout)["all"]["count"] == 100  # the map's line went to stderr
    assert "map written" in as_json.stderr


def test_evaluate_checks_the_map_before_evaluating(tmp_path, monkeypatch):
    model = write_numpy_model(tmp_path / "m.keras", Domain(2, 9))
    out = tmp_path / "map.png"

    def run(*args):
        return CliRunner().invoke(cli, ["evaluate", "--model", str(model), *args])

    for args, reason in ((["--map-others", "3"], "--map-others goes with --map"),
                         (["--map", str(out), "--map-others", "3"], "adds 2 numbers")):
        result = run(*args)
        assert result.exit_code == 2 and reason in result.stderr and result.stdout == ""
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    result = run("--map", str(out))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: --map needs matplotlib: pip install 'seqsum[plot]'")
    assert not out.exists()

