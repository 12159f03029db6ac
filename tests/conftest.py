"""Shared fixtures: one tiny trained model per test run, and TensorFlow-free model files."""

from __future__ import annotations

# First, before NumPy loads OpenBLAS: one BLAS thread, as seqsum-repl and its worker processes
# run (a matrix product's last bits depend on how many threads share it).
import seqsum.repl  # noqa: F401

# isort: split
import dataclasses
import fcntl
import io
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from seqsum.core.answer import Predictor
from seqsum.core.codec import encode_answers, one_hot
from seqsum.core.confidence import answer_values
from seqsum.core.dataset import all_tuples
from seqsum.core.domain import PAD, VOCABULARY, Domain
from seqsum.core.forward import WEIGHT_NAMES, NumpyNetwork, weight_shapes
from seqsum.core.frames import HISTORY_MEMBER, encode_frames
from seqsum.core.modelfile import ModelFile, encode_members
from seqsum.core.table import build_table

TINY = dict(terms=2, max_operand=9, units=64, epochs=40, batch_size=8, learning_rate=0.01, seed=0,
            jit_compile=False)
"""A one-digit domain the reference network learns in seconds: the CI-sized training run (its
steps are too small for an XLA compile to pay for itself)."""


def question_text(operands, domain: Domain, align: str = "left") -> str:
    """`(37, 68)` -> `"37+68"` padded to the domain's input width, or with every operand
    right-aligned at the largest operand's width (`" 37+ 68"` on 0..999): the codec's contract
    as text."""
    width = len(str(domain.max_operand)) if align == "right" else 0
    return "+".join(str(int(n)).rjust(width, PAD) for n in operands).ljust(domain.input_width, PAD)


def answer_text(total: int, domain: Domain) -> str:
    return str(int(total)).ljust(domain.answer_width, PAD)


def text_of(indices) -> str:
    """Symbol indices -> the text they spell, padding included."""
    return "".join(VOCABULARY[int(i)] for i in indices)


def numpy_weights(units: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = weight_shapes(units, len(VOCABULARY))
    return {k: (rng.normal(size=shapes[k]) * 0.3).astype(np.float32) for k in WEIGHT_NAMES}


def answer_table(network: NumpyNetwork, domain: Domain) -> np.ndarray:
    """The answer table (core.table) of `network`."""
    probabilities = network.answer_probabilities(all_tuples(domain), domain)
    return build_table(answer_values(probabilities.argmax(-1)), domain)


def write_numpy_model(path: Path, domain: Domain | None = None, units: int = 16, seed: int = 0,
                      meta: dict | None = None, table: bool = False,
                      frames: np.ndarray | None = None) -> Path:
    """A seqsum model file with random weights, written without TensorFlow (with its answer
    table if `table`, and a training history of these map `frames`, one per epoch, if given).

    It holds only seqsum's members (the answer path needs nothing else), so tests of parsing,
    rendering and pipes run in milliseconds.
    """
    domain = domain or Domain()
    body = {"domain": domain.to_dict(), "heldout": {"fraction": 0.1, "seed": 0}}
    body.update(meta or {})
    weights = numpy_weights(units, seed)
    network = NumpyNetwork(weights, domain.answer_width, body.get("answer_order", "reading"),
                           body.get("question_align", "left"))
    if frames is not None:
        body["history"] = [{"epoch": e + 1, "loss": 2.0 / (e + 1), "heldout_exact": e / len(frames),
                            "watched": [{"input": "1+2", "prediction": str(e + 1), "correct": e == 2}]}
                           for e in range(len(frames))]
        body["training"] = {"best_epoch": len(frames)}
    members = encode_members(body, weights, answer_table(network, domain) if table else None)
    if frames is not None:
        members[HISTORY_MEMBER] = encode_frames(np.asarray(frames, np.uint8))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


class ScriptedNetwork:
    """Stands in for a model's network (`ModelFile.network`, through which every answer is asked):
    it writes a+b+`off` for every tuple, and `special[t]` more for the tuples listed, so wrong
    answers sit at known places while the real confidence rule decides which are marked unsure.
    `asked` counts the tuples asked, call by call."""

    def __init__(self, off: int = 0, special: dict | None = None):
        self.off, self.special = off, special or {}
        self.asked: list[int] = []

    def answer_probabilities(self, operands: np.ndarray, domain: Domain) -> np.ndarray:
        self.asked.append(len(operands))
        written = operands.sum(axis=1) + self.off
        for where, extra in self.special.items():
            written[(operands == np.array(where)).all(axis=1)] += extra
        return one_hot(encode_answers(written, domain)) * 0.9 + 0.1 / len(VOCABULARY)


def Scripted(model: ModelFile, off: int = 0, special: dict | None = None,  # noqa: N802 - reads as a type
             network: ScriptedNetwork | None = None) -> Predictor:
    """A predictor of `model`'s file and domain whose network is scripted (ScriptedNetwork)."""
    return Predictor(dataclasses.replace(model, network=network or ScriptedNetwork(off, special)))


@pytest.fixture
def numpy_model(tmp_path) -> Path:
    return write_numpy_model(tmp_path / "random.keras")


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory) -> Path:
    """A real model of the one-digit domain, trained once per test run through the CLI's code.

    Under pytest-xdist every worker asks for it: the first trains it in the run's shared
    directory, under a lock, and the others wait and read it.
    """
    from seqsum.models.config import TrainConfig
    from seqsum.models.train import SilentProgress
    from seqsum.repl.training import train_and_save

    run_dir = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_dir = run_dir.parent  # this run's directory, shared by its workers
    path = run_dir / "tiny.keras"
    with open(run_dir / "tiny.keras.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            train_and_save(TrainConfig(**TINY), path, SilentProgress())
    return path


@pytest.fixture
def model_copy(trained_model, tmp_path) -> Path:
    """A private copy of the trained model, for tests that replace or damage it."""
    return Path(shutil.copy(trained_model, tmp_path / "model.keras"))


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path, monkeypatch):
    """Never touch the real user's data directory or model choice."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("SEQSUM_MODEL", raising=False)
    monkeypatch.setenv("NO_COLOR", "")
