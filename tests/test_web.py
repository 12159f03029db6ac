"""`seqsum-repl web`: the page's script, run in an embedded V8, answers as `--json` does.

No browser is needed: the page's own script runs in mini-racer with a stand-in `document` that
only hands it the embedded data, exactly as a browser would (the JSON element's text).
"""

import dataclasses
import json
import random
import re
import subprocess
import sys
import unicodedata
from contextlib import contextmanager
from html import unescape
from html.parser import HTMLParser

import numpy as np
import py_mini_racer  # the test extra installs it: the page's script runs in its V8
from click.testing import CliRunner

from seqsum.core import reference
from seqsum.core.answer import Predictor
from seqsum.core.codec import encode_questions
from seqsum.core.confidence import MEASURE
from seqsum.core.dataset import all_tuples
from seqsum.core.domain import Domain
from seqsum.core.domain_map import IMAGE_CELLS, WRONG_UNSURE, map_domain
from seqsum.core.history import read_history
from seqsum.core.modelfile import read_model_file
from seqsum.core.probe import probe
from seqsum.core.trace import trace
from seqsum.models import bundled_model_path
from seqsum.repl import html as html_views
from seqsum.repl.cli import cli
from seqsum.repl.templating import render
from seqsum.repl.web import Drawn, page_html, write_page

from .conftest import Scripted, write_numpy_model

TOLERANCE = 1e-5
HOSTILE = "</script><script>alert(1)</script><!-- \u2028\u2029 & ]]> </style>"


class Elements(HTMLParser):
    """Every start tag of a page, and the raw text of each <script> element with its attributes."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.tags: list[str] = []
        self.scripts: list[tuple[dict, str]] = []
        self._in_script: dict | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def scripts(html: str) -> tuple[str, str]:
    """(the embedded data's text, the program's text) as the browser would see them."""
    found = Elements(html).scripts
    assert [attrs for attrs, _ in found] == [{"type": "application/json", "id": "seqsum-data"}, {}]
    return found[0][1], found[1][1]


@contextmanager
def page_engine(html: str):
    """A V8 context that has run the page's script: `seqsum` is defined in it."""
    data, program = scripts(html)
    with py_mini_racer.MiniRacer() as engine:
        engine.eval("globalThis.document = {getElementById: (id) => id === 'seqsum-data' ? "
                    f"{{textContent: {json.dumps(data)}}} : null}};")
        engine.eval(program)
        yield engine


def page_answers(engine, texts: list[str]) -> list[dict]:
    return json.loads(engine.eval(f"JSON.stringify({json.dumps(texts)}.map(seqsum.answer))"))


def probe_of(model):
    return probe(model.network, model.domain, model.heldout_rule)


def cli_answers(model_path, texts: list[str]) -> list[dict]:
    """One `--json` record per text, as `seqsum-repl --json -e TEXT ...` prints them."""
    args = ["--model", str(model_path), "--json"]
    for text in texts:
        args += ["-e", text]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(texts)
    for record in records:
        record.pop("line", None)  # the pipe's line number: the page answers one text at a time
    return records


UNICODE_DIGITS = "١٢٣۴߀०৩๕໖၇²³¹½⅓Ⅻⅻ一二〇𝟘𝟙１２"
OTHER_CHARACTERS = "-.,eE*/×÷^%()=ax'\\\x00\x07\x1b\u200b\u3000\xa0€🙂é\r"


