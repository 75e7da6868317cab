"""o2c.case_timeline: an order's steps beside the ideal path, counted by hand, against pm4py."""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

import pandas as pd
import polars as pl
import pytest

from o2c import _pm4py, example_log, kpis, read_ideal_path, read_log, rework
from o2c._kpis._orders import case_table
from o2c._milestones import find_milestones
from o2c.conformance import align
from o2c.conformance.alignments import _as_model
from o2c.errors import ArgumentError
from o2c.log import validate
from o2c.model import IdealPath
from o2c.timeline import COLUMNS, MOVES, _timelines, _to_pandas, case_timeline
from tests.conftest import sample_log

IDEAL = IdealPath(
    ("Create Sales Order", "Check Credit", "Ship Goods", "Create Invoice", "Receive Payment"),
    optional=frozenset({"Check Credit"}),
    milestones={"ordered": "Create Sales Order", "delivered": "Ship Goods",
                "invoiced": "Create Invoice", "paid": "Receive Payment"},
)  # fmt: skip
H = timedelta(hours=1)
NAT = pd.NaT


def _at(day: int, hour: float) -> datetime:
    return datetime(2025, 1, day) + timedelta(hours=hour)


def _hand_log() -> pl.DataFrame:
    """Order A: paid five days late, ships twice around a price change; B: never shipped nor
    paid; 17: only ordered. Start times on most events (Create Invoice of A has none)."""
    rows = [  # case, activity, start, end, resource, due date
        ("A", "Create Sales Order", _at(1, 8), _at(1, 9), "anna", date(2025, 1, 15)),
        ("A", "Ship Goods", _at(1, 12), _at(1, 14), "ben", date(2025, 1, 15)),
        ("A", "Change Price", _at(2, 10), _at(2, 10.5), "anna", date(2025, 1, 15)),
        ("A", "Ship Goods", _at(3, 9), _at(3, 10), "ben", date(2025, 1, 15)),
        ("A", "Create Invoice", None, _at(3, 12), "BATCH", date(2025, 1, 15)),
        ("A", "Receive Payment", _at(20, 10), _at(20, 10), "BANK", date(2025, 1, 15)),
        ("B", "Create Sales Order", _at(2, 8), _at(2, 8.5), "carl", date(2025, 2, 1)),
        ("B", "Create Invoice", _at(4, 8), _at(4, 9), "BATCH", date(2025, 2, 1)),
        ("17", "Create Sales Order", _at(5, 8), _at(5, 9), None, None),
    ]
    return pl.DataFrame(
        rows,
        schema=["case_id", "activity", "start_timestamp", "timestamp", "resource", "due_date"],
        orient="row",
    )


def _utc(moment: datetime | None) -> pd.Timestamp:
    return pd.NaT if moment is None else pd.Timestamp(moment, tz="UTC")


def test_hand_counted_order_with_rework_an_insertion_start_times_and_late_payment() -> None:
    timeline = case_timeline(_hand_log(), "A", ideal=IDEAL)
    assert tuple(timeline.columns) == COLUMNS
    expected = pd.DataFrame(
        {
            "case_id": ["A"] * 6,
            "step": pd.array([1, 2, 3, 4, 5, 6], dtype="Int64"),
            "activity": [
                "Create Sales Order",
                "Ship Goods",
                "Change Price",
                "Ship Goods",
                "Create Invoice",
                "Receive Payment",
            ],
            "timestamp": [
                _utc(_at(d, h)) for d, h in ((1, 9), (1, 14), (2, 10.5), (3, 10), (3, 12), (20, 10))
            ],
            "resource": ["anna", "ben", "anna", "ben", "BATCH", "BANK"],
            # start of each event minus the end of the one before; Create Invoice has no start
            "wait": [NAT, 3 * H, 20 * H, 22.5 * H, 2 * H, 16 * 24 * H + 22 * H],
            "processing": [H, 2 * H, 0.5 * H, H, NAT, 0 * H],
            # Check Credit is optional: skipped as allowed, no row; the second shipment is inserted
            "move": ["on path", "on path", "inserted", "inserted", "on path", "on path"],
            "rework": [False, False, False, True, False, False],
            "milestone": pd.Series(["ordered", "delivered", None, None, "invoiced", "paid"], dtype=object),
            "days_past_due": [5.0] * 6,  # paid on 20 January, due on the 15th
        }
    )
    pd.testing.assert_frame_equal(timeline, expected, check_dtype=False)
    assert timeline["timestamp"].dt.tz is not None


