"""Values read out of a model file's metadata, whatever JSON the file holds.

A file from a stranger can put any JSON value anywhere: a string where a number belongs, a list
where an object belongs, NaN, 10**400, nesting a thousand deep. Each getter here returns a value
of the type its reader expects, or None (or an empty container) when the file holds anything
else; what the answer path relies on is checked when the file is read (core.modelfile), what is
only shown is shown when it makes sense and left out when it does not.
"""

from __future__ import annotations

import math


def number(value: object) -> float | None:
    """A finite JSON number as a float (not a bool, not NaN or infinite), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return value if math.isfinite(value) else None


def fraction(value: object) -> float | None:
    """A number from 0 to 1, else None."""
    value = number(value)
    return value if value is not None and 0.0 <= value <= 1.0 else None


def whole(value: object, low: int, high: int) -> int | None:
    """An integer from `low` to `high` (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if low <= value <= high else None


def section(meta: object, key: str) -> dict:
    """meta[key] when meta and it are objects, else an empty one."""
    value = meta.get(key) if isinstance(meta, dict) else None
    return value if isinstance(value, dict) else {}


def records(value: object) -> list[dict]:
    """The objects in a list (such as the training history); nothing when it is not a list."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def subset_figures(meta: dict, subset: str) -> tuple[float, int] | None:
    """(exact match, count) recorded for a subset ("all", "heldout", "trained"), when both are
    usable."""
    figures = section(section(meta, "figures"), subset)
    exact = fraction(figures.get("exact_match"))
    count = whole(figures.get("count"), 1, 1 << 62)
    return (exact, count) if exact is not None and count is not None else None