def expressions(domain: Domain, count: int, seed: int) -> list[str]:
    """`count` texts, valid and invalid, with the corners every domain has."""
    top = domain.max_operand
    terms = domain.terms

    def sum_of(values, spaced=False):
        pad = (lambda: " " * random_.randint(0, 2)) if spaced else (lambda: "")
        return "+".join(pad() + str(v) + pad() for v in values)

    random_ = random.Random(seed)
    corners = [sum_of([0] * terms), sum_of([1] * terms), sum_of([top] * terms),
               sum_of([top + 1] + [0] * (terms - 1)), sum_of([0] * (terms + 1)), sum_of([1] * (terms - 1)),
               "", "   ", "\t", "+" * terms, "1" * 41 + "+1", "9" * 201, "1+" * 150, "-1+2", "1.5+2",
               "1,5+2", "1e3+2", "e+1", "٣+1", "1 2+3", "12\t3+4", "0" * 30 + "7+" + "3" * 1,
               sum_of([top] * terms) + "\n", sum_of([2] * terms) + "\r\n", "\u3000" + sum_of([3] * terms)]
    texts = corners[:]
    while len(texts) < count:
        values = [random_.randint(0, top) for _ in range(terms)]
        kind = random_.random()
        if kind < 0.55:
            text = sum_of(values, spaced=random_.random() < 0.3)
            if random_.random() < 0.1:
                text = "0" + text  # a leading zero is allowed
        elif kind < 0.65:
            values[random_.randrange(terms)] = random_.randint(top + 1, top * 20 + 20)
            text = sum_of(values)
        elif kind < 0.75:
            text = sum_of(values[: random_.choice([1, terms + 1, terms + 2])] + [1] * (terms + 1))
            text = "+".join(text.split("+")[: random_.choice([1, terms + 1, terms + 2])])
        else:
            pool = UNICODE_DIGITS if kind < 0.87 else OTHER_CHARACTERS
            chars = list(sum_of(values))
            chars.insert(random_.randrange(len(chars) + 1), random_.choice(pool))
            text = "".join(chars)
        texts.append(text)
    return texts


def assert_same_records(page: list[dict], expected: list[dict]) -> float:
    """Field for field, probabilities within TOLERANCE; returns the largest difference seen."""
    largest = 0.0
    for got, want in zip(page, expected, strict=True):
        assert list(got) == list(want), (got, want)
        if "error" in want:
            assert got == want
            continue
        for key in ("input", "operands", "prediction", "truth", "correct", "low_confidence"):
            assert got[key] == want[key], (key, got, want)
        pairs = [(got["confidence"], want["confidence"]), (got["agreement"], want["agreement"])]
        assert len(got["chars"]) == len(want["chars"])
        for mine, theirs in zip(got["chars"], want["chars"]):
            assert list(mine) == list(theirs) and mine["char"] == theirs["char"]
            pairs.append((mine["p"], theirs["p"]))
            for (c1, p1), (c2, p2) in zip(mine["alternatives"], theirs["alternatives"], strict=True):
                pairs.append((p1, p2))
                if p2 > 1e-4:  # runners-up far above float32 noise must be the same symbols
                    assert c1 == c2, (mine, theirs)
        for a, b in pairs:
            largest = max(largest, abs(a - b))
    assert largest <= TOLERANCE
    return largest


def compare(model_path, count: int, seed: int) -> list[dict]:
    model = read_model_file(model_path)
    texts = expressions(model.domain, count, seed)
    with page_engine(page_html(model)) as engine:
        page = page_answers(engine, texts)
    expected = cli_answers(model_path, texts)
    assert sum("error" in r for r in expected) > count // 5  # both kinds, many of each
    assert sum("error" not in r for r in expected) > count // 2
    assert_same_records(page, expected)
    return expected


def test_page_answers_as_the_cli_does_for_the_bundled_model():
    # 200 texts, about 100 of them sums: with their related sums, over half the domain's tuples
    # go through the page's network (500 texts reach 86 % of them, at 60 % more time).
    compare(bundled_model_path(), 200, seed=1)


def test_page_answers_as_the_cli_does_for_three_terms_in_reading_order(tmp_path):
    # This random network's agreements run from 0 to about 0.05: a threshold inside that range
    # makes some answers unsure and some not.
    calibrated = {"confidence": {"measure": MEASURE, "threshold": 0.015, "mean_agreement": 0.01875}}
    path = write_numpy_model(tmp_path / "three.keras", Domain(terms=3, max_operand=99), seed=2,
                             meta=calibrated)
    records = compare(path, 500, seed=2)
    assert {r["low_confidence"] for r in records if "error" not in r} == {True, False}


def test_page_answers_as_the_cli_does_for_three_digit_right_aligned_operands(tmp_path):
    path = write_numpy_model(tmp_path / "wide.keras", Domain(terms=2, max_operand=999), units=8,
                             meta={"answer_order": "reversed", "question_align": "right"})
    compare(path, 300, seed=3)


