"""Looking inside the network: `trace` (every step's state, from the reference pass), `probe` (what
the encoder's last state holds) and where the errors are (carries)."""

import json
import re

import numpy as np
import pexpect
from click.testing import CliRunner

from seqsum.core import reference
from seqsum.core.answer import Predictor
from seqsum.core.codec import encode_questions
from seqsum.core.dataset import all_tuples
from seqsum.core.domain import Domain
from seqsum.core.evaluation import evaluate
from seqsum.core.layouts import carries
from seqsum.core.modelfile import read_model_file
from seqsum.core.trace import LEVEL_EDGES, levels
from seqsum.models import bundled_model_path
from seqsum.repl import locations, render
from seqsum.repl.cli import cli
from seqsum.repl.palette import STATE_MARKS
from seqsum.repl.session import Session

from .conftest import Scripted, write_numpy_model
from .test_e2e import SCRIPT, env  # noqa: F401 - a fixture

BUNDLED = str(bundled_model_path())
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def invoke(args, **kwargs):
    return CliRunner().invoke(cli, args, **kwargs)


def test_trace_json_holds_every_state_of_the_reference_pass():
    traced = json.loads(invoke(["trace", "--model", BUNDLED, "--json", " 37 + 68"]).stdout)
    model = read_model_file(BUNDLED)
    questions = encode_questions(np.array([[37, 68]]), model.domain, model.network.question_align)
    run = reference.forward(model.network.weights, questions, 3, model.network.answer_order)
    assert traced["input"] == " 37 + 68" and traced["question"] == "37+68"
    assert [step["char"] for step in traced["encoder"]] == list("37+68")
    for name, steps, expected in (("encoder", traced["encoder"], run.encoder),
                                  ("decoder", traced["decoder"], run.decoder)):
        assert len(steps) == expected.h.shape[1], name
        for t, step in enumerate(steps):
            assert len(step["h"]) == len(step["c"]) == 128
            assert np.abs(np.array(step["h"]) - expected.h[0, t]).max() <= 5e-7
            assert np.abs(np.array(step["c"]) - expected.c[0, t]).max() <= 5e-7
            for gate, values in step["gates"].items():
                assert np.abs(np.array(values) - expected.gates[gate][0, t]).max() <= 5e-7
    decoder = traced["decoder"]
    assert [step["position"] for step in decoder] == [2, 1, 0]  # written last character first
    assert np.abs(np.array([step["probabilities"] for step in decoder]) - run.probabilities[0]).max() <= 5e-7
    answered = json.loads(invoke(["--model", BUNDLED, "--json", "-e", "37+68"]).stdout)
    assert traced["prediction"] == answered["prediction"] == "105" and traced["correct"] is True
    assert "".join(step["char"] for step in reversed(decoder)) == "105"


def test_trace_in_text_fits_100_columns_and_shows_every_level_apart():
    plain = invoke(["trace", "--model", BUNDLED, "37+68"]).stdout  # not a terminal: no colour
    lines = plain.splitlines()
    assert "\x1b[" not in plain and max(map(len, lines)) <= 100
    assert lines[0] == "trace of 37+68: the network reads '37+68' (5 symbols, ␣ is padding)"
    steps = [line for line in lines if re.match(r"^ *\d+ (read|wrote) ", line)]
    assert [line.split("'")[1] for line in steps] == list("37+68") + list("501")
    assert len(set(STATE_MARKS)) == len(STATE_MARKS) == len(LEVEL_EDGES) + 1
    strip = re.compile(f"^.{{13}}([{re.escape(''.join(STATE_MARKS))}]{{64}})")
    drawn = "".join(match.group(1) for line in lines if (match := strip.match(line)))
    assert len(drawn) == (5 + 1 + 3) * 128  # every state: 5 read, the last h, 3 written
    model = read_model_file(BUNDLED)
    run = reference.forward(model.network.weights, np.array([[3, 7, 10, 6, 8]]), 3, "reversed")
    assert drawn[:128] == "".join(STATE_MARKS[level] for level in levels(run.encoder.h[0, 0]))
    for mark in STATE_MARKS:  # the legend names each mark's values
        assert re.search(rf"^ .*\s{re.escape(mark)} (below|above|-?\d)", plain, re.M), mark


