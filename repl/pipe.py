"""Batch mode: expressions from a pipe or file, one result per non-blank line, in order.

Reading uses os.read on the raw descriptor, which returns whatever has arrived: a slow producer
(`tail -f`) gets each answer as soon as its line is complete, a fast one is answered in large
batches. A line longer than MAX_LINE_BYTES is refused as soon as it passes that length and the
rest of it is skipped without being stored, so a 1 MB line costs nothing.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..core.answer import Predictor
from ..core.parse import MAX_INPUT_CHARS, ParseError, parse_expression
from ..core.printable import visible
from . import render
from .style import color_enabled, paint

MAX_LINE_BYTES = MAX_INPUT_CHARS * 4  # generous for UTF-8; longer lines are refused unread
CHUNK = 1 << 16
ANSWER_PART = 2048
"""Tuples a background thread answers at a time while the pipe formats earlier ones."""


@functools.cache
def _answer_pool() -> ThreadPoolExecutor:
    """Threads answering a large batch's parts; the Predictor is safe to share (core.answer).
    Not the forward pass's own pool: a part without an answer table sends its related sums there
    and waits for them, which would deadlock a pool whose threads all wait."""
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="answer")


@dataclass
class Line:
    number: int
    text: str  # decoded text without its line ending, undecodable bytes replaced
    error: str | None = None


def split_lines(chunks: Iterable[bytes]) -> Iterator[list[Line]]:
    """Bytes as they arrive -> batches of complete, numbered, non-blank lines."""
    pending = b""
    number = 0
    skipping_long = False
    for chunk in chunks:
        batch: list[Line] = []
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                rest = chunk[start:]
                if skipping_long:
                    pass
                elif len(pending) + len(rest) > MAX_LINE_BYTES:
                    number += 1
                    batch.append(_too_long(number, pending + rest))
                    pending, skipping_long = b"", True
                else:
                    pending += rest
                break
            piece = chunk[start:end]
            start = end + 1
            if skipping_long:
                skipping_long = False
                continue
            line = _decode(number + 1, pending + piece)
            pending = b""
            number += 1
            if line is not None:
                batch.append(line)
        if batch:
            yield batch
    if pending and not skipping_long:
        line = _decode(number + 1, pending)
        if line is not None:
            yield [line]


def _too_long(number: int, head: bytes) -> Line:
    preview = head[:20].decode("utf-8", "replace")
    return Line(
        number,
        preview,
        f"input too long (more than {MAX_LINE_BYTES:,} bytes); the rest of the line was skipped",
    )


def _decode(number: int, raw: bytes) -> Line | None:
    """A Line, or None for a blank one (blank lines are skipped but still counted)."""
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = raw[error.start : error.start + 1].hex()
        return Line(
            number,
            raw.decode("utf-8", "replace"),
            f"not valid UTF-8 (byte 0x{bad} at byte {error.start + 1})",
        )
    if not text.strip(" \t"):
        return None
    return Line(number, text)


def read_chunks(stream) -> Iterator[bytes]:
    """Bytes from `stream` as soon as they arrive (os.read on its descriptor when it has one)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    if fd is None:  # an in-memory stream, as under click's CliRunner
        source = getattr(stream, "buffer", stream)
        while chunk := source.read(CHUNK):
            yield chunk if isinstance(chunk, bytes) else chunk.encode()
        return
    while True:
        try:
            chunk = os.read(fd, CHUNK)
        except InterruptedError:
            continue
        if not chunk:
            return
        yield chunk


class PipeWriter:
    """Writes results and errors for batches of lines; counts rejections for the exit status.

    The output for an operand tuple depends only on the tuple (the network is deterministic),
    so it is formatted once and reused: a pipe of 100,000 sums over the default domain formats at
    most 10,000. Only JSON's "input" field, the line as typed, is added per line.
    """

    FORMATTED_LIMIT = 200_000

    def __init__(self, predictor: Predictor, out, err, as_json: bool, label: str = "line"):
        self.predictor, self.out, self.err, self.as_json = predictor, out, err, as_json
        self.label = label
        self.rejected = 0
        self.answered = 0
        self.color = color_enabled(out)
        self.formatted: dict[tuple[int, ...], str] = {}

    def _format(self, operands: list[tuple[int, ...]]) -> None:
        """Format every tuple not formatted yet.

        A large batch is answered in parts by background threads while this one formats the
        parts already answered: the network's NumPy work runs beside the formatting's Python.
        """
        new = list(dict.fromkeys(t for t in operands if t not in self.formatted))
        if not new:
            return
        if len(self.formatted) + len(new) > self.FORMATTED_LIMIT:
            self.formatted.clear()
        parts = [new[start : start + ANSWER_PART] for start in range(0, len(new), ANSWER_PART)]
        answered = _answer_pool().map(self.predictor.answer, parts) if len(parts) > 1 else [
            self.predictor.answer(new)]
        for part, answers in zip(parts, answered):
            self.formatted.update(zip(part, self._texts(answers)))

    def _texts(self, answers) -> list[str]:
        if self.as_json:
            return render.json_tails(answers)
        return render.one_lines(answers, self.color)

    def write_batch(self, lines: list[Line]) -> None:
        domain = self.predictor.domain
        parsed: list[tuple[int, ...] | None] = []
        for line in lines:
            if line.error is None:
                try:
                    parsed.append(parse_expression(line.text, domain))
                    continue
                except ParseError as error:
                    line.error = str(error)
            parsed.append(None)
        self._format([p for p in parsed if p is not None])
        out_lines: list[str] = []
        for line, operands in zip(lines, parsed):
            if operands is not None:
                text = self.formatted[operands]
                out_lines.append(render.json_record(line.text, text) if self.as_json else text)
                self.answered += 1
                continue
            self.rejected += 1
            if self.as_json:
                out_lines.append(render.json_error(line.text, line.number, line.error))
            else:
                if out_lines:  # keep stdout and stderr in input order on a shared terminal
                    self.out.write("\n".join(out_lines) + "\n")
                    self.out.flush()
                    out_lines = []
                self.err.write(paint(f"{self.label} {line.number}: {visible(line.error)}", "red", self.err)
                               + "\n")
                self.err.flush()
        if out_lines:
            self.out.write("\n".join(out_lines) + "\n")
        self.out.flush()


def run_pipe(predictor: Predictor, stream, out, err, as_json: bool) -> int:
    """Answer every line arriving on `stream`; exit status 0 if all were answered, else 1."""
    writer = PipeWriter(predictor, out, err, as_json)
    for batch in split_lines(read_chunks(stream)):
        writer.write_batch(batch)
    return 1 if writer.rejected else 0


def run_expressions(predictor: Predictor, expressions: list[str], out, err, as_json: bool) -> int:
    """`-e EXPR ...`: the same output as the pipe, numbered by position on the command line."""
    writer = PipeWriter(predictor, out, err, as_json, label="expression")
    lines = [Line(i, text) for i, text in enumerate(expressions, start=1)]
    writer.write_batch(lines)
    return 1 if writer.rejected else 0