def test_page_asks_related_sums_only_below_the_sure_confidence_as_the_cli_does(tmp_path):
    """A domain without an answer table whose rule checks only answers below `sure`: set at this
    random network's median confidence, half the answers are checked and half are not."""
    domain = Domain(terms=2, max_operand=1414)
    plain = write_numpy_model(tmp_path / "plain.keras", domain, units=8, seed=4)
    tuples = np.random.default_rng(4).integers(0, 1415, (400, 2))
    sure = float(np.median(Predictor(read_model_file(plain)).answer(tuples).confidence))
    threshold = sure / 2  # a sure confidence is never below the threshold (core.confidence)
    rule = {"confidence": {"measure": MEASURE, "threshold": threshold, "mean_agreement": threshold / 0.8,
                           "sure": sure}}
    path = write_numpy_model(tmp_path / "gated.keras", domain, units=8, seed=4, meta=rule)
    records = [r for r in compare(path, 300, seed=4) if "error" not in r]
    unchecked = [r["agreement"] == r["confidence"] >= sure - 1e-6 for r in records]
    assert 0.2 < np.mean(unchecked) < 0.8


def test_page_checks_the_rotated_sum_up_to_glance_as_the_cli_does(tmp_path):
    """A rule that asks every related sum below `sure`, the rotated sum only from there up to
    `glance` and none above: set at this random network's 30th and 70th percentile confidence,
    the page answers, agrees and flags as the CLI does in all three bands."""
    domain = Domain(terms=2, max_operand=1414)
    plain = write_numpy_model(tmp_path / "plain.keras", domain, units=8, seed=4)
    tuples = np.random.default_rng(4).integers(0, 1415, (400, 2))
    confidence = Predictor(read_model_file(plain)).answer(tuples).confidence
    sure, glance = np.quantile(confidence, [0.3, 0.7]).tolist()
    threshold = sure / 2  # a sure confidence is never below the threshold (core.confidence)
    rule = {"confidence": {"measure": MEASURE, "threshold": threshold, "mean_agreement": threshold / 0.8,
                           "sure": sure, "glance": glance}}
    path = write_numpy_model(tmp_path / "glanced.keras", domain, units=8, seed=4, meta=rule)
    records = [r for r in compare(path, 300, seed=4) if "error" not in r]
    checks = Predictor(read_model_file(path)).answer([r["operands"] for r in records]).checks
    assert (checks == 1).any() and (checks > 1).any() and (checks == 0).any()


def test_page_names_every_character_as_python_does(numpy_model):
    with page_engine(page_html(read_model_file(numpy_model))) as engine:
        names = json.loads(engine.eval(
            "JSON.stringify(Array.from({length: Math.ceil(0x110000 / 5)}, "
            "(_, i) => seqsum.characterName(5 * i)))"
        ))
    expected = [unicodedata.name(chr(cp), None) for cp in range(0, 0x110000, 5)]
    assert names == expected


def hostile_model(tmp_path, text: str):
    meta = {"created": text, "figures": {"all": {"exact_match": text, "count": text}}}
    return read_model_file(write_numpy_model(tmp_path / "<script>alert(1)&.keras", meta=meta))


def test_no_metadata_value_can_break_out_of_the_page(tmp_path):
    plain = Elements(page_html(hostile_model(tmp_path, "2026-01-01")))
    html = page_html(hostile_model(tmp_path, HOSTILE))
    assert Elements(html).tags == plain.tags  # the same elements, whatever the file holds
    data, _ = scripts(html)
    assert json.loads(data)["model"]["created"] == HOSTILE
    assert json.loads(data)["model"]["figures"]["all"]["exact_match"] == HOSTILE
    with page_engine(html) as engine:
        assert engine.eval("seqsum.data.model.created") == HOSTILE
        assert engine.eval("seqsum.data.model.file") == "<script>alert(1)&.keras"
        assert engine.eval("seqsum.answer('1+2').truth") == 3


def test_page_sets_text_never_markup_and_loads_nothing(numpy_model):
    html = page_html(read_model_file(numpy_model))
    data, program = scripts(html)
    for markup_sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert markup_sink not in program
    markup = html.replace(data, "")  # base64 weights could spell anything
    markup = markup.replace('"http://www.w3.org/2000/svg"', "")  # SVG's namespace: a name, never loaded
    for load in ("http:", "https:", "src=", "href=", "url(", "@import", "fetch(", "XMLHttpRequest",
                 "import(", "WebSocket", "<link", "<img", "<iframe"):
        assert load not in markup, load
    assert "default-src 'none'" in markup


