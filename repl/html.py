"""What the web page and the notebook show, as views of the shared templates (repl/templating.py):
the banner, an answer with its bar charts, the map of the domain, a trace, a training history and
a probe. Each `*_view` turns seqsum's data into the strings a template puts; the page's script
builds the answer's and the trace's views the same way (repl/web/views.js), from the same data.

`stylesheet()` is the page's and the notebook's one set of styles (components.css, with the
colours of repl.palette and core.domain_map), and `fragment()` wraps a rendered view for a
notebook cell: scoped to class "seqsum", nothing loaded from anywhere.
"""

from __future__ import annotations

import functools
import json
import math
import uuid
from importlib.resources import files

import numpy as np

from ..core.answer import Answer
from ..core.domain import VOCABULARY
from ..core.domain_map import CATEGORIES, COLOURS, FORGOTTEN_COLOUR, DomainMap
from ..core.history import History
from ..core.probe import Probe
from ..core.trace import LEVEL_EDGES, level_ranges
from .learning_view import with_forgotten
from .map_view import FORGOTTEN_NAME
from .palette import STATE_COLOURS, SUM_COLOURS, sum_level, sum_ranges
from .render import checks_text
from .replay import heading
from .templating import render, sources
from .text import ordinal, percent, plural, shown, shown_answer


def _number(value: float, places: int = 2) -> str:
    """A coordinate for an SVG attribute: at most `places` decimals, no trailing zeros."""
    text = f"{value + 0.0:.{places}f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _verdict(correct: bool) -> dict:
    return {
        "verdict": "✓" if correct else "✗",
        "verdict_class": "ok" if correct else "wrong",
        "verdict_text": "right" if correct else "wrong",
    }


def banner_view(model, source: str) -> dict:
    recorded = model.recorded_exact_match()
    return {
        "file": model.path.name,
        "source": source,
        "domain": model.domain.describe(),
        "exact": percent(recorded[0]) if recorded else "",
    }


def answer_view(answer: Answer, text: str | None = None) -> dict:
    """An answer as the page shows it: the answer beside the true sum, the measures, and a bar
    chart of every symbol's probability at every position (repl/web/views.js: answerView)."""
    distribution = answer.distribution
    positions = []
    for position, char in enumerate(answer.chars):
        rows = [
            {
                "symbol": shown(symbol),
                "p": percent(float(p)),
                "width": f"{100 * float(p):.2f}",
                "row_class": "row top" if symbol == char else "row",
            }
            for symbol, p in zip(VOCABULARY, distribution[position])
        ]
        positions.append({"number": position + 1, "char": shown(char), "rows": rows})
    return {
        "input": answer.expression if text is None else text,
        "prediction": shown_answer(answer.prediction),
        "truth": answer.truth,
        **_verdict(answer.correct),
        "confidence": percent(answer.confidence),
        "agreement_text": checks_text(answer),
        "unsure": answer.low_confidence,
        "positions": positions,
    }


def runs(cells: np.ndarray, skip: int | None = None) -> list[dict]:
    """Rows of cells as rectangles of one class each, left to right (repl/web/views.js: runs),
    leaving out the class `skip` (a picture's empty cells)."""
    out = []
    for y, row in enumerate(np.asarray(cells).tolist()):
        start = 0
        for x in range(1, len(row) + 1):
            if x == len(row) or row[x] != row[start]:
                if row[start] != skip:
                    out.append({"x": start, "y": y, "width": x - start, "category": row[start]})
                start = x
    return out


def _tick_step(cells: int, room: float) -> int:
    """Label every 1, 2, 5, 10, 20, 50 ... cells: at most ten labels an axis, each with `room`."""
    for power in (1, 10, 100, 1000):
        for step in (1, 2, 5):
            if cells / (step * power) <= 10 and step * power >= room:
                return step * power
    return 10_000


