import numpy as np
import pytest

from seqsum.core.dataset import (
    TRAIN_WHOLE_LIMIT,
    HeldOutRule,
    all_tuples,
    distinct_rows,
    split,
    tuple_index,
    tuples_from_index,
)
from seqsum.core.domain import Domain
from seqsum.core.layouts import edge_tuples, layout_of, layouts
from seqsum.core.modelfile import read_model_file
from seqsum.models import bundled_model_path

from .conftest import text_of


def test_small_domain_split_is_exhaustive_and_disjoint():
    d = Domain()
    training, heldout = split(d, HeldOutRule(0.10, seed=0))
    train_keys = set(tuple_index(training.operands, d).tolist())
    held_keys = set(tuple_index(heldout.operands, d).tolist())
    assert not train_keys & held_keys
    assert len(train_keys) + len(held_keys) == d.size == 10_000
    assert 850 <= len(held_keys) <= 1150  # 10 % of 10,000, by a hash
    assert len(training) == len(train_keys)  # each trained tuple once


def test_split_is_deterministic_and_depends_on_the_seed():
    d = Domain()
    a = HeldOutRule(0.1, 7).is_held_out(all_tuples(d), d)
    b = HeldOutRule(0.1, 7).is_held_out(all_tuples(d), d)
    c = HeldOutRule(0.1, 8).is_held_out(all_tuples(d), d)
    assert (a == b).all()
    assert (a != c).any()


def test_rule_decides_per_tuple_whatever_the_batch():
    d = Domain(3, 999)
    rule = HeldOutRule(0.2, 3)
    rng = np.random.default_rng(0)
    tuples = rng.integers(0, 1000, size=(5000, 3))
    whole = rule.is_held_out(tuples, d)
    one_by_one = np.array([rule.is_held_out(t[None, :], d)[0] for t in tuples[:200]])
    assert (whole[:200] == one_by_one).all()
    assert 0.17 < whole.mean() < 0.23


def test_large_domain_is_sampled_and_still_disjoint():
    d = Domain(2, 999)
    assert d.size > TRAIN_WHOLE_LIMIT
    rule = HeldOutRule(0.1, 0)
    training, heldout = split(d, rule, train_size=20_000, heldout_size=2_000, seed=1)
    # At most as many as asked: a layout with fewer tuples on its side than its share has them all.
    assert 19_000 < len(training) <= 20_000 and 1_000 < len(heldout) <= 2_000
    assert not rule.is_held_out(training.operands, d).any()
    assert rule.is_held_out(heldout.operands, d).all()


@pytest.mark.parametrize("domain", [Domain(2, 999), Domain(3, 99)])
def test_large_domain_split_covers_every_layout_and_its_edges(domain):
    rule = HeldOutRule(0.1, 0)
    training, heldout = split(domain, rule, train_size=20_000, heldout_size=2_000, seed=1)
    again, _ = split(domain, rule, train_size=20_000, heldout_size=2_000, seed=1)
    assert (training.operands == again.operands).all()
    every_layout = set(range(len(layouts(domain))))
    short = layouts(domain)[0]  # every operand one digit: 100 or 1,000 tuples, all edge tuples
    assert set(layout_of(training.operands, domain).tolist()) == every_layout
    assert set(layout_of(heldout.operands, domain).tolist()) == every_layout - {short.code}
    for part in (training, heldout):
        assert len(np.unique(part.operands, axis=0)) == len(part)
    assert (layout_of(training.operands, domain) == short.code).sum() == short.size  # all trained
    edges = edge_tuples(domain)
    assert _rows_in(edges, training.operands).all() and not _rows_in(edges, heldout.operands).any()


def test_edge_tuples_of_a_sampled_domain_are_never_held_out():
    d = Domain(2, 9999)
    rule, before = HeldOutRule(0.1, 0), HeldOutRule(0.1, 0, trains_edges=False)
    assert before.is_held_out(np.array([[0, 1], [1, 0]]), d).all()  # seed 0 held out 0+1 and 1+0
    edges = edge_tuples(d)
    assert len(edges) == 121 and not rule.is_held_out(edges, d).any()
    others = np.random.default_rng(0).integers(10, 9999, size=(50_000, 2))
    assert (rule.is_held_out(others, d) == before.is_held_out(others, d)).all()
    assert 4_000 < before.is_held_out(others, d).sum() < 6_000
    small = Domain(2, 99)  # trained whole: held out uniformly, edges too
    assert (rule.is_held_out(all_tuples(small), small) == before.is_held_out(all_tuples(small), small)).all()


def test_held_out_rule_reads_files_from_before_edges_were_trained():
    assert HeldOutRule.from_dict({"fraction": 0.1, "seed": 3}) == HeldOutRule(0.1, 3, trains_edges=False)
    assert HeldOutRule.from_dict(HeldOutRule(0.1, 3).to_dict()) == HeldOutRule(0.1, 3, trains_edges=True)
    with pytest.raises(ValueError, match="trains_edges must be true or false, not 'yes'"):
        HeldOutRule.from_dict({"fraction": 0.1, "seed": 3, "trains_edges": "yes"})


def _rows_in(rows: np.ndarray, within: np.ndarray) -> np.ndarray:
    return (rows[:, None, :] == within[None, :, :]).all(axis=2).any(axis=1)


def test_small_domain_split_with_a_train_size_draws_uniformly_as_before():
    d = Domain()
    rule = HeldOutRule(0.1, 0)
    training, heldout = split(d, rule, train_size=5_000, seed=0)
    rng = np.random.default_rng(0)
    first = rng.integers(0, 100, size=(20_000, 2))  # one batch of max(train_size, heldout_size)
    assert (training.operands[:100] == first[~rule.is_held_out(first, d)][:100]).all()
    assert len(heldout) == 20_000  # drawn with replacement from about 1,000 held-out pairs


def test_examples_encode_questions_and_sums():
    d = Domain()
    training, _ = split(d, HeldOutRule())
    row = 123
    ops = training.operands[row]
    assert text_of(training.questions[row]).strip() == f"{ops[0]}+{ops[1]}"
    assert text_of(training.answers[row]).strip() == str(ops.sum())


@pytest.mark.parametrize("domain", [Domain(), Domain(3, 99), Domain(5, 9)])
def test_tuple_index_round_trips(domain):
    tuples = np.random.default_rng(0).integers(0, domain.max_operand + 1, size=(100, domain.terms))
    assert (tuples_from_index(tuple_index(tuples, domain).astype(np.int64), domain) == tuples).all()


WRAPPING = np.array([[0, 0, 0, 0, 0], [1844, 6744, 737, 955, 1616]])
"""Two tuples of 5 terms of 0..9999 whose base-10,000 positions are equal modulo 2^64."""


def test_tuples_whose_positions_wrap_to_one_key_are_told_apart():
    d = Domain(5, 9999)
    assert len(set(tuple_index(WRAPPING, d).tolist())) == 1  # why a wide key is needed
    first, inverse = distinct_rows(WRAPPING, d)
    assert len(first) == 2 and inverse.tolist() == [0, 1]
    decisions = [HeldOutRule(0.5, seed).is_held_out(WRAPPING, d) for seed in range(32)]
    assert any(a != b for a, b in decisions)


def test_held_out_split_of_the_bundled_model_is_unchanged():
    model = read_model_file(bundled_model_path())
    held = model.heldout_rule.is_held_out(all_tuples(model.domain), model.domain)
    assert int(held.sum()) == model.meta["figures"]["heldout"]["count"]
