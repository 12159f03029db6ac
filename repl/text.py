"""How values are written for a person: percentages, padding, sparklines.

One definition each, shared by the session, pipes, reports and the progress line.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.distinct import each_distinct
from ..core.domain import PAD

PADDING_SHOWN = "␣"
SPARKS = "▁▂▃▄▅▆▇█"


def percent(p: float | None, places: int = 1) -> str:
    """A share as a percentage that never claims 100 % unless it is exactly 1; "n/a" for None."""
    if p is None:
        return "n/a"
    p = float(p)
    if not math.isfinite(p):  # no share is; shown as it is rather than raising
        return f"{p * 100:.{places}f}%"
    return _percent_text(round(p * 10 ** (places + 2)), p < 1.0, places)


def percents(values: np.ndarray, places: int = 1) -> np.ndarray:
    """`percent` of every value, as an array of str shaped like `values` (see each_distinct)."""
    values = np.asarray(values, np.float64)
    finite = np.isfinite(values)
    keys = np.rint(np.where(finite, values, 0) * 10 ** (places + 2)).astype(np.int64) * 2 + (values < 1.0)
    out = each_distinct(keys, lambda k: _percent_text(k // 2, bool(k % 2), places))
    out[~finite] = [percent(v, places) for v in values[~finite].tolist()]
    return out


def _percent_text(scaled: int, below_one: bool, places: int) -> str:
    """The text of a share rounded to `scaled` units of 10**-places per cent."""
    if below_one and scaled == 100 * 10**places:
        return f">{100 - 10 ** -places:.{places}f}%"
    return f"{scaled / 10**places:.{places}f}%"


def ordinal(number: int) -> str:
    """`1st`, `2nd`, `3rd`, `4th`, ... (an answer has at most 6 characters)."""
    return f"{number}{'st' if number == 1 else 'nd' if number == 2 else 'rd' if number == 3 else 'th'}"


def plural(count: int, noun: str) -> str:
    """`1 trained tuple`, `1,684 trained tuples`."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def shown(ch: str) -> str:
    """How a written character is drawn for a person: padding becomes a visible ␣."""
    return PADDING_SHOWN if ch == PAD else ch


def shown_answer(prediction: str) -> str:
    """A prediction for a person: an all-padding answer is shown as (blank), not as nothing."""
    return prediction if prediction else "(blank)"


def sparkline(values: list[float], low: float | None = None, high: float | None = None) -> str:
    if not values:
        return ""
    low = min(values) if low is None else low
    high = max(values) if high is None else high
    span = (high - low) or 1.0
    return "".join(SPARKS[min(7, int((v - low) / span * 7.999))] for v in values)
