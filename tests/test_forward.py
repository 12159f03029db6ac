"""The NumPy forward pass without TensorFlow: what it remembers and keeps between passes (first
operands' states, scratch arrays) never changes an answer."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from seqsum.core.codec import INDEX
from seqsum.core.forward import PREFIX_BATCH, NumpyNetwork

from .conftest import numpy_weights

TEXTS = ["7+3    ", "07+3   ", "7+30   ", "07+30  ", "999+1  ", "99+91  ", "0+0    ", "+7+3   ", "1234567"]
RIGHT_ALIGNED = ["  7+  3", " 17+ 30", "999+  1", "  0+  0", "   +  3", " 7 +  3", "7  +  3", "+++++++",
                 " 00+  3", "  00+ 3"]


@pytest.mark.parametrize("align, texts, lengths", [
    ("left", TEXTS, [1, 2, 3]),  # 7 and 0, 07 and 99, 999; not "+7", "1234567"
    ("right", RIGHT_ALIGNED, [3]),  # "  7" to "999"; not "   ", " 7 ", "7  ", "+", " 00", "  00"
])
def test_questions_sharing_a_first_operand_start_from_its_remembered_state(align, texts, lengths):
    questions = np.array([[INDEX[ch] for ch in text] for text in texts] * 8)  # at least PREFIX_BATCH
    remembering = NumpyNetwork(numpy_weights(32), 4, "reversed", align)
    first, again = remembering.probabilities(questions), remembering.probabilities(questions[::-1])
    plain = NumpyNetwork(numpy_weights(32), 4, "reversed", align)
    # The private seam is the thing under test: the same network with prefix sharing turned off.
    plain._encode_sharing_prefixes = lambda q: plain._encode(q)[0]  # every question read whole
    expected = plain.probabilities(questions)
    np.testing.assert_allclose(first, expected, atol=1e-6)
    np.testing.assert_allclose(again, expected[::-1], atol=1e-6)
    assert sorted(remembering._prefixes) == lengths  # which operand lengths were remembered
    assert len(questions) >= PREFIX_BATCH


def test_an_answer_never_depends_on_what_earlier_batches_asked():
    """A pipe answers a batch's parts in worker processes or in its own, each with the first
    operands' states it computed for earlier batches: the same part must get the same bits."""
    rng = np.random.default_rng(3)
    texts = [f"{a}+{b}".ljust(7) for a, b in rng.integers(0, 1000, (300, 2)).tolist()]
    batch = np.array([[INDEX[ch] for ch in text] for text in texts])
    fresh = NumpyNetwork(numpy_weights(128), 4, "reversed")  # enough units for the last bits to vary
    seasoned = NumpyNetwork(numpy_weights(128), 4, "reversed")
    for row in batch[:20]:  # one first operand at a time: its state from a one-row product
        seasoned.probabilities(np.tile(row, (PREFIX_BATCH, 1)))
    assert np.array_equal(fresh.probabilities(batch), seasoned.probabilities(batch))


def test_kept_scratch_never_carries_values_between_passes_threads_or_networks(monkeypatch):
    """Each thread keeps the arrays a pass overwrites for its next pass: passes of other
    networks, other lengths and other threads must answer exactly as with fresh arrays."""
    from seqsum.core import forward

    rng = np.random.default_rng(0)
    batches = [rng.integers(0, len(INDEX), (rows, 7)) for rows in (3000, 100, 7, 2048)]
    networks = [NumpyNetwork(numpy_weights(units), 4, "reversed") for units in (32, 48)]

    def answer_all():
        return [network.probabilities(batch) for batch in batches for network in networks]

    def fresh_arrays(cls, rows, units):
        scratch = cls(rows, units)
        return scratch.z, scratch.gathered, scratch.product

    with monkeypatch.context() as fresh:
        fresh.setattr(forward._Scratch, "arrays", classmethod(fresh_arrays))
        expected = answer_all()
    with ThreadPoolExecutor(4) as pool:
        for answered in [*pool.map(lambda _: answer_all(), range(8)), answer_all()]:
            for mine, theirs in zip(answered, expected, strict=True):
                np.testing.assert_array_equal(mine, theirs)
