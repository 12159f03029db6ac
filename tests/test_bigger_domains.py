"""Domains beyond the default: 3 terms of 0..99 and 2 terms of 0..999, end to end."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from seqsum.core.domain import Domain
from seqsum.core.table import TABLE_LIMIT
from seqsum.repl.cli import cli

from .conftest import write_numpy_model


@pytest.mark.parametrize("domain, sample, truth, scored", [
    (Domain(3, 99), "99+99+99", 297, None),
    (Domain(3, 63), "63+63+63", 189, 262_144),  # too large to train whole, scored whole
    (Domain(2, 999), "999+1", 1000, None),
    (Domain(5, 999), "1+2+3+4+5", 15, 2_000 + 40),  # the edge tuples and a sample
])
def test_pipe_and_evaluate_on_bigger_domains(tmp_path, domain, sample, truth, scored):
    model = write_numpy_model(tmp_path / "big.keras", domain=domain, units=4)
    result = CliRunner().invoke(cli, ["--model", str(model), "--json"], input=f"{sample}\n1+1+1+1+1+1\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["truth"] == truth
    assert len(records[0]["chars"]) == domain.answer_width
    assert "error" in records[1] and domain.describe() in records[1]["error"]
    if scored is None:
        return
    evaluated = CliRunner().invoke(cli, ["evaluate", "--model", str(model), "--json", "--sample-size", "40"])
    report = json.loads(evaluated.stdout)
    assert report["all"]["count"] == scored
    assert report["heldout"]["count"] + report["trained"]["count"] == scored
    wrong = report["wrong"]
    assert wrong and report["all"]["exact_match"] < 1  # random weights: some answers are wrong,
    piped = CliRunner().invoke(cli, ["--model", str(model), "--json"],
                               input="".join(w["input"] + "\n" for w in wrong))
    for listed, answered in zip(wrong, map(json.loads, piped.stdout.splitlines()), strict=True):
        assert listed["prediction"] == answered["prediction"] != str(answered["truth"])  # as the pipe says
        assert listed["truth"] == answered["truth"] == sum(answered["operands"])


def test_evaluate_samples_a_domain_too_large_to_score_whole(tmp_path):
    """Edge tuples (0, 1, 1999 and 2..9: 11**2 pairs) and one tuple drawn from each layout."""
    domain, edges = Domain(2, 1999), 11**2
    assert domain.size > TABLE_LIMIT
    model = write_numpy_model(tmp_path / "big.keras", domain=domain, units=4)
    layouts = domain.operand_width ** domain.terms
    evaluated = CliRunner().invoke(cli, ["evaluate", "--model", str(model), "--json",
                                         "--sample-size", str(layouts)])
    report = json.loads(evaluated.stdout)
    assert report["exhaustive"] is False
    assert report["edges"]["count"] == edges
    # Every one-digit pair is an edge tuple, so the one drawn from that layout is one of them.
    assert report["all"]["count"] == edges + layouts - 1
    assert len(report["layouts"]) == layouts  # one tuple drawn from each


def test_tuples_with_wrapping_positions_get_their_own_answers(tmp_path):
    from seqsum.core.answer import Predictor
    from seqsum.core.modelfile import read_model_file

    from .test_dataset import WRAPPING

    predictor = Predictor(read_model_file(write_numpy_model(tmp_path / "five.keras", domain=Domain(5, 9999))))
    together = predictor.answer(WRAPPING)
    for row, operands in enumerate(WRAPPING):
        alone = predictor.answer([operands])
        # Equal but for the last bits that BLAS gives batches of other sizes.
        np.testing.assert_allclose(together.probabilities[row], alone.probabilities[0], atol=1e-6)
        assert together.agreement[row] == alone.agreement[0]
    assert np.abs(together.probabilities[0] - together.probabilities[1]).max() > 1e-3