def test_trace_refuses_what_is_not_a_sum_in_one_line():
    result = invoke(["trace", "--model", BUNDLED, "37+"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "error: cannot trace '37+': missing number in term 2: write it like 12+34\n"


def test_trace_in_a_terminal_draws_coloured_cells_within_100_columns(env):  # noqa: F811
    child = pexpect.spawn(str(SCRIPT), ["trace", "--model", BUNDLED, "12+34"], env=env, timeout=30,
                          encoding="utf-8", dimensions=(60, 100))
    child.expect(pexpect.EOF)
    child.close()
    text = child.before
    assert child.exitstatus == 0 and "\x1b[38;2;" in text  # cells in 24-bit colour
    lines = [ANSI.sub("", line) for line in text.splitlines()]
    assert max(map(len, lines)) <= 100 and "█" * 3 in text
    assert any(line.startswith(" 1 read '1'") for line in lines) and "true sum 46" in text


def test_session_traces_the_last_answer_or_the_sum_given(numpy_model):
    printed = []
    model = read_model_file(numpy_model)
    session = Session(model, locations.ModelChoice(numpy_model, "--model"), color=False,
                      printer=lambda fragments: printed.append(render.plain(fragments)))
    session.handle(":trace")
    assert printed.pop() == "error: no answer yet: type a sum first, or give one, e.g. :trace 37+68\n"
    session.handle("8+9")
    session.handle(":trace")
    assert printed[-1].startswith("trace of 8+9: the network reads '8+9␣␣'")
    session.handle(":trace 12+3")
    assert printed[-1].startswith("trace of 12+3:") and "true sum 15" in printed[-1]
    session.handle(":trace 12+")
    assert printed[-1].startswith("error: cannot trace '12+': missing number")


def test_probe_of_the_bundled_model_beats_its_untrained_control():
    found = json.loads(invoke(["probe", "--model", BUNDLED, "--json"]).stdout)
    readouts = {r["target"]: r for r in found["readouts"]}
    assert list(readouts) == ["the sum", "the ones digit of the sum", "the tens digit of the sum",
                              "the hundreds digit of the sum", "how many columns carry"]
    model = read_model_file(BUNDLED)
    held = model.heldout_rule.is_held_out(all_tuples(model.domain), model.domain)
    assert (found["trained"], found["heldout"]) == ((~held).sum(), held.sum())  # every pair probed
    for readout in readouts.values():
        assert readout["learned"] > readout["untrained"] and readout["learned"] > readout["chance"]
    assert readouts["the sum"]["measure"] == "R²" and readouts["the sum"]["learned"] > 0.99
    grid = found["picture"]["grid"]
    assert len(grid) == len(grid[0]) == 48 and any(v is not None for row in grid for v in row)


def test_probe_repeats_itself_and_draws_its_picture(trained_model, tmp_path):
    png = tmp_path / "probe.png"
    first = invoke(["probe", "--model", str(trained_model), "--json"])
    again = invoke(["probe", "--model", str(trained_model), "--json"])
    assert first.exit_code == 0 and first.stdout == again.stdout  # the same numbers twice
    found = json.loads(first.stdout)
    result = invoke(["probe", "--model", str(trained_model), "--png", str(png)])
    assert result.exit_code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.stdout.endswith(f"probe picture written to {png}\n")
    text = result.stdout
    assert max(map(len, text.splitlines()[:-1])) <= 100  # the probe's lines, not the file's name
    assert f"{found['readouts'][0]['learned']:.3f}" in text and "0 0-1" in text and "9 18\n" in text


def test_probe_refuses_a_model_with_nothing_held_out(tmp_path):
    nothing = write_numpy_model(tmp_path / "none.keras", Domain(2, 9),
                                meta={"heldout": {"fraction": 0.0, "seed": 0}})
    refused = invoke(["probe", "--model", str(nothing)])
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1
    assert "this model has no held-out tuples" in refused.stderr


def test_carries_are_counted_column_by_column():
    assert carries(np.array([[37, 68], [12, 34], [99, 1], [5, 5], [0, 0]])).tolist() == [2, 0, 2, 1, 0]
    assert carries(np.array([[9, 9, 9], [99, 99, 99], [50, 50, 0]])).tolist() == [1, 2, 1]


def test_evaluate_breaks_exact_match_down_by_carries(numpy_model):
    model = read_model_file(numpy_model)
    every = np.stack(np.meshgrid(np.arange(100), np.arange(100), indexing="ij"), -1).reshape(-1, 2)
    two = every[carries(every) == 2]  # the network is wrong wherever both columns carry
    result = evaluate(Scripted(model, special={tuple(t): 1 for t in two.tolist()}))
    assert result.carries == [{"carries": 0, "count": 3_025, "right": 3_025},
                              {"carries": 1, "count": 4_500, "right": 4_500},
                              {"carries": 2, "count": 2_475, "right": 0}]
    assert sum(row["count"] for row in result.carries) == model.domain.size
    reported = json.loads(invoke(["evaluate", "--model", str(numpy_model), "--json"]).stdout)
    assert sum(row["count"] for row in reported["carries"]) == 10_000
    assert "per number of carries" in invoke(["evaluate", "--model", str(numpy_model)]).stdout
    assert Predictor(model).domain.size == 10_000
