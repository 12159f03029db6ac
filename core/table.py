"""A model's answers to its whole domain, as one compact table written when the model is saved.

Each answer is checked against ~80 related sums (core.confidence). The table holds, for every
tuple in tuple_index order, the number its answer writes (-1 where the text is not a number)
and how many of its related sums fit that answer out of how many it has: 4 bytes a tuple,
1,000,000 pairs in 4 MB. With it the check is a lookup and only the asked tuple goes through the
network (its full softmax is shown). Only domains of at most TABLE_LIMIT tuples get one; their
largest sum is far below int16's limit, and a tuple has at most 201 related sums (5 terms).

The table is computed by the NumPy forward pass from the very weights saved beside it (the
exhaustive evaluation produces it), verified against the file once written, and spot-checked
against the network whenever the file is read.
"""

from __future__ import annotations

import io

import numpy as np

from .confidence import agreement, answer_values, related_counts_over_domain, related_sums
from .dataset import tuple_index
from .domain import Domain
from .layouts import edge_tuples

TABLE_LIMIT = 2_000_000
TABLE_DTYPE = np.dtype([("value", "<i2"), ("fitting", "u1"), ("related", "u1")])
SPOT_CHECKS = 64  # tuples compared with the network when a file is read: the edges, then seeded draws
NEAR_TIE = 1e-4  # probabilities this close may swap with the batch size (see check_table)
NPY_HEADER = 256  # numpy's .npy header (magic, version, dtype and shape), padded to 64 bytes


class TableError(ValueError):
    """An answer table that does not fit its model: wrong shape or type, or not its network's answers."""


def has_table(domain: Domain) -> bool:
    """Whether a model of this domain carries an answer table."""
    return domain.size <= TABLE_LIMIT


def table_bytes_limit(domain: Domain) -> int:
    """The largest an honest table member of this domain can be (its .npy header included)."""
    return domain.size * TABLE_DTYPE.itemsize + NPY_HEADER


def build_table(values: np.ndarray, domain: Domain) -> np.ndarray:
    """The table from every tuple's answer value (answer_values, in tuple_index order)."""
    table = np.empty(domain.size, TABLE_DTYPE)
    table["value"] = values
    table["fitting"], table["related"] = related_counts_over_domain(table["value"], domain)
    return table


def encode_table(table: np.ndarray) -> bytes:
    if table.dtype != TABLE_DTYPE:
        raise ValueError(f"an answer table is {TABLE_DTYPE}, not {table.dtype}")
    buffer = io.BytesIO()
    np.save(buffer, table, allow_pickle=False)
    return buffer.getvalue()


def decode_table(data: bytes, domain: Domain) -> np.ndarray:
    """The table in a member's bytes; TableError unless it is exactly one entry per tuple."""
    if len(data) > table_bytes_limit(domain):
        raise TableError(f"its answer table is larger than {domain.size:,} answers can be")
    try:
        table = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as error:  # noqa: BLE001 - any failure here means a damaged member
        raise TableError(f"its answer table is damaged ({type(error).__name__})") from None
    if not isinstance(table, np.ndarray) or table.dtype != TABLE_DTYPE or table.shape != (domain.size,):
        raise TableError(
            f"its answer table holds {getattr(table, 'shape', '?')} of {getattr(table, 'dtype', '?')}, "
            f"expected ({domain.size},) of (value int16, fitting uint8, related uint8)"
        )
    return table


def spot_check_tuples(domain: Domain, count: int = SPOT_CHECKS) -> np.ndarray:
    """The tuples compared at load: the edge tuples first (where networks go wrong), then draws."""
    edges = edge_tuples(domain, budget=count // 2)
    drawn = np.random.default_rng(0).integers(0, domain.max_operand + 1, (count - len(edges), domain.terms))
    return np.concatenate([edges, drawn])


def check_table(table: np.ndarray, network, operands: np.ndarray, domain: Domain) -> None:
    """TableError naming the first of `operands` where the table's answer differs from the
    network's, or its counts of fitting related sums from the table's own answers.

    The forward pass's last bits depend on how many rows it computes at once (BLAS picks other
    kernels), so an answer whose top two symbols are within NEAR_TIE somewhere is not held against
    the table: another batch may rightly have written the other one.
    """
    probabilities = network.answer_probabilities(operands, domain)
    answered = answer_values(probabilities.argmax(-1))
    top_two = np.sort(probabilities, axis=-1)[..., -2:]
    clear = (top_two[..., 1] - top_two[..., 0] > NEAR_TIE).all(axis=1)
    rows = table[tuple_index(operands, domain).astype(np.int64)]
    views, owners, offsets = related_sums(operands, domain)
    view_values = table["value"][tuple_index(views, domain).astype(np.int64)]
    share, related = agreement(rows["value"], view_values, owners, offsets, fallback=np.zeros(len(rows)))
    fitting = np.rint(share * related)
    wrong = (rows["value"] != answered) & clear
    wrong |= (rows["related"] != related) | (rows["fitting"] != fitting)
    if wrong.any():
        first = int(np.flatnonzero(wrong)[0])
        row = rows[first]
        raise TableError(
            f"its answer table says {row['value']} ({row['fitting']} of {row['related']} related sums "
            f"fit) for {'+'.join(map(str, operands[first]))}, but its network answers {answered[first]} "
            f"({int(fitting[first])} of {related[first]} fit)"
        )
