"""Bigger domains with the default recipe: train per seed, score every tuple, print a table.

    python bench/domains.py [--terms 2] [--max-operand 999] [--seeds 0 1 2] [--sample 100000]
                            [--weights-dir DIR] [--flag-seeds S ...]
                            [--set FIELD=VALUE ...]

For each seed it trains `TrainConfig(terms, max_operand, seed)` (the default recipe, or with the
fields `--set` changes), saves it as `train` does (seconds in the "save" column) and scores it
through the NumPy forward pass (the answer path's): every tuple of the domain when it is scored
whole (core.evaluation.scores_whole), else a sample of `--sample` drawn in equal shares per
layout plus every edge tuple (operands from 0, 1, the largest and the one-digit numbers). Beside
exact match it counts wrong answers among the edge tuples, among the short tuples (every operand
shorter than full width: both below 100 on 0..999, one-digit triples on three terms of 0..99)
and per layout; on a domain not scored whole also the sums with a wrong answer among up to 100
tuples of every sum, the typed tuples wrong (core.sum_scores) and the saved file's `--json` pipe
rate on 100,000 random sums. Each epoch's held-out and trained-check figures go to stderr as it
trains; the "restarts" column counts runs stopped on their plateau before the one kept (their
epochs are in "seconds", not in "epochs").
It also scores the unsure flag, as a saved model would set it, on each epoch's snapshot (of the
`--flag-seeds` runs) that is partly trained (85-99.5 % exact over the domain, or over 20,000
uniform tuples of a domain not scored whole): the share of wrong answers it catches and of right
ones it flags (targets: >= 90 %, <= 10 %), and, where the rule asks related sums only of answers
below its `sure` confidence, the same figures had every answer been checked.
"""

from __future__ import annotations

# First, before NumPy loads OpenBLAS: one BLAS thread unless set, as seqsum-repl runs, so the
# "save" column times what `train` does.
import seqsum.repl  # noqa: F401

# isort: split
import argparse
import ast
import os
import sys
import time
from pathlib import Path

import numpy as np
from answer_path import pipe_rate
from scores import EpochLines, Snapshots, print_table, score_network

from seqsum.core.answer import ANSWER_BATCH, Predictor
from seqsum.core.codec import encode_answers
from seqsum.core.dataset import all_tuples
from seqsum.core.domain import Domain
from seqsum.core.evaluation import calibrate, evaluate, scores_whole
from seqsum.core.forward import NumpyNetwork
from seqsum.core.layouts import (
    edge_tuples,
    is_edge,
    layout_of,
    layouts,
    per_layout_counts,
    sample_by_layout,
)
from seqsum.core.modelfile import ModelFile, read_model_file
from seqsum.core.scoring import confidence_report, exact_match
from seqsum.core.sum_scores import score_sums
from seqsum.models.config import TrainConfig
from seqsum.models.network import network_from_weights, numpy_network
from seqsum.models.train import train
from seqsum.repl.training import save_trained

COLUMNS = ("restarts", "best", "save", "short_wrong", "edge_wrong", "layouts_wrong")
SUM_COLUMNS = ("sums_wrong", "worst_sum", "typed_wrong", "pipe")
"""A domain too large to score whole: sums with a wrong answer (up to 100 tuples of each), typed
tuples wrong, and `--json` lines per second through the saved file (core.sum_scores)."""
PARTLY_TRAINED = (0.85, 0.995)
"""Exact match over the whole domain of the snapshots whose unsure flag is scored (over a
uniform sample of FLAG_SAMPLE tuples of a domain too large to score whole)."""
FLAG_SAMPLE = 20_000
PIPE_LINES = 100_000
CANDIDATES = (0.5, 0.9995)
"""Held-out exact match (a per-layout sample) of the snapshots scored over the whole domain to
find those partly trained: the sample and the domain weigh layouts differently."""


def flag_figures(network: NumpyNetwork, config: TrainConfig) -> dict:
    """The unsure flag as a saved model would have it, over every tuple of the domain: what
    `save_trained` does, `evaluate` then `calibrate`, on a snapshot's weights. A domain too large
    to score whole is judged on FLAG_SAMPLE uniform tuples, and the flag figures given twice: as
    its rule has it (every related sum asked only below the rule's `sure` confidence, the rotated
    sum only up to its `glance`, core.confidence) and as if every answer were checked."""
    meta = {"domain": config.domain.to_dict(), "heldout": config.heldout_rule.to_dict(),
            "answer_order": config.answer_order, "question_align": config.question_align}
    predictor = Predictor(ModelFile(path=Path("snapshot"), meta=meta, network=network))
    evaluation = evaluate(predictor, per_sum=1)
    rule = calibrate(evaluation)
    if evaluation.exhaustive:
        agreement, product, correct = evaluation.agreement, evaluation.product, evaluation.correct
        judged = agreement
    else:
        tuples = flag_sample(config)
        agreement, product, correct = answered(predictor, tuples, "agreement", "confidence", "correct")
        predictor.confidence_rule = rule  # as the saved model answers
        (judged,) = answered(predictor, tuples, "agreement")
    report = confidence_report(judged, product, correct, rule.threshold, rule.unchecked_from)
    every = confidence_report(agreement, product, correct, rule.threshold)
    return {"exact": float(correct.mean()), "wrong": int((~correct).sum()),
            "caught": 1.0 if report.wrong_caught is None else report.wrong_caught,
            "flagged": report.right_flagged,
            "caught_all": 1.0 if every.wrong_caught is None else every.wrong_caught,
            "flagged_all": every.right_flagged,
            "checked": 1.0 if rule.sure is None else float((product < rule.sure).mean())}


