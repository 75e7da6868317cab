"""JupyterLab, the notebooks' home, starts headless with the README's command, serves the three
notebooks, and stops."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
#: What the README tells a consultant to run, from the checkout (`.venv/bin/` is this interpreter's).
COMMAND = ".venv/bin/jupyter lab notebooks/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The README's JupyterLab command on a free loopback port; stopped (and checked) afterwards."""
    executable, *arguments = COMMAND.split()
    jupyter = Path(sys.executable).parent / Path(executable).name
    port, token = _free_port(), secrets.token_hex(16)
    env = os.environ | {"JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path)}
    server = subprocess.Popen(
        [str(jupyter), *arguments, *(["--allow-root"] if os.geteuid() == 0 else []), "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            assert server.poll() is None, f"JupyterLab exited at start: {server.stderr.read()[-2000:]}"  # type: ignore[union-attr]
            try:
                _get(f"{base}/api/status", token)
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "JupyterLab did not answer within 90 s"
                time.sleep(0.5)
        yield base, token
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()
            pytest.fail("JupyterLab did not stop within 30 s of an interrupt")


def test_the_readme_says_how_to_open_the_notebooks() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"```bash\n *{re.escape(COMMAND)}\n *```", readme)
    assert "As root, JupyterLab asks for `--allow-root`" in readme


def test_jupyterlab_starts_headless_and_serves_the_three_notebooks(lab: tuple[str, str]) -> None:
    base, token = lab
    status, page = _get(f"{base}/lab", token)
    assert status == 200 and b"JupyterLab" in page
    _, listing = _get(f"{base}/api/contents", token)
    served = sorted(item["name"] for item in json.loads(listing)["content"] if item["type"] == "notebook")
    assert served == NOTEBOOKS and len(served) == 3
    for name in NOTEBOOKS:
        _, body = _get(f"{base}/api/contents/{name}?content=1", token)
        notebook = json.loads(body)["content"]
        stored = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
        assert [c["source"] for c in notebook["cells"]] == ["".join(c["source"]) for c in stored["cells"]]
    _, kernels = _get(f"{base}/api/kernelspecs", token)
    assert "python3" in json.loads(kernels)["kernelspecs"]