def map_view(domain_map: DomainMap, title: str, forgotten: int | None = None) -> dict:
    """The map as the page draws it: its cells as runs of one class in an SVG grid, tick labels,
    the legend with counts and the notes (cells of class 4 are forgotten ones, counted by
    `forgotten`)."""
    rows, columns = domain_map.cells.shape
    font = max(rows, columns) / 28  # the same size on screen, whatever the map's size
    label = len(str(domain_map.span(rows - 1)[0])) * font * 0.62
    margin = label + font * 0.6
    step = _tick_step(max(rows, columns), label + font)
    ticks = [
        {"x": _number(i + 0.5), "y": _number(-font * 0.45), "anchor": "middle", "text": domain_map.span(i)[0]}
        for i in range(0, columns, step)
    ]
    ticks += [
        {
            "x": _number(-font * 0.35),
            "y": _number(i + 0.5 + font * 0.35),
            "anchor": "end",
            "text": domain_map.span(i)[0],
        }
        for i in range(0, rows, step)
    ]
    names = [*CATEGORIES, *([FORGOTTEN_NAME] if forgotten is not None else [])]
    counts = [*domain_map.counts.tolist(), *([forgotten] if forgotten is not None else [])]
    return {
        "title": f"{title}: first operand down, second across",
        "rows": rows,
        "columns": columns,
        "block": domain_map.block,
        "terms": domain_map.domain.terms,
        "others": domain_map.fixed or 0,
        "viewbox": " ".join(
            _number(v) for v in (-margin, -font * 1.4, columns + margin + 0.5, rows + font * 1.4 + 0.5)
        ),
        "font": _number(font),
        "label": f"map of {rows} by {columns} cells; counts below",
        "ticks": ticks,
        "runs": runs(domain_map.cells),
        "legend": [
            {"category": k, "name": name, "count": plural(count, domain_map.counted[:-1])}
            for k, (name, count) in enumerate(zip(names, counts))
        ],
        "notes": domain_map.notes,
    }


def _state_cells(h: list[float], c: list[float]) -> list[dict]:
    levels = np.digitize(h, LEVEL_EDGES).tolist()
    return [
        {"level": level, "title": f"unit {unit}: h {hv + 0.0:.4f}, c {cv + 0.0:.4f}"}
        for unit, (level, hv, cv) in enumerate(zip(levels, h, c))
    ]


def trace_view(traced: dict) -> dict:
    """A trace (core.trace.Trace.to_dict()) as the page shows it, step by step
    (repl/web/views.js: traceView)."""

    def gates(step: dict) -> str:
        means = {name: sum(values) / len(values) for name, values in step["gates"].items()}
        return (
            f"in {means['input'] + 0.0:+.2f} · forget {means['forget'] + 0.0:+.2f} · "
            f"cand {means['candidate'] + 0.0:+.2f} · out {means['output'] + 0.0:+.2f}"
        )

    def top(step: dict) -> str:
        order = sorted(range(len(step["probabilities"])), key=lambda s: -step["probabilities"][s])[:3]
        return "  ".join(
            f"{shown(traced['vocabulary'][s])} {percent(step['probabilities'][s])}" for s in order
        )

    encoder, decoder = traced["encoder"], traced["decoder"]
    width = len(decoder)
    correct = traced["prediction"] == str(traced["truth"])
    return {
        "title": f"trace of {traced['input'].strip()}",
        "question": "".join(map(shown, traced["question"])),
        "symbols": len(traced["question"]),
        "units": len(encoder[0]["h"]),
        "steps": len(encoder) + 1 + width,
        "encoder": [
            {
                "index": t + 1,
                "char": shown(s["char"]),
                "cells": _state_cells(s["h"], s["c"]),
                "note": gates(s),
            }
            for t, s in enumerate(encoder)
        ],
        "context_step": len(encoder) + 1,
        "context": _state_cells(encoder[-1]["h"], encoder[-1]["c"]),
        "order": "last character first" if traced["answer_order"] == "reversed" else "first character first",
        "decoder": [
            {
                "index": len(encoder) + 2 + t,
                "char": shown(s["char"]),
                "position": f"{ordinal(s['position'] + 1)} of {width}",
                "cells": _state_cells(s["h"], s["c"]),
                "note": top(s),
            }
            for t, s in enumerate(decoder)
        ],
        "legend": [{"level": level, "range": text} for level, text in enumerate(level_ranges())],
        "prediction": shown_answer(traced["prediction"]),
        "truth": traced["truth"],
        **_verdict(correct),
    }


def _points(values: list[float | None], low: float, high: float) -> str:
    """An SVG polyline's points for one value per epoch, `low` at the bottom (y 50)."""
    span = (high - low) or 1.0
    count = max(1, len(values) - 1)
    return " ".join(
        f"{_number(100 * i / count)},{_number(50 - 50 * (v - low) / span)}"
        for i, v in enumerate(values)
        if v is not None
    )


