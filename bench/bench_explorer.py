"""The explorer's size and speed: file size, first map drawn and slider redraws in headless Chromium.

Run: ``.venv/bin/python bench/bench_explorer.py [--runs 5]``. For the sample log and BPIC 2012
(from ``../shared/real_logs/``, skipped when absent) it assesses the log, writes the explorer
(``o2c.explore``), opens it from ``file://`` in Debian's Chromium driven by Selenium, and prints:
the file size; the time from navigation to the first map drawn (``performance.now()`` in the
page when the map's first draw returns: parsing, the data, the layout and the draw); and the
time of ``setSliders``, ``setMeasure`` and ``setFilter`` calls measured with ``performance.now()``
around each call (median and worst of ``--runs`` slider settings), and for the sliders also the
time until the map has been repainted (the second animation frame after the call). Targets (issue 23): under
3 MB and 1.5 s for the sample log, under 25 MB and 4 s for BPIC 2012, a slider move under 150 ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import o2c

ROOT = Path(__file__).resolve().parents[1]
LOGS = {
    "sample log": (ROOT / "sample_logs" / "o2c_orders.csv", ROOT / "sample_logs" / "ideal_path.yaml"),
    "BPIC 2012": (ROOT.parent / "shared" / "real_logs" / "bpic2012.xes.gz", None),
}
TARGETS = {"sample log": (3e6, 1500), "BPIC 2012": (25e6, 4000)}
SLIDERS = [(0.5, 0.5), (0.9, 0.9), (1.0, 1.0), (0.3, 0.2), (0.8, 0.8), (0.6, 0.95), (0.0, 0.0)]


def _browser():  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def _timed_call(driver, call: str) -> float:  # type: ignore[no-untyped-def]
    return float(driver.execute_script(f"const t = performance.now(); {call}; return performance.now() - t;"))


def _painted(driver, call: str) -> float:  # type: ignore[no-untyped-def]
    """Milliseconds from the call to the second animation frame after it (the map repainted)."""
    script = (
        "const done = arguments[arguments.length - 1]; const t = performance.now(); "
        f"{call}; requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t)));"
    )
    return float(driver.execute_async_script(script))


def _bench(name: str, log_path: Path, ideal_path: Path | None, runs: int, folder: Path) -> None:
    began = time.perf_counter()
    loaded = o2c.read_log(log_path)
    ideal = o2c.read_ideal_path(ideal_path) if ideal_path else None
    result = o2c.assess(loaded, ideal=ideal, progress=False)
    assessed = time.perf_counter() - began
    began = time.perf_counter()
    page = o2c.explore(result).save(folder / f"{name.replace(' ', '_')}.html")
    written = time.perf_counter() - began
    size = page.stat().st_size
    driver = _browser()
    try:
        first = []
        for _ in range(3):
            driver.get(page.resolve().as_uri())
            while not driver.execute_script("return window.o2cExplorer && window.o2cExplorer.ready"):
                time.sleep(0.02)
            first.append(float(driver.execute_script("return window.o2cExplorer.drawnAt")))
        sliders = [_timed_call(driver, f"window.o2cExplorer.setSliders({a}, {p})") for a, p in SLIDERS[:runs]]
        painted = [_painted(driver, f"window.o2cExplorer.setSliders({a}, {p})") for a, p in SLIDERS[:runs]]
        measures = [
            _timed_call(driver, f"window.o2cExplorer.setMeasure('{m}')")
            for m in ("wait_p90", "cases", "transitions")
        ]
        filters = [
            _timed_call(driver, "window.o2cExplorer.setFilter({conforming: false})"),
            _timed_call(driver, "window.o2cExplorer.setFilter({})"),
        ]
    finally:
        driver.quit()
    size_target, draw_target = TARGETS[name]
    print(
        f"== {name}: {result.summary['events'] if 'events' in result.summary else len(result.log):,} events, {result.summary['cases']:,} orders"
    )
    print(f"  assess {assessed:.1f} s, explorer written in {written:.2f} s")
    print(f"  file size           {size / 1e6:6.2f} MB   (target under {size_target / 1e6:.0f} MB)")
    print(
        f"  first map drawn     {statistics.median(first):6.0f} ms   (median of 3 loads; target under {draw_target} ms)"
    )
    print(
        f"  slider redraw       {statistics.median(sliders):6.1f} ms   median, {max(sliders):.1f} ms worst of {len(sliders)} (target under 150 ms)"
    )
    print(
        f"  slider to repaint   {statistics.median(painted):6.1f} ms   median, {max(painted):.1f} ms worst (to the second animation frame after the call)"
    )
    print(f"  measure switch      {statistics.median(measures):6.1f} ms   median of {len(measures)}")
    print(f"  filter (recompute)  {max(filters):6.1f} ms   worst of {len(filters)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=len(SLIDERS), help="slider settings to time (at most 7)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name, (log_path, ideal_path) in LOGS.items():
            if not log_path.exists():
                print(f"== {name}: {log_path} not found; skipped")
                continue
            _bench(name, log_path, ideal_path, args.runs, Path(folder))


if __name__ == "__main__":
    main()