def test_web_command_writes_the_page_with_its_map_without_tensorflow(numpy_model, tmp_path):
    out = tmp_path / "page.html"
    program = (
        "import sys; from seqsum.repl.cli import run; "
        f"status = run(['web', '--model', {str(numpy_model)!r}, '--out', {str(out)!r}]); "
        "print('tensorflow' in sys.modules, status)"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"wrote {out} (") and "MB" in lines[0] and "no map" not in lines[0]
    assert lines[1:] == ["False 0"]
    model = read_model_file(numpy_model)
    domain_map = map_domain(Predictor(model), fixed=0, max_cells=IMAGE_CELLS)
    expected = page_html(model, "--model", Drawn(domain_map, None, probe_of(model)))
    assert out.read_text(encoding="utf-8") == expected


def test_web_command_leaves_the_map_out_when_asked(numpy_model, tmp_path):
    out = tmp_path / "page.html"
    result = CliRunner().invoke(cli, ["web", "--model", str(numpy_model), "--out", str(out), "--no-map"])
    assert result.exit_code == 0 and "no map" not in result.stdout
    model = read_model_file(numpy_model)
    assert out.read_text(encoding="utf-8") == page_html(model, drawn=Drawn(probe=probe_of(model)))


def test_a_domain_too_large_to_map_still_gets_its_page_and_a_line_saying_why(tmp_path):
    path = write_numpy_model(tmp_path / "huge.keras", Domain(2, 9999), units=8)
    out = tmp_path / "page.html"
    result = CliRunner().invoke(cli, ["web", "--model", str(path), "--out", str(out)])
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.count("\n") == 1 and result.stdout.startswith(f"wrote {out} (")
    assert "no map: a map of this domain needs about 100,000,000 answers" in result.stdout
    html = out.read_text(encoding="utf-8")
    model = read_model_file(path)
    assert html == page_html(model, drawn=Drawn(probe=probe_of(model))) and embedded(html)["map"] is None
    with page_engine(html) as engine:
        assert engine.eval("seqsum.answer('1234+8765').truth") == 9999


