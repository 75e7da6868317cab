"""The installed ``o2c`` command watches its work in a child process: running out of memory, a
killed child, ``--max-memory`` and Ctrl-C end in one line and exit 1 or 130, never in a signal
exit or a traceback; and ``import o2c`` loads no data library, so that the watcher stays small."""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from o2c._cli_simulate import orders_table
from o2c._simulate import simulate
from o2c._watchdog import parse_size
from tests.conftest import sample_log

O2C = shutil.which("o2c", path=str(Path(sys.executable).parent))


def _assess(
    out: Path, *options: str, limit: int | None = None, log: Path | None = None
) -> subprocess.Popen[str]:
    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    assert O2C, "the o2c script is not installed beside the interpreter"
    path = sample_log("o2c_orders.csv") if log is None else log
    return subprocess.Popen(
        [O2C, "assess", str(path), "--no-progress", "--out", str(out), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=cap,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    _out, err = process.communicate(timeout=300)
    assert "Traceback" not in err, err
    return process.returncode, err


def _child(parent: int) -> int:
    """The process id of ``parent``'s only child, once it has one."""
    for _ in range(200):
        children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise AssertionError(f"process {parent} started no child")


def test_an_address_space_too_small_for_the_libraries_is_named(tmp_path: Path) -> None:
    code, err = _finish(_assess(tmp_path / "out", limit=2**30))
    assert code == 1
    assert "out of memory" in err and "1.0 GB of address space (ulimit -v)" in err
    assert not (tmp_path / "out").exists()


def test_a_child_killed_by_a_signal_is_an_error_not_a_signal_exit(tmp_path: Path) -> None:
    process = _assess(tmp_path / "out")
    child = _child(process.pid)
    time.sleep(1)
    os.kill(child, signal.SIGKILL)
    code, err = _finish(process)
    assert code == 1
    assert "stopped by SIGKILL" in err and "out of memory" in err


def test_max_memory_stops_the_run_and_leaves_no_report(tmp_path: Path) -> None:
    code, err = _finish(_assess(tmp_path / "out", "--max-memory", "60M"))
    assert code == 1
    assert "more than --max-memory 60 MB" in err
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_ctrl_c_reaches_the_child_once_and_exits_130(tmp_path: Path) -> None:
    # a log large enough that the run is still at work 3 s in on a fast machine (the sample log
    # can be done by then, and a signal during the interpreter's exit ends it silently)
    log = tmp_path / "orders.csv"
    orders_table(simulate(20_000, seed=1).log).write_csv(log)
    process = _assess(tmp_path / "out", log=log)
    _child(process.pid)
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    code, err = _finish(process)
    assert "interrupted" in err
    assert code == 130
    assert not (tmp_path / "out").exists()


def test_ctrl_c_while_the_child_starts_says_interrupted_once(tmp_path: Path) -> None:
    # the signal can end the child before its interpreter catches it (exit -2, nothing said): the
    # watcher then says it; when the child caught it, the child's own line is the only one
    process = _assess(tmp_path / "out")
    _child(process.pid)
    process.send_signal(signal.SIGINT)
    code, err = _finish(process)
    assert (code, err.count("interrupted")) == (130, 1), err
    assert not (tmp_path / "out").exists()


def test_a_bad_max_memory_is_a_usage_error(tmp_path: Path) -> None:
    code, err = _finish(_assess(tmp_path / "out", "--max-memory", "lots"))
    assert code == 2
    assert "--max-memory" in err and "'lots'" in err


@pytest.mark.parametrize(
    ("text", "size"),
    [("8G", 8 * 1024**3), ("512MB", 512 * 1024**2), ("1.5t", int(1.5 * 1024**4)), ("10", 10)],
)
def test_sizes_are_read_in_powers_of_1024(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "0", "-1G", "8X", "G"])
def test_a_size_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="expected a size"):
        parse_size(text)


def test_import_o2c_and_its_command_load_no_data_library_and_keep_functions_over_modules() -> None:
    script = (
        "import sys, o2c, o2c.cli\n"
        "loaded = sorted(m for m in ('polars', 'pandas', 'duckdb', 'pm4py') if m in sys.modules)\n"
        "import o2c._kpis, o2c.assess, o2c.rework, o2c.simulate, o2c.milestones\n"
        "print(loaded, all(callable(getattr(o2c, n)) and not isinstance(getattr(o2c, n), type(sys))\n"
        "                  for n in ('assess', 'kpis', 'milestones', 'rework', 'simulate')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[] True"