def history_view(history: History, title: str) -> dict:
    """A training history: the kept epoch's map, watched sums and curves, the watched sums' story
    over every epoch, and every epoch's frame as data for the slider (repl/web/views.js)."""
    kept = (history.best_epoch or history.epochs) - 1
    losses = [history.figure(i, "loss") for i in range(history.epochs)]
    logs = [math.log(v) if v and v > 0 else None for v in losses]
    known = [v for v in logs if v is not None] or [0.0]
    frames = []
    for index in range(history.epochs):
        lost = history.forgotten_at(index)
        cells = np.where(lost, len(CATEGORIES), history.frames[index])
        counts = [
            *np.bincount(history.frames[index].ravel(), minlength=len(CATEGORIES)).tolist(),
            int(lost.sum()),
        ]
        frames.append(
            {
                "heading": heading(history, index),
                "cells": "".join(map(str, cells.ravel().tolist())),
                "counts": [plural(n, history.map_at(index).counted[:-1]) for n in counts],
                "watched": [_watched(w) for w in history.watched_at(index)],
                "now": _number(100 * index / max(1, history.epochs - 1)),
            }
        )
    lost = history.forgotten_at(kept)
    shown_map = with_forgotten(history.map_at(kept), lost)
    watched_rows = {}
    for index in range(history.epochs):
        for w in history.watched_at(index):
            watched_rows.setdefault(w["input"], [None] * history.epochs)[index] = _watched(w)
    story = [
        {"input": text, "answers": [a or {"prediction": "", "verdict_class": ""} for a in answers]}
        for text, answers in watched_rows.items()
    ]
    return {
        "title": title,
        "epochs": history.epochs,
        "kept": kept + 1,
        "heading": frames[kept]["heading"],
        "frames": json.dumps(
            {"rows": int(history.frames.shape[1]), "columns": int(history.frames.shape[2]), "frames": frames},
            separators=(",", ":"),
        ),
        "map": map_view(shown_map, "the map", int(lost.sum())),
        "watched": frames[kept]["watched"],
        "exact_points": _points(
            [history.figure(i, "heldout_exact") for i in range(history.epochs)], 0.0, 1.0
        ),
        "loss_points": _points(logs, min(known), max(known)),
        "now": frames[kept]["now"],
        "epoch_numbers": [str(i + 1) for i in range(history.epochs)],
        "story": story,
    }


def _watched(w: dict) -> dict:
    return {"input": w["input"], "prediction": shown_answer(w["prediction"]), **_verdict(w["correct"])}


def probe_view(probe: Probe, title: str) -> dict:
    """The probe's read-outs and its picture of the states (repl.probe_view draws the same for
    a terminal)."""

    def score(readout, value: float) -> str:
        return f"{value:.3f}" if readout.measure == "R²" else percent(value)

    grid = probe.picture.grid(48, 48)
    largest = probe.picture.largest_sum
    empty = len(SUM_COLOURS)
    levels = np.array([[empty if math.isnan(v) else sum_level(v, largest) for v in row] for row in grid])
    return {
        "title": title,
        "trained": f"{probe.trained:,}",
        "heldout": f"{probe.heldout:,}",
        "readouts": [
            {
                "target": r.target,
                "measure": r.measure,
                "learned": score(r, r.learned),
                "untrained": score(r, r.untrained),
                "chance": score(r, r.chance),
            }
            for r in probe.readouts
        ],
        "across": percent(probe.picture.explained[0]),
        "up": percent(probe.picture.explained[1]),
        "rows": 48,
        "columns": 48,
        "runs": runs(levels, skip=empty),
        "legend": [{"level": k, "range": sums} for k, sums in enumerate(sum_ranges(largest))],
    }


@functools.cache
def stylesheet() -> str:
    """The styles of every view, with each class's colour from the palettes."""
    rules = [
        f".seqsum .c{k} {{ fill: {colour}; background: {colour}; }}"
        for k, colour in enumerate([*COLOURS, FORGOTTEN_COLOUR])
    ]
    rules += [
        f".seqsum .v{k} {{ fill: {colour}; background: {colour}; }}" for k, colour in enumerate(STATE_COLOURS)
    ]
    rules += [
        f".seqsum .s{k} {{ fill: {colour}; background: {colour}; }}" for k, colour in enumerate(SUM_COLOURS)
    ]
    base = (files(__package__) / "web" / "components.css").read_text(encoding="utf-8")
    return base + "\n" + "\n".join(rules) + "\n"


@functools.cache
def views_script() -> str:
    return (files(__package__) / "web" / "views.js").read_text(encoding="utf-8")


def fragment(name: str, view: dict, interactive: bool = False) -> str:
    """A rendered view for a notebook cell: in a block of class "seqsum" with the styles, and for
    the interactive views (a trace's steps, a history's slider) the script that drives them."""
    block = f"seqsum-{uuid.uuid4().hex[:12]}"
    html = f'<div class="seqsum" id="{block}"><style>{stylesheet()}</style>{render(name, view)}</div>'
    if interactive:
        templates = json.dumps({k: sources()[k] for k in ("map-cells",)}).replace("<", "\\u003c")
        html += (
            f"<script>{views_script()}\nseqsumViews.enhance(document.getElementById({json.dumps(block)}), "
            f"{templates});</script>"
        )
    return html
