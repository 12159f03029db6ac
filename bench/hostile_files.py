"""What a decompression bomb costs: time, peak memory and exit status of `seqsum-repl -e 1+1`.

    python bench/hostile_files.py [--model PATH] [--padding-mib 1024] [--runs 3]

Builds three copies of the model (tests/hostile.py, a few MB each on disk): its metadata padded
with spaces, its weights archive padded with zeros, and one weight inflating to 128 MiB inside
the weights archive. Each is answered by the installed command in a fresh process, whose peak
resident memory is its own (tests/hostile.run_measured). `read` is read_model_file alone, in
this process (the rest of a run is start-up). The bundled model is measured alongside.
Target (issue 17): refused with exit status 2 in well under a second, below ~200 MB.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds the bomb builders

from seqsum.core.modelfile import ModelFileError, read_model_file  # noqa: E402
from tests.hostile import NPY_PADDING, metadata_bomb, npy_bomb, run_measured, weights_bomb  # noqa: E402

BIN = Path(sys.executable).parent
BUNDLED = Path(__file__).resolve().parents[1] / "models" / "default.keras"


def run(model: Path) -> tuple[float, int, float, str]:
    """(seconds, exit status, peak RSS in MB, last line of stderr) of one `-e 1+1`."""
    command = [str(BIN / "seqsum-repl"), "-e", "1+1", "--model", str(model)]
    status, stderr, peak, seconds = run_measured(command)
    return seconds, status, peak, (stderr.strip().splitlines() or [""])[-1]


def read_seconds(model: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        try:
            read_model_file(model)
        except ModelFileError:
            pass
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=BUNDLED)
    parser.add_argument("--padding-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    padding = args.padding_mib << 20
    with tempfile.TemporaryDirectory() as folder:
        files = {"unchanged model": args.model}
        for build, size in ((metadata_bomb, padding), (weights_bomb, padding), (npy_bomb, NPY_PADDING)):
            path = build(args.model, Path(folder) / f"{build.__name__}.keras", size)
            files[f"{build.__name__} ({size >> 20} MiB)"] = path
        print(f"{'file':<26}{'on disk':>9}{'run':>8}{'read':>9}{'peak RSS':>10}{'exit':>5}  message")
        for label, path in files.items():
            runs = [run(path) for _ in range(args.runs)]
            seconds = statistics.median(r[0] for r in runs)
            peak = max(r[2] for r in runs)
            status, message = runs[-1][1], runs[-1][3]
            size = path.stat().st_size / 1e6
            read = read_seconds(path, args.runs) * 1000
            problem = message.partition(".keras': ")[2] or message
            print(f"{label:<26}{size:>7.1f}MB{seconds:>7.2f}s{read:>7.0f}ms{peak:>7.0f} MB{status:>5}  "
                  f"{problem[:70]}")


if __name__ == "__main__":
    main()
