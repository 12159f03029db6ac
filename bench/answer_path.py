"""Answer-path figures, printed side by side: NumPy path vs TensorFlow/Keras, for several models.

    python bench/answer_path.py [--model PATH ...] [--lines 100000] [--lines-without-table 20000]
                                [--runs 5] [--pipe-runs 3] [--no-keras]

For each model (default: the bundled one; give --model once per file, e.g. a 0..999 model and a
3-term model made with `seqsum-repl train --max-operand 999 --epochs 1 --train-size 20000`):
1. start to first answer: `seqsum-repl -e 12+34` (for the first model also against
   `python -c "import tensorflow"` and the Keras path: import, load the .keras file, predict),
   and `python -c "import seqsum"`, the Python API's import;
2. per expression in the REPL (parse + NumPy forward + render), warm and cold (for the first
   model also against `model.predict` and `model(x)`);
3. pipe throughput, `--json` and plain, N random expressions end to end through the installed
   command (the median of --pipe-runs runs); for a model file with an answer table (core.table)
   also the same file without it;
4. resident memory of an idle REPL (pexpect, read from /proc).
A summary table ends the output. Targets: <= 0.5 s and <= 1/3 of the TensorFlow import (the
import of seqsum: <= 0.5 s);
<= 1 ms; >= 20,000 lines/s; <= 150 MB.
"""

from __future__ import annotations

# First, before NumPy loads OpenBLAS: one BLAS thread unless set, as seqsum-repl runs, so the
# in-process figures time what the command does.
import seqsum.repl  # noqa: F401

# isort: split
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

BIN = Path(sys.executable).parent
SCRIPT = str(BIN / "seqsum-repl")


def wall(command: list[str], runs: int, **kwargs) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, **kwargs)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def per_call(function, repeat: int, clock=time.perf_counter) -> float:
    function()
    start = clock()
    for _ in range(repeat):
        function()
    return (clock() - start) / repeat


def idle_rss_mb(model: str) -> float:
    import pexpect

    env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", XDG_DATA_HOME=tempfile.mkdtemp())
    child = pexpect.spawn(SCRIPT, ["--model", model], env=env, timeout=60, encoding="utf-8")
    child.expect("seqsum>")
    child.sendline("12+34")
    child.expect("seqsum>")
    time.sleep(0.5)
    with open(f"/proc/{child.pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    child.sendcontrol("d")
    child.close()
    return rss / 1024


def without_table(model_path: str) -> str:
    """A copy of the model file without its answer table: how files without one answer."""
    from seqsum.core.modelfile import TABLE_MEMBER

    copy = Path(tempfile.mkdtemp()) / "no-table.keras"
    with zipfile.ZipFile(model_path) as source, zipfile.ZipFile(copy, "w") as target:
        for name in source.namelist():
            if name != TABLE_MEMBER:
                target.writestr(name, source.read(name))
    return str(copy)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pipe_rate(model_path: str, text: bytes, lines: int, mode: list[str], env: dict,
              runs: int) -> tuple[float, float, float]:
    """Median over `runs` of (lines per second of wall time, of the command's own CPU time),
    and the slowest run's rate: on a shared machine one run can be a third off."""
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), children_cpu()
        done = subprocess.run([SCRIPT, "--model", model_path, *mode], input=text, capture_output=True,
                              env=env)
        walls.append(time.perf_counter() - start)
        cpus.append(children_cpu() - cpu)
        assert done.returncode == 0 and done.stdout.count(b"\n") == lines, done.stderr[-500:]
    return lines / statistics.median(walls), lines / statistics.median(cpus), lines / max(walls)


