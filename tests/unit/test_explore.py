"""o2c.explore: the payload against hand counts, escaping of hostile names, the Explorer object,
argument errors, the ``o2c explore`` command and the explorer.html that ``write_report`` writes.
The page's behaviour in a browser is tests/e2e/test_explorer_browser.py's."""

from __future__ import annotations

import html
import itertools
import json
import re
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

import o2c
from o2c import example_log
from o2c._explore import explore
from o2c._explore._html import VENDOR
from o2c._explore._payload import payload
from o2c.cli import main
from o2c.errors import ArgumentError
from o2c.io import read_log
from o2c.model import IdealPath

HOSTILE = '</script><script>alert("x")</script><!--'


def _page_data(page: str) -> dict:
    """The JSON of the page's data element, as the browser's JSON.parse reads it."""
    found = re.search(r'<script type="application/json" id="o2c-data">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))


def _hand_log() -> pl.DataFrame:
    """Two orders: A: create, check, ship (value 100, region 'north'); B: create, ship, ship
    (value 50, region 'south'). Times in whole hours after 2025-03-03 08:00 UTC."""
    t0 = datetime(2025, 3, 3, 8, tzinfo=UTC)
    rows = [
        ("A", "Create", 0, 100.0, "north", "ann"),
        ("A", "Check", 2, 100.0, "north", "bob"),
        ("A", "Ship", 5, 100.0, "north", "ann"),
        ("B", "Create", 1, 50.0, "south", "bob"),
        ("B", "Ship", 25, 50.0, "south", None),
        ("B", "Ship", 26, 50.0, "south", "ann"),
    ]
    return pl.DataFrame(
        [(c, a, t0 + timedelta(hours=h), v, r, who) for c, a, h, v, r, who in rows],
        schema=["case_id", "activity", "timestamp", "value", "region", "resource"],
        orient="row",
    )


def test_the_payload_holds_the_events_and_orders_as_counted_by_hand() -> None:
    ideal = IdealPath(("Create", "Check", "Ship"))
    data = payload(o2c.assess(read_log(_hand_log()), ideal=ideal, progress=False))
    assert data["activities"] == ["Check", "Create", "Ship"]
    assert data["unit"] == 1  # whole seconds
    assert data["origin"] == int(datetime(2025, 3, 3, 8, tzinfo=UTC).timestamp())
    events = data["events"]
    assert events["activity"] == [1, 0, 2, 1, 2, 2]
    # each time since the order's previous event, the first since time 0 (2025-03-03 08:00)
    assert events["time"] == [h * 3600 for h in (0, 2, 3, 1, 24, 1)]
    assert events["resources"] == ["ann", "bob"]
    assert events["resource"] == [0, 1, 0, 1, None, 0]
    assert "work" not in events  # no start times
    cases = data["cases"]
    assert cases["id"] == ["A", "B"]
    assert cases["first"] == [0, 3, 6]
    assert cases["value"] == [100.0, 50.0]
    assert cases["conforming"] == [True, False]  # B skips the check and ships twice
    assert cases["attributes"]["region"] == {"values": ["north", "south"], "code": [0, 1]}
    # two variants of one order each: the ids and traces o2c.variants gives
    table = o2c.variants(_hand_log())
    assert data["variants"]["id"] == table["variant_id"].tolist()
    names = data["activities"]
    assert [tuple(names[c] for c in trace) for trace in data["variants"]["trace"]] == list(table["trace"])
    assert [data["variants"]["id"][v] for v in cases["variant"]] == [
        int(table.loc[table["trace"] == trace, "variant_id"].iloc[0])
        for trace in [("Create", "Check", "Ship"), ("Create", "Ship", "Ship")]
    ]
    assert data["ideal"]["steps"] == ["Create", "Check", "Ship"]


def test_milliseconds_are_kept_where_the_log_has_them() -> None:
    log = _hand_log().with_columns(pl.col("timestamp") + pl.duration(milliseconds=250))
    data = payload(o2c.assess(read_log(log), progress=False))
    assert data["unit"] == 1000
    assert data["events"]["time"][:2] == [250, 2 * 3600 * 1000]  # time 0: the whole second before


def test_processing_times_come_from_start_times() -> None:
    log = _hand_log().with_columns(start_timestamp=pl.col("timestamp") - pl.duration(minutes=30))
    log = log.with_columns(
        pl.when(pl.col("activity") == "Create")
        .then(None)
        .otherwise(pl.col("start_timestamp"))
        .alias("start_timestamp")
    )
    data = payload(o2c.assess(read_log(log, mapping={"start_timestamp": "start_timestamp"}), progress=False))
    assert data["events"]["work"] == [None, 1800, 1800, None, 1800, 1800]
    assert data["origin"] == int(datetime(2025, 3, 3, 8, tzinfo=UTC).timestamp())  # the earliest time


def test_hostile_names_cannot_break_out_of_the_page() -> None:
    log = _hand_log().with_columns(
        pl.col("activity").replace({"Check": HOSTILE}), pl.col("region").replace({"north": "<b>&amp;"})
    )
    page = explore(log).html()
    scripts_opened = page.count("<script")
    assert scripts_opened == page.count("</script>") == 2 + len(VENDOR)  # data, ours, the vendored ones
    assert HOSTILE not in page and "<b>&amp;" not in page
    data = _page_data(page)
    assert HOSTILE in data["activities"]
    assert data["cases"]["attributes"]["region"]["values"] == ["<b>&amp;", "south"]


def test_the_explorer_saves_and_shows_itself_in_an_iframe(tmp_path: Path) -> None:
    explorer = explore(example_log())
    path = explorer.save(tmp_path / "explorer.html")
    assert path.read_text(encoding="utf-8") == explorer.html()
    assert [p.name for p in tmp_path.iterdir()] == ["explorer.html"]  # no partial file left
    inline = explorer._repr_html_()
    assert inline.startswith("<iframe srcdoc=") and inline.count("<") == 2  # the iframe's own tags only
    srcdoc = re.search(r'srcdoc="([^"]*)"', inline)
    assert srcdoc is not None and html.unescape(srcdoc.group(1)) == explorer.html()


def test_an_assessment_or_a_log_give_the_same_page() -> None:
    ideal = IdealPath(
        (
            "Create Sales Order",
            "Check Credit",
            "Confirm Order",
            "Ship Goods",
            "Create Invoice",
            "Receive Payment",
        )
    )
    from_log = explore(example_log(), ideal=ideal).html()
    from_assessment = explore(o2c.assess(read_log(example_log()), ideal=ideal, progress=False)).html()
    assert from_log == from_assessment


def test_arguments_are_checked() -> None:
    result = o2c.assess(read_log(example_log()), progress=False)
    with pytest.raises(ArgumentError) as error:
        explore(result, ideal=IdealPath(("a", "b")))
    assert error.value.argument == "ideal"
    with pytest.raises(ArgumentError) as error:
        explore("orders.csv")  # type: ignore[arg-type]
    assert error.value.argument == "result_or_log"
    with pytest.raises(ArgumentError) as error:
        explore(result, activities=1.5)
    assert error.value.argument == "activities"
    office = o2c.WorkingCalendar({"monday": ["09:00-17:00"]})
    with pytest.raises(ArgumentError) as error:
        explore(result, calendar=office)
    assert error.value.argument == "calendar"
    with pytest.raises(ArgumentError) as error:
        explore(example_log(), calendar="calendar.yaml")  # type: ignore[arg-type]
    assert error.value.argument == "calendar"


def test_with_a_calendar_the_payload_holds_each_events_working_clock() -> None:
    """The working clock's differences are the working time between events (the calendar's
    ``working_time``, an independent interval count); without one the payload has none."""
    office = o2c.WorkingCalendar(
        {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}, name="office"
    )
    result = o2c.assess(read_log(example_log()), calendar=office, progress=False)
    data = _page_data(explore(result).html())
    assert data["calendar"] == {"name": "office", "text": office.describe(), "day_seconds": 8 * 3600.0}
    log = result.log
    clocks = []
    for c in range(len(data["cases"]["id"])):
        first, stop = data["cases"]["first"][c], data["cases"]["first"][c + 1]
        clocks += list(itertools.accumulate(data["events"]["wtime"][first:stop]))
    same = (log["case_id"] == log["case_id"].shift(1)).fill_null(False).to_list()
    gaps = office.working_time(log["timestamp"].shift(1).fill_null(log["timestamp"]), log["timestamp"])
    for i in range(1, len(clocks)):
        if same[i]:
            assert clocks[i] - clocks[i - 1] == gaps[i].total_seconds(), i
    assert _page_data(explore(example_log()).html())["calendar"] is None


def test_the_sliders_start_where_asked() -> None:
    data = _page_data(explore(example_log(), activities=0.3, paths=1.0).html())
    assert data["sliders"] == [0.3, 1.0]


def test_the_command_writes_the_page(
    example_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "map.html"
    assert main(["explore", str(example_csv), "--out", str(out), "--map-paths", "0.9", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "3 orders" in printed and str(out) in printed
    data = _page_data(out.read_text(encoding="utf-8"))
    assert data["sliders"] == [0.8, 0.9] and data["cases"]["id"] == ["1", "2", "3"]


def test_the_command_says_when_out_is_a_folder(
    example_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explore", str(example_csv), "--out", str(tmp_path), "--no-progress"]) == 1
    assert "writes one file" in capsys.readouterr().err


def test_write_report_writes_the_explorer_and_links_it(tmp_path: Path) -> None:
    result = o2c.assess(read_log(example_log()), progress=False)
    written = o2c.write_report(result, tmp_path / "with", map_activities=0.5)
    assert tmp_path / "with" / "explorer.html" in written
    page = (tmp_path / "with" / "explorer.html").read_text(encoding="utf-8")
    assert page == explore(result, activities=0.5).html()
    assert 'href="explorer.html"' in (tmp_path / "with" / "report.html").read_text(encoding="utf-8")
    o2c.write_report(result, tmp_path / "without", explorer=False)
    assert not (tmp_path / "without" / "explorer.html").exists()
    assert "explorer.html" not in (tmp_path / "without" / "report.html").read_text(encoding="utf-8")


def test_the_vendored_libraries_are_the_ones_the_lock_pins() -> None:
    """scripts/build_explorer.sh copies what npm installed from the lock; a changed lock without a
    rebuild (or a hand-edited vendor file of another version) fails here."""
    package = Path(o2c._explore.__file__).parent
    lock = json.loads((package / "js" / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    pinned = {
        name: lock[f"node_modules/{name}"]
        for name in ("cytoscape", "cytoscape-dagre", "@dagrejs/dagre", "@dagrejs/graphlib")
    }
    versions = (package / "vendor" / "VERSIONS").read_text(encoding="utf-8").split("\n")
    assert versions[:-1] == [
        f"{name} {entry['version']} {entry['license']}" for name, entry in pinned.items()
    ]
    assert all(
        entry["license"] == "MIT" and entry["integrity"].startswith("sha512-") for entry in pinned.values()
    )
    cytoscape = (package / "vendor" / "cytoscape.min.js").read_text(encoding="utf-8")
    assert f'.version="{pinned["cytoscape"]["version"]}"' in cytoscape
    for name in VENDOR:
        assert (package / "vendor" / name).stat().st_size > 10_000
    assert sorted(p.name for p in (package / "vendor").glob("LICENSE.*")) == [
        "LICENSE.cytoscape", "LICENSE.cytoscape-dagre", "LICENSE.dagre", "LICENSE.graphlib",
    ]  # fmt: skip


def test_a_comparison_opens_the_comparison_mode_with_its_orders_and_rows() -> None:
    sim = o2c.simulate(600, seed=2)
    result = o2c.compare(sim.log, by={"channel": "EDI"}, ideal=sim.ideal, resamples=100)
    data = _page_data(explore(result).html())
    mode = data["comparison"]
    assert (mode["a"], mode["b"], mode["orders"]) == (result.a, result.b, [result.orders_a, result.orders_b])
    sides = dict(zip(result.cases["case_id"], result.cases["side"], strict=True))
    assert [("a", "b")[s] for s in mode["side"]] == [sides[i] for i in data["cases"]["id"]]
    assert len(data["cases"]["id"]) == result.orders_a + result.orders_b
    assert [(e["source"], e["target"]) for e in mode["edges"]] == list(
        zip(result.edges["source"], result.edges["target"], strict=True)
    )
    assert {(s, t) for s, t, _, _ in mode["colours"]} == {
        (s, t)
        for s, t in result.edges.loc[result.edges["changed"], ["source", "target"]].itertuples(index=False)
    }
    with pytest.raises(ArgumentError) as error:
        explore(result, ideal=sim.ideal)
    assert error.value.argument == "ideal"


def test_a_comparison_explores_every_event_compared_duplicates_too() -> None:
    # an XES log keeps exact duplicate events; the explorer of its comparison keeps them as well
    sim = o2c.simulate(300, seed=4)
    first = sim.log.row(0, named=True)
    doubled = pl.concat([sim.log, pl.DataFrame([first], schema=sim.log.schema)])
    loaded = o2c.read_log(doubled.drop("source_row"), keep_duplicates=True)
    result = o2c.compare(loaded.log, by={"channel": "EDI"}, ideal=sim.ideal, resamples=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = _page_data(explore(result).html())
    assert result.log is not None
    assert len(data["events"]["activity"]) == result.log.height == sim.log.height + 1
