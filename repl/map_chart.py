"""The domain map as a PNG (`seqsum-repl evaluate --map FILE.png`), drawn with matplotlib.

The image is always FIGSIZE at DPI, so its size in pixels is known (PIXELS); a domain wider than
core.domain_map.IMAGE_CELLS is downsampled as on the terminal (each cell the worst of its block,
said in the image).
"""

from __future__ import annotations

import io
from pathlib import Path

from ..core.answer import Predictor
from ..core.atomic import write_bytes
from ..core.domain_map import (
    CATEGORIES,
    COLOURS,
    IMAGE_CELLS,
    DomainMap,
    check_size,
    map_domain,
    parse_others,
)
from .extras import check_plot_available
from .map_view import MapProgress

FIGSIZE, DPI = (8, 8), 100
PIXELS = (FIGSIZE[0] * DPI, FIGSIZE[1] * DPI)  # width, height


def write_map_png(domain_map: DomainMap, path: Path, title: str) -> None:
    """Draw the map with labelled axes, a legend with counts and the map's notes; write it atomically."""
    # matplotlib is the optional `plot` extra and slow to import: only a map or chart loads it.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    values = domain_map.domain.max_operand + 1
    covered = domain_map.cells.shape[0] * domain_map.block  # past the last operand when a block is partial
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    ax.imshow(domain_map.cells, cmap=ListedColormap(COLOURS), vmin=-0.5, vmax=len(COLOURS) - 0.5,
              interpolation="nearest", extent=(-0.5, covered - 0.5, covered - 0.5, -0.5))
    ax.set(xlim=(-0.5, values - 0.5), ylim=(values - 0.5, -0.5))
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel("second operand")
    ax.set_ylabel("first operand")
    counted = domain_map.counted
    handles = [Patch(facecolor=colour, edgecolor="#555555", label=f"{name}: {count:,} {counted}")
               for name, colour, count in zip(CATEGORIES, COLOURS, domain_map.counts.tolist())]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, frameon=False)
    fig.suptitle("\n".join([title, *domain_map.notes]))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    write_bytes(path, buffer.getvalue())


def map_options(predictor: Predictor, others: str | None) -> int | None:
    """`--map-others` as map_domain's `fixed`, once matplotlib and the map's size are known to
    be fine, so a mistake is reported before the evaluation runs (MapError or Failure)."""
    check_plot_available("--map")
    fixed = parse_others(others or "", predictor.domain)
    check_size(predictor, fixed)
    return fixed


def draw_map_png(predictor: Predictor, path: Path, fixed: int | None) -> str:
    """Answer the map (progress on stderr), write it to `path`, and say so in one line."""
    with MapProgress() as progress:
        drawn = map_domain(predictor, fixed, IMAGE_CELLS, progress)
    model = predictor.model
    write_map_png(drawn, path, f"seqsum: {model.path.name}, {model.domain.describe()}")
    return f"map written to {path} ({PIXELS[0]}x{PIXELS[1]} pixels)"
