"""The colours and characters that draw network states and sums, for the terminal, the web page,
the notebook and images alike (the page's and notebook's styles are generated from these).

A state's values go from blue (negative) through pale grey (near 0) to red (positive), in the
levels core.trace draws; without colour each level is a character. Sums go from dark violet
(small) to yellow (large), in tenths of the largest sum; without colour, the tenth's digit.
"""

from __future__ import annotations

import math

from ..core.trace import LEVEL_EDGES

STATE_COLOURS = ("#2166ac", "#67a9cf", "#c6dbef", "#e4e4e4", "#fdd0b5", "#ef8a62", "#b2182b")
STATE_MARKS = ("=", "-", ",", ".", "'", "+", "#")
"""Without colour: `=` `-` `,` for negative values, strongest first, `.` near 0, `'` `+` `#` for
positive ones, weakest first."""
SUM_COLOURS = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e",
               "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725")
SUM_MARKS = tuple("0123456789")

assert len(STATE_COLOURS) == len(STATE_MARKS) == len(LEVEL_EDGES) + 1
assert len(SUM_COLOURS) == len(SUM_MARKS)


def sum_level(mean_sum: float, largest_sum: int) -> int:
    """Which tenth of 0..largest_sum a (mean) sum falls in: 0 to 9."""
    return min(len(SUM_COLOURS) - 1, int(mean_sum * len(SUM_COLOURS) / max(1, largest_sum + 1)))


def sum_ranges(largest_sum: int) -> list[str]:
    """The sums each level stands for, for a legend: "0-19", "20-39", ..., or "18" alone."""
    tenth = (largest_sum + 1) / len(SUM_COLOURS)
    ranges = []
    for level in range(len(SUM_COLOURS)):
        low, high = math.ceil(level * tenth), math.ceil((level + 1) * tenth) - 1
        ranges.append(str(low) if low == high else f"{low}-{high}")
    return ranges
