"""Work done once per distinct value: a batch of answers repeats most of what it shows."""

from __future__ import annotations

import numpy as np


def each_distinct(keys: np.ndarray, text_of) -> np.ndarray:
    """`text_of(key)` for every key, as an array of str shaped like `keys`, calling it once per
    distinct key: a pipe formats hundreds of thousands of values, most of them alike."""
    distinct, inverse = np.unique(keys, return_inverse=True)
    texts = np.array([text_of(k) for k in distinct.tolist()], dtype=object)
    return texts[inverse.reshape(np.shape(keys))]