def test_with_a_calendar_waits_and_processing_are_working_time_counted_by_hand() -> None:
    """Weekdays 08:00-12:00 and 13:00-17:00 (UTC), 2 January 2025 (a Thursday) a holiday."""
    from o2c import WorkingCalendar

    spans = ["08:00-12:00", "13:00-17:00"]
    office = WorkingCalendar(
        {d: spans for d in ("mon", "tue", "wed", "thu", "fri")}, holidays=[date(2025, 1, 2)]
    )
    timeline = case_timeline(_hand_log(), "A", ideal=IDEAL, calendar=office)
    plain = case_timeline(_hand_log(), "A", ideal=IDEAL)
    assert list(timeline.columns) == [
        *COLUMNS[:6],
        "wait_calendar",
        "processing",
        "processing_calendar",
        *COLUMNS[7:],
    ]
    # 09-12 on the 1st; 14-17 on the 1st (the 2nd a holiday); 08-09 on the 3rd; 10-12; the rest
    # of the 3rd (13-17), two whole weeks (80 h) and 08-10 on Monday the 20th
    assert timeline["wait"].tolist()[1:] == [3 * H, 3 * H, H, 2 * H, (4 + 80 + 2) * H]
    # lunch from 12 to 13 is no work; Change Price on the holiday neither
    processing = timeline["processing"].tolist()
    assert pd.isna(processing[4])
    assert processing[:4] + processing[5:] == [H, H, 0 * H, H, 0 * H]
    pd.testing.assert_series_equal(timeline["wait_calendar"], plain["wait"], check_names=False)
    pd.testing.assert_series_equal(timeline["processing_calendar"], plain["processing"], check_names=False)
    pd.testing.assert_frame_equal(timeline[list(COLUMNS)].drop(columns=["wait", "processing"]),
                                  plain.drop(columns=["wait", "processing"]))  # fmt: skip


def test_skipped_steps_get_rows_where_the_alignment_puts_them() -> None:
    timeline = case_timeline(_hand_log(), "B", ideal=IDEAL)
    assert timeline["activity"].tolist() == [
        "Create Sales Order",
        "Ship Goods",
        "Create Invoice",
        "Receive Payment",
    ]
    assert timeline["move"].tolist() == ["on path", "skipped", "on path", "skipped"]
    assert timeline["step"].tolist() == [1, pd.NA, 2, pd.NA]
    skipped = timeline[timeline["move"] == "skipped"]
    assert skipped["timestamp"].isna().all() and skipped["wait"].isna().all()
    assert not skipped["rework"].any() and skipped["milestone"].isna().all()
    assert timeline["wait"].tolist()[2] == 2 * 24 * H - 0.5 * H  # 4 Jan 08:00 - 2 Jan 08:30
    assert timeline["milestone"].tolist() == ["ordered", None, "invoiced", None]
    assert timeline["days_past_due"].isna().all()  # due, but not paid


def test_case_ids_compare_as_text_and_a_log_without_resources_has_none() -> None:
    log = _hand_log().drop("resource", "start_timestamp")
    timeline = case_timeline(log, 17, ideal=IDEAL)
    assert timeline["case_id"].tolist() == ["17"] * 4
    assert timeline["move"].tolist() == ["on path", "skipped", "skipped", "skipped"]
    assert timeline["resource"].isna().all() and timeline["processing"].isna().all()
    assert timeline["days_past_due"].isna().all()  # no due date


