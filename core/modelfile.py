"""Reading (and writing the NumPy part of) seqsum model files without TensorFlow.

A seqsum model file is a native Keras `.keras` archive (a zip) with extra members that Keras
ignores: `seqsum/meta.json` (domain, held-out rule, training settings, figures, versions),
`seqsum/weights.npz` (the same weights as plain arrays) and, for domains of at most
core.table.TABLE_LIMIT tuples, `seqsum/answers.npy` (every answer, see core.table). One file to
copy; Keras can load it for training, and the answer path loads it with zipfile + NumPy, without
TensorFlow.
"""

from __future__ import annotations

import io
import json
import lzma
import math
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .codec import check_answer_order, check_question_align
from .confidence import ConfidenceRule
from .dataset import HeldOutRule
from .domain import VOCABULARY, Domain, DomainError
from .forward import MAX_UNITS, WEIGHT_NAMES, NumpyNetwork, weight_shapes
from .metadata import subset_figures, whole
from .printable import quoted, visible
from .table import (
    TableError,
    check_table,
    decode_table,
    encode_table,
    has_table,
    spot_check_tuples,
    table_bytes_limit,
)

FORMAT = "seqsum-model"
FORMAT_VERSION = 5
"""2 added `answer_order`: a version-1 reader would answer a reversed-order model backwards, so
it must refuse the file ("upgrade seqsum"); version-1 files are all in reading order. 3 added
the held-out rule's `trains_edges`: a version-2 reader would count the edge tuples a model was
trained on as held out in its figures; files before 3 held them out like any other tuple. 4 added
`question_align`: a version-3 reader would give a right-aligned model left-aligned questions;
files before 4 all read left-aligned questions. 5 added the held-out rule's `trains_typed`: a
version-4 reader would count the typed and tail tuples a model was trained on as held out."""
META_MEMBER = "seqsum/meta.json"
WEIGHTS_MEMBER = "seqsum/weights.npz"
TABLE_MEMBER = "seqsum/answers.npy"
"""Optional (core.table): every answer of a small domain, so related sums are lookups. Readers
that do not know it ignore it, so it needs no new format version."""

ADVICE = "pass --model with another file, or make a new one with :retrain or `seqsum-repl train`"


class ModelFileError(Exception):
    """A model file that cannot be used; str(error) names the file, the problem and a remedy."""

    def __init__(self, path: os.PathLike | str, problem: str, advice: str = ADVICE):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"cannot use model file '{visible(path)}': {visible(problem)}; {advice}")


@dataclass
class ModelFile:
    """What a model file holds, as the answer path needs it."""

    path: Path
    meta: dict
    network: NumpyNetwork
    data: bytes = field(default=b"", repr=False)  # the file as read, so :save copies what is loaded
    table: np.ndarray | None = field(default=None, repr=False)  # the answer table (core.table), if any
    domain: Domain = field(init=False)
    heldout_rule: HeldOutRule = field(init=False)

    def __post_init__(self) -> None:
        self.domain = Domain.from_dict(self.meta["domain"])
        self.heldout_rule = HeldOutRule.from_dict(self.meta["heldout"])

    @property
    def parameters(self) -> int:
        return int(sum(a.size for a in self.network.weights.values()))

    def recorded_exact_match(self, subset: str = "all") -> tuple[float, int] | None:
        """(exact match, tuples scored) for `subset` ("all", "heldout" or "trained") as measured
        when the model was saved; None when the file records no usable figure."""
        return subset_figures(self.meta, subset)


def encode_members(meta: dict, weights: dict[str, np.ndarray],
                   table: np.ndarray | None = None) -> dict[str, bytes]:
    """seqsum's archive members (the answer table too, if given), ready to be written into a zip
    (a training history's maps are one more, core.frames)."""
    buffer = io.BytesIO()
    np.savez(buffer, **{k: np.asarray(weights[k], np.float32) for k in WEIGHT_NAMES})
    body = dict(meta, format=FORMAT, format_version=FORMAT_VERSION)
    members = {
        META_MEMBER: json.dumps(body, indent=2, sort_keys=True).encode(),
        WEIGHTS_MEMBER: buffer.getvalue(),
    }
    if table is not None:
        members[TABLE_MEMBER] = encode_table(table)
    return members


ZIP_MAGIC = b"PK\x03\x04"
MAX_FILE_BYTES = 512 << 20
"""Larger files are refused unread: a model of MAX_UNITS units, the largest seqsum builds, holds
its weights five times over (the Keras part: the weights and three optimizer slots; seqsum's
part: the weights again), which stays below this."""
MAX_META_BYTES = 4 << 20
"""The metadata member's cap: above what the longest training seqsum runs (the most epochs its
options allow) records."""
MAX_ENTRIES = 1000
"""A cap on an archive's directory entries, counted by their signature before zipfile parses
them (each parsed entry costs memory); a seqsum file has five, its weights archive eight."""
ARRAY_OVERHEAD = 2048
"""Bytes allowed beyond an array's data for its .npy header and its entries in the weights
archive: several times what np.savez writes."""
DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, RuntimeError,
           NotImplementedError, zlib.error, lzma.LZMAError)
