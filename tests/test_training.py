"""Training learns, and what it saves is complete and reloadable."""

import numpy as np
import pytest

from seqsum.core.answer import Predictor
from seqsum.core.evaluation import evaluate
from seqsum.core.modelfile import FORMAT_VERSION, read_model_file

from .conftest import text_of

pytest.importorskip("seqsum.models.train", reason="needs TensorFlow")


def test_tiny_training_run_learns_the_one_digit_domain(trained_model):
    model = read_model_file(trained_model)
    result = evaluate(Predictor(model))
    assert result.exhaustive and result.all.count == 100
    assert result.all.exact_match == 1.0, result.wrong


def test_right_aligned_questions_are_trained_and_answered_alike(tmp_path):
    """Training, the answer table and the answer path all read " 7+ 3" when the recipe says so:
    a network trained on one alignment and asked in another would be wrong on most sums."""
    from seqsum.models.config import TrainConfig
    from seqsum.models.train import SilentProgress
    from seqsum.repl.training import train_and_save

    from .conftest import TINY

    path = tmp_path / "right.keras"
    config = TrainConfig(**{**TINY, "max_operand": 19}, question_align="right")  # "7+3" is " 7+ 3"
    train_and_save(config, path, SilentProgress())
    model = read_model_file(path)
    assert model.meta["question_align"] == model.network.question_align == "right"
    result = evaluate(Predictor(model))
    assert result.all.count == 400 and result.all.exact_match >= 0.95, result.wrong
    left = read_model_file(path)
    left.network.question_align = "left"  # the same weights asked the other way
    assert evaluate(Predictor(left)).all.exact_match < 0.5


def test_model_file_records_what_is_needed_to_use_it_again(trained_model):
    meta = read_model_file(trained_model).meta
    assert meta["domain"] == {"terms": 2, "max_operand": 9}
    assert meta["heldout"] == {"fraction": 0.1, "seed": 0, "trains_edges": True, "trains_typed": False}
    assert meta["answer_order"] == "reversed" and meta["format_version"] == FORMAT_VERSION
    assert meta["question_align"] == "left"  # a small domain's default
    assert meta["training"]["epochs"] == 40 and meta["training"]["batch_size"] == 8
    assert 1 <= meta["training"]["best_epoch"] <= meta["training"]["epochs_run"]
    assert len(meta["history"]) == meta["training"]["epochs_run"]
    assert meta["figures"]["all"]["count"] == 100
    assert meta["versions"]["tensorflow"] and meta["versions"]["keras"]
    assert meta["created"].endswith("+00:00")
    assert meta["parameters"] == read_model_file(trained_model).parameters
    rule = meta["confidence"]  # calibrated on this model (core.confidence)
    assert rule["threshold"] == pytest.approx(0.8 * rule["mean_agreement"])
    assert 0 < rule["mean_agreement"] <= 1


def test_saved_answer_table_is_the_networks_own_answers(trained_model):
    from seqsum.core.confidence import answer_values
    from seqsum.core.dataset import all_tuples

    model = read_model_file(trained_model)
    network_only = Predictor(model)
    network_only.table = None
    answers = network_only.answer(all_tuples(model.domain))
    np.testing.assert_array_equal(model.table["value"], answer_values(answers.top_index))
    np.testing.assert_array_equal(model.table["related"], answers.checks)
    np.testing.assert_allclose(model.table["fitting"] / model.table["related"], answers.agreement)


def test_rare_questions_are_repeated_by_layout_and_by_sum():
    from seqsum.core.dataset import Examples, all_tuples
    from seqsum.core.domain import Domain
    from seqsum.models.train import repeat_rare

    domain = Domain()
    balanced = repeat_rare(Examples.from_operands(all_tuples(domain), domain, "left"), domain)
    times = {tuple(row): 0 for row in all_tuples(domain)}
    for row in balanced.operands:
        times[tuple(row)] += 1
    assert times[(99, 99)] == 10  # the only tuple summing to 198: sqrt(100 / 1)
    assert times[(50, 49)] == 1  # long+long, and 99 is the most common sum
    assert times[(3, 5)] == 9  # short+short: sqrt(8,100 / 100)
    assert times[(3, 50)] == times[(50, 3)] == 3  # sqrt(8,100 / 900)
    assert times[(91, 99)] == 3  # sum 190, made by 9 tuples: round(sqrt(100 / 9))
    assert (balanced.answers == Examples.from_operands(balanced.operands, domain, "left").answers).all()


