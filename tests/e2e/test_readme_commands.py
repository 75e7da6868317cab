"""Every command the README shows runs as shown and exits 0: the ``o2c`` commands, the notebook
export, one test, the benchmark (on a small log); JupyterLab has a test of its own
(tests/notebooks/test_jupyterlab.py) and the two set-up commands run in ``.ci/run``."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from o2c.cli import main
from tests.conftest import REAL_LOGS

ROOT = Path(__file__).resolve().parents[2]
#: This interpreter's folder stands for the README's `.venv/bin/` (CI's second leg has another venv).
BIN = Path(sys.executable).parent
#: The benchmark as the README gives it, on a log small enough for a test (its arguments go to
#: bench_scale.py), without the peers' table (which installs pl4pm and r4pm into a venv of its own
#: and times a million events).
BENCH_ARGUMENTS = ["--events", "20000", "--runs", "1", "--pm4py-runs", "1", "--steps", "dfg", "variants",
                   "--no-read-rows", "--no-peers"]  # fmt: skip


def _commands() -> list[str]:
    """The commands of the README's bash blocks (continued lines joined) and its ``$ `` lines."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip() and not line.strip().startswith("#"):
                commands.append(" ".join(line.split()))
    return commands + re.findall(r"^\$ (.+)$", text, flags=re.M)


def _kind(command: str) -> str:
    for kind, pattern in {
        "o2c": r"o2c ", "setup": r"bash scripts/(main|test)\.sh$", "bench": r"bash bench/run\.sh$",
        "lab": r"\.venv/bin/jupyter lab ", "nbconvert": r"\.venv/bin/jupyter nbconvert ",
    }.items():  # fmt: skip
        if re.match(pattern, command):
            return kind
    raise AssertionError(f"the README shows {command!r}, which no test runs; add it here")


O2C = [c for c in _commands() if _kind(c) == "o2c"]


def test_the_readme_shows_only_commands_a_test_or_ci_runs() -> None:
    kinds = {_kind(c) for c in _commands()}
    assert kinds == {"o2c", "setup", "bench", "lab", "nbconvert"}
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in _commands():
        if _kind(command) == "setup":
            assert f"\n{command}\n" in ci, f".ci/run does not run {command!r}"
    one_test = re.search(r"`(\.venv/bin/python -m pytest [^`]+)`", (ROOT / "README.md").read_text()).group(1)  # type: ignore[union-attr]
    assert one_test == ".venv/bin/python -m pytest tests/unit/test_io_csv.py -k european"


@pytest.mark.parametrize("command", O2C, ids=[f"{i}:{c[:60]}" for i, c in enumerate(O2C)])
def test_each_o2c_command_of_the_readme_runs(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = shlex.split(command)[1:]
    if any(a.startswith("../shared/real_logs/") for a in argv) and not REAL_LOGS.is_dir():
        pytest.skip(f"the real logs are not beside the checkout at {REAL_LOGS}")
    if "--out" in argv:  # written to a folder of the test's, not into the checkout
        argv[argv.index("--out") + 1] = str(tmp_path / "out")
    monkeypatch.chdir(ROOT)
    assert main(argv) == 0, capsys.readouterr().err
    printed = capsys.readouterr()
    assert printed.out.strip() and "Traceback" not in printed.err
    if argv[0] == "assess":
        assert (tmp_path / "out" / "report.html").is_file() and (tmp_path / "out" / "findings.json").is_file()


def test_the_readme_s_single_test_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/unit/test_io_csv.py", "-k", "european"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:]
    assert re.search(r"\b[1-9]\d* passed", result.stdout), result.stdout[-500:]


def test_the_readme_s_notebook_export_writes_the_presentation_without_code(tmp_path: Path) -> None:
    command = next(c for c in _commands() if _kind(c) == "nbconvert")
    executable, *arguments = shlex.split(command)
    result = subprocess.run(
        [str(BIN / Path(executable).name), *arguments, "--output-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    page = (tmp_path / "03_client_presentation.html").read_text(encoding="utf-8")
    assert "import o2c" not in page  # --no-input: no code
    assert "<svg" in page or "image/png" in page  # the maps and charts came out of the run


@pytest.mark.slow
def test_the_readme_s_benchmark_runs_on_a_small_log() -> None:
    result = subprocess.run(
        ["bash", "bench/run.sh", *BENCH_ARGUMENTS], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    rows = [line.split() for line in result.stdout.splitlines() if re.match(r"(dfg|variants)\s+20k\s", line)]
    assert len(rows) == 2 and all(row[-1] == "yes" for row in rows), result.stdout
