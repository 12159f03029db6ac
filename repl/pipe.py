"""Batch mode: expressions from a pipe or file, one result per non-blank line, in order.

Reading uses os.read on the raw descriptor, which returns whatever has arrived: a slow producer
(`tail -f`) gets each answer as soon as its line is complete, a fast one is answered in large
batches. A line longer than MAX_LINE_BYTES is refused as soon as it passes that length and the
rest of it is skipped without being stored, so a 1 MB line costs nothing.
"""

from __future__ import annotations

import os
import select
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass

from ..core.answer import AnswerBatch, Predictor
from ..core.parse import MAX_INPUT_CHARS, ParseError, parse_expression
from ..core.printable import visible
from . import render
from .errors import EXIT_OK, EXIT_REJECTED
from .style import color_enabled, paint
from .workers import Workers, answer_pool, texts_of

MAX_LINE_BYTES = MAX_INPUT_CHARS * 4  # generous for UTF-8; longer lines are refused unread
CHUNK = 1 << 16
ANSWER_PART = 2048
"""Tuples a background thread answers at a time while the pipe formats earlier ones."""


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


def _descriptor(stream) -> int | None:
    """The stream's file descriptor; None for an in-memory stream, as under click's CliRunner."""
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def read_chunks(stream) -> Iterator[bytes]:
    """Bytes from `stream` as soon as they arrive (os.read on its descriptor when it has one)."""
    fd = _descriptor(stream)
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


@dataclass
class _Batch:
    """Lines parsed, their new tuples sent to be answered, the output not yet written."""

    lines: list[Line]
    parsed: list[tuple[int, ...] | None]
    parts: list[list[tuple[int, ...]]]  # new tuples, in parts of ANSWER_PART
    sent: list[Future] | None = None  # the parts sent to worker processes
    answering: Iterator[AnswerBatch] | None = None  # or being answered by threads


class PipeWriter:
    """Writes results and errors for batches of lines; counts rejections for the exit status.

    The output for an operand tuple depends only on the tuple (the network is deterministic),
    so it is formatted once and reused: a pipe of 100,000 sums over the default domain formats at
    most 10,000. Only JSON's "input" field, the line as typed, is added per line.

    A batch of several parts is answered and formatted by worker processes (repl.workers), and
    while they work on it the next batch is read and parsed, if it has already arrived. Where
    workers cannot run, the parts are answered by threads while this one formats those done.
    """

    FORMATTED_LIMIT = 200_000

    def __init__(self, predictor: Predictor, out, err, as_json: bool, label: str = "line"):
        self.predictor, self.out, self.err, self.as_json = predictor, out, err, as_json
        self.label = label
        self.rejected = 0
        self.answered = 0
        self.color = color_enabled(out)
        self.formatted: dict[tuple[int, ...], str] = {}
        self.in_flight: set[tuple[int, ...]] = set()  # sent to be answered, not yet formatted
        self.waiting: deque[_Batch] = deque()
        self.workers: Workers | None = None
        self.tried_workers = False

    def add(self, lines: list[Line], more_ready: bool = False) -> None:
        """Parse a batch and send its new tuples to be answered; write every earlier batch, and
        this one too unless more input is `more_ready` to be read and parsed meanwhile."""
        self.waiting.append(self._send(lines))
        while len(self.waiting) > 1 or (self.waiting and not more_ready):
            self._write(self.waiting.popleft())

    def close(self) -> None:
        """Write whatever is still waiting, then stop the worker processes, if any."""
        try:
            while self.waiting:
                self._write(self.waiting.popleft())
        finally:
            if self.workers is not None:
                self.workers.close()

    def _send(self, lines: list[Line]) -> _Batch:
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
        known, in_flight = self.formatted, self.in_flight
        new = list(dict.fromkeys(t for t in parsed if t and t not in known and t not in in_flight))
        self.in_flight.update(new)
        batch = _Batch(lines, parsed, [new[i : i + ANSWER_PART] for i in range(0, len(new), ANSWER_PART)])
        if len(batch.parts) > 1:
            workers = self._workers()
            batch.sent = workers.send(batch.parts) if workers else None
            if batch.sent is None:
                batch.answering = answer_pool().map(self.predictor.answer, batch.parts)  # started now
        return batch

    def _workers(self) -> Workers | None:
        """The worker processes, started at the first batch of several parts (see repl.workers)."""
        if not self.tried_workers:
            self.tried_workers = True
            self.out.flush()  # a worker is a copy of this process: it must not inherit unwritten output
            self.err.flush()
            self.workers = Workers.start(self.predictor, self.as_json, self.color)
        return self.workers

    def _collect(self, batch: _Batch) -> Iterator[list[str]]:
        """Each part's texts, in order: from the workers, else formatted here as they are
        answered (by threads, or here: a single part, or parts the workers did not answer)."""
        texts = self.workers.collect(batch.sent) if batch.sent is not None else None
        if texts is not None:
            return iter(texts)
        answering = batch.answering or (self.predictor.answer(part) for part in batch.parts)
        return (texts_of(answers, self.as_json, self.color) for answers in answering)

    def _write(self, batch: _Batch) -> None:
        new = [t for part in batch.parts for t in part]
        if len(self.formatted) + len(new) > self.FORMATTED_LIMIT:  # keep only what is still needed
            needed = {t for waiting in (batch, *self.waiting) for t in waiting.parsed if t in self.formatted}
            self.formatted = {t: self.formatted[t] for t in needed}
        for part, texts in zip(batch.parts, self._collect(batch), strict=True):
            self.formatted.update(zip(part, texts))
        self.in_flight.difference_update(new)
        out_lines: list[str] = []
        for line, operands in zip(batch.lines, batch.parsed):
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


def input_ready(stream) -> bool:
    """Whether more of `stream` can be read at once (always, for one without a descriptor)."""
    fd = _descriptor(stream)
    if fd is None:
        return True
    try:
        return bool(select.select([fd], [], [], 0)[0])
    except (OSError, ValueError):
        return False


def run_pipe(predictor: Predictor, stream, out, err, as_json: bool) -> int:
    """Answer every line arriving on `stream`; exit status 0 if all were answered, else 1."""
    writer = PipeWriter(predictor, out, err, as_json)
    try:
        for batch in split_lines(read_chunks(stream)):
            writer.add(batch, more_ready=input_ready(stream))
    finally:
        writer.close()
    return EXIT_REJECTED if writer.rejected else EXIT_OK


def run_expressions(predictor: Predictor, expressions: list[str], out, err, as_json: bool) -> int:
    """`-e EXPR ...`: the same output as the pipe, numbered by position on the command line."""
    writer = PipeWriter(predictor, out, err, as_json, label="expression")
    try:
        writer.add([Line(i, text) for i, text in enumerate(expressions, start=1)])
    finally:
        writer.close()
    return EXIT_REJECTED if writer.rejected else EXIT_OK
