"""Layouts (digit counts per operand), per-layout sampling and the edge tuples."""

import numpy as np
import pytest

from seqsum.core.dataset import HeldOutRule, all_tuples
from seqsum.core.domain import Domain
from seqsum.core.layouts import (
    edge_tuples,
    layout_of,
    layouts,
    per_layout_counts,
    sample_by_layout,
    shares,
)


def test_layout_sizes_are_exact_and_cover_the_domain():
    d = Domain(2, 999)
    sizes = {x.digits: x.size for x in layouts(d)}
    assert sizes[(1, 1)] == 100 and sizes[(1, 3)] == 9_000 and sizes[(3, 3)] == 810_000
    assert sum(sizes.values()) == d.size
    odd = Domain(3, 250)  # the last layout stops at the largest operand
    assert {x.digits: x.size for x in layouts(odd)}[(3, 1, 3)] == 151 * 10 * 151
    assert sum(x.size for x in layouts(odd)) == odd.size
    assert sum(x.size for x in layouts(Domain(5, 9999))) == 10_000**5


def test_layout_of_matches_the_listing_on_a_whole_domain():
    d = Domain(3, 120)
    tuples = all_tuples(d)
    codes = layout_of(tuples, d)
    counts = np.bincount(codes, minlength=len(layouts(d)))
    assert counts.tolist() == [x.size for x in layouts(d)]
    assert layouts(d)[layout_of(np.array([[7, 0, 105]]), d)[0]].digits == (1, 1, 3)
    assert layouts(d)[layout_of(np.array([[7, 0, 105]]), d)[0]].name == "1-digit + 1-digit + 3-digit"


def test_shares_are_equal_capped_and_add_up():
    assert shares([10, 90, 900], 300) == [10, 90, 200]
    assert shares([10, 1000, 1000], 300) == [10, 145, 145]
    assert sum(shares([5, 5], 100)) == 10


def test_weighted_shares_are_proportional_capped_and_add_up():
    assert shares([1000, 1000], 300, [1, 2]) == [100, 200]
    assert shares([10, 90, 900], 300, [1, 1, 8]) == [10, 33, 257]  # what 10 cannot take is shared 1:8
    assert shares([10, 90, 900], 300, [1, 1, 1]) == shares([10, 90, 900], 300)


@pytest.mark.parametrize("domain", [Domain(2, 999), Domain(3, 99), Domain(5, 9999)])
def test_every_layout_present_distinct_and_deterministic(domain):
    a = sample_by_layout(domain, np.random.default_rng(3), total=5_000)
    b = sample_by_layout(domain, np.random.default_rng(3), total=5_000)
    c = sample_by_layout(domain, np.random.default_rng(4), total=5_000)
    assert (a == b).all() and not (a == c).all()
    assert len(a) == 5_000 and len(np.unique(a, axis=0)) == 5_000
    assert ((a >= 0) & (a <= domain.max_operand)).all()
    present = set(layout_of(a, domain).tolist())
    assert present == {x.code for x in layouts(domain)}


def test_small_layouts_are_taken_whole_and_big_ones_share_the_rest():
    d = Domain(2, 999)
    sample = sample_by_layout(d, np.random.default_rng(0), total=2_000)
    counts = np.bincount(layout_of(sample, d), minlength=9)
    assert counts[0] == 100  # all one-digit + one-digit pairs
    assert sorted(counts[1:]) == [237] * 4 + [238] * 4  # the other 1,900 shared equally
    every = sample_by_layout(d, np.random.default_rng(0), per_layout=50)
    assert np.bincount(layout_of(every, d)).tolist() == [50] * 9


def test_keep_filters_what_may_be_drawn():
    d = Domain(2, 999)
    rule = HeldOutRule(0.1, 0)
    trained = sample_by_layout(d, np.random.default_rng(0), per_layout=200,
                               keep=lambda t: ~rule.is_held_out(t, d))
    assert not rule.is_held_out(trained, d).any()
    counts = np.bincount(layout_of(trained, d))
    assert counts[0] == int((~rule.is_held_out(all_tuples(Domain(2, 9)), d)).sum())  # small: all kept
    assert (counts[1:] == 200).all()


def test_edge_tuples_are_all_listed_within_the_budget():
    d = Domain(2, 999)
    edges = edge_tuples(d)
    values = {0, 1, 999, *range(2, 10)}
    assert len(edges) == 121 and len({tuple(t) for t in edges.tolist()}) == 121
    assert set(edges.ravel().tolist()) == values
    assert [0, 0] in edges.tolist() and [999, 999] in edges.tolist() and [1, 999] in edges.tolist()
    five = edge_tuples(Domain(5, 9999), budget=300)
    assert len(five) == 300 and (edge_tuples(Domain(5, 9999), budget=300) == five).all()
    assert len({tuple(t) for t in five.tolist()}) == 300
    first = {tuple(t) for t in five[:243].tolist()}  # every tuple of 0, 1 and 9999 comes first
    assert first == {(a, b, c, e, f) for a in (0, 1, 9999) for b in (0, 1, 9999) for c in (0, 1, 9999)
                     for e in (0, 1, 9999) for f in (0, 1, 9999)}


def test_per_layout_counts_name_each_layout():
    d = Domain(2, 99)
    tuples = np.array([[1, 2], [3, 4], [10, 5], [50, 60]])
    rows = per_layout_counts(layout_of(tuples, d), np.array([True, False, True, True]), d)
    assert rows == [
        {"layout": "1-digit + 1-digit", "digits": [1, 1], "count": 2, "right": 1},
        {"layout": "2-digit + 1-digit", "digits": [2, 1], "count": 1, "right": 1},
        {"layout": "2-digit + 2-digit", "digits": [2, 2], "count": 1, "right": 1},
    ]
