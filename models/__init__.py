"""Everything Keras: the network, training, and model files.

Importing this package itself is cheap and TensorFlow-free (the answer path uses it to find the
bundled model); its modules `network`, `train` and `store` import TensorFlow.
"""

from importlib.resources import files
from pathlib import Path

BUNDLED_MODEL_NAME = "default.keras"


def bundled_model_path() -> Path:
    """The default model installed with seqsum (produced by `seqsum-repl train`)."""
    return Path(str(files(__name__) / BUNDLED_MODEL_NAME))
