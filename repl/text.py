"""How values are written for a person: percentages, padding, sparklines.

One definition each, shared by the session, pipes, reports and the progress line.
"""

from __future__ import annotations

from ..core.domain import PAD

PADDING_SHOWN = "␣"
SPARKS = "▁▂▃▄▅▆▇█"


def percent(p: float | None, places: int = 1) -> str:
    """A share as a percentage that never claims 100 % unless it is exactly 1; "n/a" for None."""
    if p is None:
        return "n/a"
    text = f"{p * 100:.{places}f}%"
    if p < 1.0 and text == f"{100:.{places}f}%":
        return f">{100 - 10 ** -places:.{places}f}%"
    return text


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
