"""The ``o2c`` command as installed: the work runs in a child process that this one watches.

A process that runs out of memory cannot always say so: under an address-space limit
(``ulimit -v``) the allocator of polars aborts, and the kernel's out-of-memory killer sends
SIGKILL. The watching process imports no data library and stays small, so it can: it names the
signal and the limit and how to raise it, and exits 1 instead of by a signal. It also holds the
child to ``--max-memory`` (resident memory; by default ``MEMORY_SHARE`` of the machine's) and
passes Ctrl-C on once, so that the child leaves its report folder as it was and exits 130.

>>> parse_size("1.5G"), parse_size("512MB"), parse_size("2048")
(1610612736, 536870912, 2048)
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import signal
import subprocess
import sys
from collections.abc import Sequence
from types import FrameType

#: The default of ``--max-memory``: this share of the machine's memory.
MEMORY_SHARE = 0.8
#: How often the child's resident memory is read, in seconds.
POLL_SECONDS = 0.2
#: How long a child told to stop (Ctrl-C, ``--max-memory``) has to clean up before it is killed.
GRACE_SECONDS = 10.0

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
#: Messages of a library that could not get memory while loading (dlopen, mmap).
_NO_MEMORY = ("failed to map segment", "cannot allocate memory")


def parse_size(text: str) -> int:
    """Bytes from a size such as ``8G``, ``512MB``, ``1.5T`` or ``1000000`` (powers of 1024)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", text, flags=re.IGNORECASE)
    if not match or float(match[1]) <= 0:
        raise argparse.ArgumentTypeError(
            f"expected a size such as 8G, 512M or 1.5T (powers of 1024); got {text!r}"
        )
    return int(float(match[1]) * _UNITS[match[2].upper()])


def add_memory_option(parser: argparse.ArgumentParser, *, default: str | None = None) -> None:
    """``--max-memory``: the option the watching process reads and ``o2c --help`` documents."""
    parser.add_argument(
        "--max-memory",
        type=parse_size,
        default=argparse.SUPPRESS if default is None else default,
        metavar="SIZE",
        help=f"stop the run when it holds more memory than this (e.g. 8G; default "
        f"{MEMORY_SHARE:.0%}% of this machine's memory, {_gb(default_max_memory())})",
    )


def default_max_memory() -> int:
    """``MEMORY_SHARE`` of the machine's physical memory, in bytes."""
    return int(MEMORY_SHARE * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def is_out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` says memory ran out (also a library that could not be loaded for it)."""
    if isinstance(error, MemoryError):
        return True
    return isinstance(error, ImportError | OSError) and any(text in str(error).lower() for text in _NO_MEMORY)


def out_of_memory_message() -> str:
    """What to do about running out of memory, naming the address-space limit when one is set."""
    limit, _hard = resource.getrlimit(resource.RLIMIT_AS)
    if limit != resource.RLIM_INFINITY:
        return (
            f"out of memory: this process may use only {_gb(limit)} of address space (ulimit -v), and "
            "polars, DuckDB and pm4py reserve more address space than they use. Raise the limit "
            "(ulimit -v unlimited) and cap the memory o2c holds with --max-memory instead."
        )
    return (
        "out of memory; cap what o2c holds with --max-memory, and for a log larger than memory "
        "see o2c.scan_log (README, Scale)"
    )


#: What an interrupted run says on stderr, the child's own line or, when Ctrl-C came before it could
#: catch it (while the interpreter was starting), the watcher's.
INTERRUPTED = "interrupted; a report folder being written was left as it was"


def watch(argv: Sequence[str]) -> int:
    """Run ``python -m o2c.cli argv`` in a child process and watch it; return the exit code.

    The child starts with Ctrl-C ignored, so that it never dies of one while its interpreter
    starts or imports (a traceback, or a silent exit); ``o2c.cli.main`` catches it from its first
    line on. A stop asked for before then is passed on once the child catches it.
    """
    try:
        limit = _memory_parser().parse_known_args(argv)[0].max_memory
    except argparse.ArgumentError:  # the child's parser says what is wrong with it
        limit = default_max_memory()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited through exec
    try:
        child = subprocess.Popen([sys.executable, "-m", "o2c.cli", *argv], process_group=0)
    finally:
        signal.signal(signal.SIGINT, previous)
    stopping = False  # the child is to stop (Ctrl-C, a signal, --max-memory)
    told = False  # and has been told, once it could hear it

    def tell() -> None:
        nonlocal told
        if stopping and not told and _catches_interrupt(child.pid):
            told = True
            child.send_signal(signal.SIGINT)

    def forward(_number: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True  # once: a second Ctrl-C while the child cleans up changes nothing
        tell()

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, forward)
    held = 0
    while True:
        try:
            code = child.wait(timeout=GRACE_SECONDS if told else POLL_SECONDS)
            break
        except subprocess.TimeoutExpired:
            if told:  # it did not stop in time
                child.kill()
                continue
            tell()
        resident = _resident(child.pid)
        if resident is not None and resident > limit and not stopping:
            held = resident
            stopping = True
            tell()
    if held:
        print(
            f"error: the run held {_gb(held)} of memory, more than --max-memory {_gb(limit)}, and was "
            "stopped. Raise it (e.g. --max-memory "
            f"{_gb(2 * limit).replace(' ', '')}) if the machine has the memory; for a log larger "
            "than memory see o2c.scan_log (README, Scale).",
            file=sys.stderr,
        )
        return 1
    if code >= 0:
        return code
    if stopping or -code == signal.SIGINT:
        print(INTERRUPTED, file=sys.stderr)  # killed after the grace, or by a Ctrl-C of its own group
        return 130
    name = signal.Signals(-code).name
    print(f"error: o2c was stopped by {name}; {out_of_memory_message()}", file=sys.stderr)
    return 1


def _catches_interrupt(pid: int) -> bool:
    """Whether process ``pid`` has a handler for SIGINT (its ``SigCgt`` mask in /proc; without
    /proc, as on macOS, assumed)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as file:
            status = file.read()
    except OSError:
        return True
    caught = re.search(r"^SigCgt:\s*([0-9a-fA-F]+)", status, flags=re.MULTILINE)
    return caught is None or bool(int(caught[1], 16) >> (signal.SIGINT - 1) & 1)


def _memory_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    add_memory_option(parser, default=str(default_max_memory()))
    return parser


def _resident(pid: int) -> int | None:
    """Resident memory of process ``pid`` in bytes; None where /proc does not tell."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return None


def _gb(size: float) -> str:
    """A size in GB, or in MB below 1 GB."""
    return f"{size / 2**30:,.1f} GB" if size >= 2**30 else f"{size / 2**20:,.0f} MB"
