"""The evaluation and model information drawn for a person (`evaluate`, :evaluate, :info)."""

from __future__ import annotations

import numpy as np

from ..core.codec import question_texts
from ..core.confidence import RELATIVE_THRESHOLD, ConfidenceRule
from ..core.domain import VOCABULARY
from ..core.evaluation import Evaluation
from ..core.metadata import fraction, records, section, whole
from ..core.modelfile import ModelFile
from ..core.printable import value_text, visible
from ..core.sum_scores import SumScores
from .text import percent, plural, sparkline

WRITTEN = {"reversed": "last character first (shown in reading order)",
           "reading": "first character first, as the original Keras experiment does"}
ALIGNED = {"right": "every operand right-aligned in its field, as in column addition",
           "left": "the operands joined and padded at the end, as the original Keras experiment does"}
EXAMPLE_OPERANDS = (37, 8, 412, 5, 64)


def reads_text(model: ModelFile) -> str:
    """How the network reads a question, with one as it sees it ("37+8" as ' 37+  8')."""
    domain, align = model.domain, model.network.question_align
    operands = [min(value, domain.max_operand) for value in EXAMPLE_OPERANDS[: domain.terms]]
    seen = question_texts(np.array([operands]), domain, align)[0]
    return f"{'+'.join(map(str, operands))} as '{seen}': {ALIGNED[align]}"


def summary(model: ModelFile) -> str:
    """One line of the figures a model was saved with: "exact match all 100.0% of 10,000; ..."."""
    parts = []
    for subset, label in (("all", "all"), ("heldout", "held-out")):
        recorded = model.recorded_exact_match(subset)
        if recorded:
            parts.append(f"exact match {label} {percent(recorded[0])} of {recorded[1]:,}")
    return "; ".join(parts) or "not evaluated"


LAYOUTS_LISTED = 27
"""Up to this many layouts (3 terms of 0..999) every one is listed; beyond, those with wrong answers."""


def _scope(evaluation: Evaluation) -> str:
    if evaluation.exhaustive:
        return f"every tuple ({evaluation.all.count:,})"
    drawn = evaluation.all.count - evaluation.edges.count
    return (f"{evaluation.edges.count:,} edge tuples and a seeded sample of {drawn:,} drawn equally "
            f"from its {len(evaluation.layouts):,} layouts")


def layout_lines(evaluation: Evaluation) -> list[str]:
    """Exact match per layout ("1-digit + 3-digit: 1,800 tuples, 1,800 right"), weak ones visible."""
    def line(row: dict) -> str:
        return f"    {row['layout']}: {row['count']:,} tuples, {row['right']:,} right"

    rows = evaluation.layouts
    if len(rows) <= LAYOUTS_LISTED:
        return ["  per layout (digits of each operand):", *map(line, rows)]
    weak = sorted((r for r in rows if r["right"] < r["count"]), key=lambda r: r["right"] / r["count"])
    perfect = [r for r in rows if r["right"] == r["count"]]
    lines = [f"  per layout (digits of each operand), {len(weak):,} of {len(rows):,} with wrong answers"
             + (", worst first:" if weak else "")]
    lines += map(line, weak[:LAYOUTS_LISTED])
    if len(weak) > LAYOUTS_LISTED:
        lines.append(f"    ... and {len(weak) - LAYOUTS_LISTED:,} more layouts with wrong answers")
    if perfect:
        lines.append(f"    the other {len(perfect):,} layouts: all {sum(r['count'] for r in perfect):,} "
                     "tuples right")
    return lines


def carries_lines(evaluation: Evaluation) -> list[str]:
    """Exact match by how many columns carry ("1 carry: 4,500 tuples, 4,498 right"): a network
    learns the carries last, so a partly trained one is wrong mostly where they are."""
    return ["  per number of carries (columns that carry, added on paper):", *(
        f"    {row['carries']} {'carry' if row['carries'] == 1 else 'carries'}: {row['count']:,} tuples, "
        f"{row['right']:,} right ({percent(row['right'] / row['count'])})"
        for row in evaluation.carries)]


