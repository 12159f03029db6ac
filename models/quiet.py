"""Import TensorFlow and Keras without their log noise reaching the user's terminal.

TensorFlow writes some lines from C++ before its logging is configured (the CUDA stub probe,
the oneDNN banner), so TF_CPP_MIN_LOG_LEVEL alone does not silence them: file descriptor 2 is
pointed at /dev/null for the duration of the import. Import this module before anything that
imports tensorflow or keras.
"""

import contextlib
import logging
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
warnings.filterwarnings("ignore", module=r"(tensorflow|keras|absl|google)(\.|$)")


@contextlib.contextmanager
def _stderr_silenced():
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (e.g. captured by a test runner)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


with _stderr_silenced():
    import absl.logging
    import keras
    import tensorflow as tf

absl.logging.set_verbosity(absl.logging.ERROR)
logging.getLogger("tensorflow").setLevel(logging.ERROR)
tf.get_logger().setLevel(logging.ERROR)

__all__ = ["keras", "tf"]
