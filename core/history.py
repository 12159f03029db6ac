"""A model's training history, as it trained: per epoch the figures (loss, held-out and trained
exact match, learning rate), the map of the domain and the watched sums' answers. Training
records it (core.watch); `replay`, the web page and the notebook play it back.

The figures and the watched sums are in the metadata's `history` list, one record per epoch;
the maps are the model file's member core.modelfile.HISTORY_MEMBER, one frame per epoch, each
cell one of the four classes of core.domain_map. Files written before seqsum recorded maps have
figures only: they have no history to replay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .domain import Domain
from .domain_map import CATEGORIES, CATEGORY_KEYS, WRONG_UNSURE, DomainMap
from .frames import HISTORY_MEMBER, HistoryError, decode_frames, frames_bytes_limit
from .metadata import fraction, number, records, section, whole
from .modelfile import DAMAGED, ModelFile, open_archive, read_member

FORGOTTEN = len(CATEGORIES)
"""A class for showing, not recording: a cell right at the epoch before and wrong now."""


def forgotten(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Cells of a map right (sure or not) in `before` and wrong (marked or not) in `after`."""
    return (before < WRONG_UNSURE) & (after >= WRONG_UNSURE)


@dataclass
class History:
    """A training run's epochs, each with its figures, watched answers and map."""

    domain: Domain
    records: list[dict]  # the metadata's history records, as recorded
    frames: np.ndarray  # (epochs, rows, columns) class of every cell
    block: int  # operand values per cell side
    fixed: int | None  # the third and later operands' value (None for two terms)
    drawn: int  # as DomainMap.drawn
    remarks: tuple[str, ...]
    best_epoch: int | None  # the epoch whose weights were kept

    @property
    def epochs(self) -> int:
        return len(self.records)

    def map_at(self, index: int) -> DomainMap:
        """The map after epoch `index + 1`."""
        cells = self.frames[index]
        counts = np.bincount(cells.ravel(), minlength=len(CATEGORIES))
        return DomainMap(self.domain, cells, self.block, self.fixed, counts, self.drawn, self.remarks)

    def forgotten_at(self, index: int) -> np.ndarray:
        """(rows, columns) cells right after the epoch before and wrong after this one."""
        if index == 0:
            return np.zeros(self.frames.shape[1:], bool)
        return forgotten(self.frames[index - 1], self.frames[index])

    def figure(self, index: int, name: str) -> float | None:
        """A figure of an epoch's record (loss, heldout_exact, ...), None when not a number."""
        return number(self.records[index].get(name))

    def watched_at(self, index: int) -> list[dict]:
        """The watched sums' answers after an epoch: input, prediction, correct (each a string
        and a bool, whatever the file holds)."""
        return [{"input": str(w.get("input", "")), "prediction": str(w.get("prediction", "")),
                 "correct": w.get("correct") is True}
                for w in records(self.records[index].get("watched"))]

    def to_records(self) -> list[dict]:
        """One record per epoch, for programs (the page's `seqsum.history()`, the notebook)."""
        return [{
            "epoch": whole(record.get("epoch"), 1, 1 << 31) or index + 1,
            "loss": self.figure(index, "loss"),
            "heldout_exact": fraction(record.get("heldout_exact")),
            "counts": dict(zip(CATEGORY_KEYS, self.map_at(index).counts.tolist())),
            "watched": [{key: w[key] for key in ("input", "prediction")} for w in self.watched_at(index)],
        } for index, record in enumerate(self.records)]


def history_from(meta: dict, domain: Domain, frames: np.ndarray) -> History:
    """The History of a model file's metadata and its decoded frames."""
    geometry = section(meta, "history_map")
    fixed = geometry.get("fixed")
    return History(
        domain=domain,
        records=records(meta.get("history")),
        frames=frames,
        block=whole(geometry.get("block"), 1, 10_000) or 1,
        fixed=fixed if whole(fixed, 0, domain.max_operand) is not None else None,
        drawn=whole(geometry.get("drawn"), 0, 10_000) or 0,
        remarks=tuple(str(r) for r in geometry.get("remarks", []) if isinstance(r, str))
        if isinstance(geometry.get("remarks"), list) else (),
        best_epoch=whole(section(meta, "training").get("best_epoch"), 1, 1 << 31),
    )


def read_history(model: ModelFile) -> History | None:
    """The history a model file recorded, None when it recorded none (files from before seqsum
    recorded maps, or trained with recording off); HistoryError when what it holds is damaged.
    Read only when asked for: answering never needs it."""
    epochs = len(records(model.meta.get("history")))
    try:
        with open_archive(model.data) as archive:
            if not epochs or HISTORY_MEMBER not in archive.namelist():
                return None
            data = read_member(archive, HISTORY_MEMBER, frames_bytes_limit(epochs))
    except DAMAGED as error:
        raise HistoryError(f"its recorded maps cannot be read ({type(error).__name__})") from None
    if data is None:
        raise HistoryError(f"its recorded maps are larger than {epochs:,} epochs' maps can be")
    return history_from(model.meta, model.domain, decode_frames(data, epochs))
