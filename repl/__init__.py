"""seqsum's user interface: command line, interactive session, pipe mode, rendering.

Nothing here imports TensorFlow at module level: answering never needs it; only training does,
and the training glue imports seqsum.models lazily.
"""

import os

# One BLAS thread unless the user says otherwise (read when NumPy is first imported, which is
# after this): the answer path multiplies small matrices, and on a shared CPU a second BLAS thread
# mostly waits for a core and slows the forward pass (docs/benchmarks.md, bench/answer_path.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