def test_web_command_refuses_an_unusable_model_in_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["web", "--model", str(tmp_path / "none.keras"),
                                      "--out", str(tmp_path / "page.html")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "no such file" in result.stderr
    assert not (tmp_path / "page.html").exists()


# ---- What the page draws as it is written: the map, the history, the probe -------------------

def embedded(html: str) -> dict:
    """The data the page's script reads."""
    return json.loads(scripts(html)[0])


class Drawing(HTMLParser):
    """The cells of every SVG grid in the page's drawn sections, from their rectangles."""

    def __init__(self, html: str):
        super().__init__()
        self.grids: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and attrs.get("class") == "map":
            self.grids.append({**attrs, "rects": []})
        elif tag == "rect" and self.grids and attrs.get("class", "").startswith("c"):
            self.grids[-1]["rects"].append(attrs)

    def cells(self, index: int = 0) -> list[str]:
        """The grid's cells as DomainMap.to_dict() writes them: a string of classes per row."""
        grid = self.grids[index]
        rows = [[None] * int(grid["data-columns"]) for _ in range(int(grid["data-rows"]))]
        for rect in grid["rects"]:
            x, y, width = int(rect["x"]), int(rect["y"]), int(rect["width"])
            for column in range(x, x + width):
                assert rows[y][column] is None  # no cell drawn twice
                rows[y][column] = rect["class"][1:]
        return ["".join(row) for row in rows]  # a cell drawn nowhere would fail the join


def test_bundled_model_page_carries_its_map_and_probe_within_3_mb(tmp_path):
    model = read_model_file(bundled_model_path())
    page = write_page(tmp_path / "page.html", model, "bundled", Predictor(model))
    html = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert page.size == len(html.encode()) <= 3_000_000 and page.no_map is None and page.no_probe is None
    expected = map_domain(Predictor(model), fixed=0, max_cells=100).to_dict()  # one pair per cell
    assert embedded(html)["map"] == expected
    assert Drawing(html).cells(0) == expected["cells"]
    assert "What its encoder knows" in html and "the ones digit of the sum" in html


def test_page_map_puts_known_wrong_answers_in_their_cells(tmp_path):
    model = read_model_file(write_numpy_model(tmp_path / "m.keras", Domain(2, 9)))
    script = dict(special={(3, 7): 5, (8, 2): 5})
    write_page(tmp_path / "page.html", model, "--model", Scripted(model, **script))
    html = (tmp_path / "page.html").read_text(encoding="utf-8")
    expected = map_domain(Scripted(model, **script)).to_dict()
    cells = Drawing(html).cells(0)
    assert embedded(html)["map"] == expected and cells == expected["cells"]
    wrong = {f"{row}+{col}" for row, line in enumerate(cells) for col, c in enumerate(line)
             if int(c) >= WRONG_UNSURE}
    assert wrong == {"3+7", "8+2"}


def test_three_terms_map_the_first_two_with_the_third_at_0_and_say_so(tmp_path):
    model = read_model_file(write_numpy_model(tmp_path / "m.keras", Domain(3, 9)))
    script = dict(special={(1, 2, 0): 5, (4, 5, 6): 5})
    write_page(tmp_path / "page.html", model, "--model", Scripted(model, **script))
    html = (tmp_path / "page.html").read_text(encoding="utf-8")
    domain_map = embedded(html)["map"]
    assert domain_map == map_domain(Scripted(model, **script), fixed=0).to_dict()
    assert "<li>the third operand is fixed at 0</li>" in html
    cells = Drawing(html).cells(0)
    assert cells == domain_map["cells"]
    assert int(cells[1][2]) >= WRONG_UNSURE and int(cells[4][5]) < WRONG_UNSURE


def test_a_click_on_a_downsampled_cell_types_the_first_pair_of_its_block(tmp_path):
    model = read_model_file(write_numpy_model(tmp_path / "m.keras", Domain(2, 9)))
    domain_map = map_domain(Scripted(model, special={(4, 4): 5, (9, 0): 5}), max_cells=4)
    assert domain_map.block == 3  # 10 values: blocks of 3, 3, 3, 1
    html = page_html(model, "--model", Drawn(map=domain_map))
    drawing = Drawing(html)
    assert drawing.cells(0) == domain_map.to_dict()["cells"]
    grid = drawing.grids[0]
    with page_engine(html) as engine:  # the sum the page types for each cell, and what it parses to
        typed = json.loads(engine.eval(
            f"JSON.stringify(Array.from({{length: 16}}, (_, i) => seqsumViews.cellSum({grid['data-block']}, "
            f"{grid['data-terms']}, {json.dumps(grid['data-others'])}, Math.floor(i / 4), i % 4)))"))
        parsed = json.loads(engine.eval(
            f"JSON.stringify({json.dumps(typed)}.map((t) => seqsum.parse(t).operands))"))
    assert typed == [f"{3 * row}+{3 * col}" for row in range(4) for col in range(4)]
    for index, (first, second) in enumerate(parsed):  # every typed sum is inside its block
        assert (first // 3, second // 3) == divmod(index, 4)


def test_page_history_plays_the_recorded_training_and_programs_read_it(trained_model, tmp_path):
    model = read_model_file(trained_model)
    history = read_history(model)
    write_page(tmp_path / "page.html", model, "--model")
    html = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert embedded(html)["history"] == history.to_records()
    with page_engine(html) as engine:
        records = json.loads(engine.eval("JSON.stringify(seqsum.history())"))
    assert records == history.to_records() and len(records) == history.epochs
    assert set(records[0]) == {"epoch", "loss", "heldout_exact", "counts", "watched"}
    assert set(records[0]["counts"]) == {"right", "right_unsure", "wrong_unsure", "wrong"}
    kept = model.meta["training"]["best_epoch"]
    cells = Drawing(html).cells(0)  # the history's map shows the kept epoch, forgotten cells apart
    lost = history.forgotten_at(kept - 1)
    expected = np.where(lost, 4, history.frames[kept - 1])
    assert cells == ["".join(map(str, row)) for row in expected.tolist()]
    data = json.loads(unescape(re.search(r'data-frames="([^"]*)"', html).group(1)))
    assert len(data["frames"]) == history.epochs
    assert data["frames"][0]["cells"] == "".join(map(str, history.frames[0].ravel().tolist()))
    with page_engine(html) as engine:  # the slider redraws a frame from these runs
        cells = json.dumps(data["frames"][0]["cells"])
        runs = json.loads(engine.eval(f"JSON.stringify(seqsumViews.runs({cells}, {data['columns']}))"))
    assert runs == html_views.runs(history.frames[0])


def test_the_page_and_the_notebook_draw_an_answer_and_a_trace_from_one_template(tmp_path):
    """The page's script builds the views Python builds, from the same numbers, and fills the
    templates in as Python does, character for character."""
    model = read_model_file(bundled_model_path())
    html = page_html(model)
    answers = Predictor(model).answer([[37, 68], [0, 0], [99, 99], [5, 95]])
    # As a rule with `glance` checks an answer against its rotated sum alone: one that agrees, one not.
    rotated = dataclasses.replace(answers, checks=np.ones(4, np.int64), agreement=np.array([1.0, 0.0] * 2))
    traced = trace(model.network, model.domain, (37, 68), " 37+68").to_dict()
    with page_engine(html) as engine:
        engine.eval("globalThis.templates = new seqsumViews.Templates(seqsum.data.templates)")
        for answer in [*answers, *rotated]:
            details = {"dist": answer.distribution.tolist(), "symbols": list(answer.chars),
                       "prediction": answer.prediction, "truth": answer.truth, "correct": answer.correct,
                       "confidence": answer.confidence, "agreement": answer.agreement,
                       "checks": answer.checks, "lowConfidence": answer.low_confidence}
            view = json.loads(engine.eval(f"JSON.stringify(seqsumViews.answerView({json.dumps(details)}, "
                                          f"seqsum.data.vocabulary, {json.dumps(answer.expression)}))"))
            assert view == html_views.answer_view(answer)
            assert engine.eval(f"templates.html('answer', {json.dumps(view)})") == render("answer", view)
        view = json.loads(engine.eval(f"JSON.stringify(seqsumViews.traceView({json.dumps(traced)}, "
                                      "seqsum.data.levels))"))
        assert view == html_views.trace_view(traced)
        assert engine.eval(f"templates.html('trace', {json.dumps(view)})") == render("trace", view)


def test_the_pages_trace_is_the_reference_pass(tmp_path):
    model = read_model_file(bundled_model_path())
    with page_engine(page_html(model)) as engine:
        traced = json.loads(engine.eval("JSON.stringify(seqsum.trace([37, 68], '37+68'))"))
    expected = trace(model.network, model.domain, (37, 68))
    questions = encode_questions(np.array([[37, 68]]), model.domain, "left")
    run = reference.forward(model.network.weights, questions, 3, "reversed")
    assert traced["question"] == expected.question and traced["prediction"] == "105"
    for side, steps in (("encoder", run.encoder), ("decoder", run.decoder)):
        for t, step in enumerate(traced[side]):
            assert np.abs(np.array(step["h"]) - steps.h[0, t]).max() <= 1e-9
            assert np.abs(np.array(step["c"]) - steps.c[0, t]).max() <= 1e-9
            for gate, values in step["gates"].items():
                assert np.abs(np.array(values) - steps.gates[gate][0, t]).max() <= 1e-9
    written = np.array([step["probabilities"] for step in traced["decoder"]])
    assert np.abs(written - run.probabilities[0]).max() <= 1e-9


def test_the_pages_network_is_the_reference_on_every_input_of_the_bundled_model():
    model = read_model_file(bundled_model_path())
    every = all_tuples(model.domain)
    questions = encode_questions(every, model.domain, model.network.question_align)
    run = reference.forward(model.network.weights, questions, 3, model.network.answer_order)
    expected = run.reading_probabilities
    with page_engine(page_html(model)) as engine:
        asked = f"{json.dumps(every.tolist())}.map((o) => seqsum.probabilities(o).map((p) => Array.from(p)))"
        page = np.array(json.loads(engine.eval(f"JSON.stringify({asked})")))
    assert page.shape == expected.shape and np.abs(page - expected).max() <= 1e-6
