"""A large pipe's worker processes (repl.workers): the same output as the pipe answering alone,
and every line still answered when they die."""

import json
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from seqsum.core import forward
from seqsum.core.domain import Domain
from seqsum.repl import pipe, workers
from seqsum.repl.cli import cli

from .conftest import write_numpy_model


@pytest.fixture
def three_terms(tmp_path, monkeypatch):
    """A three-term model (no cache, no answer table) and 600 lines read in batches of about
    100, each answered in parts of 16."""
    monkeypatch.setattr(pipe, "CHUNK", 1024)
    monkeypatch.setattr(pipe, "ANSWER_PART", 16)
    model = write_numpy_model(tmp_path / "three.keras", Domain(3, 99))
    rng = np.random.default_rng(0)
    text = "".join(f"{a}+{b}+{c}\n" for a, b, c in rng.integers(0, 100, (600, 3))) + "1+2\n"
    return model, text


def run(model, text, *options):
    return CliRunner().invoke(cli, ["--model", str(model), *options], input=text)


def alone(model, text, *options):
    """The pipe answering in its own process, with threads."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workers.Workers, "start", classmethod(lambda *args, **kwargs: None))
        return run(model, text, *options)


def in_workers(model, text, *options):
    """The pipe as a fresh seqsum-repl runs it: no answering threads yet, so it forks workers."""
    workers.answer_pool.cache_clear()
    forward.chunk_pool.cache_clear()
    return run(model, text, *options)


def calls_to_collect(monkeypatch, before=None) -> list[tuple[int, bool]]:
    """Per Workers.collect call: how many parts it waited for and whether the workers answered
    them; `before(workers, call number)` runs before each call."""
    calls, original = [], workers.Workers.collect

    def counted(self, sent):
        if before:
            before(self, len(calls) + 1)
        texts = original(self, sent)
        calls.append((len(sent), texts is not None))
        return texts

    monkeypatch.setattr(workers.Workers, "collect", counted)
    return calls


@pytest.mark.parametrize("options", [["--json"], []])
def test_worker_processes_write_exactly_what_the_pipe_writes_alone(three_terms, monkeypatch, options):
    model, text = three_terms
    expected = alone(model, text, *options)
    calls = calls_to_collect(monkeypatch)
    answered = in_workers(model, text, *options)
    assert len(calls) >= 5 and all(parts > 1 and done for parts, done in calls)
    assert answered.exit_code == expected.exit_code == 1  # "1+2" has two terms, not three
    assert answered.stdout == expected.stdout and len(expected.stdout.splitlines()) >= 600
    assert answered.stderr == expected.stderr


def test_a_pipe_whose_workers_die_answers_every_line_itself(three_terms, monkeypatch):
    model, text = three_terms
    expected = alone(model, text, "--json")
    killed = []

    def kill_after_first_batch(pool, call):
        if call == 2:  # the executor names no public handle on its processes: its private one
            for process in list(pool._pool._processes.values()):
                process.kill()
                killed.append(process.pid)

    calls = calls_to_collect(monkeypatch, kill_after_first_batch)
    rescued = in_workers(model, text, "--json")
    done = [done for _, done in calls]  # the batches sent before the kill come back unanswered
    assert killed and done[0] and not done[1] and done == sorted(done, reverse=True)
    assert rescued.stdout == expected.stdout and rescued.exit_code == expected.exit_code


def test_no_workers_once_the_process_answers_with_threads(three_terms, monkeypatch):
    """Forking a process whose answering threads exist could leave a worker waiting on a lock
    that no thread of its own will release: such a pipe answers with its threads."""
    model, text = three_terms
    forward.chunk_pool().submit(int).result()  # the forward pass's threads exist
    calls = calls_to_collect(monkeypatch)
    assert run(model, text, "--json").exit_code == 1 and calls == []


def test_the_installed_command_answers_a_large_pipe_as_it_would_alone(tmp_path):
    """A real seqsum-repl process forks its workers; 8,000 lines make a first batch of four
    parts. Its output is what the pipe writes answering alone."""
    from .test_e2e import SCRIPT

    model = write_numpy_model(tmp_path / "three.keras", Domain(3, 99))
    rng = np.random.default_rng(1)
    text = "".join(f"{a}+{b}+{c}\n" for a, b, c in rng.integers(0, 100, (8_000, 3)))
    expected = alone(model, text, "--json")
    ran = subprocess.run([SCRIPT, "--model", model, "--json"], input=text.encode(), capture_output=True,
                         timeout=120)
    assert ran.returncode == expected.exit_code == 0 and ran.stderr == b""
    assert ran.stdout.decode() == expected.stdout and len(expected.stdout.splitlines()) == 8_000


def test_the_formatted_answers_kept_are_bounded_without_losing_one_a_batch_needs(three_terms, monkeypatch):
    """Past FORMATTED_LIMIT the pipe forgets what it formatted, but never what the batch it is
    writing, or one read after it, still needs: repeats of earlier sums are answered as before."""
    model, text = three_terms
    text = text + "".join(text.splitlines(keepends=True)[::3])  # sums seen before, in new batches
    expected = alone(model, text, "--json")
    monkeypatch.setattr(pipe.PipeWriter, "FORMATTED_LIMIT", 40)
    for answered in (alone(model, text, "--json"), in_workers(model, text, "--json")):
        assert answered.exit_code == expected.exit_code == 1
        records = [[json.loads(line) for line in run.stdout.splitlines()] for run in (answered, expected)]
        pairs = list(zip(*records, strict=True))
        assert len(pairs) == len(text.splitlines())
        for mine, theirs in pairs:  # a sum answered again, in another part: the same but for last bits
            assert mine.keys() == theirs.keys() and mine.get("prediction") == theirs.get("prediction")
            assert mine.get("input") == theirs.get("input") and mine.get("error") == theirs.get("error")
            assert abs(mine.get("confidence", 0) - theirs.get("confidence", 0)) <= 2e-6