"""What zipfile and its decompressors raise for bytes that are not a sound archive."""


def _read_file(path: Path) -> bytes:
    """The whole file, refused unread when it is not a zip archive or too large to be a model."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(len(ZIP_MAGIC))
            if not data:
                raise ModelFileError(path, "the file is empty")
            if data != ZIP_MAGIC:
                raise ModelFileError(path, "it is not a .keras model archive")
            small = os.fstat(handle.fileno()).st_size <= MAX_FILE_BYTES  # 0 for a pipe: read to the cap
            rest = handle.read(MAX_FILE_BYTES + 1 - len(data)) if small else b""
    except FileNotFoundError:
        raise ModelFileError(path, "no such file") from None
    except IsADirectoryError:
        raise ModelFileError(path, "it is a directory") from None
    except PermissionError:
        raise ModelFileError(path, "permission denied when reading it") from None
    except OSError as error:
        raise ModelFileError(path, f"it could not be read ({error.strerror or error})") from None
    except ValueError as error:  # open() on a path holding a NUL byte, or not encodable
        nul = "\x00" in str(path)
        raise ModelFileError(path, "the path contains a NUL byte" if nul else
                             f"its path cannot be opened ({error})") from None
    if not small or len(data) + len(rest) > MAX_FILE_BYTES:
        raise ModelFileError(
            path, f"it is larger than any seqsum model file ({_mib(MAX_FILE_BYTES)} at most)")
    return data + rest


def _mib(size: int) -> str:
    return f"{size / (1 << 20):g} MiB"


def open_archive(data: bytes) -> zipfile.ZipFile:
    """A zip archive over `data`; ValueError when it has more entries than MAX_ENTRIES."""
    if data.count(b"PK\x01\x02") > MAX_ENTRIES:
        raise ValueError(f"more than {MAX_ENTRIES:,} entries")
    return zipfile.ZipFile(io.BytesIO(data))


def read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes | None:
    """A member's bytes, or None when it inflates to more than `limit` bytes: at most limit + 1
    are ever inflated, whatever sizes the archive declares."""
    with archive.open(name) as member:
        data = member.read(limit + 1)
    return data if len(data) <= limit else None


def _array_bytes(shape: tuple[int, ...]) -> int:
    return 4 * math.prod(shape)  # float32


def _weights_limit(units: int) -> int:
    """The most a weights archive for `units` units can hold: the arrays and their overhead."""
    shapes = weight_shapes(units, len(VOCABULARY))
    return sum(_array_bytes(shape) + ARRAY_OVERHEAD for shape in shapes.values())


def _read_array(path: Path, npz: zipfile.ZipFile, name: str, units: int | None) -> np.ndarray:
    """One weight. Its header is checked before its data is read: float32 (so nothing is ever
    unpickled), the shape `units` imply (when they are not recorded: any shape, within what
    MAX_UNITS allow), and exactly as much data as the shape needs."""
    shape = weight_shapes(units, len(VOCABULARY))[name] if units else None
    largest = weight_shapes(units or MAX_UNITS, len(VOCABULARY))[name]
    data = read_member(npz, f"{name}.npy", _array_bytes(largest) + ARRAY_OVERHEAD)
    if data is None:
        raise ModelFileError(path, f"weight {name} is larger than a model of {units or MAX_UNITS} "
                                   "units needs")
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}[version]
        declared, _, dtype = read_header(stream)
    except (ValueError, KeyError, SyntaxError, TypeError):
        raise ModelFileError(path, f"weight {name} is damaged (its header cannot be read)") from None
    if dtype != np.dtype("<f4"):
        raise ModelFileError(path, f"weight {name} is stored as {quoted(str(dtype))}, expected float32")
    if shape is not None and declared != shape:
        raise ModelFileError(path, f"weight {name} has shape {visible(declared, 60)}, expected {shape}")
    if any(size < 0 for size in declared) or _array_bytes(declared) != len(data) - stream.tell():
        raise ModelFileError(path, f"weight {name} is damaged (its data does not match its shape)")
    stream.seek(0)
    return np.lib.format.read_array(stream, allow_pickle=False)


def _read_weights(path: Path, data: bytes, units: int | None) -> dict[str, np.ndarray]:
    """The weights archive's arrays, each read with a limit (the archive is a zip of its own)."""
    try:
        with open_archive(data) as npz:
            names = set(npz.namelist())
            missing = [k for k in WEIGHT_NAMES if f"{k}.npy" not in names]
            if missing:
                raise ModelFileError(path, f"its weights lack {', '.join(missing)}")
            return {name: _read_array(path, npz, name, units) for name in WEIGHT_NAMES}
    except DAMAGED as error:
        raise ModelFileError(path, f"its weights are damaged ({type(error).__name__})") from None


def _parse_meta(path: Path, data: bytes) -> object:
    try:
        return json.loads(data)
    except RecursionError:
        raise ModelFileError(path, "its metadata nests too deeply to be seqsum's") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelFileError(path, "its metadata is not valid JSON") from None
    except ValueError as error:  # an integer with more digits than Python converts
        raise ModelFileError(path, f"its metadata cannot be read ({visible(error, 80)})") from None


