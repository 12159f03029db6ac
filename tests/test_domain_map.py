"""The domain map: its cells against evaluate's per-tuple results, downsampling, 3+ terms, limits."""

from dataclasses import replace

import numpy as np
import pytest

from seqsum.core.answer import Predictor
from seqsum.core.confidence import SURE
from seqsum.core.dataset import all_tuples
from seqsum.core.domain import Domain
from seqsum.core.domain_map import (
    CATEGORIES,
    RIGHT,
    RIGHT_UNSURE,
    WRONG,
    WRONG_UNSURE,
    MapError,
    answers_needed,
    check_size,
    map_domain,
    parse_others,
)
from seqsum.core.evaluation import evaluate
from seqsum.core.modelfile import read_model_file

from .conftest import Scripted, ScriptedNetwork, write_numpy_model


def scripted(tmp_path, domain: Domain, **script) -> Predictor:
    return Scripted(read_model_file(write_numpy_model(tmp_path / "m.keras", domain)), **script)


def expected_from_evaluation(predictor: Predictor) -> np.ndarray:
    """Each pair's category from evaluate's own per-tuple results (every wrong answer listed with
    its agreement), and the unsure mark of the right ones from the predictor's answers."""
    domain = predictor.domain
    result = evaluate(predictor, show_wrong=domain.size)
    threshold = result.confidence.threshold
    size = domain.max_operand + 1
    tuples = all_tuples(domain)
    unsure = predictor.answer(tuples).low_confidence.reshape(size, size)
    expected = np.where(unsure, RIGHT_UNSURE, RIGHT)
    for wrong in result.wrong:
        a, b = map(int, wrong["input"].split("+"))
        expected[a, b] = WRONG_UNSURE if wrong["agreement"] < threshold else WRONG
    return expected


def test_known_wrong_answers_land_in_their_cells(tmp_path):
    predictor = scripted(tmp_path, Domain(2, 9), special={(3, 7): 5, (8, 2): 5})
    drawn = map_domain(predictor)
    assert drawn.block == 1 and drawn.cells.shape == (10, 10)
    assert np.array_equal(drawn.cells, expected_from_evaluation(predictor))
    wrong = {tuple(int(v) for v in cell) for cell in np.argwhere(drawn.cells >= WRONG_UNSURE)}
    assert wrong == {(3, 7), (8, 2)}  # not their mirror images (7, 3) and (2, 8)
    assert drawn.cells[3, 7] == WRONG_UNSURE  # every related sum disagrees with it
    assert drawn.counts.tolist() == [98, 0, 2, 0]


def test_all_four_categories_where_evaluate_puts_them(tmp_path):
    """Off by one everywhere: wrong but consistent, so not marked; except 2+6, right among wrong
    neighbours (marked unsure), and 7+3, wrong by five (marked)."""
    predictor = scripted(tmp_path, Domain(2, 9), off=1, special={(2, 6): -1, (7, 3): 4})
    drawn = map_domain(predictor)
    assert np.array_equal(drawn.cells, expected_from_evaluation(predictor))
    assert drawn.cells[2, 6] == RIGHT_UNSURE and drawn.cells[7, 3] == WRONG_UNSURE
    assert drawn.counts[WRONG] > 90
    assert drawn.to_dict()["counts"] == dict(zip(CATEGORIES, drawn.counts.tolist()))


def test_random_weights_model_matches_evaluate_everywhere(numpy_model):
    predictor = Predictor(read_model_file(numpy_model))
    drawn = map_domain(predictor)
    assert drawn.cells.shape == (100, 100)
    assert np.array_equal(drawn.cells, expected_from_evaluation(predictor))


def test_downsampling_keeps_the_worst_of_each_block(tmp_path):
    predictor = scripted(tmp_path, Domain(2, 9), off=0, special={(4, 4): 5, (9, 0): 5})
    full = map_domain(predictor).cells
    small = map_domain(predictor, max_cells=4)
    assert small.block == 3 and small.cells.shape == (4, 4)  # 10 values: blocks of 3, 3, 3, 1
    for row in range(4):
        for column in range(4):
            block = full[3 * row : 3 * row + 3, 3 * column : 3 * column + 3]
            assert small.cells[row, column] == block.max()
    assert {tuple(int(v) for v in c) for c in np.argwhere(small.cells)} == {(1, 1), (3, 0)}
    assert small.span(3) == (9, 9) and small.span(1) == (3, 5)
    assert "worst of 3x3 pairs" in " ".join(small.notes)
    assert small.counts.tolist() == map_domain(predictor).counts.tolist()  # counts are per pair


def test_three_terms_fixed_or_worst_over_the_third(tmp_path):
    predictor = scripted(tmp_path, Domain(3, 4), special={(1, 2, 3): 7})
    at_zero, at_three, worst = (map_domain(predictor, fixed) for fixed in (0, 3, None))
    assert not at_zero.cells.any()
    assert np.argwhere(at_three.cells).tolist() == [[1, 2]]
    assert np.argwhere(worst.cells).tolist() == [[1, 2]]
    assert at_three.notes == ["the third operand is fixed at 3"]
    assert worst.notes == ["each pair is the worst over every value of the third operand (0 to 4)"]
    assert at_three.counts.sum() == 25 and worst.counts.sum() == 125
    assert worst.counted == "tuples" and at_three.counted == "pairs"


def test_others_are_parsed_with_one_line_reasons():
    three = Domain(3, 99)
    assert parse_others("", three) == 0 and parse_others(" 7 ", three) == 7
    assert parse_others("WORST", three) is None
    assert parse_others("", Domain(2, 99)) == 0
    for text, reason in (("100", "from 0 to 99, not 100"), ("-1", "neither a number"),
                         ("1.5", "neither a number"), ("٣", "neither a number")):
        with pytest.raises(MapError, match=reason):
            parse_others(text, three)
    with pytest.raises(MapError, match="adds 2 numbers"):
        parse_others("worst", Domain(2, 99))


def test_a_map_too_large_to_compute_is_refused_before_answering(tmp_path):
    predictor = scripted(tmp_path, Domain(2, 9999))
    predictor.model.network = None  # answering anything would fail
    with pytest.raises(MapError, match="100,000,000 answers.*at most 2,000,000"):
        map_domain(predictor)
    wide = scripted(tmp_path, Domain(3, 999))
    with pytest.raises(MapError, match="every tuple, for the worst over the third operand"):
        map_domain(wide, None)
    with pytest.raises(MapError, match="related sums"):
        map_domain(wide, 0)  # a million pairs, each checked against its related sums
    wide.confidence_rule = replace(wide.confidence_rule, sure=SURE)  # related sums only when unsure
    assert answers_needed(wide, 0) == 1000**2
    check_size(wide, 0)  # about one answer per pair: allowed


def test_a_domain_too_large_for_the_cache_is_computed_once_per_tuple(tmp_path, monkeypatch):
    """Past the predictor's cache, a whole-domain map caches every tuple while it draws, instead
    of answering each tuple again for every related sum that asks it."""
    model = read_model_file(write_numpy_model(tmp_path / "m.keras", Domain(2, 99)))
    counting = ScriptedNetwork(special={(3, 7): 5})
    cached = map_domain(Scripted(model, network=counting))  # in several tiles
    assert sum(counting.asked) == 10_000
    monkeypatch.setattr(Predictor, "CACHE_LIMIT", 50)
    counting.asked.clear()
    uncached = Scripted(model, network=counting)
    assert not uncached.cacheable
    assert np.array_equal(map_domain(uncached).cells, cached.cells)
    assert sum(counting.asked) == 10_000