def test_training_is_reproducible_for_a_seed():
    from seqsum.models.config import TrainConfig
    from seqsum.models.network import build_model
    from seqsum.models.train import train

    config = dict(max_operand=9, units=16, epochs=2, batch_size=16, jit_compile=False)
    a = train(TrainConfig(**config, seed=5))
    b = train(TrainConfig(**config, seed=5))
    assert [r.loss for r in a.history] == [r.loss for r in b.history]
    for wa, wb in zip(a.model.get_weights(), b.model.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    other_seed = build_model(TrainConfig(**config).domain, 16, seed=6).get_weights()
    assert not np.array_equal(build_model(TrainConfig(**config).domain, 16, seed=5).get_weights()[0],
                              other_seed[0])  # the seed reaches the network, not only the data
    assert a.model.optimizer.amsgrad  # TrainConfig.amsgrad (the default) reaches Adam


def test_keeps_the_best_epoch_and_stops_once_everything_checked_is_right(trained_model):
    """The session's tiny run (40 epochs allowed) reaches every held-out and trained pair
    well before its last epoch, stops there, and keeps that epoch."""
    meta = read_model_file(trained_model).meta
    history, training = meta["history"], meta["training"]
    assert training["stopped_early"] and training["epochs_run"] < training["epochs"]
    last = history[-1]
    assert last["heldout_exact"] == 1.0 and last["trained_exact"] == 1.0
    assert all(r["heldout_exact"] < 1.0 or r["trained_exact"] != 1.0 for r in history[:-1])
    assert training["best_epoch"] == last["epoch"]


def test_large_domains_check_every_layout_and_the_edge_tuples_before_stopping():
    from seqsum.core.dataset import Examples, all_tuples
    from seqsum.core.domain import Domain
    from seqsum.core.layouts import edge_tuples, layout_of, layouts
    from seqsum.models.config import TrainConfig
    from seqsum.models.train import TRAINED_CHECK_LIMIT, trained_check

    config = TrainConfig(max_operand=999)
    domain, rule = Domain(2, 999), config.heldout_rule
    trained = trained_check(Examples.from_operands(np.zeros((0, 2)), domain, "left"), config)
    assert len(trained) <= TRAINED_CHECK_LIMIT and not rule.is_held_out(trained.operands, domain).any()
    assert set(layout_of(trained.operands, domain).tolist()) == {x.code for x in layouts(domain)}
    one_digit = (trained.operands < 10).all(axis=1).sum()
    assert one_digit == (~rule.is_held_out(all_tuples(Domain(2, 9)), domain)).sum()  # all of 1+1
    edges = edge_tuples(domain)
    edges = edges[~rule.is_held_out(edges, domain)]
    assert (edges[:, None, :] == trained.operands[None, :, :]).all(axis=2).any(axis=1).all()


def test_evaluation_at_save_costs_no_more_on_many_terms():
    from seqsum.core.confidence import typical_related_count
    from seqsum.core.domain import Domain
    from seqsum.repl.training import SAVE_EVALUATION_DOMAIN, save_sample_size

    def steps(domain):  # LSTM steps to answer `save_sample_size` tuples and their related sums
        per_tuple = (1 + typical_related_count(domain)) * (domain.input_width + domain.answer_width)
        return save_sample_size(domain) * per_tuple

    assert save_sample_size(SAVE_EVALUATION_DOMAIN) == save_sample_size(Domain(2, 999)) == 20_000
    assert typical_related_count(Domain(2, 999)) == 81
    budget = steps(SAVE_EVALUATION_DOMAIN)
    for domain in (Domain(3, 999), Domain(4, 99), Domain(5, 9999)):
        assert 0 < steps(domain) <= budget and save_sample_size(domain) < 20_000


def test_large_domains_draw_new_trained_tuples_each_epoch_reproducibly():
    from seqsum.core.dataset import tuple_index
    from seqsum.core.domain import Domain
    from seqsum.core.layouts import layout_of, layouts
    from seqsum.models.config import TrainConfig
    from seqsum.models.train import FreshDraws

    config = TrainConfig(max_operand=999, seed=3, train_size=2_000, batch_size=256, epochs=2)
    domain = Domain(2, 999)
    largest = max(layouts(domain), key=lambda x: x.size).code

    def epochs(count):
        draws = FreshDraws(config, size=2_000)
        seen = []
        for _ in range(count):
            x, y = zip(*(draws[i] for i in range(len(draws))))
            seen.append((np.concatenate(x), np.concatenate(y)))
            draws.on_epoch_end()
        return seen

    first, again = epochs(3), epochs(3)
    for (x, y), (x2, y2) in zip(first, again, strict=True):
        assert np.array_equal(x, x2) and np.array_equal(y, y2)  # the same run for the same seed
    assert len({len(x) for x, _ in first}) == 1  # every epoch has the same number of batches
    drawn, largest_share = [], []
    for x, y in first:
        texts = [text_of(row) for row in x.argmax(-1)]
        operands = np.array([[int(v) for v in t.split("+")] for t in texts])
        answers = [int(text_of(row)[::-1]) for row in y.argmax(-1)]  # written last digit first
        assert answers == operands.sum(axis=1).tolist()
        assert not config.heldout_rule.is_held_out(operands, domain).any()
        counts = np.bincount(layout_of(operands, domain), minlength=len(layouts(domain)))
        assert counts.min() > 0  # every layout
        largest_share.append(counts[largest] / counts.sum())
        drawn.append(set(tuple_index(operands, domain).tolist()))
    assert len(drawn[0] & drawn[1]) < len(drawn[0]) / 2  # mostly new tuples each epoch
    # Equal shares first; from the middle of training the largest layout weighs most (layout_power).
    assert largest_share[0] < 0.2 and largest_share[1] == pytest.approx(largest_share[2], abs=0.05)
    assert largest_share[2] > 0.45 and counts.argmax() == largest


def test_large_domains_run_a_shorter_schedule_to_its_end():
    from seqsum.models.config import DEFAULT_EPOCHS, LARGE_DOMAIN_EPOCHS, MANY_TERMS_EPOCHS, TrainConfig

    assert TrainConfig().epochs == DEFAULT_EPOCHS
    assert TrainConfig(max_operand=999).epochs == TrainConfig(terms=3).epochs == LARGE_DOMAIN_EPOCHS
    assert TrainConfig(max_operand=999, epochs=3).epochs == 3
    assert TrainConfig(terms=4).epochs == TrainConfig(terms=5, max_operand=12).epochs == MANY_TERMS_EPOCHS
    assert TrainConfig(terms=4, max_operand=9).epochs == DEFAULT_EPOCHS  # 10,000 tuples: small


def test_three_and_four_digit_operands_are_read_right_aligned_by_default():
    from seqsum.models.config import TrainConfig

    domains = [(2, 99), (4, 99), (2, 100), (2, 999), (3, 9999)]
    aligns = [TrainConfig(terms=t, max_operand=m).question_align for t, m in domains]
    assert aligns == ["left", "left", "right", "right", "right"]
    assert TrainConfig(max_operand=999, question_align="left").question_align == "left"
    with pytest.raises(ValueError, match="unknown question alignment 'centre'"):
        TrainConfig(question_align="centre")


def test_keras_ends_a_fresh_draw_epoch_once_before_training_too(monkeypatch):
    """Keras calls a dataset's on_epoch_end before the first epoch as well as after each, so
    FreshDraws counts one ahead of the epoch trained: the revisit scans score the weights of the
    epoch before the one they are shown on. Every measured figure was made so (docs/recipe.md);
    if Keras stops doing it, this fails and the scans move one epoch later."""
    from seqsum.models import train as training
    from seqsum.models.config import TrainConfig
    from seqsum.models.quiet import keras

    events = []
    original = training.FreshDraws.on_epoch_end

    def on_epoch_end(draws):
        events.append(("draws", draws.epoch))
        original(draws)

    class Epochs(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            events.append(("begin", epoch + 1))

    monkeypatch.setattr(training.FreshDraws, "on_epoch_end", on_epoch_end)
    config = TrainConfig(terms=3, max_operand=62, epochs=2, units=8, train_size=2_000,
                         batch_size=256, jit_compile=False)
    training.train(config, callbacks=[Epochs()])
    assert events == [("draws", 0), ("begin", 1), ("draws", 1), ("begin", 2), ("draws", 2)]


def test_only_long_runs_on_large_domains_restart_from_the_plateau():
    from seqsum.models.config import TrainConfig
    from seqsum.models.train import restart_seed

    assert TrainConfig(terms=4).plateau_epoch() == TrainConfig(max_operand=999).plateau_epoch() == 8
    assert TrainConfig().plateau_epoch() is None  # a small domain: every tuple trained, 30 epochs
    assert TrainConfig(terms=4, epochs=8).plateau_epoch() is None  # too short to leave the plateau
    assert TrainConfig(terms=4, max_restarts=0).plateau_epoch() is None
    seeds = [restart_seed(2, restart) for restart in range(3)]
    assert seeds[0] == 2 and len(set(seeds)) == 3 and seeds == [restart_seed(2, r) for r in range(3)]


@pytest.mark.parametrize("exact, stopped", [((0.1, 0.4, 0.9), True), ((0.1, 0.6, 0.2), False)])
def test_the_monitor_stops_a_run_still_on_its_plateau(monkeypatch, exact, stopped):
    """Only after the plateau epoch (2), and only if no epoch so far reached plateau_exact (0.5)."""
    from types import SimpleNamespace

    from seqsum.core.dataset import Examples
    from seqsum.models import train as training
    from seqsum.models.config import TrainConfig

    config = TrainConfig(max_operand=999, plateau_exact=0.5)
    monitor = Examples.from_operands(np.arange(20).reshape(10, 2), config.domain, config.question_align)
    epoch = [0]
    monkeypatch.setattr(training, "answered_right",
                        lambda model, examples, config: np.arange(len(examples)) < exact[epoch[0]] * 10)
    monitor_cb = training._Monitor(config, monitor, monitor, training.SilentProgress(), 0.01,
                                   plateau_epoch=2)
    model = SimpleNamespace(get_weights=list, stop_training=False)
    monitor_cb.set_model(model)
    for epoch[0] in range(3):
        monitor_cb.on_epoch_begin(epoch[0])
        monitor_cb.on_epoch_end(epoch[0], {"loss": 1.0})
        assert monitor_cb.on_plateau == model.stop_training == (stopped and epoch[0] >= 1)
        if model.stop_training:
            break
    assert len(monitor_cb.history) == (2 if stopped else 3)


def test_a_run_on_its_plateau_starts_again_from_new_initial_weights():
    """A real run stopped on its plateau (never reaching 101 %) and its restart, which goes to its
    end as the last one allowed; the model file records the restart."""
    from seqsum.models import store
    from seqsum.models.config import TrainConfig
    from seqsum.models.quiet import keras
    from seqsum.models.train import SilentProgress, train

    class Events(SilentProgress):
        def __init__(self):
            self.begun, self.restarts = 0, []

        def train_begin(self, config, steps_per_epoch):
            self.begun += 1

        def restart(self, history, restart, max_restarts):
            self.restarts.append((len(history), restart, max_restarts))

    class InitialWeights(keras.callbacks.Callback):
        seen = []

        def on_train_begin(self, logs=None):
            self.seen.append(self.model.get_weights()[1].copy())  # the encoder's recurrent kernel

    config = TrainConfig(terms=3, max_operand=62, epochs=2, units=8, train_size=2_000, batch_size=256,
                         jit_compile=False, plateau_epochs=1, plateau_exact=1.01, max_restarts=1)
    events, weights = Events(), InitialWeights()
    result = train(config, events, callbacks=[weights])
    assert result.restarts == 1 and len(result.history) == 2  # the last run goes to its end
    assert events.begun == 2 and events.restarts == [(1, 1, 1)]
    assert len(weights.seen) == 2 and not np.array_equal(*weights.seen)
    assert store.metadata(result)["training"]["restarts"] == 1


def test_wrong_trained_tuples_are_revisited_in_every_later_draw():
    from seqsum.models.config import TrainConfig
    from seqsum.models.train import FreshDraws

    config = TrainConfig(max_operand=999, seed=3, train_size=2_000, batch_size=256, epochs=6,
                         revisit_at=(0.5, 0.7), revisit_repeats=4)
    assert config.revisit_epochs() == {3, 4}  # after epochs 3 and 4 of 6
    wrong = {3: [(12, 34), (456, 789)], 4: [(70, 8), (12, 34)]}
    asked = []

    def find_wrong(epoch):
        asked.append(epoch)
        return np.array(wrong[epoch])

    def epochs(revisiting: bool) -> list[list[tuple[int, ...]]]:
        """Each epoch's training questions as operand tuples."""
        draws = FreshDraws(config, size=2_000)
        draws.find_wrong = find_wrong if revisiting else None
        seen = []
        for _ in range(config.epochs):
            x = np.concatenate([draws[i][0] for i in range(len(draws))])
            seen.append([tuple(int(v) for v in text_of(row).split("+")) for row in x.argmax(-1)])
            draws.on_epoch_end()
        return seen, draws

    plain, _ = epochs(revisiting=False)
    revisited, draws = epochs(revisiting=True)
    assert asked == [3, 4] and draws.wrong_found == {3: 2, 4: 2}
    assert revisited[:3] == plain[:3]  # nothing changes before the first check
    assert [len(x) for x in revisited] == [len(x) for x in plain]  # nor the length of an epoch
    assert all(revisited[3].count(t) >= 4 for t in wrong[3])  # epoch 4: what was wrong after 3
    for epoch in revisited[4:]:  # epochs 5 and 6: everything found so far, each at least 4 times
        assert all(epoch.count(t) >= 4 for t in wrong[3] + wrong[4])


def test_wrong_trained_scans_everything_then_what_was_left_in_doubt_and_the_edges(trained_model,
                                                                                   monkeypatch):
    from seqsum.core.dataset import Examples, all_tuples
    from seqsum.core.scoring import exact_match
    from seqsum.models import train as training
    from seqsum.models.config import TrainConfig
    from seqsum.models.network import numpy_network
    from seqsum.models.store import load_keras_model

    from .conftest import TINY

    config = TrainConfig(**TINY)
    model = load_keras_model(trained_model)
    every = Examples.from_operands(all_tuples(config.domain), config.domain, config.question_align)
    probabilities = numpy_network(model, config).probabilities(every.questions)
    right = exact_match(probabilities.argmax(-1), every.answers)
    trained = ~config.heldout_rule.is_held_out(every.operands, config.domain)
    scan = training.WrongTrained(model, config)
    scan.SURE_CHARACTER = float(np.median(probabilities.max(-1).min(-1)))  # half the answers in doubt
    assert scan(epoch=1).tolist() == every.operands[trained & ~right].tolist()  # every trained tuple
    doubtful = trained & ~(right & (probabilities.max(-1).min(-1) >= scan.SURE_CHARACTER))
    assert 0 < len(scan.doubtful) == doubtful.sum() < trained.sum()
    model.layers[-1].set_weights([w * 0 for w in model.layers[-1].get_weights()])  # now all wrong
    edges = every.operands[trained & ~doubtful][[0, -1]]  # (all of 0..9 is edges: two stand for them)
    monkeypatch.setattr(training, "edge_tuples", lambda domain, budget: edges)
    scan.trained_edges = training.trained_edge_tuples(config)
    again = scan(epoch=2)
    edge = (every.operands[:, None, :] == edges[None]).all(axis=2).any(axis=1)
    assert again.tolist() == every.operands[doubtful | (edge & trained)].tolist()  # only these scored
    monkeypatch.setattr(training, "REVISIT_SCAN", 50)  # a larger domain: a draw of that many
    drawn = training.WrongTrained(model, config)(epoch=1)
    assert 0 < len(drawn) <= 50 + 2 and not config.heldout_rule.is_held_out(drawn, config.domain).any()


def test_wrong_trained_scans_every_edge_tuple_beyond_evaluations_budget():
    from seqsum.core.layouts import EDGE_BUDGET
    from seqsum.models.config import TrainConfig
    from seqsum.models.train import WrongTrained

    edges = WrongTrained(None, TrainConfig(terms=4)).trained_edges  # 0..99: none held out
    assert len(edges) == 11**4 > EDGE_BUDGET and [9, 9, 0, 9] in edges.tolist()


def test_a_large_domain_keeps_the_epoch_with_the_fewest_wrong_edge_tuples(monkeypatch):
    """An epoch wrong on 0+1 alone ranks below one wrong on two larger sums: edges come first."""
    from types import SimpleNamespace

    from seqsum.core.dataset import Examples
    from seqsum.models import train as training
    from seqsum.models.config import TrainConfig

    config = TrainConfig(max_operand=999)
    align = config.question_align
    monitor = Examples.from_operands(np.array([[123, 456], [45, 678]]), config.domain, align)
    trained = Examples.from_operands(np.array([[0, 1], [500, 500], [999, 7]]), config.domain, align)
    wrong = {1: {(0, 1)}, 2: {(123, 456), (500, 500)}}  # per epoch
    epoch = [1]

    def answered_right(model, examples, config):
        return np.array([tuple(row) not in wrong[epoch[0]] for row in examples.operands.tolist()])

    monkeypatch.setattr(training, "answered_right", answered_right)
    monitor_cb = training._Monitor(config, monitor, trained, training.SilentProgress(), 0.01)
    monitor_cb.set_model(SimpleNamespace(get_weights=list, stop_training=False))
    for epoch[0] in (1, 2):
        monitor_cb.on_epoch_begin(epoch[0] - 1)
        monitor_cb.on_epoch_end(epoch[0] - 1, {"loss": 0.5 / epoch[0]})
    assert [r.edges_wrong for r in monitor_cb.history] == [1, 0]
    assert monitor_cb.best_epoch == 2


def test_a_restart_from_the_plateau_is_reported_where_training_is_shown():
    import io

    from seqsum.models.train import EpochRecord
    from seqsum.repl.progress import TerminalProgress
    from seqsum.repl.training import TrainingOutcome

    stream = io.StringIO()  # not a terminal: lasting lines only
    history = [EpochRecord(epoch, 0.8, 0.5, exact, 0.03, 60.0) for epoch, exact in ((1, 0.04), (2, 0.16))]
    TerminalProgress(stream).restart(history, 1, 2)
    assert stream.getvalue() == ("still on the plateau after epoch 2 (held-out exact at most 16.0%): "
                                 "starting again from new initial weights, restart 1 of 2\n")
    outcome = TrainingOutcome(None, None, history * 10, seconds=2400.4, restarts=1)
    assert outcome.epochs_text() == "20 epochs in 2400s (after 1 restart from the plateau)"
    assert TrainingOutcome(None, None, history, seconds=9.6).epochs_text() == "2 epochs in 10s"


def test_training_warns_only_when_the_network_has_not_learned(trained_model, numpy_model):
    from seqsum.repl.training import TrainingOutcome

    def outcome(path):
        model = read_model_file(path)
        return TrainingOutcome(model, evaluate(Predictor(model)), history=[], seconds=1.0)

    assert outcome(trained_model).not_learned() is None  # right on all 100
    warning = outcome(numpy_model).not_learned()  # random weights
    assert warning.startswith("this network has not learned its sums: it is wrong on ")
    assert "of the 10,000 it was scored on; train again with another --seed" in warning
