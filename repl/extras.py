"""The optional packages (the `plot` and `tensorboard` extras): probed only when an option needs
one, and a missing one named in one line with the command that installs it."""

from __future__ import annotations

from .errors import Failure


def check_plot_available(option: str = "--plot") -> None:
    try:
        import matplotlib  # noqa: F401 - optional (the plot extra): only probed when asked for
    except ImportError:
        raise Failure(
            f"{option} needs matplotlib: pip install 'seqsum[plot]' (or pip install matplotlib)"
        ) from None


def check_tensorboard_available() -> None:
    try:
        import tensorboard  # noqa: F401 - optional (the tensorboard extra): only probed when asked for
    except ImportError:
        raise Failure(
            "--tensorboard needs TensorBoard: pip install 'seqsum[tensorboard]' "
            "(or pip install tensorboard)"
        ) from None
