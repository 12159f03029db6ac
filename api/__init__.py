"""seqsum in Python: a calculator whose arithmetic is done by an LSTM encoder-decoder.

    import seqsum
    calc = seqsum.load()            # the model `seqsum-repl` would use
    calc("37+68")                   # an answer: prediction, truth, confidence, ...
    calc.trace("37+68")             # the sum followed through the network, step by step
    calc.map(), calc.probe(), calc.history, calc.evaluate()
    seqsum.train(max_operand=19, epochs=10, out="small.keras")

In Jupyter every result draws itself as the web page draws it (`seqsum-repl web`); elsewhere it
prints as the terminal does. Importing seqsum never imports TensorFlow: only `train` and
`Calculator.keras_model` do.
"""

from .repl.notebook import (
    Answer,
    Answers,
    Calculator,
    Drawing,
    InvalidSum,
    SeqsumError,
    load,
    train,
)

__all__ = ["Answer", "Answers", "Calculator", "Drawing", "InvalidSum", "SeqsumError", "load", "train"]
