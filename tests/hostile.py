"""Hostile copies of a model file, for tests and bench/hostile_files.py.

Decompression bombs are built without ever holding their inflated content: deflate output for
a block of padding, after a full flush, is the same every time, so 1 GiB of padding is one
compressed block repeated. The archive is written by hand (zipfile would compress every byte).
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np

from seqsum.core.modelfile import META_MEMBER, WEIGHTS_MEMBER

BLOCK = 1 << 20
GIB = 1 << 30


def _deflated(head: bytes, fill: int, size: int, tail: bytes = b"") -> tuple[bytes, int, int]:
    """(raw deflate data, CRC-32, inflated length) of head + `size` bytes `fill` + tail."""
    assert size % BLOCK == 0
    block = bytes([fill]) * BLOCK
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [compressor.compress(head), compressor.flush(zlib.Z_FULL_FLUSH)]
    compressor.compress(block)
    compressor.flush(zlib.Z_FULL_FLUSH)  # the first block after the head compresses differently
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    parts += [repeated * (size // BLOCK), compressor.compress(tail), compressor.flush()]
    crc = zlib.crc32(head)
    for _ in range(size // BLOCK):
        crc = zlib.crc32(block, crc)
    return b"".join(parts), zlib.crc32(tail, crc), len(head) + size + len(tail)


def _stored(data: bytes) -> tuple[bytes, int, int]:
    return data, zlib.crc32(data), len(data)


def _archive(members: dict[str, tuple[bytes, int, int]], deflated: set[str]) -> bytes:
    """A zip of (data as stored in the archive, CRC-32, length) members, deflated or stored."""
    out = io.BytesIO()
    central = []
    for name, (data, crc, size) in members.items():
        method = zipfile.ZIP_DEFLATED if name in deflated else zipfile.ZIP_STORED
        raw = name.encode()
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data),
                              size, len(raw), 0) + raw + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21,
                                   crc, len(data), size, len(raw), 0, 0, 0, 0, 0, offset) + raw)
    directory = b"".join(central)
    start = out.tell()
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                          len(directory), start, 0))
    return out.getvalue()


def _members(model: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(model) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write(model: Path, target: Path, replaced: dict[str, tuple[bytes, int, int]],
           deflated: set[str]) -> Path:
    members = {name: _stored(data) for name, data in _members(model).items()}
    members.update(replaced)
    target.write_bytes(_archive(members, deflated))
    return target


def metadata_bomb(model: Path, target: Path, padding: int = GIB) -> Path:
    """`model` with its metadata followed by `padding` spaces (still valid JSON), deflated."""
    meta = _members(model)[META_MEMBER]
    return _write(model, target, {META_MEMBER: _deflated(meta, ord(" "), padding)}, {META_MEMBER})


def weights_bomb(model: Path, target: Path, padding: int = GIB) -> Path:
    """`model` whose weights archive has `padding` zero bytes between its arrays and its
    directory (a valid npz that NumPy loads), deflated."""
    npz = _members(model)[WEIGHTS_MEMBER]
    end = npz.rindex(b"PK\x05\x06")
    directory_at = struct.unpack_from("<I", npz, end + 16)[0]
    tail = bytearray(npz[directory_at:])
    struct.pack_into("<I", tail, end - directory_at + 16, directory_at + padding)
    member = _deflated(npz[:directory_at], 0, padding, bytes(tail))
    return _write(model, target, {WEIGHTS_MEMBER: member}, {WEIGHTS_MEMBER})


NPY_PADDING = 128 << 20
"""Deflated, 128 MiB takes ~130 KB: it fits where the bundled model's recurrent weights
(262 KB) were, so the weights member passes its own limit and the array inside must be caught."""


def npy_bomb(model: Path, target: Path, padding: int = NPY_PADDING,
             name: str = "encoder_recurrent") -> Path:
    """`model` whose weights archive holds `name` as an array of `padding` bytes of zeros
    (deflated inside the npz)."""
    with zipfile.ZipFile(io.BytesIO(_members(model)[WEIGHTS_MEMBER])) as npz:
        arrays = {entry: _stored(npz.read(entry)) for entry in npz.namelist()}
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (padding // 4,)})
    arrays[f"{name}.npy"] = _deflated(header.getvalue(), 0, padding)
    inner = _archive(arrays, {f"{name}.npy"})
    return _write(model, target, {WEIGHTS_MEMBER: _stored(inner)}, set())


_MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
seconds = time.perf_counter() - start
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, status, seconds)
"""


def run_measured(command: list[str]) -> tuple[int, str, float, float]:
    """(exit status, stderr, peak resident MB, seconds) of `command`.

    It is started from a small Python process of its own: Linux carries a process's peak size
    over to the program its child executes, so a command started straight from pytest (1.5 GB
    once the suite has trained) would report pytest's peak, not its own.
    """
    result = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True,
                            text=True, env=dict(os.environ, NO_COLOR="1"))
    peak_kb, status, seconds = result.stdout.split()
    return int(status), result.stderr, int(peak_kb) / 1024, float(seconds)
