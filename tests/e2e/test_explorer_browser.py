"""The explorer in a real browser: Debian's Chromium, headless, driven by Selenium through Debian's
chromedriver. The page of the sample log opens from ``file://`` and makes no request (Chromium's
performance log, checked against a page that does make one); its map at given slider values is
the Python simplification's, edge by edge, also under a filter; each measure agrees with
``o2c.bottlenecks`` and ``o2c.directly_follows``; a click on the bottleneck lists the orders
with that transition (counted here with polars) and a click on an order shows its timeline.
Screenshots of each state go to ``docs/explorer_*.png``."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest

import o2c
from o2c.cli import main
from o2c.render._simplify import simplify
from o2c.render.maps import _edges, _graph, _highlights
from o2c.report._maps import _highlights as _report_highlights
from o2c.report._maps import _kept_on_maps
from o2c.timeline import _timelines
from tests.conftest import ROOT, real_log, sample_log

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
DOCS = ROOT / "docs"
WIDTH, HEIGHT = 1400, 1000


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        message = (
            f"{', '.join(missing)} missing; scripts/setup.sh installs Debian's chromium and chromium-driver"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI must run this test)")
        pytest.skip(message)
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={WIDTH},{HEIGHT}", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.set_window_size(WIDTH, HEIGHT)
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def assessment() -> o2c.Assessment:
    loaded = o2c.read_log(sample_log("o2c_orders.csv"))
    return o2c.assess(loaded, ideal=o2c.read_ideal_path(sample_log("ideal_path.yaml")), progress=False)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explorer") / "explorer.html"
    argv = ["explore", str(sample_log("o2c_orders.csv")), "--ideal", str(sample_log("ideal_path.yaml"))]
    assert main([*argv, "--out", str(out), "--no-progress"]) == 0
    return out


@pytest.fixture
def opened(driver: Any, page: Path) -> Any:
    """The browser showing the page (opened again when a test went elsewhere)."""
    if driver.current_url != page.resolve().as_uri():
        driver.get_log("performance")  # drop what came before
        driver.get(page.resolve().as_uri())
    _wait_until(driver, "return window.o2cExplorer && window.o2cExplorer.ready")
    return driver


def _wait_until(driver: Any, script: str, seconds: float = 30) -> Any:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    raise AssertionError(f"timed out waiting for {script!r}; browser errors: {errors}")


def _requests(driver: Any) -> list[str]:
    """URLs the page asked for since the last call (Chrome's DevTools Network events)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _shot(driver: Any, name: str) -> None:
    DOCS.mkdir(exist_ok=True)
    driver.save_screenshot(str(DOCS / f"explorer_{name}.png"))


def _api(driver: Any, call: str) -> Any:
    return driver.execute_script(f"return window.o2cExplorer.{call};")


# --- the Python side: the map the report's simplification draws --------------------------------


def _python_map(
    result: o2c.Assessment, log: pl.DataFrame, activities: float, paths: float
) -> dict[tuple[str, str], int]:
    """The edges ``o2c.render._simplify.simplify`` keeps for ``log`` (the assessment's log or a
    part of it), with what ``draw_maps`` keeps and highlights for the whole assessment."""
    edges = _edges(o2c.bottlenecks(log, top=None), "transitions")
    starts = dict(o2c.start_activities(log)[["activity", "cases"]].itertuples(index=False, name=None))
    ends = dict(o2c.end_activities(log)[["activity", "cases"]].itertuples(index=False, name=None))
    backbone = tuple(o2c.variants(log)["trace"].iloc[0])
    graph = _graph(edges, starts, ends, backbone, {})
    whole = _graph(_edges(result.bottlenecks, "transitions"), starts, ends, backbone, {})
    known = set(zip(edges["source"], edges["target"], strict=True))
    marked = {e: r for e, r in _highlights(_report_highlights(result), whole, "test").items() if e in known}
    _, kept = simplify(graph, activities, paths, marked, caps=(None, None), keep=_kept_on_maps(result))
    return {(str(s), str(t)): int(n) for (s, t), n in kept.items()}


def _seconds(duration: pd.Timedelta) -> float | None:
    """Seconds of a duration, the correctly rounded quotient of its microseconds (as the page
    divides its whole milliseconds or seconds; pandas' total_seconds may be 1 ulp off)."""
    return None if pd.isna(duration) else (duration.value // 1000) / 1_000_000


def _iso(time: pd.Timestamp, milliseconds: bool) -> str:
    text = time.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{time.microsecond // 1000:03d}Z" if milliseconds else f"{text}Z"


def _python_timeline(result: o2c.Assessment, order: str) -> list[dict[str, Any]]:
    """``o2c.case_timeline`` of the order as the page's API gives it: times as ISO text in UTC,
    durations in seconds, missing values null; with the assessment's calendar, in working time
    with the calendar-time twins."""
    table = o2c.case_timeline(result.log, order, ideal=result.ideal, calendar=result.calendar)
    fractional = bool((result.log["timestamp"].dt.microsecond() != 0).any())  # the page then keeps ms
    twins = ("wait_calendar", "processing_calendar") if result.calendar is not None else ()
    rows = []
    for row in table.to_dict("records"):
        rows.append({
            "case_id": row["case_id"],
            "step": None if pd.isna(row["step"]) else int(row["step"]),
            "activity": row["activity"],
            "timestamp": None if pd.isna(row["timestamp"]) else _iso(row["timestamp"], fractional),
            "resource": row["resource"],
            "wait": _seconds(row["wait"]),
            "processing": _seconds(row["processing"]),
            **{twin: _seconds(row[twin]) for twin in twins},
            "move": row["move"],
            "rework": bool(row["rework"]),
            "milestone": row["milestone"],
            "days_past_due": None if pd.isna(row["days_past_due"]) else float(row["days_past_due"]),
        })  # fmt: skip
    return rows


def _browser_map(driver: Any) -> dict[tuple[str, str], Any]:
    return {(e["source"], e["target"]): e["value"] for e in _api(driver, "visibleEdges()")}


# --- the tests ----------------------------------------------------------------------------------


def test_the_page_opens_from_file_and_makes_no_request(opened: Any, page: Path) -> None:
    requested = _requests(opened)
    # data: URLs are inline (the browser's own date-picker icon is one); anything else but the page is a request
    assert [url for url in requested if url != page.resolve().as_uri() and not url.startswith("data:")] == []
    assert page.stat().st_size < 3_000_000
    _shot(opened, "map")


def test_the_request_check_sees_a_request(driver: Any, tmp_path: Path) -> None:
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><img src="http://127.0.0.1:9/pixel.png">', encoding="utf-8")
    driver.get_log("performance")
    driver.get(control.as_uri())
    time.sleep(0.5)
    assert "http://127.0.0.1:9/pixel.png" in _requests(driver)


@pytest.mark.parametrize(
    ("activities", "paths"), [(0.8, 0.8), (1.0, 1.0), (0.5, 0.3), (0.2, 0.9), (0.0, 0.0), (0.95, 0.6)]
)
def test_the_sliders_draw_the_python_simplification(
    opened: Any, assessment: o2c.Assessment, activities: float, paths: float
) -> None:
    opened.execute_script("window.o2cExplorer.setFilter({}); window.o2cExplorer.setMeasure('transitions');")
    opened.execute_script(f"window.o2cExplorer.setSliders({activities}, {paths});")
    assert _browser_map(opened) == _python_map(assessment, assessment.log, activities, paths)
    if (activities, paths) == (1.0, 1.0):
        _shot(opened, "sliders")  # every activity and path (below 0.95 the kept steps dominate)


def test_a_filter_draws_the_simplification_of_the_filtered_orders(
    opened: Any, assessment: o2c.Assessment
) -> None:
    log = assessment.log
    emea = log.filter(
        pl.col("case_id").is_in(log.filter(pl.col("region") == "EMEA")["case_id"].unique().implode())
    )
    opened.execute_script("window.o2cExplorer.setSliders(0.8, 0.6);")
    opened.execute_script("window.o2cExplorer.setFilter({attributes: {region: ['EMEA']}});")
    assert _api(opened, "state().orders") == emea["case_id"].n_unique()
    assert _browser_map(opened) == _python_map(assessment, emea, 0.8, 0.6)
    opened.execute_script("window.o2cExplorer.setMeasure('wait_p90');")
    expected = o2c.bottlenecks(emea, top=None).set_index(["source", "target"])["wait_p90"]
    for (source, target), value in _browser_map(opened).items():
        if (source, target) in expected.index:
            assert value == pytest.approx(expected[(source, target)].total_seconds(), abs=1e-3)
    _shot(opened, "filtered")
    opened.execute_script("window.o2cExplorer.setFilter({}); window.o2cExplorer.setMeasure('transitions');")


@pytest.mark.parametrize(
    "measure", ["transitions", "cases", "wait_median", "wait_mean", "wait_p90", "wait_total", "value_days"]
)
def test_each_measure_agrees_with_o2c(opened: Any, assessment: o2c.Assessment, measure: str) -> None:
    opened.execute_script("window.o2cExplorer.setFilter({}); window.o2cExplorer.setSliders(1, 1);")
    opened.execute_script(f"window.o2cExplorer.setMeasure('{measure}');")
    shown = {k: v for k, v in _browser_map(opened).items() if "__start__" not in k and "__end__" not in k}
    if measure in ("transitions", "cases"):
        table = o2c.directly_follows(assessment.log)
    else:
        table = o2c.bottlenecks(assessment.log, top=None)  # an overlap waited 0, as on the map
    expected = {
        (str(s), str(t)): v for s, t, v in table[["source", "target", measure]].itertuples(index=False)
    }
    assert shown.keys() == expected.keys()
    for edge, value in expected.items():
        if measure.startswith("wait_"):
            assert shown[edge] == pytest.approx(value.total_seconds(), abs=1e-3), edge
        else:
            assert shown[edge] == pytest.approx(float(value), rel=1e-9), edge
    if measure == "wait_median":
        opened.execute_script(
            "window.o2cExplorer.setSliders(0.8, 0.8);"
            "const b = window.o2cExplorer.highlights.find((h) => h.role === 'bottleneck');"
            "window.o2cExplorer.reveal(b.source, b.target);"
        )
        _shot(opened, "wait_median")  # the map centred on the bottleneck


def test_a_click_on_the_bottleneck_lists_its_orders_and_a_click_on_an_order_walks_it(
    opened: Any, assessment: o2c.Assessment
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    opened.execute_script(
        "window.o2cExplorer.setFilter({}); window.o2cExplorer.setSliders(0.8, 0.8); window.o2cExplorer.setMeasure('wait_median');"
    )
    bottleneck = _api(opened, "highlights.find((h) => h.role === 'bottleneck')")
    source, target = bottleneck["source"], bottleneck["target"]
    ranked = assessment.bottlenecks
    top = ranked[ranked["owner"] == "internal"].iloc[0]
    assert (source, target) == (str(top["source"]), str(top["target"]))
    # reveal centres the map on the edge: a click in the middle of the map is a click on it
    assert opened.execute_script(
        "return window.o2cExplorer.reveal(arguments[0], arguments[1]);", source, target
    )
    ActionChains(opened).move_to_element(opened.find_element(By.ID, "map")).click().perform()
    rows = _wait_until(opened, "return document.querySelectorAll('#drill-table tbody tr').length")
    log = assessment.log
    pairs = log.select(
        "case_id", a=pl.col("activity").cast(pl.String), b=pl.col("activity").cast(pl.String).shift(-1),
        same=pl.col("case_id") == pl.col("case_id").shift(-1),
    ).filter("same", a=source, b=target)  # fmt: skip
    expected = sorted(pairs["case_id"].unique().to_list())
    assert sorted(_api(opened, f"ordersThrough({json.dumps(source)}, {json.dumps(target)})")) == expected
    listed = opened.execute_script(
        "return [...document.querySelectorAll('#drill-table tbody tr td:first-child')].map((td) => td.textContent);"
    )
    assert rows == len(listed) == min(len(expected), 500)
    assert set(listed) <= set(expected)
    _shot(opened, "drill")

    link = opened.find_element(By.CSS_SELECTOR, "#drill-table tbody tr a.order-link")
    order = link.text
    link.click()
    _wait_until(opened, "return document.querySelectorAll('#timeline-table tbody tr').length")
    shown = opened.execute_script(
        "return [...document.querySelectorAll('#timeline-table tbody tr td:nth-child(2)')].map((td) => td.textContent);"
    )
    rows_ = _api(opened, f"timeline({json.dumps(order)})")
    assert rows_ == _python_timeline(assessment, order)
    assert [r["activity"] for r in rows_] == shown
    opened.execute_script("document.getElementById('timeline').scrollIntoView();")
    _shot(opened, "timeline")
    opened.execute_script("window.scrollTo(0, 0);")


def test_the_dotted_chart_and_replay_draw(opened: Any) -> None:
    from selenium.webdriver.common.by import By

    opened.execute_script("window.o2cExplorer.setFilter({conforming: false});")
    opened.find_element(By.CSS_SELECTOR, "[data-tab='pane-dotted']").click()
    painted = opened.execute_script(
        "const c = document.getElementById('dotted'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++; return n;"
    )
    assert painted > 1000
    _shot(opened, "dotted")
    opened.find_element(By.CSS_SELECTOR, "[data-tab='pane-map']").click()
    opened.execute_script("window.o2cExplorer.setFilter({});")
    opened.find_element(By.ID, "replay-play").click()
    clock = _wait_until(
        opened,
        "const t = document.getElementById('replay-clock').textContent; return /[1-9][0-9,]* orders? moving/.test(t) && t;",
    )
    assert int(clock.split(" · ")[1].split()[0].replace(",", "")) > 0
    opened.execute_script("window.scrollTo(0, 0);")  # clicking Play scrolled the sidebar's button into view
    _shot(opened, "replay")
    opened.find_element(By.ID, "replay-stop").click()


def test_every_kind_of_timeline_row_agrees_with_case_timeline(
    opened: Any, assessment: o2c.Assessment
) -> None:
    """Orders with a skipped step, an inserted one, rework, each milestone and days past due."""
    rows = _timelines(assessment.log, ideal=assessment.ideal)
    chosen = set()
    for condition in (
        pl.col("move") == "skipped",
        pl.col("move") == "inserted",
        pl.col("rework"),
        pl.col("milestone") == "paid",
        pl.col("days_past_due") > 0,
        pl.col("days_past_due").is_nan() | pl.col("days_past_due").is_null(),
    ):
        found = rows.filter(condition)["case_id"].unique(maintain_order=True).head(2).to_list()
        assert found, condition
        chosen.update(found)
    chosen.update(assessment.log["case_id"].unique(maintain_order=True).head(3).to_list())
    for order in sorted(chosen):
        assert _api(opened, f"timeline({json.dumps(order)})") == _python_timeline(assessment, order), order
    assert _api(opened, "timeline('no such order')") is None


def test_start_times_give_processing_times_and_overlaps_wait_zero(driver: Any, tmp_path: Path) -> None:
    """A log with start times, where some work overlaps the previous step: the map's processing
    times are ``o2c.activity_durations``', its waits ``o2c.bottlenecks``' (an overlap waited 0)
    and the timeline's signed waits and processing times ``o2c.case_timeline``'s."""
    log = o2c.example_log()
    hours = pl.int_range(pl.len()).mod(4).cast(pl.Int64) * 7  # 0, 7, 14 or 21 hours of work
    log = log.with_columns(start_timestamp=pl.col("timestamp") - pl.duration(hours=hours))
    result = o2c.assess(o2c.read_log(log, mapping={"start_timestamp": "start_timestamp"}), progress=False)
    overlapping = o2c.waiting_times(result.log)
    assert (overlapping["wait_median"] < pd.Timedelta(0)).any()  # the log has overlaps to test
    page = o2c.explore(result, activities=1.0, paths=1.0).save(tmp_path / "explorer.html")
    driver.get(page.as_uri())
    _wait_until(driver, "return window.o2cExplorer && window.o2cExplorer.ready")
    driver.execute_script("window.o2cExplorer.setMeasure('wait_mean');")
    shown = {(e["source"], e["target"]): e["value"] for e in _api(driver, "visibleEdges()")}
    for s, t, wait in o2c.bottlenecks(result.log, top=None)[["source", "target", "wait_mean"]].itertuples(
        index=False
    ):
        assert shown[(str(s), str(t))] == pytest.approx(wait.total_seconds(), abs=1e-3)
    processing = driver.execute_script("return Object.fromEntries(window.o2cExplorer._processing());")
    durations = o2c.activity_durations(result.log)
    assert processing == {
        str(a): pytest.approx(m.total_seconds())
        for a, m in durations[["activity", "duration_median"]].itertuples(index=False)
    }
    for order in ("1", "2", "3"):
        assert _api(driver, f"timeline('{order}')") == _python_timeline(result, order)


def test_an_object_centric_order_flags_rework_per_object(driver: Any, tmp_path: Path) -> None:
    """A log flattened from objects (tests/unit/test_rework_objects.py's hand-made OCEL): the
    page's timeline flags only the item picked twice, as ``o2c.case_timeline`` does."""
    from tests.unit.test_rework_objects import _ocel

    result = o2c.assess(o2c.read_log(o2c.flatten(_ocel())), progress=False)
    page = o2c.explore(result).save(tmp_path / "explorer.html")
    driver.get(page.as_uri())
    _wait_until(driver, "return window.o2cExplorer && window.o2cExplorer.ready")
    for order in ("o1", "o2"):
        assert _api(driver, f"timeline('{order}')") == _python_timeline(result, order)
    flagged = [(r["activity"], r["timestamp"]) for r in _api(driver, "timeline('o1')") if r["rework"]]
    assert flagged == [("Pick Item", "2025-03-03T12:00:00Z")]  # i3's second pick, hour 4


@pytest.mark.slow
def test_a_real_log_with_start_times_and_milliseconds(driver: Any, tmp_path: Path) -> None:
    """BPIC 2012 (not in the repo: lifecycle start/complete folded, millisecond times, an ideal
    path discovered): waits, processing times and timelines agree with o2c's tables."""
    loaded = o2c.read_log(real_log("bpic2012.xes.gz"))
    result = o2c.assess(loaded, progress=False)
    page = o2c.explore(result).save(tmp_path / "explorer.html")
    driver.get(page.as_uri())
    _wait_until(driver, "return window.o2cExplorer && window.o2cExplorer.ready")
    driver.execute_script("window.o2cExplorer.setSliders(1, 1); window.o2cExplorer.setMeasure('wait_p90');")
    shown = {(e["source"], e["target"]): e["value"] for e in _api(driver, "visibleEdges()")}
    table = o2c.bottlenecks(result.log, top=None)
    for s, t, wait in table[["source", "target", "wait_p90"]].itertuples(index=False):
        assert shown[(str(s), str(t))] == pytest.approx(wait.total_seconds(), abs=1e-3)  # ms kept, µs rounded
    processing = dict(driver.execute_script("return window.o2cExplorer._processing();"))
    durations = o2c.activity_durations(result.log)
    for activity, median in durations[["activity", "duration_median"]].itertuples(index=False):
        assert processing[str(activity)] == pytest.approx(median.total_seconds(), abs=1e-3)
    driver.execute_script("window.o2cExplorer.setMeasure('transitions');")
    for activities, paths in ((0.8, 0.8), (0.5, 0.95), (0.95, 0.3)):
        driver.execute_script(f"window.o2cExplorer.setSliders({activities}, {paths});")
        assert _browser_map(driver) == _python_map(result, result.log, activities, paths)
    ids = result.log["case_id"].unique(maintain_order=True)
    for order in ids.gather(list(range(0, len(ids), len(ids) // 20))).to_list():
        assert _api(driver, f"timeline({json.dumps(order)})") == _python_timeline(result, order), order


def test_each_filter_keeps_the_orders_o2c_counts(opened: Any, assessment: o2c.Assessment) -> None:
    log = assessment.log
    first = log.group_by("case_id").agg(pl.col("timestamp").min())
    window = first.filter(
        pl.col("timestamp").is_between(
            pd.Timestamp("2025-03-01", tz="UTC"), pd.Timestamp("2025-04-01", tz="UTC"), closed="left"
        )
    )
    fit = assessment.alignments
    variants = [1, 3]
    in_variants = int(fit["variant_id"].isin(variants).sum())
    for filter_, expected in (
        ({"from": "2025-03-01", "to": "2025-04-01"}, window.height),
        ({"conforming": True}, int(fit["is_fit"].sum())),
        ({"conforming": False}, int((~fit["is_fit"]).sum())),
        ({"variants": variants}, in_variants),
        ({"attributes": {"channel": ["EDI"], "region": ["EMEA", "AMER"]}},
         log.filter(pl.col("channel") == "EDI", pl.col("region").is_in(["EMEA", "AMER"]))["case_id"].n_unique()),
        ({}, log["case_id"].n_unique()),
    ):  # fmt: skip
        opened.execute_script("window.o2cExplorer.setFilter(arguments[0]);", filter_)
        assert _api(opened, "state().orders") == expected, filter_
    opened.execute_script("window.o2cExplorer.setFilter({conforming: false});")
    through = set(_api(opened, "ordersThrough('Confirm Order', 'Change Price')"))
    deviating = set(fit.loc[~fit["is_fit"], "case_id"])
    assert through and through <= deviating
    opened.execute_script("window.o2cExplorer.setFilter({});")


# --- a working calendar -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def calendar_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explorer_calendar") / "explorer.html"
    argv = ["explore", str(sample_log("o2c_orders.csv")), "--ideal", str(sample_log("ideal_path.yaml"))]
    argv += ["--calendar", str(sample_log("calendar.yaml"))]
    assert main([*argv, "--out", str(out), "--no-progress"]) == 0
    return out


def test_with_a_calendar_the_waits_and_timelines_are_working_time(driver: Any, calendar_page: Path) -> None:
    """``o2c explore --calendar``: the map's waits are ``o2c.bottlenecks(log, calendar=)``'s (value
    × days waiting in calendar days, as there), labelled in working days; the timelines are
    ``o2c.case_timeline(calendar=)``'s; the page names the calendar."""
    calendar = o2c.read_calendar(sample_log("calendar.yaml"))
    loaded = o2c.read_log(sample_log("o2c_orders.csv"), calendar=calendar)
    result = o2c.assess(loaded, ideal=o2c.read_ideal_path(sample_log("ideal_path.yaml")), progress=False)
    driver.get(calendar_page.resolve().as_uri())
    _wait_until(driver, "return window.o2cExplorer && window.o2cExplorer.ready")
    working = o2c.bottlenecks(result.log, top=None, calendar=calendar).set_index(["source", "target"])
    plain = o2c.bottlenecks(result.log, top=None).set_index(["source", "target"])
    driver.execute_script("window.o2cExplorer.setSliders(1, 1);")
    differs = 0
    for measure in ("wait_median", "wait_mean", "wait_p90", "wait_total", "value_days"):
        driver.execute_script(f"window.o2cExplorer.setMeasure('{measure}');")
        shown = {k: v for k, v in _browser_map(driver).items() if "__start__" not in k and "__end__" not in k}
        assert shown.keys() == {(str(s), str(t)) for s, t in working.index}
        for (source, target), value in shown.items():
            expected = working.loc[(source, target), measure]
            if measure == "value_days":
                assert value == pytest.approx(float(expected), rel=1e-9), (source, target)
                continue
            assert value == pytest.approx(expected.total_seconds(), abs=1e-3), (measure, source, target)
            differs += abs(expected - plain.loc[(source, target), measure]) > pd.Timedelta(hours=1)
    assert differs > 10  # the calendar changes the waits: the test tells working from calendar time
    driver.execute_script("window.o2cExplorer.setMeasure('wait_median');")
    subtitle = driver.find_element("id", "subtitle").text
    assert calendar.describe() in subtitle
    assert "wd = a working day of 9 h" in driver.find_element("id", "working-time").text
    assert "working time" in driver.execute_script(
        "const m = document.getElementById('measure'); return m.options[m.selectedIndex].text;"
    )
    ids = result.log["case_id"].unique(maintain_order=True)
    for order in ids.gather(list(range(0, len(ids), len(ids) // 15))).to_list():
        rows = _api(driver, f"timeline({json.dumps(order)})")
        assert rows == _python_timeline(result, order), order
    driver.execute_script(
        "window.o2cExplorer.setSliders(0.8, 0.8);"
        "const b = window.o2cExplorer.highlights.find((h) => h.role === 'bottleneck');"
        "window.o2cExplorer.reveal(b.source, b.target);"
    )
    _shot(driver, "calendar")


def test_with_a_calendar_processing_times_are_working_time(driver: Any, tmp_path: Path) -> None:
    """Start times and a calendar: processing is ``o2c.activity_durations(calendar=)``'s, waits
    ``o2c.bottlenecks(calendar=)``'s, timelines ``case_timeline(calendar=)``'s;
    ``o2c.explore(log, calendar=)`` assesses with it."""
    log = o2c.example_log()
    hours = pl.int_range(pl.len()).mod(4).cast(pl.Int64) * 7
    log = log.with_columns(start_timestamp=pl.col("timestamp") - pl.duration(hours=hours))
    loaded = o2c.read_log(log, mapping={"start_timestamp": "start_timestamp"})
    office = o2c.WorkingCalendar({day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")})
    page = o2c.explore(loaded, calendar=office, activities=1.0, paths=1.0).save(tmp_path / "explorer.html")
    result = o2c.assess(loaded, calendar=office, progress=False)
    driver.get(page.as_uri())
    _wait_until(driver, "return window.o2cExplorer && window.o2cExplorer.ready")
    driver.execute_script("window.o2cExplorer.setMeasure('wait_mean');")
    shown = {(e["source"], e["target"]): e["value"] for e in _api(driver, "visibleEdges()")}
    table = o2c.bottlenecks(result.log, top=None, calendar=office)
    for s, t, wait in table[["source", "target", "wait_mean"]].itertuples(index=False):
        assert shown[(str(s), str(t))] == pytest.approx(wait.total_seconds(), abs=1e-3)
    processing = driver.execute_script("return Object.fromEntries(window.o2cExplorer._processing());")
    durations = o2c.activity_durations(result.log, calendar=office)
    assert processing == {
        str(a): pytest.approx(m.total_seconds())
        for a, m in durations[["activity", "duration_median"]].itertuples(index=False)
    }
    plain = o2c.activity_durations(result.log)
    assert (durations["duration_median"] != plain["duration_median"]).any()  # working differs from calendar
    for order in ("1", "2", "3"):
        assert _api(driver, f"timeline('{order}')") == _python_timeline(result, order)


# --- a comparison ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparison_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """``o2c compare`` of EMEA against APAC in a simulated log (APAC ships later, and more): the
    explorer.html it writes beside compare.html."""
    from o2c.report._compare import write_comparison

    sim = o2c.simulate(1500, seed=1)
    result = o2c.compare(sim.log, by={"region": ("EMEA", "APAC")}, ideal=sim.ideal, resamples=300)
    folder = tmp_path_factory.mktemp("compare") / "compare"
    write_comparison(result, folder)
    return result, folder / "explorer.html"


def test_the_comparison_mode_colours_the_changed_edges_of_comparison_edges(
    driver: Any, comparison_page: tuple[Any, Path]
) -> None:
    from o2c.render._difference import difference_colours
    from o2c.report._compare import comparison_headlines, comparison_json

    result, page = comparison_page
    driver.get(page.resolve().as_uri())
    _wait_until(driver, "return window.o2cExplorer && window.o2cExplorer.ready")
    assert _api(driver, "comparison()") == comparison_json(result)["edges"]
    assert _api(driver, "state().measure") == "wait_median_diff"  # the differential map first
    changed = result.edges[result.edges["changed"]]
    expected = {
        (str(s), str(t)): ("longer" if d > pd.Timedelta(0) else "shorter")
        for s, t, d in changed[["source", "target", "wait_median_diff"]].itertuples(index=False)
    }
    assert len(expected) >= 3 and set(expected.values()) == {"longer", "shorter"}  # both directions to tell
    colours = difference_colours(result.edges)
    for activities, paths in ((0.8, 0.8), (0.0, 0.0), (1.0, 1.0)):  # the changed edges are always drawn
        driver.execute_script(f"window.o2cExplorer.setSliders({activities}, {paths});")
        drawn = _api(driver, "coloured()")
        assert {(e["source"], e["target"]): e["direction"] for e in drawn} == expected
        assert {(e["source"], e["target"]): e["colour"] for e in drawn} == {
            k: c for k, (c, _) in colours.items()
        }
    shown = _browser_map(driver)
    for (source, target), diff in changed.set_index(["source", "target"])["wait_median_diff"].items():
        assert shown[(str(source), str(target))] == pytest.approx(diff.total_seconds(), abs=1e-3)
    headlines = driver.execute_script(
        "return [...document.querySelectorAll('#headlines li')].map((li) => li.textContent);"
    )
    assert headlines == comparison_headlines(result)
    top = changed.iloc[0]  # the largest change, in the middle of the map, below the headlines
    driver.execute_script(
        "window.o2cExplorer.setSliders(0.8, 0.8); window.o2cExplorer.reveal(arguments[0], arguments[1]);"
        "window.scrollTo(0, 0);",
        str(top["source"]),
        str(top["target"]),
    )
    _shot(driver, "compare")


def test_the_comparison_sides_are_filters(driver: Any, comparison_page: tuple[Any, Path]) -> None:
    result, page = comparison_page
    if driver.current_url != page.resolve().as_uri():
        driver.get(page.resolve().as_uri())
    _wait_until(driver, "return window.o2cExplorer && window.o2cExplorer.ready")
    sides = result.cases.set_index("case_id")["side"]
    assert _api(driver, "state().orders") == result.orders_a + result.orders_b
    for side, orders in (("a", result.orders_a), ("b", result.orders_b)):
        driver.execute_script("window.o2cExplorer.setFilter(arguments[0]);", {"side": side})
        assert _api(driver, "state().orders") == orders
        through = _api(driver, "ordersThrough('Pick Goods', 'Ship Goods')")
        assert through and set(sides[through]) == {side}
        # a side's waits are the comparison's medians of that side
        driver.execute_script("window.o2cExplorer.setMeasure('wait_median');")
        row = result.edges.set_index(["source", "target"]).loc[("Pick Goods", "Ship Goods")]
        assert _browser_map(driver)[("Pick Goods", "Ship Goods")] == pytest.approx(
            row[f"wait_median_{side}"].total_seconds(), abs=1e-3
        )
        driver.execute_script("window.o2cExplorer.setMeasure('wait_median_diff');")
    driver.execute_script("window.o2cExplorer.setFilter({});")
    with pytest.raises(Exception, match="side must be"):
        driver.execute_script("window.o2cExplorer.setFilter({side: 'c'});")
