"""`seqsum-repl web`: one self-contained HTML page that answers like the CLI, offline.

The page is built from the templates in `repl/web/` (markup, style, script), with everything
inlined: the weights as float32 little-endian base64, the few metadata values the page shows,
and the tables the parser's messages need to name characters the way Python's `unicodedata`
does. It loads nothing from the network and works opened straight from disk.

Model data goes into a `<script type="application/json">` element with `<`, `>`, `&` and the
line separators U+2028/U+2029 escaped, so no metadata value (a file name, a date, a figure)
can end that element or start markup; what the page draws as it is written (the banner, the map,
the history, the probe) comes from the shared templates, which escape every value
(repl/templating.py); what its script draws it builds as DOM nodes, text set as text.

The map of the domain (core/domain_map.py) covers every pair of a 2-term domain, or of the
first two operands with the others fixed at 0.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files

import numpy as np

from ..core.answer import Predictor
from ..core.atomic import write_bytes
from ..core.confidence import ConfidenceRule
from ..core.domain import VOCABULARY
from ..core.domain_map import IMAGE_CELLS, DomainMap, MapError, map_domain
from ..core.forward import WEIGHT_NAMES
from ..core.history import History, HistoryError, read_history
from ..core.modelfile import ModelFile, answer_order, question_align
from ..core.parse import MAX_INPUT_CHARS
from ..core.probe import Probe, ProbeError
from ..core.probe import probe as run_probe
from ..core.trace import LEVEL_EDGES
from . import html
from .templating import escape, render, sources
from .text import percent

TEMPLATE_DIR = "web"
DATA_MARK = "/*SEQSUM:DATA*/"
BANNER_MARK = "/*SEQSUM:BANNER*/"
DRAWN_MARK = "/*SEQSUM:DRAWN*/"
ABOUT_MARK = "/*SEQSUM:ABOUT*/"
STYLE_MARK = "/*SEQSUM:STYLE*/"
SCRIPT_MARK = "/*SEQSUM:SCRIPT*/"
POLICY_MARK = "/*SEQSUM:POLICY*/"
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_MAX_PREFIX = 90  # front coding of character names: longest shared prefix one symbol can say


def _template(name: str) -> str:
    return (files(__package__) / TEMPLATE_DIR / name).read_text(encoding="utf-8")


def script_json(value) -> str:
    """JSON that is safe as the text of a <script> element: nothing in it can close the element."""
    text = json.dumps(_finite(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda match: _JSON_ESCAPES[match.group()], text)


def _finite(value):
    """`value` with NaN and infinities (which JSON cannot carry) replaced by null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _ranges(code_points: list[int]) -> list[int]:
    """Sorted code points -> flat [start, count, start, count, ...] of their runs."""
    out: list[int] = []
    for cp in code_points:
        if out and out[-2] + out[-1] == cp:
            out[-1] += 1
        else:
            out += [cp, 1]
    return out


@functools.cache
def character_tables() -> dict:
    """What the parser's messages need to name any character as core/parse.py does.

    `code`: characters shown as U+XXXX (not printable, or a space); `numeric`: Unicode digits and
    other characters with a numeric value; `serial`: runs named PREFIX-XXXX after their code point
    (CJK ideographs and the like); `names`: every other name, front coded (one symbol saying how
    many leading characters it shares with the previous name, then the rest, then `|`), for the
    code points listed in `named`. Built from this Python's unicodedata, so the page and the CLI
    that wrote it agree.
    """
    code, numeric, named, serial, names = [], [], [], [], []
    previous = ""
    for cp in range(0x110000):
        ch = chr(cp)
        if not ch.isprintable() or ch.isspace():
            code.append(cp)
        if unicodedata.category(ch) == "Nd" or unicodedata.numeric(ch, None) is not None:
            numeric.append(cp)
        name = unicodedata.name(ch, None)
        if name is None:
            continue
        suffix = f"-{cp:04X}"
        if name.endswith(suffix):
            prefix = name[: -len(suffix)]
            if serial and serial[-1][0] + serial[-1][1] == cp and serial[-1][2] == prefix:
                serial[-1][1] += 1
            else:
                serial.append([cp, 1, prefix])
            continue
        shared = min(len(os.path.commonprefix([previous, name])), _MAX_PREFIX)
        names.append(chr(ord("#") + shared) + name[shared:] + "|")
        named.append(cp)
        previous = name
    return {
        "code": _ranges(code),
        "numeric": _ranges(numeric),
        "serial": [value for run in serial for value in run],
        "named": _ranges(named),
        "names": "".join(names),
        "prefix_base": ord("#"),
        "unicode_version": unicodedata.unidata_version,
    }


def _weights(model: ModelFile) -> dict:
    """Each weight as {shape, data}: float32 little-endian bytes in base64."""
    out = {}
    for name in WEIGHT_NAMES:
        array = np.ascontiguousarray(model.network.weights[name], dtype="<f4")
        out[name] = {"shape": list(array.shape), "data": base64.b64encode(array.tobytes()).decode("ascii")}
    return out


@dataclass(frozen=True)
class Drawn:
    """What the page shows that was drawn when it was written: the map of the domain, the
    training history and the probe, each None when the page goes without it."""

    map: DomainMap | None = None
    history: History | None = None
    probe: Probe | None = None


