"""How answers look: detailed for a person at the REPL, one line for pipes, JSON Lines for programs.

Rendering works on core.answer.Answer views and produces prompt-toolkit style fragments
[(style, text), ...]; `ansi()` and `plain()` turn fragments into text for streams, so the REPL,
`-e` at a terminal and the pipe draw from one source.
"""

from __future__ import annotations

import json

import numpy as np

from ..core.answer import Answer, AnswerBatch
from ..core.distinct import each_distinct
from ..core.domain import SYMBOLS, VOCABULARY
from ..core.printable import visible, visible_json
from .style import ansi_styled, ansi_text
from .text import percent, percents, shown, shown_answer

Fragments = list[tuple[str, str]]

BLOCKS = " ▏▎▍▌▋▊▉█"
_SHOWN_SYMBOLS = np.array([shown(symbol) for symbol in SYMBOLS], dtype=object)  # by symbol index
RUNNER_UP_BELOW = 0.9
"""The detailed view lists a position's runner-up symbols when its top symbol is less sure."""


def bar(p: float, width: int = 10) -> str:
    """A proportional bar of `width` cells with eighth-cell resolution."""
    eighths = int(round(max(0.0, min(1.0, p)) * width * 8))
    full, part = divmod(eighths, 8)
    text = "█" * full + (BLOCKS[part] if part else "")
    return text.ljust(width)


def plain(fragments: Fragments) -> str:
    return "".join(text for _, text in fragments)


def text_for(fragments: Fragments, color: bool) -> str:
    """Fragments as text for a stream: with ANSI colour codes when `color`, else plain."""
    return ansi(fragments) if color else plain(fragments)


def ansi(fragments: Fragments) -> str:
    """Fragments as text with ANSI colour codes, for a terminal outside prompt-toolkit."""
    return "".join(ansi_text(text, style) for style, text in fragments)


def _verdict(answer: Answer) -> Fragments:
    return [("class:ok", "✓")] if answer.correct else [("class:wrong", "✗")]


def _unsure(answer: Answer) -> Fragments:
    return [("", "  "), ("class:unsure", "unsure")] if answer.low_confidence else []


def one_lines(answers: AnswerBatch, color: bool) -> list[str]:
    """Each answer on one line, for pipes, in ANSI colours when `color`:

    `37+68 = 105 ✓ true 105  confidence 99.2%  agreement 100.0%  chars 1:99.9% 0:99.8% 5:99.5%`

    Built column by column, since a pipe formats thousands of answers at once.
    """
    style = ansi_styled if color else (lambda text, name: text)
    verdicts = (style("✗", "wrong"), style("✓", "ok"))
    unsure = ("", "  " + style("unsure", "unsure"))
    chars = _SHOWN_SYMBOLS[answers.top_index] + ":" + percents(answers.top_probability)
    return [
        f"{'+'.join(map(str, operands))} = {style(shown_answer(prediction), 'prediction')} "
        f"{verdicts[correct]} true {truth}  confidence {confidence}  agreement {agreement}"
        f"{unsure[low]}{style('  chars ' + ' '.join(written), 'dim')}"
        for operands, prediction, correct, truth, confidence, agreement, low, written in zip(
            answers.operands.tolist(), answers.predictions, answers.correct.tolist(),
            answers.truths.tolist(), percents(answers.confidence).tolist(),
            percents(answers.agreement).tolist(), answers.low_confidence.tolist(), chars.tolist(),
            strict=True)
    ]


def checks_text(answer: Answer) -> str:
    """How an answer was checked: "100.0% of 81 related sums agree", or why none was asked."""
    if answer.checks == 1:
        return f"its one related sum asked {'agrees' if answer.agreement == 1 else 'disagrees'}"
    if answer.checks:
        return f"{percent(answer.agreement)} of {answer.checks} related sums agree"
    if answer.sure is not None and answer.confidence >= answer.sure:
        return f"at least {percent(answer.sure)} sure, so no related sum was asked"
    return "no related sum to check"


def detailed(answer: Answer) -> Fragments:
    """The REPL's view: answer beside the truth, confidence, and a bar per written character."""
    verdict = "right" if answer.correct else "wrong"
    out: Fragments = [
        ("", "  network "),
        ("class:prediction", shown_answer(answer.prediction)),
        ("", "  "),
        *_verdict(answer),
        ("", f" {verdict}, true sum {answer.truth}"),
        ("class:dim", f"   confidence {percent(answer.confidence)}, " + checks_text(answer)),
        *_unsure(answer),
        ("", "\n"),
    ]
    for position, (ch, p) in enumerate(zip(answer.chars, answer.char_probabilities)):
        out += [
            ("", f"    {shown(ch)} "),
            ("class:bar", bar(p)),
            ("", f" {percent(p):>6}"),
        ]
        if p < RUNNER_UP_BELOW:
            runners = ", ".join(f"{shown(c)} {percent(q)}" for c, q in answer.alternatives(position))
            out.append(("class:unsure", f"   runner-up {runners}"))
        out.append(("", "\n"))
    return out


