"""Model files: unusable ones are refused with one clear error, saves are atomic."""

import io
import json
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from seqsum.core.answer import Predictor
from seqsum.core.atomic import write_bytes
from seqsum.core.domain import VOCABULARY, Domain
from seqsum.core.modelfile import (
    META_MEMBER,
    TABLE_MEMBER,
    ModelFileError,
    encode_members,
    read_model_file,
)
from seqsum.core.table import encode_table

from .conftest import numpy_weights, write_numpy_model


def _rewrite_meta(source: Path, target: Path, change) -> Path:
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    meta = json.loads(members[META_MEMBER])
    change(meta)
    members[META_MEMBER] = json.dumps(meta).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def broken_files(tmp_path: Path, good: Path) -> dict[str, tuple[Path, str]]:
    data = good.read_bytes()
    files = {}

    def make(name: str, content: bytes, reason: str):
        path = tmp_path / f"{name}.keras"
        path.write_bytes(content)
        files[name] = (path, reason)

    make("empty", b"", "empty")
    make("noise", np.random.default_rng(0).bytes(4096), "not a .keras model archive")
    make("text", b"37+68\n", "not a .keras model archive")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a model")
    make("foreign-zip", buffer.getvalue(), "without seqsum's metadata")
    make("truncated", data[: len(data) // 2], "damaged or truncated")
    files["missing"] = (tmp_path / "nope.keras", "no such file")
    files["directory"] = (tmp_path, "directory")
    future = _rewrite_meta(good, tmp_path / "future.keras", lambda m: m.update(format_version=99))
    files["future"] = (future, "model format 99")
    zigzag = _rewrite_meta(good, tmp_path / "zigzag.keras", lambda m: m.update(answer_order="zigzag"))
    files["unknown-answer-order"] = (zigzag, "unknown answer order 'zigzag'")
    centred = _rewrite_meta(good, tmp_path / "centred.keras", lambda m: m.update(question_align="centre"))
    files["unknown-question-align"] = (centred, "unknown question alignment 'centre'")
    no_domain = _rewrite_meta(good, tmp_path / "nodomain.keras", lambda m: m.pop("domain"))
    files["no-domain"] = (no_domain, "lacks the domain")
    bad_domain = _rewrite_meta(good, tmp_path / "baddomain.keras",
                               lambda m: m.update(domain={"terms": 9, "max_operand": 99}))
    files["bad-domain"] = (bad_domain, "domain is not supported")
    return files


def test_every_kind_of_broken_file_gives_one_clear_error(tmp_path, numpy_model):
    for name, (path, reason) in broken_files(tmp_path, numpy_model).items():
        before = path.read_bytes() if path.is_file() else None
        with pytest.raises(ModelFileError) as caught:
            read_model_file(path)
        message = str(caught.value)
        assert reason in message, name
        assert str(path) in message and "--model" in message and "\n" not in message, name
        if before is not None:
            assert path.read_bytes() == before, f"{name} was modified"


def test_format_1_files_are_read_in_reading_order(tmp_path, numpy_model):
    """Files from before answer orders existed wrote first character first, and still load so."""
    old = _rewrite_meta(numpy_model, tmp_path / "v1.keras", lambda m: m.update(format_version=1))
    reversed_ = _rewrite_meta(numpy_model, tmp_path / "rev.keras",
                              lambda m: m.update(answer_order="reversed"))
    old_network, reversed_network = (read_model_file(p).network for p in (old, reversed_))
    assert old_network.answer_order == "reading"
    questions = np.array([[3, 7, 10, 6, 8], [1, 2, 10, 3, 11]])
    reading = old_network.probabilities(questions)
    assert not np.allclose(reading, reading[:, ::-1])  # so the comparison below can fail
    # The same weights writing in reverse put their first step's character last.
    assert reversed_network.probabilities(questions)[:, 2] == pytest.approx(reading[:, 0])


def test_files_before_format_4_read_left_aligned_questions(tmp_path, numpy_model):
    """Files from before question alignments existed read "7+3" as "7+3  ", and still answer so;
    a right-aligned model reads " 7+ 3" for the same sum, and answers differently."""
    old = read_model_file(_rewrite_meta(numpy_model, tmp_path / "v3.keras",
                                        lambda m: m.update(format_version=3)))
    right = read_model_file(_rewrite_meta(numpy_model, tmp_path / "right.keras",
                                          lambda m: m.update(question_align="right")))
    assert (old.network.question_align, right.network.question_align) == ("left", "right")
    operands = np.array([[7, 3], [45, 6]])
    assert np.array_equal(old.network.answer_probabilities(operands, old.domain),
                          old.network.probabilities(np.array([[7, 10, 3, 11, 11], [4, 5, 10, 6, 11]])))
    assert np.array_equal(right.network.answer_probabilities(operands, right.domain),
                          right.network.probabilities(np.array([[11, 7, 10, 11, 3], [4, 5, 10, 11, 6]])))


def test_unreadable_file_is_reported(numpy_model, monkeypatch):
    from seqsum.core import modelfile

    def denied(path, *args, **kwargs):  # root reads any file, so deny it the way the OS would
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(modelfile, "open", denied, raising=False)
    with pytest.raises(ModelFileError, match="permission denied") as caught:
        read_model_file(numpy_model)
    assert str(numpy_model) in str(caught.value)


def test_a_path_holding_a_nul_byte_is_refused_in_one_line():
    with pytest.raises(ModelFileError, match="the path contains a NUL byte"):
        read_model_file(Path("model\x00.keras"))
    with pytest.raises(ModelFileError, match="its path cannot be opened .*surrogate"):
        read_model_file(Path("\ud800.keras"))  # no file system name can hold a lone surrogate


@pytest.mark.parametrize("name, shape", [("decoder_recurrent", (8, 30)), ("dense_kernel", (8, 11)),
                                         ("encoder_bias", (31,))])
def test_weights_are_checked_against_their_expected_shapes(tmp_path, name, shape):
    weights = numpy_weights(8)
    weights[name] = np.zeros(shape, np.float32)
    members = encode_members({"domain": Domain().to_dict(), "heldout": {"fraction": 0.1, "seed": 0}},
                             weights)
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    with pytest.raises(ModelFileError, match=re.escape(f"weight {name} has shape {shape}, expected")):
        read_model_file(path)


def test_the_same_weights_answer_any_domain_their_file_names(tmp_path, numpy_model):
    """Weights do not depend on the domain: a file naming 0..9999 reads its wider questions."""
    wider = _rewrite_meta(numpy_model, tmp_path / "wider.keras",
                          lambda m: m.update(domain={"terms": 3, "max_operand": 9999}))
    model = read_model_file(wider)
    assert (model.domain.input_width, model.domain.answer_width) == (14, 5)
    probabilities = Predictor(model).answer([[9999, 9999, 9999]]).probabilities
    assert probabilities.shape == (1, 5, len(VOCABULARY))


def test_atomic_write_replaces_whole_or_not_at_all(tmp_path):
    target = tmp_path / "model.keras"
    target.write_bytes(b"old contents")

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        from seqsum.core.atomic import replacing

        with replacing(target) as temporary:
            temporary.write_bytes(b"half of the new")
            raise Boom
    assert target.read_bytes() == b"old contents"
    assert os.listdir(tmp_path) == ["model.keras"]
    write_bytes(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert os.listdir(tmp_path) == ["model.keras"]


def test_interrupted_keras_save_leaves_the_old_file(tmp_path, model_copy, monkeypatch):
    pytest.importorskip("seqsum.models.store", reason="needs TensorFlow")
    from seqsum.models import store
    from seqsum.models.network import build_model

    before = model_copy.read_bytes()
    model = build_model(read_model_file(model_copy).domain, units=16)

    def interrupted_save(self, path, *args, **kwargs):
        Path(path).write_bytes(b"PK\x03\x04partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(type(model), "save", interrupted_save)
    with pytest.raises(KeyboardInterrupt):
        store.save_model(model, {}, model_copy)
    assert model_copy.read_bytes() == before
    assert sorted(os.listdir(model_copy.parent)) == ["model.keras"]


def test_save_then_load_gives_identical_predictions(tmp_path, trained_model):
    pytest.importorskip("seqsum.models.store", reason="needs TensorFlow")
    from seqsum.models.store import load_keras_model, save_model

    original = read_model_file(trained_model)
    keras_model = load_keras_model(trained_model)
    again = save_model(keras_model, original.meta, tmp_path / "again.keras")
    reloaded = read_model_file(again)
    questions = np.array([[1, 10, 2], [9, 10, 9]])
    np.testing.assert_array_equal(
        original.network.probabilities(questions), reloaded.network.probabilities(questions)
    )


def _with_table(source: Path, target: Path, data: bytes) -> Path:
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[TABLE_MEMBER] = data
    with zipfile.ZipFile(target, "w") as archive:
        for name, member in members.items():
            archive.writestr(name, member)
    return target


def test_answer_table_makes_related_sums_lookups_with_the_same_answers(tmp_path):
    with_table = read_model_file(write_numpy_model(tmp_path / "t.keras", table=True))
    without = read_model_file(write_numpy_model(tmp_path / "n.keras"))
    assert with_table.table is not None and without.table is None
    tuples = np.random.default_rng(0).integers(0, 100, (500, 2))
    fast, slow = Predictor(with_table).answer(tuples), Predictor(without).answer(tuples)
    np.testing.assert_allclose(fast.probabilities, slow.probabilities, atol=1e-6)  # other batches
    np.testing.assert_array_equal(fast.agreement, slow.agreement)
    np.testing.assert_array_equal(fast.checks, slow.checks)


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_answer_tables_that_do_not_fit_are_refused(tmp_path):
    good = write_numpy_model(tmp_path / "good.keras", table=True)
    table = read_model_file(good).table
    wrong_zero, wrong_count = table.copy(), table.copy()
    wrong_zero["value"][0] += 1  # 0+0, the first tuple checked
    wrong_count["fitting"][1] += 1  # 0+1
    cases = {
        "values-only": (_npy(table["value"]), "expected (10000,) of (value int16"),
        "short": (encode_table(table[:-1]), "holds (9999,)"),
        "oversized": (encode_table(table) + b"\0" * 512, "larger than 10,000 answers can be"),
        "noise": (b"\x93NUMPY" + bytes(200), "answer table is damaged"),
        "wrong-answer": (encode_table(wrong_zero), "for 0+0, but its network answers"),
        "wrong-count": (encode_table(wrong_count), "for 0+1, but its network answers"),
    }
    for name, (data, reason) in cases.items():
        path = _with_table(good, tmp_path / f"{name}.keras", data)
        with pytest.raises(ModelFileError, match=re.escape(reason)) as caught:
            read_model_file(path)
        assert str(path) in str(caught.value) and "\n" not in str(caught.value), name
    big = write_numpy_model(tmp_path / "big.keras", domain=Domain(2, 1999))
    with pytest.raises(ModelFileError, match="more than an answer table may hold"):
        read_model_file(_with_table(big, tmp_path / "big-table.keras", encode_table(table[:10])))