def page_data(model: ModelFile, source: str, drawn: Drawn) -> dict:
    """Everything the page's script reads: the model, its display metadata, the name tables,
    the templates it draws answers and traces from, the history's records for programs."""
    meta = model.meta
    rule = ConfidenceRule.from_meta(meta)
    checked_by_table = model.table is not None  # no confidence level skips a lookup
    return {
        "model": {
            "file": model.path.name,
            "source": source,
            "created": meta.get("created"),
            "figures": meta.get("figures"),
            "parameters": model.parameters,
            "units": model.network.units,
        },
        "domain": model.domain.to_dict(),
        "answer_order": answer_order(meta),
        "question_align": question_align(meta),
        "threshold": rule.threshold,
        "sure": None if checked_by_table else rule.sure,
        "glance": None if checked_by_table else rule.glance,
        "vocabulary": VOCABULARY,
        "max_input_chars": MAX_INPUT_CHARS,
        "weights": _weights(model),
        "characters": character_tables(),
        "templates": sources(),
        "levels": list(LEVEL_EDGES),
        "map": drawn.map.to_dict() if drawn.map else None,
        "history": drawn.history.to_records() if drawn.history else None,
    }


def _policy(script: str, style: str) -> str:
    """A Content-Security-Policy that lets the browser run this page's own script and style and
    nothing else: no other script, no loads of any kind."""
    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    return f"default-src 'none'; script-src {digest(script)}; style-src {digest(style)}"


def drawn_html(model: ModelFile, drawn: Drawn) -> str:
    """The page's map, history and probe sections, from the shared templates."""
    name = model.path.name
    parts = []
    if drawn.map:
        parts.append('<section class="drawn-map"><h2>Map of the domain</h2>'
                     + render("map", html.map_view(drawn.map, f"map of {name}"))
                     + "<p class=\"notes\">Click or tap a cell to try its sum"
                     + (" (the first pair of its block)." if drawn.map.block > 1 else ".") + "</p></section>")
    if drawn.history:
        parts.append("<section><h2>How it learned</h2>"
                     + render("history", html.history_view(drawn.history, f"the training of {name}"))
                     + "</section>")
    if drawn.probe:
        parts.append("<section><h2>What its encoder knows</h2>"
                     + render("probe", html.probe_view(drawn.probe, f"probe of {name}")) + "</section>")
    return "".join(parts)


def about_text(model: ModelFile) -> str:
    meta = model.meta
    created = meta.get("created") if isinstance(meta.get("created"), str) else "unknown"
    aligned = "right-aligned" if question_align(meta) == "right" else "left-aligned"
    written = "last character first" if answer_order(meta) == "reversed" else "first character first"
    return (f"{model.parameters:,} parameters, {model.network.units} LSTM units, questions read {aligned}, "
            f"answers written {written}; unsure below {percent(ConfidenceRule.from_meta(meta).threshold)} "
            f"agreement; created {created}; names characters as Unicode {unicodedata.unidata_version}.")


def page_html(model: ModelFile, source: str = "--model", drawn: Drawn = Drawn()) -> str:
    """The whole page as one HTML document. Each mark of the page template is replaced once, in
    one pass: nothing put in (a file name, a date) is searched for marks."""
    script = html.views_script() + "\n" + _template("seqsum.js")
    style = html.stylesheet() + _template("page.css")
    if "</" in script or "</" in style:
        raise ValueError("a page template would end its own element early")
    filled = {
        POLICY_MARK: _policy(script, style), STYLE_MARK: style, SCRIPT_MARK: script,
        BANNER_MARK: render("banner", html.banner_view(model, source)),
        DRAWN_MARK: drawn_html(model, drawn), ABOUT_MARK: escape(about_text(model)),
        DATA_MARK: script_json(page_data(model, source, drawn)),
    }
    pieces = re.split(r"(/\*SEQSUM:[A-Z]+\*/)", _template("page.html"))
    return "".join(filled.get(piece, piece) for piece in pieces)


@dataclass(frozen=True)
class WrittenPage:
    size: int  # bytes
    no_map: str | None  # why the page has no map although one was asked for; None otherwise
    no_probe: str | None = None  # why it has no probe


def write_page(path: os.PathLike | str, model: ModelFile, source: str = "--model",
               map_predictor: Predictor | None = None,
               progress: Callable[[int, int], None] | None = None, probe: bool = True) -> WrittenPage:
    """Write the page atomically, with the map `map_predictor` answers (none without one), the
    model's training history when it recorded one, and the probe of its encoder (unless not
    `probe`).

    A domain too large to map still gets its page, without the map: `no_map` says why; likewise
    a model the probe cannot score (`no_probe`), or whose history is damaged (left out).
    """
    domain_map, no_map, found, no_probe = None, None, None, None
    if map_predictor is not None:
        try:
            domain_map = map_domain(map_predictor, fixed=0, max_cells=IMAGE_CELLS, progress=progress)
        except MapError as error:
            no_map = str(error)
    if probe:
        try:
            found = run_probe(model.network, model.domain, model.heldout_rule)
        except ProbeError as error:
            no_probe = str(error)
    try:
        history = read_history(model)
    except HistoryError:
        history = None
    data = page_html(model, source, Drawn(domain_map, history, found)).encode("utf-8")
    write_bytes(path, data)
    return WrittenPage(len(data), no_map, no_probe)
