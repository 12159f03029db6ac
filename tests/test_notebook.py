"""`import seqsum`: the Python API against the command line, its notebook views, and the tour
notebook executed by a real Jupyter kernel."""

import json
import re
import subprocess
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest
from click.testing import CliRunner

import seqsum
from seqsum.core.domain import Domain
from seqsum.models import bundled_model_path
from seqsum.repl.cli import cli
from seqsum.repl.text import percent

from .conftest import write_numpy_model

ROOT = Path(__file__).resolve().parent.parent
TOUR = ROOT / "docs" / "tour.ipynb"
TEXTS = ["37+68", " 07 + 3", "0+0", "99+99", "50+50", "1+98"]
BAD = ["37+", "1.5+2", "100+1", "١+٢", "", "1+2+3"]


def piped(model: Path, texts: list[str]) -> list[dict]:
    result = CliRunner().invoke(
        cli, ["--model", str(model), "--json"], input="".join(t + "\n" for t in texts)
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def calc():
    return seqsum.load(bundled_model_path())


def one_shot(model: Path, text: str) -> dict:
    return json.loads(CliRunner().invoke(cli, ["--model", str(model), "--json", "-e", text]).stdout)


def test_an_answer_is_the_json_record_as_attributes(calc):
    """An answer alone is `-e`'s record; many at once the pipe's (a batch's size can move the
    last bits of a probability, so each is compared with what answered it the same way)."""
    records = piped(bundled_model_path(), TEXTS)
    for text in TEXTS:
        answer, record = calc(text), one_shot(bundled_model_path(), text)
        assert answer.to_dict() == record
        for field in ("input", "prediction", "truth", "correct", "low_confidence"):
            assert getattr(answer, field) == record[field], field
        assert list(answer.operands) == record["operands"] and answer.chars == record["chars"]
        assert round(answer.confidence, 6) == record["confidence"]
    many = seqsum.load(bundled_model_path()).answer_many(TEXTS)  # a fresh cache, as the pipe's
    assert len(many) == len(TEXTS) and many.to_dicts() == records
    assert [a.prediction for a in many] == [r["prediction"] for r in records]
    assert many[-1].input == "1+98" and many.exact_match == 1.0


def test_text_that_is_not_a_sum_raises_the_command_lines_reason(calc):
    args = ["--model", str(bundled_model_path()), "--json"] + [arg for text in BAD for arg in ("-e", text)]
    records = [json.loads(line) for line in CliRunner().invoke(cli, args).stdout.splitlines()]
    for text, record in zip(BAD, records, strict=True):
        with pytest.raises(seqsum.InvalidSum) as caught:
            calc(text)
        assert str(caught.value) == record["error"] and caught.value.text == text == record["input"]
    with pytest.raises(seqsum.InvalidSum, match="missing number in term 2") as caught:
        calc.answer_many(["1+2", "3+4", "5+"])
    assert (caught.value.index, caught.value.text) == (2, "5+")


def test_every_view_draws_in_html_the_numbers_its_text_shows(calc):
    answer = calc("37+68")
    text, page = repr(answer), answer._repr_html_()
    confidence = percent(one_shot(bundled_model_path(), "37+68")["confidence"])
    assert f"37+68 = 105: right, true sum 105, confidence {confidence}" in text
    assert (
        '<strong class="prediction">105</strong>' in page
        and "true sum 105" in page
        and f"confidence {confidence}" in page
        and page.count('class="position"') == 3
    )
    assert (
        'class="seqsum"' in page
        and "<style>" in page
        and "http" not in page.replace("www.w3.org/2000/svg", "")
    )
    drawn = calc.map()
    counts = re.findall(
        r"(right|right but marked unsure|wrong but marked unsure|wrong and not marked) +([\d,]+)", repr(drawn)
    )
    assert counts == [
        ("right", "10,000"),
        ("right but marked unsure", "0"),
        ("wrong but marked unsure", "0"),
        ("wrong and not marked", "0"),
    ]
    for name, count in counts:
        assert f'{name}: <span class="count">{count} pair' in drawn._repr_html_()
    traced = calc.trace("37+68")
    assert "the answer: network 105 ✓ right, true sum 105" in repr(traced)
    html = traced._repr_html_()
    assert "trace of 37+68" in html and html.count('<li class="step"') == 5 + 3 and "<script>" in html
    probe = calc.probe()
    learned = re.search(r"the sum +R² +([\d.]+)", repr(probe)).group(1)
    assert f'<td class="learned">{learned}</td>' in probe._repr_html_()
    assert calc.history.data.epochs == calc.model.meta["training"]["epochs_run"]
    assert "per number of carries" in repr(calc.evaluate())


def test_a_model_saved_without_a_history_has_none(numpy_model):
    assert seqsum.load(numpy_model).history is None


def test_a_history_draws_its_slider_over_the_epochs_it_recorded(trained_model):
    drawn = seqsum.load(trained_model).history
    lines = repr(drawn).splitlines()
    html = drawn._repr_html_()
    assert len(lines) == drawn.data.epochs and lines[0].startswith(f"epoch 1 of {drawn.data.epochs}")
    assert f'max="{drawn.data.epochs}"' in html and "seqsumViews.enhance" in html
    kept = drawn.data.best_epoch
    assert lines[kept - 1].split("  forgotten")[0] in html.replace("&#39;", "'")


def test_import_seqsum_never_imports_tensorflow(tmp_path, numpy_model):
    poison = tmp_path / "poison"
    for name in ("tensorflow", "keras", "h5py"):
        (poison / name).mkdir(parents=True)
        (poison / name / "__init__.py").write_text(f"raise ImportError('{name} imported')\n")
    program = (
        f"import sys, seqsum; calc = seqsum.load({str(numpy_model)!r}); print(calc('1+2').truth); "
        "calc.trace('1+2'); calc.map(); print(calc.probe().data.heldout > 0); "
        "print(any(m.split('.')[0] in ('tensorflow', 'keras') for m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(poison), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.stdout.split() == ["3", "True", "False"], done.stderr


def test_training_from_python_refuses_what_the_command_line_refuses(tmp_path):
    with pytest.raises(seqsum.SeqsumError) as caught:
        seqsum.train(max_operand=10_000, out=tmp_path / "m.keras")
    result = CliRunner().invoke(cli, ["train", "--max-operand", "10000", "--out", str(tmp_path / "m.keras")])
    assert "the largest operand must be from 1 to 9999, not 10000" in str(caught.value)
    assert result.exit_code == 2 and "10000" in result.stderr
    with pytest.raises(seqsum.SeqsumError, match="--watch '12\\+3': 12 is too large"):
        seqsum.train(max_operand=9, watch=["12+3"], out=tmp_path / "m.keras")
    with pytest.raises(seqsum.SeqsumError, match="cannot use model file"):
        seqsum.load(tmp_path / "none.keras")
    model = write_numpy_model(tmp_path / "three.keras", Domain(3, 9))
    with pytest.raises(seqsum.SeqsumError, match="neither a number nor 'worst'"):
        seqsum.load(model).map(others="x")


def test_the_tour_runs_in_a_real_kernel(tmp_path):
    notebook = nbformat.read(TOUR, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")  # kept clean
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(html) >= 8
    assert any('<strong class="prediction">105</strong>' in h and "true sum 105" in h for h in html)
    assert any("trace of 37+68" in h for h in html) and any("What" in h or "probe of" in h for h in html)
    assert any("map after epoch 4" in h for h in html)  # training redrew its map in its cell
    assert any('class="history"' in h and 'max="4"' in h for h in html)
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "missing number in term 2" in printed and printed.rstrip().endswith(("True", "False"))
    assert (tmp_path / "tour-small.keras").exists()
