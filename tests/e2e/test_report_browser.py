"""The report in a real browser: Debian's Chromium, headless, 1280 px wide. It draws, it makes no
network request (Chromium's own net log, checked against a page that does make one), and its text
holds the headline findings."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from o2c.cli import main
from tests.conftest import sample_log

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip
WIDTH, HEIGHT = 1280, 2000


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; scripts/setup.sh installs Debian's chromium with apt-get"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI must run this test)")
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    argv = ["assess", str(sample_log("o2c_orders.csv")), "--ideal", str(sample_log("ideal_path.yaml"))]
    assert main([*argv, "--out", str(out), "--no-progress"]) == 0
    return out


def _run(chromium: Path, page: Path, work: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = work / f"profile-{len(list(work.glob('profile-*')))}"
    command = [str(chromium), *FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}", *extra]
    result = subprocess.run(
        [*command, page.resolve().as_uri()], capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def _page_requests(net_log: Path) -> list[str]:
    """URLs of the requests a page started (the browser's own update checks have no origin)."""
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    started = [e.get("params", {}) for e in log["events"] if e["type"] == start]
    return [p["url"] for p in started if "url" in p and p.get("initiator") != "not an origin"]


@pytest.fixture(scope="module")
def shot(chromium: Path, report: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("chromium")
    png, net_log = work / "report.png", work / "net.json"
    _run(chromium, report / "report.html", work, f"--screenshot={png}", f"--log-net-log={net_log}")
    return png, net_log


def test_the_page_draws_at_1280_pixels(shot: tuple[Path, Path]) -> None:
    png, _ = shot
    with Image.open(png) as image:
        assert image.size == (WIDTH, HEIGHT)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 1000  # text, maps and colours, not a blank page


def test_the_page_makes_no_network_request(shot: tuple[Path, Path], chromium: Path, tmp_path: Path) -> None:
    _, net_log = shot
    assert _page_requests(net_log) == []
    # the same check sees a request when a page makes one
    control = tmp_path / "control.html"
    control.write_text('<html><body><img src="http://127.0.0.1:9/pixel.png"></body></html>', encoding="utf-8")
    control_log = tmp_path / "net.json"
    _run(
        chromium, control, tmp_path, f"--log-net-log={control_log}", "--screenshot=" + str(tmp_path / "c.png")
    )
    assert _page_requests(control_log) == ["http://127.0.0.1:9/pixel.png"]


def test_the_page_text_holds_the_headline_findings(chromium: Path, report: Path, tmp_path: Path) -> None:
    dom = _run(chromium, report / "report.html", tmp_path, "--dump-dom").stdout
    assert not re.search(r"<(script|link)\b", dom, flags=re.I)
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", dom)))
    document = json.loads((report / "findings.json").read_text(encoding="utf-8"))
    for sentence in document["headlines"]:
        assert re.sub(r"\s+", " ", sentence) in text
    truth = json.loads(sample_log("truth.json").read_text())
    assert f"{truth['bottleneck']['wait_median_seconds_value'] / 86_400:.1f} days" in text
    assert f"{truth['conformance']['conforming_cases']} orders that followed it" in text
