"""The evaluation and model information drawn for a person (`evaluate`, :evaluate, :info)."""

from __future__ import annotations

from ..core.confidence import RELATIVE_THRESHOLD, ConfidenceRule
from ..core.metadata import fraction, records, section, subset_figures
from ..core.modelfile import ModelFile
from ..core.printable import value_text, visible
from ..core.scoring import Evaluation
from .progress import percent, sparkline

WRITTEN = {"reversed": "last character first (shown in reading order)",
           "reading": "first character first, as the reference does"}


def _pct(value) -> str:
    return "n/a" if value is None else f"{value * 100:.2f}%"


def evaluation_text(model: ModelFile, evaluation: Evaluation) -> str:
    scope = "every tuple" if evaluation.exhaustive else f"a seeded sample of {evaluation.all.count:,}"
    c = evaluation.confidence
    lines = [
        f"model {visible(model.path)}: {model.domain.describe()}, evaluated on {scope}",
        f"  {'':<10}{'exact match':>12}{'per char':>10}{'count':>10}",
    ]
    for label, subset in (("all", evaluation.all), ("held-out", evaluation.heldout),
                          ("trained", evaluation.trained)):
        lines.append(
            f"  {label:<10}{_pct(subset.exact_match):>12}{_pct(subset.char_accuracy):>10}"
            f"{subset.count:>10,}"
        )
    auroc = "n/a (needs both right and wrong answers)" if c.auroc is None else f"{c.auroc:.4f}"
    product_auroc = "n/a" if c.product_auroc is None else f"{c.product_auroc:.4f}"
    lines += [
        f"  unsure flag (related sums agree < {percent(c.threshold)}): "
        f"{_pct(c.wrong_caught)} of wrong answers caught, {_pct(c.right_flagged)} of right "
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
        f"network     LSTM({model.network.units}) -> RepeatVector -> LSTM({model.network.units}) "
        f"-> Dense(12) softmax, {model.parameters:,} parameters",
        f"writes      the answer {WRITTEN[model.network.answer_order]}",
        f"held out    {rule.fraction * 100:g}% of tuples never trained on (seed {rule.seed})",
    ]
    if training:
        lines.append(
            f"training    {training.get('epochs_run')} of {training.get('epochs')} epochs, batch "
            f"{training.get('batch_size')}, lr {training.get('learning_rate')} "
            f"{training.get('schedule')}, seed {training.get('seed')}, "
            f"{training.get('seconds')}s, best epoch {training.get('best_epoch')}"
        )
    for name, label in (("all", "all"), ("heldout", "held-out"), ("trained", "trained")):
        figures = subset_figures(meta, name)
        if figures:
            lines.append(f"exact match {label:<9} {_pct(figures[0])} of {figures[1]:,}")
    history = [value for value in history if value is not None]
    if history:
        lines.append(f"held-out    {sparkline(history, 0.0, 1.0)}")
    rule = ConfidenceRule.from_meta(meta)
    lines.append(
        f"unsure when fewer than {percent(rule.threshold)} of related sums agree with the answer"
        + (f" ({RELATIVE_THRESHOLD:g} x this model's mean agreement, {percent(rule.mean_agreement)})"
           if rule.mean_agreement is not None
           else " (a fixed threshold: the file was not calibrated for this check)")
    )
    if versions:
        lines.append(
            "made with   "
            + ", ".join(f"{value_text(k, 40)} {value_text(v, 40)}" for k, v in versions.items() if v)
            + f"; {value_text(meta.get('created', ''), 40)}"
        )
    return "\n".join(lines)
