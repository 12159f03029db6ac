"""Looking inside a model, for the command line and the session alike: a trace of one typed sum,
and the probe of its encoder's last state, each refused in one line when it cannot be made."""

from __future__ import annotations

from ..core.modelfile import ModelFile
from ..core.parse import ParseError, parse_expression
from ..core.printable import quoted
from ..core.probe import Probe, ProbeError, probe
from ..core.trace import Trace, trace
from .errors import EXIT_REJECTED, Failure


def trace_expression(model: ModelFile, text: str) -> Trace:
    """The trace of a typed sum; Failure naming why when the text is not one."""
    try:
        operands = parse_expression(text, model.domain)
    except ParseError as error:
        raise Failure(f"cannot trace {quoted(text)}: {error}", EXIT_REJECTED) from None
    return trace(model.network, model.domain, operands, text)


def probe_model(model: ModelFile) -> Probe:
    """The probe of the model's encoder; Failure when the model has no tuples to score it on."""
    try:
        return probe(model.network, model.domain, model.heldout_rule)
    except ProbeError as error:
        raise Failure(str(error)) from None
