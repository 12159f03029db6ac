"""Worker processes that answer and format a large pipe's tuples while the pipe reads and writes.

Half of a large pipe's work is NumPy (the network), half Python (formatting, parsing, writing).
In one process the Python holds the interpreter lock, which the network's threads need back
after every NumPy call, so the second core mostly waits. Worker processes have interpreters of
their own: each answers and formats whole parts, the pipe's process parses and writes.

Workers are forked, so they start in milliseconds with the model already loaded (a fresh
interpreter would spend most of a second importing NumPy and reading the model). Forking is
only safe before the process has threads of its own to lose, so `Workers.start` refuses once
the answering threads exist, and off Linux (macOS' system libraries are not fork-safe): the pipe
then answers with threads (`answer_pool`), as it does for small domains.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from ..core.answer import AnswerBatch, Predictor
from ..core.forward import chunk_pool
from . import render


@functools.cache
def answer_pool() -> ThreadPoolExecutor:
    """Threads answering a large batch's parts where workers cannot; the Predictor is safe to
    share (core.answer). Not the forward pass's own pool: a part without an answer table sends
    its related sums there and waits for them, which would deadlock a pool whose threads all wait."""
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="answer")


_predictor: Predictor | None = None  # in a worker: the pipe's predictor, as it was at the fork
_as_json = False
_color = False


def texts_of(answers: AnswerBatch, as_json: bool, color: bool) -> list[str]:
    """Each answer as the pipe writes it: a JSON record's tail, or the one-line form."""
    return render.json_tails(answers) if as_json else render.one_lines(answers, color)


def _start(predictor: Predictor, as_json: bool, color: bool) -> None:
    global _predictor, _as_json, _color
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the pipe's process to handle
    chunk_pool.cache_clear()  # threads do not survive a fork: a worker makes its own
    _predictor, _as_json, _color = predictor, as_json, color


def _answer(tuples: np.ndarray) -> str:
    """One part's texts as one string (one pickled object instead of thousands)."""
    return "\n".join(texts_of(_predictor.answer(tuples), _as_json, _color))


class Workers:
    """A pool of forked worker processes, one per core, that answer parts of tuples.

    `collect` returns each part's texts, in order, or None if the workers have stopped (the
    pipe then answers those parts itself: no line is ever lost to them).
    """

    def __init__(self, pool: ProcessPoolExecutor):
        self._pool: ProcessPoolExecutor | None = pool

    @classmethod
    def start(cls, predictor: Predictor, as_json: bool, color: bool) -> Workers | None:
        """Workers, or None where they would not help or forking is not safe.

        Not for a small domain: its answers come from the predictor's cache, shared by the
        pipe's threads, which workers would each fill again. Not off Linux, nor once this
        process runs answering threads (the pipe's `answer_pool` or the forward pass's own)."""
        if predictor.cacheable or not sys.platform.startswith("linux"):
            return None
        if answer_pool.cache_info().currsize or chunk_pool.cache_info().currsize:
            return None
        try:
            return cls(ProcessPoolExecutor(
                max_workers=os.cpu_count() or 1,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start,
                initargs=(predictor, as_json, color),
            ))
        except (OSError, ValueError):
            return None

    def send(self, parts: list[list[tuple[int, ...]]]) -> list[Future] | None:
        """Start answering the parts; None if the workers have stopped."""
        if self._pool is None:
            return None
        try:
            return [self._pool.submit(_answer, np.array(part)) for part in parts]
        except (BrokenProcessPool, RuntimeError, OSError):  # RuntimeError: already shut down
            self.close()
            return None

    def collect(self, sent: list[Future]) -> list[list[str]] | None:
        """Each part's texts, in order; None if the workers stopped before answering them all."""
        try:
            return [future.result().split("\n") for future in sent]
        except (BrokenProcessPool, OSError):
            self.close()
            return None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