def _check_meta(path: Path, meta: object) -> dict:
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(path, "its metadata is not seqsum's")
    version = meta.get("format_version")
    if whole(version, 1, FORMAT_VERSION) is None:
        raise ModelFileError(
            path,
            f"it was written in model format {quoted(version)}; this seqsum reads up to "
            f"{FORMAT_VERSION} (upgrade seqsum)",
        )
    try:
        Domain.from_dict(meta["domain"])
    except DomainError as error:
        raise ModelFileError(path, f"its domain is not supported ({error})") from None
    except (KeyError, TypeError):
        raise ModelFileError(path, "its metadata lacks the domain or held-out rule") from None
    try:
        HeldOutRule.from_dict(meta["heldout"])
    except (KeyError, TypeError):
        raise ModelFileError(path, "its metadata lacks the domain or held-out rule") from None
    except ValueError as error:
        raise ModelFileError(path, f"its held-out rule is not usable ({error})") from None
    try:
        check_answer_order(answer_order(meta))
        check_question_align(question_align(meta))
    except ValueError as error:
        raise ModelFileError(path, f"{error}; upgrade seqsum") from None
    units = meta.get("units")
    if units is not None and whole(units, 1, MAX_UNITS) is None:
        raise ModelFileError(path, f"it records {quoted(units)} LSTM units; seqsum reads models of "
                                   f"1 to {MAX_UNITS:,}")
    try:
        ConfidenceRule.from_meta(meta)
    except ValueError as error:
        raise ModelFileError(path, f"its confidence rule is not usable ({error})") from None
    return meta


def answer_order(meta: dict) -> str:
    """The order a model's network writes its answers in; files before format 2 use reading order."""
    return meta.get("answer_order", "reading")


def question_align(meta: dict) -> str:
    """Where a model's network reads the operands of a question; files before format 4 read them
    left-aligned."""
    return meta.get("question_align", "left")


def _check_weights(path: Path, weights: dict[str, np.ndarray]) -> None:
    """Shapes that fit together (checked as they were read when the file records its units), and
    finite values."""
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
    """Load a model for answering, or raise ModelFileError. Never modifies the file.

    Nothing in the file is trusted: its size is capped before it is read, every member is read
    with a limit (the metadata's is small, the weights' follows from the units the metadata
    records), and no archive's declared sizes are believed.
    """
    path = Path(path)
    data = _read_file(path)
    try:
        with open_archive(data) as archive:
            names = set(archive.namelist())
            if META_MEMBER not in names or WEIGHTS_MEMBER not in names:
                what = "a Keras model" if "config.json" in names else "a zip archive"
                raise ModelFileError(path, f"it is {what} without seqsum's metadata")
            meta_bytes = read_member(archive, META_MEMBER, MAX_META_BYTES)
            if meta_bytes is None:
                raise ModelFileError(path, f"its metadata is larger than seqsum writes "
                                           f"({_mib(MAX_META_BYTES)} at most)")
            meta = _check_meta(path, _parse_meta(path, meta_bytes))
            units = meta.get("units")
            weight_bytes = read_member(archive, WEIGHTS_MEMBER, _weights_limit(units or MAX_UNITS))
            if weight_bytes is None:
                raise ModelFileError(path, f"its weights are larger than a model of "
                                           f"{units or MAX_UNITS:,} units needs")
            domain = Domain.from_dict(meta["domain"])
            table_bytes = _read_answer_table(path, archive, names, domain)
    except DAMAGED as error:
        raise ModelFileError(path, f"the archive is damaged or truncated ({visible(error, 120)})") from None
    weights = _read_weights(path, weight_bytes, units)
    _check_weights(path, weights)
    network = NumpyNetwork(weights, domain.answer_width, answer_order(meta), question_align(meta))
    table = None if table_bytes is None else _checked_table(path, table_bytes, network, domain)
    return ModelFile(path=path, meta=meta, network=network, data=data, table=table)


def _read_answer_table(path: Path, archive: zipfile.ZipFile, names: set[str],
                       domain: Domain) -> bytes | None:
    """The answer table member's bytes (None when the file has none), read with the limit its
    domain implies."""
    if TABLE_MEMBER not in names:
        return None
    if not has_table(domain):
        raise ModelFileError(path, f"it has an answer table, but its domain has {domain.size:,} tuples, "
                                   f"more than an answer table may hold")
    data = read_member(archive, TABLE_MEMBER, table_bytes_limit(domain))
    if data is None:
        raise ModelFileError(path, f"its answer table is larger than {domain.size:,} answers can be")
    return data


def _checked_table(path: Path, data: bytes, network: NumpyNetwork, domain: Domain) -> np.ndarray:
    """The file's answer table, if it agrees with the network where spot-checked."""
    try:
        table = decode_table(data, domain)
        check_table(table, network, spot_check_tuples(domain), domain)
    except TableError as error:
        raise ModelFileError(path, str(error)) from None
    return table