def keras_figures(model_path: str, domain, sample: list[int], runs: int) -> dict:
    from seqsum.core.codec import encode_questions, one_hot
    from seqsum.core.modelfile import read_model_file
    from seqsum.models.store import load_keras_model

    keras_code = (
        "from seqsum.models.store import load_keras_model\n"
        "from seqsum.core.codec import encode_questions, one_hot\n"
        "from seqsum.core.modelfile import read_model_file\n"
        "import numpy as np\n"
        f"file = read_model_file({model_path!r})\n"
        f"model = load_keras_model({model_path!r})\n"
        f"x = one_hot(encode_questions(np.array([{sample}]), file.domain, file.network.question_align))\n"
        "print(model.predict(x, verbose=0).argmax(-1))\n"
    )
    keras_model = load_keras_model(model_path)
    align = read_model_file(Path(model_path)).network.question_align
    x = one_hot(encode_questions(np.array([sample]), domain, align))
    return {
        "tf_import": wall([sys.executable, "-c", "import tensorflow"], runs),
        "keras_first": wall([sys.executable, "-c", keras_code], max(1, runs // 2)),
        "predict_ms": per_call(lambda: keras_model.predict(x, verbose=0), 50) * 1000,
        "call_ms": per_call(lambda: keras_model(x, training=False).numpy(), 200) * 1000,
    }


def measure(model_path: str, args, with_keras: bool) -> dict:
    from seqsum.core.answer import Predictor
    from seqsum.core.modelfile import read_model_file
    from seqsum.core.parse import parse_expression
    from seqsum.repl import render

    model = read_model_file(model_path)
    domain = model.domain
    has_table = model.table is not None
    print(f"model: {model_path} ({domain.describe()}, {domain.size:,} tuples, "
          + (f"answer table {model.table.nbytes / 1e6:.1f} MB)" if has_table else "no answer table)"))
    sample = [min(n, domain.max_operand) for n in (12, 34, 56, 78, 90)[: domain.terms]]
    expression = "+".join(map(str, sample))
    env = dict(os.environ, XDG_DATA_HOME=tempfile.mkdtemp())
    figures = {"model": Path(model_path).name, "domain": domain.describe(), "table": has_table}
    figures["first"] = wall([SCRIPT, "--model", model_path, "-e", expression], args.runs, env=env)
    print(f"  start to first answer (median), seqsum-repl -e {expression}: {figures['first']:.3f} s")
    if with_keras:
        figures.update(keras_figures(model_path, domain, sample, args.runs))
        print(f"    python -c 'import tensorflow'   {figures['tf_import']:7.3f} s   "
              f"ratio {figures['first'] / figures['tf_import']:.2f} (target <= 0.33)")
        figures["api_import"] = wall([sys.executable, "-c", "import seqsum"], args.runs)
        print(f"    python -c 'import seqsum'       {figures['api_import']:7.3f} s   "
              f"ratio {figures['api_import'] / figures['tf_import']:.2f} (target <= 0.5 s)")
        print(f"    Keras: import, load, predict    {figures['keras_first']:7.3f} s")

    predictor = Predictor(model)

    def numpy_answer(cold: bool):
        def run():
            operands = parse_expression(expression, domain)
            if cold:
                predictor.clear_cache()  # the network itself: the answer (and its checks, without a table)
            answer = predictor.answer([operands])[0]
            render.plain(render.detailed(answer))
        return run

    figures["cold_ms"] = per_call(numpy_answer(cold=True), 300) * 1000
    predictor.warm_up()
    figures["repl_ms"] = per_call(numpy_answer(cold=False), 2000) * 1000
    figures["repl_cpu_ms"] = per_call(numpy_answer(cold=False), 2000, time.process_time) * 1000
    print(f"  one expression in the REPL, parse + answer + render: {figures['repl_ms']:.3f} ms warm "
          f"({figures['repl_cpu_ms']:.3f} ms of CPU; target <= 1 ms), {figures['cold_ms']:.3f} ms cold")
    if with_keras:
        print(f"    Keras model.predict(x) {figures['predict_ms']:7.3f} ms, "
              f"model(x) {figures['call_ms']:7.3f} ms")

    rng = np.random.default_rng(0)
    operands = rng.integers(0, domain.max_operand + 1, size=(args.lines, domain.terms))
    variants = [("", model_path, args.lines)]
    if has_table:  # slow: ~80 sums through the network per line
        variants.append((" without its table", without_table(model_path), args.lines_without_table))
    for label, path, lines in variants:
        text = "".join("+".join(map(str, row)) + "\n" for row in operands[:lines].tolist()).encode()
        for mode in (["--json"], []):
            runs = args.pipe_runs if not label else 1
            rate, cpu_rate, slowest = pipe_rate(path, text, lines, mode, env, runs)
            key = ("json" if mode else "plain") + ("_no_table" if label else "")
            figures[key] = rate
            print(f"  pipe {'--json' if mode else 'plain '} {lines:,} random lines{label}: "
                  f"{rate:9,.0f} lines/s (target >= 20,000; median of {runs}, slowest {slowest:,.0f}); "
                  f"{cpu_rate:9,.0f} per CPU second")
    distinct = np.unique(operands, axis=0)
    start = time.perf_counter()
    model.network.answer_probabilities(distinct, domain)
    network = time.perf_counter() - start
    print(f"    of which the network, {len(distinct):,} distinct tuples computed once: {network:.2f} s"
          f" ({len(distinct) / network:,.0f} tuples/s)")
    figures["rss"] = idle_rss_mb(model_path)
    print(f"  idle REPL resident memory: {figures['rss']:.0f} MB (target <= 150 MB)\n")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="append", default=None,
                        help="a model file (repeat for several; default: the bundled model)")
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--lines-without-table", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pipe-runs", type=int, default=3, help="runs of each pipe (the median is shown)")
    parser.add_argument("--no-keras", action="store_true", help="skip the TensorFlow comparison")
    args = parser.parse_args()

    from seqsum.repl import locations

    paths = args.model or [str(locations.choose_model(None).path)]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: wall-clock figures include "
          "waiting for a core; CPU-time figures do not\n")
    rows = [measure(path, args, with_keras=not args.no_keras and i == 0) for i, path in enumerate(paths)]

    def rate(row, key):
        return f"{row[key]:,.0f}" if key in row else "-"

    print("| model | domain | table | start | REPL warm / cold | pipe --json / plain (lines/s) "
          "| same without table | memory |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['model']} | {row['domain']} | {'yes' if row['table'] else 'no'} "
              f"| {row['first']:.2f} s | {row['repl_ms']:.2f} / {row['cold_ms']:.2f} ms "
              f"| {rate(row, 'json')} / {rate(row, 'plain')} "
              f"| {rate(row, 'json_no_table')} / {rate(row, 'plain_no_table')} | {row['rss']:.0f} MB |")


if __name__ == "__main__":
    main()