def test_an_unknown_order_is_named_with_some_that_exist() -> None:
    with pytest.raises(ArgumentError) as raised:
        case_timeline(_hand_log(), "C", ideal=IDEAL)
    assert raised.value.value == "C" and raised.value.argument == "case_id"
    assert "'C'" in str(raised.value) and "'17'" in str(raised.value)
    assert set(raised.value.allowed or ()) <= {"17", "A", "B"}


def test_lifecycle_events_are_folded_into_instances_with_their_processing_time() -> None:
    log = pl.DataFrame(
        {
            "case_id": ["1"] * 4,
            "activity": ["Create Sales Order", "Create Sales Order", "Ship Goods", "Ship Goods"],
            "timestamp": [_at(1, 8), _at(1, 9), _at(1, 11), _at(1, 15)],
            "lifecycle": ["start", "complete", "start", "complete"],
        }
    )
    timeline = case_timeline(log, "1", ideal=IdealPath(("Create Sales Order", "Ship Goods")))
    assert timeline["step"].tolist() == [1, 2]
    assert timeline["processing"].tolist() == [H, 4 * H]
    assert timeline["wait"].tolist()[1] == 2 * H  # 11:00 start minus 09:00 end


def test_all_timelines_at_once_equal_each_order_alone() -> None:
    for log, ideal in ((_hand_log(), IDEAL), (example_log(), None), (_sample_log(), _sample_ideal())):
        log = validate(log)
        everything = _to_pandas(_timelines(log, ideal=ideal))
        ids = log["case_id"].unique(maintain_order=True).to_list()
        one_by_one = pd.concat([case_timeline(log, i, ideal=ideal) for i in ids[:60]], ignore_index=True)
        pd.testing.assert_frame_equal(
            everything[everything["case_id"].isin(ids[:60])].reset_index(drop=True), one_by_one
        )
        assert set(everything["move"]) <= set(MOVES)
        assert everything["case_id"].unique().tolist() == ids  # every order, in log order


@functools.cache
def _sample_log() -> pl.DataFrame:
    return read_log(sample_log("o2c_orders.csv")).log


@functools.cache
def _sample_ideal() -> IdealPath:
    return read_ideal_path(sample_log("ideal_path.yaml"))


