"""seqsum's user interface: command line, interactive session, pipe mode, rendering.

Nothing here imports TensorFlow at module level: answering never needs it; only training does,
and the training glue imports seqsum.models lazily.
"""
