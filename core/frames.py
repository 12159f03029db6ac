"""The recorded maps of a training history as a model file member: one frame per epoch, each
cell one of the four classes of core.domain_map (core.history reads them back)."""

from __future__ import annotations

import io

import numpy as np

from .domain_map import CATEGORIES
from .table import NPY_HEADER

HISTORY_MEMBER = "seqsum/history.npy"
"""The model file member holding the frames. Optional: readers that do not know it ignore it,
so it needs no new format version (core.modelfile); models.store writes it."""
MAP_SIDE = 100
"""Cells per side of a recorded map at most: the default domain at one pair per cell."""


class HistoryError(ValueError):
    """A recorded history that cannot be used; the message is one line for the user."""


def encode_frames(frames: np.ndarray) -> bytes:
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim != 3:
        raise ValueError(f"history frames are (epochs, rows, columns) of uint8, not {frames.shape}")
    buffer = io.BytesIO()
    np.save(buffer, frames, allow_pickle=False)
    return buffer.getvalue()


def frames_bytes_limit(epochs: int) -> int:
    """The most an honest history member of `epochs` frames holds (its .npy header included)."""
    return epochs * MAP_SIDE * MAP_SIDE + NPY_HEADER


def decode_frames(data: bytes, epochs: int) -> np.ndarray:
    """The frames in a member's bytes; HistoryError unless they are one map per epoch recorded."""
    try:
        frames = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as error:  # noqa: BLE001 - any failure here means a damaged member
        raise HistoryError(f"its recorded maps are damaged ({type(error).__name__})") from None
    if (not isinstance(frames, np.ndarray) or frames.dtype != np.uint8 or frames.ndim != 3
            or frames.shape[0] != epochs or not 0 < frames.shape[1] <= MAP_SIDE
            or not 0 < frames.shape[2] <= MAP_SIDE or frames.max(initial=0) >= len(CATEGORIES)):
        raise HistoryError(f"its recorded maps are {getattr(frames, 'shape', '?')} of "
                           f"{getattr(frames, 'dtype', '?')}, not one map of classes per epoch ({epochs})")
    return frames
