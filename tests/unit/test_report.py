"""write_report: the planted findings in the headlines, findings.json against the schema and the
simulator's truth, escaping, no network, byte-identical reruns, and a rerun from mapping.yaml."""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import jsonschema
import pandas as pd
import polars as pl
import pytest
import yaml

import o2c
from o2c import example_log
from o2c._assess import Assessment, assess
from o2c.errors import GraphvizMissingError
from o2c.io import read_log
from o2c.render.maps import ProcessMap, format_count, render_map
from o2c.report import (
    MAP_MAX_ACTIVITIES,
    READABLE_TEXT_PX,
    compare_findings,
    draw_maps,
    findings,
    findings_schema,
    headlines,
    validate_findings,
    write_report,
)
from o2c.report._html import _lead_time_chart
from tests.conftest import sample_log

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads(sample_log("truth.json").read_text())


@pytest.fixture(scope="module")
def sample() -> Assessment:
    ideal = o2c.read_ideal_path(sample_log("ideal_path.yaml"))
    return assess(read_log(sample_log("o2c_orders.csv")), ideal=ideal, progress=False)


@pytest.fixture(scope="module")
def written(sample: Assessment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_report(sample, out)
    return out


@pytest.fixture(scope="module")
def document(written: Path) -> dict:
    return json.loads((written / "findings.json").read_text(encoding="utf-8"))


def _days(seconds: float) -> str:
    """Seconds as the report words them: days with one decimal (below 100 days)."""
    return f"{seconds / 86_400:,.1f} days"


def _hours(seconds: float) -> str:
    return f"{seconds / 3_600:,.1f} hours"


def test_the_planted_findings_are_in_the_headlines(sample: Assessment, truth: dict, document: dict) -> None:
    lines = headlines(sample)
    assert len(lines) == 5 and document["headlines"] == list(lines)
    planted = truth["bottleneck"]
    first = lines[0]
    assert f"between {planted['source']} and {planted['target']}" in first
    assert f"{planted['attribute']} {planted['value']}" in first
    assert f"a median {_days(planted['wait_median_seconds_value'])} there" in first
    assert f"the others ({_hours(planted['wait_median_seconds_others'])})" in first
    ratio = planted["wait_median_seconds_value"] / planted["wait_median_seconds_others"]
    assert f"{ratio:.0f} times as long" in first
    conformance = truth["conformance"]
    assert f"the {conformance['conforming_cases']} orders that followed it" in lines[1]
    assert f"'{conformance['ideal_path']}'" in lines[1]
    pong = truth["ping_pongs"][0]
    assert (
        f"{pong['activity']} → {pong['via']} → {pong['activity']} (ping-pong): {pong['cases']} orders"
        in lines[2]
    )
    assert f"{truth['rework'][pong['activity']]['extra_executions']} extra executions" in lines[2]
    paid = truth["lead_times"]["order_to_cash"]
    assert (
        f"Order to cash takes a median {_days(paid['median_seconds'])} ({format_count(paid['cases'])}"
        in lines[4]
    )
    assert f"{truth['open_cases']['total']} orders are still open" in lines[4]
    assert f"{len(sample.stuck_orders)} of them stuck" in lines[4]


def test_the_headline_numbers_are_computed_from_the_frames(sample: Assessment) -> None:
    lines = headlines(sample)
    closed = sample.cost_of_divergence.iloc[0]
    assert closed["kind"] == "any"
    assert f"{100 * closed['share_of_cases']:.0f}% of the orders that reached Receive Payment" in lines[1]
    assert f"took a median {_days(closed['extra_time'].total_seconds())} longer" in lines[1]
    assert f"hold {closed['value_delayed'] / 1e6:.1f} M EUR of order value" in lines[1]
    flow = sample.flow_efficiency.iloc[0]
    assert flow["theoretical_from"] == "target_hours" and 0 < flow["flow_efficiency"] <= 1
    assert (
        f"Flow efficiency is {100 * flow['flow_efficiency']:.1f}%: the orders that reached Receive Payment"
        in lines[3]
    )
    assert f"in a median lead time of {_days(flow['actual_lead_time'].total_seconds())}" in lines[3]
    internal = sample.bottlenecks[sample.bottlenecks["owner"] == "internal"]
    share = internal["wait_total"].iloc[0] / internal["wait_total"].sum()
    assert f"where {100 * share:.0f}% of the waiting the company controls accumulates" in lines[0]


def test_findings_are_valid_and_agree_with_the_truth(document: dict, truth: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(findings_schema())
    validate_findings(document)
    assert document["schema_version"] == "1.0"
    assert document["log"]["events"] == truth["events"]
    assert document["log"]["cases"] == truth["cases"]
    assert document["log"]["variants"] == truth["variants"]
    assert document["input"]["rows"] == truth["events"] and document["input"]["rejected"] == 0
    digest = hashlib.sha256(sample_log("o2c_orders.csv").read_bytes()).hexdigest()
    assert document["input"]["sha256"] == digest
    edges = {(e["source"], e["target"]): e for e in document["edges"]}
    assert len(edges) == len(truth["edges"])
    for expected in truth["edges"]:
        found = edges[(expected["source"], expected["target"])]
        assert found["transitions"] == expected["transitions"] and found["cases"] == expected["cases"]
        assert found["wait_median_s"] == expected["wait_median_seconds"]
        assert found["wait_total_s"] == expected["wait_total_seconds"]
        assert found["wait_p90_s"] == pytest.approx(expected["wait_p90_seconds"], abs=1e-6)
        assert found["wait_mean_s"] == pytest.approx(expected["wait_mean_seconds"], abs=1e-6)
    loops = {(r["activity"], r["kind"], r["other_activity"]): r for r in document["rework"]}
    for activity, expected in truth["rework"].items():
        assert loops[(activity, "repeat", None)]["cases_affected"] == expected["cases"]
        assert loops[(activity, "repeat", None)]["extra_executions"] == expected["extra_executions"]
    for activity, expected in truth["self_loops"].items():
        assert loops[(activity, "self_loop", None)]["extra_executions"] == expected["transitions"]
    for pong in truth["ping_pongs"]:
        assert loops[(pong["activity"], "ping_pong", pong["via"])]["cases_affected"] == pong["cases"]
    assert document["conformance"]["conforming_cases"] == truth["conformance"]["conforming_cases"]
    assert document["conformance"]["ideal_path"] == truth["conformance"]["ideal_path"]
    assert document["conformance"]["skipped"]["Check Credit"] >= truth["skipped_credit_checks"]
    ranked = [b for b in document["bottlenecks"] if b["owner"] == "internal"]
    assert ranked[0]["source"] == truth["bottleneck"]["source"]
    assert ranked[0]["drivers"][0]["value"] == truth["bottleneck"]["value"]
    kpis = document["kpis"]
    assert kpis["order_to_cash"]["duration_s"] == truth["lead_times"]["order_to_cash"]["median_seconds"]
    assert kpis["open_orders"]["value"] == truth["open_cases"]["total"]
    assert kpis["overdue_orders"]["value"] == truth["kpis"]["overdue_orders"]


def test_tables_hold_every_frame_in_seconds(sample: Assessment, written: Path, document: dict) -> None:
    names = {p.stem for p in (written / "tables").glob("*.csv")}
    assert names == set(sample.frames())
    table = pd.read_csv(written / "tables" / "bottlenecks.csv")
    assert "wait_total_s" in table.columns and "wait_total" not in table.columns
    assert table["wait_total_s"].head(10).tolist() == [b["wait_total_s"] for b in document["bottlenecks"]]
    variants = pd.read_csv(written / "tables" / "variants.csv")
    assert variants["trace"][0] == " → ".join(document["variants"][0]["trace"])
    rejects = pd.read_csv(written / "rejects.csv")
    assert (
        list(rejects.columns) == ["source_file", "source_row", "column", "value", "reason"] and rejects.empty
    )
    assert {p.name for p in (written / "maps").iterdir()} == {
        f"{name}.{suffix}" for name in ("frequency", "waiting_time") for suffix in ("svg", "png", "dot")
    }


def test_the_page_is_self_contained(written: Path) -> None:
    page = (written / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, flags=re.I)
    assert not re.search(r"<(script|link|iframe|object|embed|img)\b", page, flags=re.I)
    assert "@import" not in page and not re.search(r"url\((?!#)", page)  # only references inside an SVG
    assert page.count("<svg") == 7  # two maps, four charts, the approval chains


def test_the_footer_states_source_mapping_ideal_path_parameters_and_versions(
    sample: Assessment, written: Path, document: dict
) -> None:
    page = (written / "report.html").read_text(encoding="utf-8")
    footer = page[page.index('<footer id="source">') :]
    assert document["input"]["sha256"] in footer and "o2c_orders.csv" in footer
    assert "15,418 read, 0 rejected" in footer
    assert "case_id = <code>case_id</code>" in footer and "value = <code>net_value</code>" in footer
    assert "standard order: Create Sales Order → Check Credit" in footer
    for key, value in (document["parameters"] | document["report"]).items():
        assert f"{key} = <code>{value}</code>" in footer
    names = ["python", "o2c", "polars", "duckdb", "pandas", "numpy", "pm4py", "graphviz"]
    assert list(document["versions"]) == names
    for name, version in document["versions"].items():
        assert f"{name} {version}" in footer


def test_the_versions_are_those_of_the_running_interpreter_and_graphviz(document: dict) -> None:
    """Read independently: sys.version_info, each package's own __version__, and `dot -V`'s text."""
    import duckdb
    import numpy
    import pm4py

    versions = document["versions"]
    assert versions["python"] == "{}.{}.{}".format(*sys.version_info[:3])
    assert versions["polars"] == pl.__version__ and versions["pandas"] == pd.__version__
    assert versions["duckdb"] == duckdb.__version__ and versions["numpy"] == numpy.__version__
    assert versions["pm4py"] == pm4py.__version__
    dot = shutil.which("dot")
    if dot is None:
        assert versions["graphviz"] == "not installed"
    else:
        said = subprocess.run([dot, "-V"], capture_output=True, text=True, check=True).stderr
        assert f"version {versions['graphviz']}" in said, said


def test_mapping_yaml_reads_the_file_the_same_way_again(sample: Assessment, written: Path) -> None:
    mapping = yaml.safe_load((written / "mapping.yaml").read_text(encoding="utf-8"))
    assert mapping["case_id"] == "case_id" and mapping["value"] == "net_value"
    assert mapping["map"] == {"activities": 0.8, "paths": 0.8}  # the maps' sliders, for the rerun
    again = read_log(sample_log("o2c_orders.csv"), mapping=written / "mapping.yaml")
    assert again.log.equals(read_log(sample_log("o2c_orders.csv")).log)


def test_two_writes_of_two_assessments_give_identical_bytes(
    sample: Assessment, written: Path, tmp_path: Path
) -> None:
    ideal = o2c.read_ideal_path(sample_log("ideal_path.yaml"))
    again = assess(read_log(sample_log("o2c_orders.csv")), ideal=ideal, progress=False)
    write_report(again, tmp_path)
    first = sorted(p.relative_to(written) for p in written.rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    # the report's files, explorer.html, the maps (two as DOT, SVG and PNG), the tables
    assert first == second and len(first) == 4 + 1 + 6 + len(sample.frames())
    different = [str(p) for p in first if (written / p).read_bytes() != (tmp_path / p).read_bytes()]
    assert different == []


def _hostile_log() -> pl.DataFrame:
    names = {"Change Price": SCRIPT, "Check Credit": 'Check "Credit" & <b>Co</b>'}
    return example_log().with_columns(
        activity=pl.col("activity").cast(pl.String).replace(names),
        region=pl.when(pl.col("case_id") == "3")
        .then(pl.lit("<img src=x onerror=alert(2)>"))
        .otherwise("region"),
    )


def test_every_string_from_the_log_is_escaped(tmp_path: Path) -> None:
    log = _hostile_log()
    result = assess(read_log(log), min_cases=1, progress=False)
    write_report(result, tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower() and "<img" not in page.lower() and "<b>Co</b>" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    for name in ("frequency", "waiting_time"):
        svg = (tmp_path / "maps" / f"{name}.svg").read_text(encoding="utf-8")
        assert "<script" not in svg.lower() and "<b>Co</b>" not in svg
        assert "Check &quot;Credit&quot; &amp; &lt;b&gt;Co&lt;/b&gt;" in svg
    document = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert SCRIPT in {e["source"] for e in document["edges"]}


def test_without_graphviz_the_maps_are_dot_files_and_the_page_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(self: ProcessMap, *args: object, **kwargs: object) -> bytes:
        raise GraphvizMissingError("Graphviz's 'dot' program is not installed")

    monkeypatch.setattr(ProcessMap, "pipe", missing)
    write_report(assess(read_log(example_log()), progress=False), tmp_path)
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == ["frequency.dot", "waiting_time.dot"]
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count("written as DOT text only") == 2
    assert "digraph" in (tmp_path / "maps" / "frequency.dot").read_text(encoding="utf-8")


def test_a_discovered_ideal_path_is_said_so(tmp_path: Path) -> None:
    result = assess(read_log(example_log()), progress=False)
    write_report(result, tmp_path)
    document = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert document["ideal_path"]["discovered"] is True
    assert document["ideal_path"]["steps"] == list(result.ideal.steps)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "No ideal path was given" in page
    assert "(discovered from the log)" in document["headlines"][1]


def test_headlines_without_values_rework_or_milestones() -> None:
    log = (
        example_log()
        .drop("value")
        .filter(pl.col("case_id") == "1")
        .with_columns(activity=pl.col("activity").cast(pl.String).replace({"Receive Payment": "Close"}))
    )
    result = assess(read_log(log), progress=False)
    lines = headlines(result)
    assert lines[2] == "No activity was executed twice in an order: every order was first time right (100%)."
    assert "order value" not in lines[1]
    assert lines[4] == (
        "No finished order skipped a step of the ideal path or had one inserted "
        "(orders that have not reached its final step are left out)."
    )
    every = headlines(assess(read_log(log), progress=False, closed_only=False))
    assert every[4] == "No order skipped a step of the ideal path or had one inserted."
    validate_findings(findings(result))


def test_compare_findings_finds_the_number_that_changed(document: dict) -> None:
    same = compare_findings(document, json.loads(json.dumps(document)))
    assert same["matches"].all() and "input.path" not in set(same["key"])
    assert "bottlenecks[1].drivers[0].value" in set(same["key"])
    changed = json.loads(json.dumps(document))
    changed["conformance"]["conforming_cases"] += 1
    del changed["log"]["variants"]
    diff = compare_findings(document, changed)
    assert diff.loc[~diff["matches"], "key"].tolist() == ["log.variants", "conformance.conforming_cases"]
    only = compare_findings(document, changed, mismatches_only=True)
    assert only["key"].tolist() == ["log.variants", "conformance.conforming_cases"]
    row = diff.set_index("key").loc["conformance.conforming_cases"]
    assert row["recomputed"] == row["recorded"] + 1


def test_headlines_without_waits() -> None:
    start = example_log()["timestamp"].min()
    single = pl.DataFrame({"case_id": ["1", "2"], "activity": ["a", "b"], "timestamp": [start, start]})
    lines = headlines(assess(read_log(single), progress=False))
    assert lines[0] == "No order has two events in a row, so there is no waiting time between steps to rank."
    assert lines[3] == (
        "No order among the orders that reached a lasts longer than an instant, so there is no lead time to measure."
    )
    instant = pl.DataFrame({"case_id": ["1", "1"], "activity": ["a", "b"], "timestamp": [start, start]})
    lines = headlines(assess(read_log(instant), progress=False))
    assert (
        lines[0] == "Orders do not wait between steps: every step follows the one before it at the same time."
    )


def test_worst_rework_loop_breaks_ties_on_orders_by_extra_executions() -> None:
    """Two loops in one order each: the one with more extra executions is the worst, whatever its name."""
    start = example_log()["timestamp"].min()
    steps = ["a", "b", "a", "z", "z", "z", "z", "z"]  # a -> b -> a once; z -> z four times
    log = pl.DataFrame(
        {
            "case_id": ["1"] * len(steps),
            "activity": steps,
            "timestamp": [start + pd.Timedelta(hours=h) for h in range(len(steps))],
        }
    )
    lines = headlines(assess(read_log(log), progress=False))
    assert lines[2].startswith(
        "The worst rework loop is z → z (self-loop): 1 order (100% of all orders, open and closed), 4 extra executions"
    )


def test_a_flow_efficiency_not_computed_is_said_so_and_left_out_of_the_headlines(tmp_path: Path) -> None:
    """The example log has no start times and the ideal path no target hours."""
    result = assess(read_log(example_log()), progress=False)
    assert result.flow_efficiency["theoretical_from"].tolist() == ["not_computed"]
    assert not any(line.startswith("Flow efficiency") for line in headlines(result))
    assert "flow efficiency is not computed: no target hours" in headlines(result)[3]
    write_report(result, tmp_path / "out")
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<b>not computed</b><span>flow efficiency</span>" in page
    assert "Flow efficiency is not computed: no target hours in the ideal path and no start times" in page
    document = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert document["flow_efficiency"]["flow_efficiency"] is None
    assert document["flow_efficiency_sources"] == [document["flow_efficiency"]]


def test_late_payment_says_it_is_measured_in_days_past_due(
    written: Path, document: dict, truth: dict
) -> None:
    # the sample log has due dates: the planted complaints pay a median 19 days late, the others 4 days early
    assert document["late_payment_measure"] == "days_past_due"
    assert {row["measure"] for row in document["late_payment_drivers"]} == {"days_past_due"}
    complaint = next(r for r in document["late_payment_drivers"] if r["value"] == "Customer Complaint")
    late = truth["late_payment"]
    assert complaint["median_with_s"] == late["with_complaint"]["days_late_median"] * 86_400
    assert complaint["median_without_s"] == late["without_complaint"]["days_late_median"] * 86_400
    without = late["without_complaint"]
    assert complaint["late_share_without"] == without["late_cases"] / without["paid_cases"]
    page = (written / "report.html").read_text(encoding="utf-8")
    section = page[page.index("What goes with late payment") : page.index('id="variants"')]
    paid = late["with_complaint"]["paid_cases"] + without["paid_cases"]
    assert (
        f"Measured in <b>days past due</b> (payment date minus due date, in whole days; negative when paid early) over the {paid:,} paid orders with a due date"
        in section
    )
    assert '<th class="num">days past due (median)</th>' in section and ">paid late</th>" in section
    assert ">19 d</td>" in section and ">-4 d</td>" in section
    assert "<dt>Late payment</dt>" in page


def test_late_payment_without_due_dates_says_it_falls_back_to_invoice_to_cash(tmp_path: Path) -> None:
    result = assess(read_log(example_log()), progress=False, min_cases=1)
    write_report(result, tmp_path)
    document = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    validate_findings(document)
    assert document["late_payment_measure"] == "invoice_to_cash"
    assert all(row["late_share_with"] is None for row in document["late_payment_drivers"])
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    section = page[page.index("What goes with late payment") : page.index('id="variants"')]
    assert "Measured in <b>invoice-to-cash time</b>" in section and "no paid order has a due date" in section
    assert ">invoice to cash</th>" in section and "paid late" not in section


def _timed_log() -> pl.DataFrame:
    """Lifecycle start/complete events, counted by hand (hours from 8:00):

    order 1: Order 0-1, Check 3-5, Pay 9-10 (completion only): 3 h of work, 7 h waiting of 10 h
    order 2: Order 0-2, Check 1-4 (overlaps Order), Pay 6-7:  5 h of work, 2 h waiting of 7 h
    order 3: Order 0-1, Check 2-6, never paid (open)
    """
    base = datetime(2025, 3, 3, 8)
    spans = {
        "1": [("Order", 0, 1), ("Check", 3, 5), ("Pay", None, 10)],
        "2": [("Order", 0, 2), ("Check", 1, 4), ("Pay", 6, 7)],
        "3": [("Order", 0, 1), ("Check", 2, 6)],
    }
    rows = []
    for case, steps in spans.items():
        for activity, start, end in steps:
            if start is not None:
                rows.append((case, activity, base + timedelta(hours=start), "start"))
            rows.append((case, activity, base + timedelta(hours=end), "complete"))
    return pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "lifecycle"], orient="row")


def test_processing_and_waiting_time_in_findings_and_on_the_page(tmp_path: Path) -> None:
    ideal = o2c.IdealPath(("Order", "Check", "Pay"), milestones={"paid": "Pay"})
    result = assess(read_log(_timed_log()), ideal=ideal, progress=False)
    write_report(result, tmp_path)
    document = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    validate_findings(document)
    by_activity = {row["activity"]: row for row in document["processing_times"]}
    # Check: 2, 3, 4 h (all orders, the open one too); Order: 1, 2, 1 h; Pay: 1 h, one completion without a start
    assert by_activity["Check"]["instances"] == 3 and by_activity["Check"]["duration_median_s"] == 3 * 3600
    assert by_activity["Check"]["duration_total_s"] == 9 * 3600
    assert by_activity["Order"]["duration_median_s"] == 3600 and by_activity["Order"]["cases"] == 3
    assert (by_activity["Pay"]["instances"], by_activity["Pay"]["instances_without_start"]) == (1, 1)
    assert by_activity["Check"]["share_of_processing"] == pytest.approx(9 / 14)
    split = document["lead_time_split"]
    assert (split["cases"], split["closing_step"]) == (2, "Pay")  # order 3 is open
    assert (split["processing_time_total_s"], split["waiting_time_total_s"]) == (8 * 3600, 9 * 3600)
    assert (split["processing_time_median_s"], split["waiting_time_median_s"]) == (4 * 3600, 4.5 * 3600)
    assert split["waiting_share"] == pytest.approx(9 / 17)
    assert (split["instances"], split["instances_without_start"]) == (6, 1)
    sentence = (
        "Work itself takes a median 4.0 hours per order; orders spend a median 4.5 hours waiting between "
        "steps, 53% of their lead time (the orders that reached Pay, 2 orders). 1 of their 6 activity "
        "instances have no start event; their time counts as waiting."
    )
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert sentence in page
    assert "share of all processing" in page and "<dt>Processing time</dt>" in page
    assert "work 3.0 h" in (tmp_path / "maps" / "waiting_time.dot").read_text(encoding="utf-8")


def test_without_start_events_processing_time_is_said_to_be_unknown(
    sample: Assessment, document: dict, written: Path
) -> None:
    assert document["processing_times"] is None and document["lead_time_split"] is None
    page = (written / "report.html").read_text(encoding="utf-8")
    assert "Processing time is unknown: the log has no start events" in page
    assert "share of all processing" not in page
    assert "· work" not in (written / "maps" / "waiting_time.dot").read_text(encoding="utf-8")


def test_the_lead_time_chart_counts_the_closed_orders_the_cost_of_divergence_compares(
    sample: Assessment,
) -> None:
    events = pd.read_csv(sample_log("o2c_orders.csv"))
    closing = sample.ideal.closing_step  # type: ignore[union-attr]
    closed = events.loc[events["activity"] == closing, "case_id"].nunique()
    assert 0 < closed < events["case_id"].nunique()  # the sample has open orders to leave out
    figure = _lead_time_chart(sample)
    assert figure._suptitle.get_text().startswith(f"How long the {closed:,} closed orders take")  # type: ignore[union-attr]
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert sum(int(re.search(r"\(([\d,]+)\)", text)[1].replace(",", "")) for text in legend) == closed  # type: ignore[index]
    compared = sample.cost_of_divergence.query("kind == 'any'").iloc[0]
    assert round(compared["cases"] / compared["share_of_cases"]) == closed


def test_the_maps_keep_the_ideal_path_milestones_approvals_and_reminders(sample: Assessment) -> None:
    """Manager Approval (510 events) and Send Payment Reminder (108) are too rare for the sliders."""
    plain = render_map(sample.log, activities=0.8, paths=0.8, max_activities=MAP_MAX_ACTIVITIES)
    assert {"Manager Approval", "Send Payment Reminder"} <= set(plain.left_out.activities)
    ideal = o2c.read_ideal_path(sample_log("ideal_path.yaml"))
    for chart in draw_maps(sample).values():
        drawn = {html.unescape(name) for name in re.findall(r"<b>([^<]*)</b><br", chart.source)}
        assert {*ideal.steps, "Manager Approval", "Director Approval", "Send Payment Reminder"} <= drawn
        assert not set(chart.left_out.activities) & drawn


def test_the_maps_are_drawn_from_the_assessment_without_computing_again(
    sample: Assessment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """draw_maps passes the assessment's tables; the map module's analyses of a log are never called."""
    before = {name: chart.source for name, chart in draw_maps(sample).items()}

    def recomputed(*args: object, **kwargs: object) -> None:
        pytest.fail("draw_maps computed an analysis again")

    for name in (
        "waiting_times",
        "bottlenecks",
        "start_activities",
        "end_activities",
        "variants",
        "activity_durations",
    ):
        monkeypatch.setattr(f"o2c.render.maps.{name}", recomputed)
    assert {name: chart.source for name, chart in draw_maps(sample).items()} == before


def test_the_page_says_what_the_maps_left_out(sample: Assessment, written: Path) -> None:
    page = (written / "report.html").read_text(encoding="utf-8")
    caption = draw_maps(sample)["frequency"].left_out.caption()
    assert caption.startswith("Left out: 4 activities (") and f"{caption}. The maps keep" in page
    assert "Rare activities and paths are left out" not in page
    # the maps go one above the other, shrunk to the page down to readable text, then scrolled
    svg = (written / "maps" / "frequency.svg").read_text(encoding="utf-8")
    width = float(re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+)', svg).group(1))  # type: ignore[union-attr]
    smallest = min(float(size) for size in re.findall(r'font-size="([\d.]+)"', svg))
    floor = math.ceil(width * READABLE_TEXT_PX / smallest)
    assert f'<svg style="min-width: {floor}px"' in page
    assert ".map, .scroll { overflow-x: auto; }" in page


def test_a_map_that_leaves_nothing_out_says_so(tmp_path: Path) -> None:
    write_report(assess(read_log(example_log()), progress=False), tmp_path, map_activities=1, map_paths=1)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Nothing is left out." in page and "Left out:" not in page


def _money_per_edge_by_brute_force(path: Path, annual_rate: float) -> pd.DataFrame:
    """Per edge, straight from the CSV with pandas: each event beside the next of its order,
    order value (net_value, the first of the order) x the wait in days (an overlap counts 0)."""
    raw = pd.read_csv(path, parse_dates=["timestamp"])
    raw = raw.sort_values(["case_id", "timestamp"], kind="stable").reset_index(drop=True)
    value = raw.groupby("case_id")["net_value"].transform("first")
    nxt = raw.shift(-1)
    pairs = pd.DataFrame(
        {
            "source": raw["activity"],
            "target": nxt["activity"],
            "held": value * (nxt["timestamp"] - raw["timestamp"]).dt.total_seconds().clip(lower=0) / 86_400,
        }
    )[raw["case_id"] == nxt["case_id"]]
    edges = pairs.groupby(["source", "target"])["held"].sum().rename("value_days").to_frame()
    return edges.assign(financing_cost=edges["value_days"] * annual_rate / 365)


def test_value_held_and_financing_cost_per_edge_agree_with_a_brute_force_in_frame_csv_json_and_page(
    sample: Assessment, written: Path, document: dict
) -> None:
    rate = sample.parameters["annual_rate"]
    expected = _money_per_edge_by_brute_force(sample_log("o2c_orders.csv"), rate)
    ranked = sample.bottlenecks.set_index(["source", "target"])
    assert len(ranked) == len(expected) > 10
    for column in ("value_days", "financing_cost"):
        assert ranked[column].to_numpy() == pytest.approx(
            expected.loc[ranked.index, column].to_numpy(), rel=1e-9
        )
    table = pd.read_csv(written / "tables" / "bottlenecks.csv").set_index(["source", "target"])
    assert table["financing_cost"].to_numpy() == pytest.approx(ranked["financing_cost"].round(2).to_numpy())
    top = document["bottlenecks"][0]
    assert top["financing_cost"] == round(ranked["financing_cost"].iloc[0], 2)
    assert top["value_days"] == round(ranked["value_days"].iloc[0], 2)
    page = (written / "report.html").read_text(encoding="utf-8")
    section = page[page.index('id="bottlenecks"') : page.index("What goes with the longest waits")]
    first = expected.loc[(top["source"], top["target"])]
    assert f">{first['value_days']:,.0f}</td>" in section  # the unit is in the header, once
    assert f">{first['financing_cost']:,.0f}</td>" in section
    assert "value held (EUR-days)</th>" in section and "financing cost (EUR)</th>" in section
    assert (
        "the <b>value held</b> (order value × waiting days, in EUR-days) says how much order value sat "
        "waiting there, to rank where money is stuck; the <b>financing cost</b> (value held × 8% a year / 365) "
        "is what that holding costs at the stated cost of capital, the figure to weigh against the cost of a fix."
    ) in section


def test_a_log_without_order_values_has_no_money_per_edge(tmp_path: Path) -> None:
    result = assess(read_log(example_log().drop("value")), progress=False)
    assert (
        "value_days" not in result.bottlenecks.columns and "financing_cost" not in result.bottlenecks.columns
    )
    write_report(result, tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    section = page[page.index('id="bottlenecks"') : page.index('id="processing"')]
    assert "value held" not in section and "financing cost" not in section


@pytest.mark.parametrize(("slower", "quoted"), [(1.1, False), (2.0, True)])
def test_a_driver_is_quoted_only_when_its_orders_wait_materially_longer(slower: float, quoted: bool) -> None:
    """400 orders wait 10 h (+ up to 1 h) between two steps, half of them in region 'slow' that
    much longer: significant either way with 200 orders a side, quoted only at 2x, not at 1.1x."""
    rows = []
    for n in range(400):
        region = "slow" if n % 2 else "fast"
        wait = timedelta(hours=10 * (slower if region == "slow" else 1.0) + (n % 7) / 7)
        start = datetime(2025, 1, 6, 8) + timedelta(days=n)
        rows += [(f"o{n}", "Enter", start, region), (f"o{n}", "Ship", start + wait, region)]
    log = pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "region"], orient="row")
    result = assess(read_log(log), progress=False)
    row = result.drivers.set_index("value").loc["slow"]
    assert row["p_value"] < 0.05 and row["ratio"] == pytest.approx(slower, rel=0.05)
    first = headlines(result)[0]
    assert ("orders with region slow" in first) is quoted
    assert ("at least 1.25 times as long" in first) is not quoted
