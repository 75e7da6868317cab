"""assess(): every frame is the analysis it names, the ideal path is discovered when missing,
lifecycle logs are folded, parameters replay, and pm4py stays silent."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pandas as pd
import polars as pl
import pytest

import o2c
from o2c import example_log
from o2c._assess import STEPS, Assessment, assess
from o2c.conformance.discover import UNSUCCESSFUL_ENDS
from o2c.errors import ArgumentError, InputFileError
from o2c.io import LoadedLog, read_log
from tests.conftest import sample_log

IDEAL = o2c.IdealPath(
    (
        "Create Sales Order",
        "Check Credit",
        "Confirm Order",
        "Ship Goods",
        "Create Invoice",
        "Receive Payment",
    ),
    milestones={"paid": "Receive Payment"},
)


@pytest.fixture(scope="module")
def sample() -> tuple[LoadedLog, o2c.IdealPath, Assessment]:
    loaded = read_log(sample_log("o2c_orders.csv"))
    ideal = o2c.read_ideal_path(sample_log("ideal_path.yaml"))
    return loaded, ideal, assess(loaded, ideal=ideal, progress=False)


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads(sample_log("truth.json").read_text())


def test_every_frame_is_the_analysis_it_is_named_after(
    sample: tuple[LoadedLog, o2c.IdealPath, Assessment],
) -> None:
    loaded, ideal, result = sample
    log = loaded.log
    same = pd.testing.assert_frame_equal
    same(result.variants, o2c.variants(log))
    same(result.directly_follows, o2c.directly_follows(log))
    same(result.waiting_times, o2c.waiting_times(log))
    same(result.bottlenecks, o2c.bottlenecks(log, top=None, ideal=ideal), check_exact=False)
    same(result.rework, o2c.rework(log), check_exact=False)
    same(result.rework_cost, o2c.rework_cost(log), check_exact=False)
    same(result.alignments, o2c.align(log, ideal))
    same(result.cost_of_divergence, o2c.cost_of_divergence(log, o2c.align(log, ideal)))
    same(result.flow_efficiency, o2c.flow_efficiency(log, ideal))
    same(result.data_quality, o2c.data_quality(loaded))
    same(result.kpis, o2c.kpis(log, ideal=ideal))
    same(result.stuck_orders, o2c.stuck_orders(log, ideal=ideal))
    same(
        result.late_payment_drivers,
        o2c.late_payment_drivers(log, ideal=ideal, min_cases=30),
        check_exact=False,
    )
    assert result.first_time_right == o2c.first_time_right(log)
    assert (
        result.conformance.conforming_cases == o2c.conformance_summary(o2c.align(log, ideal)).conforming_cases
    )
    assert result.summary == o2c.log_summary(log)
    assert result.source is loaded.source and result.rejects is loaded.rejects
    assert result.ideal is ideal and not result.ideal_discovered
    assert result.currency == "EUR"
    assert set(result.frames()) >= {"bottlenecks", "drivers", "alignments", "kpis", "conformance"}


def test_drivers_of_the_worst_internal_edges_find_the_planted_region(
    sample: tuple[LoadedLog, o2c.IdealPath, Assessment], truth: dict
) -> None:
    loaded, _, result = sample
    internal = result.bottlenecks[result.bottlenecks["owner"] == "internal"].head(3)
    # drivers of the three worst internal edges; an edge none of whose groups has 30 orders has none
    assert set(result.drivers["rank"].unique()) <= set(internal["rank"])
    for rank, source, target in internal[["rank", "source", "target"]].itertuples(index=False):
        direct = o2c.drivers(loaded.log, (source, target), min_cases=30)
        assert (rank in set(result.drivers["rank"])) == (not direct.empty), (source, target)
    planted = truth["bottleneck"]
    first = result.drivers.iloc[0]
    assert (first["source"], first["target"]) == (planted["source"], planted["target"])
    assert (first["attribute"], first["value"]) == (planted["attribute"], planted["value"])
    assert first["wait_median"] == pd.Timedelta(seconds=planted["wait_median_seconds_value"])
    assert first["others_wait_median"] == pd.Timedelta(seconds=planted["wait_median_seconds_others"])
    edge = (planted["source"], planted["target"])
    direct = o2c.drivers(loaded.log, edge, min_cases=30)
    pd.testing.assert_frame_equal(
        result.drivers[result.drivers["rank"] == first["rank"]]
        .drop(columns=["rank", "source", "target"])
        .reset_index(drop=True),
        direct,
    )


def test_without_an_ideal_path_the_most_frequent_paid_variant_is_discovered(
    example_log: pl.DataFrame,
) -> None:
    """Order 2's trace is the most frequent (orders 2 and 4) but never reaches the payment: the
    ideal path is the most frequent trace of the paid orders 1 and 3 (a tie, the first by name)."""
    log = pl.concat([example_log, example_log.filter(case_id="2").with_columns(case_id=pl.lit("4"))])
    result = assess(read_log(log), progress=False)
    assert result.ideal_discovered
    traces = log.group_by("case_id", maintain_order=True).agg(pl.col("activity").cast(pl.String))
    paid = traces.filter(pl.col("activity").list.contains("Receive Payment"))
    assert paid["case_id"].to_list() == ["1", "3"]
    assert list(result.ideal.steps) == min(paid["activity"].to_list())
    assert result.ideal.milestones == {"paid": "Receive Payment"}
    assert result.conformance.conforming_cases == 1
    assert result.ideal.source == (
        "most frequent variant among the orders that reached 'Receive Payment' and did not pass through a "
        "cancellation, rejection, decline, reversal, credit memo or return: 1 of 2 such orders (4 in all); "
        "runners-up: 1 order"
    )
    assert result.parameters["discover"] == "most_frequent_variant"


@pytest.mark.parametrize(
    "end", ["Cancel Order", "A_DECLINED", "Auftrag storniert", "Create Credit Memo", "Rejected"]
)
def test_a_variant_that_ends_without_success_is_never_the_discovered_path(end: str) -> None:
    """Five orders end in the unsuccessful step, three ship and stop, two are paid: the paid variant
    wins when the paid step is known, else the most frequent successful end."""
    start = datetime(2025, 1, 6)
    rows = []
    for n, trace in enumerate(
        [["Order", end]] * 5 + [["Order", "Ship", "Pay"]] * 2 + [["Order", "Ship"]] * 3
    ):
        rows += [(str(n), step, start + timedelta(days=n, hours=h)) for h, step in enumerate(trace)]
    log = pl.DataFrame(rows, schema=["case_id", "activity", "timestamp"], orient="row")
    ideal = o2c.discover_ideal_path(log, paid="Pay")
    assert ideal.steps == ("Order", "Ship", "Pay")  # type: ignore[union-attr]
    assert o2c.discover_ideal_path(log).steps == ("Order", "Ship")  # type: ignore[union-attr]
    # every variant passes through an unsuccessful step now (Ship): the one that does not end in one
    extended = o2c.discover_ideal_path(log, unsuccessful=(*UNSUCCESSFUL_ENDS, "^Ship$"))
    assert extended.steps == ("Order", "Ship", "Pay")  # type: ignore[union-attr]


def test_a_variant_that_passes_through_a_rejection_is_not_the_discovered_path() -> None:
    """As in BPIC 2012, the most frequent variant declines and then closes its work item (4
    orders): it is not the ideal path; the 3 accepted orders' variant is. When every variant
    declines, the one that does not end in it."""
    start = datetime(2025, 1, 6)
    traces = [["Submit", "A_DECLINED", "Close Lead"]] * 4 + [["Submit", "Accept", "Close Lead"]] * 3
    rows = []
    for n, trace in enumerate(traces + [["Submit", "Close Lead", "A_DECLINED"]] * 5):
        rows += [(str(n), step, start + timedelta(days=n, hours=h)) for h, step in enumerate(trace)]
    log = pl.DataFrame(rows, schema=["case_id", "activity", "timestamp"], orient="row")
    found = o2c.discover_ideal_path(log)
    assert found.steps == ("Submit", "Accept", "Close Lead")  # type: ignore[union-attr]
    assert "did not pass through a cancellation" in found.source  # type: ignore[union-attr]
    declining = log.filter(~pl.col("case_id").is_in([str(n) for n in range(4, 7)]))
    assert o2c.discover_ideal_path(declining).steps == ("Submit", "A_DECLINED", "Close Lead")  # type: ignore[union-attr]


def test_parameters_replay_the_same_results(sample: tuple[LoadedLog, o2c.IdealPath, Assessment]) -> None:
    loaded, ideal, result = sample
    again = assess(loaded, ideal=ideal, progress=False, **result.parameters)
    for name, frame in result.frames().items():
        pd.testing.assert_frame_equal(frame, again.frames()[name], check_exact=False, obj=name)
    other = assess(loaded, ideal=ideal, progress=False, annual_rate=0.16, min_cases=100)
    ratio = other.cost_of_divergence["financing_cost"] / result.cost_of_divergence["financing_cost"]
    assert ratio.round(9).eq(2.0).all()
    assert other.drivers["cases"].min() >= 100


def _lifecycle_log() -> pl.DataFrame:
    start = datetime(2025, 1, 6, 9)
    rows = []
    for case in ("1", "2"):
        for i, activity in enumerate(("Create Sales Order", "Ship Goods")):
            begin = start + timedelta(hours=4 * i)
            rows += [
                (case, activity, begin, "start"),
                (case, activity, begin + timedelta(hours=1), "complete"),
            ]
    return pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "lifecycle"], orient="row")


def test_lifecycle_start_and_complete_events_are_folded() -> None:
    result = assess(read_log(_lifecycle_log()), progress=False)
    assert result.parameters["fold_lifecycle"] is True
    # two instances per order: one edge, waiting from 10:00 (complete) to 13:00 (start of the next)
    edges = result.waiting_times
    assert edges[["source", "target", "transitions"]].values.tolist() == [
        ["Create Sales Order", "Ship Goods", 2]
    ]
    assert edges["wait_median"].iloc[0] == pd.Timedelta(hours=3)
    assert result.activity_durations["duration_median"].eq(pd.Timedelta(hours=1)).all()
    unfolded = assess(read_log(_lifecycle_log()), fold_lifecycle=False, progress=False)
    assert unfolded.waiting_times["transitions"].sum() == 6  # 4 events per order, every event a node


def test_a_log_with_every_row_rejected_is_an_input_error() -> None:
    frame = pd.DataFrame(
        {"case_id": ["", ""], "activity": ["a", "b"], "timestamp": ["2025-01-01", "2025-01-02"]}
    )
    with pytest.warns(o2c.RejectedRowsWarning):
        loaded = read_log(frame)
    with pytest.raises(InputFileError, match="no events are left to assess"):
        assess(loaded, progress=False)


@pytest.mark.parametrize(
    ("options", "argument"),
    [({"discover": "most_frequent"}, "discover"), ({"driver_edges": -1}, "driver_edges"),
     ({"min_cases": 0}, "min_cases"), ({"annual_rate": -0.1}, "annual_rate")],
)  # fmt: skip
def test_bad_arguments_say_which(options: dict, argument: str, example_log: pl.DataFrame) -> None:
    with pytest.raises(ArgumentError, match=f"'{argument}' argument of assess"):
        assess(read_log(example_log), progress=False, **options)


def test_one_progress_bar_over_the_steps(
    example_log: pl.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded = read_log(example_log)
    assess(loaded, ideal=IDEAL, progress=True)
    err = capsys.readouterr().err
    assert "assessing" in err and f"/{len(STEPS)}" in err
    assess(loaded, ideal=IDEAL, progress=False)
    assert capsys.readouterr() == ("", "")


def test_pm4py_is_silent_when_it_discovers_and_aligns(
    example_log: pl.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    result = assess(read_log(example_log), discover="inductive_miner", progress=False)
    assert isinstance(result.ideal, o2c.ProcessModel) and result.ideal_discovered
    assert result.alignments["resolved"].all()
    assert capsys.readouterr() == ("", "")


def test_a_log_without_milestones_has_kpis_but_no_late_payment_drivers() -> None:
    log = example_log().with_columns(
        activity=pl.col("activity")
        .cast(pl.String)
        .replace({"Create Invoice": "Step X", "Receive Payment": "Step Y"})
    )
    result = assess(read_log(log), progress=False)
    assert result.milestones.set_index("milestone").loc[["invoiced", "paid"], "activity"].isna().all()
    assert result.late_payment_drivers.empty
    assert list(result.late_payment_drivers.columns) == list(
        o2c.late_payment_drivers(example_log(), min_cases=1).columns
    )
    assert pd.isna(result.kpis.set_index("kpi").loc["invoice_to_cash", "duration"])
