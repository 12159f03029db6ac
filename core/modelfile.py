"""Reading (and writing the NumPy part of) seqsum model files without TensorFlow.

A seqsum model file is a native Keras `.keras` archive (a zip) with extra members that Keras
ignores: `seqsum/meta.json` (domain, held-out rule, training settings, figures, versions),
`seqsum/weights.npz` (the same weights as plain arrays) and, for domains of at most
core.table.TABLE_LIMIT tuples, `seqsum/answers.npy` (every answer, see core.table). One file to copy; Keras
can load it for training, and the answer path loads it with zipfile + NumPy in milliseconds.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .codec import check_answer_order
from .dataset import HeldOutRule
from .domain import VOCABULARY, Domain, DomainError
from .forward import WEIGHT_NAMES, NumpyNetwork, weight_shapes
from .table import TableError, check_table, decode_table, encode_table, has_table, spot_check_tuples

FORMAT = "seqsum-model"
FORMAT_VERSION = 2
"""2 added `answer_order`: a version-1 reader would answer a reversed-order model backwards, so
it must refuse the file ("upgrade seqsum"); version-1 files are all in reading order."""
META_MEMBER = "seqsum/meta.json"
WEIGHTS_MEMBER = "seqsum/weights.npz"
ANSWERS_MEMBER = "seqsum/answers.npy"
"""Optional (core.table): every answer of a small domain, so related sums are lookups. Readers
that do not know it ignore it, so it needs no new format version."""

ADVICE = "pass --model with another file, or make a new one with :retrain or `seqsum-repl train`"


class ModelFileError(Exception):
    """A model file that cannot be used; str(error) names the file, the problem and a remedy."""

    def __init__(self, path: os.PathLike | str, problem: str, advice: str = ADVICE):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"cannot use model file {str(path)!r}: {problem}; {advice}")


@dataclass
class ModelFile:
    """What a model file holds, as the answer path needs it."""

    path: Path
    meta: dict
    network: NumpyNetwork
    data: bytes = field(default=b"", repr=False)  # the file as read, so :save copies what is loaded
    answers: np.ndarray | None = field(default=None, repr=False)  # the answer table, if the file has one
    domain: Domain = field(init=False)
    heldout_rule: HeldOutRule = field(init=False)

    def __post_init__(self) -> None:
        self.domain = Domain.from_dict(self.meta["domain"])
        self.heldout_rule = HeldOutRule.from_dict(self.meta["heldout"])

    @property
    def parameters(self) -> int:
        return int(sum(a.size for a in self.network.weights.values()))


def encode_members(meta: dict, weights: dict[str, np.ndarray],
                   answers: np.ndarray | None = None) -> dict[str, bytes]:
    """seqsum's archive members (the answer table too, if given), ready to be written into a zip."""
    buffer = io.BytesIO()
    np.savez(buffer, **{k: np.asarray(weights[k], np.float32) for k in WEIGHT_NAMES})
    body = dict(meta, format=FORMAT, format_version=FORMAT_VERSION)
    members = {
        META_MEMBER: json.dumps(body, indent=2, sort_keys=True).encode(),
        WEIGHTS_MEMBER: buffer.getvalue(),
    }
    if answers is not None:
        members[ANSWERS_MEMBER] = encode_table(answers)
    return members


def _read_members(path: Path) -> tuple[bytes, bytes, bytes, bytes | None]:
    """(whole file, metadata member, weights member, answer table member or None), read in one
    pass so they agree."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise ModelFileError(path, "no such file") from None
    except IsADirectoryError:
        raise ModelFileError(path, "it is a directory") from None
    except PermissionError:
        raise ModelFileError(path, "permission denied when reading it") from None
    except OSError as error:
        raise ModelFileError(path, f"it could not be read ({error.strerror or error})") from None
    if not data:
        raise ModelFileError(path, "the file is empty")
    if not data.startswith(b"PK\x03\x04"):
        raise ModelFileError(path, "it is not a .keras model archive")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if META_MEMBER not in names or WEIGHTS_MEMBER not in names:
                what = "a Keras model" if "config.json" in names else "a zip archive"
                raise ModelFileError(path, f"it is {what} without seqsum's metadata")
            answers = archive.read(ANSWERS_MEMBER) if ANSWERS_MEMBER in names else None
            return data, archive.read(META_MEMBER), archive.read(WEIGHTS_MEMBER), answers
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as error:
        raise ModelFileError(path, f"the archive is damaged or truncated ({error})") from None


def _check_meta(path: Path, meta: object) -> dict:
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(path, "its metadata is not seqsum's")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            path,
            f"it was written in model format {version!r}; this seqsum reads up to "
            f"{FORMAT_VERSION} (upgrade seqsum)",
        )
    try:
        Domain.from_dict(meta["domain"])
        HeldOutRule.from_dict(meta["heldout"])
    except DomainError as error:
        raise ModelFileError(path, f"its domain is not supported ({error})") from None
    except (KeyError, TypeError, ValueError):
        raise ModelFileError(path, "its metadata lacks the domain or held-out rule") from None
    try:
        check_answer_order(answer_order(meta))
    except ValueError as error:
        raise ModelFileError(path, f"{error}; upgrade seqsum") from None
    return meta


def answer_order(meta: dict) -> str:
    """The order a model's network writes its answers in; files before format 2 use reading order."""
    return meta.get("answer_order", "reading")


def _check_weights(path: Path, weights: dict[str, np.ndarray], domain: Domain) -> None:
    missing = [k for k in WEIGHT_NAMES if k not in weights]
    if missing:
        raise ModelFileError(path, f"its weights lack {', '.join(missing)}")
    units = weights["encoder_recurrent"].shape[0]
    expected = weight_shapes(units, len(VOCABULARY))
    for name, shape in expected.items():
        if weights[name].shape != shape:
            raise ModelFileError(
                path, f"weight {name} has shape {weights[name].shape}, expected {shape}"
            )
        if not np.all(np.isfinite(weights[name])):
            raise ModelFileError(path, f"weight {name} holds NaN or infinite values")


def read_model_file(path: os.PathLike | str) -> ModelFile:
    """Load a model for answering, or raise ModelFileError. Never modifies the file."""
    path = Path(path)
    data, meta_bytes, weight_bytes, answer_bytes = _read_members(path)
    try:
        meta = _check_meta(path, json.loads(meta_bytes))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelFileError(path, "its metadata is not valid JSON") from None
    domain = Domain.from_dict(meta["domain"])
    try:
        with np.load(io.BytesIO(weight_bytes), allow_pickle=False) as archive:
            weights = {k: archive[k] for k in archive.files}
    except Exception as error:  # noqa: BLE001 - any failure here means a damaged member
        raise ModelFileError(path, f"its weights are damaged ({type(error).__name__})") from None
    _check_weights(path, weights, domain)
    network = NumpyNetwork(weights, domain.answer_width, answer_order(meta))
    answers = None if answer_bytes is None else _checked_table(path, answer_bytes, network, domain)
    return ModelFile(path=path, meta=meta, network=network, data=data, answers=answers)


def _checked_table(path: Path, data: bytes, network: NumpyNetwork, domain: Domain) -> np.ndarray:
    """The file's answer table, if it fits the domain and agrees with the network where spot-checked."""
    if not has_table(domain):
        raise ModelFileError(path, f"it has an answer table, but its domain has {domain.size:,} tuples, "
                                   f"more than an answer table may hold")
    try:
        answers = decode_table(data, domain)
        check_table(answers, network, spot_check_tuples(domain), domain)
    except TableError as error:
        raise ModelFileError(path, str(error)) from None
    return answers
