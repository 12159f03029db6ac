"""What the probe found, for a terminal (`seqsum-repl probe`, `:probe`) and as a PNG (`--png`):
the read-outs beside their untrained control, and the final states on their first two principal
components, coloured by the true sum."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from ..core.atomic import write_bytes
from ..core.probe import Probe, Readout
from .palette import SUM_COLOURS, SUM_MARKS, sum_level, sum_ranges
from .render import Fragments
from .text import percent

PICTURE_COLUMNS = 64  # cells across; lines are half as many in colour (two cells a character)
PICTURE_LINES = 24


def score_text(readout: Readout, value: float) -> str:
    return f"{value:.3f}" if readout.measure == "R²" else percent(value)


def table(probe: Probe) -> Fragments:
    width = max(len(r.target) for r in probe.readouts)
    header = (f"  {'read out':<{width}}  {'measure':<8} {'network':>8} {'untrained':>10} {'chance':>8} "
              f"{'added':>7}")
    out: Fragments = [("class:dim", header + "\n")]
    for r in probe.readouts:
        gained = r.learned - r.untrained
        out += [("", f"  {r.target:<{width}}  {r.measure:<8} "),
                ("class:prediction", f"{score_text(r, r.learned):>8}"),
                ("", f" {score_text(r, r.untrained):>10} {score_text(r, r.chance):>8}"),
                ("class:ok" if gained > 0 else "class:dim", f" {gained:>+7.3f}\n")]
    return out


def picture(probe: Probe, color: bool) -> Fragments:
    """The grid of mean sums: half blocks in colour (two cells a character), one digit per cell
    (the tenth of the sums it falls in) without."""
    rows = PICTURE_LINES * 2 if color else PICTURE_LINES
    grid = probe.picture.grid(PICTURE_COLUMNS, rows)
    largest = probe.picture.largest_sum

    def level(value: float) -> int | None:
        return None if math.isnan(value) else sum_level(value, largest)

    out: Fragments = []
    step = 2 if color else 1
    for row in range(0, rows, step):
        out.append(("", "  "))
        for column in range(PICTURE_COLUMNS):
            upper = level(grid[row, column])
            if not color:
                out.append(("", " " if upper is None else SUM_MARKS[upper]))
                continue
            lower = level(grid[row + 1, column])
            fg = "" if upper is None else f"fg:{SUM_COLOURS[upper]}"
            bg = "" if lower is None else f" bg:{SUM_COLOURS[lower]}"
            out.append(((fg + bg).strip(), " " if upper is None and lower is None else "▀"))
        out.append(("", "\n"))
    return out


def sum_legend(largest: int, color: bool) -> Fragments:
    """Each colour's (or digit's) sums, "0-19", in two lines of five."""
    out: Fragments = []
    for level, sums in enumerate(sum_ranges(largest)):
        if level % 5 == 0:
            out.append(("", "  true sum " if level == 0 else "\n           "))
        swatch = (f"fg:{SUM_COLOURS[level]}", "██") if color else ("", f" {SUM_MARKS[level]}")
        out += [swatch, ("", f" {sums:<12}" if level % 5 < 4 else f" {sums}")]
    return out + [("", "\n")]


def fragments(probe: Probe, color: bool, title: str) -> Fragments:
    explained = probe.picture.explained
    return [
        ("class:prediction", f"{title}: what the encoder's last state holds\n"),
        ("class:dim", "  linear read-outs from the encoder's last h, fitted on "
                      f"{probe.trained:,} trained tuples\n  and scored on {probe.heldout:,} held-out ones; "
                      "beside each, the same read-out from an\n  untrained network of this shape, and what "
                      "the state's learning added\n"),
        *table(probe),
        ("class:dim", "  every probed tuple's last h on its first two principal components, by its "
                      f"true sum\n  ({percent(explained[0])} of the states' variance across, "
                      f"{percent(explained[1])} up):\n"),
        *picture(probe, color),
        *sum_legend(probe.picture.largest_sum, color),
    ]


def write_probe_png(probe: Probe, path: Path, title: str) -> None:
    """The picture as a scatter of every tuple, and the read-outs as bars, in one PNG."""
    import matplotlib  # the plot extra: only a picture loads it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    fig, (scatter_ax, bars_ax) = plt.subplots(1, 2, figsize=(12, 5.5), layout="constrained",
                                              gridspec_kw={"width_ratios": [1.1, 1]})
    points, sums = probe.picture.points, probe.picture.sums
    order = np.argsort(sums)  # the largest sums drawn last
    drawn = scatter_ax.scatter(points[order, 0], points[order, 1], c=sums[order], s=4,
                               cmap=ListedColormap(SUM_COLOURS), vmin=0, vmax=probe.picture.largest_sum)
    fig.colorbar(drawn, ax=scatter_ax, label="true sum")
    explained = probe.picture.explained
    scatter_ax.set(xlabel=f"first principal component ({percent(explained[0])} of the variance)",
                   ylabel=f"second ({percent(explained[1])})", title="the encoder's last h, by true sum")
    names = [r.target.removeprefix("the ").replace(" of the sum", "") for r in probe.readouts]
    y = np.arange(len(names))
    for offset, label, values, colour in (
            (-0.27, "this network", [r.learned for r in probe.readouts], "#2b7fb8"),
            (0.0, "untrained", [r.untrained for r in probe.readouts], "#bbbbbb"),
            (0.27, "chance", [r.chance for r in probe.readouts], "#e2e2e2")):
        bars_ax.barh(y + offset, values, height=0.26, label=label, color=colour)
    bars_ax.set(yticks=y, yticklabels=[f"{n} ({r.measure})" for n, r in zip(names, probe.readouts)],
                xlim=(0, 1), title=f"linear read-outs, scored on {probe.heldout:,} held-out tuples")
    bars_ax.invert_yaxis()
    bars_ax.legend(loc="lower right")
    fig.suptitle(title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    write_bytes(path, buffer.getvalue())
