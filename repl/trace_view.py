"""A trace on a terminal (`seqsum-repl trace`, `:trace`), as prompt-toolkit fragments, within 100
columns: the question as the network reads it, each encoder step's hidden state as a strip of
coloured cells with its gates' means, the encoder's last state, each decoder step's state with
the character it wrote and its three most probable symbols, and a legend.

A state of 128 units is drawn on two lines of 64 cells (units 0-63, then 64-127), in colour or,
without it, in one character per level (repl.palette).
"""

from __future__ import annotations

import numpy as np

from ..core.trace import Step, Trace, level_ranges, levels
from .palette import STATE_COLOURS, STATE_MARKS
from .render import Fragments
from .text import ordinal, percent, shown

STRIP = 64  # cells per line of a state
LABEL = 13  # columns before a strip; a note of at most 22 after it keeps a step within 100


def strip_lines(values: np.ndarray, color: bool) -> list[Fragments]:
    """A state as lines of STRIP cells, each cell one unit's level."""
    drawn = levels(values)
    lines = []
    for start in range(0, len(drawn), STRIP):
        line: Fragments = []
        for level in drawn[start : start + STRIP].tolist():
            cell = (f"fg:{STATE_COLOURS[level]}", "█") if color else ("", STATE_MARKS[level])
            if line and line[-1][0] == cell[0]:
                line[-1] = (cell[0], line[-1][1] + cell[1])
            else:
                line.append(cell)
        lines.append(line)
    return lines


def _step(labels: list[str], step: Step, notes: list[str], color: bool) -> Fragments:
    """One step: a label, the strip and a note on each of the strip's lines."""
    out: Fragments = []
    for row, line in enumerate(strip_lines(step.h, color)):
        label = labels[row] if row < len(labels) else ""
        note = notes[row] if row < len(notes) else ""
        out += [("", f"{label:<{LABEL}}"), *line, ("class:dim", f" {note}".rstrip()), ("", "\n")]
    return out


def _gate_notes(step: Step) -> list[str]:
    means = step.gate_means()
    return [f"in {means['input']:+.2f} forget {means['forget']:+.2f}",
            f"cand {means['candidate']:+.2f} out {means['output']:+.2f}"]


def legend(color: bool) -> Fragments:
    """What each cell's colour (or character) says about a unit's value."""
    out: Fragments = [("class:dim", "  cells: a unit's value in h (o * tanh(c), from -1 to 1):\n")]
    ranges = level_ranges()
    for first in range(0, len(ranges), 4):
        out.append(("", "   "))
        for level in range(first, min(first + 4, len(ranges))):
            swatch = (f"fg:{STATE_COLOURS[level]}", "██") if color else ("", f" {STATE_MARKS[level]}")
            last = level == min(first + 4, len(ranges)) - 1
            out += [swatch, ("", f" {ranges[level]}" if last else f" {ranges[level]:<15}")]
        out.append(("", "\n"))
    return out


def fragments(trace: Trace, color: bool) -> Fragments:
    units = len(trace.context)
    question = "".join(shown(ch) for ch in trace.question)
    out: Fragments = [
        ("class:prediction", f"trace of {trace.input.strip()}"),
        ("", f": the network reads '{question}' ({len(trace.question)} symbols, ␣ is padding)\n"),
        ("class:dim", f"  encoder: reads one symbol a step into its state; each strip is h after the step,\n"
                      f"  {units} units (0-{STRIP - 1} on the first line); beside it, its gates' means\n"),
    ]
    for number, step in enumerate(trace.encoder, start=1):
        out += _step([f"{number:>2} read '{shown(step.char)}'"], step, _gate_notes(step), color)
    out += [("class:dim", "  the encoder's last h: all the decoder gets, the same vector at every step\n")]
    out += _step([], trace.encoder[-1], [], color)
    width = len(trace.decoder)
    order = "last character first" if trace.answer_order == "reversed" else "first character first"
    out += [("class:dim", f"  decoder: writes one character a step, {order}; h after the step, "
                          "the\n  character written, which of the answer's it is, and the three likeliest "
                          "(in %)\n")]
    for number, step in enumerate(trace.decoder, start=1):
        top = " ".join(f"{shown(ch)} {percent(p).removesuffix('%')}" for ch, p in step.top(3))
        labels = [f"{number:>2} wrote '{shown(step.char)}'", f"   {ordinal(step.position + 1)} of {width}"]
        out += _step(labels, step, ["", top], color)
    out += legend(color)
    verdict = [("class:ok", "✓ right")] if trace.correct else [("class:wrong", "✗ wrong")]
    out += [("", "  the answer: network "), ("class:prediction", trace.prediction or "(blank)"), ("", " "),
            *verdict, ("", f", true sum {trace.truth}\n")]
    return out
