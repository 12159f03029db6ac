"""Replacing a file atomically: a temporary file beside it, flushed to disk, then one rename.

Readers see the old file or the new one, never a mix; an interrupted or failed write removes
its temporary file and leaves the destination as it was. Two writers racing to one path leave
one complete file (the last rename wins).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp.keras"  # Keras insists on saving to a name ending in .keras


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def replacing(path: os.PathLike | str) -> Iterator[Path]:
    """Yield a temporary path to write; on success it atomically becomes `path`."""
    path = Path(path)
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX, dir=directory)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        if path.exists():  # keep the destination's permission bits, as editors do
            with contextlib.suppress(OSError):
                os.chmod(temporary, path.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
        _fsync_directory(directory)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def write_bytes(path: os.PathLike | str, data: bytes) -> None:
    with replacing(path) as temporary:
        temporary.write_bytes(data)
