"""The command line through click's CliRunner: answering, pipes, train, evaluate, exit statuses."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from seqsum.core.answer import Predictor
from seqsum.core.dataset import is_sampled
from seqsum.core.domain import Domain
from seqsum.core.modelfile import read_model_file
from seqsum.repl import render
from seqsum.repl.cli import cli
from seqsum.repl.style import ansi_styled
from seqsum.repl.text import percent, percents


def invoke(args, input=None, **kwargs):
    return CliRunner().invoke(cli, args, input=input, **kwargs)


def test_version_and_help():
    result = invoke(["--version"])
    assert result.exit_code == 0 and "seqsum-repl, version" in result.stdout
    result = invoke(["--help"])
    assert result.exit_code == 0 and "train" in result.stdout and "evaluate" in result.stdout


def test_repeated_expressions_are_answered_in_order(numpy_model):
    result = invoke(["--model", str(numpy_model), "-e", "37+68", "--expression", "1+2"], input="9+9\n")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2  # stdin is ignored with -e
    assert lines[0].startswith("37+68 = ") and "true 105" in lines[0]
    assert lines[1].startswith("1+2 = ") and "true 3" in lines[1]
    records = [json.loads(line) for line in invoke(["--model", str(numpy_model), "--json", "-e", "37+68",
                                                    "-e", "1+2"]).stdout.splitlines()]
    for line, record in zip(lines, records, strict=True):  # the verdict is the answer's own
        assert f" = {record['prediction']} {'✓' if record['correct'] else '✗'} " in line
    assert "\x1b[" not in result.stdout  # not a terminal: no colour codes


def test_a_batch_answered_in_parts_by_threads_reads_as_one_answered_whole(tmp_path, monkeypatch):
    from seqsum.repl import pipe

    from .conftest import write_numpy_model

    model = write_numpy_model(tmp_path / "three.keras", Domain(3, 99))  # no cache, no table
    rng = np.random.default_rng(0)
    text = "".join(f"{a}+{b}+{c}\n" for a, b, c in rng.integers(0, 100, (600, 3)))
    whole = CliRunner().invoke(cli, ["--model", str(model), "--json"], input=text)
    monkeypatch.setattr(pipe, "ANSWER_PART", 16)  # 600 lines in 38 parts
    in_parts = CliRunner().invoke(cli, ["--model", str(model), "--json"], input=text)
    assert in_parts.exit_code == whole.exit_code == 0
    records = [[json.loads(line) for line in run.stdout.splitlines()] for run in (in_parts, whole)]
    pairs = list(zip(*records, strict=True))
    assert len(pairs) == 600
    for mine, theirs in pairs:  # the same answers, in order; floats within batch-size rounding
        for key in ("input", "prediction", "truth", "correct", "agreement", "low_confidence"):
            assert mine[key] == theirs[key]
        assert abs(mine["confidence"] - theirs["confidence"]) <= 2e-6
        assert [c["char"] for c in mine["chars"]] == [c["char"] for c in theirs["chars"]]


def test_plain_pipe_mixes_answers_and_numbered_errors(numpy_model):
    text = "1+2\n\n3+x\n   \n4+5\r\n-1+2\n"
    result = invoke(["--model", str(numpy_model)], input=text)
    assert result.exit_code == 1
    assert [line.split(" = ")[0] for line in result.stdout.splitlines()] == ["1+2", "4+5"]
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith("line 3: ") and "'x'" in errors[0]
    assert errors[1].startswith("line 6: ") and "signs are not supported" in errors[1]


def test_json_lines_one_record_per_non_blank_line_in_order(numpy_model):
    text = "37+68\n\n12+\n0+0\n"
    result = invoke(["--model", str(numpy_model), "--json"], input=text)
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["input"] for r in records] == ["37+68", "12+", "0+0"]
    answer, error, zero = records
    assert answer["operands"] == [37, 68] and answer["truth"] == 105
    assert answer["correct"] == (answer["prediction"] == "105")
    assert len(answer["chars"]) == 3
    product = 1.0
    for char in answer["chars"]:
        assert set(char) == {"char", "p", "alternatives"}
        assert len(char["alternatives"]) == 3
        assert all(p <= char["p"] for _, p in char["alternatives"])
        product *= char["p"]
    assert answer["confidence"] == pytest.approx(product, abs=1e-5)
    assert "".join(c["char"] for c in answer["chars"]).strip() == answer["prediction"]
    assert isinstance(answer["low_confidence"], bool)
    assert error == {"input": "12+", "line": 3, "error": error["error"]}
    assert "missing number" in error["error"]
    assert zero["truth"] == 0


def test_all_valid_lines_exit_zero(numpy_model):
    result = invoke(["--model", str(numpy_model), "--json"], input="1+1\n2+2\n")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2


def test_hostile_bytes_are_errors_for_their_line_only(numpy_model):
    big = b"9" * 1_000_000
    data = b"1+2\n\xff\xfe+1\n" + big + b"\n" + b"1\x002\n" + "١+٢\n".encode() + b"3+4"
    result = invoke(["--model", str(numpy_model), "--json"], input=data)
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 6
    assert "operands" in records[0] and "operands" in records[5]
    assert records[1]["line"] == 2 and "UTF-8" in records[1]["error"]
    assert records[2]["line"] == 3 and "too long" in records[2]["error"]
    assert len(records[2]["input"]) < 100
    assert records[3]["line"] == 4 and "NUL" in records[3]["error"]
    assert records[4]["line"] == 5 and "ASCII digit" in records[4]["error"]


def test_unusable_model_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.keras"
    bad.write_text("not a model")
    result = invoke(["--model", str(bad), "-e", "1+2"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and str(bad) in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_usage_exits_2_with_one_line():
    result = invoke(["--no-such-option"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "no-such-option" in result.stderr


def test_evaluate_json_document(numpy_model):
    result = invoke(["evaluate", "--model", str(numpy_model), "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    for name in ("all", "heldout", "trained"):
        assert 0.0 <= report[name]["exact_match"] <= 1.0
    assert report["all"]["count"] == 10_000
    assert report["heldout"]["count"] + report["trained"]["count"] == 10_000
    assert {"auroc", "ece", "wrong_caught", "right_flagged"} <= set(report["confidence"])
    layouts = {row["layout"]: (row["count"], row["right"]) for row in report["layouts"]}
    assert list(layouts) == [
        "1-digit + 1-digit", "1-digit + 2-digit", "2-digit + 1-digit", "2-digit + 2-digit"]
    assert sum(count for count, _ in layouts.values()) == 10_000
    assert sum(right for _, right in layouts.values()) == round(report["all"]["exact_match"] * 10_000)
    assert report["edges"]["count"] == 121
    assert "evaluating" in result.stderr and "evaluating" not in result.stdout


def test_evaluate_for_a_person(numpy_model):
    result = invoke(["evaluate", "--model", str(numpy_model)])
    assert result.exit_code == 0
    assert "held-out" in result.stdout and "first 20 wrong answers" in result.stdout
    assert "every tuple (10,000)" in result.stdout
    assert "    1-digit + 2-digit: 900 tuples, " in result.stdout


def test_json_records_are_what_json_dumps_writes(numpy_model):
    tuples = np.random.default_rng(0).integers(0, 100, (300, 2))
    answers = Predictor(read_model_file(numpy_model)).answer(tuples)

    def rounded(value):
        return float(np.round(float(value), 6))

    for answer, tail in zip(answers, render.json_tails(answers), strict=True):
        chars = [{"char": c, "p": rounded(p),
                  "alternatives": [[a, rounded(q)] for a, q in answer.alternatives(position)]}
                 for position, (c, p) in enumerate(zip(answer.chars, answer.char_probabilities))]
        record = {"operands": list(answer.operands), "prediction": answer.prediction, "truth": answer.truth,
                  "correct": answer.correct, "confidence": rounded(answer.confidence),
                  "agreement": rounded(answer.agreement), "low_confidence": answer.low_confidence,
                  "chars": chars}
        assert tail == json.dumps(record, ensure_ascii=False)[1:]


@pytest.mark.parametrize("color", [False, True])
def test_pipe_lines_are_the_documented_one_line_format(numpy_model, color):
    tuples = np.concatenate([np.random.default_rng(1).integers(0, 100, (300, 2)), [[0, 0], [99, 99]]])
    answers = Predictor(read_model_file(numpy_model)).answer(tuples)
    assert not answers.correct.all() and answers.low_confidence.any()  # both verdicts and flags seen

    def styled(text, name):
        return ansi_styled(text, name) if color else text

    for answer, line in zip(answers, render.one_lines(answers, color), strict=True):
        chars = " ".join(f"{'␣' if c == ' ' else c}:{percent(p)}"
                         for c, p in zip(answer.chars, answer.char_probabilities))
        expected = (f"{answer.expression} = {styled(answer.prediction or '(blank)', 'prediction')} "
                    f"{styled('✓', 'ok') if answer.correct else styled('✗', 'wrong')} true {answer.truth}"
                    f"  confidence {percent(answer.confidence)}  agreement {percent(answer.agreement)}"
                    + ("  " + styled("unsure", "unsure") if answer.low_confidence else "")
                    + styled(f"  chars {chars}", "dim"))
        assert line == expected


def test_percentages_of_a_batch_are_those_of_each_value():
    values = np.array([0, 1e-9, 0.0005, 0.00049, 0.9994999, 0.9995, 0.99999994, 1.0, 0.5, 0.0125, 0.125,
                       np.nan, np.inf])
    values = np.concatenate([values, np.random.default_rng(0).random(2_000)])
    for places in (1, 2):
        assert percents(values, places).tolist() == [percent(v, places) for v in values]
    assert percent(0.99999994) == ">99.9%" and percent(1.0) == "100.0%" and percent(0.0) == "0.0%"


def test_train_saves_a_model_that_evaluate_reads(tmp_path):
    """On the smallest three-term domain that is drawn per layout: fresh draws, the sampled
    checks and the exhaustive save (250,047 tuples) end to end, with every output option."""
    pytest.importorskip("seqsum.models.train", reason="needs TensorFlow")
    out = tmp_path / "three.keras"
    plot = tmp_path / "history.png"
    logs = tmp_path / "tensorboard"
    assert is_sampled(Domain(3, 62)) and not is_sampled(Domain(3, 61))
    result = invoke(["train", "--out", str(out), "--terms", "3", "--max-operand", "62", "--epochs", "2",
                     "--units", "8", "--seed", "3", "--train-size", "2000", "--batch-size", "256",
                     "--plot", str(plot), "--tensorboard", str(logs), "--answer-order", "reading"])
    assert result.exit_code == 0, result.stderr
    assert "saved" in result.stdout
    assert "epoch   2/2" in result.stderr  # progress on stderr, one line per epoch off a terminal
    assert "warning: this network has not learned its sums: it is wrong on" in result.stderr  # 2 epochs
    model = read_model_file(out)
    meta = model.meta
    assert meta["training"]["seed"] == 3 and meta["domain"] == {"terms": 3, "max_operand": 62}
    assert meta["answer_order"] == model.network.answer_order == "reading"
    assert meta["question_align"] == model.network.question_align == "left"  # two-digit operands
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert any(p.name.startswith("events.out.tfevents") for p in logs.rglob("*"))
    evaluated = invoke(["evaluate", "--model", str(out), "--json"])
    assert json.loads(evaluated.stdout)["all"]["count"] == 63**3
    answered = invoke(["--model", str(out), "-e", "1+2+3"])
    assert answered.exit_code == 0 and "true 6" in answered.stdout


def test_train_interrupted_while_saving_leaves_out_byte_identical(tmp_path, numpy_model, monkeypatch):
    """Ctrl-C after the new model has been written beside --out, just before it would replace
    it: the old file is untouched and the half-done one is gone."""
    pytest.importorskip("seqsum.models.train", reason="needs TensorFlow")
    from seqsum.models import store
    from seqsum.models import train as train_module
    from seqsum.models.network import build_model

    before = numpy_model.read_bytes()
    written = []

    def untrained(config, progress=None, callbacks=()):  # a real network, without the wait
        record = train_module.EpochRecord(1, 2.0, 0.1, 0.0, 0.01, 0.1, trained_exact=0.0)
        return train_module.TrainingResult(config, build_model(config.domain, config.units),
                                           [record], 1, 0.1, False, heldout=None)

    def interrupted_check(path):
        written.append(path.stat().st_size)  # the complete new file, beside the destination
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "train", untrained)
    monkeypatch.setattr(store, "read_model_file", interrupted_check)
    result = invoke(["train", "--out", str(numpy_model), "--max-operand", "9", "--units", "8"])
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    assert written and written[0] > 0
    assert numpy_model.read_bytes() == before
    assert sorted(p.name for p in numpy_model.parent.iterdir()) == [numpy_model.name]


def test_train_refuses_bad_options_before_training(tmp_path):
    result = invoke(["train", "--out", str(tmp_path / "x.keras"), "--terms", "9"])
    assert result.exit_code == 2 and "--terms" in result.stderr
    assert not (tmp_path / "x.keras").exists()


def test_optional_tools_are_checked_before_training(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "tensorboard", None)  # as if not installed
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)
    out = tmp_path / "x.keras"
    result = invoke(["train", "--out", str(out), "--tensorboard", str(tmp_path / "tb")])
    assert result.exit_code == 2 and "pip install 'seqsum[tensorboard]'" in result.stderr
    result = invoke(["train", "--out", str(out), "--plot", str(tmp_path / "p.png")])
    assert result.exit_code == 2 and "pip install 'seqsum[plot]'" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("text", ["12+34", " 1 + 2 ", "1\t+2", 'a"b', "x\\y", "é+1", "\x00", "", "\x7f",
                                  "1\u2028"])
def test_json_strings_hold_the_text_and_nothing_a_terminal_acts_on(text):
    written = render.json_string(text)
    assert json.loads(written) == text
    assert written.isprintable()
    if text.isprintable():  # the fast path and the encoder agree on what needs no escape
        assert written == json.dumps(text, ensure_ascii=False)
