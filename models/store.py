"""Saving model files atomically, with everything needed to use them again without guessing.

A save writes a temporary file in the destination's folder, adds seqsum's members, flushes it
to disk and renames it over the destination in one step. An interrupted or failed save leaves
the destination as it was and removes its temporary file; two saves racing to one path leave
one complete model, never a mix.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from ..core.atomic import replacing
from ..core.forward import WEIGHT_NAMES
from ..core.frames import HISTORY_MEMBER, encode_frames
from ..core.history import read_history
from ..core.modelfile import ModelFileError, encode_members, read_model_file
from .network import export_weights
from .quiet import keras, tf
from .train import TrainingResult


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def metadata(result: TrainingResult) -> dict:
    """What a model file records about its training; `confidence` and `figures` are added once
    the trained model has been evaluated (repl.training.train_and_save)."""
    config = result.config
    return {
        "domain": config.domain.to_dict(),
        "heldout": config.heldout_rule.to_dict(),
        "answer_order": config.answer_order,
        "question_align": config.question_align,
        "units": config.units,
        "parameters": int(result.model.count_params()),
        "training": {
            **config.to_dict(),
            "epochs_run": len(result.history),
            "best_epoch": result.best_epoch,
            "stopped_early": result.stopped_early,
            "restarts": result.restarts,
            "seconds": round(result.seconds, 2),
        },
        "history": [r.to_dict() for r in result.history],
        **history_map(result),
        "versions": {
            "seqsum": _version("seqsum"),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": _version("numpy"),
            "python": platform.python_version(),
        },
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def history_map(result: TrainingResult) -> dict:
    """How the recorded maps were drawn (core.history reads it), when training recorded them."""
    maps = [record.domain_map for record in result.history]
    if not maps or any(m is None for m in maps):
        return {}
    first = maps[0]
    return {"history_map": {"rows": int(first.cells.shape[0]), "columns": int(first.cells.shape[1]),
                            "block": first.block, "fixed": first.fixed, "drawn": first.drawn,
                            "remarks": list(first.remarks)}}


def history_frames(result: TrainingResult) -> np.ndarray | None:
    """Every epoch's map, (epochs, rows, columns), when training recorded them."""
    maps = [record.domain_map for record in result.history]
    return np.stack([m.cells for m in maps]).astype(np.uint8) if maps and None not in maps else None


def save_model(model: keras.Model, meta: dict, path: os.PathLike | str,
               table: np.ndarray | None = None, frames: np.ndarray | None = None) -> Path:
    """Write `model` with `meta` (and its answer table, core.table, and its training's maps,
    core.frames) to `path` atomically (see core.atomic); OSError if impossible.

    `table` must be the NumPy forward pass's answers from these very weights (core.evaluation.evaluate
    of the exported network gives them): the file read back must hold exactly those weights and
    that table, and its network must answer the table's spot checks, or nothing is put in place.
    """
    path = Path(path)
    weights = export_weights(model)
    with replacing(path) as temporary:
        model.save(temporary)
        with zipfile.ZipFile(temporary, "a", compression=zipfile.ZIP_STORED) as archive:
            for name, data in encode_members(meta, weights, table).items():
                archive.writestr(name, data)
            if frames is not None:  # a frame is mostly one class: deflated, it shrinks manifold
                archive.writestr(HISTORY_MEMBER, encode_frames(frames), compress_type=zipfile.ZIP_DEFLATED)
        written = read_model_file(temporary)  # never put in place a file that does not load back
        same = all(np.array_equal(written.network.weights[k], np.asarray(weights[k], np.float32))
                   for k in WEIGHT_NAMES)
        recorded = read_history(written) if frames is not None else None
        same = same and (frames is None or np.array_equal(recorded.frames, frames))
        if not same or (table is not None and not np.array_equal(written.table, table)):
            raise ModelFileError(temporary, "it did not read back as written", "this is a bug in seqsum")
    return path


def load_keras_model(path: os.PathLike | str) -> keras.Model:
    """The Keras model in a seqsum file (to compare with Keras or train on); ModelFileError if unusable.

    Its outputs are in the order the network writes (the file's `answer_order`); the answer path
    (core.forward) puts them in reading order.
    """
    read_model_file(path)
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)  # never runs code from a file
    except Exception as error:  # noqa: BLE001 - Keras raises many types for a damaged file
        raise ModelFileError(path, f"Keras could not load it ({type(error).__name__})") from None
