"""The report in a real browser: Debian's Chromium, headless, 1280 px wide. It draws, it makes no
network request (Chromium's own net log, checked against a page that does make one), its text
holds the headline findings, no text is smaller than ``READABLE_TEXT_PX``, no chart title is cut
off, nothing widens the page beyond 1280 px (measured by a script in a copy of the page, checked against a page that breaks both)."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from matplotlib.textpath import TextToPath
from PIL import Image

from o2c.cli import main
from o2c.report import READABLE_TEXT_PX
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


#: Measures every visible text of the page at its size on screen, in CSS pixels, and the box of
#: each chart title against its SVG's; writes them as JSON into a <pre> for --dump-dom. HTML text:
#: its computed font size. SVG <text> (Graphviz): font size x the scale of the SVG in the page
#: (getScreenCTM). Matplotlib draws text as glyph paths: each text is a <g id="text_N"> whose
#: inner <g transform="... scale(s -s)"> draws at font size s x FONT_SCALE. A chart's title is
#: the text right under its figure (the bars' labels are under an axes).
_MEASURE = """
<script>
(() => {
  const FONT_SCALE = __FONT_SCALE__;
  const scale = (el) => { const m = el.getScreenCTM(); return Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)); };
  const shown = (el) => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden"; };
  const texts = [], titles = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement, text = walker.currentNode.textContent.trim();
    if (text && !el.closest("svg, script, style") && shown(el))
      texts.push({kind: "html", text: text.slice(0, 60), px: parseFloat(getComputedStyle(el).fontSize)});
  }
  for (const el of document.querySelectorAll("svg text"))
    if (el.textContent.trim() && shown(el)) texts.push(
      {kind: "svg text", text: el.textContent.trim().slice(0, 60), px: parseFloat(getComputedStyle(el).fontSize) * scale(el)});
  const svgs = [...document.querySelectorAll("svg")];
  for (const el of document.querySelectorAll('svg g[id^="text_"] > g[transform]'))
    if (shown(el)) texts.push(
      {kind: "chart text", text: `svg ${svgs.indexOf(el.ownerSVGElement)} ${el.parentElement.id}`, px: FONT_SCALE * scale(el)});
  for (const el of document.querySelectorAll('svg g[id^="figure_"] > g[id^="text_"]')) {
    const box = el.getBoundingClientRect(), view = el.ownerSVGElement.getBoundingClientRect();
    titles.push({title: `svg ${svgs.indexOf(el.ownerSVGElement)} ${el.id}`,
      inside: box.left >= view.left - 0.5 && box.right <= view.right + 0.5 && box.top >= view.top - 0.5 && box.bottom <= view.bottom + 0.5,
      box: [box.left, box.top, box.right, box.bottom], view: [view.left, view.top, view.right, view.bottom]});
  }
  const out = document.createElement("pre");
  out.id = "o2c-measured";
  out.textContent = JSON.stringify({width: window.innerWidth, scrolls: document.documentElement.scrollWidth, texts, titles});
  document.body.appendChild(out);
})();
</script>
""".replace("__FONT_SCALE__", repr(TextToPath.FONT_SCALE))


def _measure(chromium: Path, page: Path, work: Path) -> dict[str, Any]:
    """The texts and chart titles of ``page`` as ``_MEASURE`` finds them at WIDTH px (a copy of the
    page runs the script; the report itself has none)."""
    copy = work / f"measured-{page.name}"
    copy.write_text(
        page.read_text(encoding="utf-8").replace("</body>", _MEASURE + "</body>"), encoding="utf-8"
    )
    dom = _run(chromium, copy, work, "--dump-dom").stdout
    found = re.search(r'<pre id="o2c-measured">(.*?)</pre>', dom, flags=re.DOTALL)
    assert found, dom[-2000:]
    measured: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    assert measured["width"] == WIDTH
    return measured


def _too_small(measured: dict[str, Any]) -> list[str]:
    return [
        f"{t['kind']} {t['text']!r}: {t['px']:.2f} px"
        for t in measured["texts"]
        if t["px"] < READABLE_TEXT_PX - 0.005
    ]


def test_no_text_is_under_11_pixels_and_no_chart_title_is_cut_off(
    chromium: Path, report: Path, tmp_path: Path
) -> None:
    measured = _measure(chromium, report / "report.html", tmp_path)
    kinds = {t["kind"] for t in measured["texts"]}
    assert kinds == {"html", "svg text", "chart text"}  # the maps' and the charts' text were found
    assert _too_small(measured) == []
    assert len(measured["titles"]) == 5  # bottlenecks, drivers, lead times, variants, approval chains
    assert [t for t in measured["titles"] if not t["inside"]] == []
    assert measured["scrolls"] <= WIDTH  # no table or map widens the page: they scroll in their box


def test_the_checks_see_small_text_and_a_cut_off_title(chromium: Path, tmp_path: Path) -> None:
    control = tmp_path / "control.html"
    control.write_text(
        '<html><body><p style="font-size:10px">small print</p><p>body text</p>'
        '<svg width="100" height="50" viewBox="0 0 200 100"><text x="10" y="50" font-size="20">halved</text></svg>'
        '<svg width="100" height="50" viewBox="0 0 100 50"><g id="figure_1"><g id="text_1">'
        '<g transform="translate(60 20) scale(0.12 -0.12)"><rect width="400" height="100"/></g>'
        "</g></g></svg></body></html>",
        encoding="utf-8",
    )
    measured = _measure(chromium, control, tmp_path)
    assert _too_small(measured) == ["html 'small print': 10.00 px", "svg text 'halved': 10.00 px"]
    assert [t["title"] for t in measured["titles"] if not t["inside"]] == ["svg 1 text_1"]
    wide = tmp_path / "wide.html"
    wide.write_text('<html><body><table><tr><td style="min-width:2000px">x</td></tr></table></body></html>')
    assert _measure(chromium, wide, tmp_path)["scrolls"] > WIDTH
