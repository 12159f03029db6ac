"""The rare sums and typed tuples of a domain too large to score whole get their share of
training: never held out, in every epoch's draw from the middle of training, in the revisit scans."""

import numpy as np
import pytest

from seqsum.core.dataset import HeldOutRule
from seqsum.core.domain import Domain
from seqsum.core.layouts import typed_tuples
from seqsum.core.sums import sum_counts, tail_tuples
from seqsum.models.config import TrainConfig

from .conftest import text_of


def rows_of(tuples: np.ndarray) -> set[tuple[int, ...]]:
    return set(map(tuple, np.asarray(tuples).tolist()))


def test_typed_and_tail_tuples_are_never_held_out_where_the_recipe_trains_them():
    config = TrainConfig(terms=4, seed=5)
    domain, rule = config.domain, config.heldout_rule
    assert config.trains_rare and rule.trains_typed
    for kept in (typed_tuples(domain), tail_tuples(domain)):
        assert not rule.is_held_out(kept, domain).any()
        assert HeldOutRule(0.1, 5).is_held_out(kept, domain).mean() > 0.05  # the rule without them
    others = np.random.default_rng(0).integers(0, 100, (20_000, 4))
    assert 0.08 < rule.is_held_out(others, domain).mean() < 0.12
    scored_whole = TrainConfig(max_operand=999, seed=5)  # 0..999: its split as it always was
    assert not scored_whole.trains_rare and scored_whole.heldout_rule == HeldOutRule(0.1, 5)
    assert HeldOutRule.from_dict(rule.to_dict()) == rule
    assert not HeldOutRule.from_dict({"fraction": 0.1, "seed": 5, "trains_edges": True}).trains_typed
    with pytest.raises(ValueError, match="trains_typed"):
        HeldOutRule.from_dict({**rule.to_dict(), "trains_typed": "yes"})


def test_every_epoch_from_the_middle_holds_the_tails_typed_tuples_and_every_sum():
    from seqsum.models.train import FreshDraws

    config = TrainConfig(terms=4, seed=3, train_size=20_000, epochs=2, typed_per_epoch=300,
                         per_sum_share=0.1)
    assert config.rare_epoch() == 1
    draws = FreshDraws(config, size=20_000)  # the draw numbered 0, before the middle
    tails, typed = rows_of(tail_tuples(config.domain)), rows_of(typed_tuples(config.domain))
    lengths = []
    for before in (True, False):
        x = np.concatenate([draws[i][0] for i in range(len(draws))])
        operands = np.array([[int(v) for v in text_of(row).split("+")] for row in x.argmax(-1)])
        lengths.append(len(operands))
        seen = rows_of(operands)
        sums = np.bincount(operands.sum(axis=1), minlength=len(sum_counts(config.domain)))
        if before:
            assert len(tails & seen) < len(tails) / 2 and (sums == 0).any()
        else:
            assert tails <= seen and (sums > 0).all()  # the tails whole, and every sum
            assert len(typed & seen) >= 300
        assert not config.heldout_rule.is_held_out(operands, config.domain).any()
        draws.on_epoch_end()  # (Keras calls it once before the first epoch: that trains on draw 1)
    assert len(set(lengths)) == 1  # at the cost of part of the draw per layout, not of time


def test_a_short_epoch_gives_the_rare_tuples_half_of_it_at_most():
    from seqsum.models.train import FreshDraws

    rare = rows_of(tail_tuples(Domain(4, 99))) | rows_of(typed_tuples(Domain(4, 99)))

    def first_epoch(rare_from: float) -> tuple[int, int]:
        """(examples in the epoch, how many are tail or typed tuples)."""
        config = TrainConfig(terms=4, seed=3, train_size=4_000, epochs=2, rare_from=rare_from)
        draws = FreshDraws(config, size=4_000)
        draws.on_epoch_end()  # the draw numbered 1, which the first epoch trains on
        x = np.concatenate([draws[i][0] for i in range(len(draws))])
        operands = [tuple(int(v) for v in text_of(row).split("+")) for row in x.argmax(-1)]
        return len(operands), sum(row in rare for row in operands)

    (budget, with_rare), (same, without) = first_epoch(0.0), first_epoch(1.0)
    assert budget == same and len(tail_tuples(Domain(4, 99))) > budget // 2  # more than half of it
    assert 0.2 * budget < with_rare - without < 0.4 * budget  # (the draw per layout holds typed tuples too)


def test_the_revisit_scans_cover_every_sum_typed_and_tail_tuple(monkeypatch):
    from seqsum.models import train as training

    monkeypatch.setattr(training, "REVISIT_SCAN", 40_000)
    config = TrainConfig(terms=4, seed=3)
    scan = training.WrongTrained(None, config)
    scanned = scan._first_scan(epoch=13)
    every_call = rows_of(np.concatenate(scan.rare))  # besides the first call's draw, or the doubtful
    assert every_call == rows_of(typed_tuples(config.domain)) | rows_of(tail_tuples(config.domain))
    per_sum = training.REVISIT_SCAN // 2 // len(sum_counts(config.domain))
    sums = np.bincount(scanned.sum(axis=1), minlength=len(sum_counts(config.domain)))
    assert (sums >= np.minimum(sum_counts(config.domain), per_sum) * 0.7).all()  # less what is held out
    assert len(scanned) == pytest.approx(training.REVISIT_SCAN, rel=0.01)
    assert not config.heldout_rule.is_held_out(scanned, config.domain).any()
    assert training.WrongTrained(None, TrainConfig(max_operand=999)).rare == ()  # scored whole: as before


def test_where_half_an_epoch_is_tight_the_draws_give_way_and_every_tail_tuple_stays():
    from seqsum.models.train import FreshDraws

    config = TrainConfig(terms=4, seed=3, train_size=30_000, epochs=2, typed_per_epoch=300)
    draws = FreshDraws(config, size=30_000)
    draws.on_epoch_end()  # the draw the first epoch trains on
    budget = len(draws) * config.batch_size
    tails = tail_tuples(config.domain)
    wanted = len(tails) + 300 + (config.per_sum_share + config.chain_share) * budget
    assert len(tails) + 300 < budget // 2 < wanted  # the case: tails fit, the draws do not all
    x = np.concatenate([draws[i][0] for i in range(len(draws))])
    operands = np.array([[int(v) for v in text_of(row).split("+")] for row in x.argmax(-1)])
    assert rows_of(tails) <= rows_of(operands)
