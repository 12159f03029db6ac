"""The installed `seqsum-repl` for real: in a pseudo-terminal (pexpect) and through pipes."""

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

SCRIPT = Path(sys.executable).parent / "seqsum-repl"
if not SCRIPT.exists():
    SCRIPT = Path(shutil.which("seqsum-repl") or "seqsum-repl")


@pytest.fixture
def env(tmp_path):
    environment = dict(os.environ)
    environment.update(XDG_DATA_HOME=str(tmp_path / "data"), TERM="xterm", COLUMNS="120",
                       LINES="40", PROMPT_TOOLKIT_NO_CPR="1")
    environment.pop("SEQSUM_MODEL", None)
    environment.pop("NO_COLOR", None)
    return environment


def ctrl_c_interrupts() -> None:
    """Run in a spawned child before it starts: SIGINT back to its default action. A suite
    started as a background job of a non-interactive shell (as CI runners may) has SIGINT
    ignored, the child would inherit that, and Python keeps an inherited SIG_IGN: Ctrl-C
    would do nothing in the REPL under test."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def answer_then_quit(child, expression: str, truth: int) -> None:
    """Type a sum, see its true sum, leave with Ctrl-D, and expect exit status 0."""
    child.sendline(expression)
    child.expect(f"true sum {truth}")
    child.expect("seqsum>")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    # Wait for the exit itself: the terminal closes a moment before the process ends, and
    # close() alone would signal a process still exiting (exitstatus None on a busy machine).
    assert child.wait() == 0


@pytest.fixture
def poisoned(tmp_path, env):
    """An environment in which importing tensorflow, keras or h5py is recorded and fails."""
    poison = tmp_path / "poison"
    marker = tmp_path / "imported.txt"
    for name in ("tensorflow", "keras", "h5py"):
        (poison / name).mkdir(parents=True)
        (poison / name / "__init__.py").write_text(
            f"open({str(marker)!r}, 'a').write('{name}\\n')\n"
            f"raise ImportError('{name} imported on the answer path')\n"
        )
    env["PYTHONPATH"] = str(poison)
    return env, marker


def test_answer_paths_never_import_tensorflow(poisoned, numpy_model):
    env, marker = poisoned
    one_shot = subprocess.run([SCRIPT, "--model", numpy_model, "-e", "12+34"], env=env,
                              capture_output=True, text=True, timeout=60)
    assert one_shot.returncode == 0, one_shot.stderr
    assert "true 46" in one_shot.stdout
    piped = subprocess.run([SCRIPT, "--model", numpy_model, "--json"], input="1+2\n3+4\n",
                           env=env, capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and len(piped.stdout.splitlines()) == 2
    child = pexpect.spawn(str(SCRIPT), ["--model", str(numpy_model)], env=env, timeout=30,
                          encoding="utf-8", dimensions=(40, 120))
    child.expect("seqsum>")
    answer_then_quit(child, "5+6", 11)
    assert not marker.exists(), marker.read_text()


def test_pipe_through_the_installed_command(env, numpy_model):
    data = b"1+2\r\n\n\xff\n3+x\n" + b"4+5"
    plain = subprocess.run([SCRIPT, "--model", numpy_model], input=data, env=env,
                           capture_output=True, timeout=60)
    assert plain.returncode == 1
    assert [line.split(b" = ")[0] for line in plain.stdout.splitlines()] == [b"1+2", b"4+5"]
    errors = plain.stderr.decode().splitlines()
    assert [e.split(":")[0] for e in errors] == ["line 3", "line 4"]
    assert b"\x1b[" not in plain.stdout + plain.stderr  # pipes get no colour codes
    as_json = subprocess.run([SCRIPT, "--model", numpy_model, "--json"], input=data, env=env,
                             capture_output=True, timeout=60)
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [r.get("line") for r in records] == [None, 3, 4, None]
    assert as_json.returncode == 1 and as_json.stderr == b""


def test_slow_producer_gets_each_answer_before_closing_the_pipe(env, numpy_model):
    child = subprocess.Popen([SCRIPT, "--model", numpy_model, "--json"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, env=env)
    try:
        for expression in ("1+2", "30+40"):
            child.stdin.write(f"{expression}\n".encode())
            child.stdin.flush()
            ready, _, _ = select.select([child.stdout], [], [], 30)
            assert ready, f"no answer to {expression} while the pipe was still open"
            assert json.loads(child.stdout.readline())["input"] == expression
    finally:
        child.stdin.close()
        assert child.wait(timeout=30) == 0


def test_broken_model_exits_2_without_traceback(env, tmp_path):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"\x00" * 100)
    result = subprocess.run([SCRIPT, "--model", broken, "-e", "1+1"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.fixture
def repl(env, model_copy):
    child = pexpect.spawn(str(SCRIPT), ["--model", str(model_copy)], env=env, timeout=60,
                          preexec_fn=ctrl_c_interrupts,
                          encoding="utf-8", dimensions=(40, 120))
    child.expect("adds 2 numbers from 0 to 9")
    child.expect("seqsum>")
    yield child
    child.close(force=True)


def test_interactive_session_end_to_end(repl, model_copy):
    pytest.importorskip("seqsum.models.train", reason=":retrain needs TensorFlow")
    repl.sendline("3+4")
    repl.expect(r"network.*true sum 7")
    repl.expect("%")
    repl.expect("seqsum>")
    repl.sendline(":help")
    repl.expect(":retrain")
    repl.expect("seqsum>")
    repl.sendline("3+-4")
    repl.expect("signs are not supported")
    repl.expect("seqsum>")
    before = model_copy.read_bytes()
    repl.sendline(":retrain --epochs 1")
    repl.expect(r"saved .*exact match .* -> ", timeout=120)
    repl.expect("held-out exact match per epoch")
    repl.expect("seqsum>")
    assert model_copy.read_bytes() != before  # retrained onto the model in use
    retrained = model_copy.read_bytes()
    repl.sendline(":retrain --epochs 500")
    repl.expect("epoch", timeout=120)
    time.sleep(1.0)
    repl.sendcontrol("c")
    repl.expect("retrain cancelled", timeout=60)
    repl.expect("seqsum>")
    assert model_copy.read_bytes() == retrained
    assert not list(model_copy.parent.glob(f".{model_copy.name}.*"))  # no temporary left
    answer_then_quit(repl, "2+2", 4)


def test_colour_only_on_a_terminal_and_never_with_no_color(env, numpy_model):
    def one_shot(*extra, **more_env):
        child = pexpect.spawn(str(SCRIPT), ["--model", str(numpy_model), "-e", "1+2", *extra],
                              env={**env, **more_env}, timeout=30, encoding="utf-8")
        child.expect(pexpect.EOF)
        child.close()
        return child.before

    assert "\x1b[" in one_shot()
    assert "\x1b[" not in one_shot(NO_COLOR="1")
    assert "\x1b[" not in one_shot("--no-color")
    assert "true 3" in one_shot("--no-color")


def test_map_in_a_terminal_in_colour_and_without(env, numpy_model):
    child = pexpect.spawn(str(SCRIPT), ["--model", str(numpy_model)], env=env, timeout=60,
                          encoding="utf-8", dimensions=(60, 120))
    child.expect("seqsum>")
    child.sendline(":map")
    child.expect("first operand down, second across")
    child.expect("▀" * 10)
    child.expect("wrong and not marked")
    child.expect("seqsum>")
    answer_then_quit(child, "5+6", 11)
    child = pexpect.spawn(str(SCRIPT), ["--model", str(numpy_model)], env={**env, "NO_COLOR": "1"},
                          timeout=60, encoding="utf-8", dimensions=(60, 120))
    child.expect("seqsum>")
    child.sendline(":map")
    child.expect(r"\n 0 (\x1b\[0m)?[.?x#]{100}\s")  # one line per row, one character per pair
    child.expect("one line per row, one character per cell")
    child.expect("seqsum>")
    assert "▀" not in child.before
    answer_then_quit(child, "5+6", 11)


def test_ctrl_c_stops_a_long_map_in_a_terminal(env, tmp_path):
    from seqsum.core.domain import Domain

    from .conftest import write_numpy_model

    model = write_numpy_model(tmp_path / "wide.keras", Domain(2, 999))
    child = pexpect.spawn(str(SCRIPT), ["--model", str(model)], env=env, timeout=60,
                          preexec_fn=ctrl_c_interrupts,
                          encoding="utf-8", dimensions=(60, 120))
    child.expect("seqsum>")
    child.sendline(":map")
    child.expect(r"map: \d+% of 1,000,000 sums answered")
    child.sendcontrol("c")
    child.expect("map cancelled")
    child.expect("seqsum>")
    answer_then_quit(child, "5+6", 11)
