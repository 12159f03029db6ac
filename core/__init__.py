"""seqsum's pure-NumPy core: domain, codec, parsing, data, scoring and the answer path.

Nothing in this package may import TensorFlow or Keras: answering an expression must stay fast.
"""