def answered(predictor: Predictor, tuples: np.ndarray, *names: str) -> list[np.ndarray]:
    """The named AnswerBatch fields of every tuple's answer, asked in batches."""
    batches = [predictor.answer(tuples[start : start + ANSWER_BATCH])
               for start in range(0, len(tuples), ANSWER_BATCH)]
    return [np.concatenate([getattr(batch, name) for batch in batches]) for name in names]


def flag_sample(config: TrainConfig) -> np.ndarray:
    """The uniform tuples a snapshot of a domain too large to score whole is judged on."""
    return np.random.default_rng(54321).integers(0, config.max_operand + 1, (FLAG_SAMPLE, config.terms))


def partly_trained(network: NumpyNetwork, config: TrainConfig) -> bool:
    """Whether a snapshot of a domain too large to score whole is exact on PARTLY_TRAINED of its
    flag sample, answered without related sums: a cheap look before its flag figures."""
    tuples = flag_sample(config)
    written = network.answer_probabilities(tuples, config.domain).argmax(-1)
    exact = float(exact_match(written, encode_answers(tuples.sum(axis=1), config.domain)).mean())
    return PARTLY_TRAINED[0] <= exact <= PARTLY_TRAINED[1]


def snapshot_flags(domain: Domain, seed: int, result, snapshots: Snapshots, keep: str) -> list[dict]:
    """flag_figures of each partly trained snapshot, whose weights are kept as `keep`-epochNN.npz."""
    rows = []
    for record, weights in zip(result.history, snapshots.weights, strict=True):
        if not CANDIDATES[0] <= record.heldout_exact <= CANDIDATES[1]:
            continue
        network = network_from_weights(weights, result.config)
        if not scores_whole(domain) and not partly_trained(network, result.config):
            continue
        np.savez(f"{keep}-epoch{record.epoch:02d}.npz", **weights)
        figures = flag_figures(network, result.config)
        if PARTLY_TRAINED[0] <= figures["exact"] <= PARTLY_TRAINED[1]:
            rows.append({"seed": seed, "epoch": record.epoch, **figures})
            print(f"  epoch {record.epoch}: {figures['exact'] * 100:.3f} % exact, unsure flag caught "
                  f"{figures['caught'] * 100:.1f} % of wrong, flagged "
                  f"{figures['flagged'] * 100:.1f} % of right", file=sys.stderr, flush=True)
    return rows


def print_flags(rows: list[dict], title: str) -> None:
    print(f"\n{title}")
    print("| seed | epoch | exact % | wrong | wrong caught % | right flagged % | every answer checked: "
          "caught / flagged % | answers checked % |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['seed']} | {r['epoch']} | {r['exact'] * 100:.3f} | {r['wrong']:,} | "
              f"{r['caught'] * 100:.1f} | {r['flagged'] * 100:.1f} | {r['caught_all'] * 100:.1f} / "
              f"{r['flagged_all'] * 100:.1f} | {r['checked'] * 100:.1f} |")
    if rows:
        caught = min(r["caught"] for r in rows)
        flagged = max(r["flagged"] for r in rows)
        print(f"| worst of {len(rows)} | | | | {caught * 100:.1f} | {flagged * 100:.1f} | | |")


def scored_tuples(domain: Domain, sample: int) -> tuple[np.ndarray, str]:
    if scores_whole(domain):
        return all_tuples(domain), f"all {domain.size:,} tuples"
    drawn = sample_by_layout(domain, np.random.default_rng(12345), total=sample)
    edges = edge_tuples(domain)
    both = np.unique(np.concatenate([edges, drawn]), axis=0)
    return both, f"{len(drawn):,} drawn per layout and {len(edges):,} edge tuples"


def breakdown(domain: Domain, tuples: np.ndarray, right: np.ndarray) -> dict:
    """Wrong answers among the short tuples, among the edge tuples, and per layout."""
    short = (tuples < 10 ** (domain.operand_width - 1)).all(axis=1)
    edge = is_edge(tuples, domain)
    weak = [f"{c['layout']} {c['count'] - c['right']}"
            for c in per_layout_counts(layout_of(tuples, domain), right, domain) if c["right"] < c["count"]]
    return {
        "short_wrong": f"{int((~right[short]).sum())} of {int(short.sum()):,}",
        "edge_wrong": f"{int((~right[edge]).sum())} of {int(edge.sum()):,}",
        "layouts_wrong": "; ".join(weak) or "-",
    }