def example_text(example: dict) -> str:
    """A wrong answer as "98+99+99+99 → 396 (true 395)"."""
    return f"{example['input']} → {example['prediction'] or '(blank)'} (true {example['truth']})"


def sum_lines(sums: SumScores) -> list[str]:
    """The per-sum and typed-tuple checks of a domain too large to score whole (core.sum_scores)."""
    head = (f"  every sum: up to {sums.per_sum:,} tuples of each of its {sums.sums:,} sums "
            f"({sums.scored:,} tuples), ")
    if not sums.sums_wrong:
        lines = [head + "every one answered right"]
    else:
        lines = [head + f"{sums.sums_wrong:,} sums with a wrong answer "
                 f"({plural(sums.wrong, 'wrong answer')}), worst first:"]
        lines += [f"    {w['sum']}: {w['wrong']:,} of {w['count']:,} wrong, e.g. {example_text(w['example'])}"
                  for w in sums.worst]
    drawn = f" drawn of {sums.typed_total:,}" if sums.typed_total > sums.typed else ""
    typed = f"  typed tuples (operands 0-10, round numbers, the largest three): {sums.typed:,}{drawn}, "
    if not sums.typed_wrong:
        return [*lines, typed + "every one right"]
    shown = ", ".join(example_text(e) for e in sums.typed_examples)
    return [*lines, typed + f"{sums.typed_wrong:,} wrong: {shown}" + (
        ", ..." if sums.typed_wrong > len(sums.typed_examples) else "")]


def evaluation_text(model: ModelFile, evaluation: Evaluation) -> str:
    scope = _scope(evaluation)
    c = evaluation.confidence
    lines = [
        f"model {visible(model.path)}: {model.domain.describe()}, evaluated on {scope}",
        f"  {'':<10}{'exact match':>12}{'per char':>10}{'count':>10}",
    ]
    for label, subset in (("all", evaluation.all), ("held-out", evaluation.heldout),
                          ("trained", evaluation.trained), ("edges", evaluation.edges)):
        lines.append(
            f"  {label:<10}{percent(subset.exact_match, 2):>12}{percent(subset.char_accuracy, 2):>10}"
            f"{subset.count:>10,}"
        )
    lines += layout_lines(evaluation)
    lines += carries_lines(evaluation)
    if evaluation.sums is not None:
        lines += sum_lines(evaluation.sums)
    auroc = "n/a (needs both right and wrong answers)" if c.auroc is None else f"{c.auroc:.4f}"
    product_auroc = "n/a" if c.product_auroc is None else f"{c.product_auroc:.4f}"
    lines += [
        f"  unsure flag (related sums agree < {percent(c.threshold)}): "
        f"{percent(c.wrong_caught, 2)} of wrong answers caught, {percent(c.right_flagged, 2)} of right "
        "answers flagged",
        f"  agreement: AUROC {auroc}, calibration error {c.ece * 100:.2f} pts; "
        f"product of top probabilities: AUROC {product_auroc}, "
        f"calibration error {(c.product_ece or 0) * 100:.2f} pts",
    ]
    if evaluation.wrong:
        lines.append(f"  first {len(evaluation.wrong)} wrong answers:")
        for w in evaluation.wrong:
            lines.append(
                f"    {w['input']:>15} = {w['prediction']:<6} true {w['truth']:<6}"
                f" confidence {percent(w['confidence'])} agreement {percent(w['agreement'])}"
            )
    else:
        lines.append("  no wrong answers")
    return "\n".join(lines)


def unchecked_text(rule: ConfidenceRule) -> str:
    """Which answers a rule with a `sure` confidence checks less, or not at all."""
    if rule.glance is None:
        return f"; an answer at least {percent(rule.sure)} sure is not checked"
    return (f"; an answer at least {percent(rule.sure)} sure is checked against its operands rotated "
            f"only, and at least {percent(rule.glance)} sure not at all")


