"""Which model a run uses, and training on first use."""

import functools
import json
import shutil

import pytest
from click.testing import CliRunner

from seqsum.core.modelfile import read_model_file
from seqsum.models import bundled_model_path
from seqsum.repl import locations
from seqsum.repl.cli import cli

from .conftest import TINY


def test_precedence_option_then_environment_then_user_then_bundled(tmp_path, monkeypatch):
    user = locations.user_model_path()
    assert str(user).startswith(str(tmp_path))  # the isolated XDG_DATA_HOME
    bundled = locations.choose_model(None)
    assert bundled.source == "bundled" and bundled.path == bundled_model_path()
    user.parent.mkdir(parents=True)
    user.write_bytes(b"mine")
    assert locations.choose_model(None) == locations.ModelChoice(user, "user")
    monkeypatch.setenv("SEQSUM_MODEL", str(tmp_path / "env.keras"))
    assert locations.choose_model(None).path == tmp_path / "env.keras"
    assert locations.choose_model(tmp_path / "opt.keras").path == tmp_path / "opt.keras"


def test_retrain_never_writes_over_the_bundled_model(tmp_path):
    bundled = locations.ModelChoice(bundled_model_path(), "bundled")
    assert locations.retrain_destination(bundled) == locations.user_model_path()
    mine = locations.ModelChoice(tmp_path / "mine.keras", "--model")
    assert locations.retrain_destination(mine) == tmp_path / "mine.keras"


def test_first_use_trains_saves_then_answers_and_the_next_start_loads(tmp_path, monkeypatch):
    pytest.importorskip("seqsum.models.train", reason="needs TensorFlow")
    from seqsum.repl import training

    quick = dict(TINY, epochs=3)
    monkeypatch.setattr(training, "TrainConfig", functools.partial(training.TrainConfig, **quick))
    path = tmp_path / "new" / "model.keras"
    first = CliRunner().invoke(cli, ["--model", str(path), "--json"], input="3+4\n")
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["truth"] == 7  # stdout holds the answer and nothing else
    assert "training" in first.stderr and "epoch" in first.stderr
    assert read_model_file(path).domain.max_operand == 9
    again = CliRunner().invoke(cli, ["--model", str(path), "-e", "1+1"])
    assert again.exit_code == 0 and "epoch" not in again.stderr


def test_bundled_model_is_installed_and_answers_every_pair_exactly():
    from seqsum.core.answer import Predictor
    from seqsum.core.evaluation import evaluate

    model = read_model_file(bundled_model_path())
    assert model.domain.terms == 2 and model.domain.max_operand == 99
    assert model.parameters == 205_324
    assert model.network.answer_order == "reversed"  # made with the default recipe
    result = evaluate(Predictor(model))
    assert result.exhaustive and result.all.count == 10_000
    assert result.all.exact_match == 1.0, result.wrong
    assert model.recorded_exact_match() == (1.0, 10_000)


def test_environment_variable_is_used(tmp_path, monkeypatch, numpy_model):
    target = tmp_path / "env.keras"
    shutil.copy(numpy_model, target)
    monkeypatch.setenv("SEQSUM_MODEL", str(target))
    result = CliRunner().invoke(cli, ["-e", "1+1", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["truth"] == 2