def recipe_changes(pairs: list[str]) -> dict:
    """`--set epochs=12 fresh_draws=False` -> {"epochs": 12, "fresh_draws": False}."""
    fields = TrainConfig.__dataclass_fields__
    changes = {}
    for pair in pairs:
        name, _, text = pair.partition("=")
        if name not in fields:
            raise SystemExit(f"--set: TrainConfig has no field {name!r}")
        try:
            changes[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            changes[name] = text  # a word, such as answer_order=reading
    return changes


def measure(domain: Domain, seed: int, tuples: np.ndarray, show_wrong: int, weights_dir: str,
            changes: dict, flags: list[dict] | None) -> dict:
    lines = EpochLines()
    snapshots = Snapshots()
    config = TrainConfig(terms=domain.terms, max_operand=domain.max_operand, seed=seed, **changes)
    result = train(config, progress=lines, callbacks=[lines.callback(), snapshots])
    name = f"{weights_dir}/{domain.terms}x{domain.max_operand}-seed{seed}"
    if flags is not None:
        flags += snapshot_flags(domain, seed, result, snapshots, name)
    network = numpy_network(result.model, result.config)
    np.savez(f"{name}.npz", **network.weights)
    started = time.perf_counter()
    save_trained(result, Path(f"{name}.keras"))  # as `train` saves: evaluated, calibrated, table
    saving = time.perf_counter() - started
    print(f"  saved {name}.keras in {saving:.0f}s", file=sys.stderr, flush=True)
    row = score_network(network, tuples, domain, show_wrong)
    row.update(name="default", seed=seed, seconds=result.seconds, epochs=len(result.history),
               restarts=result.restarts, best=result.best_epoch, save=f"{saving:.0f}",
               **breakdown(domain, tuples, row["right"]))
    if not scores_whole(domain):
        row.update(by_sum(Path(f"{name}.keras")))
    return row


def by_sum(path: Path) -> dict:
    """The SUM_COLUMNS of a saved model: its sums and typed tuples scored, and its --json pipe."""
    sums = score_sums(Predictor(read_model_file(path)))
    worst = sums.worst[0] if sums.worst else None
    domain = read_model_file(path).domain
    operands = np.random.default_rng(0).integers(0, domain.max_operand + 1, (PIPE_LINES, domain.terms))
    text = "".join("+".join(map(str, row)) + "\n" for row in operands.tolist()).encode()
    rate, _, _ = pipe_rate(str(path), text, PIPE_LINES, ["--json"], dict(os.environ), runs=1)
    return {"sums_wrong": f"{sums.sums_wrong} of {sums.sums:,} ({sums.wrong} of {sums.scored:,} tuples)",
            "worst_sum": "-" if worst is None else f"{worst['sum']}: {worst['wrong']} of {worst['count']}",
            "typed_wrong": f"{sums.typed_wrong} of {sums.typed:,}",
            "pipe": f"{rate:,.0f} lines/s"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=2)
    parser.add_argument("--max-operand", type=int, default=999)
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--sample", type=int, default=100_000,
                        help="tuples drawn per layout when the domain is too large to score whole")
    parser.add_argument("--show-wrong", type=int, default=5)
    parser.add_argument("--weights-dir", default=".",
                        help="where each run's weights (.npz) and model file (.keras) are kept")
    parser.add_argument("--flag-seeds", type=int, nargs="*", default=None,
                        help="seeds whose partly trained snapshots get unsure-flag figures (default: "
                        "the first; each snapshot costs a forward pass over the whole domain)")
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE",
                        help="change the default recipe, e.g. --set epochs=12 fresh_draws=False")
    args = parser.parse_args()
    Path(args.weights_dir).mkdir(parents=True, exist_ok=True)  # before training, not after it
    if args.flag_seeds is None:
        args.flag_seeds = args.seeds[:1]
    domain = Domain(args.terms, args.max_operand)
    tuples, what = scored_tuples(domain, args.sample)
    print(f"{domain.describe()}: {len(layouts(domain))} layouts; scoring {what}", file=sys.stderr)
    changes = recipe_changes(args.set)
    columns = COLUMNS if scores_whole(domain) else COLUMNS + SUM_COLUMNS
    recipe = "default recipe" + "".join(f", {k}={v}" for k, v in changes.items())
    rows, flags = [], []
    for seed in args.seeds:
        scored = flags if seed in args.flag_seeds else None
        rows.append(measure(domain, seed, tuples, args.show_wrong, args.weights_dir, changes, scored))
        print_table(rows[-1:], f"seed {seed}", extra=columns)
        sys.stdout.flush()
    print_table(rows, f"{domain.describe()}, {recipe}, scored on {what}", extra=columns)
    if flags:
        over = f"all {domain.size:,}" if scores_whole(domain) else f"{FLAG_SAMPLE:,} uniform tuples"
        print_flags(flags, f"unsure flag on partly trained snapshots ({PARTLY_TRAINED[0]:.0%}-"
                           f"{PARTLY_TRAINED[1]:.1%} exact over {over}); target: >= 90 % of "
                           "wrong caught, <= 10 % of right flagged")


if __name__ == "__main__":
    main()