def info_text(model: ModelFile, source: str) -> str:
    """What the file records, each value shown as far as it makes sense (core.metadata)."""
    meta = model.meta
    training = {key: value_text(value, 40) for key, value in section(meta, "training").items()}
    versions = section(meta, "versions")
    history = [fraction(r.get("heldout_exact")) for r in records(meta.get("history"))]
    rule = model.heldout_rule
    lines = [
        f"model file  {visible(model.path)} ({source})",
        f"domain      {model.domain.describe()} (question {model.domain.input_width} chars, "
        f"answer {model.domain.answer_width})",
        f"reads       {reads_text(model)}",
        f"network     LSTM({model.network.units}) -> RepeatVector -> LSTM({model.network.units}) "
        f"-> Dense({len(VOCABULARY)}) softmax, {model.parameters:,} parameters",
        f"writes      the answer {WRITTEN[model.network.answer_order]}",
        f"held out    {rule.fraction * 100:g}% of tuples never trained on (seed {rule.seed})",
        "answers     " + (f"a table of all {model.domain.size:,} answers: related sums are lookups"
                          if model.table is not None else "no table: related sums go through the network"),
    ]
    if training:
        lines.append(
            f"training    {training.get('epochs_run')} of {training.get('epochs')} epochs, batch "
            f"{training.get('batch_size')}, lr {training.get('learning_rate')} "
            f"{training.get('schedule')}, seed {training.get('seed')}, "
            f"{training.get('seconds')}s, best epoch {training.get('best_epoch')}"
            + _restarts_text(whole(section(meta, "training").get("restarts"), 1, 1 << 62))
        )
    for name, label in (("all", "all"), ("heldout", "held-out"), ("trained", "trained"),
                        ("edges", "edges")):
        recorded = model.recorded_exact_match(name)
        if recorded:
            lines.append(f"exact match {label:<9} {percent(recorded[0], 2)} of {recorded[1]:,}")
    if recorded_sums := sums_recorded(meta):
        lines.append(recorded_sums)
    history = [value for value in history if value is not None]
    if history:
        lines.append(f"held-out    {sparkline(history, 0.0, 1.0)}")
    rule = ConfidenceRule.from_meta(meta)
    lines.append(
        f"unsure when fewer than {percent(rule.threshold)} of related sums agree with the answer"
        + (f" ({RELATIVE_THRESHOLD:g} x this model's mean agreement, {percent(rule.mean_agreement)})"
           if rule.mean_agreement is not None
           else " (a fixed threshold: the file was not calibrated for this check)")
        + ("" if rule.sure is None or model.table is not None else unchecked_text(rule))
    )
    if versions:
        lines.append(
            "made with   "
            + ", ".join(f"{value_text(k, 40)} {value_text(v, 40)}" for k, v in versions.items() if v)
            + f"; {value_text(meta.get('created', ''), 40)}"
        )
    return "\n".join(lines)


def sums_recorded(meta: dict) -> str | None:
    """The per-sum and typed-tuple figures a file of a large domain was saved with, as one line
    ("every sum  0 of 397 sums with a wrong answer, 0 of 104,976 typed tuples wrong"); None when
    it records no usable ones."""
    sums = section(section(meta, "figures"), "sums")
    counts = [whole(sums.get(key), 0, 1 << 62) for key in ("sums_wrong", "sums", "typed_wrong", "typed")]
    if None in counts:
        return None
    sums_wrong, total, typed_wrong, typed = counts
    return (f"every sum   {sums_wrong:,} of {total:,} sums with a wrong answer, {typed_wrong:,} of "
            f"{typed:,} typed tuples wrong")


def _restarts_text(restarts: int | None) -> str:
    """", 1 restart from the plateau" when the file records any."""
    return f", {plural(restarts, 'restart')} from the plateau" if restarts else ""