def test_moves_agree_with_pm4pys_alignment_of_each_variant_of_the_sample_log() -> None:
    """Per variant, pm4py's cost is 10000 per skipped or inserted row; and per order, pm4py's own
    moves (the ideal path as a Petri net, through ``_pm4py.align_traces``) skip and insert the
    same activities as often. Where several alignments are optimal the two may order a skipped
    and an inserted step differently, or insert another repeat: rows are compared as counts."""
    log, ideal = _sample_log(), _sample_ideal()
    ours = _timelines(log, ideal=ideal)
    theirs = _timelines(log, ideal=_as_model(ideal))  # pm4py's alignment moves
    net, initial, final = _pm4py.sequence_net(ideal.steps, ideal.optional)
    per_order = ours.group_by("case_id", maintain_order=True).agg(
        trace=pl.col("activity").filter(pl.col("move") != "skipped"),
        deviations=(pl.col("move") != "on path").sum(),
    )
    variants = per_order.unique("trace", maintain_order=True)
    assert variants.height > 100
    results = list(_pm4py.align_traces(variants["trace"].to_list(), net, initial, final, timeout=30))
    assert all(r is not None for r in results)
    assert [r["cost"] // 10_000 for r in results] == variants["deviations"].to_list()

    def counted(timelines: pl.DataFrame) -> pl.DataFrame:
        return timelines.group_by("case_id", "activity", "move").len().sort("case_id", "activity", "move")

    assert counted(ours).equals(counted(theirs))
    events = pl.col("move") != "skipped"
    assert (
        ours.filter(events)
        .select("case_id", "step", "activity")
        .equals(theirs.filter(events).select("case_id", "step", "activity"))
    )


def test_moves_are_the_alignment_align_reports() -> None:
    log, ideal = _sample_log(), _sample_ideal()
    timelines = _timelines(log, ideal=ideal)
    moves = timelines.group_by("case_id", maintain_order=True).agg(
        skipped=pl.col("activity").filter(pl.col("move") == "skipped"),
        inserted=pl.col("activity").filter(pl.col("move") == "inserted"),
    )
    aligned = align(log, ideal)
    assert moves["case_id"].to_list() == aligned["case_id"].tolist()
    assert [tuple(s) for s in moves["skipped"].to_list()] == aligned["skipped_steps"].tolist()
    assert [tuple(i) for i in moves["inserted"].to_list()] == aligned["inserted_steps"].tolist()


def test_rework_counts_the_extra_executions_rework_reports() -> None:
    log = _sample_log()
    flagged = _timelines(log, ideal=_sample_ideal()).filter("rework").group_by("activity").len()
    repeats = rework(log).query("kind == 'repeat'").set_index("activity")["extra_executions"]
    assert dict(flagged.rows()) == repeats.to_dict()


def test_milestones_and_days_past_due_are_the_kpis() -> None:
    log, ideal = _sample_log(), _sample_ideal()
    timelines = _timelines(log, ideal=ideal)
    cases = case_table(log, find_milestones(log, ideal))
    for name in ("ordered", "delivered", "invoiced", "paid"):
        reached = timelines.filter(pl.col("milestone") == name).select("case_id", "timestamp")
        expected = cases.select("case_id", pl.col(f"at_{name}").alias("timestamp")).drop_nulls()
        assert reached.equals(expected), name
    per_order = timelines.unique("case_id", maintain_order=True)["days_past_due"].drop_nans().drop_nulls()
    assert per_order.len() > 0
    kpi = kpis(log, ideal=ideal).set_index("kpi").loc["days_past_due"]
    assert pd.Timedelta(days=float(per_order.median())) == kpi["duration"]
    assert per_order.len() == kpi["orders_covered"]


def test_the_chart_has_a_row_per_step_with_skipped_steps_greyed_and_the_counts_in_its_title() -> None:
    from o2c.render.plots import plot_case_timeline

    timeline = case_timeline(_hand_log(), "B", ideal=IDEAL)
    fig = plot_case_timeline(timeline)
    ticks = fig.axes[0].get_yticklabels()
    assert [t.get_text() for t in ticks] == [
        "1  Create Sales Order",
        "  Ship Goods",
        "2  Create Invoice",
        "  Receive Payment",
    ]
    assert [t.get_fontstyle() for t in ticks] == ["normal", "italic", "normal", "italic"]
    assert fig.texts[0].get_text() == "Order B: 2 steps over 2.0 d; 2 skipped"
    notes = [t.get_text() for t in fig.axes[0].texts]
    assert notes == [
        "ORDERED · by carl · took 30 min",
        "skipped",
        "INVOICED · by BATCH · waited 2.0 d · took 1.0 h",
        "skipped",
    ]
    late = plot_case_timeline(case_timeline(_hand_log(), "A", ideal=IDEAL)).texts[0].get_text()
    assert late == "Order A: 6 steps over 19 d; 2 inserted, 1 rework; paid 5 days late"


def test_the_log_is_validated_once_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import o2c.log

    log, original, calls = example_log(), o2c.log.validate, []

    def counting(log: object) -> pl.DataFrame:
        calls.append(sys._getframe(1).f_code.co_name)
        return original(log)  # type: ignore[arg-type]

    for name, module in list(sys.modules.items()):
        if name.startswith("o2c") and vars(module).get("validate") is original:
            monkeypatch.setattr(module, "validate", counting)
    case_timeline(log, "2")  # the ideal path discovered, milestones guessed
    assert calls == ["case_timeline"]
