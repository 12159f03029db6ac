"""`seqsum-repl web`: the page's script, run in an embedded V8, answers as `--json` does.

No browser is needed: the page's own script runs in mini-racer with a stand-in `document` that
only hands it the embedded data, exactly as a browser would (the JSON element's text).
"""

import json
import random
import subprocess
import sys
import unicodedata
from contextlib import contextmanager
from html.parser import HTMLParser

import py_mini_racer  # the test extra installs it: the page's script runs in its V8
from click.testing import CliRunner

from seqsum.core.answer import Predictor
from seqsum.core.confidence import MEASURE
from seqsum.core.domain import Domain
from seqsum.core.domain_map import IMAGE_CELLS, WRONG_UNSURE, map_domain
from seqsum.core.modelfile import read_model_file
from seqsum.models import bundled_model_path
from seqsum.repl.cli import cli
from seqsum.repl.web import page_html, write_page

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
    domain_map = map_domain(Predictor(model), fixed=0, max_cells=IMAGE_CELLS).to_dict()
    assert out.read_text(encoding="utf-8") == page_html(model, "--model", domain_map)


def test_web_command_leaves_the_map_out_when_asked(numpy_model, tmp_path):
    out = tmp_path / "page.html"
    result = CliRunner().invoke(cli, ["web", "--model", str(numpy_model), "--out", str(out), "--no-map"])
    assert result.exit_code == 0 and "no map" not in result.stdout
    assert out.read_text(encoding="utf-8") == page_html(read_model_file(numpy_model))


def test_a_domain_too_large_to_map_still_gets_its_page_and_a_line_saying_why(tmp_path):
    path = write_numpy_model(tmp_path / "huge.keras", Domain(2, 9999), units=8)
    out = tmp_path / "page.html"
    result = CliRunner().invoke(cli, ["web", "--model", str(path), "--out", str(out)])
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.count("\n") == 1 and result.stdout.startswith(f"wrote {out} (")
    assert "no map: a map of this domain needs about 100,000,000 answers" in result.stdout
    html = out.read_text(encoding="utf-8")
    assert html == page_html(read_model_file(path)) and embedded(html)["map"] is None
    with page_engine(html) as engine:
        assert engine.eval("seqsum.answer('1234+8765').truth") == 9999


def test_web_command_refuses_an_unusable_model_in_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["web", "--model", str(tmp_path / "none.keras"),
                                      "--out", str(tmp_path / "page.html")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "no such file" in result.stderr
    assert not (tmp_path / "page.html").exists()


# ---- The map of the domain on the page ----------------------------------------------------------

def embedded(html: str) -> dict:
    """The data the page's script reads."""
    return json.loads(scripts(html)[0])


def drawn_cells(html: str) -> list[dict]:
    """What the page's script would draw: `seqsum.mapCells` of the embedded map, run in V8."""
    with page_engine(html) as engine:
        return json.loads(engine.eval("JSON.stringify(seqsum.mapCells(seqsum.data.map))"))


def assert_drawn_as_python_cells(cells: list[dict], domain_map: dict) -> None:
    """One cell per digit of the Python map, row by row, each with that digit's category."""
    expected = [(row, col, int(digit)) for row, line in enumerate(domain_map["cells"])
                for col, digit in enumerate(line)]
    assert [(c["row"], c["col"], c["category"]) for c in cells] == expected


def test_bundled_model_page_carries_its_map_within_3_mb(tmp_path):
    model = read_model_file(bundled_model_path())
    page = write_page(tmp_path / "page.html", model, "bundled", Predictor(model))
    html = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert page.size == len(html.encode()) <= 3_000_000 and page.no_map is None
    expected = map_domain(Predictor(model), fixed=0, max_cells=100).to_dict()  # one pair per cell
    assert embedded(html)["map"] == expected
    cells = drawn_cells(html)
    assert_drawn_as_python_cells(cells, expected)
    assert [c["sum"] for c in cells[:2]] == ["0+0", "0+1"] and cells[-1]["sum"] == "99+99"


def test_page_map_puts_known_wrong_answers_in_their_cells(tmp_path):
    model = read_model_file(write_numpy_model(tmp_path / "m.keras", Domain(2, 9)))
    script = dict(special={(3, 7): 5, (8, 2): 5})
    write_page(tmp_path / "page.html", model, "--model", Scripted(model, **script))
    html = (tmp_path / "page.html").read_text(encoding="utf-8")
    expected = map_domain(Scripted(model, **script)).to_dict()
    assert embedded(html)["map"] == expected
    cells = drawn_cells(html)
    assert_drawn_as_python_cells(cells, expected)
    assert {c["sum"] for c in cells if c["category"] >= WRONG_UNSURE} == {"3+7", "8+2"}


def test_three_terms_map_the_first_two_with_the_third_at_0_and_say_so(tmp_path):
    model = read_model_file(write_numpy_model(tmp_path / "m.keras", Domain(3, 9)))
    script = dict(special={(1, 2, 0): 5, (4, 5, 6): 5})
    write_page(tmp_path / "page.html", model, "--model", Scripted(model, **script))
    html = (tmp_path / "page.html").read_text(encoding="utf-8")
    domain_map = embedded(html)["map"]
    assert domain_map == map_domain(Scripted(model, **script), fixed=0).to_dict()
    assert domain_map["notes"] == ["the third operand is fixed at 0"]
    cells = drawn_cells(html)
    assert_drawn_as_python_cells(cells, domain_map)
    assert {c["sum"] for c in cells if c["category"] >= WRONG_UNSURE} == {"1+2+0"}  # not 4+5+6


def test_a_click_on_a_downsampled_cell_types_the_first_pair_of_its_block(tmp_path):
    model = read_model_file(write_numpy_model(tmp_path / "m.keras", Domain(2, 9)))
    domain_map = map_domain(Scripted(model, special={(4, 4): 5, (9, 0): 5}), max_cells=4).to_dict()
    assert domain_map["block"] == 3  # 10 values: blocks of 3, 3, 3, 1
    html = page_html(model, "--model", domain_map)
    cells = drawn_cells(html)
    assert_drawn_as_python_cells(cells, domain_map)
    assert [c["sum"] for c in cells] == [f"{3 * row}+{3 * col}" for row in range(4) for col in range(4)]
    assert {c["sum"] for c in cells if c["category"] >= WRONG_UNSURE} == {"3+3", "9+0"}
    with page_engine(html) as engine:  # every typed sum is one the page answers, inside its block
        parsed = json.loads(engine.eval("JSON.stringify(seqsum.mapCells(seqsum.data.map)"
                                        ".map((c) => seqsum.parse(c.sum).operands))"))
    for cell, (first, second) in zip(cells, parsed, strict=True):
        assert (first // 3, second // 3) == (cell["row"], cell["col"])
