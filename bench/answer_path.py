"""Answer-path figures, printed side by side: NumPy path vs TensorFlow/Keras.

    python bench/answer_path.py [--model PATH] [--lines 100000] [--runs 5]

1. start to first answer: `seqsum-repl -e 12+34` vs `python -c "import tensorflow"` vs the Keras
   path (import, load the .keras file, predict one expression);
2. per expression in the REPL (parse + NumPy forward + render) vs `model.predict` and `model(x)`;
3. pipe throughput, `--json`, N expressions end to end through the installed command (a cold
   cache is shown too: every distinct tuple computed once, the rest looked up);
4. resident memory of an idle REPL (pexpect, read from /proc).
Targets: <= 0.5 s and <= 1/3 of the TensorFlow import; <= 1 ms; >= 20,000 lines/s;
<= 150 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
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


def per_call(function, repeat: int) -> float:
    function()
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat


def idle_rss_mb(model: str) -> float:
    import pexpect

    env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", XDG_DATA_HOME=tempfile.mkdtemp())
    child = pexpect.spawn(SCRIPT, ["--model", model], env=env, timeout=30, encoding="utf-8")
    child.expect("seqsum>")
    child.sendline("12+34")
    child.expect("seqsum>")
    time.sleep(0.5)
    with open(f"/proc/{child.pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    child.sendcontrol("d")
    child.close()
    return rss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from seqsum.core.answer import Predictor
    from seqsum.core.modelfile import read_model_file
    from seqsum.core.parse import parse_expression
    from seqsum.repl import locations, render

    model_path = args.model or str(locations.choose_model(None).path)
    model = read_model_file(model_path)
    print(f"model: {model_path} ({model.domain.describe()})\n")

    domain = model.domain
    sample = [min(n, domain.max_operand) for n in (12, 34, 56, 78, 90)[: domain.terms]]
    expression = "+".join(map(str, sample))
    env = dict(os.environ, XDG_DATA_HOME=tempfile.mkdtemp())
    first = wall([SCRIPT, "--model", model_path, "-e", expression], args.runs, env=env)
    tf_import = wall([sys.executable, "-c", "import tensorflow"], args.runs)
    keras_code = (
        "from seqsum.models.store import load_keras_model\n"
        "from seqsum.core.codec import encode_questions, one_hot\n"
        "from seqsum.core.modelfile import read_model_file\n"
        "import numpy as np\n"
        f"domain = read_model_file({model_path!r}).domain\n"
        f"model = load_keras_model({model_path!r})\n"
        f"x = one_hot(encode_questions(np.array([{sample}]), domain))\n"
        "print(model.predict(x, verbose=0).argmax(-1))\n"
    )
    keras_first = wall([sys.executable, "-c", keras_code], max(1, args.runs // 2))
    print("start to first answer (median)")
    print(f"  seqsum-repl -e {expression:<14} {first:7.3f} s")
    print(f"  python -c 'import tensorflow' {tf_import:7.3f} s"
          f"   ratio {first / tf_import:.2f} (target <= 0.33)")
    print(f"  Keras: import, load, predict  {keras_first:7.3f} s   ratio {first / keras_first:.2f}\n")

    predictor = Predictor(model)

    def numpy_answer(cold: bool):
        def run():
            operands = parse_expression(expression, domain)
            if cold:
                predictor.clear_cache()  # the network itself: the answer and ~80 checks
            answer = predictor.answer([operands])[0]
            render.plain(render.detailed(answer))
        return run

    cold_ms = per_call(numpy_answer(cold=True), 500) * 1000
    predictor.warm_up()
    numpy_ms = per_call(numpy_answer(cold=False), 2000) * 1000
    from seqsum.core.codec import encode_questions, one_hot
    from seqsum.models.store import load_keras_model

    keras_model = load_keras_model(model_path)
    x = one_hot(encode_questions(np.array([sample]), domain))
    predict_ms = per_call(lambda: keras_model.predict(x, verbose=0), 50) * 1000
    call_ms = per_call(lambda: keras_model(x, training=False).numpy(), 200) * 1000
    print("one expression in the REPL")
    print("  NumPy, as the REPL answers (domain warmed up in the background at start):")
    print(f"    parse + answer + render       {numpy_ms:7.3f} ms (target <= 1 ms)")
    print("  NumPy, cold: network for the sum and its ~80 related sums, + render")
    print(f"                                  {cold_ms:7.3f} ms")
    print(f"  Keras model.predict(x)          {predict_ms:7.3f} ms   {predict_ms / numpy_ms:6.0f}x slower")
    print(f"  Keras model(x)                  {call_ms:7.3f} ms   {call_ms / numpy_ms:6.0f}x slower\n")

    rng = np.random.default_rng(0)
    operands = rng.integers(0, domain.max_operand + 1, size=(args.lines, domain.terms))
    text = "".join("+".join(map(str, row)) + "\n" for row in operands.tolist()).encode()
    for mode in (["--json"], []):
        start = time.perf_counter()
        done = subprocess.run([SCRIPT, "--model", model_path, *mode], input=text,
                              capture_output=True, env=env)
        seconds = time.perf_counter() - start
        assert done.returncode == 0 and done.stdout.count(b"\n") == args.lines
        label = "--json" if mode else "plain "
        print(f"pipe {label} {args.lines:,} lines end to end: {seconds:6.2f} s = "
              f"{args.lines / seconds:9,.0f} lines/s (target >= 20,000)")
    distinct = len(np.unique(operands, axis=0))
    fresh = Predictor(model)
    start = time.perf_counter()
    fresh._compute(np.unique(operands, axis=0))
    network = time.perf_counter() - start
    print(f"  of which the network, {distinct:,} distinct tuples computed once: {network:.2f} s"
          f" ({distinct / network:,.0f} tuples/s)\n")

    print(f"idle REPL resident memory: {idle_rss_mb(model_path):.0f} MB (target <= 150 MB)")


if __name__ == "__main__":
    main()