def distribution(answer: Answer, width: int = 10) -> Fragments:
    """The full softmax at every answer position, side by side, as the original experiment's
    web demo drew it."""
    dist = answer.distribution
    positions = dist.shape[0]
    header = "      " + "".join(
        f"position {i + 1} ({shown(answer.chars[i])})".ljust(width + 10) for i in range(positions)
    )
    out: Fragments = [("class:dim", header.rstrip() + "\n")]
    for symbol_index, symbol in enumerate(VOCABULARY):
        out.append(("", f"   {shown(symbol)}  "))
        for position in range(positions):
            p = float(dist[position, symbol_index])
            style = "class:prediction" if answer.chars[position] == symbol else "class:bar"
            out += [(style, bar(p, width)), ("", f" {percent(p):>6}   ")]
        out.append(("", "\n"))
    return out


_JSON_BOOL = ("false", "true")


def _json_floats(values: np.ndarray) -> list:
    """The text json.dumps writes for each value rounded to 6 decimals, nested as `values`.

    np.round(x, 6) is rint(x * 1e6) / 1e6, so each distinct rounded value is formatted once: a
    trained model's probabilities repeat a few values (0.999999, 1e-06, ...) across a batch.
    """
    return each_distinct(np.rint(np.asarray(values, np.float64) * 1e6), lambda k: repr(k / 1e6))


def json_tails(answers: AnswerBatch, alternatives: int = 3) -> list[str]:
    """Each answer's JSON record without its "input" field (which depends on how it was typed).

    Exactly what json.dumps(record, ensure_ascii=False) wrote for it, built column-wise with
    string formatting for throughput (json.dumps cost more than the network per record): symbols
    and predictions hold only VOCABULARY characters, which JSON never escapes. The pipe caches
    tails per operand tuple and completes them with `json_record`.
    """
    ranks = answers.ranking[:, :, 1 : 1 + alternatives]
    n, width, shown_alternatives = ranks.shape
    fields = np.empty((n, width, 2 + 2 * shown_alternatives), dtype=object)  # char, p, (char, p)...
    fields[:, :, 0] = SYMBOLS[answers.top_index]
    fields[:, :, 1] = _json_floats(answers.top_probability)
    fields[:, :, 2::2] = SYMBOLS[ranks]
    fields[:, :, 3::2] = _json_floats(np.take_along_axis(answers.probabilities, ranks, -1))
    pairs = ", ".join(['["%s", %s]'] * shown_alternatives)
    char_format = '{"char": "%s", "p": %s, "alternatives": [' + pairs + "]}"
    chars = [char_format % tuple(f) for f in fields.reshape(n * width, -1).tolist()]
    row_format = ('"operands": [%s], "prediction": "%s", "truth": %d, "correct": %s, "confidence": %s, '
                  '"agreement": %s, "low_confidence": %s, "chars": [%s]}')
    return [
        row_format % (", ".join(map(str, operands)), prediction, truth, _JSON_BOOL[correct], confidence,
                      agreement, _JSON_BOOL[low], ", ".join(chars[row * width : (row + 1) * width]))
        for row, (operands, prediction, truth, correct, confidence, agreement, low) in enumerate(zip(
            answers.operands.tolist(), answers.predictions, answers.truths.tolist(), answers.correct.tolist(),
            _json_floats(answers.confidence), _json_floats(answers.agreement),
            answers.low_confidence.tolist(), strict=True))
    ]


def json_record(text: str, tail: str) -> str:
    """`{"input": text, ...tail}`: the same key order as the documented record. The line as
    typed keeps every character, control characters as \\u escapes (core.printable)."""
    return '{"input": ' + json_string(text) + ", " + tail


def json_string(text: str) -> str:
    """`text` as a JSON string with every non-printable character escaped (core.printable); a
    typed sum (printable ASCII, no quote or backslash) needs no escaping, so the pipe skips the
    encoder for it."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return '"' + text + '"'
    return visible_json(json.dumps(text, ensure_ascii=False))


def json_error(text: str, line: int, reason: str) -> str:
    return visible_json(json.dumps({"input": text, "line": line, "error": reason}, ensure_ascii=False))


def banner(model, source: str) -> Fragments:
    recorded = model.recorded_exact_match()
    quality = f", exact match {percent(recorded[0])}" if recorded else ""
    return [
        ("class:prediction", "seqsum"),
        ("", f" · {visible(model.path.name)} ({source}) · {model.domain.describe()}{quality} · "),
        ("class:dim", ":help"),
        ("", "\n"),
    ]

