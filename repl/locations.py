"""Where seqsum keeps the user's things (own model, history, log), and which model file a run uses.

Model choice, first match wins: --model PATH, $SEQSUM_MODEL, the user's own model in the user
data directory (where :retrain saves), the bundled default.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path

from ..models import bundled_model_path

ENV_MODEL = "SEQSUM_MODEL"
USER_MODEL_NAME = "model.keras"


def data_dir() -> Path:
    """$XDG_DATA_HOME/seqsum (or the platform's equivalent)."""
    return user_data_path("seqsum", appauthor=False)


def user_model_path() -> Path:
    return data_dir() / USER_MODEL_NAME


def history_path() -> Path:
    return data_dir() / "history"


def log_path() -> Path:
    return data_dir() / "seqsum.log"


def details_logged() -> str:
    """Append the exception being handled to the log; " (details in PATH)", or "" if unwritable.

    Tracebacks go to this file, never to the terminal: the user reads one line and where the
    details are.
    """
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as log:
            log.write(traceback.format_exc() + "\n")
        return f" (details in {path})"
    except OSError:
        return ""


@dataclass(frozen=True)
class ModelChoice:
    path: Path
    source: str  # "--model", "$SEQSUM_MODEL", "user", "bundled"

    @property
    def is_bundled(self) -> bool:
        return self.source == "bundled"


def choose_model(option: str | os.PathLike | None) -> ModelChoice:
    if option:
        return ModelChoice(Path(option).expanduser(), "--model")
    if os.environ.get(ENV_MODEL):
        return ModelChoice(Path(os.environ[ENV_MODEL]).expanduser(), f"${ENV_MODEL}")
    user = user_model_path()
    if user.exists():
        return ModelChoice(user, "user")
    bundled = bundled_model_path()
    if bundled.exists():
        return ModelChoice(bundled, "bundled")
    return ModelChoice(user, "user")  # nothing yet: first use trains here


def retrain_destination(current: ModelChoice) -> Path:
    """Where :retrain saves: never over the bundled default."""
    return user_model_path() if current.is_bundled else current.path
